//! From mention probabilities to one probability per region per exam (noisy-OR up the DAG),
//! and propagation of binary hand labels to ancestors.

use uptake_core::{ExamId, RegionTable};
use uptake_ontology::{Ontology, RegionId};

/// One scored mention of an exam: the region it names and P(abnormal).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredMention {
    pub region: RegionId,
    pub probability: f64,
}

/// Noisy-OR of independent probabilities: 1 - prod(1 - p). Empty: 0.
pub fn noisy_or(probabilities: impl IntoIterator<Item = f64>) -> f64 {
    1.0 - probabilities
        .into_iter()
        .map(|p| 1.0 - p.clamp(0.0, 1.0))
        .product::<f64>()
}

/// P(region abnormal) for every region of the ontology (indexed by `RegionId::index`):
/// the noisy-OR over the mentions of the region and of all its descendants; 0 without any.
///
/// Each mention counts once for its own region and once for each of its ancestors, even where
/// several parent paths lead to the same ancestor (a DAG).
pub fn region_probabilities(ontology: &Ontology, mentions: &[ScoredMention]) -> Vec<f64> {
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

/// Binary hand labels: the given positive regions and every ancestor of them are positive
/// (indexed by `RegionId::index`).
pub fn propagate_positives(ontology: &Ontology, positives: &[RegionId]) -> Vec<bool> {
    let mut out = vec![false; ontology.len()];
    for &r in positives {
        out[r.index()] = true;
        for a in ontology.ancestors(r) {
            out[a.index()] = true;
        }
    }
    out
}

/// The weak-label table of many exams: one row per exam (in the given order), one column per
/// region of `columns` (usually `ontology.ids()` or the task regions).
pub fn weak_label_table<'a>(
    ontology: &Ontology,
    exams: impl IntoIterator<Item = (&'a ExamId, &'a [ScoredMention])>,
    columns: &[RegionId],
) -> RegionTable {
    let mut table = RegionTable::new(
        columns
            .iter()
            .map(|&id| ontology.name(id).to_string())
            .collect(),
    );
    for (exam, mentions) in exams {
        let p = region_probabilities(ontology, mentions);
        table.insert(
            exam.clone(),
            columns.iter().map(|id| Some(p[id.index()])).collect(),
        );
    }
    table
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
    fn noisy_or_of_nothing_is_zero_and_of_a_certain_event_is_one() {
        assert_eq!(noisy_or([]), 0.0);
        assert_eq!(noisy_or([0.3, 1.0]), 1.0);
        assert!((noisy_or([0.5, 0.5]) - 0.75).abs() < 1e-12);
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

    #[test]
    fn a_positive_hand_label_makes_all_ancestors_positive_and_nothing_else() {
        let o = dag();
        let labels = propagate_positives(&o, &[o.id("pelvic_skeleton").unwrap()]);
        let positive: Vec<&str> = o
            .ids()
            .iter()
            .filter(|id| labels[id.index()])
            .map(|&id| o.name(id))
            .collect();
        let mut positive = positive;
        positive.sort();
        assert_eq!(positive, ["full", "pelvic_skeleton", "pelvis", "skeleton"]);
    }

    #[test]
    fn the_table_has_one_row_per_exam_and_the_requested_columns() {
        let o = dag();
        let e1 = ExamId::new("e1").unwrap();
        let e2 = ExamId::new("e2").unwrap();
        let m1 = vec![m(&o, "liver", 0.9)];
        let m2: Vec<ScoredMention> = vec![];
        let cols = [o.id("full").unwrap(), o.id("liver").unwrap()];
        let t = weak_label_table(&o, [(&e1, m1.as_slice()), (&e2, m2.as_slice())], &cols);
        assert_eq!(t.regions(), ["full", "liver"]);
        assert_eq!(t.get(&e1, "full"), Some(0.9));
        assert_eq!(t.get(&e2, "liver"), Some(0.0));
    }
}
