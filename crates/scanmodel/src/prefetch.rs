//! Feeding the device: the exams of the coming batches are read, cropped and resampled on
//! background threads while the device computes, at most a few batches ahead (a bounded
//! queue), and handed over in the order they were drawn. What each batch holds was drawn
//! beforehand from the epoch's seeded stream, and preparing an exam is a pure function of the
//! exam and its draw, so a run gives the same weights with or without prefetching.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, sync_channel};
use std::sync::{Arc, Mutex};

use uptake_core::ExamId;

use crate::data::{Augment, Prepared};
use crate::error::{Result, ScanModelError};
use crate::loader::Loader;

/// How exams are loaded while the device computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoaderSettings {
    /// Background threads preparing batches; 0 prepares each batch on the training thread just
    /// before its step (nothing overlaps).
    pub workers: usize,
    /// Batches prepared ahead of the one in training, at most (the queue's bound; with fewer
    /// than `workers`, some workers wait).
    pub prefetch_batches: usize,
}

impl Default for LoaderSettings {
    fn default() -> Self {
        Self {
            workers: 2,
            prefetch_batches: 2,
        }
    }
}

/// One exam of a batch as drawn: which, and its augmentation.
#[derive(Debug, Clone)]
pub(crate) struct Draw {
    pub(crate) exam: ExamId,
    pub(crate) augment: Option<Augment>,
}

/// Prepares the batches of `plan` and hands each to `step`, in order: on `settings.workers`
/// background threads at most `settings.prefetch_batches` ahead, or on this thread. The first
/// error (loading, or of `step`) stops the work and is returned.
pub(crate) fn for_each_batch(
    loader: &Loader<'_>,
    plan: &[Vec<Draw>],
    settings: &LoaderSettings,
    step: &mut dyn FnMut(Vec<Arc<Prepared>>) -> Result<()>,
) -> Result<()> {
    if settings.workers == 0 || plan.len() <= 1 {
        for draws in plan {
            step(load(loader, draws)?)?;
        }
        return Ok(());
    }
    let ahead = settings.prefetch_batches.max(1);
    // A token per batch that may be in preparation or waiting; each step returns one.
    let (tokens, token) = sync_channel::<()>(ahead);
    let token = Mutex::new(token);
    let next = AtomicUsize::new(0);
    let (done, ready) = channel::<(usize, Result<Vec<Arc<Prepared>>>)>();
    std::thread::scope(|scope| {
        // Owned here, so that leaving early (an error) closes the queue before the workers
        // are joined.
        let (tokens, ready) = (tokens, ready);
        for _ in 0..ahead {
            let _ = tokens.send(());
        }
        for _ in 0..settings.workers {
            let (token, next, done) = (&token, &next, done.clone());
            scope.spawn(move || {
                while take(token) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(draws) = plan.get(i) else { break };
                    if done.send((i, load_caught(loader, draws))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done);
        let mut waiting = BTreeMap::new();
        for i in 0..plan.len() {
            let batch = loop {
                if let Some(batch) = waiting.remove(&i) {
                    break batch;
                }
                let (j, batch) = ready.recv().expect("every batch is prepared and sent");
                waiting.insert(j, batch);
            };
            step(batch?)?;
            let _ = tokens.send(());
        }
        Ok(())
    })
}

/// [`load`] on a worker: a panic becomes an error naming the batch's exams, so that the
/// training thread never waits for a batch that will not come.
fn load_caught(loader: &Loader<'_>, draws: &[Draw]) -> Result<Vec<Arc<Prepared>>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(loader, draws))).unwrap_or_else(
        |_| {
            let exams: Vec<&str> = draws.iter().map(|d| d.exam.as_str()).collect();
            Err(ScanModelError::BadVolume {
                exam: exams.join(", "),
                what: "preparing the batch panicked (see the message above)".into(),
            })
        },
    )
}

/// Takes a token; false when the queue has closed.
fn take(token: &Mutex<std::sync::mpsc::Receiver<()>>) -> bool {
    token.lock().map(|t| t.recv().is_ok()).unwrap_or(false)
}

/// The exams of one batch, prepared.
fn load(loader: &Loader<'_>, draws: &[Draw]) -> Result<Vec<Arc<Prepared>>> {
    draws
        .iter()
        .map(|d| loader.get(&d.exam, d.augment))
        .collect()
}
