//! The curve of a worklist read in order of decreasing predicted probability: how many of the
//! abnormal exams has one seen after reading the first x % of the list?

/// Expected number of positives found after reading the first k exams, for k = 0..=n, when the
/// list is sorted by decreasing probability and ties are broken at random: inside a group of
/// tied probabilities positives are found at the group's average rate.
pub(crate) fn found_after(probs: &[f64], labels: &[bool]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    let mut found = vec![0.0; probs.len() + 1];
    let mut i = 0;
    let mut before = 0.0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && probs[order[j]] == probs[order[i]] {
            j += 1;
        }
        let pos = order[i..j].iter().filter(|&&k| labels[k]).count() as f64;
        let size = (j - i) as f64;
        for (offset, slot) in found[i + 1..=j].iter_mut().enumerate() {
            *slot = before + pos * (offset + 1) as f64 / size;
        }
        before += pos;
        i = j;
    }
    found
}

/// Sensitivity after reading a fraction of the worklist, at each fraction of `grid` (in [0, 1]),
/// with linear interpolation between whole exams. `None` without positives.
pub(crate) fn sensitivity_curve(probs: &[f64], labels: &[bool], grid: &[f64]) -> Option<Vec<f64>> {
    let n_pos = labels.iter().filter(|&&l| l).count();
    if n_pos == 0 || probs.is_empty() {
        return None;
    }
    let found = found_after(probs, labels);
    let n = probs.len() as f64;
    Some(
        grid.iter()
            .map(|&x| {
                let k = (x.clamp(0.0, 1.0) * n).min(n);
                let lo = k.floor() as usize;
                let hi = (k.ceil() as usize).min(probs.len());
                let f = found[lo] + (found[hi] - found[lo]) * (k - lo as f64);
                f / n_pos as f64
            })
            .collect(),
    )
}

/// The fraction of exams that can be left unread while still reading (in expectation) at least
/// `target` of the abnormal exams: 1 - k/n for the smallest whole number k of exams read.
pub(crate) fn fraction_unread_at(probs: &[f64], labels: &[bool], target: f64) -> Option<f64> {
    let n_pos = labels.iter().filter(|&&l| l).count() as f64;
    if n_pos == 0.0 {
        return None;
    }
    let found = found_after(probs, labels);
    let need = target * n_pos - 1e-9;
    let k = found.iter().position(|&f| f >= need).unwrap_or(probs.len());
    Some(1.0 - k as f64 / probs.len() as f64)
}

/// Sensitivity of a random reading order after reading fraction x: x itself.
pub(crate) fn random_order_sensitivity(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

/// Sensitivity of a perfect ordering (all abnormal exams first).
pub(crate) fn perfect_order_sensitivity(x: f64, n: usize, positives: usize) -> f64 {
    if positives == 0 {
        return 0.0;
    }
    (x * n as f64 / positives as f64).min(1.0)
}

/// The evenly spaced grid 0, 1/steps, ..., 1.
pub(crate) fn grid(steps: usize) -> Vec<f64> {
    (0..=steps).map(|i| i as f64 / steps as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitivity_after_reading_half_of_a_hand_made_list() {
        // Sorted: 0.9(+) 0.8(-) 0.7(+) 0.6(-) 0.5(+) 0.1(-). After 3 of 6: 2 of 3 positives.
        let probs = [0.5, 0.9, 0.1, 0.7, 0.8, 0.6];
        let labels = [true, true, false, true, false, false];
        let s = sensitivity_curve(&probs, &labels, &[0.0, 0.5, 1.0]).unwrap();
        assert!((s[0] - 0.0).abs() < 1e-12);
        assert!((s[1] - 2.0 / 3.0).abs() < 1e-12);
        assert!((s[2] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn tied_probabilities_give_the_expected_sensitivity_of_a_random_tie_break() {
        // All tied: reading 1 of 4 exams finds half a positive in expectation (2 positives of 4).
        let found = found_after(&[0.5; 4], &[true, false, true, false]);
        assert_eq!(found, vec![0.0, 0.5, 1.0, 1.5, 2.0]);
    }

    #[test]
    fn fraction_unread_at_full_sensitivity() {
        let probs = [0.5, 0.9, 0.1, 0.7, 0.8, 0.6];
        let labels = [true, true, false, true, false, false];
        // The last positive (0.5) is 5th: one exam of six can stay unread.
        assert!((fraction_unread_at(&probs, &labels, 1.0).unwrap() - 1.0 / 6.0).abs() < 1e-12);
        // 2/3 sensitivity after 3 exams: half unread.
        assert!((fraction_unread_at(&probs, &labels, 0.6).unwrap() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn references() {
        assert_eq!(random_order_sensitivity(0.3), 0.3);
        assert_eq!(perfect_order_sensitivity(0.25, 100, 50), 0.5);
        assert_eq!(perfect_order_sensitivity(0.75, 100, 50), 1.0);
    }
}
