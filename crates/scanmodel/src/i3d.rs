//! Inflated Inception-V1 (I3D, Carreira & Zisserman 2017) over (batch, channels, slices, rows,
//! cols) volumes, with TensorFlow "SAME" padding as in the published network so Kinetics weights
//! transfer unchanged. Layer names follow DeepMind's (`Conv3d_1a_7x7`, `Mixed_4b`, ...).

use burn::module::{Module, Param, RunningState};
use burn::nn::Initializer;
use burn::nn::PaddingConfig3d;
use burn::nn::conv::{Conv3d, Conv3dConfig};
use burn::tensor::{Tensor, backend::Backend};

use crate::config::{EncoderConfig, POOL_4A_BEFORE, POOL_5A_BEFORE};
use crate::conv_cpu::{ConvSpec, conv3d_padded};
use crate::norm_cpu::norm_relu_train;
use crate::padding::same_padding;
use crate::pool::max_pool3d_same;

/// How a forward pass runs: batch statistics (training) or running statistics (inference,
/// saliency), and which rectifier (plain, or guided backpropagation's) follows each conv.
pub struct Pass<'a, B: Backend> {
    /// Batch statistics (training) rather than running statistics.
    pub train: bool,
    /// The rectifier after each convolution.
    pub relu: &'a dyn Fn(Tensor<B, 5>) -> Tensor<B, 5>,
    /// `relu` is the plain ReLU: a training pass on the CPU backend then runs batch norm and
    /// ReLU as one fused step ([`crate::norm_cpu`]) instead of calling `relu`.
    pub plain_relu: bool,
}

fn plain_relu<B: Backend>(x: Tensor<B, 5>) -> Tensor<B, 5> {
    burn::tensor::activation::relu(x)
}

impl<B: Backend> Pass<'static, B> {
    /// Training: batch statistics, plain ReLU.
    pub fn training() -> Self {
        Pass {
            train: true,
            relu: &plain_relu::<B>,
            plain_relu: true,
        }
    }
    /// Inference: running statistics, plain ReLU.
    pub fn inference() -> Self {
        Pass {
            train: false,
            relu: &plain_relu::<B>,
            plain_relu: true,
        }
    }
}

/// Batch normalisation whose mode is chosen per call (burn's own switches on autodiff, which
/// saliency needs with inference statistics). I3D's batch norm has no scale in the Kinetics
/// checkpoint; `gamma` starts at 1 and is trained like the bias.
#[derive(Module, Debug)]
pub struct Norm<B: Backend> {
    /// Scale per channel.
    pub gamma: Param<Tensor<B, 1>>,
    /// Shift per channel.
    pub beta: Param<Tensor<B, 1>>,
    /// Running mean per channel (inference).
    pub running_mean: RunningState<Tensor<B, 1>>,
    /// Running variance per channel (inference).
    pub running_var: RunningState<Tensor<B, 1>>,
}

/// Added to the variance before the square root (the Kinetics network's value).
pub const NORM_EPSILON: f64 = 1e-3;
const NORM_MOMENTUM: f64 = 0.1;

impl<B: Backend> Norm<B> {
    /// Identity normalisation of `channels` channels.
    pub fn new(channels: usize, device: &B::Device) -> Self {
        Self {
            gamma: Initializer::Ones.init([channels], device),
            beta: Initializer::Zeros.init([channels], device),
            running_mean: RunningState::new(Tensor::zeros([channels], device)),
            running_var: RunningState::new(Tensor::ones([channels], device)),
        }
    }

    /// Normalises (batch, channels, d, h, w) per channel; `train` uses (and updates) batch
    /// statistics.
    pub fn forward(&self, x: Tensor<B, 5>, train: bool) -> Tensor<B, 5> {
        let c = x.dims()[1];
        let (mean, var) = if train {
            let (mean, var) = self.batch_stats(x.clone());
            self.update_running(mean.clone(), var.clone());
            (mean, var)
        } else {
            (self.running_mean.value(), self.running_var.value())
        };
        let scale = self.gamma.val().div(var.add_scalar(NORM_EPSILON).sqrt());
        let shift = self.beta.val().sub(mean.mul(scale.clone()));
        x.mul(scale.reshape([1, c, 1, 1, 1]))
            .add(shift.reshape([1, c, 1, 1, 1]))
    }

    /// Batch norm with batch statistics and ReLU in one fused step where the backend has one
    /// (the CPU); `None` elsewhere.
    pub fn forward_train_relu(&self, x: Tensor<B, 5>) -> Option<Tensor<B, 5>> {
        let fused = norm_relu_train(x, self.gamma.val(), self.beta.val(), NORM_EPSILON)?;
        self.update_running(fused.mean, fused.var);
        Some(fused.output)
    }

    /// Mean and variance per channel over (batch, voxels).
    fn batch_stats(&self, x: Tensor<B, 5>) -> (Tensor<B, 1>, Tensor<B, 1>) {
        let [b, c, d, h, w] = x.dims();
        // Statistics over (batch, voxels) per channel, on the tensor as it lies: moving the
        // channels first (swap_dims + reshape) copied every activation and made batch norm a
        // tenth of a full I3D training step.
        let flat = x.reshape([b, c, d * h * w]);
        let mean = flat.clone().mean_dim(2).mean_dim(0);
        let var = flat.sub(mean.clone()).square().mean_dim(2).mean_dim(0);
        (mean.reshape([c]), var.reshape([c]))
    }

    /// Moves the running statistics towards a batch's.
    fn update_running(&self, mean: Tensor<B, 1>, var: Tensor<B, 1>) {
        let rm = self.running_mean.value_sync();
        let rv = self.running_var.value_sync();
        let m = NORM_MOMENTUM;
        self.running_mean.update(
            rm.mul_scalar(1.0 - m)
                .add(mean.detach().mul_scalar(m))
                .detach(),
        );
        self.running_var.update(
            rv.mul_scalar(1.0 - m)
                .add(var.detach().mul_scalar(m))
                .detach(),
        );
        // Settle the update now, so a checkpoint written after this step contains it.
        let _ = (
            self.running_mean.value_sync(),
            self.running_var.value_sync(),
        );
    }
}

/// "SAME" padding of a stride-1 convolution, the same on both sides (odd kernels).
fn symmetric_padding(kernel: [usize; 3]) -> [usize; 3] {
    kernel.map(|k| k.saturating_sub(1) / 2)
}

/// Conv3d (no bias) + batch norm + ReLU, "SAME" padded.
#[derive(Module, Debug)]
pub struct Unit3d<B: Backend> {
    /// The convolution.
    pub conv: Conv3d<B>,
    /// Its batch norm.
    pub bn: Norm<B>,
    kernel: [usize; 3],
    stride: [usize; 3],
}

impl<B: Backend> Unit3d<B> {
    /// A unit of `c_in` -> `c_out` channels.
    pub fn new(
        c_in: usize,
        c_out: usize,
        kernel: [usize; 3],
        stride: [usize; 3],
        device: &B::Device,
    ) -> Self {
        // Stride 1: the symmetric "SAME" padding inside the conv. Strided convs pad in
        // forward, where TF's extra cell after is known.
        let pad = if stride == [1, 1, 1] {
            symmetric_padding(kernel)
        } else {
            [0, 0, 0]
        };
        let conv = Conv3dConfig::new([c_in, c_out], kernel)
            .with_stride(stride)
            .with_padding(PaddingConfig3d::Explicit(pad[0], pad[1], pad[2]))
            .with_bias(false)
            .with_initializer(Initializer::KaimingNormal {
                gain: 2f64.sqrt(),
                fan_out_only: false,
            })
            .init(device);
        Self {
            conv,
            bn: Norm::new(c_out, device),
            kernel,
            stride,
        }
    }

    /// Convolution, batch norm and rectifier.
    pub fn forward(&self, x: Tensor<B, 5>, pass: &Pass<B>) -> Tensor<B, 5> {
        let mut spec = ConvSpec {
            stride: self.stride,
            pad_before: symmetric_padding(self.kernel),
            pad_after: symmetric_padding(self.kernel),
        };
        if self.stride != [1, 1, 1] {
            // TF's extra cell after, which depends on the input size.
            for axis in 0..3 {
                let n = x.dims()[2 + axis];
                let (before, after) = same_padding(n, self.kernel[axis], self.stride[axis]);
                (spec.pad_before[axis], spec.pad_after[axis]) = (before, after);
            }
        }
        let y = conv3d_padded(x, self.conv.weight.val(), spec);
        if pass.train
            && pass.plain_relu
            && let Some(out) = self.bn.forward_train_relu(y.clone())
        {
            return out;
        }
        (pass.relu)(self.bn.forward(y, pass.train))
    }
}

/// Channel counts of one Inception block: branch 0 (1x1), branch 1 (1x1 -> 3x3),
/// branch 2 (1x1 -> 3x3), branch 3 (3x3 max pool -> 1x1).
#[derive(Debug, Clone, Copy)]
pub struct MixedSpec {
    /// DeepMind's name (`Mixed_3b`...).
    pub name: &'static str,
    /// Branch 0, 1x1.
    pub b0: usize,
    /// Branch 1, 1x1.
    pub b1a: usize,
    /// Branch 1, 3x3.
    pub b1b: usize,
    /// Branch 2, 1x1.
    pub b2a: usize,
    /// Branch 2, 3x3.
    pub b2b: usize,
    /// Branch 3, 1x1 after the pool.
    pub b3: usize,
}

impl MixedSpec {
    /// Output channels (the branches concatenated).
    pub fn out(&self) -> usize {
        self.b0 + self.b1b + self.b2b + self.b3
    }
}

const fn spec(
    name: &'static str,
    b0: usize,
    b1a: usize,
    b1b: usize,
    b2a: usize,
    b2b: usize,
    b3: usize,
) -> MixedSpec {
    MixedSpec {
        name,
        b0,
        b1a,
        b1b,
        b2a,
        b2b,
        b3,
    }
}

/// The nine Inception blocks of I3D at full width.
pub const MIXED: [MixedSpec; 9] = [
    spec("Mixed_3b", 64, 96, 128, 16, 32, 32),
    spec("Mixed_3c", 128, 128, 192, 32, 96, 64),
    spec("Mixed_4b", 192, 96, 208, 16, 48, 64),
    spec("Mixed_4c", 160, 112, 224, 24, 64, 64),
    spec("Mixed_4d", 128, 128, 256, 24, 64, 64),
    spec("Mixed_4e", 112, 144, 288, 32, 64, 64),
    spec("Mixed_4f", 256, 160, 320, 32, 128, 128),
    spec("Mixed_5b", 256, 160, 320, 32, 128, 128),
    spec("Mixed_5c", 384, 192, 384, 48, 128, 128),
];

/// One Inception block (see [`MixedSpec`] for its branches).
#[derive(Module, Debug)]
pub struct Mixed<B: Backend> {
    /// Branch 0, 1x1.
    pub b0: Unit3d<B>,
    /// Branch 1, 1x1.
    pub b1a: Unit3d<B>,
    /// Branch 1, 3x3.
    pub b1b: Unit3d<B>,
    /// Branch 2, 1x1.
    pub b2a: Unit3d<B>,
    /// Branch 2, 3x3.
    pub b2b: Unit3d<B>,
    /// Branch 3, 1x1 after a 3x3 max pool.
    pub b3: Unit3d<B>,
}

impl<B: Backend> Mixed<B> {
    fn new(c_in: usize, s: &MixedSpec, cfg: &EncoderConfig, device: &B::Device) -> Self {
        let c = |n| cfg.scaled(n);
        let one = [1, 1, 1];
        let three = [3, 3, 3];
        Self {
            b0: Unit3d::new(c_in, c(s.b0), one, one, device),
            b1a: Unit3d::new(c_in, c(s.b1a), one, one, device),
            b1b: Unit3d::new(c(s.b1a), c(s.b1b), three, one, device),
            b2a: Unit3d::new(c_in, c(s.b2a), one, one, device),
            b2b: Unit3d::new(c(s.b2a), c(s.b2b), three, one, device),
            b3: Unit3d::new(c_in, c(s.b3), one, one, device),
        }
    }

    fn forward(&self, x: Tensor<B, 5>, pass: &Pass<B>) -> Tensor<B, 5> {
        let y0 = self.b0.forward(x.clone(), pass);
        let y1 = self.b1b.forward(self.b1a.forward(x.clone(), pass), pass);
        let y2 = self.b2b.forward(self.b2a.forward(x.clone(), pass), pass);
        let y3 = self
            .b3
            .forward(max_pool3d_same(x, [3, 3, 3], [1, 1, 1]), pass);
        Tensor::cat(vec![y0, y1, y2, y3], 1)
    }
}

/// The encoder: stem (Conv3d_1a_7x7, MaxPool3d_2a, Conv3d_2b_1x1, Conv3d_2c_3x3, MaxPool3d_3a),
/// then Mixed_3b..Mixed_5c with MaxPool3d_4a and MaxPool3d_5a in between.
#[derive(Module, Debug)]
pub struct I3d<B: Backend> {
    /// Conv3d_1a_7x7.
    pub conv_1a: Unit3d<B>,
    /// Conv3d_2b_1x1.
    pub conv_2b: Unit3d<B>,
    /// Conv3d_2c_3x3.
    pub conv_2c: Unit3d<B>,
    /// Mixed_3b onwards, as many as configured.
    pub mixed: Vec<Mixed<B>>,
    out_channels: usize,
    /// Whether MaxPool3d_4a and MaxPool3d_5a run ([`EncoderConfig::pools_before`]).
    pools: [bool; 2],
}

impl<B: Backend> I3d<B> {
    /// A freshly initialised encoder of shape `cfg`.
    pub fn new(cfg: &EncoderConfig, device: &B::Device) -> Self {
        let c = |n| cfg.scaled(n);
        let conv_1a = Unit3d::new(cfg.in_channels, c(64), [7, 7, 7], [2, 2, 2], device);
        let conv_2b = Unit3d::new(c(64), c(64), [1, 1, 1], [1, 1, 1], device);
        let conv_2c = Unit3d::new(c(64), c(192), [3, 3, 3], [1, 1, 1], device);
        let mut c_in = c(192);
        let mut mixed = Vec::new();
        for s in MIXED.iter().take(cfg.mixed_blocks) {
            mixed.push(Mixed::new(c_in, s, cfg, device));
            c_in = c(s.b0) + c(s.b1b) + c(s.b2b) + c(s.b3);
        }
        Self {
            conv_1a,
            conv_2b,
            conv_2c,
            mixed,
            out_channels: c_in,
            pools: [
                cfg.pools_before(POOL_4A_BEFORE),
                cfg.pools_before(POOL_5A_BEFORE),
            ],
        }
    }

    /// Channels of the output feature grid (1024 for the published network).
    pub fn out_channels(&self) -> usize {
        self.out_channels
    }

    /// (batch, in_channels, slices, rows, cols) -> (batch, out_channels, ceil(slices/8),
    /// ceil(rows/32), ceil(cols/32)), or finer ([`EncoderConfig::strides`]).
    pub fn forward(&self, x: Tensor<B, 5>, pass: &Pass<B>) -> Tensor<B, 5> {
        let x = self.conv_1a.forward(x, pass);
        let x = max_pool3d_same(x, [1, 3, 3], [1, 2, 2]);
        let x = self.conv_2b.forward(x, pass);
        let x = self.conv_2c.forward(x, pass);
        let mut x = max_pool3d_same(x, [1, 3, 3], [1, 2, 2]);
        for i in 0..MIXED.len() {
            if i == POOL_4A_BEFORE && self.pools[0] {
                x = max_pool3d_same(x, [3, 3, 3], [2, 2, 2]);
            }
            if i == POOL_5A_BEFORE && self.pools[1] {
                x = max_pool3d_same(x, [2, 2, 2], [2, 2, 2]);
            }
            if let Some(block) = self.mixed.get(i) {
                x = block.forward(x, pass);
            }
        }
        x
    }

    /// The stem's first unit only (Conv3d_1a_7x7 + BN + ReLU): what the Kinetics fixture checks.
    pub fn stem_conv(&self, x: Tensor<B, 5>, pass: &Pass<B>) -> Tensor<B, 5> {
        self.conv_1a.forward(x, pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuBackend as B;
    use burn::tensor::Distribution;

    #[test]
    fn full_i3d_has_1024_channels_at_a_32nd_in_plane_and_an_8th_along_slices() {
        let device = Default::default();
        let enc = I3d::<B>::new(&EncoderConfig::full(), &device);
        assert_eq!(enc.out_channels(), 1024);
        let x = Tensor::<B, 5>::random([1, 2, 16, 64, 64], Distribution::Normal(0.0, 1.0), &device);
        let y = enc.forward(x, &Pass::inference());
        assert_eq!(y.dims(), [1, 1024, 2, 2, 2]);
        let v = y.into_data().to_vec::<f32>().unwrap();
        assert!(v.iter().all(|x| x.is_finite() && *x >= 0.0));
        assert!(v.iter().any(|x| *x > 0.0));
    }

    #[test]
    fn narrow_shallow_variant_keeps_the_output_strides() {
        let device = Default::default();
        let enc = I3d::<B>::new(&EncoderConfig::small(0.125, 2), &device);
        assert_eq!(enc.out_channels(), 60);
        let x = Tensor::<B, 5>::random([2, 2, 13, 70, 64], Distribution::Normal(0.0, 1.0), &device);
        let y = enc.forward(x, &Pass::training());
        assert_eq!(y.dims(), [2, 60, 2, 3, 2]);
    }

    #[test]
    fn without_trailing_pools_a_two_block_network_keeps_its_last_blocks_grid() {
        let device = Default::default();
        let cfg = EncoderConfig {
            pooling: crate::EncoderPooling::BeforeKeptBlocks,
            ..EncoderConfig::small(0.125, 2)
        };
        assert_eq!(cfg.strides(), [2, 8, 8]);
        let enc = I3d::<B>::new(&cfg, &device);
        let x = Tensor::<B, 5>::random([1, 2, 16, 64, 32], Distribution::Normal(0.0, 1.0), &device);
        assert_eq!(enc.forward(x, &Pass::inference()).dims(), [1, 60, 8, 8, 4]);
    }

    #[test]
    fn without_trailing_pools_a_four_block_network_keeps_the_pool_before_its_third_block() {
        let cfg = EncoderConfig {
            pooling: crate::EncoderPooling::BeforeKeptBlocks,
            ..EncoderConfig::small(0.25, 4)
        };
        assert_eq!(cfg.strides(), [4, 16, 16]);
        let published = EncoderConfig::small(0.25, 4);
        assert_eq!(published.strides(), [8, 32, 32]);
    }
}
