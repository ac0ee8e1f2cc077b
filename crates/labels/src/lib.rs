//! Weak labels from mentions: the regex and rule labellers, and noisy-OR propagation up the
//! ontology.
//!
//! - [`MentionScorer`]: the interface of every labelling method (P(abnormal) per mention).
//! - [`RegexLabeller`]: the paper's baseline; [`RulesLabeller`]: negation scope, benign
//!   attributions, resolution and hedging, with its vocabulary in `data/rules.toml`.
//! - [`noisy_or`]: per-region probabilities per exam, hand-label propagation.
//! - [`evaluate`]: agreement of a scorer with hand-labelled mentions.

pub mod evaluate;
pub mod noisy_or;
pub mod regex_baseline;
pub mod rules;
pub mod scorer;

pub use noisy_or::{
    ScoredMention, noisy_or, propagate_positives, region_probabilities, weak_label_table,
};
pub use regex_baseline::{PAPER_NEGATIVE_WORDS, RegexLabeller};
pub use rules::{BUILTIN_RULES, Decision, RulesError, RulesLabeller};
pub use scorer::{MeanScorer, MentionScorer, ScoreError, SentenceMentions, mean_scores};
