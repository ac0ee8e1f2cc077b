//! `uptake ingest` (DICOM -> exam store), `uptake inspect` (look at one exam) and
//! `uptake bench ingest` (seconds per exam beside a pydicom + numpy + scipy baseline).

use crate::common::{Bars, Global, probability};
use anyhow::{Context, bail};
use std::path::PathBuf;
use uptake_core::ExamId;
use uptake_imaging::bench::{BenchSettings, run_bench};
use uptake_imaging::cohort::StoredExams;
use uptake_imaging::nifti_in::NiftiSource;
use uptake_imaging::report::write_report;
use uptake_imaging::voi::Voi;
use uptake_imaging::{
    ExamStore, FailWhen, IngestSettings, IngestSource, InspectSettings, InspectSource, ModelGrid,
    SeriesSelection, Shard, StudyPairing, ingest_cohort, inspect,
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
        Ok(ModelGrid::new(self.size, self.fov_mm, self.slice_mm)?)
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

impl IngestArgs {
    /// The one source the argument group allows.
    fn source(&self) -> anyhow::Result<IngestSource> {
        let nifti = |source: Option<&PathBuf>, layout: fn(PathBuf) -> NiftiSource| {
            source.map(|path| IngestSource::Nifti(layout(path.clone())))
        };
        (self.manifest.clone().map(IngestSource::Manifest))
            .or_else(|| self.dicom.clone().map(IngestSource::DicomTree))
            .or_else(|| nifti(self.nifti_dir.as_ref(), NiftiSource::AutoPet))
            .or_else(|| nifti(self.nifti_list.as_ref(), NiftiSource::Listed))
            .context("give --manifest, --dicom, --nifti-dir or --nifti-list")
    }

    fn settings(&self) -> anyhow::Result<IngestSettings> {
        let pairing = if self.pair_studies {
            StudyPairing::SamePatientAndDay
        } else {
            StudyPairing::SameStudy
        };
        let (pet, ct) = (self.pet_series.as_deref(), self.ct_series.as_deref());
        Ok(IngestSettings {
            grid: self.grid.grid()?,
            selection: SeriesSelection::new(pet, ct, pairing),
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
        eprint!("{}", outcome.notes());
    }
    for f in outcome.failures() {
        eprintln!("FAILED {f}");
    }
    let failed = outcome.failures().count();
    if !global.quiet || failed > 0 {
        println!("{outcome} into {}", args.out.display());
    }
    let rule = if args.strict {
        FailWhen::AnyExamFails
    } else {
        FailWhen::NoExamStored
    };
    if outcome.failed(rule) {
        bail!("{failed} of {} exams failed", outcome.exams.len());
    }
    Ok(())
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
    print!("{}", inspect(&source, &settings)?);
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
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    #[command(flatten)]
    pub grid: GridArgs,
}

pub fn run_bench_ingest(args: BenchIngestArgs, global: &Global) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let root = args.keep.unwrap_or_else(|| tmp.path().to_path_buf());
    let mut settings = BenchSettings {
        grid: args.grid.grid()?,
        repeats: args.repeat,
        ..BenchSettings::default()
    };
    if let Some(python) = args.python {
        settings.python = python;
    }
    let report = run_bench(&root, &settings)?;
    if let Some(note) = report.ingest.phantom_note().filter(|_| !global.quiet) {
        eprintln!("{note}");
    }
    print!("{report}");
    Ok(())
}
