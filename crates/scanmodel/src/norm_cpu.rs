//! Batch norm with batch statistics and ReLU fused, on the CPU backend ([`crate::cpu::norm`]),
//! as one custom step in burn's autodiff graph. Written as burn operations, a training pass's
//! batch norm and ReLU made about a dozen passes over every activation forward and as many
//! backward, each with a tensor of its own; fused, they make two each way.

use std::any::Any;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::{Autodiff, Flex};
use burn::tensor::{Tensor, TensorPrimitive, backend::Backend};
use burn_flex::FlexTensor;

use crate::cpu::flex::{contiguous_f32, flex_f32, values};
use crate::cpu::norm::{self, BatchStats, NormShape};
use crate::cpu::profile::{KernelKind, timed};

/// What a fused training pass returns: the rectified output and the batch's statistics per
/// channel (detached: for the running statistics).
pub struct NormRelu<B: Backend> {
    /// `relu(batch_norm(x))`.
    pub output: Tensor<B, 5>,
    /// Mean per channel.
    pub mean: Tensor<B, 1>,
    /// Variance per channel (biased).
    pub var: Tensor<B, 1>,
}

/// `relu(gamma * (x - mean) / sqrt(var + epsilon) + beta)` with batch statistics, on the CPU
/// backend (plain or autodiff); `None` on other backends, which keep burn's operations.
pub fn norm_relu_train<B: Backend>(
    x: Tensor<B, 5>,
    gamma: Tensor<B, 1>,
    beta: Tensor<B, 1>,
    epsilon: f64,
) -> Option<NormRelu<B>> {
    let args: Box<dyn Any> = Box::new((x, gamma, beta));
    let args = match args.downcast::<(
        Tensor<Autodiff<Flex>, 5>,
        Tensor<Autodiff<Flex>, 1>,
        Tensor<Autodiff<Flex>, 1>,
    )>() {
        Ok(a) => return Some(same_type(norm_relu_autodiff(a.0, a.1, a.2, epsilon as f32))),
        Err(args) => args,
    };
    let a = args
        .downcast::<(Tensor<Flex, 5>, Tensor<Flex, 1>, Tensor<Flex, 1>)>()
        .ok()?;
    Some(same_type(norm_relu_flex(a.0, a.1, a.2, epsilon as f32)))
}

/// `value` as type `T`, which the caller has found it to be by downcasting.
fn same_type<S: 'static, T: 'static>(value: NormRelu<S>) -> NormRelu<T>
where
    S: Backend,
    T: Backend,
{
    let boxed: Box<dyn Any> = Box::new(value);
    *boxed
        .downcast::<NormRelu<T>>()
        .unwrap_or_else(|_| unreachable!("the caller downcast to this type"))
}

fn shape_of(x: &FlexTensor) -> ([usize; 5], NormShape) {
    let s = x.layout().shape();
    let dims = [s[0], s[1], s[2], s[3], s[4]];
    let shape = NormShape {
        batch: dims[0],
        channels: dims[1],
        cells: dims[2] * dims[3] * dims[4],
    };
    (dims, shape)
}

fn flex1(values: Vec<f32>) -> FlexTensor {
    let n = values.len();
    flex_f32(values, [n])
}

fn float<const D: usize, B: Backend>(t: B::FloatTensorPrimitive) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

fn norm_relu_flex(
    x: Tensor<Flex, 5>,
    gamma: Tensor<Flex, 1>,
    beta: Tensor<Flex, 1>,
    eps: f32,
) -> NormRelu<Flex> {
    let x = contiguous_f32(x.into_primitive().tensor());
    let gamma = contiguous_f32(gamma.into_primitive().tensor());
    let beta = contiguous_f32(beta.into_primitive().tensor());
    let (dims, s) = shape_of(&x);
    let (y, stats) = norm::forward(values(&x), s, values(&gamma), values(&beta), eps);
    NormRelu {
        output: float::<5, Flex>(flex_f32(y, dims)),
        mean: float::<1, Flex>(flex1(stats.mean)),
        var: float::<1, Flex>(flex1(stats.var)),
    }
}

#[derive(Debug)]
struct NormReluBackward;

/// Input, scale, shift (contiguous f32), the batch's statistics and epsilon.
type NormState = (FlexTensor, FlexTensor, FlexTensor, BatchStats, f32);

impl Backward<Flex, 3> for NormReluBackward {
    type State = NormState;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (x, gamma, beta, stats, eps) = ops.state;
        let grad = contiguous_f32(grads.consume::<Flex>(&ops.node));
        let (dims, s) = shape_of(&x);
        let (dx, dgamma, dbeta) = timed(KernelKind::NormReluBackward, || {
            let (x, g, gamma, beta) = (values(&x), values(&grad), values(&gamma), values(&beta));
            norm::backward(x, g, s, gamma, beta, &stats, eps)
        });
        let [px, pg, pb] = ops.parents;
        if let Some(node) = px {
            grads.register::<Flex>(node.id, flex_f32(dx, dims));
        }
        if let Some(node) = pg {
            grads.register::<Flex>(node.id, flex1(dgamma));
        }
        if let Some(node) = pb {
            grads.register::<Flex>(node.id, flex1(dbeta));
        }
    }
}

fn norm_relu_autodiff<C: CheckpointStrategy>(
    x: Tensor<Autodiff<Flex, C>, 5>,
    gamma: Tensor<Autodiff<Flex, C>, 1>,
    beta: Tensor<Autodiff<Flex, C>, 1>,
    eps: f32,
) -> NormRelu<Autodiff<Flex, C>> {
    let x = x.into_primitive().tensor();
    let gamma = gamma.into_primitive().tensor();
    let beta = beta.into_primitive().tensor();
    let xv = contiguous_f32(x.primitive);
    let (gv, bv) = (
        contiguous_f32(gamma.primitive),
        contiguous_f32(beta.primitive),
    );
    let (dims, s) = shape_of(&xv);
    let (y, stats) = timed(KernelKind::NormReluForward, || {
        norm::forward(values(&xv), s, values(&gv), values(&bv), eps)
    });
    let (mean, var) = (flex1(stats.mean.clone()), flex1(stats.var.clone()));
    let y = flex_f32(y, dims);
    let out = match NormReluBackward
        .prepare::<C>([x.node, gamma.node, beta.node])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish((xv, gv, bv, stats, eps), y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    };
    let detached = |t| Tensor::<Autodiff<Flex, C>, 1>::from_inner(float::<1, Flex>(t));
    NormRelu {
        output: Tensor::from_primitive(TensorPrimitive::Float(out)),
        mean: detached(mean),
        var: detached(var),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuTrainBackend as AD;
    use burn::tensor::Distribution;

    /// Batch norm with batch statistics and ReLU written as burn operations.
    fn burn_ops(
        x: Tensor<AD, 5>,
        gamma: Tensor<AD, 1>,
        beta: Tensor<AD, 1>,
        eps: f64,
    ) -> Tensor<AD, 5> {
        let [b, c, d, h, w] = x.dims();
        let flat = x.clone().reshape([b, c, d * h * w]);
        let mean = flat.clone().mean_dim(2).mean_dim(0).reshape([c]);
        let var = flat
            .sub(mean.clone().reshape([1, c, 1]))
            .square()
            .mean_dim(2)
            .mean_dim(0)
            .reshape([c]);
        let scale = gamma.div(var.add_scalar(eps).sqrt());
        let shift = beta.sub(mean.mul(scale.clone()));
        let y = x
            .mul(scale.reshape([1, c, 1, 1, 1]))
            .add(shift.reshape([1, c, 1, 1, 1]));
        burn::tensor::activation::relu(y)
    }

    fn values<const D: usize>(t: Tensor<Flex, D>) -> Vec<f32> {
        t.into_data().to_vec::<f32>().unwrap()
    }

    /// Equal to `tol` of the largest value.
    fn assert_close(name: &str, a: &[f32], b: &[f32], tol: f32) {
        assert_eq!(a.len(), b.len(), "{name} size");
        let scale = b.iter().fold(1f32, |m, v| m.max(v.abs()));
        for (i, (p, q)) in a.iter().zip(b).enumerate() {
            assert!(
                (p - q).abs() <= tol * scale,
                "{name}[{i}]: fused {p}, burn {q}"
            );
        }
    }

    #[test]
    fn fused_output_statistics_and_gradients_equal_burns_operations() {
        let device = Default::default();
        let normal = Distribution::Normal(0.5, 2.0);
        let x = Tensor::<AD, 5>::random([2, 3, 3, 4, 5], normal, &device);
        let gamma = Tensor::<AD, 1>::random([3], Distribution::Uniform(0.5, 1.5), &device);
        let beta = Tensor::<AD, 1>::random([3], Distribution::Normal(0.0, 0.5), &device);
        let r = Tensor::<AD, 5>::random([2, 3, 3, 4, 5], Distribution::Normal(0.0, 1.0), &device);
        let run = |fused: bool| {
            let (x, g, b) = (
                x.clone().require_grad(),
                gamma.clone().require_grad(),
                beta.clone().require_grad(),
            );
            let (y, stats) = if fused {
                let out = norm_relu_train(x.clone(), g.clone(), b.clone(), 1e-3).unwrap();
                (out.output, Some((out.mean, out.var)))
            } else {
                (burn_ops(x.clone(), g.clone(), b.clone(), 1e-3), None)
            };
            let grads = y.clone().mul(r.clone()).sum().backward();
            let out = [
                values(y.inner()),
                values(x.grad(&grads).unwrap()),
                values(g.grad(&grads).unwrap()),
                values(b.grad(&grads).unwrap()),
            ];
            (out, stats)
        };
        let ((fused, stats), (ours, _)) = (run(true), run(false));
        for (i, name) in [
            "output",
            "input gradient",
            "gamma gradient",
            "beta gradient",
        ]
        .iter()
        .enumerate()
        {
            assert_close(name, &fused[i], &ours[i], 1e-5);
        }
        let (mean, var) = stats.unwrap();
        let xs = values(x.inner());
        // Channel 1 of both volumes, by hand.
        let ch: Vec<f64> = (0..2)
            .flat_map(|b| xs[(b * 3 + 1) * 60..][..60].to_vec())
            .map(f64::from)
            .collect();
        let m = ch.iter().sum::<f64>() / 120.0;
        let v = ch.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 120.0;
        assert!((values(mean.inner())[1] as f64 - m).abs() < 1e-5);
        assert!((values(var.inner())[1] as f64 - v).abs() < 1e-4);
    }

    #[test]
    fn the_plain_backend_fuses_too_and_other_inputs_are_declined() {
        let device = Default::default();
        let x = Tensor::<Flex, 5>::from_data(
            burn::tensor::TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0], [1, 1, 1, 1, 4]),
            &device,
        );
        let one = Tensor::<Flex, 1>::ones([1], &device);
        let out = norm_relu_train(x, one.clone(), one.zeros_like(), 0.0).unwrap();
        // mean 2.5, variance 1.25: (x - 2.5) / sqrt(1.25), negatives rectified.
        let y = values(out.output);
        let s = 1.25f32.sqrt();
        assert_close("output", &y, &[0.0, 0.0, 0.5 / s, 1.5 / s], 1e-6);
        assert_eq!((values(out.mean), values(out.var)), (vec![2.5], vec![1.25]));
    }
}
