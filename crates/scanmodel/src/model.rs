//! The whole network: I3D encoder + one head per task region.

use burn::module::Module;
use burn::tensor::{Bool, Tensor, TensorData, backend::Backend};

use crate::config::ModelConfig;
use crate::heads::Heads;
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
        let features = self.encoder.forward(input, pass);
        let [b, c, d, h, w] = features.dims();
        let n = d * h * w;
        let flat = features.reshape([b, c, n]).swap_dims(1, 2);
        let stride = self.encoder.slice_stride();
        let valid = valid_mask::<B>(valid_slices, stride, [d, h, w], &device);
        let out = self.heads.forward(flat, valid);
        ModelOutput {
            logits: out.logits,
            attention: out.attention,
            grid: [d, h, w],
        }
    }
}

/// Voxel validity of the feature grid: a feature slice is real when its first input slice is
/// (`slice_stride` input slices per feature slice).
pub fn valid_mask<B: Backend>(
    valid_slices: &[usize],
    slice_stride: usize,
    grid: [usize; 3],
    device: &B::Device,
) -> Tensor<B, 2, Bool> {
    let [d, h, w] = grid;
    let stride = slice_stride;
    let mut mask = Vec::with_capacity(valid_slices.len() * d * h * w);
    for &len in valid_slices {
        let valid_d = len.div_ceil(stride).clamp(1, d);
        for z in 0..d {
            mask.extend(std::iter::repeat_n(z < valid_d, h * w));
        }
    }
    Tensor::from_data(
        TensorData::new(mask, [valid_slices.len(), d * h * w]),
        device,
    )
}
