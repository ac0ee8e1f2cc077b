//! A labelling session from reports in one call: the reports are tagged, the journal of the
//! output file is resumed, or a new one starts with a sample chosen stratified or by a report
//! model's uncertainty.

use crate::candidate::RegionCatalog;
use crate::from_reports::{PoolError, candidates, region_catalog};
use crate::journal::{Journal, JournalError};
use crate::sample::{Predictions, PredictionsError, SampleOrder, SampleSettings, choose_sample};
use crate::scoring::predict;
use std::fmt;
use std::path::{Path, PathBuf};
use uptake_core::Progress;
use uptake_labels::ScoreError;
use uptake_reports::{Report, Tagger};
use uptake_textmodel::{ModelError, load_scorers};
use uptake_training::Device;

/// How a new session orders its sample.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ActiveOrder {
    /// Stratified over regions (see [`SampleOrder::Stratified`]).
    #[default]
    Stratified,
    /// Most uncertain first, by a trained report model (its folder).
    ReportModel(PathBuf),
    /// Most uncertain first, by a predictions file (see [`Predictions`]).
    PredictionsFile(PathBuf),
}

impl ActiveOrder {
    /// A trained report model when `path` is a folder, else a predictions file.
    pub fn from_path(path: &Path) -> Self {
        if path.is_dir() {
            Self::ReportModel(path.to_path_buf())
        } else {
            Self::PredictionsFile(path.to_path_buf())
        }
    }
}

/// What a session labels and where it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSettings {
    /// The reports file (named in messages).
    pub reports: PathBuf,
    /// The labelled mention file; its journal `<out>.log` is kept beside it.
    pub out: PathBuf,
    /// Sentences in a new session's sample (a resumed one keeps its own).
    pub sample_size: usize,
    /// Seed of a new session's sampling.
    pub seed: u64,
    /// How a new session orders its sample.
    pub order: ActiveOrder,
    /// Where the report model of an [`ActiveOrder::ReportModel`] runs (the CPU, or a CUDA GPU
    /// in a `gpu` build); checked whatever the order.
    pub device: Device,
    /// The annotator's name, stored in a new journal.
    pub annotator: Option<String>,
}

/// Why a session cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The reports give nothing to label.
    #[error("cannot label {path}")]
    Pool {
        /// The reports file.
        path: PathBuf,
        /// Why.
        source: PoolError,
    },
    /// The report model of an active order cannot be loaded.
    #[error("cannot load the report model from {path}")]
    Model {
        /// The model folder.
        path: PathBuf,
        /// Why (boxed: a model error is large).
        source: Box<ModelError>,
    },
    /// The device asked for cannot run the report model (a GPU this build or machine lacks).
    #[error(transparent)]
    Device(#[from] uptake_training::DeviceError),
    /// The report model failed on a sentence.
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// The predictions file of an active order cannot be used.
    #[error(transparent)]
    Predictions(#[from] PredictionsError),
    /// The journal or the mention file cannot be used.
    #[error("cannot open the labelling session for {out}")]
    Journal {
        /// The mention file.
        out: PathBuf,
        /// Why.
        source: JournalError,
    },
}

/// An open labelling session; it prints as the line that introduces it.
pub struct Session {
    /// The sample, its state and its journal.
    pub journal: Journal,
    /// The regions a person may pick.
    pub catalog: RegionCatalog,
    /// Tagged sentences with mentions in the reports.
    pub pool_size: usize,
    /// The reports file.
    pub reports: PathBuf,
}

impl Session {
    /// Tags `reports` and opens the session of `settings.out`: its journal's sample when it
    /// holds one, else a new sample of the tagged sentences. Progress: scoring by a model.
    pub fn open(
        reports: &[Report],
        tagger: &Tagger,
        settings: &SessionSettings,
        progress: &dyn Progress,
    ) -> Result<Self, SessionError> {
        uptake_training::check_device(settings.device)?;
        let pool = candidates(reports, tagger).map_err(|source| SessionError::Pool {
            path: settings.reports.clone(),
            source,
        })?;
        let journal_error = |source| SessionError::Journal {
            out: settings.out.clone(),
            source,
        };
        let sample = if Journal::holds_session(&settings.out).map_err(journal_error)? {
            Vec::new() // the journal's sample is used
        } else {
            let sample = SampleSettings {
                size: settings.sample_size,
                seed: settings.seed,
                order: sample_order(settings, &pool, progress)?,
            };
            choose_sample(&pool, &sample)
        };
        let journal = Journal::open(&settings.out, &pool, &sample, settings.annotator.clone())
            .map_err(journal_error)?;
        Ok(Self {
            journal,
            catalog: region_catalog(tagger.ontology()),
            pool_size: pool.len(),
            reports: settings.reports.clone(),
        })
    }

    /// For a resumed session, what it resumes (and that the sample settings are not used).
    pub fn resume_note(&self) -> Option<String> {
        self.journal.resumed().then(|| {
            format!(
                "Resuming {}: {} of {} sentences finished (the journal's sample; --sample/--seed/--active are not used).",
                self.journal.log_path().display(),
                self.journal.finished_count(),
                self.journal.len()
            )
        })
    }
}

impl fmt::Display for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} tagged sentences with mentions in {}; {} of {} sampled sentences finished.",
            self.pool_size,
            self.reports.display(),
            self.journal.finished_count(),
            self.journal.len()
        )
    }
}

/// The sample order of the settings' order: a report model's (on their device) or a
/// predictions file's uncertainty.
fn sample_order(
    settings: &SessionSettings,
    pool: &[crate::candidate::Candidate],
    progress: &dyn Progress,
) -> Result<SampleOrder, SessionError> {
    let predictions = match &settings.order {
        ActiveOrder::Stratified => return Ok(SampleOrder::Stratified),
        ActiveOrder::ReportModel(path) => {
            let models = load_scorers(std::slice::from_ref(path), settings.device);
            let mut model = models.map_err(|source| SessionError::Model {
                path: path.clone(),
                source: Box::new(source),
            })?;
            predict(model[0].as_mut(), pool, progress)?
        }
        ActiveOrder::PredictionsFile(path) => Predictions::read(path)?,
    };
    Ok(SampleOrder::MostUncertain(predictions))
}
