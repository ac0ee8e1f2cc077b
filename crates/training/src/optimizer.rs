//! Adam's state saved beside the weights, so a run resumes exactly.
//!
//! burn keys the optimizer's record by `ParamId`, and a freshly built or loaded model gets new
//! random ids. So every parameter's id is derived from its module path
//! (`bert.layers.0.query.weight`), the same in every process, and a saved record matches the
//! reloaded model. A record is checked against the model (every entry a parameter of it, with
//! its rank and shape) before it is loaded.

use crate::error::RunError;
use burn::module::{AutodiffModule, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::record::{AdaptorRecord, AdaptorRecordV1};
use burn::optim::{Adam, AdamConfig, Optimizer};
use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::Tensor;
use burn::tensor::backend::{AutodiffBackend, Backend};
use std::collections::HashSet;
use std::path::Path;
use uptake_core::seeded::{FNV_OFFSET, fnv1a};

/// The optimizer's state file in a checkpoint folder.
pub(crate) const OPTIMIZER_FILE: &str = "optimizer.bin";

/// Adam over a model's parameters.
pub(crate) type AdamOptimizer<M, B> = OptimizerAdaptor<Adam, M, B>;

/// A fresh Adam with this epsilon (betas 0.9 and 0.999, no weight decay).
pub(crate) fn adam<B: AutodiffBackend, M: AutodiffModule<B>>(epsilon: f32) -> AdamOptimizer<M, B> {
    AdamConfig::new().with_epsilon(epsilon).init::<B, M>()
}

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

/// Writes the optimizer's state (full precision) atomically.
pub(crate) fn save_optimizer<B: AutodiffBackend, M: AutodiffModule<B>>(
    optim: &AdamOptimizer<M, B>,
    path: &Path,
) -> Result<(), RunError> {
    let bytes = BinBytesRecorder::<FullPrecisionSettings>::default()
        .record(optim.to_record(), ())
        .map_err(|e| RunError::OptimizerState {
            path: path.to_path_buf(),
            problem: format!("cannot serialise: {e}"),
        })?;
    uptake_core::write_atomic(path, |w| std::io::Write::write_all(w, &bytes))?;
    Ok(())
}

/// burn's map from parameter id to that parameter's Adam state.
type Record<M, B> = <AdamOptimizer<M, B> as Optimizer<M, B>>::Record;

/// Reads an optimizer state saved by [`save_optimizer`] and checks that it belongs to `model`
/// before loading it.
pub(crate) fn load_optimizer<B: AutodiffBackend, M: AutodiffModule<B>>(
    optim: AdamOptimizer<M, B>,
    model: &M,
    path: &Path,
    device: &B::Device,
) -> Result<AdamOptimizer<M, B>, RunError> {
    let bad = |problem: String| RunError::OptimizerState {
        path: path.to_path_buf(),
        problem,
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad(
                "missing, so the run cannot resume exactly; start it again in another folder"
                    .into(),
            ));
        }
        Err(e) => return Err(RunError::io(path, e)),
    };
    // The decoder may panic on garbage; a corrupt file must be an error, not a crash.
    let record: Record<M, B> = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        BinBytesRecorder::<FullPrecisionSettings>::default().load(bytes, device)
    }))
    .map_err(|_| bad("corrupt (cannot be decoded)".into()))?
    .map_err(|e| bad(format!("corrupt (cannot be decoded): {e}")))?;
    let problems = mismatches::<B, M>(&record, model);
    if !problems.is_empty() {
        let n = problems.len();
        let first: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
        return Err(bad(format!(
            "does not match the model ({n} problems, first: {})",
            first.join("; ")
        )));
    }
    Ok(optim.load_record(record))
}

/// Where a record and a model disagree: ranks, shapes, entries of no parameter.
fn mismatches<B: AutodiffBackend, M: AutodiffModule<B>>(
    record: &Record<M, B>,
    model: &M,
) -> Vec<String> {
    let mut check = CheckRecord::<M, B> {
        record,
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
    problems
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
