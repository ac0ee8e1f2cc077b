//! Direct 3D convolution for few output channels (the small networks' stem: 2 -> 8 or 16
//! channels, 7x7x7, stride 2), forward and weight gradient, vectorised over output channels
//! (AVX2 + FMA).
//!
//! Column tiles ([`super::im2col`]) copy, per output cell, every input cell the kernel sees:
//! c_in x kernel-cells values, each feeding only c_out multiply-adds, and with a stride the
//! copies are gathers. With 8-16 output channels building the columns cost as much as the
//! product. Here the input is zero-padded once per volume, the kernel is laid out (tap, c_out)
//! so one vector load serves eight output channels, and the sums of a few output cells
//! (forward) or a few taps (weight gradient) stay in registers while the input is read in
//! place.
//!
//! Sums run in a fixed order whatever the number of threads: the forward pass gives each
//! output cell one sum; the weight gradient cuts its rows into a fixed number of groups (from
//! the shapes only), each summed in order, the groups added in order.

use rayon::prelude::*;

use super::geometry::ConvGeometry;

/// f32 lanes of one vector.
const LANES: usize = 8;
/// The direct path is for convolutions with at most this many output channels: with 64 (the
/// full network's stem) each copied column value feeds enough multiply-adds that the tiled
/// product is faster (measured: the full stem's forward pass 0.71 s direct against 0.65 s
/// tiled, its weight gradient 0.88 s against 0.77 s; with 16 channels 20 ms against 42 ms and
/// 16 ms against 46 ms).
const MAX_OUTPUT_CHANNELS: usize = 32;
/// Partial sums of a weight gradient, at most.
const WEIGHT_GRADIENT_GROUPS: usize = 8;

/// Whether `g` takes the direct path on this CPU: few output channels, in whole vectors, a
/// kernel larger than one cell, and AVX2 + FMA.
pub fn fits(g: &ConvGeometry) -> bool {
    g.c_out <= MAX_OUTPUT_CHANNELS
        && g.c_out.is_multiple_of(LANES)
        && g.kernel_cells() > 1
        && simd::available()
}

/// One volume's channels, zero-padded to exactly the cells the kernel reads, plus a margin
/// so that register blocks running past a row's end read memory they own (results dropped).
struct Padded {
    data: Vec<f32>,
    dims: [usize; 3],
}

impl Padded {
    fn new(g: &ConvGeometry, xb: &[f32]) -> Self {
        let dims: [usize; 3] =
            std::array::from_fn(|a| (g.output[a] - 1) * g.stride[a] + g.kernel[a]);
        let [d, h, w] = g.input;
        let plane = dims.iter().product::<usize>();
        let margin = 2 * LANES * g.stride[2] + g.kernel[2];
        let mut data = vec![0.0f32; g.c_in * plane + margin];
        let [pz, py, px] = g.pad_before;
        let cols = w.min(dims[2] - px);
        for c in 0..g.c_in {
            for z in 0..d.min(dims[0] - pz) {
                for y in 0..h.min(dims[1] - py) {
                    let src = ((c * d + z) * h + y) * w;
                    let dst = c * plane + ((z + pz) * dims[1] + y + py) * dims[2] + px;
                    data[dst..dst + cols].copy_from_slice(&xb[src..src + cols]);
                }
            }
        }
        Self { data, dims }
    }

    /// Offset of (channel, slice, row), column 0.
    fn row(&self, c: usize, z: usize, y: usize) -> usize {
        ((c * self.dims[0] + z) * self.dims[1] + y) * self.dims[2]
    }
}

/// `m` (rows x cols, row-major) transposed: a kernel (c_out, taps) becomes (taps, c_out), an
/// output gradient (c_out, cells) becomes (cells, c_out).
fn transpose(rows: usize, cols: usize, m: &[f32]) -> Vec<f32> {
    let mut t = vec![0.0f32; m.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = m[r * cols + c];
        }
    }
    t
}

/// Runs of whole vectors of output channels, each at most `widest` vectors: (first
/// channel, vectors).
fn channel_groups(c_out: usize, widest: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut at, blocks) = (0, c_out / LANES);
    while at < blocks {
        let n = [4, 2, 1]
            .into_iter()
            .find(|&n| n <= widest && at + n <= blocks)
            .unwrap_or(1);
        out.push((at * LANES, n));
        at += n;
    }
    out
}

/// A raw output pointer shared by units that write disjoint cells.
#[derive(Clone, Copy)]
struct Shared(*mut f32);
// SAFETY: each unit writes only the cells of its own output slice (see `forward`).
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

/// Convolution of `x` (batch, c_in, input) with `w` (c_out, c_in, kernel): (batch, c_out,
/// output). Call only when [`fits`].
pub fn forward(g: &ConvGeometry, x: &[f32], w: &[f32]) -> Vec<f32> {
    assert!(fits(g), "direct convolution for {g:?}");
    let (plane_in, plane_out) = (g.in_plane(), g.out_plane());
    let wt = transpose(g.c_out, g.col_len(), w);
    let mut y = vec![0.0f32; g.batch * g.c_out * plane_out];
    let out = Shared(y.as_mut_ptr());
    for b in 0..g.batch {
        let xp = Padded::new(g, &x[b * g.c_in * plane_in..][..g.c_in * plane_in]);
        (0..g.output[0]).into_par_iter().for_each(|z| {
            #[allow(clippy::redundant_locals)]
            let out = out;
            for oy in 0..g.output[1] {
                let row = Row {
                    g,
                    xp: &xp,
                    z,
                    y: oy,
                };
                // SAFETY: this unit writes y[b, :, z, oy, :] only, inside y (fits() checked
                // AVX2 + FMA).
                unsafe { simd::forward_row(&row, &wt, out.0.add(b * g.c_out * plane_out)) };
            }
        });
    }
    y
}

/// Gradient of the kernel: `dy` (batch, c_out, output) against the forward input `x`; the
/// result is (c_out, c_in, kernel). Call only when [`fits`].
pub fn weight_gradient(g: &ConvGeometry, x: &[f32], dy: &[f32]) -> Vec<f32> {
    assert!(fits(g), "direct convolution for {g:?}");
    let (plane_in, plane_out, k) = (g.in_plane(), g.out_plane(), g.col_len());
    let [od, oh, _] = g.output;
    let rows: Vec<(usize, usize, usize)> = (0..g.batch)
        .flat_map(|b| (0..od).flat_map(move |z| (0..oh).map(move |y| (b, z, y))))
        .collect();
    let per_group = rows.len().div_ceil(WEIGHT_GRADIENT_GROUPS).max(1);
    let volumes: Vec<(Padded, Vec<f32>)> = (0..g.batch)
        .into_par_iter()
        .map(|b| {
            let xp = Padded::new(g, &x[b * g.c_in * plane_in..][..g.c_in * plane_in]);
            let dyt = transpose(
                g.c_out,
                plane_out,
                &dy[b * g.c_out * plane_out..][..g.c_out * plane_out],
            );
            (xp, dyt)
        })
        .collect();
    let partials: Vec<Vec<f32>> = rows
        .par_chunks(per_group)
        .map(|group| {
            let mut dwt = vec![0.0f32; k * g.c_out];
            for &(b, z, oy) in group {
                let (xp, dyt) = &volumes[b];
                let row = Row { g, xp, z, y: oy };
                // SAFETY: fits() checked AVX2 + FMA; dwt holds k x c_out sums.
                unsafe { simd::weight_gradient_row(&row, dyt, &mut dwt) };
            }
            dwt
        })
        .collect();
    let mut parts = partials.into_iter();
    let mut dwt = parts.next().unwrap_or_else(|| vec![0.0; k * g.c_out]);
    for p in parts {
        dwt.iter_mut().zip(&p).for_each(|(a, b)| *a += b);
    }
    transpose(k, g.c_out, &dwt)
}

/// One output row (slice `z`, row `y`) of one padded volume.
struct Row<'a> {
    g: &'a ConvGeometry,
    xp: &'a Padded,
    z: usize,
    y: usize,
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::*;

    use super::{LANES, Row, channel_groups};

    pub fn available() -> bool {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }

    /// The input rows output row `row` reads, in (channel, kernel slice, kernel row) order,
    /// with the first tap of each in the kernel's (tap, c_out) layout.
    fn sources(row: &Row) -> impl Iterator<Item = (usize, usize)> {
        let (g, xp) = (row.g, row.xp);
        let [kd, kh, kw] = g.kernel;
        let (z0, y0) = (row.z * g.stride[0], row.y * g.stride[1]);
        (0..g.c_in).flat_map(move |c| {
            (0..kd).flat_map(move |a| {
                (0..kh).map(move |e| (xp.row(c, z0 + a, y0 + e), ((c * kd + a) * kh + e) * kw))
            })
        })
    }

    /// Writes output row `row` of every channel into `y` (c_out, output), computed from the
    /// (tap, c_out) kernel `wt`.
    ///
    /// # Safety
    /// AVX2 and FMA must be available; `y` must hold c_out x out_plane floats.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn forward_row(row: &Row, wt: &[f32], y: *mut f32) {
        for (c0, n) in channel_groups(row.g.c_out, 4) {
            // SAFETY: forwarded from the caller.
            unsafe {
                match n {
                    4 => forward_block::<4, 2>(row, wt, c0, y),
                    2 => forward_block::<2, 4>(row, wt, c0, y),
                    _ => forward_block::<1, 8>(row, wt, c0, y),
                }
            }
        }
    }

    /// Output channels `c0..c0 + CB * 8` of one row, `NC` output cells at a time.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn forward_block<const CB: usize, const NC: usize>(
        row: &Row,
        wt: &[f32],
        c0: usize,
        y: *mut f32,
    ) {
        let g = row.g;
        let (ow, sx, kw, c_out) = (g.output[2], g.stride[2], g.kernel[2], g.c_out);
        let (data, plane) = (row.xp.data.as_ptr(), g.out_plane());
        let cell0 = (row.z * g.output[1] + row.y) * ow;
        for x0 in (0..ow).step_by(NC) {
            let mut acc = [[_mm256_setzero_ps(); CB]; NC];
            for (src, tap) in sources(row) {
                for kx in 0..kw {
                    // SAFETY: taps and channels inside wt; reads inside the padded volume or
                    // its margin (cells past the row's end are dropped below).
                    unsafe {
                        let mut wv = [_mm256_setzero_ps(); CB];
                        for (cb, v) in wv.iter_mut().enumerate() {
                            *v = _mm256_loadu_ps(
                                wt.as_ptr().add((tap + kx) * c_out + c0 + cb * LANES),
                            );
                        }
                        for (n, acc) in acc.iter_mut().enumerate() {
                            let v = _mm256_broadcast_ss(&*data.add(src + (x0 + n) * sx + kx));
                            for (a, w) in acc.iter_mut().zip(&wv) {
                                *a = _mm256_fmadd_ps(v, *w, *a);
                            }
                        }
                    }
                }
            }
            for (n, acc) in acc.iter().enumerate().take(ow - x0) {
                for (cb, v) in acc.iter().enumerate() {
                    let mut lanes = [0.0f32; LANES];
                    // SAFETY: lanes holds 8 floats; y holds c_out x plane floats.
                    unsafe {
                        _mm256_storeu_ps(lanes.as_mut_ptr(), *v);
                        for (l, value) in lanes.iter().enumerate() {
                            *y.add((c0 + cb * LANES + l) * plane + cell0 + x0 + n) = *value;
                        }
                    }
                }
            }
        }
    }

    /// Adds output row `row`'s share of the kernel gradient to `dwt` (tap, c_out), from the
    /// output gradient `dyt` (cells, c_out).
    ///
    /// # Safety
    /// AVX2 and FMA must be available; `dwt` must hold taps x c_out floats.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn weight_gradient_row(row: &Row, dyt: &[f32], dwt: &mut [f32]) {
        for (c0, n) in channel_groups(row.g.c_out, 4) {
            // SAFETY: forwarded from the caller.
            unsafe {
                match n {
                    4 => weight_gradient_block::<4, 2>(row, dyt, c0, dwt),
                    2 => weight_gradient_block::<2, 4>(row, dyt, c0, dwt),
                    _ => weight_gradient_block::<1, 8>(row, dyt, c0, dwt),
                }
            }
        }
    }

    /// Channels `c0..c0 + CB * 8`, `KT` taps along the kernel row at a time (sums for taps
    /// past the kernel row's end are computed from the margin and dropped).
    #[target_feature(enable = "avx2,fma")]
    unsafe fn weight_gradient_block<const CB: usize, const KT: usize>(
        row: &Row,
        dyt: &[f32],
        c0: usize,
        dwt: &mut [f32],
    ) {
        let g = row.g;
        let (ow, sx, kw, c_out) = (g.output[2], g.stride[2], g.kernel[2], g.c_out);
        let data = row.xp.data.as_ptr();
        let grad = dyt[(row.z * g.output[1] + row.y) * ow * c_out + c0..].as_ptr();
        let dw = dwt.as_mut_ptr();
        for (src, tap) in sources(row) {
            for k0 in (0..kw).step_by(KT) {
                let taps = (kw - k0).min(KT);
                // SAFETY: only the row's own taps of dwt are read and written; input reads
                // stay inside the padded volume and its margin; dyt holds ow x c_out floats
                // from this row.
                unsafe {
                    let mut acc = [[_mm256_setzero_ps(); CB]; KT];
                    for (t, acc) in acc.iter_mut().enumerate().take(taps) {
                        for (cb, a) in acc.iter_mut().enumerate() {
                            *a = _mm256_loadu_ps(dw.add((tap + k0 + t) * c_out + c0 + cb * LANES));
                        }
                    }
                    for ox in 0..ow {
                        let mut dv = [_mm256_setzero_ps(); CB];
                        for (cb, v) in dv.iter_mut().enumerate() {
                            *v = _mm256_loadu_ps(grad.add(ox * c_out + cb * LANES));
                        }
                        let base = data.add(src + ox * sx + k0);
                        for (t, acc) in acc.iter_mut().enumerate() {
                            let v = _mm256_broadcast_ss(&*base.add(t));
                            for (a, d) in acc.iter_mut().zip(&dv) {
                                *a = _mm256_fmadd_ps(v, *d, *a);
                            }
                        }
                    }
                    for (t, acc) in acc.iter().enumerate().take(taps) {
                        for (cb, a) in acc.iter().enumerate() {
                            _mm256_storeu_ps(dw.add((tap + k0 + t) * c_out + c0 + cb * LANES), *a);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod simd {
    pub fn available() -> bool {
        false
    }
    pub unsafe fn forward_row(_: &super::Row, _: &[f32], _: *mut f32) {
        unreachable!("fits() is false without AVX2")
    }
    pub unsafe fn weight_gradient_row(_: &super::Row, _: &[f32], _: &mut [f32]) {
        unreachable!("fits() is false without AVX2")
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    fn geometry(c_in: usize, c_out: usize, kernel: usize) -> ConvGeometry {
        let w = [c_out, c_in, kernel, kernel, kernel];
        ConvGeometry::new([1, c_in, 9, 9, 9], w, [2; 3], [2; 3], [3; 3]).unwrap()
    }

    #[test]
    fn only_a_few_whole_vectors_of_output_channels_with_a_real_kernel_take_the_direct_path() {
        if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            return;
        }
        assert!(fits(&geometry(2, 8, 7)));
        assert!(fits(&geometry(96, 32, 3)));
        assert!(!fits(&geometry(2, 64, 7)), "the full stem: tiled is faster");
        assert!(!fits(&geometry(2, 12, 7)), "not whole vectors");
        assert!(!fits(&geometry(16, 8, 1)), "1x1x1: no columns to save");
    }

    #[test]
    fn channel_groups_take_four_vectors_then_two_then_one() {
        assert_eq!(channel_groups(8, 4), vec![(0, 1)]);
        assert_eq!(channel_groups(24, 4), vec![(0, 2), (16, 1)]);
        assert_eq!(channel_groups(56, 4), vec![(0, 4), (32, 2), (48, 1)]);
    }
}
