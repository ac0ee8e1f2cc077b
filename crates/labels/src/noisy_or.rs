//! From mention probabilities to one probability per region per exam: noisy-OR up the DAG.

use uptake_ontology::{Ontology, RegionId};

/// One scored mention of an exam: the region it names and P(abnormal).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredMention {
    /// The region the mention names.
    pub region: RegionId,
    /// P(abnormal) of the mention.
    pub probability: f64,
}

/// P(region abnormal) for every region of the ontology (indexed by `RegionId::index`):
/// the noisy-OR, 1 - prod(1 - p), over the mentions of the region and of all its
/// descendants; 0 without any.
///
/// Each mention counts once for its own region and once for each of its ancestors, even where
/// several parent paths lead to the same ancestor (a DAG).
pub(crate) fn region_probabilities(ontology: &Ontology, mentions: &[ScoredMention]) -> Vec<f64> {
    // Product of (1 - p) per region; `ancestors` lists each ancestor once.
    let mut keep = vec![1.0f64; ontology.len()];
    for m in mentions {
        let q = 1.0 - m.probability.clamp(0.0, 1.0);
        keep[m.region.index()] *= q;
        for a in ontology.ancestors(m.region) {
            keep[a.index()] *= q;
        }
    }
    keep.into_iter().map(|k| 1.0 - k).collect()
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
        ScoredMention {
            region: o.id(region).unwrap(),
            probability,
        }
    }

    fn p(o: &Ontology, probs: &[f64], region: &str) -> f64 {
        probs[o.id(region).unwrap().index()]
    }

    #[test]
    fn a_certain_mention_makes_its_region_certain() {
        let o = dag();
        let probs = region_probabilities(&o, &[m(&o, "liver", 0.3), m(&o, "liver", 1.0)]);
        assert_eq!(p(&o, &probs, "liver"), 1.0);
    }

    #[test]
    fn a_region_without_mentions_below_it_gets_zero() {
        let o = dag();
        let probs = region_probabilities(&o, &[m(&o, "sacrum", 0.9)]);
        assert_eq!(p(&o, &probs, "liver"), 0.0);
    }

    #[test]
    fn a_mention_reaches_every_ancestor_through_both_parents_once() {
        let o = dag();
        let probs = region_probabilities(&o, &[m(&o, "sacrum", 0.6)]);
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
        let probs = region_probabilities(
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
}
