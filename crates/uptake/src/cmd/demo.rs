//! `uptake demo`: the whole current pipeline on a fresh synthetic cohort.

use crate::common::Global;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to write the demo's cohort, labels, models and report.
    #[arg(long, default_value = "uptake-demo")]
    pub out: PathBuf,
    /// Seed for every random choice of the demo.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

pub fn run(args: Args, _global: &Global) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out)?;
    Ok(())
}
