//! A seeded choice among weighted items.

use rand::Rng;

/// One of `items`, chosen with probability proportional to its weight.
pub(crate) fn pick_weighted<'a, T>(items: &'a [(T, f64)], rng: &mut (impl Rng + ?Sized)) -> &'a T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut t = rng.random_range(0.0..total);
    for (item, w) in items {
        t -= w;
        if t <= 0.0 {
            return item;
        }
    }
    &items[items.len() - 1].0
}
