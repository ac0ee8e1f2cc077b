//! 3D max pooling with TensorFlow "SAME" padding. burn 0.21 has 1D and 2D pooling only: on the
//! CPU backend a direct 3D pass of our own ([`crate::pool_cpu`]) does it; elsewhere it is written
//! separably. A max over a box is the max over rows of the max over each row, so pooling (rows,
//! cols) per slice and then along the slices gives exactly the 3D result.

use std::any::Any;

use burn::backend::{Autodiff, Flex};
use burn::tensor::{DType, Tensor, backend::Backend, module::max_pool2d};

use crate::padding::{pad_dim, same_padding};
use crate::pool_cpu;

/// Max pooling of a (batch, channels, depth, rows, cols) tensor over a `kernel` box with
/// `stride`, "SAME" padding (padded cells never win).
///
/// On the CPU backend (plain or autodiff) this is [`pool_cpu`]'s direct 3D pass; other
/// backends (CUDA) pool separably with their own 2D kernels. The backend is told apart by its
/// type at run time, so the model code stays generic over `Backend`.
pub fn max_pool3d_same<B: Backend>(
    x: Tensor<B, 5>,
    kernel: [usize; 3],
    stride: [usize; 3],
) -> Tensor<B, 5> {
    // The direct pass works in f32, the model's float type; any other keeps its own.
    if x.dtype() != DType::F32 || !pools_directly::<B>() {
        return max_pool3d_separable(x, kernel, stride);
    }
    let x: Box<dyn Any> = Box::new(x);
    let x = match x.downcast::<Tensor<Flex, 5>>() {
        Ok(x) => return same_type(pool_cpu::pool_flex(*x, kernel, stride).0),
        Err(x) => x,
    };
    let x = match x.downcast::<Tensor<Autodiff<Flex>, 5>>() {
        Ok(x) => return same_type(pool_cpu::pool_autodiff(*x, kernel, stride)),
        Err(x) => x,
    };
    let x = *x
        .downcast::<Tensor<B, 5>>()
        .unwrap_or_else(|_| unreachable!("boxed as Tensor<B, 5>"));
    max_pool3d_separable(x, kernel, stride)
}

/// Whether [`max_pool3d_same`] takes the CPU backend's direct 3D pass for this backend.
pub fn pools_directly<B: Backend>() -> bool {
    use std::any::TypeId;
    let b = TypeId::of::<B>();
    b == TypeId::of::<Flex>() || b == TypeId::of::<Autodiff<Flex>>()
}

/// `value` as type `T`, which the caller has found it to be by downcasting.
fn same_type<S: 'static, T: 'static>(value: S) -> T {
    let boxed: Box<dyn Any> = Box::new(value);
    *boxed
        .downcast::<T>()
        .unwrap_or_else(|_| unreachable!("the caller downcast to this type"))
}

/// [`max_pool3d_same`] for any backend: burn's 2D max pooling per slice over (rows, cols), then
/// along the slices.
pub fn max_pool3d_separable<B: Backend>(
    x: Tensor<B, 5>,
    kernel: [usize; 3],
    stride: [usize; 3],
) -> Tensor<B, 5> {
    let mut x = x;
    // Symmetric padding goes to the pooling call (its padded cells never win); only the
    // uneven "SAME" cases are padded by hand, which copies the tensor.
    let mut pad = [0usize; 3];
    for axis in 0..3 {
        let n = x.dims()[2 + axis];
        let (before, after) = same_padding(n, kernel[axis], stride[axis]);
        if before == after && before < kernel[axis] {
            pad[axis] = before;
        } else {
            x = pad_dim(x, 2 + axis, before, after, f32::NEG_INFINITY);
        }
    }
    let [b, c, d, h, w] = x.dims();
    if kernel[1] > 1 || kernel[2] > 1 || stride[1] > 1 || stride[2] > 1 {
        // Slices as channels: a contiguous reshape, no copy.
        let y = max_pool2d(
            x.reshape([b * c, d, h, w]),
            [kernel[1], kernel[2]],
            [stride[1], stride[2]],
            [pad[1], pad[2]],
            [1, 1],
            false,
        );
        let [_, _, h2, w2] = y.dims();
        x = y.reshape([b, c, d, h2, w2]);
    }
    let [b, c, d, h, w] = x.dims();
    if kernel[0] > 1 || stride[0] > 1 {
        // Along the slices: a 2D pool with a (k, 1) kernel over (depth, rows*cols).
        let y = max_pool2d(
            x.reshape([b * c, 1, d, h * w]),
            [kernel[0], 1],
            [stride[0], 1],
            [pad[0], 0],
            [1, 1],
            false,
        );
        let d2 = y.dims()[2];
        x = y.reshape([b, c, d2, h, w]);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuBackend as B;
    use burn::tensor::Distribution;

    /// Straightforward 3D max pooling over the TF "SAME" windows, loops only.
    fn brute_force(
        x: &[f32],
        shape: [usize; 5],
        kernel: [usize; 3],
        stride: [usize; 3],
    ) -> (Vec<f32>, [usize; 5]) {
        let [b, c, d, h, w] = shape;
        let dims = [d, h, w];
        let out: Vec<usize> = (0..3).map(|a| dims[a].div_ceil(stride[a])).collect();
        let pads: Vec<usize> = (0..3)
            .map(|a| same_padding(dims[a], kernel[a], stride[a]).0)
            .collect();
        let mut y = Vec::new();
        for bi in 0..b {
            for ci in 0..c {
                for oz in 0..out[0] {
                    for oy in 0..out[1] {
                        for ox in 0..out[2] {
                            let mut m = f32::NEG_INFINITY;
                            for kz in 0..kernel[0] {
                                for ky in 0..kernel[1] {
                                    for kx in 0..kernel[2] {
                                        let z = (oz * stride[0] + kz) as isize - pads[0] as isize;
                                        let yy = (oy * stride[1] + ky) as isize - pads[1] as isize;
                                        let xx = (ox * stride[2] + kx) as isize - pads[2] as isize;
                                        if z < 0 || yy < 0 || xx < 0 {
                                            continue;
                                        }
                                        let (z, yy, xx) = (z as usize, yy as usize, xx as usize);
                                        if z >= d || yy >= h || xx >= w {
                                            continue;
                                        }
                                        let i = (((bi * c + ci) * d + z) * h + yy) * w + xx;
                                        m = m.max(x[i]);
                                    }
                                }
                            }
                            y.push(m);
                        }
                    }
                }
            }
        }
        (y, [b, c, out[0], out[1], out[2]])
    }

    fn check(shape: [usize; 5], kernel: [usize; 3], stride: [usize; 3]) {
        let device = Default::default();
        let x = Tensor::<B, 5>::random(shape, Distribution::Normal(0.0, 1.0), &device);
        let xs = x.to_data().to_vec::<f32>().unwrap();
        let (expected, eshape) = brute_force(&xs, shape, kernel, stride);
        for (name, y) in [
            ("direct", max_pool3d_same(x.clone(), kernel, stride)),
            ("separable", max_pool3d_separable(x.clone(), kernel, stride)),
        ] {
            assert_eq!(
                y.dims(),
                eshape,
                "{name}: shape for kernel {kernel:?} stride {stride:?}"
            );
            let got = y.into_data().to_vec::<f32>().unwrap();
            assert_eq!(
                got, expected,
                "{name}: values for kernel {kernel:?} stride {stride:?} on {shape:?}"
            );
        }
    }

    /// The pools of I3D (MaxPool3d_2a/3a, 4a, 5a, and the branch pools of the Mixed blocks).
    const I3D_POOLS: [([usize; 3], [usize; 3]); 4] = [
        ([1, 3, 3], [1, 2, 2]),
        ([3, 3, 3], [2, 2, 2]),
        ([2, 2, 2], [2, 2, 2]),
        ([3, 3, 3], [1, 1, 1]),
    ];

    #[test]
    fn direct_and_separable_pools_equal_brute_force_3d_pool_for_every_i3d_pool() {
        for shape in [[1, 2, 6, 8, 8], [2, 3, 5, 7, 9]] {
            for (kernel, stride) in I3D_POOLS {
                check(shape, kernel, stride);
            }
        }
    }

    #[test]
    fn cpu_backends_pool_directly() {
        assert!(pools_directly::<B>());
        assert!(pools_directly::<crate::CpuTrainBackend>());
    }

    #[test]
    fn direct_pool_gradient_equals_the_separable_pools_gradient() {
        use crate::CpuTrainBackend as AD;
        let device = Default::default();
        for (kernel, stride) in I3D_POOLS {
            let shape = [2, 3, 5, 7, 9];
            let x = Tensor::<AD, 5>::random(shape, Distribution::Normal(0.0, 1.0), &device);
            let x1 = x.clone().detach().require_grad();
            let x2 = x.detach().require_grad();
            let y1 = crate::pool_cpu::pool_autodiff(x1.clone(), kernel, stride);
            let y2 = max_pool3d_separable(x2.clone(), kernel, stride);
            // A weight per output cell, so each output's gradient is told apart.
            let w = Tensor::<AD, 5>::random(y1.dims(), Distribution::Normal(0.0, 1.0), &device);
            let grad = |y: Tensor<AD, 5>, x: &Tensor<AD, 5>| {
                let g = y.mul(w.clone()).sum().backward();
                x.grad(&g).unwrap().into_data().to_vec::<f32>().unwrap()
            };
            let direct = grad(y1, &x1);
            let separable = grad(y2, &x2);
            assert_eq!(direct.len(), separable.len());
            let nonzero = direct.iter().filter(|g| **g != 0.0).count();
            assert!(
                nonzero > 0,
                "kernel {kernel:?}: the gradient reaches the input"
            );
            for (i, (a, b)) in direct.iter().zip(&separable).enumerate() {
                assert!(
                    (a - b).abs() < 1e-5,
                    "kernel {kernel:?} stride {stride:?}: gradient at {i}: direct {a}, separable {b}"
                );
            }
        }
    }
}
