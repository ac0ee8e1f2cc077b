//! Seeded, platform-independent randomness helpers: the same seed gives the same result on
//! every machine and in every version.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// FNV-1a's offset basis: the starting state of [`fnv1a`].
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Folds bytes into a 64-bit FNV-1a hash state (start from [`FNV_OFFSET`]). Stable across
/// runs and platforms, unlike `std`'s hasher.
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>, mut state: u64) -> u64 {
    for b in bytes {
        state ^= u64::from(b);
        state = state.wrapping_mul(0x0100_0000_01b3);
    }
    state
}

/// The FNV-1a hash of a text, for assigning items to shards or splits reproducibly.
pub fn stable_hash(text: &str) -> u64 {
    fnv1a(text.bytes(), FNV_OFFSET)
}

/// A random stream for `seed`.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Shuffles `items` in place with the Fisher-Yates algorithm driven by `rng`.
pub fn shuffle<T>(items: &mut [T], rng: &mut impl Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.random_range(0..=i));
    }
}

/// `items` in a seeded random order.
pub fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    shuffle(&mut items, &mut rng(seed));
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vector() {
        assert_eq!(stable_hash(""), FNV_OFFSET);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn the_same_seed_gives_the_same_order_and_another_seed_another() {
        let items: Vec<u32> = (0..50).collect();
        let a = shuffled(items.clone(), 7);
        assert_eq!(a, shuffled(items.clone(), 7));
        assert_ne!(a, shuffled(items.clone(), 8));
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, items, "a permutation");
    }
}
