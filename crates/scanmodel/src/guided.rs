//! Guided backpropagation's rectifier (Springenberg et al. 2015): forward is a ReLU, backward
//! passes the gradient only where BOTH the forward input was positive AND the incoming gradient
//! is positive. This is a real custom backward step in burn's autodiff graph; the original
//! study's code swapped a module whose backward was never used, so its "guided" maps were plain
//! gradients.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorPrimitive};

#[derive(Debug)]
struct GuidedReluBackward<const D: usize>;

impl<B: Backend, const D: usize> Backward<B, 1> for GuidedReluBackward<D> {
    /// The forward input.
    type State = B::FloatTensorPrimitive;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let input = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |grad| {
            let x = Tensor::<B, D>::from_primitive(TensorPrimitive::Float(input));
            let g = Tensor::<B, D>::from_primitive(TensorPrimitive::Float(grad));
            let keep = x.greater_elem(0.0).bool_and(g.clone().greater_elem(0.0));
            g.mask_fill(keep.bool_not(), 0.0).into_primitive().tensor()
        });
    }
}

/// ReLU whose backward pass is guided backpropagation's.
pub fn guided_relu<B: Backend, C: CheckpointStrategy, const D: usize>(
    x: Tensor<Autodiff<B, C>, D>,
) -> Tensor<Autodiff<B, C>, D> {
    let x = x.into_primitive().tensor();
    let node = x.node.clone();
    let out = match GuidedReluBackward::<D>
        .prepare::<C>([node])
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => {
            let input = x.primitive.clone();
            prep.finish(input, B::relu(x.primitive))
        }
        OpsKind::UnTracked(prep) => prep.finish(B::relu(x.primitive)),
    };
    Tensor::from_primitive(TensorPrimitive::Float(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuTrainBackend as AD;
    use burn::tensor::TensorData;

    #[test]
    fn guided_relu_blocks_negative_incoming_gradients_where_plain_relu_passes_them() {
        let device = Default::default();
        let x =
            Tensor::<AD, 1>::from_data(TensorData::new(vec![1.0f32, 2.0, -1.0, 3.0], [4]), &device)
                .require_grad();
        // d(loss)/d(relu out) = [1, -1, 1, -2]
        let w = Tensor::<AD, 1>::from_data(
            TensorData::new(vec![1.0f32, -1.0, 1.0, -2.0], [4]),
            &device,
        );
        let plain = burn::tensor::activation::relu(x.clone())
            .mul(w.clone())
            .sum()
            .backward();
        let guided = guided_relu(x.clone()).mul(w).sum().backward();
        let gp = x.grad(&plain).unwrap().to_data().to_vec::<f32>().unwrap();
        let gg = x.grad(&guided).unwrap().to_data().to_vec::<f32>().unwrap();
        assert_eq!(gp, vec![1.0, -1.0, 0.0, -2.0]);
        assert_eq!(gg, vec![1.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn guided_relu_forward_is_a_relu() {
        let device = Default::default();
        let x = Tensor::<AD, 1>::from_data(TensorData::new(vec![-2.0f32, 0.5], [2]), &device);
        assert_eq!(
            guided_relu(x).into_data().to_vec::<f32>().unwrap(),
            vec![0.0, 0.5]
        );
    }
}
