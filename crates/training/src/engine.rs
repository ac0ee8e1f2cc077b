//! The run itself: resume or start, then epoch after epoch train, validate, checkpoint.

use crate::error::RunError;
use crate::optimizer::{
    AdamOptimizer, OPTIMIZER_FILE, adam, load_optimizer, save_optimizer, with_stable_ids,
};
use crate::options::{BackendSeeding, RunOptions};
use crate::record::{EpochRecord, TrainEvent};
use crate::replica::Seat;
use crate::run_dir::{RunDir, RunState, checkpoint_name};
use crate::trainee::{Epoch, Trainee};
use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use std::path::Path;
use std::time::Instant;

/// The callback a run reports its events to.
pub type OnEvent<'a, M> = &'a mut dyn FnMut(TrainEvent<M>);

/// Trains `trainee` in the run folder `dir` for `options.epochs` epochs, resuming the run the
/// folder holds (exactly: the weights, Adam's moments, the schedule and the random streams all
/// continue as if uninterrupted). A finished run is extended when given more epochs; a run
/// stopped early stays stopped; a run of other settings is refused. Returns the final state.
pub fn train<B, T>(
    trainee: &mut T,
    dir: &Path,
    options: &RunOptions,
    device: &B::Device,
    on_event: OnEvent<'_, T::Metrics>,
) -> Result<RunState<T::Metrics>, T::Error>
where
    B: AutodiffBackend,
    T: Trainee<B>,
{
    run(trainee, dir, options, device, Seat::ALONE, on_event)
}

/// [`train`] as the replica of `seat`: a follower reads the run folder but writes nothing,
/// and learns the leader's decision to stop after each epoch.
pub(crate) fn run<B, T>(
    trainee: &mut T,
    dir: &Path,
    options: &RunOptions,
    device: &B::Device,
    seat: Seat,
    on_event: OnEvent<'_, T::Metrics>,
) -> Result<RunState<T::Metrics>, T::Error>
where
    B: AutodiffBackend,
    T: Trainee<B>,
{
    if options.epochs == 0 {
        return Err(RunError::BadOptions("epochs must be at least 1".into()).into());
    }
    let run = RunDir::new(dir);
    let settings = serde_json::json!({
        "run": options.resumable_part(),
        "model": trainee.settings(),
    });
    let previous = run.read_state::<T::Metrics>()?;
    if let Some(state) = &previous {
        same_settings(&state.settings, &settings, &run)?;
    }
    if options.backend_seeding == BackendSeeding::PerEpoch {
        B::seed(device, options.seed);
    }
    let (mut model, mut optim, mut state) = match previous {
        Some(state) if state.finished_epochs > 0 => {
            let (model, optim) = resume(trainee, &run, &state, options, device)?;
            (model, optim, state)
        }
        _ => {
            if seat.writes() {
                std::fs::create_dir_all(dir).map_err(|e| RunError::io(dir, e))?;
            }
            let model = with_stable_ids(trainee.start(dir, device)?);
            (model, adam(options.adam_epsilon), fresh_state(settings))
        }
    };
    on_event(TrainEvent::Started {
        first_epoch: state.finished_epochs + 1,
        epochs: options.epochs,
        plan: trainee.plan(),
    });
    while !state.stopped && state.finished_epochs < options.epochs {
        let mut epoch = Running {
            run: &run,
            options,
            device,
            seat,
            optim: &mut optim,
            state: &mut state,
            on_event: &mut *on_event,
        };
        model = epoch.run(trainee, model)?;
    }
    Ok(state)
}

fn fresh_state<M>(settings: serde_json::Value) -> RunState<M> {
    RunState {
        settings,
        finished_epochs: 0,
        best_epoch: None,
        best_score: None,
        stopped: false,
        checkpoint: None,
        history: Vec::new(),
    }
}

/// A model with its optimizer.
type Resumed<M, B> = (M, AdamOptimizer<M, B>);

/// The model and optimizer of the run's last checkpoint.
fn resume<B: AutodiffBackend, T: Trainee<B>>(
    trainee: &mut T,
    run: &RunDir,
    state: &RunState<T::Metrics>,
    options: &RunOptions,
    device: &B::Device,
) -> Result<Resumed<T::Model, B>, T::Error> {
    let Some(name) = &state.checkpoint else {
        return Err(RunError::NoCheckpoint {
            state: run.state_file(),
        }
        .into());
    };
    let checkpoint = run.path().join(name);
    let model = with_stable_ids(trainee.load(&checkpoint, device)?);
    let optim = load_optimizer(
        adam(options.adam_epsilon),
        &model,
        &checkpoint.join(OPTIMIZER_FILE),
        device,
    )?;
    Ok((model, optim))
}

/// Refuses to resume a run whose settings differ, naming what differs.
fn same_settings(
    old: &serde_json::Value,
    new: &serde_json::Value,
    run: &RunDir,
) -> Result<(), RunError> {
    let mut differences = Vec::new();
    for part in ["run", "model"] {
        differing_keys(&old[part], &new[part], "", &mut differences);
    }
    if differences.is_empty() {
        return Ok(());
    }
    Err(RunError::OtherSettings {
        state: run.state_file(),
        differences,
    })
}

/// The dotted paths of the fields where two JSON values differ.
fn differing_keys(a: &serde_json::Value, b: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match (a.as_object(), b.as_object()) {
        (Some(a), Some(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            let null = serde_json::Value::Null;
            for key in keys {
                let inner = match path {
                    "" => key.clone(),
                    p => format!("{p}.{key}"),
                };
                let (x, y) = (a.get(key).unwrap_or(&null), b.get(key).unwrap_or(&null));
                differing_keys(x, y, &inner, out);
            }
        }
        _ if a != b => out.push(match path {
            "" => "settings".to_string(),
            p => p.to_string(),
        }),
        _ => {}
    }
}

/// One epoch of a run, with what it changes.
struct Running<'a, B: AutodiffBackend, M: AutodiffModule<B>, R> {
    run: &'a RunDir,
    options: &'a RunOptions,
    device: &'a B::Device,
    seat: Seat,
    optim: &'a mut AdamOptimizer<M, B>,
    state: &'a mut RunState<R>,
    on_event: OnEvent<'a, R>,
}

impl<B: AutodiffBackend, M: AutodiffModule<B>, R: Clone + serde::Serialize> Running<'_, B, M, R> {
    /// Trains, validates and checkpoints the next epoch; returns the model after it. In a
    /// data-parallel run the leader validates and checkpoints, and the others learn whether it
    /// stopped.
    fn run<T>(&mut self, trainee: &mut T, model: M) -> Result<M, T::Error>
    where
        T: Trainee<B, Model = M, Metrics = R>,
    {
        let number = self.state.finished_epochs + 1;
        let started = Instant::now();
        let (model, train_loss) = self.train(trainee, model, number)?;
        if self.seat.writes() {
            self.validate(trainee, &model, number, train_loss, started)?;
        } else {
            self.state.finished_epochs = number;
        }
        let stopped = self.state.stopped;
        self.state.stopped = self.seat.leaders::<B::InnerBackend>(stopped, self.device)?;
        Ok(model)
    }

    /// Validates, keeps the best model and checkpoints the epoch just trained.
    fn validate<T>(
        &mut self,
        trainee: &mut T,
        model: &M,
        number: usize,
        train_loss: f64,
        started: Instant,
    ) -> Result<(), T::Error>
    where
        T: Trainee<B, Model = M, Metrics = R>,
    {
        let validation = trainee.validate(&model.valid())?;
        let improved = match (validation.score, self.state.best_score) {
            (Some(a), Some(b)) => a > b,
            (Some(_), None) | (None, None) => true,
            (None, Some(_)) => false,
        };
        if improved {
            self.state.best_epoch = Some(number);
            self.state.best_score = validation.score;
            trainee.save_best(model, self.run.path(), number, validation.score)?;
        }
        let record = EpochRecord {
            epoch: number,
            learning_rate: self.options.learning_rate_at(number),
            train_loss,
            validation_score: validation.score,
            best_epoch: self.state.best_epoch.unwrap_or(number),
            seconds: started.elapsed().as_secs_f64(),
            metrics: validation.metrics,
        };
        self.checkpoint(trainee, model, record)
    }

    /// The epoch's training, with its learning rate and seeds.
    fn train<T>(&mut self, trainee: &mut T, model: M, number: usize) -> Result<(M, f64), T::Error>
    where
        T: Trainee<B, Model = M, Metrics = R>,
    {
        if self.options.backend_seeding == BackendSeeding::PerEpoch {
            B::seed(self.device, self.options.backend_seed(number));
        }
        let on_event = &mut *self.on_event;
        let mut on_batch = |batch, loss| {
            on_event(TrainEvent::Batch {
                epoch: number,
                batch,
                loss,
            })
        };
        let mut epoch = Epoch {
            number,
            learning_rate: self.options.learning_rate_at(number),
            rng: self.options.epoch_rng(number),
            replica: self.seat.replica,
            peer: self.seat.peer,
            optim: &mut *self.optim,
            on_batch: &mut on_batch,
            batches: 0,
        };
        trainee.train_epoch(model, &mut epoch)
    }

    /// Saves the epoch's checkpoint and records it, the state last.
    fn checkpoint<T>(
        &mut self,
        trainee: &T,
        model: &M,
        record: EpochRecord<R>,
    ) -> Result<(), T::Error>
    where
        T: Trainee<B, Model = M, Metrics = R>,
    {
        let number = record.epoch;
        let dir = self.run.checkpoint(number);
        std::fs::create_dir_all(&dir).map_err(|e| RunError::io(&dir, e))?;
        trainee.save(model, &dir)?;
        save_optimizer(self.optim, &dir.join(OPTIMIZER_FILE))?;
        let state = &mut *self.state;
        state.history.truncate(number - 1);
        state.history.push(record.clone());
        state.finished_epochs = number;
        state.checkpoint = Some(checkpoint_name(number));
        let best = state.best_epoch.unwrap_or(number);
        let patience_over = self
            .options
            .patience_epochs
            .is_some_and(|p| number - best >= p.max(1));
        if patience_over {
            state.stopped = true;
            (self.on_event)(TrainEvent::EarlyStop { epoch: number });
        }
        self.run.commit(state)?;
        (self.on_event)(TrainEvent::Epoch(record));
        Ok(())
    }
}
