//! A whole synthetic cohort: patients (some with 2-3 exams), exam specs, reports, phantoms
//! written as DICOM, true labels, and outcomes from a hazard model driven by disease burden.
//!
//! Everything is planned first, sequentially, from one seeded generator (so the plan does not
//! depend on thread scheduling); each exam is then rendered from its own generator seeded by
//! (seed, exam index) in parallel, into a temporary folder renamed into place when complete.

use crate::dates::{Day, Instant};
use crate::dicom::{Acquisition, PatientTags, SeriesGeometry, UidSource, Vendor, write_series};
use crate::phantom::{Phantom, PhantomError};
use crate::sampler::{Patient, sample_patient, summary_code};
use crate::spec::{ExamSpec, ReportedAs, Sex};
use crate::taxonomy::{TASK_REGIONS, ancestors_or_self, is_ancestor_or_self, task_region_names};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use uptake_core::{ExamId, RegionTable, write_atomic};

/// Image sampling. `None` fields are drawn per exam from realistic scanner settings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Resolution {
    pub ct_size: Option<usize>,
    pub pet_size: Option<usize>,
    pub ct_slice_mm: Option<f32>,
    pub pet_slice_mm: Option<f32>,
}

impl Resolution {
    /// Clinical sampling: CT 512x512 at 0.7-1 mm, 2.5-5 mm slices; PET 128 or 192.
    pub fn full() -> Self {
        Resolution::default()
    }

    /// Reduced sampling for tests and demos: CT 128x128, PET 64x64, 6 and 8 mm slices.
    pub fn small() -> Self {
        Resolution {
            ct_size: Some(128),
            pet_size: Some(64),
            ct_slice_mm: Some(6.0),
            pet_slice_mm: Some(8.0),
        }
    }
}

/// Writes the report text of an exam (the report generator's `write_report`).
pub type ReportWriter = fn(&ExamSpec, &mut ChaCha8Rng) -> String;

#[derive(Debug, Clone)]
pub struct CohortConfig {
    pub n: usize,
    pub seed: u64,
    pub resolution: Resolution,
    /// Fraction of exams injected before midnight and scanned after it.
    pub midnight_fraction: f64,
    /// Add CT and PET noise (tests switch it off to compare values exactly).
    pub noise: bool,
    /// Worker threads; 0 = all cores.
    pub threads: usize,
    /// Lesion sizes in the images are multiplied by this (reports keep the sampled sizes).
    /// 1 = realistic. A reduced-resolution cohort can scale lesions with its voxels so they
    /// cover as many voxels as at full resolution (see `uptake synth cohort --lesion-scale`).
    pub lesion_scale: f32,
    /// Put before every exam and patient id (`E00001` becomes `{prefix}E00001`), so cohorts of
    /// different seeds can share one exam store and one label file. Empty: no prefix.
    pub id_prefix: String,
    pub report_writer: ReportWriter,
}

#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Atomic(#[from] uptake_core::AtomicWriteError),
    #[error(transparent)]
    Table(#[from] uptake_core::TableError),
    #[error(transparent)]
    Phantom(#[from] PhantomError),
    #[error(transparent)]
    Dicom(#[from] crate::dicom::DicomWriteError),
    #[error(
        "{failed} of {total} exams failed; finished exams are intact, no manifest was written. First: {first}"
    )]
    Exams {
        failed: usize,
        total: usize,
        first: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CohortError + '_ {
    move |source| CohortError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Survival of one patient, from the last exam.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub death: Option<Day>,
    /// Last day known alive, or the death day.
    pub censor: Day,
}

/// One exam, fully decided before rendering.
#[derive(Debug, Clone)]
pub struct PlannedExam {
    pub index: usize,
    pub spec: ExamSpec,
    pub acquisition: Acquisition,
    pub report: String,
    pub outcome: Outcome,
}

/// Index of a patient's disease burden for the hazard model (documented in docs/synthetic-cohort.md).
pub fn burden(spec: &ExamSpec) -> f64 {
    let mut regions: Vec<&str> = spec.lesions.iter().map(|l| l.region.as_str()).collect();
    regions.sort_unstable();
    regions.dedup();
    let max_suv = spec
        .lesions
        .iter()
        .map(|l| l.suv_max as f64)
        .fold(0.0, f64::max);
    0.35 * regions.len().min(8) as f64 + 0.06 * max_suv
}

fn indication_log_hazard(indication: &str) -> f64 {
    match indication {
        "lung cancer" => 0.9,
        "melanoma" => 0.5,
        "sarcoma" => 0.4,
        "colorectal cancer" => 0.4,
        "head and neck cancer" => 0.3,
        "breast cancer" => -0.3,
        _ => 0.0,
    }
}

/// End of follow-up for everybody (administrative censoring).
fn study_end() -> Day {
    Day::from_ymd(2020, 12, 31)
}

fn sample_outcome(last: &ExamSpec, last_day: Day, rng: &mut impl Rng) -> Outcome {
    let male = if last.sex == Sex::Male { 0.2 } else { 0.0 };
    let log_rate = (0.05f64).ln()
        + burden(last)
        + indication_log_hazard(&last.indication)
        + 0.03 * (last.age_years as f64 - 60.0)
        + male;
    let per_year = log_rate.exp();
    let exp_days = |rate_per_year: f64, rng: &mut dyn rand::RngCore| -> f64 {
        let u: f64 = rng.random_range(f64::EPSILON..1.0);
        -u.ln() / rate_per_year * 365.25
    };
    let death_after = exp_days(per_year, rng);
    let lost_after = exp_days(0.05, rng);
    let admin = (study_end().0 - last_day.0) as f64;
    let follow = admin.min(lost_after);
    if death_after < follow {
        let d = last_day.plus(death_after.ceil().max(1.0) as i64);
        Outcome {
            death: Some(d),
            censor: d,
        }
    } else {
        Outcome {
            death: None,
            censor: last_day.plus(follow.floor() as i64),
        }
    }
}

fn plan_acquisition(
    spec: &ExamSpec,
    day: Day,
    cfg: &CohortConfig,
    rng: &mut impl Rng,
) -> Acquisition {
    let res = cfg.resolution;
    let anatomy = crate::anatomy::Anatomy::build(crate::anatomy::BodySize {
        height_cm: spec.height_cm,
        weight_kg: spec.weight_kg,
        sex: spec.sex,
    });
    let vendor = if rng.random_bool(0.6) {
        Vendor::Ge
    } else {
        Vendor::Siemens
    };
    // CT: reconstruction field of view fitted to the body, centred a little off the body axis.
    let ct_size = res.ct_size.unwrap_or(512);
    let fov = (2.0 * anatomy.half_extent_mm[0] + 40.0).clamp(400.0, 500.0);
    let ct_slice = res
        .ct_slice_mm
        .unwrap_or_else(|| [2.5, 3.0, 3.75, 3.75, 5.0][rng.random_range(0..5)]);
    let head_disease = spec.lesions.iter().any(|l| l.region == "head");
    let from_vertex = head_disease || rng.random_bool(0.6);
    let top = if from_vertex {
        rng.random_range(0.0..15.0)
    } else {
        anatomy.skull_base_z_mm + rng.random_range(0.0..20.0)
    };
    let bottom = anatomy.z_extent_mm[0] + rng.random_range(0.0..40.0);
    let ct = SeriesGeometry {
        size: ct_size,
        pixel_mm: fov / ct_size as f32,
        slice_mm: ct_slice,
        center_mm: [rng.random_range(-12.0..12.0), rng.random_range(-20.0..10.0)],
        z_top_mm: top,
        slices: ((top - bottom) / ct_slice).floor() as usize + 1,
    };
    // PET: the scanner's own field of view, slice spacing and axial extent.
    let (pet_size, pet_pixel) = match res.pet_size {
        Some(n) => (n, (600.0 / n as f32).max(2.0)),
        None => match (vendor, rng.random_bool(0.5)) {
            (Vendor::Ge, true) => (192, 3.646),
            (Vendor::Ge, false) => (128, 5.469),
            (Vendor::Siemens, true) => (192, 3.646),
            (Vendor::Siemens, false) => (128, 4.073),
        },
    };
    let pet_slice = res.pet_slice_mm.unwrap_or(match vendor {
        Vendor::Ge => 3.27,
        Vendor::Siemens => 3.0,
    });
    let pet_top = top - rng.random_range(0.0..20.0);
    let pet_bottom = bottom + rng.random_range(-15.0..15.0);
    let pet = SeriesGeometry {
        size: pet_size,
        pixel_mm: pet_pixel,
        slice_mm: pet_slice,
        center_mm: [0.0, 0.0],
        z_top_mm: pet_top,
        slices: ((pet_top - pet_bottom) / pet_slice).floor() as usize + 1,
    };
    // Times: injection, ~60 min uptake, CT then PET. Some exams cross midnight.
    let midnight = rng.random_bool(cfg.midnight_fraction.clamp(0.0, 1.0));
    let injection_s = if midnight {
        rng.random_range(23 * 3600 + 15 * 60..23 * 3600 + 50 * 60)
    } else {
        rng.random_range(7 * 3600 + 30 * 60..15 * 3600)
    };
    let injection = Instant {
        day,
        seconds: injection_s,
    };
    let uptake_s = rng.random_range(55 * 60..75 * 60);
    let pet_start = injection.plus_seconds(uptake_s);
    let ct_start = pet_start.plus_seconds(-rng.random_range(180..360));
    let study_start = injection.plus_seconds(-rng.random_range(600..1800));
    let dose_mbq = (spec.weight_kg as f64 * rng.random_range(3.5..5.2)).clamp(200.0, 550.0);
    Acquisition {
        vendor,
        study_start,
        injection,
        ct_start,
        pet_start,
        bed_duration_s: rng.random_range(120..181),
        bed_length_mm: 150.0,
        dose_bq: (dose_mbq * 100.0).round() * 1.0e4,
        ct,
        pet,
        write_injection_datetime: rng.random_bool(0.5),
        ct_noise_hu: if cfg.noise {
            rng.random_range(8.0..18.0)
        } else {
            0.0
        },
        pet_noise: if cfg.noise {
            rng.random_range(0.06..0.12)
        } else {
            0.0
        },
    }
}

/// Decides every exam of the cohort (patients, specs, dates, scanner settings, reports,
/// outcomes) from the seed.
pub fn plan(cfg: &CohortConfig) -> Vec<PlannedExam> {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut out: Vec<PlannedExam> = Vec::with_capacity(cfg.n);
    let first_day = Day::from_ymd(2010, 1, 1);
    let last_first_day = Day::from_ymd(2017, 12, 31);
    let mut patient_no = 0;
    while out.len() < cfg.n {
        patient_no += 1;
        let mut patient: Patient =
            sample_patient(&format!("{}P{patient_no:05}", cfg.id_prefix), &mut rng);
        let r: f64 = rng.random();
        let exams = if r < 0.7 {
            1
        } else if r < 0.9 {
            2
        } else {
            3
        };
        let exams = exams.min(cfg.n - out.len());
        let first_exam = Day(rng.random_range(first_day.0..=last_first_day.0));
        let mut day = first_exam;
        let start = out.len();
        for k in 0..exams {
            if k > 0 {
                // Follow-up scans months apart; weight drifts a little.
                day = day.plus(rng.random_range(60..400));
                patient.weight_kg =
                    (patient.weight_kg * rng.random_range(0.95f32..1.05) * 10.0).round() / 10.0;
            }
            let index = out.len();
            let exam_id =
                ExamId::new(format!("{}E{:05}", cfg.id_prefix, index + 1)).expect("non-empty id");
            let mut p = patient.clone();
            p.age_years = patient.age_years + ((day.0 - first_exam.0) / 365) as u32;
            let (lesions, lookalikes) =
                crate::reports::sample_findings(&p.indication, p.sex, p.age_years, &mut rng);
            let summary_code = summary_code(&lesions, &lookalikes, &mut rng);
            let spec = ExamSpec {
                exam_id,
                patient_id: p.patient_id.clone(),
                age_years: p.age_years,
                sex: p.sex,
                indication: p.indication.clone(),
                weight_kg: p.weight_kg,
                height_cm: p.height_cm,
                lesions,
                lookalikes,
                summary_code,
            };
            let acquisition = plan_acquisition(&spec, day, cfg, &mut rng);
            let report = (cfg.report_writer)(&spec, &mut rng);
            out.push(PlannedExam {
                index,
                spec,
                acquisition,
                report,
                outcome: Outcome {
                    death: None,
                    censor: day,
                },
            });
        }
        let last = &out[out.len() - 1];
        let outcome = sample_outcome(&last.spec, last.acquisition.pet_start.day, &mut rng);
        for e in &mut out[start..] {
            e.outcome = outcome.clone();
        }
    }
    out
}

/// The region map written beside each exam's DICOM (`regions.json`).
#[derive(Debug, Serialize)]
struct RegionMap<'a> {
    format: &'static str,
    exam_id: &'a str,
    coordinates: &'static str,
    task_regions: Vec<TaskRegionBox>,
    structures: Vec<StructureEntry<'a>>,
    lesions: Vec<LesionEntry<'a>>,
    lookalikes: &'a [crate::phantom::PlacedLookalike],
    physiology: &'a crate::anatomy::Physiology,
    reference_points_mm: ReferencePoints,
    acquisition: &'a Acquisition,
}

#[derive(Debug, Serialize)]
struct BBox {
    min: [f32; 3],
    max: [f32; 3],
}

#[derive(Debug, Serialize)]
struct TaskRegionBox {
    region: &'static str,
    bbox_mm: BBox,
    structures: Vec<String>,
}

#[derive(Debug, Serialize)]
struct StructureEntry<'a> {
    name: &'a str,
    task_region: &'a str,
    also_region: Option<&'a str>,
    side: crate::spec::Side,
    bbox_mm: BBox,
    shape: &'a crate::geometry::Shape,
}

#[derive(Debug, Serialize)]
struct LesionEntry<'a> {
    site: &'a str,
    region: &'a str,
    structure: &'a str,
    resolution: crate::sites::Resolution,
    reported_as: ReportedAs,
    center_mm: [f32; 3],
    radii_mm: [f32; 3],
    suv_max: f32,
}

#[derive(Debug, Serialize)]
struct ReferencePoints {
    /// Centre of the right liver lobe (for a liver reference SUV).
    liver: [f32; 3],
    /// A point in the descending aorta (blood pool).
    blood_pool: [f32; 3],
}

fn region_map<'a>(exam: &'a PlannedExam, phantom: &'a Phantom) -> RegionMap<'a> {
    let structures = &phantom.anatomy.structures;
    let mut task_regions = Vec::new();
    for region in TASK_REGIONS.iter().map(|t| t.name) {
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        let mut names: Vec<String> = Vec::new();
        for s in structures {
            let inside = region == "full"
                || (s.site
                    && (is_ancestor_or_self(region, s.task_region)
                        || s.also_region
                            .is_some_and(|r| is_ancestor_or_self(region, r))));
            if !inside {
                continue;
            }
            let (a, b) = s.shape.bbox();
            for k in 0..3 {
                lo[k] = lo[k].min(a[k]);
                hi[k] = hi[k].max(b[k]);
            }
            if s.site && !names.contains(&s.name) {
                names.push(s.name.clone());
            }
        }
        if lo[0].is_finite() {
            task_regions.push(TaskRegionBox {
                region,
                bbox_mm: BBox { min: lo, max: hi },
                structures: names,
            });
        }
    }
    let entries = structures
        .iter()
        .filter(|s| s.site)
        .map(|s| {
            let (min, max) = s.shape.bbox();
            StructureEntry {
                name: &s.name,
                task_region: s.task_region,
                also_region: s.also_region,
                side: s.side,
                bbox_mm: BBox { min, max },
                shape: &s.shape,
            }
        })
        .collect();
    let lesions = phantom
        .lesions
        .iter()
        .zip(&exam.spec.lesions)
        .map(|(p, l)| LesionEntry {
            site: &p.site,
            region: &p.region,
            structure: &p.structure,
            resolution: p.resolution,
            reported_as: l.reported_as,
            center_mm: p.hotspot.center_mm,
            radii_mm: p.hotspot.radii_mm,
            suv_max: p.hotspot.suv_peak,
        })
        .collect();
    let centre = |name: &str| -> [f32; 3] {
        let i = phantom.anatomy.named(name).first().copied().unwrap_or(0);
        let (a, b) = structures[i].shape.bbox();
        [
            (a[0] + b[0]) / 2.0,
            (a[1] + b[1]) / 2.0,
            (a[2] + b[2]) / 2.0,
        ]
    };
    RegionMap {
        format: "uptake-synth-regions/1",
        exam_id: exam.spec.exam_id.as_str(),
        coordinates: "DICOM patient coordinates (LPS), mm: +x patient left, +y posterior, +z head",
        task_regions,
        structures: entries,
        lesions,
        lookalikes: &phantom.lookalikes,
        physiology: &phantom.physiology,
        reference_points_mm: ReferencePoints {
            // Right lobe: the first liver part is the right one; move 20 mm right of its centre.
            liver: {
                let c = centre("liver");
                [c[0] - 20.0, c[1], c[2]]
            },
            blood_pool: centre("aorta"),
        },
        acquisition: &exam.acquisition,
    }
}

/// Where an exam's files live, relative to the cohort folder.
pub fn exam_dir(exam_id: &ExamId) -> PathBuf {
    Path::new("exams").join(exam_id.as_str())
}

/// The exam's phantom and the generator (positioned after building it) that then draws its
/// image noise: both depend only on the seed and the exam's index.
pub fn exam_phantom(
    exam: &PlannedExam,
    cfg: &CohortConfig,
) -> Result<(Phantom, ChaCha8Rng), PhantomError> {
    let mut rng = ChaCha8Rng::seed_from_u64(
        cfg.seed ^ (exam.index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    let phantom = Phantom::build_scaled(&exam.spec, cfg.lesion_scale, &mut rng)?;
    Ok((phantom, rng))
}

/// Renders and writes one exam into `out/exams/<id>/` (through a temporary folder).
pub fn write_exam(exam: &PlannedExam, cfg: &CohortConfig, out: &Path) -> Result<(), CohortError> {
    let final_dir = out.join(exam_dir(&exam.spec.exam_id));
    let parent = final_dir.parent().unwrap_or(out).to_path_buf();
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let tmp = parent.join(format!(".tmp-{}-{}", exam.spec.exam_id, std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    let result = (|| {
        let (phantom, mut rng) = exam_phantom(exam, cfg)?;
        let patient = PatientTags {
            patient_id: &exam.spec.patient_id,
            exam_id: exam.spec.exam_id.as_str(),
            female: exam.spec.sex == Sex::Female,
            age_years: exam.spec.age_years,
            weight_kg: exam.spec.weight_kg,
            height_cm: exam.spec.height_cm,
        };
        let uids = UidSource {
            seed: cfg.seed,
            exam_index: exam.index as u64,
        };
        write_series(
            &phantom,
            &patient,
            &exam.acquisition,
            uids,
            &tmp.join("dicom"),
            &mut rng,
        )?;
        let map = region_map(exam, &phantom);
        let path = tmp.join("regions.json");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).map_err(io(&path))?);
        serde_json::to_writer_pretty(&mut f, &map).map_err(|e| io(&path)(e.into()))?;
        f.write_all(b"\n").map_err(io(&path))?;
        f.flush().map_err(io(&path))?;
        let path = tmp.join("report.txt");
        std::fs::write(&path, &exam.report).map_err(io(&path))?;
        Ok::<(), CohortError>(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if final_dir.exists() {
        let old = parent.join(format!(".old-{}-{}", exam.spec.exam_id, std::process::id()));
        std::fs::rename(&final_dir, &old).map_err(io(&final_dir))?;
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    std::fs::rename(&tmp, &final_dir).map_err(io(&final_dir))?;
    Ok(())
}

/// Labels of the 30 task regions from lesions (ancestors included).
fn labels<'a>(lesions: impl Iterator<Item = &'a crate::spec::Lesion>) -> Vec<Option<f64>> {
    let mut positive: Vec<&str> = Vec::new();
    for l in lesions {
        positive.extend(ancestors_or_self(&l.region));
    }
    TASK_REGIONS
        .iter()
        .map(|t| Some(if positive.contains(&t.name) { 1.0 } else { 0.0 }))
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct CohortSummary {
    pub exams: usize,
    pub patients: usize,
    pub deaths: usize,
    pub normal_exams: usize,
}

/// Plans and writes a cohort into `out`. `on_exam` is called after each finished exam
/// (progress). The cohort-level files are written last, only when every exam succeeded.
pub fn generate(
    cfg: &CohortConfig,
    out: &Path,
    on_exam: &(dyn Fn(&ExamId) + Sync),
) -> Result<CohortSummary, CohortError> {
    std::fs::create_dir_all(out).map_err(io(out))?;
    let exams = plan(cfg);
    let threads = if cfg.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        cfg.threads
    };
    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(exam) = exams.get(i) else { break };
                    if let Err(e) = write_exam(exam, cfg, out) {
                        failures
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(format!("exam {}: {e}", exam.spec.exam_id));
                    }
                    on_exam(&exam.spec.exam_id);
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    if !failures.is_empty() {
        failures.sort();
        return Err(CohortError::Exams {
            failed: failures.len(),
            total: exams.len(),
            first: failures[0].clone(),
        });
    }
    write_cohort_files(&exams, out)?;
    let mut patients: Vec<&str> = exams.iter().map(|e| e.spec.patient_id.as_str()).collect();
    patients.dedup();
    let mut dead: Vec<&str> = exams
        .iter()
        .filter(|e| e.outcome.death.is_some())
        .map(|e| e.spec.patient_id.as_str())
        .collect();
    dead.dedup();
    Ok(CohortSummary {
        exams: exams.len(),
        patients: patients.len(),
        deaths: dead.len(),
        normal_exams: exams.iter().filter(|e| e.spec.lesions.is_empty()).count(),
    })
}

fn sex_code(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "F",
        Sex::Male => "M",
    }
}

/// manifest.csv, reports.jsonl, specs.jsonl, truth.csv, report_truth.csv.
pub fn write_cohort_files(exams: &[PlannedExam], out: &Path) -> Result<(), CohortError> {
    write_atomic(&out.join("manifest.csv"), |w| {
        let mut csv = csv::Writer::from_writer(w);
        let header = [
            "exam_id",
            "patient_id",
            "study_date",
            "age",
            "sex",
            "indication",
            "summary_code",
            "report_path",
            "dicom_dir",
            "death_date",
            "censor_date",
            "regions_path",
        ];
        csv.write_record(header)?;
        for e in exams {
            let dir = exam_dir(&e.spec.exam_id);
            let rel = |p: PathBuf| p.to_string_lossy().replace('\\', "/");
            csv.write_record([
                e.spec.exam_id.to_string(),
                e.spec.patient_id.clone(),
                e.acquisition.study_start.day.to_string(),
                e.spec.age_years.to_string(),
                sex_code(e.spec.sex).to_string(),
                e.spec.indication.clone(),
                e.spec.summary_code.to_string(),
                rel(dir.join("report.txt")),
                rel(dir.join("dicom")),
                e.outcome.death.map(|d| d.to_string()).unwrap_or_default(),
                e.outcome.censor.to_string(),
                rel(dir.join("regions.json")),
            ])?;
        }
        csv.flush()
    })?;
    write_atomic(&out.join("reports.jsonl"), |w| {
        for e in exams {
            let line = serde_json::json!({"exam_id": e.spec.exam_id, "text": e.report});
            writeln!(w, "{line}")?;
        }
        Ok(())
    })?;
    write_atomic(&out.join("specs.jsonl"), |w| {
        for e in exams {
            serde_json::to_writer(&mut *w, &e.spec)?;
            writeln!(w)?;
        }
        Ok(())
    })?;
    let mut truth = RegionTable::new(task_region_names());
    let mut reported = RegionTable::new(task_region_names());
    for e in exams {
        truth.insert(e.spec.exam_id.clone(), labels(e.spec.lesions.iter()));
        reported.insert(
            e.spec.exam_id.clone(),
            labels(
                e.spec
                    .lesions
                    .iter()
                    .filter(|l| l.reported_as != ReportedAs::Missed),
            ),
        );
    }
    truth.write_csv(&out.join("truth.csv"))?;
    reported.write_csv(&out.join("report_truth.csv"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(id_prefix: &str) -> CohortConfig {
        CohortConfig {
            n: 6,
            seed: 3,
            resolution: Resolution::small(),
            midnight_fraction: 0.0,
            noise: true,
            threads: 1,
            lesion_scale: 1.0,
            id_prefix: id_prefix.to_string(),
            report_writer: crate::reports::write_report::<ChaCha8Rng>,
        }
    }

    #[test]
    fn an_id_prefix_renames_exams_and_patients_and_changes_nothing_else() {
        let plain = plan(&config(""));
        let prefixed = plan(&config("B"));
        assert_eq!(plain.len(), prefixed.len());
        for (a, b) in plain.iter().zip(&prefixed) {
            assert_eq!(
                b.spec.exam_id.as_str(),
                format!("B{}", a.spec.exam_id.as_str())
            );
            assert_eq!(b.spec.patient_id, format!("B{}", a.spec.patient_id));
            assert_eq!(a.report, b.report);
            assert_eq!(a.spec.lesions.len(), b.spec.lesions.len());
            assert_eq!(a.outcome.censor, b.outcome.censor);
            assert_eq!(a.outcome.death, b.outcome.death);
        }
        assert_eq!(plain[0].spec.exam_id.as_str(), "E00001");
    }
}
