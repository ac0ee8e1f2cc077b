//! `uptake report`: one self-contained HTML page of a run folder.

use crate::common::Global;
use anyhow::Result;
use std::path::PathBuf;

/// One self-contained HTML page with the tables and figures of a run folder.
///
/// Builds one self-contained HTML page (no network; figures embedded as data URIs) from the
/// summary.json files that `uptake evaluate/compare/worklist/survival --out DIR` write. Layout:
/// RUN/labels/<name>/ (label quality), RUN/evaluation/<name>/ (scan-model performance),
/// RUN/compare/<name>/, RUN/worklist/<name>/, RUN/survival/<name>/; other folders become sections
/// named after them.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// The HTML file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Title of the page.
    #[arg(long, default_value = "uptake run report")]
    pub title: String,
}

pub fn run(args: Args, _global: &Global) -> Result<()> {
    uptake_stats::report::write_report(&args.run, &args.out, &args.title)?;
    println!("{}", args.out.display());
    Ok(())
}
