//! 3D max pooling for the CPU backend, forward and backward, as one direct pass over each
//! (batch, channel) volume. burn 0.21 has no 3D pooling, and the CPU backend's 2D pooling (used
//! separably by [`crate::pool::max_pool3d_same`] on other backends) checks every window cell
//! for padding and took a fifth of a full I3D training step. Here the window is clipped to the
//! volume once per output cell ("SAME" padding: padded cells never win), the argmax is kept,
//! and the backward pass adds each output's gradient to its argmax.

use std::fmt;
use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::{Autodiff, Flex};
use burn::tensor::{Tensor, TensorPrimitive};

use rayon::prelude::*;

use crate::cpu::flex::{contiguous_f32, flex_f32};
use crate::cpu::profile::{KernelKind, timed};
use crate::padding::same_padding;

/// Where a pooled volume came from: shapes and, for each output cell, the index of the input
/// cell that won inside its (batch, channel) volume.
#[derive(Clone)]
pub struct PoolTrace {
    pub in_shape: [usize; 5],
    pub out_shape: [usize; 5],
    pub argmax: Arc<Vec<u32>>,
}

impl fmt::Debug for PoolTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PoolTrace({:?} -> {:?})", self.in_shape, self.out_shape)
    }
}

/// One axis of a window: the clipped input range of each output position.
fn windows(n: usize, kernel: usize, stride: usize) -> Vec<(usize, usize)> {
    let (before, _) = same_padding(n, kernel, stride);
    (0..n.div_ceil(stride))
        .map(|o| {
            let start = (o * stride) as isize - before as isize;
            let lo = start.max(0) as usize;
            let hi = ((start + kernel as isize).max(0) as usize).min(n);
            (lo, hi)
        })
        .collect()
}

/// Max pooling of row-major (batch, channels, depth, rows, cols) values over `kernel` boxes
/// with `stride`, TF "SAME" padding. Ties go to the first cell in row-major order. Returns the
/// pooled values and their trace.
pub fn max_pool3d_forward(
    x: &[f32],
    shape: [usize; 5],
    kernel: [usize; 3],
    stride: [usize; 3],
) -> (Vec<f32>, PoolTrace) {
    let [b, c, d, h, w] = shape;
    let (wz, wy, wx) = (
        windows(d, kernel[0], stride[0]),
        windows(h, kernel[1], stride[1]),
        windows(w, kernel[2], stride[2]),
    );
    let out_shape = [b, c, wz.len(), wy.len(), wx.len()];
    let plane_in = d * h * w;
    let plane_out = wz.len() * wy.len() * wx.len();
    let mut y = vec![0f32; b * c * plane_out];
    let mut argmax = vec![0u32; b * c * plane_out];
    if plane_out > 0 && plane_in > 0 {
        y.par_chunks_mut(plane_out)
            .zip(argmax.par_chunks_mut(plane_out))
            .zip(x.par_chunks(plane_in))
            .for_each(|((y, arg), x)| {
                let mut o = 0;
                for &(z0, z1) in &wz {
                    for &(y0, y1) in &wy {
                        for &(x0, x1) in &wx {
                            // Every window holds at least one real cell (SAME padding).
                            let mut best_i = (z0 * h + y0) * w + x0;
                            let mut best = x[best_i];
                            for z in z0..z1 {
                                for r in y0..y1 {
                                    let row = (z * h + r) * w + x0;
                                    for (i, &v) in x[row..row + x1 - x0].iter().enumerate() {
                                        if v > best {
                                            best = v;
                                            best_i = row + i;
                                        }
                                    }
                                }
                            }
                            y[o] = best;
                            arg[o] = best_i as u32;
                            o += 1;
                        }
                    }
                }
            });
    }
    let trace = PoolTrace {
        in_shape: shape,
        out_shape,
        argmax: Arc::new(argmax),
    };
    (y, trace)
}

/// Gradient with respect to the pool's input: each output's gradient goes to its argmax.
pub fn max_pool3d_backward(grad_out: &[f32], trace: &PoolTrace) -> Vec<f32> {
    let [b, c, d, h, w] = trace.in_shape;
    let [_, _, od, oh, ow] = trace.out_shape;
    let (plane_in, plane_out) = (d * h * w, od * oh * ow);
    let mut grad_in = vec![0f32; b * c * plane_in];
    if plane_out > 0 && plane_in > 0 {
        grad_in
            .par_chunks_mut(plane_in)
            .zip(grad_out.par_chunks(plane_out))
            .zip(trace.argmax.par_chunks(plane_out))
            .for_each(|((gi, go), arg)| {
                for (&g, &i) in go.iter().zip(arg) {
                    gi[i as usize] += g;
                }
            });
    }
    grad_in
}

/// Pools a CPU tensor, reading its values in place when they are contiguous f32 (the model's
/// case; anything else is converted first). The result is f32.
pub fn pool_flex(
    x: Tensor<Flex, 5>,
    kernel: [usize; 3],
    stride: [usize; 3],
) -> (Tensor<Flex, 5>, PoolTrace) {
    let shape = x.dims();
    let t = contiguous_f32(x.into_primitive().tensor());
    let values = t.as_slice::<f32>().unwrap_or_default();
    let (y, trace) = timed(KernelKind::PoolForward, || {
        max_pool3d_forward(values, shape, kernel, stride)
    });
    let y = flex_f32(y, trace.out_shape);
    (Tensor::from_primitive(TensorPrimitive::Float(y)), trace)
}

#[derive(Debug)]
struct MaxPoolBackward;

impl Backward<Flex, 1> for MaxPoolBackward {
    type State = PoolTrace;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let trace = ops.state;
        unary::<Flex, _>(ops.parents, ops.node, grads, |grad| {
            let grad = contiguous_f32(grad);
            let values = grad.as_slice::<f32>().unwrap_or_default();
            let grad_in = timed(KernelKind::PoolBackward, || {
                max_pool3d_backward(values, &trace)
            });
            flex_f32(grad_in, trace.in_shape)
        });
    }
}

/// Pools a tensor of the CPU training backend, with a backward step of its own.
pub fn pool_autodiff<C: CheckpointStrategy>(
    x: Tensor<Autodiff<Flex, C>, 5>,
    kernel: [usize; 3],
    stride: [usize; 3],
) -> Tensor<Autodiff<Flex, C>, 5> {
    let x = x.into_primitive().tensor();
    let node = x.node.clone();
    let inner = Tensor::<Flex, 5>::from_primitive(TensorPrimitive::Float(x.primitive));
    let (y, trace) = pool_flex(inner, kernel, stride);
    let y = y.into_primitive().tensor();
    let out = match MaxPoolBackward
        .prepare::<C>([node])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(trace, y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    };
    Tensor::from_primitive(TensorPrimitive::Float(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_clipped_to_the_volume_as_same_padding_places_them() {
        // n = 5, k = 3, s = 2: padding (1, 1), outputs at -1..2, 1..4, 3..6.
        assert_eq!(windows(5, 3, 2), vec![(0, 2), (1, 4), (3, 5)]);
        // n = 8, k = 2, s = 2: no padding.
        assert_eq!(windows(8, 2, 2), vec![(0, 2), (2, 4), (4, 6), (6, 8)]);
    }

    #[test]
    fn backward_sends_each_output_gradient_to_its_argmax() {
        // One 1x4 row, kernel 2 stride 2: maxima at cells 1 and 2.
        let x = [0.0f32, 5.0, 7.0, 1.0];
        let (y, trace) = max_pool3d_forward(&x, [1, 1, 1, 1, 4], [1, 1, 2], [1, 1, 2]);
        assert_eq!(y, vec![5.0, 7.0]);
        assert_eq!(
            max_pool3d_backward(&[10.0, 20.0], &trace),
            vec![0.0, 10.0, 20.0, 0.0]
        );
    }

    #[test]
    fn overlapping_windows_add_their_gradients_on_a_shared_maximum() {
        // Kernel 3 stride 1 over [1, 9, 2]: every window's maximum is the middle cell.
        let x = [1.0f32, 9.0, 2.0];
        let (y, trace) = max_pool3d_forward(&x, [1, 1, 1, 1, 3], [1, 1, 3], [1, 1, 1]);
        assert_eq!(y, vec![9.0, 9.0, 9.0]);
        assert_eq!(
            max_pool3d_backward(&[1.0, 2.0, 4.0], &trace),
            vec![0.0, 7.0, 0.0]
        );
    }
}
