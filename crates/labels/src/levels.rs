//! A labeller's probabilities as a few discrete levels, the alphabet of the label model.
//!
//! A labeller with few distinct outputs (the regex baseline: 0 and 1; the rules: one score per
//! decision) keeps each output as its own level, so the label model learns how far each rule
//! decision is right per region. A labeller with many (a report model) is cut into bins at
//! fixed edges that include 0.5, so "says abnormal" is a union of levels.

/// Most distinct outputs a labeller may have to keep one level per output.
pub(crate) const MAX_EXACT_LEVELS: usize = 12;

/// Bin edges for labellers with continuous outputs.
pub(crate) const BIN_EDGES: [f64; 7] = [0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98];

/// What a level says about the class: the direction its evidence may take in the label model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Below 0.5: never evidence of abnormal.
    Normal,
    /// Above 0.5: never evidence of normal.
    Abnormal,
    /// Exactly 0.5, or labellers of a joint level that disagree: either way.
    Either,
}

impl Claim {
    /// The claim of a joint level whose members claim `members`: theirs where they agree.
    pub(crate) fn joint(members: impl IntoIterator<Item = Claim>) -> Self {
        let mut members = members.into_iter();
        let first = members.next().unwrap_or(Self::Either);
        match members.all(|c| c == first) {
            true => first,
            false => Self::Either,
        }
    }
}

/// How one labeller's probabilities map to levels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Levels {
    /// One level per distinct output (sorted); an unseen output takes the nearest level.
    Exact(Vec<f64>),
    /// Bins between [`BIN_EDGES`].
    Binned,
}

impl Levels {
    /// The levels of a labeller whose outputs on the fit data are `outputs`.
    pub(crate) fn learn(outputs: impl IntoIterator<Item = f64>) -> Self {
        let mut distinct: Vec<f64> = Vec::new();
        for p in outputs {
            let p = clean(p);
            if !distinct.contains(&p) {
                if distinct.len() == MAX_EXACT_LEVELS {
                    return Self::Binned;
                }
                distinct.push(p);
            }
        }
        distinct.sort_by(f64::total_cmp);
        if distinct.is_empty() {
            distinct.push(0.5);
        }
        Self::Exact(distinct)
    }

    /// How many levels.
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Exact(values) => values.len(),
            Self::Binned => BIN_EDGES.len() + 1,
        }
    }

    /// The level of a probability.
    pub(crate) fn level(&self, p: f64) -> usize {
        let p = clean(p);
        match self {
            Self::Exact(values) => {
                let mut best = 0;
                for (k, v) in values.iter().enumerate() {
                    if (v - p).abs() < (values[best] - p).abs() {
                        best = k;
                    }
                }
                best
            }
            Self::Binned => BIN_EDGES.iter().take_while(|&&e| p >= e).count(),
        }
    }

    /// What a level claims: below 0.5 normal, above abnormal (bins: the side of 0.5 they lie on).
    pub(crate) fn claim(&self, level: usize) -> Claim {
        match self {
            Self::Exact(values) if values[level] == 0.5 => Claim::Either,
            _ if self.says_abnormal(level) => Claim::Abnormal,
            _ => Claim::Normal,
        }
    }

    /// Whether a level says "abnormal" (its output, or its bin, is at or above 0.5).
    pub(crate) fn says_abnormal(&self, level: usize) -> bool {
        match self {
            Self::Exact(values) => values[level] >= 0.5,
            Self::Binned => level > BIN_EDGES.iter().take_while(|&&e| e < 0.5).count(),
        }
    }
}

/// A probability in [0, 1]; NaN counts as 0.5 (no opinion).
fn clean(p: f64) -> f64 {
    if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) }
}

/// The members' levels of a joint level: `sizes` are the members' numbers of levels, the
/// first member most significant (as a view's joint level is built from its members').
pub(crate) fn member_levels(sizes: &[usize], joint: usize) -> Vec<usize> {
    let mut rest = joint;
    let mut own = vec![0; sizes.len()];
    for (j, &size) in sizes.iter().enumerate().rev() {
        own[j] = rest % size;
        rest /= size;
    }
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_joint_level_is_its_members_levels_first_most_significant() {
        // Members of 2, 3 and 4 levels: joint 1 * 12 + 2 * 4 + 3 = 23.
        assert_eq!(member_levels(&[2, 3, 4], 23), [1, 2, 3]);
        assert_eq!(member_levels(&[2, 3, 4], 0), [0, 0, 0]);
    }

    #[test]
    fn few_distinct_outputs_keep_one_level_each() {
        let levels = Levels::learn([0.95, 0.01, 0.01, 0.6, 0.95]);
        assert_eq!(levels, Levels::Exact(vec![0.01, 0.6, 0.95]));
        assert_eq!(levels.level(0.6), 1);
        assert_eq!(
            levels.level(0.58),
            1,
            "an unseen output takes the nearest level"
        );
        assert!(levels.says_abnormal(1) && !levels.says_abnormal(0));
        assert_eq!(levels.claim(0), Claim::Normal);
        assert_eq!(levels.claim(2), Claim::Abnormal);
    }

    #[test]
    fn an_output_of_one_half_claims_neither_class_and_a_joint_level_claims_what_its_members_agree_on()
     {
        let levels = Levels::learn([0.0, 0.5, 1.0]);
        assert_eq!(levels.claim(1), Claim::Either);
        assert_eq!(Claim::joint([Claim::Normal, Claim::Normal]), Claim::Normal);
        assert_eq!(
            Claim::joint([Claim::Normal, Claim::Abnormal]),
            Claim::Either
        );
    }

    #[test]
    fn many_distinct_outputs_are_binned_with_an_edge_at_one_half() {
        let levels = Levels::learn((0..100).map(|i| i as f64 / 100.0));
        assert_eq!(levels, Levels::Binned);
        assert_eq!(levels.len(), 8);
        assert_eq!(levels.level(0.0), 0);
        assert_eq!(levels.level(0.49), 3);
        assert_eq!(levels.level(0.5), 4);
        assert_eq!(levels.level(1.0), 7);
        assert!(!levels.says_abnormal(3) && levels.says_abnormal(4));
    }
}
