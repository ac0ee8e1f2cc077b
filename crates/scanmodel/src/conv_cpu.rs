//! 3D convolution (no bias) on the CPU backend with kernels of our own ([`crate::cpu::conv`]),
//! forward and backward, as one custom step in burn's autodiff graph. Other backends (CUDA)
//! keep burn's convolution.
//!
//! burn's CPU convolution copied the whole input to channels-last before every product, built
//! its column tiles in fresh buffers, computed the input gradient with a transposed
//! convolution at half the speed of a forward one, and the weight gradient as a convolution
//! with batch and channels swapped (a copy of the input and of the output gradient per layer,
//! and one product whose inner size is every output cell of the batch). Here the three
//! passes read the (batch, channels, d, h, w) tensors in place, tile by tile; uneven "SAME"
//! padding is read as zeros rather than concatenated.

use std::any::Any;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, binary};
use burn::backend::{Autodiff, Flex};
use burn::tensor::module::conv3d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Tensor, TensorPrimitive, backend::Backend};
use burn_flex::FlexTensor;

use crate::cpu::conv;
use crate::cpu::flex::{contiguous_f32, flex_f32, values};
use crate::cpu::geometry::ConvGeometry;
use crate::cpu::profile::{KernelKind, timed};
use crate::padding::pad_dim;

/// Strides and zero padding of one convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvSpec {
    /// Stride per axis.
    pub stride: [usize; 3],
    /// Zeros before the first cell, per axis.
    pub pad_before: [usize; 3],
    /// Zeros after the last cell, per axis.
    pub pad_after: [usize; 3],
}

/// `conv3d` without bias or dilation: `x` (batch, c_in, d, h, w), `weight` (c_out, c_in,
/// kd, kh, kw). The CPU backend (plain or autodiff) runs [`crate::cpu::conv`]; other backends
/// pad unevenly by concatenation and call burn's convolution.
pub fn conv3d_padded<B: Backend>(
    x: Tensor<B, 5>,
    weight: Tensor<B, 5>,
    spec: ConvSpec,
) -> Tensor<B, 5> {
    let pair: Box<dyn Any> = Box::new((x, weight));
    let pair = match pair.downcast::<(Tensor<Autodiff<Flex>, 5>, Tensor<Autodiff<Flex>, 5>)>() {
        Ok(pair) => return same_type(conv_autodiff(pair.0, pair.1, spec)),
        Err(pair) => pair,
    };
    let pair = match pair.downcast::<(Tensor<Flex, 5>, Tensor<Flex, 5>)>() {
        Ok(pair) => return same_type(conv_flex(pair.0, pair.1, spec)),
        Err(pair) => pair,
    };
    let (x, weight) = *pair
        .downcast::<(Tensor<B, 5>, Tensor<B, 5>)>()
        .unwrap_or_else(|_| unreachable!("boxed as (Tensor<B, 5>, Tensor<B, 5>)"));
    conv3d_burn(x, weight, spec)
}

/// burn's own convolution: symmetric padding inside the call, the uneven rest concatenated.
pub fn conv3d_burn<B: Backend>(
    x: Tensor<B, 5>,
    weight: Tensor<B, 5>,
    spec: ConvSpec,
) -> Tensor<B, 5> {
    let mut x = x;
    let mut inside = [0; 3];
    for axis in 0..3 {
        let (before, after) = (spec.pad_before[axis], spec.pad_after[axis]);
        if before == after {
            inside[axis] = before;
        } else {
            x = pad_dim(x, 2 + axis, before, after, 0.0);
        }
    }
    conv3d(
        x,
        weight,
        None,
        ConvOptions::new(spec.stride, inside, [1, 1, 1], 1),
    )
}

/// `value` as type `T`, which the caller has found it to be by downcasting.
fn same_type<S: 'static, T: 'static>(value: S) -> T {
    let boxed: Box<dyn Any> = Box::new(value);
    *boxed
        .downcast::<T>()
        .unwrap_or_else(|_| unreachable!("the caller downcast to this type"))
}

fn geometry(x: &FlexTensor, w: &FlexTensor, spec: ConvSpec) -> ConvGeometry {
    let dims = |t: &FlexTensor| -> [usize; 5] {
        let s = t.layout().shape();
        [s[0], s[1], s[2], s[3], s[4]]
    };
    ConvGeometry::new(
        dims(x),
        dims(w),
        spec.stride,
        spec.pad_before,
        spec.pad_after,
    )
    .unwrap_or_else(|| {
        panic!(
            "conv3d: kernel {:?} does not fit input {:?} with {spec:?}",
            dims(w),
            dims(x)
        )
    })
}

/// The forward pass on CPU tensors (contiguous f32).
fn forward(x: &FlexTensor, w: &FlexTensor, g: &ConvGeometry) -> FlexTensor {
    let y = timed(KernelKind::ConvForward, || {
        conv::forward(g, values(x), values(w))
    });
    let [od, oh, ow] = g.output;
    flex_f32(y, [g.batch, g.c_out, od, oh, ow])
}

/// The convolution on the plain CPU backend (inference).
pub fn conv_flex(x: Tensor<Flex, 5>, weight: Tensor<Flex, 5>, spec: ConvSpec) -> Tensor<Flex, 5> {
    let x = contiguous_f32(x.into_primitive().tensor());
    let w = contiguous_f32(weight.into_primitive().tensor());
    let g = geometry(&x, &w, spec);
    Tensor::from_primitive(TensorPrimitive::Float(forward(&x, &w, &g)))
}

#[derive(Debug)]
struct Conv3dBackward;

impl Backward<Flex, 2> for Conv3dBackward {
    /// Forward input and weight (contiguous f32), and the geometry.
    type State = (FlexTensor, FlexTensor, ConvGeometry);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (x, w, g) = ops.state;
        let [d, h, wd] = g.input;
        let [kd, kh, kw] = g.kernel;
        binary::<Flex, _, _>(
            ops.parents,
            ops.node,
            grads,
            |grad| {
                let grad = contiguous_f32(grad);
                let dx = timed(KernelKind::ConvInputGradient, || {
                    conv::input_gradient(&g, values(&w), values(&grad))
                });
                flex_f32(dx, [g.batch, g.c_in, d, h, wd])
            },
            |grad| {
                let grad = contiguous_f32(grad);
                let dw = timed(KernelKind::ConvWeightGradient, || {
                    conv::weight_gradient(&g, values(&x), values(&grad))
                });
                flex_f32(dw, [g.c_out, g.c_in, kd, kh, kw])
            },
        );
    }
}

/// The convolution on the CPU training backend, with its backward step.
pub fn conv_autodiff<C: CheckpointStrategy>(
    x: Tensor<Autodiff<Flex, C>, 5>,
    weight: Tensor<Autodiff<Flex, C>, 5>,
    spec: ConvSpec,
) -> Tensor<Autodiff<Flex, C>, 5> {
    let x = x.into_primitive().tensor();
    let weight = weight.into_primitive().tensor();
    let (xv, wv) = (
        contiguous_f32(x.primitive),
        contiguous_f32(weight.primitive),
    );
    let g = geometry(&xv, &wv, spec);
    let y = forward(&xv, &wv, &g);
    let out = match Conv3dBackward
        .prepare::<C>([x.node, weight.node])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish((xv, wv, g), y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    };
    Tensor::from_primitive(TensorPrimitive::Float(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuTrainBackend as AD;
    use burn::tensor::Distribution;

    /// Output and gradients of `sum(conv(x, w) * r)` for a fixed random `r`, by our op and by
    /// burn's own convolution through its autodiff; equal to 1e-4 of the largest value.
    fn check(x_shape: [usize; 5], w_shape: [usize; 5], spec: ConvSpec) {
        let device = Default::default();
        let normal = Distribution::Normal(0.0, 1.0);
        let x = Tensor::<AD, 5>::random(x_shape, normal, &device);
        let w = Tensor::<AD, 5>::random(w_shape, normal, &device);
        let run = |ours: bool| {
            let (x, w) = (x.clone().require_grad(), w.clone().require_grad());
            let y = if ours {
                conv3d_padded(x.clone(), w.clone(), spec)
            } else {
                conv3d_burn(x.clone(), w.clone(), spec)
            };
            // A different weight for every output cell.
            let r = y.clone().detach().sin();
            let g = y.clone().mul(r).sum().backward();
            let values = |t: Tensor<Flex, 5>| t.into_data().to_vec::<f32>().unwrap();
            [
                values(y.inner()),
                values(x.grad(&g).unwrap()),
                values(w.grad(&g).unwrap()),
            ]
        };
        let (ours, theirs) = (run(true), run(false));
        for (name, a, b) in [
            ("output", &ours[0], &theirs[0]),
            ("input gradient", &ours[1], &theirs[1]),
            ("weight gradient", &ours[2], &theirs[2]),
        ] {
            assert_eq!(a.len(), b.len(), "{name} size");
            let scale = b.iter().fold(1f32, |m, v| m.max(v.abs()));
            for (i, (p, q)) in a.iter().zip(b).enumerate() {
                assert!(
                    (p - q).abs() <= 1e-4 * scale,
                    "{name}[{i}] for x {x_shape:?} w {w_shape:?}: ours {p}, burn {q}"
                );
            }
        }
    }

    fn same(p: usize) -> ConvSpec {
        ConvSpec {
            stride: [1; 3],
            pad_before: [p; 3],
            pad_after: [p; 3],
        }
    }

    #[test]
    fn gradients_equal_burns_for_a_3x3x3_same_convolution() {
        check([2, 3, 4, 5, 6], [4, 3, 3, 3, 3], same(1));
    }

    #[test]
    fn gradients_equal_burns_for_a_pointwise_convolution() {
        check([2, 5, 3, 4, 4], [6, 5, 1, 1, 1], same(0));
    }

    #[test]
    fn gradients_equal_burns_for_an_unpadded_box_and_a_wide_one() {
        check([1, 2, 5, 6, 7], [3, 2, 3, 2, 3], same(0));
        check([1, 2, 7, 9, 8], [3, 2, 7, 7, 7], same(3));
    }

    #[test]
    fn gradients_equal_burns_for_a_strided_unevenly_padded_stem() {
        let spec = ConvSpec {
            stride: [2; 3],
            pad_before: [2; 3],
            pad_after: [3; 3],
        };
        check([2, 2, 8, 10, 9], [4, 2, 7, 7, 7], spec);
    }

    #[test]
    fn the_plain_backend_gives_the_training_backends_output() {
        let device = Default::default();
        let normal = Distribution::Normal(0.0, 1.0);
        let x = Tensor::<Flex, 5>::random([1, 3, 4, 5, 6], normal, &device);
        let w = Tensor::<Flex, 5>::random([2, 3, 3, 3, 3], normal, &device);
        let a = conv3d_padded(x.clone(), w.clone(), same(1))
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        let b = conv3d_burn(x, w, same(1))
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        for (p, q) in a.iter().zip(&b) {
            assert!((p - q).abs() < 1e-4, "ours {p}, burn {q}");
        }
    }
}
