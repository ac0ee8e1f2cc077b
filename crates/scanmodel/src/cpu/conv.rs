//! 3D convolution kernels on plain f32 slices: forward, weight gradient and input gradient, as
//! matrix products over tiles of output cells.
//!
//! Each (volume, tile of output cells) is one unit of work: its column tile (the input cells
//! each output cell sees, [`fill_columns`]) is built in a buffer small enough to stay in the
//! core's cache, and one product with the kernel matrix gives the tile's outputs, written in
//! place into the (batch, c_out, d, h, w) result. A 1x1x1 stride-1 convolution needs no column
//! tile: its columns are the input itself. Units run in parallel; each writes its own cells.
//!
//! Convolutions with few output channels (the small networks' stem and narrow branches) run
//! [`super::direct`] instead where the CPU has AVX2 + FMA: their column tiles would cost as
//! much to build as the product.
//!
//! The weight gradient sums over every volume and tile. For results that do not depend on the
//! number of threads, the units are cut into a fixed number of groups (from the shapes only);
//! each group sums its units in order into its own buffer, and the buffers are added in order.

use std::cell::RefCell;

use rayon::prelude::*;

use super::direct;
use super::geometry::ConvGeometry;
use super::im2col::{add_columns, fill_columns};

/// Floats of one column tile: 64 Ki floats (256 KiB) keeps it in a core's L2 cache beside
/// the kernel block the product is working on.
const COLUMN_TILE_FLOATS: usize = 1 << 16;
/// Output cells per tile of a 1x1x1 convolution (no column tile to bound).
const POINTWISE_TILE: usize = 512;
/// Partial sums of a weight gradient, at most.
const WEIGHT_GRADIENT_GROUPS: usize = 8;

/// Output cells per tile for `g`: as many as keep the column tile within
/// [`COLUMN_TILE_FLOATS`], at least 32, a multiple of 16.
fn tile_width(g: &ConvGeometry) -> usize {
    if g.is_pointwise() {
        return POINTWISE_TILE;
    }
    (COLUMN_TILE_FLOATS / g.col_len()).clamp(32, 2048) / 16 * 16
}

/// A matrix inside a slice: first element and (row, column) strides in elements.
#[derive(Clone, Copy)]
struct View {
    ptr: *const f32,
    row: isize,
    col: isize,
}

/// A raw pointer that units of work running on other threads write through; each writes
/// cells no other unit touches.
#[derive(Clone, Copy)]
struct Shared(*mut f32);
// SAFETY: the units that share it write disjoint cells (see each use).
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}
unsafe impl Send for View {}
unsafe impl Sync for View {}

/// `dst (m x n) = lhs (m x k) . rhs (k x n)`, or `dst += ...` when `accumulate`; one thread.
///
/// # Safety
/// Every view must address valid memory for its shape; `dst` must not overlap the inputs.
#[allow(clippy::too_many_arguments)]
unsafe fn product(
    [m, n, k]: [usize; 3],
    dst: *mut f32,
    dst_row: isize,
    accumulate: bool,
    lhs: View,
    rhs: View,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            dst_row,
            accumulate,
            lhs.ptr,
            lhs.col,
            lhs.row,
            rhs.ptr,
            rhs.col,
            rhs.row,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

thread_local! {
    /// This thread's column tile, reused from unit to unit.
    static COLUMNS: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's column buffer of at least `len` floats.
fn with_columns<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    COLUMNS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() < len {
            c.resize(len, 0.0);
        }
        f(&mut c[..len])
    })
}

/// The (volume, first output cell, end) of every unit of work.
fn units(g: &ConvGeometry) -> Vec<(usize, usize, usize)> {
    let (plane, tile) = (g.out_plane(), tile_width(g));
    (0..g.batch)
        .flat_map(|b| {
            (0..plane.div_ceil(tile)).map(move |i| (b, i * tile, plane.min(i * tile + tile)))
        })
        .collect()
}

/// Convolution of `x` (batch, c_in, input) with `w` (c_out, c_in, kernel): (batch, c_out,
/// output), row-major.
pub fn forward(g: &ConvGeometry, x: &[f32], w: &[f32]) -> Vec<f32> {
    let (k, plane_in, plane_out) = (g.col_len(), g.in_plane(), g.out_plane());
    assert_eq!(x.len(), g.batch * g.c_in * plane_in, "input size");
    assert_eq!(w.len(), g.c_out * k, "kernel size");
    if direct::fits(g) {
        return direct::forward(g, x, w);
    }
    let mut y = vec![0.0f32; g.batch * g.c_out * plane_out];
    let out = Shared(y.as_mut_ptr());
    let kernel = View {
        ptr: w.as_ptr(),
        row: k as isize,
        col: 1,
    };
    units(g).into_par_iter().for_each(|(b, t0, t1)| {
        // Rebinding makes the closure capture the whole Send wrapper, not its raw pointer.
        #[allow(clippy::redundant_locals)]
        let out = out;
        let xb = &x[b * g.c_in * plane_in..(b + 1) * g.c_in * plane_in];
        // SAFETY: this unit writes y[b, :, t0..t1] only, inside y.
        let dst = unsafe { out.0.add(b * g.c_out * plane_out + t0) };
        let shape = [g.c_out, t1 - t0, k];
        if g.is_pointwise() {
            let cols = View {
                ptr: xb[t0..].as_ptr(),
                row: plane_in as isize,
                col: 1,
            };
            // SAFETY: kernel c_out x c_in, columns c_in rows of the volume from t0.
            unsafe { product(shape, dst, plane_out as isize, false, kernel, cols) };
            return;
        }
        with_columns(k * (t1 - t0), |col| {
            fill_columns(g, xb, t0, t1, col);
            let cols = View {
                ptr: col.as_ptr(),
                row: (t1 - t0) as isize,
                col: 1,
            };
            // SAFETY: kernel c_out x k, col k x (t1 - t0).
            unsafe { product(shape, dst, plane_out as isize, false, kernel, cols) };
        });
    });
    y
}

/// Gradient of the kernel: `dy` (batch, c_out, output) against the forward input `x`; the
/// result is (c_out, c_in, kernel), row-major.
pub fn weight_gradient(g: &ConvGeometry, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (k, plane_in, plane_out) = (g.col_len(), g.in_plane(), g.out_plane());
    assert_eq!(x.len(), g.batch * g.c_in * plane_in, "input size");
    assert_eq!(
        dy.len(),
        g.batch * g.c_out * plane_out,
        "output gradient size"
    );
    if direct::fits(g) {
        return direct::weight_gradient(g, x, dy);
    }
    let units = units(g);
    let per_group = units.len().div_ceil(WEIGHT_GRADIENT_GROUPS).max(1);
    let partials: Vec<Vec<f32>> = units
        .par_chunks(per_group)
        .map(|group| {
            let mut dw = vec![0.0f32; g.c_out * k];
            for (i, &(b, t0, t1)) in group.iter().enumerate() {
                let xb = &x[b * g.c_in * plane_in..(b + 1) * g.c_in * plane_in];
                let grad = View {
                    ptr: dy[(b * g.c_out * plane_out + t0)..].as_ptr(),
                    row: plane_out as isize,
                    col: 1,
                };
                let shape = [g.c_out, k, t1 - t0];
                if g.is_pointwise() {
                    // The input's rows from t0, read transposed.
                    let cols = View {
                        ptr: xb[t0..].as_ptr(),
                        row: 1,
                        col: plane_in as isize,
                    };
                    // SAFETY: grad c_out x width, cols width x c_in, dw c_out x c_in.
                    unsafe { product(shape, dw.as_mut_ptr(), k as isize, i > 0, grad, cols) };
                    continue;
                }
                with_columns(k * (t1 - t0), |col| {
                    fill_columns(g, xb, t0, t1, col);
                    let cols = View {
                        ptr: col.as_ptr(),
                        row: 1,
                        col: (t1 - t0) as isize,
                    };
                    // SAFETY: grad c_out x width, col transposed width x k, dw c_out x k.
                    unsafe { product(shape, dw.as_mut_ptr(), k as isize, i > 0, grad, cols) };
                });
            }
            dw
        })
        .collect();
    let mut parts = partials.into_iter();
    let mut dw = parts.next().unwrap_or_else(|| vec![0.0; g.c_out * k]);
    for p in parts {
        dw.iter_mut().zip(&p).for_each(|(a, b)| *a += b);
    }
    dw
}

/// The kernel of the input gradient of a stride-1 convolution: flipped along every axis, its
/// channel axes swapped: (c_in, c_out, kernel).
fn flipped_transposed(g: &ConvGeometry, w: &[f32]) -> Vec<f32> {
    let cells = g.kernel_cells();
    let mut out = vec![0.0f32; w.len()];
    for o in 0..g.c_out {
        for i in 0..g.c_in {
            let src = &w[(o * g.c_in + i) * cells..][..cells];
            let dst = &mut out[(i * g.c_out + o) * cells..][..cells];
            dst.iter_mut()
                .zip(src.iter().rev())
                .for_each(|(d, s)| *d = *s);
        }
    }
    out
}

/// Gradient of the input: `dy` (batch, c_out, output) through kernel `w`; the result is
/// (batch, c_in, input), row-major. Stride 1 runs as a forward convolution with the flipped,
/// transposed kernel; a strided convolution multiplies each tile's output gradient by the
/// transposed kernel and adds the columns back onto the input cells they came from.
pub fn input_gradient(g: &ConvGeometry, w: &[f32], dy: &[f32]) -> Vec<f32> {
    if let Some(back) = g.input_gradient() {
        return forward(&back, dy, &flipped_transposed(g, w));
    }
    let (k, plane_in, plane_out) = (g.col_len(), g.in_plane(), g.out_plane());
    assert_eq!(
        dy.len(),
        g.batch * g.c_out * plane_out,
        "output gradient size"
    );
    let tile = tile_width(g);
    let mut dx = vec![0.0f32; g.batch * g.c_in * plane_in];
    let kernel_t = View {
        ptr: w.as_ptr(),
        row: 1,
        col: k as isize,
    };
    // One volume per task: tiles of one volume add onto the same cells.
    dx.par_chunks_mut(g.c_in * plane_in)
        .enumerate()
        .for_each(|(b, dxb)| {
            let mut col = vec![0.0f32; k * tile];
            for t0 in (0..plane_out).step_by(tile) {
                let t1 = plane_out.min(t0 + tile);
                let grad = View {
                    ptr: dy[(b * g.c_out * plane_out + t0)..].as_ptr(),
                    row: plane_out as isize,
                    col: 1,
                };
                let col = &mut col[..k * (t1 - t0)];
                // SAFETY: transposed kernel k x c_out, grad c_out x width, col k x width.
                unsafe {
                    product(
                        [k, t1 - t0, g.c_out],
                        col.as_mut_ptr(),
                        (t1 - t0) as isize,
                        false,
                        kernel_t,
                        grad,
                    )
                };
                add_columns(g, col, t0, t1, dxb);
            }
        });
    dx
}
