//! How fast training's loading is, alone (`uptake bench loader`; printed, never asserted): exams
//! read from the store, cropped and resampled onto the network grid and stacked into batches by
//! the code training uses (the loader and its background threads), with the crops of training's
//! augmentation so that every exam is prepared anew as in an epoch of a large cohort, beside
//! the rate of one training step of the same batches, so one sees which side bounds training.

use std::time::Instant;

use uptake_training::Device;

use crate::bench::{BenchSettings, train_step_on};
use crate::data::{Augment, Prepared, VolumeSource, batch};
use crate::error::{Result, ScanModelError};
use crate::loader::Loader;
use crate::prefetch::{Draw, LoaderSettings, for_each_batch};
use crate::presets::NetworkSettings;

/// Where the step rate beside the loading comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum StepTiming {
    /// One training step (after a warm-up step) of the network on this device, on batches of
    /// the loaded exams' mean depth.
    Measure(Device),
    /// Seconds per step of a batch, measured elsewhere (`uptake bench scan-model` on a GPU) or
    /// estimated.
    Given {
        /// Seconds per step of a batch of `batch_size`.
        seconds_per_step: f64,
    },
}

impl StepTiming {
    /// Given `seconds_per_step` where known, else measured on `device`.
    pub fn given_or_measured(seconds_per_step: Option<f64>, device: Device) -> Self {
        seconds_per_step.map_or(Self::Measure(device), |seconds_per_step| Self::Given {
            seconds_per_step,
        })
    }
}

/// How [`bench_loader`] measures.
#[derive(Debug, Clone, PartialEq)]
pub struct LoaderBenchSettings {
    /// The network whose grid exams are prepared for (in-plane pixels, slice step).
    pub network: NetworkSettings,
    /// Exams per batch.
    pub batch_size: usize,
    /// Background threads preparing batches, as training's `--loader-workers` (0: on the
    /// calling thread).
    pub workers: usize,
    /// The step rate to compare with.
    pub step: StepTiming,
}

/// What [`bench_loader`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LoaderBench {
    /// Exams loaded.
    pub exams: usize,
    /// Exams per batch.
    pub batch_size: usize,
    /// Background threads.
    pub workers: usize,
    /// Pixels per side of the network grid.
    pub in_plane: usize,
    /// Mean slices per exam on the network grid.
    pub mean_slices: f64,
    /// Seconds the loading took.
    pub seconds: f64,
    /// Seconds per training step of a batch.
    pub step_seconds: f64,
    /// True when the step was timed here; false when given.
    pub step_measured: bool,
}

impl LoaderBench {
    /// Exams loaded per second.
    pub fn loading_exams_per_second(&self) -> f64 {
        self.exams as f64 / self.seconds.max(1e-9)
    }

    /// Exams per second the training step consumes.
    pub fn step_exams_per_second(&self) -> f64 {
        self.batch_size as f64 / self.step_seconds.max(1e-9)
    }

    /// How many times faster loading is than the step consumes (> 1: the step bounds training).
    pub fn headroom(&self) -> f64 {
        self.loading_exams_per_second() / self.step_exams_per_second().max(1e-12)
    }
}

/// The loading rate, the step rate and which bounds training.
impl std::fmt::Display for LoaderBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.in_plane;
        writeln!(
            f,
            "loading:       {:>8.2} exams/s ({} exams, {} x {} x {:.0} slices, batches of {}, {} worker(s), {:.2} s)",
            self.loading_exams_per_second(),
            self.exams,
            s,
            s,
            self.mean_slices,
            self.batch_size,
            self.workers,
            self.seconds
        )?;
        let how = if self.step_measured {
            "timed here"
        } else {
            "given"
        };
        writeln!(
            f,
            "training step: {:>8.2} exams/s ({:.3} s per step of {}, {how})",
            self.step_exams_per_second(),
            self.step_seconds,
            self.batch_size
        )?;
        let bound = if self.headroom() >= 1.0 {
            "the step"
        } else {
            "loading"
        };
        write!(
            f,
            "loading is {:.1}x what the step needs: {bound} bounds training",
            self.headroom()
        )
    }
}

/// Loads every exam of `source` once in batches as training does (crops drawn from seed 0,
/// background threads) and times it, then times or takes the training step of such batches.
pub fn bench_loader(
    source: &dyn VolumeSource,
    settings: &LoaderBenchSettings,
) -> Result<LoaderBench> {
    if let StepTiming::Given {
        seconds_per_step: s,
    } = settings.step
        && !(s.is_finite() && s > 0.0)
    {
        let what = format!("a training step of {s} s: give a positive number of seconds");
        return Err(ScanModelError::Config(what));
    }
    let exams = source.exam_ids();
    if exams.is_empty() {
        return Err(ScanModelError::MissingExam(
            "any exam: the store is empty".into(),
        ));
    }
    let config = settings.network.model_config(vec!["task".into()]);
    let mut rng = uptake_core::seeded::rng(0);
    let n = settings.batch_size.max(1);
    let plan: Vec<Vec<Draw>> = (exams.chunks(n))
        .map(|chunk| {
            (chunk.iter())
                .map(|exam| Draw {
                    exam: exam.clone(),
                    augment: Some(Augment::sample(&mut rng, config.in_plane)),
                })
                .collect()
        })
        .collect();
    let loader = Loader::new(source, &config);
    let (mut loaded, mut slices) = (0, 0);
    let started = Instant::now();
    let threads = LoaderSettings {
        workers: settings.workers,
        ..LoaderSettings::default()
    };
    for_each_batch(&loader, &plan, &threads, &mut |prepared| {
        let refs: Vec<&Prepared> = prepared.iter().map(|p| &**p).collect();
        let b = std::hint::black_box(batch(&refs));
        loaded += refs.len();
        slices += b.valid_slices.iter().sum::<usize>();
        Ok(())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let mean_slices = slices as f64 / loaded.max(1) as f64;
    let (step_seconds, step_measured) = match &settings.step {
        StepTiming::Given { seconds_per_step } => (*seconds_per_step, false),
        StepTiming::Measure(device) => {
            let step = BenchSettings {
                slices: (mean_slices.round() as usize).max(1),
                steps: 1,
                batch_sizes: vec![n],
                profile: false,
            };
            let timed = train_step_on(&config, &step, *device)?;
            (timed.runs[0].mean_seconds(), true)
        }
    };
    Ok(LoaderBench {
        exams: loaded,
        batch_size: n,
        workers: settings.workers,
        in_plane: config.in_plane,
        mean_slices,
        seconds,
        step_seconds,
        step_measured,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{MemoryStore, ModelVolume};
    use crate::presets::SizePreset;
    use uptake_core::ExamId;

    fn volume(id: &str, slices: usize) -> ModelVolume {
        let n = slices * 40 * 40;
        ModelVolume {
            exam_id: ExamId::new(id).unwrap(),
            shape: [slices, 40, 40],
            spacing_mm: [4.0, 4.0, 4.0],
            origin_mm: [0.0; 3],
            ct: vec![0.0; n],
            pet: vec![1.0; n],
        }
    }

    #[test]
    fn every_exam_is_loaded_once_onto_the_grid_and_set_against_the_step() {
        let store = MemoryStore::new([volume("A", 8), volume("B", 8), volume("C", 4)]);
        let settings = LoaderBenchSettings {
            network: NetworkSettings {
                size: SizePreset::Tiny,
                ..NetworkSettings::default()
            },
            batch_size: 2,
            workers: 1,
            step: StepTiming::given_or_measured(Some(4.0), Device::Cpu),
        };
        let bench = bench_loader(&store, &settings).unwrap();
        // The tiny preset merges slices in pairs onto 32 x 32 pixels.
        assert_eq!((bench.exams, bench.in_plane), (3, 32));
        assert!(
            (bench.mean_slices - 10.0 / 3.0).abs() < 1e-9,
            "{}",
            bench.mean_slices
        );
        assert!((bench.step_exams_per_second() - 0.5).abs() < 1e-12);
        assert!(!bench.step_measured);
        let text = bench.to_string();
        assert!(
            text.contains("0.500 exams/s") || text.contains("0.50 exams/s"),
            "{text}"
        );
        assert!(text.ends_with("the step bounds training"), "{text}");
    }

    #[test]
    fn a_step_of_no_positive_time_is_refused_before_loading() {
        let settings = LoaderBenchSettings {
            network: NetworkSettings::default(),
            batch_size: 1,
            workers: 0,
            step: StepTiming::given_or_measured(Some(0.0), Device::Cpu),
        };
        let err = bench_loader(&MemoryStore::new([]), &settings).unwrap_err();
        assert!(
            err.to_string()
                .contains("give a positive number of seconds"),
            "{err}"
        );
    }

    #[test]
    fn loading_bounds_training_when_slower_than_the_step_consumes() {
        let bench = LoaderBench {
            exams: 4,
            batch_size: 2,
            workers: 2,
            in_plane: 224,
            mean_slices: 212.0,
            seconds: 5.0,
            step_seconds: 0.5,
            step_measured: true,
        };
        assert!((bench.headroom() - 0.2).abs() < 1e-12);
        assert!(
            bench
                .to_string()
                .ends_with("is 0.2x what the step needs: loading bounds training")
        );
    }
}
