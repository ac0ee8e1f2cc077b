//! Per-region heads over the encoder's feature grid. All T regions are computed together as
//! batched matrix products; each region still has its own parameters.
//!
//! Features arrive flattened: (batch, voxels, channels), with a validity mask (batch, voxels)
//! that is false on voxels computed from padded slices; those never get attention.

use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::{Bool, Tensor, activation::softmax, backend::Backend};

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
    tasks: usize,
    heads: usize,
    head_dim: usize,
    sum: bool,
}

impl<B: Backend> Heads<B> {
    /// Fresh heads of `kind` for `tasks` tasks over `channels` feature channels; attention
    /// starts uniform.
    pub fn new(kind: &HeadKind, tasks: usize, channels: usize, device: &B::Device) -> Self {
        let std = (1.0 / channels as f64).sqrt();
        // Scores start at zero: attention starts uniform over the valid voxels.
        let zeros = Initializer::Zeros;
        match *kind {
            HeadKind::Attention => Self {
                score: Some(zeros.init([tasks, channels], device)),
                value: None,
                classifier: Initializer::Normal { mean: 0.0, std }.init([tasks, channels], device),
                bias: Initializer::Zeros.init([tasks], device),
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

    /// `features`: (batch, voxels, channels); `valid`: (batch, voxels), true where real.
    pub fn forward(&self, features: Tensor<B, 3>, valid: Tensor<B, 2, Bool>) -> HeadOutput<B> {
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
            let heads = randomise(Heads::<B>::new(&kind, 3, 5, &Default::default()));
            let (f, valid) = inputs(2, 10, 5, 7);
            let out = heads.forward(f, valid);
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
            let heads = randomise(Heads::<B>::new(&kind, 2, 4, &Default::default()));
            let (f, valid) = inputs(1, 6, 4, 4);
            let garbage = f.clone().slice_assign(
                [0..1, 4..6, 0..4],
                Tensor::full([1, 2, 4], 1e3, &Default::default()),
            );
            let a = heads
                .forward(f, valid.clone())
                .logits
                .into_data()
                .to_vec::<f32>()
                .unwrap();
            let b = heads
                .forward(garbage, valid)
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
        let mut heads = Heads::<B>::new(&HeadKind::Attention, 1, 2, &device);
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
            .forward(f, valid)
            .attention
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        assert!(a[2] > 0.99, "{a:?}");
    }
}
