//! `uptake ingest` (DICOM -> exam store), `uptake inspect` (look at one exam) and
//! `uptake bench ingest` (seconds per exam beside a pydicom + numpy + scipy baseline).

use crate::common::{Bars, Global, probability, within};
use anyhow::{Context, bail};
use clap::builder::TypedValueParser;
use std::path::PathBuf;
use uptake_imaging::bench::{BenchSettings, run_bench};
use uptake_imaging::report::write_report;
use uptake_imaging::{
    ExamStore, FailWhen, IngestSettings, IngestSource, InspectSettings, InspectSource, ModelGrid,
    NiftiSource, SeriesSelection, Shard, StoredExams, StudyPairing, ingest_cohort, inspect,
};

/// The model grid options shared by ingest, inspect and the bench.
#[derive(clap::Args, Debug, Clone)]
pub struct GridArgs {
    /// In-plane size of the model grid (pixels per side).
    #[arg(long, default_value_t = 224, value_parser = within(8..=4096))]
    pub size: usize,
    /// Side of the square in-plane field of view, mm (centred on the CT).
    #[arg(long, default_value_t = 600.0)]
    pub fov_mm: f32,
    /// Distance between model-grid slices, mm.
    #[arg(long, default_value_t = 4.0)]
    pub slice_mm: f32,
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["manifest", "dicom", "nifti_dir", "nifti_list"])))]
pub struct IngestArgs {
    /// Cohort manifest (CSV with columns exam_id and dicom_dir, relative to the manifest;
    /// optional pet_series and ct_series choose the series per exam).
    #[arg(long, value_name = "MANIFEST", value_parser = source(IngestSource::Manifest))]
    pub manifest: Option<IngestSource>,
    /// A folder tree of DICOM files: every study found is one exam, keyed by its
    /// StudyInstanceUID and named by its AccessionNumber where that names one study alone.
    #[arg(long, value_name = "DICOM", value_parser = source(IngestSource::DicomTree))]
    pub dicom: Option<IngestSource>,
    /// NIfTI exams in the autoPET / TCIA FDG-PET-CT-Lesions layout (per study folder
    /// CTres.nii.gz in HU, SUV.nii.gz, SEG.nii.gz lesion mask).
    #[arg(long, value_name = "DIR", value_parser = source(|p| IngestSource::Nifti(NiftiSource::AutoPet(p))))]
    pub nifti_dir: Option<IngestSource>,
    /// NIfTI exams listed in a CSV with columns exam_id, ct, suv and optional seg.
    #[arg(long, value_name = "CSV", value_parser = source(|p| IngestSource::Nifti(NiftiSource::Listed(p))))]
    pub nifti_list: Option<IngestSource>,
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
    #[arg(long, default_value_t = 0.5, value_name = "SHARE", value_parser = probability)]
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

/// Parses a path argument into the ingestion source `kind`.
fn source(kind: fn(PathBuf) -> IngestSource) -> impl TypedValueParser<Value = IngestSource> {
    clap::builder::PathBufValueParser::new().map(kind)
}

impl IngestArgs {
    fn settings(&self) -> anyhow::Result<IngestSettings> {
        let (pet, ct) = (self.pet_series.as_deref(), self.ct_series.as_deref());
        let pairing = StudyPairing::across_studies(self.pair_studies);
        Ok(IngestSettings {
            grid: ModelGrid::new(self.grid.size, self.grid.fov_mm, self.grid.slice_mm)?,
            selection: SeriesSelection::new(pet, ct, pairing),
            min_pet_coverage: self.min_pet_coverage,
            shard: self.shard,
            stored: StoredExams::replacing(self.force),
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
    #[command(flatten)]
    pub settings: InspectSettings,
}

pub fn run_ingest(args: IngestArgs, global: &Global) -> anyhow::Result<()> {
    let settings = args.settings()?;
    let sources = [args.manifest, args.dicom, args.nifti_dir, args.nifti_list];
    let source = (sources.into_iter().flatten().next())
        .context("give --manifest, --dicom, --nifti-dir or --nifti-list")?;
    let store = ExamStore::open(&args.out)?;
    let outcome = ingest_cohort(&store, &source, &settings, &Bars::new(global.quiet))?;
    if let Some(path) = &args.report {
        write_report(path, &outcome, &store)?;
    }
    if !global.quiet {
        eprint!("{}", outcome.notes());
    }
    eprint!("{}", outcome.failure_lines());
    if !global.quiet || outcome.failures().next().is_some() {
        println!("{outcome} into {}", args.out.display());
    }
    Ok(outcome.check(FailWhen::strict(args.strict))?)
}

pub fn run_inspect(args: InspectArgs, _global: &Global) -> anyhow::Result<()> {
    let grid = ModelGrid::new(args.grid.size, args.grid.fov_mm, args.grid.slice_mm)?;
    let source = match (args.store, args.dicom) {
        (Some(store), _) => InspectSource::stored(store, args.exam.as_deref())?,
        (None, Some(dir)) => InspectSource::dicom(dir, args.exam.as_deref(), grid)?,
        (None, None) => bail!("give --store or --dicom"),
    };
    print!("{}", inspect(&source, &args.settings)?);
    Ok(())
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
    #[arg(long, default_value_t = 3, value_parser = within(1..=1000))]
    pub repeat: usize,
    #[command(flatten)]
    pub grid: GridArgs,
}

pub fn run_bench_ingest(args: BenchIngestArgs, global: &Global) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let root = args.keep.unwrap_or_else(|| tmp.path().to_path_buf());
    let mut settings = BenchSettings {
        grid: ModelGrid::new(args.grid.size, args.grid.fov_mm, args.grid.slice_mm)?,
        repeats: args.repeat,
        ..BenchSettings::default()
    };
    settings.python = args.python.unwrap_or(settings.python);
    let report = run_bench(&root, &settings)?;
    if let Some(note) = report.ingest.phantom_note().filter(|_| !global.quiet) {
        eprintln!("{note}");
    }
    print!("{report}");
    Ok(())
}
