//! `uptake synth ...`: synthetic data. `reports` writes a report set, `cohort` a whole-body
//! PET/CT cohort (DICOM, reports, labels, outcomes), each from a seed, by one library call.

use crate::common::{Bars, Global, within};
use anyhow::Context;
use std::path::PathBuf;
use std::time::Instant;
use uptake_synth::cohort::{CohortConfig, CohortLayout, Resolution, write_cohort};
use uptake_synth::reports::{ReportsSettings, StyleMix, write_report_set};

#[derive(clap::Subcommand, Debug)]
pub enum SynthCommand {
    /// Synthetic whole-body PET/CT cohort: writes OUT/manifest.csv, reports.jsonl, specs.jsonl,
    /// truth.csv, report_truth.csv and OUT/exams/<id>/{dicom/ct,dicom/pet,regions.json,report.txt}.
    /// Same seed, same bytes.
    Cohort(CohortArgs),
    /// Synthetic free-text PET/CT reports with their true labels: writes OUT/reports.jsonl
    /// ({"exam_id", "text"}), OUT/truth.csv (0/1 per task region: what each report says,
    /// ancestors included) and OUT/specs.jsonl (the full ground truth of each exam). Same seed,
    /// same files.
    Reports(ReportsArgs),
}

#[derive(clap::Args, Debug)]
pub struct ReportsArgs {
    /// Number of reports.
    #[arg(long, default_value_t = 500, value_parser = within(1..=10_000_000))]
    pub n: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Output folder (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Institution styles: `realistic` (all nine in the shares of a multi-site cohort),
    /// `classic` (the first five, as often as each other), or a comma-separated list of caps,
    /// mixed, paragraph, bare, terse, european, organ-system, abbreviated, narrative.
    #[arg(long, default_value = "realistic")]
    pub styles: StyleMix,
}

fn run_reports(args: ReportsArgs, global: &Global) -> anyhow::Result<()> {
    let settings = ReportsSettings {
        n: args.n,
        seed: args.seed,
        styles: args.styles,
    };
    let start = Instant::now();
    let summary = write_report_set(&settings, &args.out, &Bars::new(global.quiet))
        .with_context(|| format!("writing the synthetic reports into {}", args.out.display()))?;
    let secs = start.elapsed().as_secs_f64();
    let per_second = summary.reports as f64 / secs.max(1e-9);
    if !global.quiet {
        let out = args.out.display();
        println!("{summary} written in {secs:.2} s ({per_second:.0} reports/s) -> {out}");
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct CohortArgs {
    /// Number of exams.
    #[arg(long, default_value_t = 200, value_parser = within(1..=1_000_000))]
    pub n: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Output folder (created; exams already there are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Reduced resolution for tests and demos (CT 128x128, PET 64x64, 6/8 mm slices).
    #[arg(long)]
    pub small: bool,
    /// CT matrix size (default 512; with --small 128).
    #[arg(long)]
    pub ct_size: Option<usize>,
    /// PET matrix size (default 128 or 192 by scanner; with --small 64).
    #[arg(long)]
    pub pet_size: Option<usize>,
    /// CT slice spacing in mm (default 2.5-5 by exam; with --small 6).
    #[arg(long)]
    pub ct_slice_mm: Option<f32>,
    /// PET slice spacing in mm (default 3.27 or 3 by scanner; with --small 8).
    #[arg(long)]
    pub pet_slice_mm: Option<f32>,
    /// Fraction of exams injected before midnight and scanned after it.
    #[arg(long, default_value_t = 0.03)]
    pub midnight_fraction: f64,
    /// No CT/PET noise (exact phantom values).
    #[arg(long)]
    pub no_noise: bool,
    /// Worker threads (0: all cores).
    #[arg(long, default_value_t = 0, value_parser = within(0..=1024))]
    pub threads: usize,
    /// Multiply lesion sizes in the images (not in the reports) by this. 1 is realistic; a
    /// reduced-resolution cohort for CPU training can use 2 so lesions cover as many voxels as
    /// at full resolution.
    #[arg(long, default_value_t = 1.0)]
    pub lesion_scale: f32,
    /// Put this before every exam and patient id (E00001 -> BE00001), so cohorts of different
    /// seeds can share one exam store and one label file. Letters, digits, - and _.
    #[arg(long, default_value = "")]
    pub id_prefix: String,
    /// How the images are written: DICOM series with reports, labels and outcomes (`dicom`),
    /// or NIfTI volumes in the autoPET layout, OUT/<id>/{CTres,SUV,SEG}.nii.gz (`autopet`).
    #[arg(long, default_value = "dicom")]
    pub layout: CohortLayout,
}

pub fn run(command: SynthCommand, global: &Global) -> anyhow::Result<()> {
    match command {
        SynthCommand::Cohort(args) => run_cohort(args, global),
        SynthCommand::Reports(args) => run_reports(args, global),
    }
}

/// The cohort settings of the arguments (checked by the library).
fn cohort_config(args: &CohortArgs) -> CohortConfig {
    let base = args.small.then(Resolution::small).unwrap_or_default();
    CohortConfig {
        n: args.n,
        seed: args.seed,
        resolution: Resolution {
            ct_size: args.ct_size.or(base.ct_size),
            pet_size: args.pet_size.or(base.pet_size),
            ct_slice_mm: args.ct_slice_mm.or(base.ct_slice_mm),
            pet_slice_mm: args.pet_slice_mm.or(base.pet_slice_mm),
        },
        midnight_fraction: args.midnight_fraction,
        noise: !args.no_noise,
        threads: args.threads,
        lesion_scale: args.lesion_scale,
        id_prefix: args.id_prefix.clone(),
        ..CohortConfig::default()
    }
}

fn run_cohort(args: CohortArgs, global: &Global) -> anyhow::Result<()> {
    let (start, out) = (Instant::now(), &args.out);
    let config = cohort_config(&args);
    let written = write_cohort(&config, args.layout, out, &Bars::new(global.quiet))
        .with_context(|| format!("writing the synthetic cohort into {}", out.display()))?;
    if !global.quiet {
        let secs = start.elapsed().as_secs_f64();
        println!("{written} in {secs:.1} s -> {}", out.display());
    }
    Ok(())
}
