//! `uptake merge`: the outputs of a sharded step (`--shard i/n` jobs) joined into one table;
//! for `localise --per-exam` tables, also the figures of the whole cohort.

use std::path::PathBuf;

use uptake_core::ExamList;
use uptake_core::shard_merge::merge_tables;
use uptake_scanmodel::localise::Localisation;

use crate::common::Global;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shards' outputs (wide CSV: labels, predictions or localise's per-exam shares), each
    /// exam in exactly one.
    #[arg(required = true, value_name = "CSV")]
    pub parts: Vec<PathBuf>,
    /// The merged table (written only when the merge succeeds).
    #[arg(long, value_name = "CSV")]
    pub out: PathBuf,
    /// Exams the shards together must hold (ids separated by commas, or @FILE with one id per
    /// line): any missing is an error, and the merged rows follow this order.
    #[arg(long, value_name = "IDS|@FILE")]
    pub exams: Option<ExamList>,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<()> {
    let expected = args.exams.as_ref().map(ExamList::read).transpose()?;
    let merged = merge_tables(&args.parts, expected.as_deref())?;
    merged.table.write_csv(&args.out)?;
    if !global.quiet {
        eprintln!("{merged} -> {}", args.out.display());
    }
    if let Some(localisation) = Localisation::of_exams(&merged.table) {
        println!("{localisation}");
    }
    Ok(())
}
