//! How dependent two labellers are beyond what the truth explains: their mutual information
//! given the class, weighted by the fitted posteriors, and the grouping of dependent labellers
//! into views the label model takes jointly.
//!
//! Two labellers that are right and wrong on the same mentions (the regex baseline and the
//! rules share their negation words) would be counted twice by a model that assumes them
//! independent given the truth, making the combined probability overconfident. Taking such a
//! pair jointly (one view whose levels are the pairs of their levels) counts them once.

/// The joint distribution of two labellers' levels within each class, accumulated mention by
/// mention; its mutual information given the class measures their dependence.
#[derive(Debug, Clone)]
pub(crate) struct PairTable {
    b_levels: usize,
    /// Per class: mass per (level of a, level of b), row-major.
    joint: [Vec<f64>; 2],
}

impl PairTable {
    pub(crate) fn new(a_levels: usize, b_levels: usize) -> Self {
        Self {
            b_levels,
            joint: [
                vec![0.0; a_levels * b_levels],
                vec![0.0; a_levels * b_levels],
            ],
        }
    }

    /// Adds a mention that is abnormal with probability `q` and shows (`ka`, `kb`).
    pub(crate) fn add(&mut self, q: f64, ka: usize, kb: usize) {
        let observed = ka * self.b_levels + kb;
        self.add_spread(q, |cell| f64::from(u8::from(cell == observed)));
    }

    /// Adds a mention that is abnormal with probability `q` whose levels are not observed but
    /// expected: `cell(k)` is the probability of joint cell k (row-major).
    pub(crate) fn add_spread(&mut self, q: f64, cell: impl Fn(usize) -> f64) {
        for (class, w) in [(0, 1.0 - q), (1, q)] {
            for (k, mass) in self.joint[class].iter_mut().enumerate() {
                *mass += w * cell(k);
            }
        }
    }

    /// Mutual information (nats) of the two labellers given the class: the sum over classes
    /// of the class's share of the mass times I(a; b | class).
    pub(crate) fn mutual_information(&self) -> f64 {
        let mass: Vec<f64> = self.joint.iter().map(|j| j.iter().sum()).collect();
        let total = mass[0] + mass[1];
        if total <= 0.0 {
            return 0.0;
        }
        let mut information = 0.0;
        for (class, cells) in self.joint.iter().enumerate() {
            if mass[class] > 0.0 {
                information += mass[class] / total * self.information_in(cells, mass[class]);
            }
        }
        information.max(0.0)
    }

    fn information_in(&self, cells: &[f64], mass: f64) -> f64 {
        let nb = self.b_levels;
        let na = cells.len() / nb;
        let pa: Vec<f64> = (0..na)
            .map(|i| cells[i * nb..(i + 1) * nb].iter().sum::<f64>() / mass)
            .collect();
        let pb: Vec<f64> = (0..nb)
            .map(|j| (0..na).map(|i| cells[i * nb + j]).sum::<f64>() / mass)
            .collect();
        let mut mi = 0.0;
        for i in 0..na {
            for j in 0..nb {
                let p = cells[i * nb + j] / mass;
                if p > 0.0 {
                    mi += p * (p / (pa[i] * pb[j])).ln();
                }
            }
        }
        mi
    }
}

/// Merges labellers into groups, most dependent pair first: a pair joins when its dependence is
/// above `threshold`, the merged group has at most `max_levels` joint levels, and at least
/// `min_views` groups remain. `pairs` are (a, b, nats); `levels` the levels per labeller.
pub(crate) fn merge_dependent(
    levels: &[usize],
    pairs: &[(usize, usize, f64)],
    threshold: f64,
    max_levels: usize,
    min_views: usize,
) -> Vec<Vec<usize>> {
    let mut group: Vec<usize> = (0..levels.len()).collect();
    let mut sorted: Vec<&(usize, usize, f64)> = pairs.iter().filter(|p| p.2 > threshold).collect();
    sorted.sort_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
    for &&(a, b, _) in &sorted {
        let (ga, gb) = (group[a], group[b]);
        let views = group
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if ga == gb || views <= min_views {
            continue;
        }
        let joint: usize = (0..levels.len())
            .filter(|&j| group[j] == ga || group[j] == gb)
            .map(|j| levels[j])
            .product();
        if joint > max_levels {
            continue;
        }
        group.iter_mut().filter(|g| **g == gb).for_each(|g| *g = ga);
    }
    let mut views: Vec<Vec<usize>> = Vec::new();
    for j in 0..levels.len() {
        match views.iter_mut().find(|v| group[v[0]] == group[j]) {
            Some(v) => v.push(j),
            None => views.push(vec![j]),
        }
    }
    views
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(a: &[usize], b: &[usize], q: &[f64]) -> PairTable {
        let mut t = PairTable::new(2, 2);
        for i in 0..a.len() {
            t.add(q[i], a[i], b[i]);
        }
        t
    }

    #[test]
    fn copies_of_one_labeller_share_information_beyond_the_class() {
        // Within each class, a is noisy; b copies a exactly.
        let a = [0, 1, 0, 1, 1, 0, 1, 0];
        let q = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let mi = table(&a, &a, &q).mutual_information();
        assert!((mi - std::f64::consts::LN_2).abs() < 1e-12, "{mi}");
    }

    #[test]
    fn labellers_independent_given_the_class_share_none() {
        // Within each class every pair of levels occurs equally often.
        let a = [0, 0, 1, 1, 0, 0, 1, 1];
        let b = [0, 1, 0, 1, 0, 1, 0, 1];
        let q = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        assert!(table(&a, &b, &q).mutual_information().abs() < 1e-12);
    }

    #[test]
    fn expected_levels_spread_their_mass_over_the_cells() {
        let mut t = PairTable::new(2, 2);
        t.add_spread(1.0, |_| 0.25);
        assert!(t.mutual_information().abs() < 1e-12);
    }

    #[test]
    fn the_most_dependent_pair_merges_while_enough_views_remain() {
        let pairs = [(0, 1, 0.3), (1, 2, 0.2), (2, 3, 0.01)];
        let views = merge_dependent(&[2, 2, 2, 2], &pairs, 0.05, 64, 3);
        assert_eq!(views, vec![vec![0, 1], vec![2], vec![3]]);
        let views = merge_dependent(&[2, 2, 2, 2], &pairs, 0.05, 64, 2);
        assert_eq!(views, vec![vec![0, 1, 2], vec![3]]);
        let views = merge_dependent(&[40, 2, 2, 2], &pairs, 0.05, 64, 2);
        assert_eq!(
            views,
            vec![vec![0], vec![1, 2], vec![3]],
            "80 joint levels is too many"
        );
    }
}
