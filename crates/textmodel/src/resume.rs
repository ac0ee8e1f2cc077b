//! Exact resumption of training runs: Adam's state saved beside the weights each epoch.
//!
//! burn keys the optimizer's record by `ParamId`, and a freshly loaded model gets new random
//! ids. So every parameter's id is derived from its module path (`bert.layers.0.query.weight`),
//! the same in every process, and a saved record matches the reloaded model. Checkpoints live
//! in `epoch-NNNN/` folders; the run's state file names the current one and is written last, so
//! a crash at any point leaves a complete checkpoint to resume from.

use crate::error::ModelError;
use burn::module::{AutodiffModule, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::record::{AdaptorRecord, AdaptorRecordV1};
use burn::optim::{Adam, Optimizer};
use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::Tensor;
use burn::tensor::backend::{AutodiffBackend, Backend};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub const OPTIMIZER_FILE: &str = "optimizer.bin";
const CHECKPOINT_PREFIX: &str = "epoch-";

/// The folder holding the checkpoint after `epoch` (1-based) inside a run folder.
pub(crate) fn checkpoint_dir(out: &Path, epoch: usize) -> PathBuf {
    out.join(checkpoint_name(epoch))
}

pub(crate) fn checkpoint_name(epoch: usize) -> String {
    format!("{CHECKPOINT_PREFIX}{epoch:04}")
}

/// Removes the checkpoint folders of `out` other than `keep` (older epochs, or one a crash
/// left half-written).
pub(crate) fn prune_checkpoints(out: &Path, keep: &str) -> Result<(), ModelError> {
    let entries = std::fs::read_dir(out).map_err(|e| ModelError::file(out, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ModelError::file(out, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_checkpoint = name
            .strip_prefix(CHECKPOINT_PREFIX)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if is_checkpoint && name != keep && entry.path().is_dir() {
            std::fs::remove_dir_all(entry.path())
                .map_err(|e| ModelError::file(&entry.path(), e))?;
        }
    }
    Ok(())
}

/// FNV-1a: a fixed 64-bit hash (std's hasher is not guaranteed stable across releases).
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>, mut hash: u64) -> u64 {
    for b in bytes {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

struct StableIds {
    path: Vec<String>,
}

impl<B: Backend> ModuleMapper<B> for StableIds {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let id = ParamId::from(fnv1a(self.path.join(".").into_bytes(), FNV_OFFSET));
        let (_, value, mapper) = param.consume();
        Param::from_mapped_value(id, value, mapper)
    }
}

/// The module with each parameter's id derived from its path (values untouched).
pub(crate) fn with_stable_ids<B: AutodiffBackend, M: AutodiffModule<B>>(module: M) -> M {
    module.map(&mut StableIds { path: Vec::new() })
}

pub(crate) type AdamOptimizer<M, B> = OptimizerAdaptor<Adam, M, B>;

/// Writes the optimizer's state (full precision) atomically.
pub(crate) fn save_optimizer<B: AutodiffBackend, M: AutodiffModule<B>>(
    optim: &AdamOptimizer<M, B>,
    path: &Path,
) -> Result<(), ModelError> {
    let bytes = BinBytesRecorder::<FullPrecisionSettings>::default()
        .record(optim.to_record(), ())
        .map_err(|e| ModelError::BadOptimizerState {
            path: path.to_path_buf(),
            message: format!("cannot serialise: {e}"),
        })?;
    uptake_core::write_atomic(path, |w| std::io::Write::write_all(w, &bytes))?;
    Ok(())
}

/// burn's map from parameter id to that parameter's Adam state.
type Record<M, B> = <AdamOptimizer<M, B> as Optimizer<M, B>>::Record;

/// Reads an optimizer state saved by [`save_optimizer`] and checks that it belongs to `model`
/// (every entry a parameter of the model, with its rank and shape) before loading it.
pub(crate) fn load_optimizer<B: AutodiffBackend, M: AutodiffModule<B>>(
    optim: AdamOptimizer<M, B>,
    model: &M,
    path: &Path,
    device: &B::Device,
) -> Result<AdamOptimizer<M, B>, ModelError> {
    let bad = |message: String| ModelError::BadOptimizerState {
        path: path.to_path_buf(),
        message,
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad(
                "missing, so the run cannot resume exactly; start it again in a new --out".into(),
            ));
        }
        Err(e) => return Err(ModelError::file(path, e)),
    };
    // The decoder may panic on garbage; a corrupt file must be an error, not a crash.
    let record: Record<M, B> = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        BinBytesRecorder::<FullPrecisionSettings>::default().load(bytes, device)
    }))
    .map_err(|_| bad("corrupt (cannot be decoded)".into()))?
    .map_err(|e| bad(format!("corrupt (cannot be decoded): {e}")))?;
    let mut check = CheckRecord::<M, B> {
        record: &record,
        path: Vec::new(),
        seen: HashSet::new(),
        problems: Vec::new(),
    };
    model.visit(&mut check);
    let CheckRecord {
        seen, mut problems, ..
    } = check;
    let strangers = record.keys().filter(|id| !seen.contains(id)).count();
    if strangers > 0 {
        problems.push(format!(
            "{strangers} entries belong to no parameter of this model"
        ));
    }
    if !problems.is_empty() {
        let n = problems.len();
        problems.truncate(3);
        return Err(bad(format!(
            "does not match the model ({n} problems, first: {})",
            problems.join("; ")
        )));
    }
    Ok(optim.load_record(record))
}

struct CheckRecord<'a, M: AutodiffModule<B>, B: AutodiffBackend> {
    record: &'a Record<M, B>,
    path: Vec<String>,
    seen: HashSet<ParamId>,
    problems: Vec<String>,
}

fn rank<B: AutodiffBackend>(record: &AdaptorRecord<Adam, B>) -> usize {
    let AdaptorRecord::V1(v) = record;
    match v {
        AdaptorRecordV1::Rank0(_) => 0,
        AdaptorRecordV1::Rank1(_) => 1,
        AdaptorRecordV1::Rank2(_) => 2,
        AdaptorRecordV1::Rank3(_) => 3,
        AdaptorRecordV1::Rank4(_) => 4,
        AdaptorRecordV1::Rank5(_) => 5,
        AdaptorRecordV1::Rank6(_) => 6,
        AdaptorRecordV1::Rank7(_) => 7,
        AdaptorRecordV1::Rank8(_) => 8,
    }
}

impl<M: AutodiffModule<B>, B: AutodiffBackend> ModuleVisitor<B> for CheckRecord<'_, M, B> {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let Some(entry) = self.record.get(&param.id) else {
            // No entry: the parameter has not been updated yet (e.g. frozen layers).
            return;
        };
        self.seen.insert(param.id);
        let name = self.path.join(".");
        let dims = param.val().dims();
        let found = rank(entry);
        if found != D {
            self.problems.push(format!(
                "{name}: rank {found} in the file, {D} in the model"
            ));
            return;
        }
        let state = entry.clone().into_state::<D>();
        let moment = state.momentum.moment_1.dims();
        if moment != dims {
            self.problems.push(format!(
                "{name}: shape {moment:?} in the file, {dims:?} in the model"
            ));
        }
    }
}
