//! AUROC, the one metric every stage needs (report model and scan model early stopping,
//! labeller evaluation, analysis): one implementation for all.

/// AUROC as the Mann-Whitney U statistic: the probability that a random positive scores above a
/// random negative, a tie counting one half. Exact (mid-ranks), O(n log n).
///
/// `None` when there is no positive or no negative: the AUROC is then undefined (never 0.5).
pub fn auroc(probs: &[f64], labels: &[bool]) -> Option<f64> {
    debug_assert_eq!(probs.len(), labels.len());
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[a].total_cmp(&probs[b]));
    auroc_sorted(&order, probs, labels)
}

/// AUROC from indices already sorted by ascending probability (lets callers sort once and
/// relabel many times).
pub fn auroc_sorted(order: &[usize], probs: &[f64], labels: &[bool]) -> Option<f64> {
    let n_pos = labels.iter().filter(|&&l| l).count();
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    // Sum of the mid-ranks (1-based) of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && probs[order[j]] == probs[order[i]] {
            j += 1;
        }
        let mid_rank = (i + 1 + j) as f64 / 2.0;
        let pos_in_group = order[i..j].iter().filter(|&&k| labels[k]).count();
        rank_sum += mid_rank * pos_in_group as f64;
        i = j;
    }
    let (p, n) = (n_pos as f64, n_neg as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_ranking_is_one_and_reversed_is_zero() {
        let labels = [false, false, true, true];
        assert_eq!(auroc(&[0.1, 0.2, 0.8, 0.9], &labels), Some(1.0));
        assert_eq!(auroc(&[0.9, 0.8, 0.2, 0.1], &labels), Some(0.0));
    }

    #[test]
    fn ties_count_one_half() {
        assert_eq!(auroc(&[0.5, 0.5], &[false, true]), Some(0.5));
        assert_eq!(auroc(&[0.1, 0.5, 0.5], &[false, false, true]), Some(0.75));
    }

    #[test]
    fn one_class_has_no_auroc() {
        assert_eq!(auroc(&[0.1, 0.2], &[true, true]), None);
        assert_eq!(auroc(&[], &[]), None);
    }
}
