//! Weights as safetensors, named by the module path (`encoder.mixed.0.b1b.conv.weight`), with
//! batch-norm running statistics included. Loading checks every name and shape, so a checkpoint
//! of another configuration is refused with the first differences listed. Parameter ids (which
//! the optimizer's state is keyed by) are not stored: the training engine derives them from the
//! same paths.

use std::collections::BTreeMap;
use std::path::Path;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData, backend::Backend};
use safetensors::tensor::{Dtype, TensorView};

use crate::error::{Result, ScanModelError};

/// Named tensors: name -> (shape, values).
pub type NamedTensors = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

struct Collect {
    path: Vec<String>,
    out: NamedTensors,
}

impl<B: Backend> ModuleVisitor<B> for Collect {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let t = param.val();
        let shape = t.dims().to_vec();
        let values = t
            .into_data()
            .convert::<f32>()
            .to_vec::<f32>()
            .unwrap_or_default();
        self.out.insert(self.path.join("."), (shape, values));
    }
}

/// Every float tensor of a module (parameters and running statistics) by name.
pub fn named_tensors<B: Backend, M: Module<B>>(module: &M) -> NamedTensors {
    let mut c = Collect {
        path: Vec::new(),
        out: BTreeMap::new(),
    };
    module.visit(&mut c);
    c.out
}

/// Which of a module's tensors a file must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Every tensor of the module, and the file has no other: a checkpoint of this model.
    Exact,
    /// Those the file has (the others keep their values): part of a model, e.g. an encoder.
    Partial,
}

struct Replace<'a> {
    path: Vec<String>,
    source: &'a NamedTensors,
    loaded: usize,
    problems: Vec<String>,
    coverage: Coverage,
}

impl<B: Backend> ModuleMapper<B> for Replace<'_> {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let name = self.path.join(".");
        let dims = param.val().dims();
        match self.source.get(&name) {
            Some((shape, values)) if shape.as_slice() == dims.as_slice() => {
                let device = param.val().device();
                let t = Tensor::<B, D>::from_data(
                    TensorData::new(values.clone(), shape.clone()),
                    &device,
                );
                self.loaded += 1;
                // burn's own loading path: keeps the device and the require-grad setting.
                let id = param.id;
                param.transform_for_load(t, id)
            }
            Some((shape, _)) => {
                self.problems.push(format!(
                    "{name}: shape {shape:?} in the file, {dims:?} in the model"
                ));
                param
            }
            None => {
                if self.coverage == Coverage::Exact {
                    self.problems.push(format!("{name}: missing from the file"));
                }
                param
            }
        }
    }
}

/// Replaces the module's tensors by those of `source` with the same names; `path` (where they
/// came from) names the differences.
pub fn load_named<B: Backend, M: Module<B>>(
    module: M,
    source: &NamedTensors,
    coverage: Coverage,
    path: &Path,
) -> Result<M> {
    let mut r = Replace {
        path: Vec::new(),
        source,
        loaded: 0,
        problems: Vec::new(),
        coverage,
    };
    let module = module.map(&mut r);
    let mut problems = r.problems;
    if coverage == Coverage::Exact && r.loaded < source.len() {
        let wanted = named_tensors::<B, M>(&module);
        for name in source.keys().filter(|k| !wanted.contains_key(*k)) {
            problems.push(format!("{name}: in the file but not in the model"));
        }
    }
    if !problems.is_empty() {
        let n = problems.len();
        problems.truncate(5);
        return Err(ScanModelError::ConfigMismatch {
            path: path.to_path_buf(),
            what: format!("{n} differences, first: {}", problems.join("; ")),
        });
    }
    Ok(module)
}

/// Writes named tensors as a safetensors file (atomically).
pub fn write_safetensors(path: &Path, tensors: &NamedTensors) -> Result<()> {
    let bytes: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(k, (shape, v))| {
            (
                k.clone(),
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
                shape.clone(),
            )
        })
        .collect();
    let views: Vec<(String, TensorView)> = bytes
        .iter()
        .map(|(k, b, s)| {
            TensorView::new(Dtype::F32, s.clone(), b)
                .map(|v| (k.clone(), v))
                .map_err(|e| ScanModelError::file(path, format!("tensor {k}: {e}")))
        })
        .collect::<Result<_>>()?;
    let data = safetensors::serialize(views, None)
        .map_err(|e| ScanModelError::file(path, format!("cannot serialise: {e}")))?;
    uptake_core::write_atomic(path, |w| std::io::Write::write_all(w, &data))?;
    Ok(())
}

/// Reads every f32 (or f64, converted) tensor of a safetensors file.
pub fn read_safetensors(path: &Path) -> Result<NamedTensors> {
    let bytes = std::fs::read(path).map_err(|e| ScanModelError::io(path, e))?;
    let st = safetensors::SafeTensors::deserialize(&bytes)
        .map_err(|e| ScanModelError::file(path, format!("not a safetensors file: {e}")))?;
    let mut out = BTreeMap::new();
    for (name, view) in st.tensors() {
        let data = view.data();
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            Dtype::F64 => data
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as f32)
                .collect(),
            other => {
                return Err(ScanModelError::file(
                    path,
                    format!("tensor {name}: unsupported dtype {other:?}"),
                ));
            }
        };
        out.insert(name, (view.shape().to_vec(), values));
    }
    Ok(out)
}

/// Saves a module's weights.
pub fn save_module<B: Backend, M: Module<B>>(module: &M, path: &Path) -> Result<()> {
    write_safetensors(path, &named_tensors::<B, M>(module))
}

/// Loads a module's weights, refusing any difference in names or shapes.
pub fn load_module<B: Backend, M: Module<B>>(module: M, path: &Path) -> Result<M> {
    let tensors = read_safetensors(path)?;
    load_named::<B, M>(module, &tensors, Coverage::Exact, path)
}

/// Renames tensors with a prefix map (used to move encoder weights between models).
pub fn with_prefix(tensors: &NamedTensors, from: &str, to: &str) -> NamedTensors {
    tensors
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(from)
                .map(|rest| (format!("{to}{rest}"), v.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuBackend as B;
    use crate::config::{EncoderConfig, HeadKind, ModelConfig};
    use crate::model::ScanModel;

    fn config(width: f32, regions: usize) -> ModelConfig {
        ModelConfig {
            encoder: EncoderConfig::small(width, 1),
            head: HeadKind::Attention,
            regions: (0..regions).map(|i| format!("r{i}")).collect(),
            in_plane: 32,
            slice_step: 1,
            position_bins: 0,
        }
    }

    #[test]
    fn saved_weights_load_back_identically_including_running_statistics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        let device = Default::default();
        let a = ScanModel::<B>::new(&config(0.125, 2), &device);
        a.encoder
            .conv_1a
            .bn
            .running_var
            .update(Tensor::full([8], 3.5, &device));
        let _ = a.encoder.conv_1a.bn.running_var.value_sync();
        save_module::<B, _>(&a, &path).unwrap();
        let b =
            load_module::<B, _>(ScanModel::<B>::new(&config(0.125, 2), &device), &path).unwrap();
        let (ta, tb) = (named_tensors::<B, _>(&a), named_tensors::<B, _>(&b));
        assert!(
            ta.contains_key("encoder.conv_1a.bn.running_var"),
            "{:?}",
            ta.keys().take(8).collect::<Vec<_>>()
        );
        assert!(ta.contains_key("encoder.mixed.0.b1b.conv.weight"));
        assert_eq!(ta, tb);
        assert_eq!(tb["encoder.conv_1a.bn.running_var"].1, vec![3.5; 8]);
    }

    #[test]
    fn a_checkpoint_of_another_configuration_is_refused_with_the_difference_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        let device = Default::default();
        save_module::<B, _>(&ScanModel::<B>::new(&config(0.125, 2), &device), &path).unwrap();
        let err = load_module::<B, _>(ScanModel::<B>::new(&config(0.25, 2), &device), &path)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("m.safetensors") && err.contains("shape"),
            "{err}"
        );
        let err = load_module::<B, _>(ScanModel::<B>::new(&config(0.125, 3), &device), &path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("heads."), "{err}");
    }
}
