//! Every labelling method as one call, the combined one included: what a method needs besides
//! its report models ([`MethodSetup`]), the mentions the combined method fits its label model on
//! ([`FitOn`]), and the three things `uptake label` does with them: label a report set, evaluate
//! on hand-labelled mentions, diagnose the labellers on a report set.

use crate::aggregate::Aggregation;
use crate::diagnose::{Diagnostics, diagnose};
use crate::evaluate::{MentionEvaluation, evaluate_scores, score_labelled, write_mention_scores};
use crate::fit_reports::mention_sentences;
use crate::fit_summary::FitSummary;
use crate::label_model::{LabelModel, LabelModelSettings, Unanchored};
use crate::mention_regions::{MentionsError, read_checked_mentions};
use crate::method::{BuiltinLabeller, LabellingMethod, MethodError, RulesSource};
use crate::paired::{MeasureDifference, MentionMeasure, PairedSettings, paired_differences};
use crate::scorer::{MentionScorer, ScoreError};
use crate::weak::{LabelError, LabelSettings, WeakLabeller, WeakLabels};
use std::fmt;
use std::path::{Path, PathBuf};
use uptake_core::{AtomicWriteError, LabelledSentence, Progress};
use uptake_ontology::Ontology;
use uptake_reports::{Report, Tagger};

/// A labelling method and what it needs besides its report models.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodSetup {
    /// The method (default: the rules).
    pub method: LabellingMethod,
    /// The rules' vocabulary.
    pub rules: RulesSource,
    /// The user's own rules files, each one more labeller of the combined method (named
    /// `rules:<file name>`).
    pub own_rules: Vec<PathBuf>,
    /// Hand-labelled mentions (the mention-file format) that anchor the combined method's fit.
    pub hand: Vec<LabelledSentence>,
    /// Built-in labellers the combined method leaves out (default: none).
    pub leave_out: Vec<BuiltinLabeller>,
    /// How the combined method fits its label model.
    pub label_model: LabelModelSettings,
    /// How a region's mentions become one probability per exam (`None`: the method's own,
    /// [`LabellingMethod::default_aggregation`]).
    pub aggregation: Option<Aggregation>,
}

impl Default for MethodSetup {
    fn default() -> Self {
        Self {
            method: LabellingMethod::Rules,
            rules: RulesSource::Builtin,
            own_rules: Vec::new(),
            hand: Vec::new(),
            leave_out: Vec::new(),
            label_model: LabelModelSettings::default(),
            aggregation: None,
        }
    }
}

/// The mentions the combined method fits its label model on: those it will label.
#[derive(Debug, Clone, Copy)]
pub enum FitOn<'a> {
    /// The mentions the tagger finds in the findings and impression of these reports.
    Reports {
        /// The tagger.
        tagger: &'a Tagger,
        /// The reports.
        reports: &'a [Report],
    },
    /// The mentions of these sentences (a mention file; their labels are not read).
    Sentences {
        /// The ontology their regions come from.
        ontology: &'a Ontology,
        /// The sentences.
        sentences: &'a [LabelledSentence],
    },
}

/// A method's scorer, ready; with the label model's fit for the method combined.
pub struct PreparedScorer {
    /// The scorer.
    pub scorer: Box<dyn MentionScorer>,
    /// What the label model's fit saw and did (`None` for the other methods).
    pub fit: Option<FitSummary>,
}

/// Why a report set or a mention file cannot be labelled.
#[derive(Debug, thiserror::Error)]
pub enum LabellingError {
    /// The method cannot be built or fitted.
    #[error(transparent)]
    Method(#[from] MethodError),
    /// The reports cannot be labelled.
    #[error(transparent)]
    Label(#[from] LabelError),
    /// The hand-labelled mentions cannot be scored.
    #[error("the hand-labelled mentions cannot be scored")]
    Score(#[from] ScoreError),
    /// A hand-labelled mention file cannot be used.
    #[error(transparent)]
    Mentions(#[from] MentionsError),
    /// The mentions of a file cannot be scored.
    #[error("scoring the mentions of {path}")]
    MentionFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<LabellingError>,
    },
}

/// A report set labelled ([`MethodSetup::label_reports`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledReports {
    /// The labels.
    pub labels: WeakLabels,
    /// The scorer's name.
    pub scorer: String,
    /// The label model's fit (method combined).
    pub fit: Option<FitSummary>,
}

/// Hand-labelled mentions scored ([`MethodSetup::evaluate_mentions`]).
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatedMentions {
    /// The figures against the hand labels.
    pub evaluation: MentionEvaluation,
    /// The label model's fit (method combined, fitted on the same mentions, labels unread).
    pub fit: Option<FitSummary>,
    /// Each mention's score: a vector per sentence.
    pub scores: Vec<Vec<f64>>,
    /// Each measure of the method minus the rules' on the same mentions, with paired intervals
    /// over sentences (`None` for the method rules).
    pub minus_rules: Option<MinusRules>,
}

/// A method's measures minus the rules' ([`paired_differences`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MinusRules {
    /// How they were computed.
    pub settings: PairedSettings,
    /// One per measure, in [`MentionMeasure::ALL`]'s order.
    pub differences: Vec<MeasureDifference>,
}

/// `minus the rules, 95 % CI over 2000 resamples of sentences:`, then a line per measure (no
/// newline at the end, as the figures before it).
impl fmt::Display for MinusRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (level, resamples) = (self.settings.level * 100.0, self.settings.resamples);
        write!(
            f,
            "minus the rules, {level:.0} % CI over {resamples} resamples of sentences:"
        )?;
        for d in &self.differences {
            write!(f, "\n  {:<6} {d}", d.measure.name())?;
        }
        Ok(())
    }
}

impl EvaluatedMentions {
    /// Writes each mention's score beside its place and label (CSV, no report text:
    /// [`write_mention_scores`]), the column named after the method.
    pub fn write_scores(
        &self,
        path: &Path,
        sentences: &[LabelledSentence],
    ) -> Result<(), AtomicWriteError> {
        let names = [self.evaluation.scorer.clone()];
        write_mention_scores(path, sentences, &names, std::slice::from_ref(&self.scores))
    }
}

impl LabelledReports {
    /// The fit (method combined) and one line on what was labelled, `out` the table written
    /// and `ids` the flagged exams' file.
    pub fn summary(&self, out: &Path, ids: &Path) -> String {
        let fit = self.fit.as_ref().map(|f| f.to_string()).unwrap_or_default();
        format!("{fit}{}", self.labels.summary(&self.scorer, out, ids))
    }
}

/// The hand-labelled mentions of a file scored ([`MethodSetup::evaluate_mention_file`]).
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatedMentionFile {
    /// The file.
    pub path: PathBuf,
    /// Its sentences, with their hand labels.
    pub sentences: Vec<LabelledSentence>,
    /// The probability at or above which a mention counts as abnormal.
    pub threshold: f64,
    /// The figures.
    pub evaluated: EvaluatedMentions,
}

impl EvaluatedMentionFile {
    /// Writes each mention's score beside its place and label (CSV, no report text).
    pub fn write_scores(&self, path: &Path) -> Result<(), AtomicWriteError> {
        self.evaluated.write_scores(path, &self.sentences)
    }
}

/// `method `M` on FILE (N sentences), threshold T`, then the fit and the figures.
impl fmt::Display for EvaluatedMentionFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (scorer, path) = (&self.evaluated.evaluation.scorer, self.path.display());
        let (n, threshold) = (self.sentences.len(), self.threshold);
        writeln!(
            f,
            "method `{scorer}` on {path} ({n} sentences), threshold {threshold}"
        )?;
        write!(f, "{}", self.evaluated)
    }
}

/// The fit (method combined), then the figures.
impl fmt::Display for EvaluatedMentions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(fit) = &self.fit {
            write!(f, "{fit}")?;
        }
        write!(f, "{}", self.evaluation)?;
        match &self.minus_rules {
            Some(minus_rules) => write!(f, "\n{minus_rules}"),
            None => Ok(()),
        }
    }
}

impl MethodSetup {
    /// The aggregation this setup labels with: the one asked for, or the method's own.
    pub fn aggregation(&self) -> Aggregation {
        (self.aggregation).unwrap_or_else(|| self.method.default_aggregation())
    }

    /// Checks that the setup and `models` (how many report models) fit the method, before any
    /// model is loaded.
    pub fn check(&self, models: usize) -> Result<(), MethodError> {
        let method = self.method;
        method.check(&self.rules, models)?;
        let only_combined = |what| Err(MethodError::OnlyCombined { what, method });
        match method {
            LabellingMethod::Combined => Ok(()),
            _ if !self.own_rules.is_empty() => only_combined("own rules files"),
            _ if !self.hand.is_empty() => only_combined("hand-labelled mentions"),
            _ if !self.leave_out.is_empty() => only_combined("labellers left out"),
            _ => Ok(()),
        }
    }

    /// The label model over the combined method's labellers ([`LabellingMethod::labellers`]),
    /// fitted on `data`.
    pub fn fit(
        &self,
        models: Vec<Box<dyn MentionScorer>>,
        data: FitOn<'_>,
        progress: &dyn Progress,
    ) -> Result<LabelModel, MethodError> {
        let labellers =
            LabellingMethod::labellers(&self.rules, models, &self.own_rules, &self.leave_out)?;
        let (hand, settings) = (&self.hand, &self.label_model);
        Ok(match data {
            FitOn::Reports { tagger, reports } => {
                LabelModel::fit_reports(tagger, labellers, reports, hand, settings, progress)?
            }
            FitOn::Sentences {
                ontology,
                sentences,
            } => LabelModel::fit_unlabelled_sentences(
                ontology, labellers, sentences, hand, settings, progress,
            )?,
        })
    }

    /// The method's scorer with report `models`; the method combined is fitted on `data` first.
    pub fn prepare(
        &self,
        models: Vec<Box<dyn MentionScorer>>,
        data: FitOn<'_>,
        progress: &dyn Progress,
    ) -> Result<PreparedScorer, MethodError> {
        self.check(models.len())?;
        if self.method != LabellingMethod::Combined {
            let scorer = self.method.scorer(&self.rules, models)?;
            return Ok(PreparedScorer { scorer, fit: None });
        }
        let model = self.fit(models, data, progress)?;
        let fit = Some(model.summary().clone());
        Ok(PreparedScorer {
            scorer: Box::new(model),
            fit,
        })
    }

    /// Labels `reports` into the columns of `settings`: the scorer prepared (the method
    /// combined fitted on these reports' mentions), each report tagged, scored and aggregated.
    pub fn label_reports(
        &self,
        models: Vec<Box<dyn MentionScorer>>,
        tagger: Tagger,
        reports: &[Report],
        settings: &LabelSettings,
        progress: &dyn Progress,
    ) -> Result<LabelledReports, LabellingError> {
        // A bad selection is refused before the (possibly long) fit.
        (settings.regions.resolve(tagger.ontology())).map_err(LabelError::from)?;
        let data = FitOn::Reports {
            tagger: &tagger,
            reports,
        };
        let prepared = self.prepare(models, data, progress)?;
        let mut labeller =
            WeakLabeller::new(tagger, prepared.scorer).with_aggregation(self.aggregation());
        let labels = labeller.label_reports(reports, settings, progress)?;
        Ok(LabelledReports {
            labels,
            scorer: labeller.scorer_name().to_string(),
            fit: prepared.fit,
        })
    }

    /// Scores hand-labelled `sentences` and compares them with their labels at `threshold`;
    /// the method combined is fitted on the same sentences first, their labels unread.
    pub fn evaluate_mentions(
        &self,
        models: Vec<Box<dyn MentionScorer>>,
        ontology: &Ontology,
        sentences: &[LabelledSentence],
        threshold: f64,
        progress: &dyn Progress,
    ) -> Result<EvaluatedMentions, LabellingError> {
        let data = FitOn::Sentences {
            ontology,
            sentences,
        };
        let mut prepared = self.prepare(models, data, progress)?;
        let scores = score_labelled(prepared.scorer.as_mut(), sentences)?;
        let name = prepared.scorer.name();
        let evaluation = evaluate_scores(name, sentences, &scores, threshold);
        let minus_rules = match self.method {
            LabellingMethod::Rules => None,
            _ => Some(self.minus_rules(&scores, sentences, threshold)?),
        };
        Ok(EvaluatedMentions {
            evaluation,
            fit: prepared.fit,
            scores,
            minus_rules,
        })
    }

    /// `scores` minus the rules' (this setup's rules) on every measure.
    fn minus_rules(
        &self,
        scores: &[Vec<f64>],
        sentences: &[LabelledSentence],
        threshold: f64,
    ) -> Result<MinusRules, LabellingError> {
        let mut rules = LabellingMethod::Rules.scorer(&self.rules, Vec::new())?;
        let reference = score_labelled(rules.as_mut(), sentences)?;
        let settings = PairedSettings {
            threshold,
            ..PairedSettings::default()
        };
        let measures = MentionMeasure::ALL;
        let differences = paired_differences(scores, &reference, sentences, &measures, &settings);
        Ok(MinusRules {
            settings,
            differences,
        })
    }

    /// [`Self::evaluate_mentions`] on the hand-labelled mention file `path`, its regions checked
    /// against `ontology`.
    pub fn evaluate_mention_file(
        &self,
        models: Vec<Box<dyn MentionScorer>>,
        ontology: &Ontology,
        path: &Path,
        threshold: f64,
        progress: &dyn Progress,
    ) -> Result<EvaluatedMentionFile, LabellingError> {
        let sentences = read_checked_mentions(path, ontology)?;
        let evaluated = (self.evaluate_mentions(models, ontology, &sentences, threshold, progress))
            .map_err(|source| LabellingError::MentionFile {
                path: path.to_path_buf(),
                source: Box::new(source),
            })?;
        Ok(EvaluatedMentionFile {
            path: path.to_path_buf(),
            sentences,
            threshold,
            evaluated,
        })
    }

    /// Fits the label model on the mentions of `reports` and diagnoses it there: per task
    /// region and labeller, coverage, overlap, conflict and learned accuracy, and the
    /// sentences ranked by how much the labellers disagree. The method is taken as combined.
    pub fn diagnose_reports(
        &self,
        tagger: &Tagger,
        models: Vec<Box<dyn MentionScorer>>,
        reports: &[Report],
        progress: &dyn Progress,
    ) -> Result<Diagnostics, LabellingError> {
        // Disagreements are worth showing even where the fit is not identifiable.
        let label_model = LabelModelSettings {
            unanchored: Unanchored::Fit,
            ..self.label_model.clone()
        };
        let setup = Self {
            method: LabellingMethod::Combined,
            label_model,
            ..self.clone()
        };
        setup.check(models.len())?;
        let mut model = setup.fit(models, FitOn::Reports { tagger, reports }, progress)?;
        let tagged = mention_sentences(tagger, reports);
        Ok(diagnose(&mut model, &tagged)?)
    }
}
