//! TensorFlow "SAME" padding, shared by the convolutions and the pools of the encoder.

use burn::tensor::{Tensor, backend::Backend};

/// TF "SAME" padding (before, after) for one axis: output length ceil(n / stride).
pub fn same_padding(n: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let rem = n % stride;
    let total = kernel.saturating_sub(if rem == 0 { stride } else { rem });
    (total / 2, total - total / 2)
}

/// Appends `before`/`after` entries filled with `value` along `dim`.
pub fn pad_dim<B: Backend, const D: usize>(
    x: Tensor<B, D>,
    dim: usize,
    before: usize,
    after: usize,
    value: f32,
) -> Tensor<B, D> {
    if before == 0 && after == 0 {
        return x;
    }
    let device = x.device();
    let mut parts = Vec::with_capacity(3);
    let shape = x.dims();
    if before > 0 {
        let mut s = shape;
        s[dim] = before;
        parts.push(Tensor::full(s, value, &device));
    }
    parts.push(x);
    if after > 0 {
        let mut s = shape;
        s[dim] = after;
        parts.push(Tensor::full(s, value, &device));
    }
    Tensor::cat(parts, dim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuBackend as B;
    use burn::tensor::TensorData;

    #[test]
    fn same_padding_gives_ceil_output_length() {
        assert_eq!(same_padding(224, 7, 2), (2, 3));
        assert_eq!(same_padding(7, 3, 2), (1, 1));
        assert_eq!(same_padding(8, 2, 2), (0, 0));
        assert_eq!(same_padding(5, 3, 1), (1, 1));
    }

    #[test]
    fn pad_dim_adds_filled_entries_on_both_sides() {
        let device = Default::default();
        let x = Tensor::<B, 2>::from_data(TensorData::new(vec![1.0f32, 2.0], [1, 2]), &device);
        let y = pad_dim(x, 1, 1, 2, -5.0);
        assert_eq!(
            y.into_data().to_vec::<f32>().unwrap(),
            vec![-5.0, 1.0, 2.0, -5.0, -5.0]
        );
    }
}
