//! Training-step timing and memory (printed by `uptake bench scan-model`; never asserted), and
//! the same step in PyTorch (`scripts/bench-i3d-torch.py`) for the ratio per exam.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use burn::backend::Autodiff;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Distribution, Tensor};
use uptake_training::{BackendJob, Device};

use crate::config::{HeadKind, ModelConfig};
use crate::cpu::profile;
pub use crate::cpu::profile::{KernelKind, KernelSeconds};
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

/// Starts the peak resident memory afresh from the current one (Linux; elsewhere nothing), so
/// each batch size of one run gets a peak of its own.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// What one batch size measured.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFigures {
    /// Exams per step.
    pub batch: usize,
    /// Seconds of each timed step.
    pub step_seconds: Vec<f64>,
    /// Of those, seconds in the optimizer step (mean per step).
    pub optimizer_seconds: f64,
    /// Seconds per step in each kind of CPU kernel (mean), when profiled.
    pub kernels: Option<KernelSeconds>,
    /// Peak resident memory of the process while this batch size ran, MiB.
    pub peak_rss_mib: f64,
}

impl StepFigures {
    /// Mean seconds per step.
    pub fn mean_seconds(&self) -> f64 {
        self.step_seconds.iter().sum::<f64>() / self.step_seconds.len().max(1) as f64
    }

    /// Mean seconds per exam.
    pub fn seconds_per_exam(&self) -> f64 {
        self.mean_seconds() / self.batch.max(1) as f64
    }
}

/// What [`train_step`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainStepBench {
    /// The network.
    pub config: ModelConfig,
    /// Its parameters.
    pub parameters: usize,
    /// Slices of the input volume: (batch, 2, slices, in_plane, in_plane).
    pub slices: usize,
    /// One entry per batch size, in the order asked.
    pub runs: Vec<StepFigures>,
    /// Resident memory before the first model was built, MiB.
    pub rss_before_mib: f64,
}

/// How [`train_step`] measures.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct BenchSettings {
    /// Slices of the benchmark volume (the in-plane size is the network's).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().slices,
        value_parser = uptake_core::cli::within(1..=1024)))]
    pub slices: usize,
    /// Timed training steps (after one warm-up step), per batch size.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().steps,
        value_parser = uptake_core::cli::within(1..=10_000)))]
    pub steps: usize,
    /// Batch sizes, each timed with a model of its own (comma-separated).
    #[cfg_attr(feature = "cli", arg(long = "batch-size", value_name = "BATCH_SIZE", value_delimiter = ',',
        default_values_t = Self::default().batch_sizes, value_parser = uptake_core::cli::within(1..=256)))]
    pub batch_sizes: Vec<usize>,
    /// Also time each kind of CPU kernel and print where the step's time goes (adds a clock
    /// read per kernel call).
    #[cfg_attr(feature = "cli", arg(long))]
    pub profile: bool,
}

impl Default for BenchSettings {
    fn default() -> Self {
        Self {
            slices: 64,
            steps: 3,
            batch_sizes: vec![1, 2],
            profile: false,
        }
    }
}

/// Times training steps (forward, backward, Adam) on random input of
/// (batch, 2, slices, in_plane, in_plane) for each batch size, after one warm-up step each.
pub fn train_step<B: AutodiffBackend>(
    config: &ModelConfig,
    settings: &BenchSettings,
    device: &B::Device,
) -> Result<TrainStepBench> {
    config.validate().map_err(ScanModelError::Config)?;
    let (_, rss_before) = memory_mib();
    let mut runs = Vec::new();
    let mut parameters = 0;
    for &batch in &settings.batch_sizes {
        let model = ScanModel::<B>::seeded(config, 0, device);
        parameters = burn::module::Module::num_params(&model);
        runs.push(time_batch(model, config, settings, batch, device));
    }
    Ok(TrainStepBench {
        config: config.clone(),
        parameters,
        slices: settings.slices,
        runs,
        rss_before_mib: rss_before,
    })
}

fn time_batch<B: AutodiffBackend>(
    mut model: ScanModel<B>,
    config: &ModelConfig,
    settings: &BenchSettings,
    batch: usize,
    device: &B::Device,
) -> StepFigures {
    reset_peak_memory();
    let mut optim = AdamConfig::new().init::<B, ScanModel<B>>();
    let (s, t) = (config.in_plane, config.regions.len());
    let valid = vec![settings.slices; batch];
    let (mut times, mut optimizer) = (Vec::new(), 0.0);
    let mut kernels = [0.0; 7];
    for step in 0..=settings.steps {
        let shape = [batch, 2, settings.slices, s, s];
        let x = Tensor::<B, 5>::random(shape, Distribution::Normal(0.0, 1.0), device);
        let y = Tensor::<B, 2>::random([batch, t], Distribution::Uniform(0.0, 1.0), device);
        let m = Tensor::<B, 2>::ones([batch, t], device);
        profile::switch(settings.profile && step > 0);
        let started = Instant::now();
        let out = model.forward(x, &valid, &Pass::training());
        let loss = masked_bce(out.logits, y, m);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let adam = Instant::now();
        model = optim.step(1e-4, model, grads);
        // Asynchronous backends (CUDA) finish the step before it is timed.
        let _ = B::sync(device);
        let counted = profile::switch(false);
        if step > 0 {
            times.push(started.elapsed().as_secs_f64());
            optimizer += adam.elapsed().as_secs_f64();
            kernels.iter_mut().zip(counted).for_each(|(k, c)| *k += c);
        }
    }
    let n = settings.steps.max(1) as f64;
    StepFigures {
        batch,
        step_seconds: times,
        optimizer_seconds: optimizer / n,
        kernels: settings.profile.then(|| kernels.map(|k| k / n)),
        peak_rss_mib: memory_mib().0,
    }
}

/// PyTorch's figures for one batch size, as `scripts/bench-i3d-torch.py` printed them.
#[derive(Debug, Clone, PartialEq)]
pub struct TorchStep {
    /// Exams per step.
    pub batch: usize,
    /// Mean seconds per step.
    pub mean_seconds: f64,
    /// Fastest step, seconds.
    pub min_seconds: f64,
    /// Peak resident memory of the Python process, MiB.
    pub peak_rss_mib: f64,
}

impl TorchStep {
    /// Reads the script's last line: `... step mean M s, min N s over K steps; peak RSS P MiB`.
    pub fn parse(batch: usize, output: &str) -> Option<Self> {
        let line = output.lines().rev().find(|l| l.contains("step mean"))?;
        let after = |key: &str| -> Option<f64> {
            let rest = &line[line.find(key)? + key.len()..];
            rest.split_whitespace()
                .next()?
                .trim_end_matches(',')
                .parse()
                .ok()
        };
        Some(Self {
            batch,
            mean_seconds: after("step mean ")?,
            min_seconds: after(", min ")?,
            peak_rss_mib: after("peak RSS ")?,
        })
    }

    /// Mean seconds per exam.
    pub fn seconds_per_exam(&self) -> f64 {
        self.mean_seconds / self.batch.max(1) as f64
    }
}

/// Where PyTorch's side of the comparison runs: a Python with torch, and the script.
#[derive(Debug, Clone, PartialEq)]
pub struct TorchBaseline {
    /// The Python interpreter (a venv with torch).
    pub python: PathBuf,
    /// `scripts/bench-i3d-torch.py`.
    pub script: PathBuf,
}

/// Runs PyTorch's step for `config` (attention heads only: the script has no other) at one
/// batch size; the error names the script and what went wrong.
pub fn torch_step(
    baseline: &TorchBaseline,
    config: &ModelConfig,
    settings: &BenchSettings,
    batch: usize,
) -> Result<TorchStep> {
    let fail = |what: String| ScanModelError::File {
        path: baseline.script.clone(),
        what,
    };
    if config.head != HeadKind::Attention {
        return Err(fail(format!(
            "has attention heads only, not {:?}",
            config.head
        )));
    }
    let arg = |v: &dyn std::fmt::Display| v.to_string();
    let output = Command::new(&baseline.python)
        .arg(&baseline.script)
        .args(["--slices", &arg(&settings.slices), "--batch", &arg(&batch)])
        .args([
            "--steps",
            &arg(&settings.steps),
            "--tasks",
            &arg(&config.regions.len()),
        ])
        .args([
            "--size",
            &arg(&config.in_plane),
            "--width",
            &arg(&config.encoder.width),
        ])
        .args(["--blocks", &arg(&config.encoder.mixed_blocks)])
        .output()
        .map_err(|e| fail(format!("cannot run {}: {e}", baseline.python.display())))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = err.lines().rev().take(3).collect();
        return Err(fail(format!("{}: {}", output.status, tail.join(" / "))));
    }
    TorchStep::parse(batch, &text)
        .ok_or_else(|| fail(format!("no step time in its output: {text}")))
}

/// Our figures beside PyTorch's, per batch size.
#[derive(Debug, Clone)]
pub struct Comparison<'a> {
    /// Ours.
    pub ours: &'a TrainStepBench,
    /// PyTorch's, one per batch size in the same order (None: not run).
    pub torch: &'a [Option<TorchStep>],
}

impl std::fmt::Display for Comparison<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = self.ours;
        writeln!(
            f,
            "scan model train step: width {} blocks {} head {:?}, {} parameters, input batch x 2 x {} x {} x {}, {} tasks",
            b.config.encoder.width,
            b.config.encoder.mixed_blocks,
            b.config.head,
            b.parameters,
            b.slices,
            b.config.in_plane,
            b.config.in_plane,
            b.config.regions.len(),
        )?;
        writeln!(
            f,
            "batch | uptake s/step (min) | s/exam | peak RSS | PyTorch s/step (min) | s/exam | peak RSS | per exam vs PyTorch"
        )?;
        for (i, run) in b.runs.iter().enumerate() {
            let min = run
                .step_seconds
                .iter()
                .cloned()
                .fold(f64::INFINITY, f64::min);
            write!(
                f,
                "{} | {:.3} ({min:.3}) | {:.3} | {:.0} MiB",
                run.batch,
                run.mean_seconds(),
                run.seconds_per_exam(),
                run.peak_rss_mib
            )?;
            match self.torch.get(i).and_then(|t| t.as_ref()) {
                Some(t) => writeln!(
                    f,
                    " | {:.3} ({:.3}) | {:.3} | {:.0} MiB | {:.2}x",
                    t.mean_seconds,
                    t.min_seconds,
                    t.seconds_per_exam(),
                    t.peak_rss_mib,
                    run.seconds_per_exam() / t.seconds_per_exam()
                )?,
                None => writeln!(f, " | - | - | - | -")?,
            }
        }
        for run in b.runs.iter().filter(|r| r.kernels.is_some()) {
            write_profile(f, run)?;
        }
        write!(
            f,
            "memory before building the first model: {:.0} MiB",
            b.rss_before_mib
        )
    }
}

/// Seconds per step by kernel kind, and the rest.
fn write_profile(f: &mut std::fmt::Formatter<'_>, run: &StepFigures) -> std::fmt::Result {
    let kernels = run.kernels.unwrap_or_default();
    let step = run.mean_seconds();
    writeln!(f, "profile, batch {} (seconds per step, share):", run.batch)?;
    for (kind, s) in KernelKind::ALL.iter().zip(kernels) {
        writeln!(
            f,
            "  {:<28} {s:.3}  {:>4.1} %",
            kind.label(),
            100.0 * s / step
        )?;
    }
    let o = run.optimizer_seconds;
    writeln!(
        f,
        "  {:<28} {o:.3}  {:>4.1} %",
        "Adam step",
        100.0 * o / step
    )?;
    let rest = step - kernels.iter().sum::<f64>() - o;
    writeln!(
        f,
        "  {:<28} {rest:.3}  {:>4.1} %",
        "rest (heads, loss, concat)",
        100.0 * rest / step
    )
}

impl TorchBaseline {
    /// `python` (by default `$UPTAKE_CACHE/venv-torch/bin/python`) running
    /// `scripts/bench-i3d-torch.py`.
    pub fn new(python: Option<PathBuf>) -> Self {
        Self {
            python: python
                .unwrap_or_else(|| uptake_core::cache_dir().join("venv-torch/bin/python")),
            script: torch_script(),
        }
    }
}

/// Our training step beside PyTorch's, and why PyTorch's did not run where it did not.
#[derive(Debug, Clone)]
pub struct BenchReport {
    /// Ours.
    pub ours: TrainStepBench,
    /// PyTorch's, one per batch size (None: not run); empty when skipped.
    pub torch: Vec<Option<TorchStep>>,
    /// Why PyTorch's side is missing, per failure (`PyTorch: ...`).
    pub notes: Vec<String>,
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let comparison = Comparison {
            ours: &self.ours,
            torch: &self.torch,
        };
        write!(f, "{comparison}")
    }
}

/// Times our step on `device` (chosen at run time) and PyTorch's where `baseline`'s Python
/// exists.
pub fn compare(
    config: &ModelConfig,
    settings: &BenchSettings,
    baseline: &TorchBaseline,
    device: Device,
) -> Result<BenchReport> {
    let ours = train_step_on(config, settings, device)?;
    let mut notes = Vec::new();
    let torch = if baseline.python.is_file() {
        let run = |&batch: &usize| torch_step(baseline, config, settings, batch);
        (settings.batch_sizes.iter().map(run))
            .map(|r| r.map_err(|e| notes.push(format!("PyTorch: {e}"))).ok())
            .collect()
    } else {
        notes.push(format!(
            "PyTorch: skipped ({} not found; a venv with torch there runs scripts/bench-i3d-torch.py)",
            baseline.python.display()
        ));
        Vec::new()
    };
    Ok(BenchReport { ours, torch, notes })
}

/// [`train_step`] on `device`, chosen at run time.
pub fn train_step_on(
    config: &ModelConfig,
    settings: &BenchSettings,
    device: Device,
) -> Result<TrainStepBench> {
    uptake_training::run_on(&[device], StepJob { config, settings })?
}

/// [`train_step`] for the backend of the device chosen.
struct StepJob<'a> {
    config: &'a ModelConfig,
    settings: &'a BenchSettings,
}

impl BackendJob for StepJob<'_> {
    type Output = Result<TrainStepBench>;

    fn run<B: Backend>(self, devices: &[B::Device]) -> Self::Output {
        train_step::<Autodiff<B>>(self.config, self.settings, &devices[0])
    }
}

/// `scripts/bench-i3d-torch.py` of this repository.
pub fn torch_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench-i3d-torch.py")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torch_output_is_read_from_its_last_line() {
        let out = "pytorch 2.15.0 (2 threads): 12 parameters, input 2x2x64x224x224; step mean 10.512 s, \
                   min 10.401 s over 3 steps; peak RSS 5120 MiB\n";
        let t = TorchStep::parse(2, out).unwrap();
        assert_eq!(
            (t.mean_seconds, t.min_seconds, t.peak_rss_mib),
            (10.512, 10.401, 5120.0)
        );
        assert!((t.seconds_per_exam() - 5.256).abs() < 1e-9);
        assert_eq!(TorchStep::parse(1, "Traceback ..."), None);
    }
}
