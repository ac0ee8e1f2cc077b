//! Column tiles: the input cells each output cell of a tile sees, one row per (input channel,
//! kernel cell), read straight from the (channels, d, h, w) volume with its zero padding, and the
//! reverse (adding a tile's columns back onto the volume, for a strided input gradient).

use super::geometry::ConvGeometry;

/// A run of output cells along one output row inside a tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    /// Column of its first cell inside the tile.
    col: usize,
    /// Output slice and row.
    z: usize,
    y: usize,
    /// First output column, and how many.
    x0: usize,
    len: usize,
}

/// The output rows that output cells `t0..t1` (flattened (d, h, w) order) cover.
fn segments(g: &ConvGeometry, t0: usize, t1: usize) -> Vec<Segment> {
    let [_, oh, ow] = g.output;
    let mut out = Vec::new();
    let mut t = t0;
    while t < t1 {
        let (zy, x0) = (t / ow, t % ow);
        let len = (ow - x0).min(t1 - t);
        out.push(Segment {
            col: t - t0,
            z: zy / oh,
            y: zy % oh,
            x0,
            len,
        });
        t += len;
    }
    out
}

/// Where one kernel cell `(a, b, e)` of an output segment reads: the input row (None when the
/// slice or row is padding), the input column of its first cell, and the range of its cells
/// that fall inside the row (stride along the row `sw`).
fn source(
    g: &ConvGeometry,
    s: &Segment,
    cell: [usize; 3],
) -> Option<(usize, isize, std::ops::Range<usize>)> {
    let [d, h, w] = g.input;
    let zi = (s.z * g.stride[0] + cell[0]) as isize - g.pad_before[0] as isize;
    let yi = (s.y * g.stride[1] + cell[1]) as isize - g.pad_before[1] as isize;
    if zi < 0 || yi < 0 || zi as usize >= d || yi as usize >= h {
        return None;
    }
    let sw = g.stride[2] as isize;
    let first = (s.x0 * g.stride[2] + cell[2]) as isize - g.pad_before[2] as isize;
    // Cells j with 0 <= first + j * sw < w.
    let lo = if first < 0 { (-first + sw - 1) / sw } else { 0 } as usize;
    let hi = if first >= w as isize {
        0
    } else {
        ((w as isize - first + sw - 1) / sw) as usize
    };
    let (lo, hi) = (lo.min(s.len), hi.min(s.len).max(lo.min(s.len)));
    Some(((zi as usize * h + yi as usize) * w, first, lo..hi))
}

/// The kernel cells in (depth, row, col) order.
fn kernel_cells(g: &ConvGeometry) -> impl Iterator<Item = [usize; 3]> + '_ {
    let [kd, kh, kw] = g.kernel;
    (0..kd).flat_map(move |a| (0..kh).flat_map(move |b| (0..kw).map(move |e| [a, b, e])))
}

/// Fills `col` (col_len rows x (t1 - t0) columns, row-major) with the input cells output cells
/// `t0..t1` of volume `x` (c_in x in_plane) see; padding reads as zero.
pub fn fill_columns(g: &ConvGeometry, x: &[f32], t0: usize, t1: usize, col: &mut [f32]) {
    let width = t1 - t0;
    let segs = segments(g, t0, t1);
    let plane = g.in_plane();
    let sw = g.stride[2];
    let mut rows = col.chunks_exact_mut(width);
    for c in 0..g.c_in {
        let xc = &x[c * plane..(c + 1) * plane];
        for cell in kernel_cells(g) {
            let row = rows.next().expect("col holds col_len rows");
            for s in &segs {
                let out = &mut row[s.col..s.col + s.len];
                let Some((start, first, inside)) = source(g, s, cell) else {
                    out.fill(0.0);
                    continue;
                };
                out[..inside.start].fill(0.0);
                out[inside.end..].fill(0.0);
                let at = |j: usize| start + (first + (j * sw) as isize) as usize;
                if sw == 1 {
                    if inside.start < inside.end {
                        let (a, b) = (at(inside.start), at(inside.end - 1) + 1);
                        out[inside.clone()].copy_from_slice(&xc[a..b]);
                    }
                } else {
                    for j in inside {
                        out[j] = xc[at(j)];
                    }
                }
            }
        }
    }
}

/// Adds `col` (as [`fill_columns`] lays it out) back onto volume `dx` (c_in x in_plane): each
/// column entry goes to the input cell it was read from; padding cells are dropped.
pub fn add_columns(g: &ConvGeometry, col: &[f32], t0: usize, t1: usize, dx: &mut [f32]) {
    let width = t1 - t0;
    let segs = segments(g, t0, t1);
    let plane = g.in_plane();
    let sw = g.stride[2];
    let mut rows = col.chunks_exact(width);
    for c in 0..g.c_in {
        let xc = &mut dx[c * plane..(c + 1) * plane];
        for cell in kernel_cells(g) {
            let row = rows.next().expect("col holds col_len rows");
            for s in &segs {
                let Some((start, first, inside)) = source(g, s, cell) else {
                    continue;
                };
                for j in inside {
                    xc[start + (first + (j * sw) as isize) as usize] += row[s.col + j];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_split_a_tile_at_output_row_ends() {
        let g =
            ConvGeometry::new([1, 1, 2, 2, 3], [1, 1, 1, 1, 1], [1; 3], [0; 3], [0; 3]).unwrap();
        let s = segments(&g, 2, 8);
        let runs: Vec<_> = s.iter().map(|s| (s.col, s.z, s.y, s.x0, s.len)).collect();
        assert_eq!(
            runs,
            vec![(0, 0, 0, 2, 1), (1, 0, 1, 0, 3), (4, 1, 0, 0, 2)]
        );
    }

    #[test]
    fn columns_read_shifted_cells_and_zeros_outside() {
        // One row of 4 cells, kernel 3 along the row, padding 1 each side.
        let g = ConvGeometry::new(
            [1, 1, 1, 1, 4],
            [1, 1, 1, 1, 3],
            [1; 3],
            [0, 0, 1],
            [0, 0, 1],
        )
        .unwrap();
        let x = [1.0, 2.0, 3.0, 4.0];
        let mut col = vec![f32::NAN; 12];
        fill_columns(&g, &x, 0, 4, &mut col);
        assert_eq!(
            col,
            vec![0.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 0.0]
        );
    }

    #[test]
    fn strided_columns_skip_cells() {
        // 5 cells, kernel 2, stride 2, padding (0, 1): outputs read (0,1), (2,3), (4,pad).
        let g = ConvGeometry::new(
            [1, 1, 1, 1, 5],
            [1, 1, 1, 1, 2],
            [1, 1, 2],
            [0; 3],
            [0, 0, 1],
        )
        .unwrap();
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let mut col = vec![f32::NAN; 6];
        fill_columns(&g, &x, 0, 3, &mut col);
        assert_eq!(col, vec![1.0, 3.0, 5.0, 2.0, 4.0, 0.0]);
        let mut dx = vec![0.0; 5];
        add_columns(&g, &col, 0, 3, &mut dx);
        assert_eq!(dx, x.to_vec());
    }
}
