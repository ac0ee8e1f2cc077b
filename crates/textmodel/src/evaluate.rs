//! The report model beside the rule labellers on hand-labelled mentions: each labeller's
//! figures (all mentions, and per region), the model's AUROC and F1 minus the rules' with
//! bootstrap intervals over sentences, and every mention's scores for error analysis.

use crate::error::ModelError;
use std::path::Path;
use uptake_core::LabelledSentence;
use uptake_labels::evaluate::{
    BinaryMetrics, MentionEvaluation, evaluate_scores, score_labelled, write_mention_scores,
};
use uptake_labels::paired::{
    MeasureDifference, MentionMeasure, PairedSettings, paired_differences,
};
use uptake_labels::{MentionScorer, RegexLabeller, RulesLabeller, mean_scores};
use uptake_stats::resample::StatisticCi;

/// One labeller's scores of hand-labelled mentions: a vector per sentence, a score per mention.
pub type MentionScores = Vec<Vec<f64>>;

/// How to compare.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct CompareSettings {
    /// A score at or above this is an abnormal call.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().threshold))]
    pub threshold: f64,
    /// Bootstrap resamples of sentences for the differences from the rules.
    #[cfg_attr(feature = "cli", arg(skip = Self::default().resamples))]
    pub resamples: usize,
    /// Confidence level of their intervals.
    #[cfg_attr(feature = "cli", arg(skip = Self::default().level))]
    pub level: f64,
}

impl Default for CompareSettings {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            resamples: 2000,
            level: 0.95,
        }
    }
}

impl CompareSettings {
    /// The default bootstrap with abnormal calls at or above `threshold`.
    pub fn at_threshold(threshold: f64) -> Self {
        Self {
            threshold,
            ..Self::default()
        }
    }
}

/// A labeller's measures minus the rules', on the same mentions: AUROC, F1, sensitivity,
/// specificity and calibration error ([`MentionMeasure::ALL`]), each with its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct AgainstRules {
    /// One per measure, in the order of [`MentionMeasure::ALL`].
    pub differences: Vec<MeasureDifference>,
}

impl AgainstRules {
    /// The difference on `measure`; `None` where undefined.
    pub fn of(&self, measure: MentionMeasure) -> Option<StatisticCi> {
        (self.differences.iter())
            .find(|d| d.measure == measure)
            .and_then(|d| d.difference)
    }
}

/// The model beside `model+rules` (the mean of the two), the rules and the regex baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The labellers, in the order of the other fields: the model, model+rules, rules, regex.
    pub names: Vec<String>,
    /// Each labeller's scores.
    pub scores: Vec<MentionScores>,
    /// Each labeller's figures.
    pub evaluations: Vec<MentionEvaluation>,
    /// For the labellers before the rules: their differences from the rules.
    pub against_rules: Vec<AgainstRules>,
    /// The settings compared with.
    pub settings: CompareSettings,
}

/// Scores `sentences` with `model` and compares it with the rule labellers.
pub fn compare_with_rules(
    model: &mut dyn MentionScorer,
    sentences: &[LabelledSentence],
    settings: &CompareSettings,
) -> Result<Comparison, ModelError> {
    let scores = score_labelled(model, sentences)?;
    compare_scores(model.name(), scores, sentences, settings)
}

/// Compares model scores already computed (e.g. pooled out-of-fold predictions).
pub fn compare_scores(
    model_name: &str,
    model_scores: MentionScores,
    sentences: &[LabelledSentence],
    settings: &CompareSettings,
) -> Result<Comparison, ModelError> {
    let rules = score_labelled(&mut RulesLabeller::builtin(), sentences)?;
    let regex = score_labelled(&mut RegexLabeller::new(), sentences)?;
    let combined = mean_scores(&[model_scores.clone(), rules.clone()]);
    let names: Vec<String> = [model_name, "model+rules", "rules", "regex"]
        .map(String::from)
        .to_vec();
    let scores = vec![model_scores, combined, rules, regex];
    let evaluations = names
        .iter()
        .zip(&scores)
        .map(|(name, s)| evaluate_scores(name, sentences, s, settings.threshold))
        .collect();
    let against_rules = differences_from_rules(&scores, 2, sentences, settings);
    Ok(Comparison {
        names,
        scores,
        evaluations,
        against_rules,
        settings: settings.clone(),
    })
}

/// Every measure of the labellers before `rules` minus the rules', with percentile bootstrap
/// intervals over whole sentences ([`paired_differences`]).
fn differences_from_rules(
    scores: &[MentionScores],
    rules: usize,
    sentences: &[LabelledSentence],
    settings: &CompareSettings,
) -> Vec<AgainstRules> {
    let paired = PairedSettings {
        threshold: settings.threshold,
        level: settings.level,
        resamples: settings.resamples,
        seed: 0,
    };
    let measures = MentionMeasure::ALL;
    (0..rules)
        .map(|k| AgainstRules {
            differences: paired_differences(
                &scores[k],
                &scores[rules],
                sentences,
                &measures,
                &paired,
            ),
        })
        .collect()
}

impl Comparison {
    /// The evaluations as JSON, each labeller before the rules with its `minus_rules`
    /// differences.
    pub fn to_json(&self) -> Vec<serde_json::Value> {
        self.evaluations
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let mut value = evaluation_json(e);
                if let Some(d) = self.against_rules.get(k) {
                    let mut minus = serde_json::json!({
                        "level": self.settings.level,
                        "resamples_of_sentences": self.settings.resamples,
                    });
                    for m in &d.differences {
                        minus[m.measure.key()] = serde_json::json!(m.difference);
                    }
                    value["minus_rules"] = minus;
                }
                value
            })
            .collect()
    }

    /// Writes one CSV row per hand-labelled mention: its place, its label and each
    /// labeller's score ([`write_mention_scores`]). No report text.
    pub fn write_scores(
        &self,
        path: &Path,
        sentences: &[LabelledSentence],
    ) -> Result<(), ModelError> {
        Ok(write_mention_scores(
            path,
            sentences,
            &self.names,
            &self.scores,
        )?)
    }
}

fn evaluation_json(e: &MentionEvaluation) -> serde_json::Value {
    let m = |m: &BinaryMetrics| {
        serde_json::json!({"n": m.n, "positives": m.positives, "auroc": m.auroc, "f1": m.f1,
            "sensitivity": m.sensitivity, "specificity": m.specificity, "precision": m.precision})
    };
    serde_json::json!({
        "method": e.scorer,
        "threshold": e.threshold,
        "overall": m(&e.overall),
        "per_region": e.per_region.iter().map(|(k, v)| (k.clone(), m(v))).collect::<serde_json::Map<_, _>>(),
    })
}
