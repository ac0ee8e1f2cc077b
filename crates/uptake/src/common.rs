//! Options and helpers every subcommand shares.

use std::path::PathBuf;

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
    let level = if global.quiet {
        "error"
    } else {
        match global.verbose {
            0 => "warn",
            1 => "info",
            _ => "debug",
        }
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
    let ontology = match &global.ontology {
        Some(path) => uptake_ontology::Ontology::from_path(path)?,
        None => uptake_ontology::Ontology::builtin(),
    };
    ontology.check_task_regions()?;
    Ok(ontology)
}

/// Where set-up put downloaded weights and reference files: `$UPTAKE_CACHE`, else
/// `~/.cache/uptake` (the same rule as scripts/setup).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("UPTAKE_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache/uptake")
}

/// Progress bars on stderr for the library's long steps (hidden when `quiet`): one bar per
/// stage.
pub struct Bars {
    quiet: bool,
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl Bars {
    /// Bars that draw unless `quiet`.
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            bar: std::sync::Mutex::new(None),
        }
    }

    fn with(&self, f: impl FnOnce(&mut Option<indicatif::ProgressBar>)) {
        f(&mut self.bar.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

impl uptake_core::Progress for Bars {
    fn start(&self, stage: &str, total: u64) {
        self.with(|bar| *bar = Some(progress(total, stage, self.quiet)));
    }

    fn advance(&self, units: u64) {
        self.with(|bar| bar.iter().for_each(|b| b.inc(units)));
    }

    fn finish(&self) {
        self.with(|bar| bar.take().iter().for_each(|b| b.finish_and_clear()));
    }
}

/// The trained report models of `--model DIR` (one per folder), as mention scorers.
pub fn load_report_models(
    dirs: &[PathBuf],
) -> anyhow::Result<Vec<Box<dyn uptake_labels::MentionScorer>>> {
    dirs.iter()
        .map(|dir| {
            let model = uptake_textmodel::ReportModel::load_trained(dir)?;
            Ok(Box::new(model) as Box<dyn uptake_labels::MentionScorer>)
        })
        .collect()
}

/// The report model in `dirs`, or the mean of several (a seed ensemble), named "model".
pub fn report_model_scorer(
    dirs: &[PathBuf],
) -> anyhow::Result<Box<dyn uptake_labels::MentionScorer>> {
    let models = load_report_models(dirs)?;
    let builtin = uptake_labels::RulesSource::Builtin;
    Ok(uptake_labels::LabellingMethod::Model.scorer(&builtin, models)?)
}
