//! `uptake synth ...`: synthetic data. `reports` writes a report set, `cohort` a whole-body
//! PET/CT cohort (DICOM, reports, labels, outcomes), each from a seed, by one library call.

use crate::common::{Bars, Global};
use anyhow::Context;
use std::path::PathBuf;
use std::time::Instant;
use uptake_synth::cohort::{CohortConfig, Resolution, generate, generate_autopet};
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
    #[arg(long, default_value_t = 500)]
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

pub fn run_reports(args: ReportsArgs, global: &Global) -> anyhow::Result<()> {
    let settings = ReportsSettings {
        n: args.n,
        seed: args.seed,
        styles: args.styles,
    };
    let start = Instant::now();
    let summary = write_report_set(&settings, &args.out, &Bars::new(global.quiet))
        .with_context(|| format!("writing the synthetic reports into {}", args.out.display()))?;
    let secs = start.elapsed().as_secs_f64();
    if !global.quiet {
        println!(
            "{} reports ({} of exams without lesions) written in {:.2} s ({:.0} reports/s) -> {}",
            summary.reports,
            summary.exams_without_lesions,
            secs,
            summary.reports as f64 / secs.max(1e-9),
            args.out.display()
        );
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct CohortArgs {
    /// Number of exams.
    #[arg(long, default_value_t = 200)]
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
    #[arg(long, default_value_t = 0)]
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
    #[arg(long, value_enum, default_value_t = Layout::Dicom)]
    pub layout: Layout,
}

/// How `synth cohort` writes the images.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// DICOM series, reports, labels and outcomes.
    Dicom,
    /// NIfTI volumes as the autoPET / TCIA FDG-PET-CT-Lesions collection lays them out.
    Autopet,
}

pub fn run(command: SynthCommand, global: &Global) -> anyhow::Result<()> {
    match command {
        SynthCommand::Cohort(args) => run_cohort(args, global),
        SynthCommand::Reports(args) => run_reports(args, global),
    }
}

/// The cohort settings of the arguments (checked by the library).
fn cohort_config(args: &CohortArgs) -> CohortConfig {
    let base = if args.small {
        Resolution::small()
    } else {
        Resolution::full()
    };
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

pub fn run_cohort(args: CohortArgs, global: &Global) -> anyhow::Result<()> {
    if args.layout == Layout::Autopet {
        return run_autopet(&args, global);
    }
    let start = Instant::now();
    let summary = generate(&cohort_config(&args), &args.out, &Bars::new(global.quiet))
        .with_context(|| format!("writing the synthetic cohort into {}", args.out.display()))?;
    if !global.quiet {
        println!(
            "{} exams of {} patients ({} normal, {} patients died) in {:.1} s -> {}",
            summary.exams,
            summary.patients,
            summary.normal_exams,
            summary.deaths,
            start.elapsed().as_secs_f64(),
            args.out.display()
        );
    }
    Ok(())
}

fn run_autopet(args: &CohortArgs, global: &Global) -> anyhow::Result<()> {
    let start = Instant::now();
    let summary = generate_autopet(&cohort_config(args), &args.out, &Bars::new(global.quiet))
        .with_context(|| {
            format!(
                "writing the autoPET-layout cohort into {}",
                args.out.display()
            )
        })?;
    if !global.quiet {
        println!(
            "{} exams in the autoPET layout ({} lesion voxels) in {:.1} s -> {}",
            summary.exams,
            summary.lesion_voxels,
            start.elapsed().as_secs_f64(),
            args.out.display()
        );
    }
    Ok(())
}
