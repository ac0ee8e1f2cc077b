//! Training-step timing and memory (printed by `uptake bench scan-model`; never asserted).

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Distribution, Tensor};

use crate::config::ModelConfig;
use crate::error::{Result, ScanModelError};
use crate::i3d::Pass;
use crate::model::ScanModel;
use crate::train::masked_bce;

/// Peak and current resident memory of this process in MiB (Linux /proc; 0 elsewhere).
pub fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|kib| kib / 1024.0)
            .unwrap_or(0.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// What [`train_step`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainStepBench {
    /// The network.
    pub config: ModelConfig,
    /// Its parameters.
    pub parameters: usize,
    /// Input: (batch, 2, slices, in_plane, in_plane).
    pub input_shape: [usize; 5],
    /// Seconds of each timed step.
    pub step_seconds: Vec<f64>,
    /// Peak resident memory of the process, MiB.
    pub peak_rss_mib: f64,
    /// Resident memory before the model was built, MiB.
    pub rss_before_mib: f64,
}

impl TrainStepBench {
    /// Mean seconds per step.
    pub fn mean_seconds(&self) -> f64 {
        self.step_seconds.iter().sum::<f64>() / self.step_seconds.len().max(1) as f64
    }
}

impl std::fmt::Display for TrainStepBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [batch, _, slices, s, _] = self.input_shape;
        let t = self.config.regions.len();
        let mean = self.mean_seconds();
        let min = self
            .step_seconds
            .iter()
            .cloned()
            .fold(f64::INFINITY, f64::min);
        write!(
            f,
            "scan model train step: width {} blocks {} head {:?}, {} parameters, input {batch}x2x{slices}x{s}x{s}, {t} tasks\n\
             step time: mean {mean:.3} s, min {min:.3} s over {} steps ({:.2} exams/s)\n\
             memory: process peak RSS {:.0} MiB (was {:.0} MiB before building the model)",
            self.config.encoder.width,
            self.config.encoder.mixed_blocks,
            self.config.head,
            self.parameters,
            self.step_seconds.len(),
            batch as f64 / mean.max(1e-9),
            self.peak_rss_mib,
            self.rss_before_mib,
        )
    }
}

/// Times `steps` training steps (forward, backward, Adam) on random input of
/// (batch, 2, slices, in_plane, in_plane) after one warm-up step.
pub fn train_step<B: AutodiffBackend>(
    config: &ModelConfig,
    slices: usize,
    batch: usize,
    steps: usize,
    device: &B::Device,
) -> Result<TrainStepBench> {
    config.validate().map_err(ScanModelError::Config)?;
    let (_, rss_before) = memory_mib();
    let mut model = ScanModel::<B>::seeded(config, 0, device);
    let params = burn::module::Module::num_params(&model);
    let mut optim = AdamConfig::new().init::<B, ScanModel<B>>();
    let s = config.in_plane;
    let t = config.regions.len();
    let valid = vec![slices; batch];
    let mut times = Vec::new();
    for step in 0..=steps {
        let x = Tensor::<B, 5>::random(
            [batch, 2, slices, s, s],
            Distribution::Normal(0.0, 1.0),
            device,
        );
        let y = Tensor::<B, 2>::random([batch, t], Distribution::Uniform(0.0, 1.0), device);
        let m = Tensor::<B, 2>::ones([batch, t], device);
        let started = Instant::now();
        let out = model.forward(x, &valid, &Pass::training());
        let loss = masked_bce(out.logits, y, m);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-4, model, grads);
        // Reading a value waits for asynchronous backends to finish the step.
        let _ = burn::module::Module::num_params(&model);
        if step > 0 {
            times.push(started.elapsed().as_secs_f64());
        }
    }
    let (peak, _) = memory_mib();
    Ok(TrainStepBench {
        config: config.clone(),
        parameters: params,
        input_shape: [batch, 2, slices, s, s],
        step_seconds: times,
        peak_rss_mib: peak,
        rss_before_mib: rss_before,
    })
}
