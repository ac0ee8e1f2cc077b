//! The whole network: I3D encoder + one head per task region.

use burn::module::Module;
use burn::tensor::{Bool, Tensor, TensorData, backend::Backend};

use crate::config::ModelConfig;
use crate::heads::{Heads, PositionBins};
use crate::i3d::{I3d, Pass};

/// The I3D encoder and one head per task.
#[derive(Module, Debug)]
pub struct ScanModel<B: Backend> {
    /// The encoder.
    pub encoder: I3d<B>,
    /// The task heads.
    pub heads: Heads<B>,
}

/// The network's answer for a batch.
pub struct ModelOutput<B: Backend> {
    /// (batch, tasks), before the sigmoid.
    pub logits: Tensor<B, 2>,
    /// (batch, tasks, voxels) over the feature grid, in (slice, row, col) order.
    pub attention: Tensor<B, 3>,
    /// The feature grid: [slices, rows, cols].
    pub grid: [usize; 3],
}

impl<B: Backend> ScanModel<B> {
    /// A freshly initialised network whose weights depend only on `seed`: the backend's global
    /// random generator is seeded and all (lazy) parameters materialised under one lock, so
    /// concurrent model builds in the same process cannot interleave their draws.
    pub fn seeded(config: &ModelConfig, seed: u64, device: &B::Device) -> Self {
        Self::materialised(config, Some(seed), device)
    }

    /// A model with unseeded random weights (to be overwritten by a checkpoint). Its
    /// parameters are materialised under the same lock as [`Self::seeded`]'s.
    pub fn new(config: &ModelConfig, device: &B::Device) -> Self {
        Self::materialised(config, None, device)
    }

    /// Initialisers draw from the backend's process-wide generator. Models are built one at a
    /// time, so a seeded build never shares its draws with another thread's build (a
    /// prediction loading a checkpoint while a training starts made seeded runs differ).
    fn materialised(config: &ModelConfig, seed: Option<u64>, device: &B::Device) -> Self {
        static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = INIT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(seed) = seed {
            B::seed(device, seed);
        }
        let model = Self::build(config, device);
        let _ = crate::checkpoint::named_tensors::<B, _>(&model);
        model
    }

    fn build(config: &ModelConfig, device: &B::Device) -> Self {
        let encoder = I3d::new(&config.encoder, device);
        let heads = Heads::new(
            &config.head,
            config.regions.len(),
            encoder.out_channels(),
            config.position_bins,
            device,
        );
        Self { encoder, heads }
    }

    /// `input`: (batch, 2, slices, rows, cols), slices a multiple of 8; `valid_slices[i]` is
    /// the number of real (not padded) slices of exam i.
    pub fn forward(
        &self,
        input: Tensor<B, 5>,
        valid_slices: &[usize],
        pass: &Pass<B>,
    ) -> ModelOutput<B> {
        let device = input.device();
        let input_slices = input.dims()[2];
        let features = self.encoder.forward(input, pass);
        let [b, c, d, h, w] = features.dims();
        let n = d * h * w;
        let flat = features.reshape([b, c, n]).swap_dims(1, 2);
        // The slices are a multiple of 8 and every encoder's slice stride (2, 4 or 8) divides 8.
        let stride = input_slices / d.max(1);
        let depths = valid_depths(valid_slices, stride, d);
        let valid = valid_mask::<B>(&depths, [d, h, w], &device);
        let bins = self.heads.position_bins();
        let positions = (bins > 0).then(|| PositionBins::new(bins, [d, h, w], &depths));
        let out = self.heads.forward(flat, valid, positions.as_ref());
        ModelOutput {
            logits: out.logits,
            attention: out.attention,
            grid: [d, h, w],
        }
    }
}

/// The real feature slices of each exam of `valid_slices` real input slices, out of `depth`: a
/// feature slice is real when its first input slice is (`stride` input slices per feature
/// slice).
pub fn valid_depths(valid_slices: &[usize], stride: usize, depth: usize) -> Vec<usize> {
    (valid_slices.iter())
        .map(|len| len.div_ceil(stride).clamp(1, depth))
        .collect()
}

/// Voxel validity of the feature grid for exams of `valid_depths` real feature slices.
pub fn valid_mask<B: Backend>(
    valid_depths: &[usize],
    grid: [usize; 3],
    device: &B::Device,
) -> Tensor<B, 2, Bool> {
    let [d, h, w] = grid;
    let mut mask = Vec::with_capacity(valid_depths.len() * d * h * w);
    for &valid_d in valid_depths {
        for z in 0..d {
            mask.extend(std::iter::repeat_n(z < valid_d, h * w));
        }
    }
    Tensor::from_data(
        TensorData::new(mask, [valid_depths.len(), d * h * w]),
        device,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuBackend as B;
    use crate::config::{EncoderConfig, EncoderPooling, HeadKind};
    use burn::tensor::Distribution;

    #[test]
    fn a_finer_feature_grid_masks_the_padded_slices_at_its_own_stride() {
        let device = Default::default();
        let config = ModelConfig {
            encoder: EncoderConfig {
                pooling: EncoderPooling::BeforeKeptBlocks,
                ..EncoderConfig::small(0.125, 2)
            },
            head: HeadKind::Attention,
            regions: vec!["lungs".into()],
            in_plane: 32,
            slice_step: 1,
            position_bins: 0,
        };
        let model = ScanModel::<B>::seeded(&config, 1, &device);
        let x = Tensor::<B, 5>::random([1, 2, 16, 32, 32], Distribution::Normal(0.0, 1.0), &device);
        // 5 real slices of 16, stride 2: feature slices 0-2 of 8 are real.
        let out = model.forward(x, &[5], &Pass::inference());
        assert_eq!(out.grid, [8, 4, 4]);
        let attention: Vec<f32> = out.attention.into_data().to_vec().unwrap();
        let (real, padded) = attention.split_at(3 * 16);
        // A fresh head attends uniformly: 1/48 on every real voxel.
        assert!(
            real.iter().all(|a| (a - 1.0 / 48.0).abs() < 1e-6),
            "{real:?}"
        );
        assert!(padded.iter().all(|a| *a == 0.0), "{padded:?}");
    }
}
