//! The pixel grid a slice is rendered on.

/// An axial pixel grid: pixel (row, col) centre at (x0 + col*dx, y0 + row*dy).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SliceGrid {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// [dx (between columns), dy (between rows)].
    pub spacing_mm: [f32; 2],
    /// Centre of the first pixel.
    pub origin_mm: [f32; 2],
}
