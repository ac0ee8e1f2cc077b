//! CPU kernels of the scan model's training backend (burn's `flex`), plugged into burn's
//! autodiff graph by [`crate::conv_cpu`] and [`crate::pool_cpu`]: the GPU path never sees them.
//!
//! - [`geometry`]: a convolution's shapes, strides and padding;
//! - [`im2col`]: column tiles read straight from the input volume;
//! - [`conv`]: forward, weight-gradient and input-gradient convolutions as tiled matrix products;
//! - [`direct`]: forward and weight gradient for few output channels (the stem), in registers;
//! - [`norm`]: batch norm (batch statistics) + ReLU, forward and backward;
//! - [`profile`]: time per kernel kind, for `uptake bench scan-model --profile`;
//! - [`flex`]: CPU tensors as f32 slices and back.

pub(crate) mod conv;
pub(crate) mod direct;
pub(crate) mod flex;
pub(crate) mod geometry;
pub(crate) mod im2col;
pub(crate) mod norm;
pub mod profile;
#[cfg(test)]
mod reference;
