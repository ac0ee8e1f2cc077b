//! `uptake ingest` (DICOM -> exam store), `uptake inspect` (look at one exam) and
//! `uptake bench ingest` (seconds per exam beside a pydicom + numpy + scipy baseline).

use crate::common::{Bars, Global};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use uptake_core::ExamId;
use uptake_imaging::bench::{IngestBench, bench_decode, bench_ingest};
use uptake_imaging::cohort::{ExamStatus, Replaced, StoredExams};
use uptake_imaging::nifti_in::NiftiSource;
use uptake_imaging::report::write_report;
use uptake_imaging::voi::Voi;
use uptake_imaging::{
    ExamStore, IngestOutcome, IngestSettings, IngestSource, InspectSettings, InspectSource,
    Inspection, ModelGrid, SeriesPattern, SeriesSelection, Shard, StudyPairing, ingest_cohort,
    inspect,
};

/// The model grid options shared by ingest, inspect and the bench.
#[derive(clap::Args, Debug, Clone)]
pub struct GridArgs {
    /// In-plane size of the model grid (pixels per side).
    #[arg(long, default_value_t = 224)]
    pub size: usize,
    /// Side of the square in-plane field of view, mm (centred on the CT).
    #[arg(long, default_value_t = 600.0)]
    pub fov_mm: f32,
    /// Distance between model-grid slices, mm.
    #[arg(long, default_value_t = 4.0)]
    pub slice_mm: f32,
}

impl GridArgs {
    fn grid(&self) -> anyhow::Result<ModelGrid> {
        let positive = |v: f32| v.is_finite() && v > 0.0;
        if self.size < 8 || !positive(self.fov_mm) || !positive(self.slice_mm) {
            bail!("--size must be >= 8 and --fov-mm, --slice-mm positive");
        }
        Ok(ModelGrid {
            size: self.size,
            fov_mm: self.fov_mm,
            slice_mm: self.slice_mm,
        })
    }
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["manifest", "dicom", "nifti_dir", "nifti_list"])))]
pub struct IngestArgs {
    /// Cohort manifest (CSV with columns exam_id and dicom_dir, relative to the manifest;
    /// optional pet_series and ct_series choose the series per exam).
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// A folder tree of DICOM files: every study found is one exam, keyed by its
    /// StudyInstanceUID and named by its AccessionNumber where that names one study alone.
    #[arg(long)]
    pub dicom: Option<PathBuf>,
    /// NIfTI exams in the autoPET / TCIA FDG-PET-CT-Lesions layout (per study folder
    /// CTres.nii.gz in HU, SUV.nii.gz, SEG.nii.gz lesion mask).
    #[arg(long, value_name = "DIR")]
    pub nifti_dir: Option<PathBuf>,
    /// NIfTI exams listed in a CSV with columns exam_id, ct, suv and optional seg.
    #[arg(long, value_name = "CSV")]
    pub nifti_list: Option<PathBuf>,
    /// The exam store (folder) to write into.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub grid: GridArgs,
    /// Also write aligned CT (HU) and PET (SUV) NIfTI volumes into OUT/nifti/.
    #[arg(long)]
    pub nifti: bool,
    /// The PET series to take: a SeriesInstanceUID or a SeriesDescription pattern (`*`, `?`).
    #[arg(long, value_name = "UID|PATTERN")]
    pub pet_series: Option<String>,
    /// The CT series to take (UID or SeriesDescription pattern); it may come from another
    /// study of the same patient and day.
    #[arg(long, value_name = "UID|PATTERN")]
    pub ct_series: Option<String>,
    /// Pair a PET with a CT filed under another study of the same patient and day.
    #[arg(long)]
    pub pair_studies: bool,
    /// The least share (0..1) of the PET's z range the CT must cover; less is refused.
    #[arg(long, default_value_t = 0.5, value_name = "SHARE")]
    pub min_pet_coverage: f64,
    /// Write a CSV of every exam with its series choices, skipped files, repairs, warnings
    /// and errors.
    #[arg(long, value_name = "CSV")]
    pub report: Option<PathBuf>,
    /// Only this part of the cohort, `i/n` with i in 0..n (by a stable hash of the exam id),
    /// for cluster job arrays.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Re-ingest exams already in the store (an exam id stored from another study is never
    /// overwritten).
    #[arg(long)]
    pub force: bool,
    /// Fail (nonzero exit) if any exam fails; by default only if all do.
    #[arg(long)]
    pub strict: bool,
}

impl IngestArgs {
    fn source(&self) -> anyhow::Result<IngestSource> {
        Ok(
            match (
                &self.manifest,
                &self.dicom,
                &self.nifti_dir,
                &self.nifti_list,
            ) {
                (Some(m), ..) => IngestSource::Manifest(m.clone()),
                (_, Some(d), ..) => IngestSource::DicomTree(d.clone()),
                (_, _, Some(d), _) => IngestSource::Nifti(NiftiSource::AutoPet(d.clone())),
                (.., Some(csv)) => IngestSource::Nifti(NiftiSource::Listed(csv.clone())),
                _ => bail!("give --manifest, --dicom, --nifti-dir or --nifti-list"),
            },
        )
    }

    fn settings(&self) -> anyhow::Result<IngestSettings> {
        if !(0.0..=1.0).contains(&self.min_pet_coverage) {
            bail!("--min-pet-coverage must be between 0 and 1");
        }
        let pattern = |p: &Option<String>| p.as_deref().and_then(SeriesPattern::new);
        Ok(IngestSettings {
            grid: self.grid.grid()?,
            selection: SeriesSelection {
                pet: pattern(&self.pet_series),
                ct: pattern(&self.ct_series),
                pairing: if self.pair_studies {
                    StudyPairing::SamePatientAndDay
                } else {
                    StudyPairing::SameStudy
                },
            },
            min_pet_coverage: self.min_pet_coverage,
            shard: self.shard,
            stored: if self.force {
                StoredExams::Replace
            } else {
                StoredExams::KeepOnSameGrid
            },
            nifti_dir: self.nifti.then(|| self.out.join("nifti")),
        })
    }
}

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// Exam id in the store (or, with --dicom, the id to give the exam).
    pub exam: Option<String>,
    /// The exam store.
    #[arg(long, conflicts_with = "dicom", required_unless_present = "dicom")]
    pub store: Option<PathBuf>,
    /// Inspect a DICOM folder (one exam) directly, without a store.
    #[arg(long)]
    pub dicom: Option<PathBuf>,
    #[command(flatten)]
    pub grid: GridArgs,
    /// A spherical VOI `NAME=X,Y,Z[,R]` in LPS mm (radius default 15): mean SUV is reported
    /// for it (e.g. liver and blood pool). Repeatable.
    #[arg(long = "voi", value_name = "NAME=X,Y,Z[,R]")]
    pub vois: Vec<Voi>,
    /// Region map of a synthetic exam (`regions.json`): its liver and blood-pool reference
    /// points become VOIs. Found automatically beside a --dicom folder or through --manifest.
    #[arg(long)]
    pub regions: Option<PathBuf>,
    /// Cohort manifest: the exam's `regions_path` column gives its region map.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Where to write the coronal MIP picture (default `<exam>_mip.png` here).
    #[arg(long)]
    pub png: Option<PathBuf>,
}

pub fn run_ingest(args: IngestArgs, global: &Global) -> anyhow::Result<()> {
    let (source, settings) = (args.source()?, args.settings()?);
    let store = ExamStore::open(&args.out)?;
    let outcome = ingest_cohort(&store, &source, &settings, &Bars::new(global.quiet))?;
    if let Some(path) = &args.report {
        write_report(path, &outcome, &store)
            .with_context(|| format!("writing the report {}", path.display()))?;
    }
    if !global.quiet {
        print_ingest_notes(&outcome);
    }
    let (done, already) = (outcome.ingested(), outcome.already_stored());
    let failed = outcome.failures().count();
    for f in outcome.failures() {
        eprintln!("FAILED {f}");
    }
    let total = outcome.exams.len();
    if !global.quiet || failed > 0 {
        println!(
            "ingested {done}, already stored {already}, failed {failed} (of {total} exams) into {}",
            args.out.display()
        );
    }
    if failed > 0 && (args.strict || done + already == 0) {
        bail!("{failed} of {total} exams failed");
    }
    Ok(())
}

/// Exams ingested again, the choices, warnings and skipped files, on stderr.
fn print_ingest_notes(outcome: &IngestOutcome) {
    for exam in &outcome.exams {
        let id = &exam.exam_id;
        match &exam.replaced {
            Some(Replaced::OtherGrid) => {
                eprintln!("exam {id}: stored on another grid; ingested again")
            }
            Some(Replaced::Unreadable(e)) => {
                eprintln!("exam {id}: stored file unreadable ({e}); ingested again")
            }
            None => {}
        }
        if let ExamStatus::Ingested(info) = &exam.status {
            for w in info.repairs.iter().chain(&info.warnings) {
                eprintln!("exam {id}: warning: {w}");
            }
            for s in &info.rejected_series {
                eprintln!("exam {id}: skipped {}: {}", s.what, s.reason);
            }
        }
    }
    for s in &outcome.skipped_files {
        eprintln!("skipped {}: {}", s.what, s.reason);
    }
}

pub fn run_inspect(args: InspectArgs, _global: &Global) -> anyhow::Result<()> {
    let exam = |default: &str| {
        ExamId::new(args.exam.as_deref().unwrap_or(default)).context("give the exam id to inspect")
    };
    let source = match (&args.store, &args.dicom) {
        (Some(store), _) => InspectSource::Stored {
            store: store.clone(),
            exam: exam("")?,
        },
        (None, Some(dir)) => InspectSource::Dicom {
            dir: dir.clone(),
            exam: exam("dicom")?,
            grid: args.grid.grid()?,
        },
        (None, None) => bail!("give --store or --dicom"),
    };
    let settings = InspectSettings {
        vois: args.vois,
        region_map: args.regions,
        manifest: args.manifest,
        png: args.png,
    };
    let inspection = inspect(&source, &settings)?;
    print_origin(&inspection);
    print_suv(&inspection);
    Ok(())
}

/// Where the exam's grid lies and where its volumes came from.
fn print_origin(i: &Inspection) {
    if let Some(path) = &i.region_map {
        println!("region map      {}", path.display());
    }
    for s in &i.skipped {
        println!("skipped         {}: {}", s.what, s.reason);
    }
    let g = i.geometry;
    println!("exam            {}", i.exam_id);
    println!(
        "grid            {} slices x {} x {} (z, y, x)",
        g.shape[0], g.shape[1], g.shape[2]
    );
    println!(
        "spacing         {:.2} x {:.2} x {:.2} mm",
        g.spacing_mm[0], g.spacing_mm[1], g.spacing_mm[2]
    );
    println!(
        "first voxel     LPS x {:.1}, y {:.1}, z {:.1} mm (slice 0 is the head end)",
        g.origin_mm[2], g.origin_mm[1], g.origin_mm[0]
    );
    println!(
        "z range         {:.1} .. {:.1} mm",
        g.position_mm(g.shape[0] - 1, 0, 0)[0],
        g.origin_mm[0]
    );
    let Some(info) = &i.info else { return };
    println!("study           {}", info.study_instance_uid);
    println!("CT series       {}", info.ct_series_uid);
    println!("  chosen        {}", info.ct_choice);
    println!("PET series      {}", info.pet_series_uid);
    println!("  chosen        {}", info.pet_choice);
    for s in &info.rejected_series {
        println!("not chosen      {}: {}", s.what, s.reason);
    }
    for s in &info.skipped_files {
        println!("skipped file    {}: {}", s.what, s.reason);
    }
    if let Some(mask) = &info.lesion_mask {
        println!("lesion mask     {mask}");
    }
    for (name, native) in [
        ("CT native", info.ct_native),
        ("PET native", info.pet_native),
    ] {
        if let Some(n) = native {
            let ([z, y, x], [dz, dy, dx]) = (n.shape, n.spacing_mm);
            println!("{name:<15} {z} x {y} x {x}, {dz:.2} x {dy:.2} x {dx:.2} mm");
        }
    }
    println!("SUV             {}", info.suv_method);
    for r in &info.repairs {
        println!("repaired        {r}");
    }
    for w in &info.warnings {
        println!("warning         {w}");
    }
}

/// SUVmax, the body's mean SUV, the VOIs and the picture.
fn print_suv(i: &Inspection) {
    let s = &i.summary;
    println!(
        "SUVmax          {:.2} at LPS ({:.1}, {:.1}, {:.1}) mm (model grid)",
        s.suv_max, s.suv_max_at_mm[0], s.suv_max_at_mm[1], s.suv_max_at_mm[2]
    );
    println!(
        "body mean SUV   {:.2} (voxels with CT > -500 HU)",
        s.body_mean_suv
    );
    for v in &s.vois {
        println!(
            "VOI {:<11} mean SUV {:.2}, max {:.2}, mean {:.0} HU ({} voxels)",
            v.name, v.mean_suv, v.max_suv, v.mean_hu, v.voxels
        );
    }
    if s.vois.is_empty() {
        println!(
            "(no liver / blood-pool VOI: pass --regions regions.json, --manifest M, or --voi liver=X,Y,Z)"
        );
    }
    println!("MIP picture     {}", i.png.display());
}

#[derive(clap::Args, Debug)]
pub struct BenchIngestArgs {
    /// Keep the benchmark's DICOM and store here (default: a temporary folder).
    #[arg(long)]
    pub keep: Option<PathBuf>,
    /// Python with pydicom, numpy and scipy for the baseline (default: the set-up venv,
    /// $UPTAKE_CACHE/venv-imaging/bin/python).
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// Timed repetitions (the best is reported).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    #[command(flatten)]
    pub grid: GridArgs,
}

pub fn run_bench_ingest(args: BenchIngestArgs, global: &Global) -> anyhow::Result<()> {
    let grid = args.grid.grid()?;
    let tmp = tempfile::tempdir()?;
    let root = args
        .keep
        .clone()
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let bench = bench_ingest(&root, &grid, args.repeat)?;
    let (ct, pet) = (bench.spec.ct, bench.spec.pet);
    if let Some(seconds) = bench.phantom_written_s
        && !global.quiet
    {
        eprintln!(
            "wrote the benchmark exam ({} CT slices {}x{}, {} PET slices {}x{}) in {seconds:.1} s",
            ct.slices, ct.size, ct.size, pet.slices, pet.size, pet.size
        );
    }
    println!(
        "exam: CT {}x{} x {} slices, PET {}x{} x {} slices -> model grid {:?} ({} threads)",
        ct.size,
        ct.size,
        ct.slices,
        pet.size,
        pet.size,
        pet.slices,
        bench.model_shape,
        bench.threads
    );
    println!(
        "uptake ingest (Rust):           {:.2} s per exam (best of {})",
        bench.best_s, bench.repeats
    );
    print_decode_bench(args.repeat.max(10))?;
    let python = args
        .python
        .clone()
        .unwrap_or_else(|| uptake_core::cache_dir().join("venv-imaging/bin/python"));
    if !python.is_file() {
        println!(
            "Python baseline: skipped ({} not found; run scripts/setup)",
            python.display()
        );
        return Ok(());
    }
    let (py_best, wall) = python_baseline(&python, &bench, &root, &grid)?;
    println!(
        "pydicom + numpy + scipy:        {py_best:.2} s per exam (best of {}, in-process; {wall:.1} s wall for all runs)",
        bench.repeats
    );
    println!(
        "speed-up:                       {:.1}x (goal >= 3x)",
        py_best / bench.best_s
    );
    Ok(())
}

/// JPEG 2000 decoding speed on the set-up's 512 x 512 lossless CT slice.
fn print_decode_bench(repeats: usize) -> anyhow::Result<()> {
    let path = uptake_core::cache_dir().join("syntax-fixtures/j2k_512.dcm");
    if !path.is_file() {
        println!(
            "JPEG 2000 decoding: skipped ({} not found; run scripts/setup)",
            path.display()
        );
        return Ok(());
    }
    let b = bench_decode(&path, repeats)?;
    println!(
        "{} decoding:  {:.1} ms per {}x{} slice ({:.1} Mpixel/s, best of {}; {:.1} s for 250 such CT slices on one thread)",
        b.syntax,
        b.best_ms,
        b.pixels.0,
        b.pixels.1,
        b.megapixels_per_s(),
        b.repeats,
        b.best_ms * 250.0 / 1000.0
    );
    Ok(())
}

/// Runs scripts/ingest_baseline.py on the benchmark exam: (best seconds per exam, wall
/// seconds). The baseline is a Python program of this repository, not part of the imaging
/// library, so the command line runs it.
fn python_baseline(
    python: &Path,
    bench: &IngestBench,
    root: &Path,
    grid: &ModelGrid,
) -> anyhow::Result<(f64, f64)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ingest_baseline.py");
    let t = std::time::Instant::now();
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(&bench.dicom_dir)
        .arg(root.join("baseline.npz"))
        .args(["--size", &grid.size.to_string()])
        .args(["--fov-mm", &grid.fov_mm.to_string()])
        .args(["--slice-mm", &grid.slice_mm.to_string()])
        .args(["--repeat", &bench.repeats.to_string()])
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    let wall = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "the Python baseline failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let best = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("seconds_per_exam ")?.trim().parse().ok())
        .context("the Python baseline printed no seconds_per_exam")?;
    Ok((best, wall))
}
