//! Data-parallel training with burn's collective, on the CPU: replicas are threads of this
//! process sharing the CPU device, as they would be GPUs of one machine. A small network (a
//! line through a hidden layer, fitted to twelve points) trained by two or three replicas with
//! batches of b ends with the weights of one device trained with batches of N x b; a replica
//! that dies stops the run, which then resumes from its last checkpoint.

use burn::backend::{Autodiff, Flex};
use burn::module::{Initializer, Module};
use burn::nn::{Linear, LinearConfig, Relu};
use burn::record::{BinFileRecorder, FullPrecisionSettings};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use std::path::Path;
use uptake_training::{
    DataPlan, Epoch, NoMetrics, Replica, RunError, RunOptions, RunState, TrainEvent, Trainee,
    Validation, train, train_replicated,
};

type B = Autodiff<Flex>;
type Device = burn::tensor::Device<B>;

const POINTS: usize = 12;

/// x -> relu(x w1 + b1) w2 + b2, four hidden units.
#[derive(Module, Debug)]
struct Net<B: Backend> {
    hidden: Linear<B>,
    out: Linear<B>,
    relu: Relu,
}

impl<B: Backend> Net<B> {
    /// Fixed starting weights (no draw from the backend's shared generator).
    fn new(device: &B::Device) -> Self {
        let layer = |i, o, value| {
            LinearConfig::new(i, o)
                .with_initializer(Initializer::Constant { value })
                .init(device)
        };
        Self {
            hidden: layer(1, 4, 0.3),
            out: layer(4, 1, -0.2),
            relu: Relu::new(),
        }
    }

    /// The sum of squared errors on `points` (indices into the data).
    fn squared_error(&self, points: &[usize]) -> Tensor<B, 1> {
        let device = self.out.weight.val().device();
        let x: Vec<f32> = points.iter().map(|&i| i as f32 / POINTS as f32).collect();
        let y: Vec<f32> = x.iter().map(|x| (3.0 * x - 1.0).abs()).collect();
        let n = points.len();
        let x = Tensor::<B, 2>::from_data(TensorData::new(x, [n, 1]), &device);
        let y = Tensor::<B, 2>::from_data(TensorData::new(y, [n, 1]), &device);
        let fit = self.out.forward(self.relu.forward(self.hidden.forward(x)));
        (fit - y).powi_scalar(2).sum()
    }
}

/// The network on the twelve points: each step takes a global batch drawn from the epoch's
/// stream and trains on this replica's part of it, its loss that part's squared errors over
/// the global batch's size. `panic_at`: (rank, epoch) where this replica dies.
struct Fit {
    replica: Replica,
    global_batch: usize,
    panic_at: Option<(usize, usize)>,
}

fn recorder() -> BinFileRecorder<FullPrecisionSettings> {
    BinFileRecorder::new()
}

impl Trainee<B> for Fit {
    type Model = Net<B>;
    type Metrics = NoMetrics;
    type Error = RunError;

    fn settings(&self) -> serde_json::Value {
        serde_json::json!({ "global_batch": self.global_batch })
    }
    fn plan(&self) -> DataPlan {
        DataPlan {
            train_examples: POINTS,
            validation_examples: POINTS,
            batches_per_epoch: POINTS / self.global_batch,
        }
    }
    fn start(&mut self, _: &Path, device: &Device) -> Result<Net<B>, RunError> {
        Ok(Net::new(device))
    }
    fn load(&mut self, dir: &Path, device: &Device) -> Result<Net<B>, RunError> {
        let net = Net::new(device).load_file(dir.join("net"), &recorder(), device);
        Ok(net.expect("the checkpoint the leader wrote"))
    }
    fn save(&self, model: &Net<B>, dir: &Path) -> Result<(), RunError> {
        assert!(self.replica.is_leader(), "only the leader writes");
        let saved = model.clone().save_file(dir.join("net"), &recorder());
        saved.expect("the checkpoint is written");
        Ok(())
    }
    fn save_best(
        &self,
        model: &Net<B>,
        dir: &Path,
        _: usize,
        _: Option<f64>,
    ) -> Result<(), RunError> {
        self.save(model, dir)
    }
    fn train_epoch(
        &mut self,
        mut model: Net<B>,
        epoch: &mut Epoch<'_, B, Net<B>>,
    ) -> Result<(Net<B>, f64), RunError> {
        if self.panic_at == Some((self.replica.rank(), epoch.number)) {
            panic!("device lost");
        }
        let mut order: Vec<usize> = (0..POINTS).collect();
        uptake_core::seeded::shuffle(&mut order, &mut epoch.rng);
        let mut sum = 0.0;
        for batch in order.chunks(self.global_batch) {
            let part = &batch[self.replica.part(batch.len())];
            let loss = model.squared_error(part).div_scalar(batch.len() as f64);
            let (next, value) = epoch.step(model, loss)?;
            (model, sum) = (next, sum + value);
        }
        Ok((model, sum / (POINTS / self.global_batch) as f64))
    }
    fn validate(&mut self, model: &Net<Flex>) -> Result<Validation<NoMetrics>, RunError> {
        assert!(self.replica.is_leader(), "only the leader validates");
        let all: Vec<usize> = (0..POINTS).collect();
        let loss = f64::from(model.squared_error(&all).into_scalar()) / POINTS as f64;
        Ok(Validation {
            score: Some(-loss),
            metrics: NoMetrics {},
        })
    }
}

fn options(epochs: usize) -> RunOptions {
    RunOptions {
        epochs,
        seed: 5,
        learning_rate: 0.05,
        ..RunOptions::default()
    }
}

/// One device with batches of `global_batch`.
fn alone(dir: &Path, global_batch: usize, epochs: usize) -> RunState<NoMetrics> {
    let mut fit = Fit {
        replica: Replica::ALONE,
        global_batch,
        panic_at: None,
    };
    train::<B, _>(
        &mut fit,
        dir,
        &options(epochs),
        &Default::default(),
        &mut |_| {},
    )
    .unwrap()
}

/// `replicas` replicas on the CPU, batches of `global_batch` in all.
fn replicated(
    dir: &Path,
    replicas: usize,
    global_batch: usize,
    epochs: usize,
    panic_at: Option<(usize, usize)>,
    events: &mut Vec<TrainEvent<NoMetrics>>,
) -> Result<RunState<NoMetrics>, RunError> {
    let make = |replica, _: &Device| Fit {
        replica,
        global_batch,
        panic_at,
    };
    let devices = vec![Device::default(); replicas];
    train_replicated::<B, _, _>(make, dir, &options(epochs), &devices, None, &mut |e| {
        events.push(e)
    })
}

/// The network's values in a checkpoint folder.
fn weights(dir: &Path) -> Vec<f32> {
    let device = Default::default();
    let net = Net::<Flex>::new(&device)
        .load_file(dir.join("net"), &recorder(), &device)
        .unwrap();
    let mut values = Vec::new();
    for linear in [net.hidden, net.out] {
        values.extend(linear.weight.val().into_data().to_vec::<f32>().unwrap());
        values.extend(
            linear
                .bias
                .unwrap()
                .val()
                .into_data()
                .to_vec::<f32>()
                .unwrap(),
        );
    }
    values
}

fn assert_close(a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-5 * (1.0 + x.abs()), "{a:?}\n{b:?}");
    }
}

#[test]
fn n_replicas_with_batches_of_b_end_with_the_weights_of_one_device_with_batches_of_n_b() {
    let dir = tempfile::tempdir().unwrap();
    for (replicas, global_batch) in [(2, 4), (3, 6)] {
        let one = dir.path().join(format!("one-{global_batch}"));
        let many = dir.path().join(format!("replicas-{replicas}"));
        let single = alone(&one, global_batch, 3);
        let mut events = Vec::new();
        let state = replicated(&many, replicas, global_batch, 3, None, &mut events).unwrap();
        assert_eq!(state.finished_epochs, 3);
        assert_close(
            &weights(&many.join("epoch-0003")),
            &weights(&one.join("epoch-0003")),
        );
        // Every step's loss is the whole batch's loss, as one device computes it.
        for (a, b) in state.history.iter().zip(&single.history) {
            assert!((a.train_loss - b.train_loss).abs() < 1e-5, "{a:?} {b:?}");
        }
        let batches = events
            .iter()
            .filter(|e| matches!(e, TrainEvent::Batch { .. }));
        assert_eq!(batches.count(), 3 * POINTS / global_batch);
        assert_ne!(
            weights(&many.join("epoch-0003")),
            Net::<Flex>::new(&Default::default())
                .out
                .weight
                .val()
                .into_data()
                .to_vec::<f32>()
                .unwrap()
        );
    }
}

#[test]
fn a_replica_that_dies_stops_the_run_which_then_resumes_from_its_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (broken, straight) = (dir.path().join("broken"), dir.path().join("straight"));
    let err = replicated(&broken, 2, 4, 3, Some((1, 2)), &mut Vec::new()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("replica 1 (Cpu) failed: panicked: device lost"),
        "{message}"
    );
    assert!(
        message.contains("epoch-0001") && message.contains("run the same command again"),
        "{message}"
    );
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(broken.join("state.json")).unwrap()).unwrap();
    assert_eq!(state["finished_epochs"], 1);

    let mut events = Vec::new();
    let resumed = replicated(&broken, 2, 4, 3, None, &mut events).unwrap();
    let TrainEvent::Started { first_epoch, .. } = events[0] else {
        panic!("{:?}", events[0])
    };
    assert_eq!((first_epoch, resumed.finished_epochs), (2, 3));
    replicated(&straight, 2, 4, 3, None, &mut Vec::new()).unwrap();
    assert_eq!(
        weights(&broken.join("epoch-0003")),
        weights(&straight.join("epoch-0003"))
    );
}
