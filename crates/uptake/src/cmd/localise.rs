//! `uptake localise`: does a region's attention fall where the lesions are? For a cohort with
//! image truth (the synthetic cohort's `regions.json` per exam, format `uptake-synth-regions/1`),
//! it measures, on every exam where a task region truly holds a lesion, the share of that
//! region's attention inside (a) the region's bounding box and (b) 30 mm around its lesions, and
//! compares each with the share of the exam's voxels there (what uniform attention would give).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use uptake_core::ExamId;
use uptake_scanmodel::data::VolumeSource;

use crate::cmd::scan_model::{StoreSource, parse_ids};
use crate::common::{Global, load_ontology, progress};

type Backend = uptake_scanmodel::DefaultBackend;

/// Margin around each lesion's ellipsoid, mm: the feature grid is coarse (1/32 in-plane), so
/// "on the lesion" means near it.
const LESION_MARGIN_MM: f32 = 30.0;

#[derive(clap::Args, Debug)]
pub struct LocaliseArgs {
    /// Run directory of a trained scan model.
    #[arg(long, value_name = "RUN")]
    pub model: PathBuf,
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Cohort manifest with a `regions_path` column (`uptake synth cohort` writes one).
    #[arg(long, value_name = "CSV")]
    pub manifest: PathBuf,
    /// Exams to measure (comma-separated or a file of ids); default: every exam in the store.
    /// Use held-out exams.
    #[arg(long, value_name = "IDS|FILE")]
    pub exams: Option<String>,
    /// Also write the figures as JSON here.
    #[arg(long, value_name = "JSON")]
    pub out: Option<PathBuf>,
}

#[derive(Deserialize)]
struct RegionsFile {
    format: String,
    task_regions: Vec<TaskRegionBox>,
    lesions: Vec<LesionTruth>,
}

#[derive(Deserialize)]
struct TaskRegionBox {
    region: String,
    bbox_mm: BoxMm,
}

#[derive(Deserialize)]
struct BoxMm {
    /// (x, y, z) in DICOM patient coordinates (LPS), mm.
    min: [f32; 3],
    max: [f32; 3],
}

#[derive(Deserialize)]
struct LesionTruth {
    region: String,
    center_mm: [f32; 3],
    radii_mm: [f32; 3],
}

/// Mean attention shares over the positive exams of one task region.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RegionLocalisation {
    pub region: String,
    pub positive_exams: usize,
    pub attention_in_box: f64,
    pub box_share: f64,
    pub attention_near_lesions: f64,
    pub near_lesions_share: f64,
}

pub fn run(args: LocaliseArgs, global: &Global) -> anyhow::Result<()> {
    let ontology = load_ontology(global)?;
    let source = StoreSource::open(&args.store)?;
    let exams = match &args.exams {
        Some(spec) => parse_ids(spec)?,
        None => source.exam_ids(),
    };
    let regions_files = regions_paths(&args.manifest)?;
    let device = Default::default();
    let (config, model) = uptake_scanmodel::predict::load_run::<Backend>(&args.model, &device)?;

    let mut sums: BTreeMap<String, RegionLocalisation> = BTreeMap::new();
    let bar = progress(exams.len() as u64, "localisation", global.quiet);
    for exam in &exams {
        let path = regions_files.get(exam).with_context(|| {
            format!(
                "exam {exam} is not in {} (no regions_path)",
                args.manifest.display()
            )
        })?;
        let truth = read_regions(path, exam)?;
        let volume = source.load(exam)?;
        let prepared = uptake_scanmodel::data::prepare(&volume, &config, None)?;
        let pred =
            uptake_scanmodel::predict::predict_prepared(&model, &[&prepared], &device).remove(0);
        let n = pred.grid.iter().product::<usize>();
        let [d, h, w] = volume.shape;
        // Patient coordinates (x, y, z) of each voxel of the exam grid (store convention:
        // z decreases with the slice index, rows run posterior, columns run left).
        let voxels = d * h * w;
        let positions: Vec<[f32; 3]> = (0..voxels)
            .map(|i| {
                let (k, r, c) = (i / (h * w), (i / w) % h, i % w);
                [
                    volume.origin_mm[2] + c as f32 * volume.spacing_mm[2],
                    volume.origin_mm[1] + r as f32 * volume.spacing_mm[1],
                    volume.origin_mm[0] - k as f32 * volume.spacing_mm[0],
                ]
            })
            .collect();
        for (t, task) in config.regions.iter().enumerate() {
            let Some(task_id) = ontology.id(task) else {
                continue; // a whole-body target (summary code, mortality) has no place
            };
            let lesions: Vec<&LesionTruth> = truth
                .lesions
                .iter()
                .filter(|l| {
                    ontology
                        .id(&l.region)
                        .is_some_and(|id| ontology.is_ancestor_or_self(task_id, id))
                })
                .collect();
            if lesions.is_empty() {
                continue;
            }
            let attention = uptake_scanmodel::maps::features_to_exam(
                &pred.attention[t * n..(t + 1) * n],
                pred.grid,
                &config,
                volume.shape,
            );
            let near = |p: [f32; 3]| {
                lesions.iter().any(|l| {
                    let q: f32 = (0..3)
                        .map(|a| {
                            let r = l.radii_mm[a] + LESION_MARGIN_MM;
                            ((p[a] - l.center_mm[a]) / r).powi(2)
                        })
                        .sum();
                    q <= 1.0
                })
            };
            let near_mask: Vec<bool> = positions.iter().map(|p| near(*p)).collect();
            let entry = sums
                .entry(task.clone())
                .or_insert_with(|| RegionLocalisation {
                    region: task.clone(),
                    ..Default::default()
                });
            entry.positive_exams += 1;
            entry.attention_near_lesions +=
                uptake_scanmodel::maps::mass_inside(&attention, |i| near_mask[i]);
            entry.near_lesions_share +=
                near_mask.iter().filter(|m| **m).count() as f64 / voxels as f64;
            if let Some(b) = truth.task_regions.iter().find(|b| &b.region == task) {
                let inside = |p: [f32; 3]| {
                    (0..3).all(|a| p[a] >= b.bbox_mm.min[a] && p[a] <= b.bbox_mm.max[a])
                };
                let box_mask: Vec<bool> = positions.iter().map(|p| inside(*p)).collect();
                entry.attention_in_box +=
                    uptake_scanmodel::maps::mass_inside(&attention, |i| box_mask[i]);
                entry.box_share += box_mask.iter().filter(|m| **m).count() as f64 / voxels as f64;
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    let rows: Vec<RegionLocalisation> = sums
        .into_values()
        .map(|mut r| {
            let k = r.positive_exams.max(1) as f64;
            r.attention_in_box /= k;
            r.box_share /= k;
            r.attention_near_lesions /= k;
            r.near_lesions_share /= k;
            r
        })
        .collect();
    println!("{}", table(&rows));
    if let Some(out) = &args.out {
        uptake_core::write_atomic(out, |w| {
            serde_json::to_writer_pretty(&mut *w, &rows).map_err(std::io::Error::other)
        })
        .with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}

/// The table `uptake localise` prints (and the demo shows).
pub fn table(rows: &[RegionLocalisation]) -> String {
    let mut s = format!(
        "{:<28} {:>5} {:>22} {:>26}\n",
        "region", "pos", "in box (share, x)", "near lesions (share, x)"
    );
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    for r in rows {
        s.push_str(&format!(
            "{:<28} {:>5} {:>6.3} ({:.3}, {:>4.1}x) {:>10.3} ({:.3}, {:>4.1}x)\n",
            r.region,
            r.positive_exams,
            r.attention_in_box,
            r.box_share,
            ratio(r.attention_in_box, r.box_share),
            r.attention_near_lesions,
            r.near_lesions_share,
            ratio(r.attention_near_lesions, r.near_lesions_share),
        ));
    }
    let regional: Vec<&RegionLocalisation> = rows.iter().filter(|r| r.region != "full").collect();
    if !regional.is_empty() {
        let k = regional.len() as f64;
        let mean =
            |f: fn(&RegionLocalisation) -> f64| regional.iter().map(|r| f(r)).sum::<f64>() / k;
        s.push_str(&format!(
            "mean over {} regions (without full): attention in box {:.3} vs share {:.3}; near lesions {:.3} vs share {:.3}",
            regional.len(),
            mean(|r| r.attention_in_box),
            mean(|r| r.box_share),
            mean(|r| r.attention_near_lesions),
            mean(|r| r.near_lesions_share),
        ));
    }
    s
}

/// exam id -> its regions.json, from the manifest's `regions_path` column.
fn regions_paths(manifest: &Path) -> anyhow::Result<BTreeMap<ExamId, PathBuf>> {
    let base = manifest.parent().unwrap_or(Path::new("."));
    let mut reader = csv::Reader::from_path(manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("{}: no `{name}` column", manifest.display()))
    };
    let (id_col, path_col) = (col("exam_id")?, col("regions_path")?);
    let mut out = BTreeMap::new();
    for (line, record) in reader.records().enumerate() {
        let record =
            record.with_context(|| format!("{}: line {}", manifest.display(), line + 2))?;
        let (Some(id), Some(path)) = (record.get(id_col), record.get(path_col)) else {
            continue;
        };
        if let (Some(id), false) = (ExamId::new(id), path.is_empty()) {
            out.insert(id, base.join(path));
        }
    }
    Ok(out)
}

fn read_regions(path: &Path, exam: &ExamId) -> anyhow::Result<RegionsFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("exam {exam}: reading {}", path.display()))?;
    let file: RegionsFile = serde_json::from_str(&text)
        .with_context(|| format!("exam {exam}: {} is not a regions file", path.display()))?;
    anyhow::ensure!(
        file.format.starts_with("uptake-synth-regions/"),
        "exam {exam}: {} has format {:?}, expected uptake-synth-regions/1",
        path.display(),
        file.format
    );
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regions_file_of_another_format_is_refused_naming_the_exam_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("regions.json");
        std::fs::write(
            &path,
            r#"{"format":"other/1","task_regions":[],"lesions":[]}"#,
        )
        .unwrap();
        let exam = ExamId::new("E00042").unwrap();
        let err = read_regions(&path, &exam).err().unwrap().to_string();
        assert!(
            err.contains("E00042") && err.contains("regions.json") && err.contains("other/1"),
            "{err}"
        );
    }

    #[test]
    fn the_table_reports_attention_against_uniform_share() {
        let rows = vec![RegionLocalisation {
            region: "lungs".into(),
            positive_exams: 3,
            attention_in_box: 0.30,
            box_share: 0.10,
            attention_near_lesions: 0.02,
            near_lesions_share: 0.01,
        }];
        let text = table(&rows);
        assert!(
            text.contains("lungs") && text.contains("3.0x") && text.contains("2.0x"),
            "{text}"
        );
    }
}
