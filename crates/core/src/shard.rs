//! One part of a cohort for cluster job arrays (`--shard i/n`): the same [`Shard`] selects the
//! exams of a sharded ingest, labelling, prediction or localisation, so the outputs of shard i
//! of every step hold the same exams, and [`crate::shard_merge`] joins them back.
//!
//! ```
//! use uptake_core::{ExamId, shard::Shard};
//!
//! let shards: Vec<Shard> = (0..3).map(|i| Shard::new(i, 3).unwrap()).collect();
//! let exam = ExamId::new("E17").unwrap();
//! // Every exam is in exactly one shard of a count.
//! assert_eq!(shards.iter().filter(|s| s.contains(&exam)).count(), 1);
//! assert_eq!("1/3".parse::<Shard>().unwrap(), shards[1]);
//! assert!("3/3".parse::<Shard>().is_err());
//! ```

use std::str::FromStr;

use crate::exam::ExamId;

/// One part of a cohort, for cluster job arrays: the exams whose stable hash of the id (FNV-1a,
/// [`crate::seeded::stable_hash`]) is `index` modulo `count`, so an exam stays in its shard
/// whatever else is in the cohort. Written `index/count`, e.g. `3/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Shard `index` of `count`; `None` unless `index < count`.
    pub fn new(index: u64, count: u64) -> Option<Self> {
        (index < count).then_some(Self { index, count })
    }

    /// True when `exam` belongs to this shard.
    pub fn contains(&self, exam: &ExamId) -> bool {
        crate::seeded::stable_hash(exam.as_str()) % self.count == self.index
    }

    /// True when `exam` is in `shard`, or there is no shard (the whole cohort).
    pub fn selects(shard: Option<&Shard>, exam: &ExamId) -> bool {
        shard.is_none_or(|s| s.contains(exam))
    }
}

/// `index/count`.
impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A shard's text that is not `i/n` with `0 <= i < n`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("shard `{0}`: expected i/n with 0 <= i < n (e.g. 0/4)")]
pub struct ShardParseError(String);

impl FromStr for Shard {
    type Err = ShardParseError;

    fn from_str(text: &str) -> Result<Self, ShardParseError> {
        let bad = || ShardParseError(text.to_string());
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (i, n) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        Shard::new(i, n).ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_cohort() {
        let shards: Vec<Shard> = (0..4).map(|i| Shard::new(i, 4).unwrap()).collect();
        for i in 0..200 {
            let exam = ExamId::new(format!("E{i:05}")).unwrap();
            assert_eq!(shards.iter().filter(|s| s.contains(&exam)).count(), 1);
        }
    }

    #[test]
    fn an_exam_keeps_its_shard_by_the_fnv_hash_of_its_id() {
        // FNV-1a("a") = 0xaf63dc4c8601ec8c, which is 0 modulo 4.
        let a = ExamId::new("a").unwrap();
        assert!(Shard::new(0, 4).unwrap().contains(&a));
    }

    #[test]
    fn no_shard_selects_every_exam() {
        let exam = ExamId::new("E1").unwrap();
        let other = (0..2)
            .map(|i| Shard::new(i, 2).unwrap())
            .find(|s| !s.contains(&exam));
        assert!(Shard::selects(None, &exam));
        assert!(!Shard::selects(other.as_ref(), &exam));
    }

    #[test]
    fn shards_are_written_and_parsed_as_i_slash_n() {
        assert_eq!("3/4".parse::<Shard>().unwrap(), Shard::new(3, 4).unwrap());
        assert_eq!(" 2 / 5".parse::<Shard>().unwrap().to_string(), "2/5");
        for bad in ["4/4", "1", "0/0", "a/2"] {
            let err = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }
}
