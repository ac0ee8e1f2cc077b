//! Seeded byte mutations, as coverage-blind fuzzers make them: bit flips, boundary values,
//! the bytes that delimit text formats, deletions, duplications, insertions, truncations and
//! splices of two inputs. One seed gives one sequence of mutants.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Bytes that end or open fields, strings, records and containers in the formats we read.
const DELIMITERS: &[u8] = b"\"',\n\r\t{}[]:=#\\\0 ";
/// Values at integer boundaries, where lengths and counts overflow.
const BOUNDARIES: &[u8] = &[0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF];

/// Makes mutants of seed inputs, reproducibly from its seed.
pub struct Mutator {
    rng: ChaCha8Rng,
}

impl Mutator {
    /// A mutator whose mutants depend on `seed` alone.
    pub fn new(seed: u64) -> Self {
        Mutator {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// One mutant of `input`: one to eight mutations in a row, the last possibly a splice
    /// with `other` (another seed of the same format).
    pub fn mutate(&mut self, input: &[u8], other: &[u8]) -> Vec<u8> {
        let mut bytes = input.to_vec();
        let rounds = self.rng.random_range(1..=8);
        for _ in 0..rounds {
            self.once(&mut bytes, other);
        }
        bytes
    }

    fn once(&mut self, bytes: &mut Vec<u8>, other: &[u8]) {
        if bytes.is_empty() {
            bytes.push(self.pick(DELIMITERS));
            return;
        }
        let at = self.rng.random_range(0..bytes.len());
        match self.rng.random_range(0..8) {
            0 => bytes[at] ^= 1 << self.rng.random_range(0..8),
            1 => bytes[at] = self.pick(BOUNDARIES),
            2 => bytes[at] = self.pick(DELIMITERS),
            3 => {
                let end = (at + self.span()).min(bytes.len());
                bytes.drain(at..end);
            }
            4 => {
                let end = (at + self.span()).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            5 => {
                let junk: Vec<u8> = (0..self.span()).map(|_| self.rng.random()).collect();
                bytes.splice(at..at, junk);
            }
            6 => bytes.truncate(at),
            _ => self.splice(bytes, at, other),
        }
    }

    /// Replaces the tail from `at` with a tail of `other`.
    fn splice(&mut self, bytes: &mut Vec<u8>, at: usize, other: &[u8]) {
        if other.is_empty() {
            return;
        }
        let from = self.rng.random_range(0..other.len());
        bytes.truncate(at);
        bytes.extend_from_slice(&other[from..]);
    }

    /// A short length, usually a few bytes, sometimes a block.
    fn span(&mut self) -> usize {
        if self.rng.random_bool(0.8) {
            self.rng.random_range(1..=8)
        } else {
            self.rng.random_range(9..=256)
        }
    }

    fn pick(&mut self, from: &[u8]) -> u8 {
        from[self.rng.random_range(0..from.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_mutants() {
        let input = b"exam_id,text\nE1,\"liver lesion\"\n";
        let (mut a, mut b) = (Mutator::new(5), Mutator::new(5));
        for _ in 0..50 {
            assert_eq!(a.mutate(input, b"x"), b.mutate(input, b"x"));
        }
    }

    #[test]
    fn mutants_differ_from_their_input_and_from_each_other() {
        let input = b"{\"exam_id\": \"E1\", \"text\": \"uptake in the liver\"}\n";
        let mut mutator = Mutator::new(1);
        let mutants: Vec<Vec<u8>> = (0..100).map(|_| mutator.mutate(input, b"")).collect();
        let changed = mutants.iter().filter(|m| m.as_slice() != input).count();
        assert!(changed >= 90, "only {changed} of 100 mutants changed");
        let mut distinct = mutants.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() >= 80, "only {} distinct", distinct.len());
    }

    #[test]
    fn an_empty_input_grows_into_mutants() {
        let mut mutator = Mutator::new(0);
        let grown = (0..20).filter(|_| !mutator.mutate(b"", b"").is_empty());
        assert!(grown.count() >= 10);
    }
}
