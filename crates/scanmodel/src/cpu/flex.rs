//! CPU tensors as contiguous f32 values and back, without copies where the values already lie
//! that way.

use burn::backend::Flex;
use burn::tensor::{Bytes, DType, Shape, Tensor, TensorPrimitive};
use burn_flex::{FlexTensor, Layout};

/// A CPU tensor's values as contiguous f32 (copied only if they were not).
pub fn contiguous_f32(x: FlexTensor) -> FlexTensor {
    let x = if x.dtype() == DType::F32 {
        x
    } else {
        Tensor::<Flex, 1>::from_primitive(TensorPrimitive::Float(x))
            .cast(DType::F32)
            .into_primitive()
            .tensor()
    };
    x.to_contiguous()
}

/// The f32 values of a tensor made by [`contiguous_f32`].
pub fn values(x: &FlexTensor) -> &[f32] {
    x.as_slice::<f32>().unwrap_or_default()
}

/// A contiguous f32 CPU tensor of `shape` holding `values`.
pub fn flex_f32<const D: usize>(values: Vec<f32>, shape: [usize; D]) -> FlexTensor {
    FlexTensor::new(
        Bytes::from_elems(values),
        Layout::contiguous(Shape::new(shape)),
        DType::F32,
    )
}
