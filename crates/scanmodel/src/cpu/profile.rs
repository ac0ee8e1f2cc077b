//! Time spent in the CPU kernels per kind, counted only while a benchmark asks for it (one
//! relaxed atomic load per kernel call otherwise).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// What a kernel call was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelKind {
    /// Convolution, forward.
    ConvForward,
    /// Convolution, gradient of its input.
    ConvInputGradient,
    /// Convolution, gradient of its kernel.
    ConvWeightGradient,
    /// Batch norm + ReLU (batch statistics), forward.
    NormReluForward,
    /// Batch norm + ReLU, backward.
    NormReluBackward,
    /// Max pooling, forward.
    PoolForward,
    /// Max pooling, backward.
    PoolBackward,
}

impl KernelKind {
    /// Every kind, in the order [`KernelSeconds`] lists them.
    pub const ALL: [KernelKind; 7] = [
        KernelKind::ConvForward,
        KernelKind::ConvInputGradient,
        KernelKind::ConvWeightGradient,
        KernelKind::NormReluForward,
        KernelKind::NormReluBackward,
        KernelKind::PoolForward,
        KernelKind::PoolBackward,
    ];

    /// A short name for tables.
    pub fn label(self) -> &'static str {
        match self {
            KernelKind::ConvForward => "conv forward",
            KernelKind::ConvInputGradient => "conv input gradient",
            KernelKind::ConvWeightGradient => "conv weight gradient",
            KernelKind::NormReluForward => "batch norm + ReLU forward",
            KernelKind::NormReluBackward => "batch norm + ReLU backward",
            KernelKind::PoolForward => "max pool forward",
            KernelKind::PoolBackward => "max pool backward",
        }
    }
}

static ON: AtomicBool = AtomicBool::new(false);
static NANOS: [AtomicU64; 7] = [const { AtomicU64::new(0) }; 7];

/// Runs `f`, adding its wall time to `kind` while counting is on.
pub fn timed<R>(kind: KernelKind, f: impl FnOnce() -> R) -> R {
    if !ON.load(Ordering::Relaxed) {
        return f();
    }
    let started = Instant::now();
    let out = f();
    NANOS[kind as usize].fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    out
}

/// Seconds per kernel kind, in [`KernelKind::ALL`]'s order.
pub type KernelSeconds = [f64; 7];

/// Turns counting on or off and returns what was counted since the last call.
pub fn switch(on: bool) -> KernelSeconds {
    ON.store(on, Ordering::Relaxed);
    KernelKind::ALL.map(|k| NANOS[k as usize].swap(0, Ordering::Relaxed) as f64 * 1e-9)
}
