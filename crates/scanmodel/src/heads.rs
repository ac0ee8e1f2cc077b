//! Per-region heads over the encoder's feature grid. All T regions are computed together as
//! batched matrix products; each region still has its own parameters.
//!
//! Features arrive flattened: (batch, voxels, channels), with a validity mask (batch, voxels)
//! that is false on voxels computed from padded slices; those never get attention. With a
//! position prior, each voxel's position bins come too (see [`PositionBins`]).

use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::{Bool, Tensor, TensorData, activation::softmax, backend::Backend};

use crate::config::HeadKind;

/// What the heads return: logits (batch, tasks) and per-task attention over voxels
/// (batch, tasks, voxels; averaged over heads for the multi-head variant; uniform over valid
/// voxels for the sum reduction).
pub struct HeadOutput<B: Backend> {
    /// (batch, tasks), before the sigmoid.
    pub logits: Tensor<B, 2>,
    /// (batch, tasks, voxels).
    pub attention: Tensor<B, 3>,
}

/// One head per task over the encoder's feature grid.
#[derive(Module, Debug)]
pub struct Heads<B: Backend> {
    /// Attention score vectors: (tasks * heads, channels). Empty (0 rows) for the sum head.
    pub score: Option<Param<Tensor<B, 2>>>,
    /// Value projections for the multi-head variant: (tasks * heads, channels, head_dim).
    pub value: Option<Param<Tensor<B, 3>>>,
    /// Classifier weights over the pooled vector: (tasks, pooled_dim), and biases (tasks).
    pub classifier: Param<Tensor<B, 2>>,
    /// Classifier biases (tasks).
    pub bias: Param<Tensor<B, 1>>,
    /// The position prior: a bias on the attention scores per (task * head) and position bin,
    /// (tasks * heads, 2 * bins): the height bins, then the left-right bins. None without one.
    pub position: Option<Param<Tensor<B, 2>>>,
    tasks: usize,
    heads: usize,
    head_dim: usize,
    sum: bool,
}

impl<B: Backend> Heads<B> {
    /// Fresh heads of `kind` for `tasks` tasks over `channels` feature channels; attention
    /// starts uniform.
    /// With `position_bins` > 0 they have a position prior, which starts at zero too.
    pub fn new(
        kind: &HeadKind,
        tasks: usize,
        channels: usize,
        position_bins: usize,
        device: &B::Device,
    ) -> Self {
        let heads = Self::without_position(kind, tasks, channels, device);
        let rows = heads.tasks * heads.heads;
        let position = (position_bins > 0 && !heads.sum)
            .then(|| Initializer::Zeros.init([rows, 2 * position_bins], device));
        Self { position, ..heads }
    }

    fn without_position(
        kind: &HeadKind,
        tasks: usize,
        channels: usize,
        device: &B::Device,
    ) -> Self {
        let std = (1.0 / channels as f64).sqrt();
        // Scores start at zero: attention starts uniform over the valid voxels.
        let zeros = Initializer::Zeros;
        match *kind {
            HeadKind::Attention => Self {
                score: Some(zeros.init([tasks, channels], device)),
                value: None,
                classifier: Initializer::Normal { mean: 0.0, std }.init([tasks, channels], device),
                bias: Initializer::Zeros.init([tasks], device),
                position: None,
                tasks,
                heads: 1,
                head_dim: channels,
                sum: false,
            },
            HeadKind::MultiHead { heads, head_dim } => Self {
                score: Some(zeros.init([tasks * heads, channels], device)),
                value: Some(
                    Initializer::Normal { mean: 0.0, std }
                        .init([tasks * heads, channels, head_dim], device),
                ),
                classifier: Initializer::Normal {
                    mean: 0.0,
                    std: (1.0 / (heads * head_dim) as f64).sqrt(),
                }
                .init([tasks, heads * head_dim], device),
                bias: Initializer::Zeros.init([tasks], device),
                position: None,
                tasks,
                heads,
                head_dim,
                sum: false,
            },
            HeadKind::Sum => Self {
                score: None,
                value: None,
                classifier: Initializer::Normal {
                    mean: 0.0,
                    std: std * 0.01,
                }
                .init([tasks, channels], device),
                bias: Initializer::Zeros.init([tasks], device),
                position: None,
                tasks,
                heads: 1,
                head_dim: channels,
                sum: true,
            },
        }
    }

    /// The number of tasks.
    pub fn tasks(&self) -> usize {
        self.tasks
    }

    /// Bins of the position prior (0: none).
    pub fn position_bins(&self) -> usize {
        self.position.as_ref().map_or(0, |p| p.dims()[1] / 2)
    }

    /// `features`: (batch, voxels, channels); `valid`: (batch, voxels), true where real;
    /// `positions`: each voxel's bins, needed when the heads have a position prior.
    pub fn forward(
        &self,
        features: Tensor<B, 3>,
        valid: Tensor<B, 2, Bool>,
        positions: Option<&PositionBins>,
    ) -> HeadOutput<B> {
        let [b, n, c] = features.dims();
        let th = self.tasks * self.heads;
        let device = features.device();
        let valid3 = valid.clone().reshape([b, 1, n]);
        let alpha = match &self.score {
            Some(score) => {
                // (b, n, c) x (c, th) -> (b, th, n)
                let s = features
                    .clone()
                    .matmul(score.val().transpose().unsqueeze::<3>())
                    .swap_dims(1, 2);
                let s = match (&self.position, positions) {
                    (Some(prior), Some(at)) => s + position_scores(prior.val(), at, &device),
                    _ => s,
                };
                let s = s.mask_fill(
                    valid3.clone().bool_not().expand([b, th, n]),
                    f32::NEG_INFINITY,
                );
                softmax(s, 2)
            }
            None => {
                let ones = Tensor::<B, 3>::ones([b, 1, n], &device)
                    .mask_fill(valid3.clone().bool_not(), 0.0);
                ones.expand([b, th, n])
            }
        };
        // Pooled features per (task, head): (b, th, n) x (b, n, c) -> (b, th, c).
        let pooled = alpha.clone().matmul(features);
        let pooled = match &self.value {
            // Value projection after pooling: it is linear, so this equals pooling projected
            // values, at a fraction of the cost. (b, th, 1, c) x (1, th, c, d) -> (b, th, 1, d).
            Some(value) => pooled
                .reshape([b, th, 1, c])
                .matmul(value.val().unsqueeze::<4>())
                .reshape([b, self.tasks, self.heads * self.head_dim]),
            None => pooled,
        };
        let logits = pooled
            .mul(self.classifier.val().unsqueeze::<3>())
            .sum_dim(2)
            .reshape([b, self.tasks])
            + self.bias.val().unsqueeze::<2>();
        let attention = if self.heads > 1 {
            alpha
                .reshape([b, self.tasks, self.heads, n])
                .mean_dim(2)
                .reshape([b, self.tasks, n])
        } else if self.sum {
            let count = valid.int().sum_dim(1).float().reshape([b, 1, 1]);
            alpha.div(count)
        } else {
            alpha
        };
        HeadOutput { logits, attention }
    }
}

/// Each voxel's position bins on the feature grid, for the heads' position prior.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionBins {
    /// Bins per axis.
    pub bins: usize,
    /// Per exam and voxel (slice, row, col order): the height bin, then the left-right bin.
    pub voxel_bins: Vec<[usize; 2]>,
    /// Exams.
    pub batch: usize,
}

impl PositionBins {
    /// The bins of a feature grid `[slices, rows, cols]` for exams of `valid_depths` real
    /// feature slices each: a voxel's height bin is its slice's share of its exam's real
    /// slices (padded slices take the last bin; they get no attention anyway), its left-right
    /// bin its column's share of the columns.
    pub fn new(bins: usize, grid: [usize; 3], valid_depths: &[usize]) -> Self {
        let ([d, h, w], bins) = (grid, bins.max(1));
        let bin = |i: usize, n: usize| (i * bins / n.max(1)).min(bins - 1);
        let mut voxel_bins = Vec::with_capacity(valid_depths.len() * d * h * w);
        for &depth in valid_depths {
            for z in 0..d {
                let height = bin(z, depth);
                for _ in 0..h {
                    voxel_bins.extend((0..w).map(|x| [height, bin(x, w)]));
                }
            }
        }
        Self {
            bins,
            voxel_bins,
            batch: valid_depths.len(),
        }
    }
}

/// The prior's scores (batch, tasks * heads, voxels): a one-hot of each voxel's two bins
/// times the prior's rows.
fn position_scores<B: Backend>(
    prior: Tensor<B, 2>,
    at: &PositionBins,
    device: &B::Device,
) -> Tensor<B, 3> {
    let (width, n) = (2 * at.bins, at.voxel_bins.len() / at.batch.max(1));
    let mut one_hot = vec![0.0f32; at.voxel_bins.len() * width];
    for (row, [height, side]) in one_hot.chunks_exact_mut(width).zip(&at.voxel_bins) {
        row[*height] = 1.0;
        row[at.bins + side] = 1.0;
    }
    let one_hot = Tensor::<B, 3>::from_data(TensorData::new(one_hot, [at.batch, n, width]), device);
    // (b, n, 2k) x (1, 2k, th) -> (b, n, th) -> (b, th, n)
    one_hot
        .matmul(prior.transpose().unsqueeze::<3>())
        .swap_dims(1, 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuBackend as B;
    use burn::tensor::{Distribution, TensorData};

    fn inputs(b: usize, n: usize, c: usize, valid_n: usize) -> (Tensor<B, 3>, Tensor<B, 2, Bool>) {
        let device = Default::default();
        let f = Tensor::<B, 3>::random([b, n, c], Distribution::Normal(0.0, 1.0), &device);
        let mask: Vec<bool> = (0..b * n).map(|i| i % n < valid_n).collect();
        (f, Tensor::from_data(TensorData::new(mask, [b, n]), &device))
    }

    fn randomise(h: Heads<B>) -> Heads<B> {
        let device = Default::default();
        let s = h.score.as_ref().map(|p| p.val().dims());
        Heads {
            score: s.map(|d| {
                Param::from_tensor(Tensor::random(d, Distribution::Normal(0.0, 1.0), &device))
            }),
            ..h
        }
    }

    #[test]
    fn attention_sums_to_one_and_ignores_padded_voxels() {
        for kind in [
            HeadKind::Attention,
            HeadKind::MultiHead {
                heads: 8,
                head_dim: 4,
            },
            HeadKind::Sum,
        ] {
            let heads = randomise(Heads::<B>::new(&kind, 3, 5, 0, &Default::default()));
            let (f, valid) = inputs(2, 10, 5, 7);
            let out = heads.forward(f, valid, None);
            assert_eq!(out.logits.dims(), [2, 3]);
            let a = out.attention.into_data().to_vec::<f32>().unwrap();
            for row in a.chunks(10) {
                let total: f32 = row.iter().sum();
                assert!(
                    (total - 1.0).abs() < 1e-5,
                    "{kind:?}: attention sums to {total}"
                );
                assert!(
                    row[7..].iter().all(|v| *v == 0.0),
                    "{kind:?}: padded voxels got {row:?}"
                );
            }
        }
    }

    #[test]
    fn padded_voxel_features_do_not_change_the_logits() {
        for kind in [
            HeadKind::Attention,
            HeadKind::MultiHead {
                heads: 2,
                head_dim: 3,
            },
            HeadKind::Sum,
        ] {
            let heads = randomise(Heads::<B>::new(&kind, 2, 4, 0, &Default::default()));
            let (f, valid) = inputs(1, 6, 4, 4);
            let garbage = f.clone().slice_assign(
                [0..1, 4..6, 0..4],
                Tensor::full([1, 2, 4], 1e3, &Default::default()),
            );
            let a = heads
                .forward(f, valid.clone(), None)
                .logits
                .into_data()
                .to_vec::<f32>()
                .unwrap();
            let b = heads
                .forward(garbage, valid, None)
                .logits
                .into_data()
                .to_vec::<f32>()
                .unwrap();
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 1e-4, "{kind:?}: {a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn attention_concentrates_where_the_score_is_high() {
        let device = Default::default();
        let mut heads = Heads::<B>::new(&HeadKind::Attention, 1, 2, 0, &device);
        heads.score = Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(vec![5.0f32, 0.0], [1, 2]),
            &device,
        )));
        // Voxel 2 has a large first channel.
        let f = Tensor::<B, 3>::from_data(
            TensorData::new(vec![0.0f32, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0], [1, 4, 2]),
            &device,
        );
        let valid = Tensor::from_data(TensorData::new(vec![true; 4], [1, 4]), &device);
        let a = heads
            .forward(f, valid, None)
            .attention
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        assert!(a[2] > 0.99, "{a:?}");
    }

    #[test]
    fn position_bins_are_a_voxels_share_of_its_exams_real_slices_and_of_the_columns() {
        // Two exams on a [4, 1, 2] grid: 4 real slices, and 2 real slices then padding.
        let at = PositionBins::new(2, [4, 1, 2], &[4, 2]);
        let heights: Vec<usize> = at.voxel_bins.iter().map(|b| b[0]).collect();
        let sides: Vec<usize> = at.voxel_bins.iter().map(|b| b[1]).collect();
        assert_eq!(heights, [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1]);
        assert_eq!(sides, [0, 1].repeat(8));
        assert_eq!(at.batch, 2);
    }

    #[test]
    fn a_fresh_position_prior_leaves_attention_uniform() {
        let device = Default::default();
        let heads = Heads::<B>::new(&HeadKind::Attention, 2, 3, 4, &device);
        assert_eq!(heads.position_bins(), 4);
        let (f, valid) = inputs(1, 8, 3, 8);
        let at = PositionBins::new(4, [8, 1, 1], &[8]);
        let a: Vec<f32> = (heads.forward(f, valid, Some(&at)).attention.into_data())
            .to_vec()
            .unwrap();
        assert!(a.iter().all(|v| (v - 0.125).abs() < 1e-6), "{a:?}");
    }

    #[test]
    fn the_position_prior_weighs_attention_by_height_and_side() {
        let device = Default::default();
        let mut heads = Heads::<B>::new(&HeadKind::Attention, 1, 2, 2, &device);
        // Upper half of the exam: +ln 3; right-hand column: +ln 2.
        let prior = vec![0.0f32, 3f32.ln(), 0.0, 2f32.ln()];
        heads.position = Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(prior, [1, 4]),
            &device,
        )));
        // Features carry no signal: the prior alone decides.
        let f = Tensor::<B, 3>::zeros([1, 4, 2], &device);
        let valid = Tensor::from_data(TensorData::new(vec![true; 4], [1, 4]), &device);
        let at = PositionBins::new(2, [2, 1, 2], &[2]);
        let a: Vec<f32> = (heads.forward(f, valid, Some(&at)).attention.into_data())
            .to_vec()
            .unwrap();
        let expected = [1.0, 2.0, 3.0, 6.0].map(|w| w / 12.0);
        for (got, want) in a.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{a:?}");
        }
    }
}
