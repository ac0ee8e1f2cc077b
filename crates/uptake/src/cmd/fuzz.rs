//! `uptake bench fuzz`: every reader of user files against seeded mutants for a time.

use crate::common::{Bars, Global};
use std::path::PathBuf;
use std::time::Duration;
use uptake_fuzz::run::{Budget, FuzzSettings, run_fuzz};
use uptake_fuzz::target::Target;

#[derive(clap::Args, Debug)]
pub struct FuzzArgs {
    /// How long to run, all targets taking turns.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub seconds: u64,
    /// The mutation seed (the same seed runs the same cases).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Only these readers (comma-separated; default all): reports-jsonl, reports-csv,
    /// region-table, mentions, ontology, rules, exam-store, torch-checkpoint, dicom.
    #[arg(long, value_delimiter = ',')]
    pub targets: Vec<Target>,
    /// Where to save inputs that made a reader panic.
    #[arg(long, value_name = "DIR")]
    pub findings: Option<PathBuf>,
}

/// Runs the fuzzer and prints its table; any panic makes the exit status nonzero.
pub fn run(args: FuzzArgs, global: &Global) -> anyhow::Result<()> {
    let targets = match args.targets.is_empty() {
        true => Target::ALL.to_vec(),
        false => args.targets,
    };
    let settings = FuzzSettings {
        targets,
        budget: Budget::Time(Duration::from_secs(args.seconds)),
        seed: args.seed,
        findings_dir: args.findings,
    };
    let report = run_fuzz(&settings, &Bars::new(global.quiet))?;
    print!("{report}");
    anyhow::ensure!(
        report.panics() == 0,
        "{} inputs made a reader panic",
        report.panics()
    );
    Ok(())
}
