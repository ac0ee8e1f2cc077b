//! From mention probabilities to one probability per region per exam: each region combines
//! the mentions of itself and of every region below it in the ontology DAG, by one of the
//! [`Aggregation`] rules.

use std::fmt;
use std::str::FromStr;
use uptake_ontology::{Ontology, RegionId};

/// One scored mention of an exam: the region it names, P(abnormal), and its sentence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredMention {
    /// The region the mention names.
    pub region: RegionId,
    /// P(abnormal) of the mention.
    pub probability: f64,
    /// The position of its sentence in the report (mentions of one sentence share it).
    pub sentence: usize,
}

/// How the probabilities of a region's mentions (its own and its descendants') become one
/// probability for the exam. Every rule gives 0 without any mention and 1 with a certain one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Aggregation {
    /// 1 - prod(1 - p): every mention is independent evidence. Five mentions of one lesion
    /// (findings, impression, a list) count five times, and dozens of small probabilities of
    /// normal mentions add up.
    NoisyOr,
    /// The highest probability: one convincing mention decides, repeats add nothing.
    Max,
    /// Noisy-OR over sentences of the highest probability within each sentence: the mentions
    /// of one sentence (a list, a region and its sub-region) are one piece of evidence.
    SentenceNoisyOr,
    /// Mentions sorted by probability; the k-th (from 0) counts with weight `discount`^k:
    /// 1 - prod(1 - discount^k p_(k)). `discount` 0 is [`Aggregation::Max`], 1 is
    /// [`Aggregation::NoisyOr`]; in between, repeats add a little and the sum of the small
    /// probabilities of normal mentions is bounded by p_max / (1 - discount).
    DiscountedNoisyOr {
        /// The weight ratio of each further mention, in [0, 1].
        discount: f64,
    },
}

/// The discount of `discounted-noisy-or` without a number.
pub const DEFAULT_DISCOUNT: f64 = 0.5;

/// The default rule of the single labellers: no other beat it on the exam-level truth of a
/// synthetic development set, so the published figures stay (docs/labels-model.md, "Exam-level
/// aggregation"). The combined method has its own ([`crate::LabellingMethod::default_aggregation`]).
impl Default for Aggregation {
    fn default() -> Self {
        Self::NoisyOr
    }
}

impl Aggregation {
    /// Combines the probabilities of one region's mentions, each with its sentence.
    pub fn combine(self, mentions: &mut [(usize, f64)]) -> f64 {
        let keep = |ps: &mut dyn Iterator<Item = f64>| 1.0 - ps.map(|p| 1.0 - p).product::<f64>();
        match self {
            Self::NoisyOr => keep(&mut mentions.iter().map(|m| m.1)),
            Self::Max => mentions.iter().map(|m| m.1).fold(0.0, f64::max),
            Self::SentenceNoisyOr => {
                mentions.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
                let mut best = mentions
                    .iter()
                    .enumerate()
                    .filter_map(|(i, m)| (i == 0 || mentions[i - 1].0 != m.0).then_some(m.1));
                keep(&mut best)
            }
            Self::DiscountedNoisyOr { discount } => {
                mentions.sort_by(|a, b| b.1.total_cmp(&a.1));
                let mut weighted = mentions
                    .iter()
                    .enumerate()
                    .map(|(k, m)| m.1 * discount.powi(k as i32));
                keep(&mut weighted)
            }
        }
    }

    /// The name the command line takes (`discounted-noisy-or:0.5`).
    pub fn name(self) -> String {
        match self {
            Self::NoisyOr => "noisy-or".into(),
            Self::Max => "max".into(),
            Self::SentenceNoisyOr => "sentence-noisy-or".into(),
            Self::DiscountedNoisyOr { discount } => format!("discounted-noisy-or:{discount}"),
        }
    }
}

impl fmt::Display for Aggregation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A name that is not an aggregation rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an aggregation (noisy-or, max, sentence-noisy-or, discounted-noisy-or[:D] with D in [0, 1])"
)]
pub struct UnknownAggregation(pub String);

impl FromStr for Aggregation {
    type Err = UnknownAggregation;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownAggregation(text.to_string());
        let (name, number) = match text.trim().split_once(':') {
            Some((name, number)) => (name, Some(number)),
            None => (text.trim(), None),
        };
        let rule = match (name, number) {
            ("noisy-or", None) => Self::NoisyOr,
            ("max", None) => Self::Max,
            ("sentence-noisy-or", None) => Self::SentenceNoisyOr,
            ("discounted-noisy-or", None) => Self::DiscountedNoisyOr {
                discount: DEFAULT_DISCOUNT,
            },
            ("discounted-noisy-or", Some(d)) => {
                let discount: f64 = d.trim().parse().map_err(|_| unknown())?;
                if !(0.0..=1.0).contains(&discount) {
                    return Err(unknown());
                }
                Self::DiscountedNoisyOr { discount }
            }
            _ => return Err(unknown()),
        };
        Ok(rule)
    }
}

/// P(region abnormal) for every region of the ontology (indexed by `RegionId::index`): the
/// `aggregation` of the mentions of the region and of all its descendants; 0 without any.
///
/// Each mention counts once for its own region and once for each of its ancestors, even where
/// several parent paths lead to the same ancestor (a DAG).
pub(crate) fn region_probabilities(
    ontology: &Ontology,
    mentions: &[ScoredMention],
    aggregation: Aggregation,
) -> Vec<f64> {
    // `ancestors` lists each ancestor once.
    let mut per_region: Vec<Vec<(usize, f64)>> = vec![Vec::new(); ontology.len()];
    for m in mentions {
        let entry = (m.sentence, m.probability.clamp(0.0, 1.0));
        per_region[m.region.index()].push(entry);
        for a in ontology.ancestors(m.region) {
            per_region[a.index()].push(entry);
        }
    }
    per_region
        .iter_mut()
        .map(|ms| aggregation.combine(ms))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// full -> {pelvis, skeleton}; pelvic_skeleton has both pelvis and skeleton as parents;
    /// sacrum below pelvic_skeleton; liver separate.
    fn dag() -> Ontology {
        let text = r#"
            [[region]]
            name = "full"
            [[region]]
            name = "pelvis"
            parents = ["full"]
            [[region]]
            name = "skeleton"
            parents = ["full"]
            [[region]]
            name = "pelvic_skeleton"
            parents = ["skeleton", "pelvis"]
            [[region]]
            name = "sacrum"
            parents = ["pelvic_skeleton"]
            [[region]]
            name = "liver"
            parents = ["full"]
        "#;
        Ontology::from_toml_str(text, "test dag").unwrap()
    }

    fn m(o: &Ontology, region: &str, probability: f64) -> ScoredMention {
        in_sentence(o, region, probability, 0)
    }

    fn in_sentence(o: &Ontology, region: &str, probability: f64, sentence: usize) -> ScoredMention {
        ScoredMention {
            region: o.id(region).unwrap(),
            probability,
            sentence,
        }
    }

    fn noisy_or(o: &Ontology, mentions: &[ScoredMention]) -> Vec<f64> {
        region_probabilities(o, mentions, Aggregation::NoisyOr)
    }

    fn p(o: &Ontology, probs: &[f64], region: &str) -> f64 {
        probs[o.id(region).unwrap().index()]
    }

    #[test]
    fn a_certain_mention_makes_its_region_certain() {
        let o = dag();
        let probs = noisy_or(&o, &[m(&o, "liver", 0.3), m(&o, "liver", 1.0)]);
        assert_eq!(p(&o, &probs, "liver"), 1.0);
    }

    #[test]
    fn a_region_without_mentions_below_it_gets_zero() {
        let o = dag();
        let probs = noisy_or(&o, &[m(&o, "sacrum", 0.9)]);
        assert_eq!(p(&o, &probs, "liver"), 0.0);
    }

    #[test]
    fn a_mention_reaches_every_ancestor_through_both_parents_once() {
        let o = dag();
        let probs = noisy_or(&o, &[m(&o, "sacrum", 0.6)]);
        for region in ["sacrum", "pelvic_skeleton", "pelvis", "skeleton", "full"] {
            assert!(
                (p(&o, &probs, region) - 0.6).abs() < 1e-12,
                "{region}: counted once, not twice"
            );
        }
    }

    #[test]
    fn mentions_of_a_region_and_its_descendants_combine_by_noisy_or() {
        let o = dag();
        let probs = noisy_or(
            &o,
            &[
                m(&o, "sacrum", 0.5),
                m(&o, "pelvic_skeleton", 0.2),
                m(&o, "liver", 0.4),
            ],
        );
        assert!((p(&o, &probs, "sacrum") - 0.5).abs() < 1e-12);
        assert!((p(&o, &probs, "pelvic_skeleton") - (1.0 - 0.5 * 0.8)).abs() < 1e-12);
        assert!((p(&o, &probs, "skeleton") - 0.6).abs() < 1e-12);
        assert!((p(&o, &probs, "full") - (1.0 - 0.5 * 0.8 * 0.6)).abs() < 1e-12);
        assert!((p(&o, &probs, "liver") - 0.4).abs() < 1e-12);
    }

    /// Two mentions of the liver in sentence 0 (0.8, 0.6) and one in sentence 1 (0.5).
    fn liver_three_times(o: &Ontology) -> Vec<ScoredMention> {
        vec![
            in_sentence(o, "liver", 0.8, 0),
            in_sentence(o, "liver", 0.6, 0),
            in_sentence(o, "liver", 0.5, 1),
        ]
    }

    fn liver_by(o: &Ontology, aggregation: Aggregation) -> f64 {
        p(
            o,
            &region_probabilities(o, &liver_three_times(o), aggregation),
            "liver",
        )
    }

    #[test]
    fn max_takes_the_most_convincing_mention_and_ignores_repeats() {
        let o = dag();
        assert!((liver_by(&o, Aggregation::Max) - 0.8).abs() < 1e-12);
    }

    #[test]
    fn sentence_noisy_or_counts_each_sentence_once_by_its_best_mention() {
        let o = dag();
        let expected = 1.0 - 0.2 * 0.5;
        assert!((liver_by(&o, Aggregation::SentenceNoisyOr) - expected).abs() < 1e-12);
    }

    #[test]
    fn discounted_noisy_or_weighs_the_k_th_strongest_mention_by_discount_to_the_k() {
        let o = dag();
        let rule = Aggregation::DiscountedNoisyOr { discount: 0.5 };
        let expected = 1.0 - (1.0 - 0.8) * (1.0 - 0.5 * 0.6) * (1.0 - 0.25 * 0.5);
        assert!((liver_by(&o, rule) - expected).abs() < 1e-12);
        let as_max = Aggregation::DiscountedNoisyOr { discount: 0.0 };
        assert!((liver_by(&o, as_max) - 0.8).abs() < 1e-12);
        let as_noisy_or = Aggregation::DiscountedNoisyOr { discount: 1.0 };
        let noisy_or = liver_by(&o, Aggregation::NoisyOr);
        assert!((liver_by(&o, as_noisy_or) - noisy_or).abs() < 1e-12);
        assert!((noisy_or - (1.0 - 0.2 * 0.4 * 0.5)).abs() < 1e-12);
    }

    #[test]
    fn many_weak_mentions_add_up_under_noisy_or_but_not_under_max() {
        let o = dag();
        let weak: Vec<ScoredMention> = (0..20).map(|i| in_sentence(&o, "liver", 0.1, i)).collect();
        let noisy = p(
            &o,
            &region_probabilities(&o, &weak, Aggregation::NoisyOr),
            "liver",
        );
        let max = p(
            &o,
            &region_probabilities(&o, &weak, Aggregation::Max),
            "liver",
        );
        assert!(noisy > 0.85 && (max - 0.1).abs() < 1e-12, "{noisy} {max}");
    }

    #[test]
    fn aggregations_parse_from_their_names_and_refuse_others() {
        for rule in [
            Aggregation::NoisyOr,
            Aggregation::Max,
            Aggregation::SentenceNoisyOr,
            Aggregation::DiscountedNoisyOr { discount: 0.3 },
        ] {
            assert_eq!(rule.name().parse::<Aggregation>(), Ok(rule));
        }
        assert_eq!(
            "discounted-noisy-or".parse::<Aggregation>(),
            Ok(Aggregation::DiscountedNoisyOr {
                discount: DEFAULT_DISCOUNT
            })
        );
        for bad in [
            "mean",
            "discounted-noisy-or:1.5",
            "max:0.2",
            "discounted-noisy-or:x",
        ] {
            let err = bad.parse::<Aggregation>().unwrap_err();
            assert!(err.to_string().contains("is not an aggregation"), "{bad}");
        }
    }
}
