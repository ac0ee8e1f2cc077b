//! What the two checkpoint formats of I3D (Kinetics flax, PyTorch) share: the names of the
//! encoder's units, and the adaptation of a first kernel to other input channels.

use crate::i3d::MIXED;

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
}
