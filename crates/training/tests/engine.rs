//! The engine on a toy model (a line fitted to eight points, with dropout-free Adam steps on
//! shuffled mini-batches): resuming gives the weights of an uninterrupted run, a finished run
//! extends, a folder of other settings is refused, and patience stops a run.

use burn::backend::{Autodiff, Flex};
use burn::module::{Initializer, Module};
use burn::nn::{Linear, LinearConfig};
use burn::record::{BinFileRecorder, FullPrecisionSettings};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use rand::Rng;
use std::path::Path;
use uptake_training::{
    DataPlan, Epoch, NoMetrics, RunError, RunOptions, RunState, TrainEvent, Trainee, Validation,
    train,
};

type B = Autodiff<Flex>;
type Device = burn::tensor::Device<B>;

/// y = 3x - 1 on eight points; batches of two in an order drawn from the epoch's stream.
/// `scores`, when given, replaces the validation score of each epoch (1-based).
struct Line {
    points: usize,
    scores: Option<Vec<f64>>,
    validated: usize,
}

impl Line {
    fn new() -> Self {
        Self {
            points: 8,
            scores: None,
            validated: 0,
        }
    }
}

fn data<K: Backend>(idx: &[usize], device: &K::Device) -> (Tensor<K, 2>, Tensor<K, 2>) {
    let x: Vec<f32> = idx.iter().map(|&i| i as f32 / 8.0).collect();
    let y: Vec<f32> = x.iter().map(|x| 3.0 * x - 1.0).collect();
    let n = idx.len();
    (
        Tensor::from_data(TensorData::new(x, [n, 1]), device),
        Tensor::from_data(TensorData::new(y, [n, 1]), device),
    )
}

fn mse<K: Backend>(model: &Linear<K>, idx: &[usize]) -> Tensor<K, 1> {
    let (x, y) = data::<K>(idx, &model.weight.val().device());
    (model.forward(x) - y).powi_scalar(2).mean()
}

/// A line starting at y = 0.5 x + 0.5: no draw from the backend's generator, which the tests
/// running in parallel share.
fn fixed_line<K: Backend>(device: &K::Device) -> Linear<K> {
    LinearConfig::new(1, 1)
        .with_initializer(Initializer::Constant { value: 0.5 })
        .init(device)
}

fn recorder() -> BinFileRecorder<FullPrecisionSettings> {
    BinFileRecorder::new()
}

impl Trainee<B> for Line {
    type Model = Linear<B>;
    type Metrics = NoMetrics;
    type Error = RunError;

    fn settings(&self) -> serde_json::Value {
        serde_json::json!({ "points": self.points })
    }
    fn plan(&self) -> DataPlan {
        DataPlan {
            train_examples: self.points,
            validation_examples: self.points,
            batches_per_epoch: self.points / 2,
        }
    }
    fn start(&mut self, _: &Path, device: &Device) -> Result<Linear<B>, RunError> {
        Ok(fixed_line(device))
    }
    fn load(&mut self, dir: &Path, device: &Device) -> Result<Linear<B>, RunError> {
        Ok(fixed_line(device)
            .load_file(dir.join("line"), &recorder(), device)
            .unwrap())
    }
    fn save(&self, model: &Linear<B>, dir: &Path) -> Result<(), RunError> {
        model
            .clone()
            .save_file(dir.join("line"), &recorder())
            .unwrap();
        Ok(())
    }
    fn save_best(
        &self,
        model: &Linear<B>,
        dir: &Path,
        _: usize,
        _: Option<f64>,
    ) -> Result<(), RunError> {
        self.save(model, dir)
    }
    fn train_epoch(
        &mut self,
        mut model: Linear<B>,
        epoch: &mut Epoch<'_, B, Linear<B>>,
    ) -> Result<(Linear<B>, f64), RunError> {
        let mut order: Vec<usize> = (0..self.points).collect();
        uptake_core::seeded::shuffle(&mut order, &mut epoch.rng);
        let mut sum = 0.0;
        for pair in order.chunks(2) {
            // A draw that changes nothing but must come from the epoch's own stream.
            let _: u32 = epoch.rng.random();
            let loss = mse(&model, pair);
            let (next, value) = epoch.step(model, loss)?;
            (model, sum) = (next, sum + value);
        }
        Ok((model, sum / (self.points / 2) as f64))
    }
    fn validate(&mut self, model: &Linear<Flex>) -> Result<Validation<NoMetrics>, RunError> {
        self.validated += 1;
        let all: Vec<usize> = (0..self.points).collect();
        let loss = f64::from(mse(model, &all).into_scalar());
        let score = match &self.scores {
            Some(scores) => scores.get(self.validated - 1).copied(),
            None => Some(-loss),
        };
        Ok(Validation {
            score,
            metrics: NoMetrics {},
        })
    }
}

fn options(epochs: usize) -> RunOptions {
    RunOptions {
        epochs,
        seed: 11,
        learning_rate: 0.05,
        halve_every_epochs: Some(2),
        ..RunOptions::default()
    }
}

fn run(
    trainee: &mut Line,
    dir: &Path,
    options: &RunOptions,
) -> Result<RunState<NoMetrics>, RunError> {
    train::<B, _>(trainee, dir, options, &Default::default(), &mut |_| {})
}

fn weights(dir: &Path) -> (Vec<f32>, Vec<f32>) {
    let model = fixed_line::<Flex>(&Default::default())
        .load_file(dir.join("line"), &recorder(), &Default::default())
        .unwrap();
    let values = |t: Tensor<Flex, 1>| t.into_data().to_vec::<f32>().unwrap();
    (
        values(model.weight.val().flatten(0, 1)),
        values(model.bias.unwrap().val()),
    )
}

#[test]
fn a_run_resumed_after_an_interruption_ends_with_the_weights_of_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let (straight, resumed) = (dir.path().join("straight"), dir.path().join("resumed"));
    run(&mut Line::new(), &straight, &options(5)).unwrap();
    run(&mut Line::new(), &resumed, &options(2)).unwrap();
    let state = run(&mut Line::new(), &resumed, &options(5)).unwrap();
    assert_eq!(state.finished_epochs, 5);
    assert_eq!(
        weights(&straight.join("epoch-0005")),
        weights(&resumed.join("epoch-0005"))
    );
    let losses =
        |s: &RunState<NoMetrics>| s.history.iter().map(|r| r.train_loss).collect::<Vec<_>>();
    let straight_state = run(&mut Line::new(), &straight, &options(5)).unwrap();
    assert_eq!(losses(&state), losses(&straight_state));
    let lines = std::fs::read_to_string(resumed.join("metrics.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 5);
    assert!(
        !resumed.join("epoch-0002").exists(),
        "older checkpoints are pruned"
    );
}

#[test]
fn resuming_without_the_optimizer_state_is_refused_rather_than_inexact() {
    let dir = tempfile::tempdir().unwrap();
    run(&mut Line::new(), dir.path(), &options(1)).unwrap();
    std::fs::remove_file(dir.path().join("epoch-0001").join("optimizer.bin")).unwrap();
    let err = run(&mut Line::new(), dir.path(), &options(2))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("epoch-0001/optimizer.bin") && err.contains("missing"),
        "{err}"
    );
}

#[test]
fn a_finished_run_given_more_epochs_continues_where_it_ended() {
    let dir = tempfile::tempdir().unwrap();
    run(&mut Line::new(), dir.path(), &options(2)).unwrap();
    let mut events = Vec::new();
    let state = train::<B, _>(
        &mut Line::new(),
        dir.path(),
        &options(3),
        &Default::default(),
        &mut |e| events.push(e),
    )
    .unwrap();
    assert_eq!(state.finished_epochs, 3);
    let TrainEvent::Started {
        first_epoch,
        epochs,
        plan,
    } = &events[0]
    else {
        panic!("{:?}", events[0])
    };
    assert_eq!((*first_epoch, *epochs, plan.batches_per_epoch), (3, 3, 4));
    let batches = events
        .iter()
        .filter(|e| matches!(e, TrainEvent::Batch { epoch: 3, .. }))
        .count();
    assert_eq!(batches, 4);
    // The schedule continues too: epoch 3 of a halving every 2 epochs.
    let TrainEvent::Epoch(record) = events.last().unwrap() else {
        panic!()
    };
    assert_eq!((record.epoch, record.learning_rate), (3, 0.025));
}

#[test]
fn a_folder_holding_a_run_of_other_settings_is_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    run(&mut Line::new(), dir.path(), &options(1)).unwrap();
    let other = RunOptions {
        learning_rate: 0.1,
        ..options(2)
    };
    let mut more_points = Line::new();
    more_points.points = 6;
    let err = run(&mut more_points, dir.path(), &other)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("state.json") && err.contains("differs in: learning_rate, points"),
        "{err}"
    );
}

#[test]
fn a_run_without_a_better_score_for_its_patience_stops_and_stays_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let scored = |scores: Vec<f64>| Line {
        scores: Some(scores),
        ..Line::new()
    };
    let patient = RunOptions {
        patience_epochs: Some(2),
        ..options(8)
    };
    let mut stopped_at = None;
    let state = train::<B, _>(
        &mut scored(vec![0.5, 0.7, 0.6, 0.7, 0.9]),
        dir.path(),
        &patient,
        &Default::default(),
        &mut |e| {
            if let TrainEvent::EarlyStop { epoch } = e {
                stopped_at = Some(epoch)
            }
        },
    )
    .unwrap();
    assert_eq!(stopped_at, Some(4));
    assert_eq!(
        (state.finished_epochs, state.best_epoch, state.best_score),
        (4, Some(2), Some(0.7))
    );
    let again = run(
        &mut scored(vec![1.0]),
        dir.path(),
        &RunOptions {
            epochs: 9,
            ..patient
        },
    )
    .unwrap();
    assert_eq!(again.finished_epochs, 4);
}

#[test]
fn without_a_validation_score_the_latest_epoch_is_the_best() {
    let dir = tempfile::tempdir().unwrap();
    let mut unscored = Line {
        scores: Some(Vec::new()),
        ..Line::new()
    };
    let state = run(&mut unscored, dir.path(), &options(3)).unwrap();
    assert_eq!((state.best_epoch, state.best_score), (Some(3), None));
    assert_eq!(weights(dir.path()), weights(&dir.path().join("epoch-0003")));
}
