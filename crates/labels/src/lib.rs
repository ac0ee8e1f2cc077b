//! Weak labels from reports: P(abnormal) per region per exam, with no hand labels.
//!
//! The pipeline ([`WeakLabeller`]): report -> findings and impression sentences -> region
//! mentions (`uptake_reports::Tagger`) -> P(abnormal) per mention ([`MentionScorer`]) ->
//! an [`Aggregation`] (noisy-OR by default) per region over the region and every region below
//! it in the ontology.
//!
//! - [`LabellingMethod`]: which scorer: the paper's [`RegexLabeller`], the [`RulesLabeller`]
//!   (negation scope, benign attributions, resolution and hedging, its vocabulary in
//!   `data/rules.toml`), the report model, the model and the rules together, or `combined`:
//!   the [`LabelModel`] (Dawid–Skene over every labeller, shared up the ontology, anchored by
//!   hand labels when there are some; docs/labels-model.md);
//! - [`MethodSetup`]: a method and what it needs, as one call per use: label a report set
//!   ([`MethodSetup::label_reports`]), evaluate on hand-labelled mentions
//!   ([`MethodSetup::evaluate_mentions`]), diagnose the labellers ([`diagnose`],
//!   [`MethodSetup::diagnose_reports`]);
//! - [`WeakLabeller::label_reports`]: a report set into a `uptake_core::RegionTable`, with
//!   [`LabelCounts`] of the reports that fell back (no findings or impression header) or yielded
//!   no mention, and their ids ([`WeakLabels::flagged`], [`WeakLabels::write_flagged`]);
//! - [`check_mention_regions`]: a hand-labelled mention file names only ontology regions;
//! - [`evaluate`]: agreement of a scorer with hand-labelled mentions; [`paired`]: one scorer
//!   minus another on every measure, with paired intervals over sentences;
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
//! let regions = "liver,lungs".parse::<RegionSelection>().unwrap();
//! let settings = LabelSettings { regions, ..LabelSettings::default() };
//! let set = labeller.label_reports(&[report], &settings, &NoProgress).unwrap();
//! assert_eq!(set.table.regions(), ["liver", "lungs"]);
//! assert_eq!(set.counts.mentions, 2);
//! ```
//!
//! The combined method fits its label model on the reports it labels; with the regex and the
//! rules alone (two views) it needs hand-labelled mentions to be identifiable, and takes the
//! two jointly:
//!
//! ```
//! use uptake_core::{LabelledSentence, LabelledSpan, NoProgress};
//! use uptake_labels::{LabelSettings, LabellingMethod, MethodSetup};
//! use uptake_ontology::Ontology;
//! use uptake_reports::{Report, Tagger};
//!
//! let ontology = Ontology::builtin();
//! let text = |i: usize| if i % 2 == 0 { "Intense uptake in the liver." } else { "No uptake in the liver." };
//! let reports: Vec<Report> = (0..20)
//!     .map(|i| Report::new(&format!("E{i}"), &format!("FINDINGS: {}", text(i))))
//!     .collect();
//! let hand: Vec<LabelledSentence> = (0..20)
//!     .map(|i| {
//!         let start = text(i).find("liver").unwrap();
//!         let label = u8::from(i % 2 == 0);
//!         let mention = LabelledSpan { start, end: start + 5, region: "liver".into(), label };
//!         LabelledSentence { id: None, exam_id: None, section: None, text: text(i).into(), mentions: vec![mention] }
//!     })
//!     .collect();
//! let setup = MethodSetup { method: LabellingMethod::Combined, hand, ..MethodSetup::default() };
//! let tagger = Tagger::new(&ontology).unwrap();
//! let done = setup
//!     .label_reports(Vec::new(), tagger, &reports, &LabelSettings::default(), &NoProgress)
//!     .unwrap();
//! assert_eq!(done.scorer, "combined");
//! assert_eq!(done.fit.unwrap().views, [vec!["regex", "rules"]]);
//! ```

#![warn(missing_docs)]

mod aggregate;
mod combined;
mod dawid_skene;
mod dependence;
pub mod diagnose;
pub mod evaluate;
mod fit_reports;
mod fit_summary;
mod label_model;
mod levels;
mod memo;
mod mention_regions;
mod method;
mod outputs;
pub mod paired;
mod regex_baseline;
mod rules;
mod scorer;
mod speed;
mod votes;
mod weak;

pub use aggregate::{Aggregation, DEFAULT_DISCOUNT, ScoredMention, UnknownAggregation};
pub use combined::{
    EvaluatedMentionFile, EvaluatedMentions, FitOn, LabelledReports, LabellingError, MethodSetup,
    MinusRules, PreparedScorer,
};
pub use fit_reports::mention_sentences;
pub use fit_summary::{Anchor, FitSummary, LabellerDependence};
pub use label_model::{
    DEFAULT_DEPENDENCE_NATS, DEFAULT_PRIOR_STRENGTH, Dependencies, HEADER_PROBABILITY, LabelModel,
    LabelModelError, LabelModelSettings, LabellerAccuracy, Unanchored,
};
pub use memo::MemoScorer;
pub use mention_regions::{
    MentionsError, UnknownMentionRegion, check_mention_regions, read_checked_mentions,
};
pub use method::{
    BuiltinLabeller, LabellingMethod, MethodError, RulesSource, UnknownBuiltinLabeller,
    UnknownMethod,
};
pub use outputs::{LabelOutputs, LabelWriteError};
pub use regex_baseline::RegexLabeller;
pub use rules::{RulesError, RulesLabeller};
pub use scorer::{MeanScorer, MentionScorer, ScoreError, SentenceMentions, mean_scores};
pub use speed::measure_labelling;
pub use votes::Votes;
pub use weak::{
    Coverage, FlaggedReport, LabelCounts, LabelError, LabelSettings, ReportLabels, WeakLabeller,
    WeakLabels,
};
