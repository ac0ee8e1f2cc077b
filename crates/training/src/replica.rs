//! One replica of a data-parallel run, and what it exchanges with the others through burn's
//! collective (burn-collective): the sum of the gradients of each step, the sum of the step's
//! loss, and the leader's decision to stop.
//!
//! Every replica draws the same global batch from the epoch's stream and trains on its part of
//! it ([`Replica::part`]); its loss is its share of the batch's loss (its examples' terms over
//! the whole batch's count), so the summed gradients are those of the whole batch on one
//! device: N devices with batches of b train as one device with batches of N x b.

use crate::error::RunError;
use burn::collective::{PeerId, ReduceOperation};
use burn::optim::GradientsParams;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};
use std::ops::Range;

/// This replica's place in a data-parallel run: `rank` of `count` (a run on one device is
/// replica 0 of 1). Replica 0 is the leader: it alone validates and writes the run folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replica {
    rank: usize,
    count: usize,
}

impl Replica {
    /// The only replica of a run on one device.
    pub const ALONE: Replica = Replica { rank: 0, count: 1 };

    /// Replica `rank` of `count`; `None` unless `rank < count`.
    pub fn new(rank: usize, count: usize) -> Option<Self> {
        (rank < count).then_some(Self { rank, count })
    }

    /// Its rank (0 = the leader).
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Replicas in the run.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Whether it validates and writes the run folder.
    pub fn is_leader(&self) -> bool {
        self.rank == 0
    }

    /// Its contiguous part of `n` items (a global batch): the items split as evenly as the
    /// count allows, the earlier replicas taking one more where it does not divide.
    pub fn part(&self, n: usize) -> Range<usize> {
        let (base, extra) = (n / self.count, n % self.count);
        let start = self.rank * base + self.rank.min(extra);
        start..start + base + usize::from(self.rank < extra)
    }
}

/// A replica's seat in the collective: who it is, and its peer id there (none when alone).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seat {
    pub(crate) replica: Replica,
    pub(crate) peer: Option<PeerId>,
}

impl Seat {
    pub(crate) const ALONE: Seat = Seat {
        replica: Replica::ALONE,
        peer: None,
    };

    /// Whether this replica writes the run folder.
    pub(crate) fn writes(&self) -> bool {
        self.replica.is_leader()
    }

    /// The leader's `flag`, for every replica.
    pub(crate) fn leaders<B: Backend>(
        &self,
        flag: bool,
        device: &B::Device,
    ) -> Result<bool, RunError> {
        let Some(peer) = self.peer else {
            return Ok(flag);
        };
        let mine = if self.writes() && flag { 1.0 } else { 0.0 };
        Ok(sum_values::<B>(peer, &[mine], device)?[0] > 0.5)
    }
}

/// The sum of every replica's gradients (in the order of the parameters' ids, the same in
/// every replica).
pub(crate) fn sum_gradients<B: Backend>(
    peer: PeerId,
    grads: GradientsParams,
) -> Result<GradientsParams, RunError> {
    grads
        .all_reduce::<B>(peer, ReduceOperation::Sum)
        .map_err(collective_error)
}

/// The element-wise sum of every replica's `values`.
pub(crate) fn sum_values<B: Backend>(
    peer: PeerId,
    values: &[f32],
    device: &B::Device,
) -> Result<Vec<f32>, RunError> {
    let data = TensorData::new(values.to_vec(), [values.len()]);
    let tensor = Tensor::<B, 1>::from_data(data, device);
    let sum = burn::collective::all_reduce::<B>(
        peer,
        tensor.into_primitive().tensor(),
        ReduceOperation::Sum,
    )
    .map_err(collective_error)?;
    let sum = Tensor::<B, 1>::from_primitive(TensorPrimitive::Float(sum));
    Ok(sum
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .unwrap_or_default())
}

/// A failed collective operation: another replica stopped (or the collective was set up
/// inconsistently).
pub(crate) fn collective_error(error: burn::collective::CollectiveError) -> RunError {
    RunError::ReplicasLost {
        problem: format!("{error:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_a_batch_once_in_order() {
        let parts = |n, count| -> Vec<Range<usize>> {
            (0..count)
                .map(|rank| Replica::new(rank, count).unwrap().part(n))
                .collect()
        };
        assert_eq!(parts(8, 2), vec![0..4, 4..8]);
        assert_eq!(parts(7, 3), vec![0..3, 3..5, 5..7]);
        assert_eq!(parts(5, 1), vec![0..5]);
        assert_eq!(Replica::new(2, 2), None);
        assert!(Replica::ALONE.is_leader());
    }
}
