//! `uptake localise`: does a region's attention fall where the lesions are? For a cohort with
//! image truth (the synthetic cohort's `regions.json` per exam), it measures, on every exam
//! where a task region truly holds a lesion, the share of that region's attention inside (a) the
//! region's bounding box and (b) 30 mm around its lesions, and compares each with the share of
//! the exam's voxels there (what uniform attention would give). The measurement is
//! [`uptake_scanmodel::localise::localise_store`]; this prints its table.

use std::path::PathBuf;

use uptake_core::ExamList;
use uptake_core::shard::Shard;
use uptake_scanmodel::localise::{LesionTruth, LocaliseSettings, StoreInputs, localise_store};

use crate::common::{Bars, Global, load_ontology};

#[derive(clap::Args, Debug)]
pub struct LocaliseArgs {
    /// Run directory of a trained scan model.
    #[arg(long, value_name = "RUN")]
    pub model: PathBuf,
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Cohort manifest with a `regions_path` column (`uptake synth cohort` writes one).
    #[arg(long, value_name = "CSV", required_unless_present = "lesion_masks")]
    pub manifest: Option<PathBuf>,
    /// Measure against the lesion masks stored with the exams (public NIfTI datasets ingested
    /// with `uptake ingest --nifti-dir`) instead of the manifest's region maps.
    #[arg(long, conflicts_with = "manifest")]
    pub lesion_masks: bool,
    /// Exams to measure: ids separated by commas, or @FILE with one id per line; default:
    /// every exam in the store. Use held-out exams.
    #[arg(long, value_name = "IDS|@FILE")]
    pub exams: Option<ExamList>,
    /// Also write the figures as JSON here.
    #[arg(long, value_name = "JSON")]
    pub out: Option<PathBuf>,
    /// Also write the shares of each exam here (wide CSV; `uptake merge` joins shards' tables).
    #[arg(long, value_name = "CSV")]
    pub per_exam: Option<PathBuf>,
    /// Only shard i of n of the exams (a cluster job array); needs --per-exam.
    #[arg(long, value_name = "I/N", requires = "per_exam")]
    pub shard: Option<Shard>,
}

pub fn run(args: LocaliseArgs, global: &Global) -> anyhow::Result<()> {
    let inputs = StoreInputs {
        store: args.store,
        truth: LesionTruth::maps_or_masks(args.manifest),
        exams: args.exams.map(|list| list.read()).transpose()?,
        shard: args.shard,
    };
    let done = localise_store::<uptake_scanmodel::DefaultBackend>(
        &args.model,
        &inputs,
        &load_ontology(global)?,
        &LocaliseSettings::default(),
        &Bars::new(global.quiet),
        &Default::default(),
    )?;
    println!("{}", done.localisation);
    Ok(done.write(args.out.as_deref(), args.per_exam.as_deref())?)
}
