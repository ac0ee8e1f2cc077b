//! The labelling methods: which scorer gives each mention its probability.

use crate::aggregate::Aggregation;
use crate::label_model::LabelModelError;
use crate::regex_baseline::RegexLabeller;
use crate::rules::{RulesError, RulesLabeller};
use crate::scorer::{MeanScorer, MentionScorer};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// How mentions are scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LabellingMethod {
    /// The paper's baseline: a mention is abnormal unless its sentence has a negative word
    /// (no, not, without, physiologic, unremarkable, resolution).
    Regex,
    /// Rules: negation scope, benign attributions, resolution, hedging (`data/rules.toml`).
    #[default]
    Rules,
    /// The BERT report model (a seed ensemble: the mean of its members).
    Model,
    /// The mean of the report model's and the rules' probabilities; a seed ensemble counts as
    /// one member beside the rules.
    ModelRules,
    /// The label model ([`crate::LabelModel`]) over the regex baseline, the rules and the
    /// report model when there is one (a seed ensemble counts as one labeller), fitted on the
    /// mentions it labels.
    Combined,
}

/// A labeller built into uptake that the combined method may leave out (`--leave-out`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuiltinLabeller {
    /// The regex baseline.
    Regex,
    /// The rules.
    Rules,
}

/// A name that is not a built-in labeller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a built-in labeller (regex, rules)")]
pub struct UnknownBuiltinLabeller(pub String);

impl BuiltinLabeller {
    /// The name the label model and the command line use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Regex => "regex",
            Self::Rules => "rules",
        }
    }
}

impl fmt::Display for BuiltinLabeller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BuiltinLabeller {
    type Err = UnknownBuiltinLabeller;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Regex, Self::Rules]
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| UnknownBuiltinLabeller(s.to_string()))
    }
}

/// Where the rules' vocabulary comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RulesSource {
    /// The vocabulary built into uptake (`crates/labels/data/rules.toml`).
    #[default]
    Builtin,
    /// A file of the same format.
    File(PathBuf),
}

/// Why a method cannot be built from what was given.
#[derive(Debug, thiserror::Error)]
pub enum MethodError {
    /// A rules file for a method that does not use the rules.
    #[error(
        "a rules file only applies to the methods rules, model+rules and combined, not {method}"
    )]
    RulesNotUsed {
        /// The method asked for.
        method: LabellingMethod,
    },
    /// Report models for a method that does not use them.
    #[error(
        "report models only apply to the methods model, model+rules and combined, not {method}"
    )]
    ModelsNotUsed {
        /// The method asked for.
        method: LabellingMethod,
    },
    /// A model method without a model.
    #[error("the method {method} needs at least one trained report model")]
    NoModel {
        /// The method asked for.
        method: LabellingMethod,
    },
    /// The combined method has no fixed scorer: it is fitted on the mentions it labels.
    #[error(
        "the method combined is fitted on the mentions it labels: fit a LabelModel over LabellingMethod::labellers"
    )]
    NeedsFit,
    /// Own rules files or hand labels for a method other than combined.
    #[error("{what} only apply to the method combined, not {method}")]
    OnlyCombined {
        /// What was given ("own rules files", "hand-labelled mentions").
        what: &'static str,
        /// The method asked for.
        method: LabellingMethod,
    },
    /// The rules file cannot be used.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// The label model of the method combined cannot be fitted.
    #[error(transparent)]
    LabelModel(#[from] LabelModelError),
}

/// A name that is not a labelling method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a labelling method (regex, rules, model, model+rules, combined)")]
pub struct UnknownMethod(pub String);

impl LabellingMethod {
    /// How a region's mentions become one probability per exam unless asked otherwise:
    /// noisy-OR (the study's), and max for the combined method, whose mention probabilities are
    /// sharp posteriors: on the synthetic development set max gave the combined method with hand
    /// labels F1 1.000 against noisy-OR's 0.990, and the same F1 with a report model
    /// (docs/labels-model.md).
    pub fn default_aggregation(self) -> Aggregation {
        match self {
            Self::Combined => Aggregation::Max,
            _ => Aggregation::NoisyOr,
        }
    }

    /// Every method, in the order of the documentation.
    pub const ALL: [LabellingMethod; 5] = [
        Self::Regex,
        Self::Rules,
        Self::Model,
        Self::ModelRules,
        Self::Combined,
    ];

    /// The name the command line and messages use (`model+rules`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Regex => "regex",
            Self::Rules => "rules",
            Self::Model => "model",
            Self::ModelRules => "model+rules",
            Self::Combined => "combined",
        }
    }

    /// Whether the method scores with the rules.
    pub fn uses_rules(self) -> bool {
        matches!(self, Self::Rules | Self::ModelRules | Self::Combined)
    }

    /// Whether the method scores with trained report models (combined: when given).
    pub fn uses_report_models(self) -> bool {
        matches!(self, Self::Model | Self::ModelRules | Self::Combined)
    }

    /// Whether the method needs at least one report model.
    fn needs_report_models(self) -> bool {
        matches!(self, Self::Model | Self::ModelRules)
    }

    /// Checks that `rules` and `models` (how many report models) fit the method, before any
    /// model is loaded.
    pub fn check(self, rules: &RulesSource, models: usize) -> Result<(), MethodError> {
        if *rules != RulesSource::Builtin && !self.uses_rules() {
            return Err(MethodError::RulesNotUsed { method: self });
        }
        match (self.uses_report_models(), models) {
            (false, n) if n > 0 => Err(MethodError::ModelsNotUsed { method: self }),
            (true, 0) if self.needs_report_models() => Err(MethodError::NoModel { method: self }),
            _ => Ok(()),
        }
    }

    /// The scorer of the method: the rules from `rules`, and for the model methods the mean
    /// of the loaded report `models` (one model: itself).
    pub fn scorer(
        self,
        rules: &RulesSource,
        models: Vec<Box<dyn MentionScorer>>,
    ) -> Result<Box<dyn MentionScorer>, MethodError> {
        self.check(rules, models.len())?;
        Ok(match self {
            Self::Regex => Box::new(RegexLabeller::new()),
            Self::Rules => rules_scorer(rules)?,
            Self::Model => ensemble(models),
            // A seed ensemble counts as one member: the rules keep half the weight.
            Self::ModelRules => Box::new(MeanScorer::new(
                "model+rules",
                vec![ensemble(models), rules_scorer(rules)?],
            )),
            Self::Combined => return Err(MethodError::NeedsFit),
        })
    }

    /// The labellers the combined method fits its label model over: the regex baseline and the
    /// rules from `rules` (each unless in `leave_out`), the mean of the report `models` when
    /// there are any (named "model"), then one labeller per file of `own_rules` (named
    /// `rules:<file name>`).
    pub fn labellers(
        rules: &RulesSource,
        models: Vec<Box<dyn MentionScorer>>,
        own_rules: &[PathBuf],
        leave_out: &[BuiltinLabeller],
    ) -> Result<Vec<Box<dyn MentionScorer>>, MethodError> {
        let mut labellers: Vec<Box<dyn MentionScorer>> = Vec::new();
        if !leave_out.contains(&BuiltinLabeller::Regex) {
            labellers.push(Box::new(RegexLabeller::new()));
        }
        if !leave_out.contains(&BuiltinLabeller::Rules) {
            labellers.push(rules_scorer(rules)?);
        }
        if !models.is_empty() {
            labellers.push(ensemble(models));
        }
        for path in own_rules {
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            labellers.push(Box::new(Renamed {
                name: format!("rules:{name}"),
                inner: Box::new(RulesLabeller::from_path(path)?),
            }));
        }
        Ok(labellers)
    }
}

/// The rules from `rules`.
fn rules_scorer(rules: &RulesSource) -> Result<Box<dyn MentionScorer>, MethodError> {
    Ok(match rules {
        RulesSource::Builtin => Box::new(RulesLabeller::builtin()),
        RulesSource::File(path) => Box::new(RulesLabeller::from_path(path)?),
    })
}

/// A scorer under another name (two rules labellers side by side).
struct Renamed {
    name: String,
    inner: Box<dyn MentionScorer>,
}

impl MentionScorer for Renamed {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(
        &mut self,
        sentences: &[crate::scorer::SentenceMentions<'_>],
    ) -> Result<Vec<Vec<f64>>, crate::scorer::ScoreError> {
        self.inner.score(sentences)
    }
}

/// One report model, or the mean of several (a seed ensemble), named "model".
fn ensemble(mut models: Vec<Box<dyn MentionScorer>>) -> Box<dyn MentionScorer> {
    match models.len() {
        1 => models.remove(0),
        _ => Box::new(MeanScorer::new("model", models)),
    }
}

impl fmt::Display for LabellingMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LabellingMethod {
    type Err = UnknownMethod;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == text.trim())
            .ok_or_else(|| UnknownMethod(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scorer::SentenceMentions;
    use crate::scorer::tests::Constant;
    use uptake_core::ByteSpan;

    fn score_one(scorer: &mut dyn MentionScorer) -> f64 {
        let text = "Intense uptake in the liver.";
        let sentence = SentenceMentions::new(text, vec![ByteSpan::new(22, 27)]);
        scorer.score(&[sentence]).unwrap()[0][0]
    }

    #[test]
    fn names_parse_back_to_their_method() {
        for m in LabellingMethod::ALL {
            assert_eq!(m.name().parse::<LabellingMethod>(), Ok(m));
        }
        assert!("bert".parse::<LabellingMethod>().is_err());
    }

    #[test]
    fn model_plus_rules_is_the_mean_of_the_ensemble_and_the_rules() {
        let rules = score_one(&mut RulesLabeller::builtin());
        let models: Vec<Box<dyn MentionScorer>> =
            vec![Box::new(Constant(0.2)), Box::new(Constant(0.4))];
        let mut scorer = LabellingMethod::ModelRules
            .scorer(&RulesSource::Builtin, models)
            .unwrap();
        assert_eq!(scorer.name(), "model+rules");
        assert!((score_one(scorer.as_mut()) - (0.3 + rules) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn one_model_is_used_as_it_is() {
        let mut scorer = LabellingMethod::Model
            .scorer(&RulesSource::Builtin, vec![Box::new(Constant(0.7))])
            .unwrap();
        assert_eq!(scorer.name(), "constant");
        assert_eq!(score_one(scorer.as_mut()), 0.7);
    }

    #[test]
    fn models_and_rules_files_only_go_with_methods_that_use_them() {
        let file = RulesSource::File("r.toml".into());
        assert!(matches!(
            LabellingMethod::Regex.check(&file, 0),
            Err(MethodError::RulesNotUsed { .. })
        ));
        assert!(matches!(
            LabellingMethod::Rules.check(&RulesSource::Builtin, 1),
            Err(MethodError::ModelsNotUsed { .. })
        ));
        let err = LabellingMethod::ModelRules
            .check(&RulesSource::Builtin, 0)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the method model+rules needs at least one trained report model"
        );
    }
}
