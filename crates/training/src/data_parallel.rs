//! Data-parallel training with burn's collective (burn-collective): one replica per device,
//! each a thread of this process running the engine on its part of every batch, the gradients
//! summed across replicas before each step; with [`Nodes`], the replicas of several machines
//! (one process each) join through burn's orchestrator ([`run_orchestrator`]).
//!
//! A replica that fails stops the run: the others are woken from the collective and stop too,
//! and the error names the replica and where the run resumes (the last epoch's checkpoint,
//! which the leader wrote before the failure could reach it).

use crate::engine::run;
use crate::error::RunError;
use crate::options::RunOptions;
use crate::record::TrainEvent;
use crate::replica::{Replica, Seat, collective_error};
use crate::run_dir::{RunDir, RunState};
use crate::trainee::Trainee;
use burn::collective::{CollectiveConfig, PeerId};
use burn::tensor::backend::AutodiffBackend;
use std::path::Path;
use std::sync::Mutex;

/// The machines of a run over several (a run on one machine needs none): each runs `uptake
/// train` with the same options, its own `rank`, and replicas on its own devices (the same
/// number on each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nodes {
    /// Machines in the run.
    pub count: u32,
    /// This machine (0-based); the first replica of machine 0 writes the run folder, which
    /// must be on storage every machine reads.
    pub rank: u32,
    /// The orchestrator's address, e.g. `ws://node0:3000` ([`run_orchestrator`]).
    pub orchestrator: String,
    /// The address the other machines reach this one at, e.g. `ws://node1:3001`.
    pub address: String,
    /// The port of `address`: this machine serves its tensors there.
    pub data_port: u16,
}

/// A `--nodes` text that is not `RANK/COUNT,ORCHESTRATOR,ADDRESS`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "nodes `{0}`: expected RANK/COUNT,ORCHESTRATOR,ADDRESS, e.g. 1/2,ws://node0:3000,ws://node1:3001 \
     (this machine's rank from 0, the orchestrator's address, this machine's address with the port it serves)"
)]
pub struct NodesParseError(String);

/// `RANK/COUNT,ORCHESTRATOR,ADDRESS`: this machine's rank (from 0) of the count, the
/// orchestrator's address and this machine's, whose port is [`Nodes::data_port`].
impl std::str::FromStr for Nodes {
    type Err = NodesParseError;

    fn from_str(text: &str) -> Result<Self, NodesParseError> {
        let bad = || NodesParseError(text.to_string());
        let mut parts = text.split(',').map(str::trim);
        let (Some(ranks), Some(orchestrator), Some(address), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let (rank, count) = ranks.split_once('/').ok_or_else(bad)?;
        let port = address
            .trim_end_matches('/')
            .rsplit_once(':')
            .ok_or_else(bad)?
            .1;
        let nodes = Nodes {
            rank: rank.parse().map_err(|_| bad())?,
            count: count.parse().map_err(|_| bad())?,
            orchestrator: orchestrator.to_string(),
            address: address.to_string(),
            data_port: port.parse().map_err(|_| bad())?,
        };
        (nodes.rank < nodes.count).then_some(nodes).ok_or_else(bad)
    }
}

impl Nodes {
    /// burn's collective settings for `local` replicas on this machine.
    fn config(nodes: Option<&Nodes>, local: usize) -> Result<CollectiveConfig, RunError> {
        let config = CollectiveConfig::default().with_num_devices(local);
        let Some(n) = nodes else {
            return Ok(config);
        };
        if n.rank >= n.count {
            return Err(RunError::Nodes(format!(
                "machine rank {} of {} machines (ranks start at 0)",
                n.rank, n.count
            )));
        }
        let address = |text: &str| -> Result<burn_communication::Address, RunError> {
            text.parse()
                .map_err(|e| RunError::Nodes(format!("address `{text}`: {e}")))
        };
        Ok(config
            .with_num_nodes(n.count)
            .with_global_address(address(&n.orchestrator)?)
            .with_node_address(address(&n.address)?)
            .with_data_service_port(n.data_port))
    }
}

/// One data-parallel run at a time per process: burn keeps one collective per backend.
static ONE_RUN: Mutex<()> = Mutex::new(());

/// Trains one replica per device of `devices` (and of every machine of `nodes`) in the run
/// folder `dir`: `make` builds each replica's trainee for its device (every replica must
/// start from the same weights). Each epoch every replica draws the same global batches and trains on its part
/// ([`crate::Epoch::step`] sums the gradients), so N replicas with batches of b train as one
/// device with batches of N x b. The leader (replica 0) validates, checkpoints and reports
/// events to `on_event`; the first replica of another machine reports its batches there. A
/// failing replica stops the run with [`RunError::ReplicaFailed`]; the same call resumes it.
pub fn train_replicated<B, T, F>(
    make: F,
    dir: &Path,
    options: &RunOptions,
    devices: &[B::Device],
    nodes: Option<&Nodes>,
    on_event: &mut dyn FnMut(TrainEvent<T::Metrics>),
) -> Result<RunState<T::Metrics>, T::Error>
where
    B: AutodiffBackend,
    T: Trainee<B>,
    T::Error: std::fmt::Display + Send,
    T::Metrics: Send,
    F: Fn(Replica, &B::Device) -> T + Sync,
{
    let config = Nodes::config(nodes, devices.len())?;
    let first_rank = nodes.map_or(0, |n| n.rank as usize) * devices.len();
    let count = devices.len() * nodes.map_or(1, |n| n.count as usize);
    let _one_run = ONE_RUN.lock().unwrap_or_else(|e| e.into_inner());
    burn::collective::reset_collective::<B::InnerBackend>();
    let failures = Failures::default();
    let job = ReplicaJob {
        make: &make,
        dir,
        options,
        config: &config,
        failures: &failures,
    };
    let outcome = std::thread::scope(|scope| {
        let others: Vec<_> = devices
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, device)| {
                let replica = Replica::new(first_rank + i, count).expect("rank below count");
                let job = &job;
                std::thread::Builder::new()
                    .name(format!("replica {}", replica.rank()))
                    .stack_size(64 << 20)
                    .spawn_scoped(scope, move || job.run(replica, device, &mut |_| {}))
                    .expect("a thread for the replica")
            })
            .collect();
        let first = Replica::new(first_rank, count).expect("rank below count");
        let outcome = job.run(first, &devices[0], on_event);
        for handle in others {
            // A replica's panics are caught in `ReplicaJob::run`.
            let _ = handle.join();
        }
        outcome
    });
    match failures.first() {
        Some((rank, cause)) => Err(failed(rank, devices, first_rank, cause, dir).into()),
        None => outcome.ok_or_else(|| {
            RunError::ReplicasLost {
                problem: "the first replica ended without a result".into(),
            }
            .into()
        }),
    }
}

/// The error of a run that replica `rank` stopped.
fn failed<D: std::fmt::Debug>(
    rank: usize,
    devices: &[D],
    first_rank: usize,
    cause: String,
    dir: &Path,
) -> RunError {
    let device = devices
        .get(rank.wrapping_sub(first_rank))
        .map_or_else(|| "another machine".to_string(), |d| format!("{d:?}"));
    let resume = match RunDir::new(dir).last_checkpoint() {
        Ok(Some(checkpoint)) => format!(
            "after its last checkpoint, {}; run the same command again to resume from there",
            checkpoint.display()
        ),
        _ => "before its first checkpoint; run the same command again to start it".into(),
    };
    RunError::ReplicaFailed {
        rank,
        device,
        cause,
        resume,
    }
}

/// The first replica to fail, and why: the others fail after it, woken from the collective.
#[derive(Default)]
struct Failures(Mutex<Option<(usize, String)>>);

impl Failures {
    fn record(&self, rank: usize, cause: String) {
        let mut first = self.0.lock().unwrap_or_else(|e| e.into_inner());
        first.get_or_insert((rank, cause));
    }

    fn first(&self) -> Option<(usize, String)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// What every replica of a run shares.
struct ReplicaJob<'a, F> {
    make: &'a F,
    dir: &'a Path,
    options: &'a RunOptions,
    config: &'a CollectiveConfig,
    failures: &'a Failures,
}

impl<F> ReplicaJob<'_, F> {
    /// Runs `replica` on `device`; `None` when it failed (recorded, and the collective reset so
    /// that the other replicas stop instead of waiting for this one).
    fn run<B, T>(
        &self,
        replica: Replica,
        device: &B::Device,
        on_event: &mut dyn FnMut(TrainEvent<T::Metrics>),
    ) -> Option<RunState<T::Metrics>>
    where
        B: AutodiffBackend,
        T: Trainee<B>,
        T::Error: std::fmt::Display,
        F: Fn(Replica, &B::Device) -> T,
    {
        let peer = PeerId::from(replica.rank());
        let body = std::panic::AssertUnwindSafe(|| -> Result<_, T::Error> {
            burn::collective::register::<B::InnerBackend>(
                peer,
                device.clone(),
                self.config.clone(),
            )
            .map_err(collective_error)?;
            let mut trainee = (self.make)(replica, device);
            let seat = Seat {
                replica,
                peer: Some(peer),
            };
            run(&mut trainee, self.dir, self.options, device, seat, on_event)
        });
        let cause = match std::panic::catch_unwind(body) {
            Ok(Ok(state)) => {
                let _ = burn::collective::finish_collective::<B::InnerBackend>(peer);
                return Some(state);
            }
            Ok(Err(error)) => error.to_string(),
            Err(panic) => format!("panicked: {}", crate::device::panic_text(panic.as_ref())),
        };
        self.failures.record(replica.rank(), cause);
        burn::collective::reset_collective::<B::InnerBackend>();
        None
    }
}

/// Runs burn's orchestrator on `port` until the process is interrupted: the machines of a
/// run over several ([`Nodes::orchestrator`]) register with it and learn each other.
pub fn run_orchestrator(port: u16) -> Result<(), RunError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| RunError::Nodes(format!("cannot start the orchestrator's runtime: {e}")))?;
    runtime.block_on(burn_collective::start_global_orchestrator(port));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_parse_from_rank_count_and_both_addresses() {
        let nodes: Nodes = "1/2,ws://node0:3000,ws://node1:3001".parse().unwrap();
        let expected = Nodes {
            count: 2,
            rank: 1,
            orchestrator: "ws://node0:3000".into(),
            address: "ws://node1:3001".into(),
            data_port: 3001,
        };
        assert_eq!(nodes, expected);
        for bad in [
            "2/2,ws://a:1,ws://b:2",
            "1/2,ws://a:1",
            "1/2,ws://a:1,ws://b",
            "x/2,a,b:1",
        ] {
            let err = bad.parse::<Nodes>().unwrap_err().to_string();
            assert!(
                err.contains("expected RANK/COUNT,ORCHESTRATOR,ADDRESS"),
                "{bad}: {err}"
            );
        }
    }
}
