//! Options and helpers every subcommand shares.

use std::path::PathBuf;
pub use uptake_core::cli::{probability, within};

#[derive(clap::Args, Debug, Clone)]
pub struct Global {
    /// Ontology file (TOML) to use instead of the built-in one (data/ontology.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub ontology: Option<PathBuf>,
    /// More log output (-v info, -vv debug). Logs never contain report text.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

pub fn init_logging(global: &Global) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("UPTAKE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// A progress bar on stderr, hidden when `quiet`.
pub fn progress(len: u64, what: &str, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>12} [{bar:30}] {pos}/{len} ({per_sec}, eta {eta}) {prefix}",
        )
        .expect("static template")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// The ontology every command uses: `--ontology FILE` or the built-in one. Fails when the
/// file is invalid or its task regions differ from shared/regions.md.
pub fn load_ontology(global: &Global) -> anyhow::Result<uptake_ontology::Ontology> {
    let ontology = uptake_ontology::Ontology::from_path_or_builtin(global.ontology.as_deref())?;
    ontology.check_task_regions()?;
    Ok(ontology)
}

// Analysis commands (evaluate, compare, worklist, survival): their inputs and outputs.

/// Prediction files of one model and the truth, as the analysis commands take them.
#[derive(clap::Args, Debug)]
pub struct PredictionArgs {
    /// Prediction files (wide CSV), one per seed: comma-separated or repeated.
    #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
    pub pred: Vec<PathBuf>,
    /// Truth (hand labels 0/1, wide CSV). Not needed with --paper-format.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// The --pred files are in the original study's format (`<region>_target`, `<region>_prob`);
    /// their targets are the truth.
    #[arg(long)]
    pub paper_format: bool,
}

impl PredictionArgs {
    /// Reads the prediction files.
    pub fn read(&self) -> anyhow::Result<uptake_stats::ModelPredictions> {
        let format = uptake_stats::PredictionFormat::paper_if(self.paper_format);
        Ok(uptake_stats::ModelPredictions::read(&self.pred, format)?)
    }
}

/// Prints an analysis result (as `json` when given, else as its table), then writes it into
/// `out` with `write` (its `write` method) and says so.
pub fn show_and_write<T: std::fmt::Display, E: std::error::Error + Send + Sync + 'static>(
    result: &T,
    json: Option<impl serde::Serialize>,
    out: Option<&std::path::Path>,
    write: impl FnOnce(&T, &std::path::Path) -> Result<(), E>,
) -> anyhow::Result<()> {
    match &json {
        Some(json) => println!("{}", serde_json::to_string_pretty(json)?),
        None => print!("{result}"),
    }
    if let Some(out) = out {
        write(result, out)?;
        if json.is_none() {
            println!("wrote {}", out.display());
        }
    }
    Ok(())
}

/// A library's [`uptake_core::Progress`] drawn as progress bars on stderr, one per stage;
/// nothing when `quiet`.
pub struct Bars {
    quiet: bool,
    /// The bar of the current stage (hidden before the first).
    bar: std::sync::Mutex<indicatif::ProgressBar>,
}

impl Bars {
    /// Bars on stderr, or nothing when `quiet`.
    pub fn new(quiet: bool) -> Self {
        let bar = std::sync::Mutex::new(indicatif::ProgressBar::hidden());
        Self { quiet, bar }
    }

    fn current(&self) -> std::sync::MutexGuard<'_, indicatif::ProgressBar> {
        self.bar.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl uptake_core::Progress for Bars {
    fn start(&self, stage: &str, total: u64) {
        let bar = progress(total, stage, self.quiet);
        std::mem::replace(&mut *self.current(), bar).finish_and_clear();
    }

    fn advance(&self, units: u64) {
        self.current().inc(units);
    }

    fn finish(&self) {
        let hidden = indicatif::ProgressBar::hidden();
        std::mem::replace(&mut *self.current(), hidden).finish_and_clear();
    }
}

/// Where a network runs: `--device`, as every command that runs one takes it. A GPU asked of
/// a build without the `gpu` feature is refused by the library call, saying how to build.
#[derive(clap::Args, Debug, Clone)]
pub struct DeviceArgs {
    /// `cpu`, `cuda` or `cuda:N` (a build with `--features gpu`).
    #[arg(long, default_value = "cpu")]
    pub device: uptake_training::Device,
}

// Reading reports: the flags of every command that reads a reports file.

/// How to read a reports file (`--reports FILE`): its format, its columns, an accession
/// mapping and the section headers. Every command that reads reports flattens this in.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ReportInputArgs {
    /// Format of the reports file: auto (by extension: .jsonl, .csv, .json or .ndjson for
    /// FHIR DiagnosticReport), jsonl, csv or fhir.
    #[arg(long, value_name = "FORMAT", default_value = "auto")]
    pub reports_format: uptake_reports::ReportFormat,
    /// Column (CSV) or field (JSONL) of the exam id (default exam_id). For FHIR: `id` (the
    /// resource id) or an identifier system (default: the accession identifier).
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// Column (CSV) or field (JSONL) of the report text (default text).
    #[arg(long, value_name = "NAME")]
    pub text_column: Option<String>,
    /// CSV with columns accession,exam_id: the ids of the reports file are accession numbers.
    #[arg(long, value_name = "FILE")]
    pub accession_map: Option<PathBuf>,
    /// Section headers to use instead of the built-in ones (TOML, the format of
    /// crates/reports/data/sections.toml).
    #[arg(long, value_name = "FILE")]
    pub sections: Option<PathBuf>,
}

impl ReportInputArgs {
    /// Reads the reports of `path`: each skipped record as a warning in the log, and the
    /// summary (reports read, records skipped and merged) on stderr unless `quiet`.
    pub fn read(
        &self,
        path: &std::path::Path,
        quiet: bool,
    ) -> anyhow::Result<uptake_reports::ReportSet> {
        let settings = uptake_reports::ReadSettings {
            format: self.reports_format,
            id_column: self.id_column.clone(),
            text_column: self.text_column.clone(),
            accession_map: self.accession_map.clone(),
        };
        let set = uptake_reports::read_reports_with(path, &settings)?;
        for w in &set.warnings {
            tracing::warn!("{w}");
        }
        if !quiet {
            eprintln!("{}: {}", path.display(), set.summary);
        }
        Ok(set)
    }

    /// The tagger of `ontology`, reading sections with `--sections FILE` or the built-in
    /// headers.
    pub fn tagger(
        &self,
        ontology: &uptake_ontology::Ontology,
    ) -> anyhow::Result<uptake_reports::Tagger> {
        let sections =
            uptake_reports::SectionVocabulary::from_path_or_builtin(self.sections.as_deref())?;
        Ok(uptake_reports::Tagger::with_sections(ontology, sections)?)
    }
}
