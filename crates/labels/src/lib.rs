//! Weak labels from reports: P(abnormal) per region per exam, with no hand labels.
//!
//! The pipeline ([`WeakLabeller`]): report -> findings and impression sentences -> region
//! mentions (`uptake_reports::Tagger`) -> P(abnormal) per mention ([`MentionScorer`]) ->
//! noisy-OR per region over the region and every region below it in the ontology.
//!
//! - [`LabellingMethod`]: which scorer: the paper's [`RegexLabeller`], the [`RulesLabeller`]
//!   (negation scope, benign attributions, resolution and hedging, its vocabulary in
//!   `data/rules.toml`), the report model, or the model and the rules together;
//! - [`WeakLabeller::label_reports`]: a report set into a `uptake_core::RegionTable`, with
//!   [`LabelCounts`] of the reports that fell back (no findings or impression header) or yielded
//!   no mention, and their ids ([`WeakLabels::flagged`], [`WeakLabels::write_flagged`]);
//! - [`check_mention_regions`]: a hand-labelled mention file names only ontology regions;
//! - [`evaluate`]: agreement of a scorer with hand-labelled mentions;
//! - [`measure_labelling`]: labelling speed.
//!
//! Label one report with the rules, then a report set into a table:
//!
//! ```
//! use uptake_core::NoProgress;
//! use uptake_labels::{LabelSettings, LabellingMethod, RulesSource, WeakLabeller};
//! use uptake_ontology::{Ontology, RegionSelection};
//! use uptake_reports::Report;
//!
//! let ontology = Ontology::builtin();
//! let rules = LabellingMethod::Rules.scorer(&RulesSource::Builtin, Vec::new()).unwrap();
//! let mut labeller = WeakLabeller::for_ontology(&ontology, rules).unwrap();
//!
//! let report = Report::new("E1", "FINDINGS: Intense uptake in the liver. No uptake in the lungs.");
//! let labels = labeller.label_report(&report).unwrap();
//! let p = |name: &str| labels.probability(ontology.id(name).unwrap());
//! assert!(p("liver") > 0.9 && p("abdomen") == p("liver"));
//! assert!(p("lungs") < 0.1);
//!
//! let settings = LabelSettings { regions: "liver,lungs".parse::<RegionSelection>().unwrap() };
//! let set = labeller.label_reports(&[report], &settings, &NoProgress).unwrap();
//! assert_eq!(set.table.regions(), ["liver", "lungs"]);
//! assert_eq!(set.counts.mentions, 2);
//! ```

#![warn(missing_docs)]

pub mod evaluate;
mod mention_regions;
mod method;
mod noisy_or;
mod regex_baseline;
mod rules;
mod scorer;
mod speed;
mod weak;

pub use mention_regions::{UnknownMentionRegion, check_mention_regions};
pub use method::{LabellingMethod, MethodError, RulesSource, UnknownMethod};
pub use noisy_or::ScoredMention;
pub use regex_baseline::RegexLabeller;
pub use rules::{RulesError, RulesLabeller};
pub use scorer::{MeanScorer, MentionScorer, ScoreError, SentenceMentions, mean_scores};
pub use speed::measure_labelling;
pub use weak::{
    Coverage, FlaggedReport, LabelCounts, LabelError, LabelSettings, ReportLabels, WeakLabeller,
    WeakLabels,
};
