//! A series' slices put in physical order: sorted by position along the slice normal, checked
//! for orientation (axial only), consistency, duplicates and gaps.

use crate::dicom::SliceHeader;
use crate::store::Geometry;

/// Slices that do not make one volume.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayoutError {
    /// A slice lacks a geometry tag.
    #[error("{path}: missing {tag}")]
    MissingTag {
        /// The file.
        path: String,
        /// The tag's name and number.
        tag: &'static str,
    },
    /// Slices that are not axial.
    #[error(
        "non-axial orientation: ImageOrientationPatient {iop:?} (only axial slices, rows along x and columns along y, are supported)"
    )]
    NonAxial {
        /// ImageOrientationPatient.
        iop: [f64; 6],
    },
    /// Slices of different sizes, spacings or orientations.
    #[error("slices disagree on {what}")]
    Inconsistent {
        /// What differs.
        what: String,
    },
    /// Two slices at one position.
    #[error("duplicate slice position: two slices at z = {z_mm:.2} mm")]
    Duplicate {
        /// The position.
        z_mm: f64,
    },
    /// Missing slices.
    #[error(
        "gap in slice positions: {gap_mm:.2} mm between z = {from_mm:.2} and {to_mm:.2} mm, where slices are {spacing_mm:.2} mm apart (missing slices?)"
    )]
    Gap {
        /// The slice below the gap.
        from_mm: f64,
        /// The slice above it.
        to_mm: f64,
        /// The gap.
        gap_mm: f64,
        /// The usual spacing.
        spacing_mm: f64,
    },
    /// Fewer than two slices.
    #[error("only {0} slice(s): a volume needs at least 2")]
    TooFewSlices(usize),
}

/// Where a series' pixels lie: slice `s` (in `order`) at LPS z `z_mm[s]` (ascending), pixel
/// `(r, c)` at LPS `x = origin_x + c * step_x`, `y = origin_y + r * step_y` (steps signed, so
/// flipped axial images are handled).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesLayout {
    /// Indices into the header list, from the lowest z (feet) to the highest (head).
    pub order: Vec<usize>,
    /// LPS z of each slice, in `order`.
    pub z_mm: Vec<f64>,
    /// Pixel rows per slice.
    pub rows: usize,
    /// Pixel columns per slice.
    pub cols: usize,
    /// LPS x of column 0.
    pub origin_x_mm: f64,
    /// LPS y of row 0.
    pub origin_y_mm: f64,
    /// x step per column (signed).
    pub step_x_mm: f64,
    /// y step per row (signed).
    pub step_y_mm: f64,
    /// What ingestion should know but need not refuse (irregular spacing, resampled as is).
    pub notes: Vec<String>,
}

impl SeriesLayout {
    /// Median spacing between consecutive slices.
    pub fn slice_spacing_mm(&self) -> f64 {
        median_diff(&self.z_mm)
    }

    /// `(lowest, highest)` slice centre z.
    pub fn z_range_mm(&self) -> (f64, f64) {
        (self.z_mm[0], *self.z_mm.last().unwrap_or(&self.z_mm[0]))
    }

    /// `(x min, x max, y min, y max)` of the pixel centres.
    pub fn xy_extent_mm(&self) -> (f64, f64, f64, f64) {
        let x1 = self.origin_x_mm + (self.cols as f64 - 1.0) * self.step_x_mm;
        let y1 = self.origin_y_mm + (self.rows as f64 - 1.0) * self.step_y_mm;
        (
            self.origin_x_mm.min(x1),
            self.origin_x_mm.max(x1),
            self.origin_y_mm.min(y1),
            self.origin_y_mm.max(y1),
        )
    }

    /// The native geometry in the store's terms (z listed from the head end).
    pub fn native_geometry(&self) -> Geometry {
        let (x0, _, y0, _) = self.xy_extent_mm();
        Geometry {
            shape: [self.z_mm.len(), self.rows, self.cols],
            spacing_mm: [
                self.slice_spacing_mm() as f32,
                self.step_y_mm.abs() as f32,
                self.step_x_mm.abs() as f32,
            ],
            origin_mm: [self.z_range_mm().1 as f32, y0 as f32, x0 as f32],
        }
    }
}

fn median_diff(z: &[f64]) -> f64 {
    let mut d: Vec<f64> = z.windows(2).map(|w| w[1] - w[0]).collect();
    if d.is_empty() {
        return 0.0;
    }
    d.sort_by(|a, b| a.total_cmp(b));
    d[d.len() / 2]
}

const ORIENTATION_TOLERANCE: f64 = 0.01;

/// Orders and checks the slices of one series.
pub fn layout_series(headers: &[SliceHeader]) -> Result<SeriesLayout, LayoutError> {
    if headers.len() < 2 {
        return Err(LayoutError::TooFewSlices(headers.len()));
    }
    let first = &headers[0];
    let iop = first
        .image_orientation
        .ok_or_else(|| missing(first, "ImageOrientationPatient (0020,0037)"))?;
    let row_dir = [iop[0], iop[1], iop[2]];
    let col_dir = [iop[3], iop[4], iop[5]];
    let axial = (row_dir[0].abs() - 1.0).abs() < ORIENTATION_TOLERANCE
        && row_dir[1].abs() < ORIENTATION_TOLERANCE
        && row_dir[2].abs() < ORIENTATION_TOLERANCE
        && (col_dir[1].abs() - 1.0).abs() < ORIENTATION_TOLERANCE
        && col_dir[0].abs() < ORIENTATION_TOLERANCE
        && col_dir[2].abs() < ORIENTATION_TOLERANCE;
    if !axial {
        return Err(LayoutError::NonAxial { iop });
    }
    let spacing = first
        .pixel_spacing_mm
        .ok_or_else(|| missing(first, "PixelSpacing (0028,0030)"))?;
    if !(spacing[0] > 0.0 && spacing[1] > 0.0) {
        return Err(LayoutError::Inconsistent {
            what: format!("PixelSpacing {spacing:?} (must be positive)"),
        });
    }
    let positions: Vec<[f64; 3]> = headers
        .iter()
        .map(|h| slice_position(h, first, &iop, spacing))
        .collect::<Result<_, _>>()?;
    // Axial: the slice normal is +-z, so the position along the normal is z itself (sorted
    // ascending, whatever the normal's sign).
    let mut order: Vec<usize> = (0..headers.len()).collect();
    order.sort_by(|&a, &b| positions[a][2].total_cmp(&positions[b][2]));
    let z_mm: Vec<f64> = order.iter().map(|&i| positions[i][2]).collect();
    let (x0, y0) = (positions[order[0]][0], positions[order[0]][1]);
    for &i in &order {
        if (positions[i][0] - x0).abs() > 0.5 || (positions[i][1] - y0).abs() > 0.5 {
            return Err(LayoutError::Inconsistent {
                what: format!(
                    "in-plane ImagePositionPatient ({} is at x,y = {:.1},{:.1}, expected {x0:.1},{y0:.1})",
                    headers[i].path.display(),
                    positions[i][0],
                    positions[i][1]
                ),
            });
        }
    }
    let notes = check_slice_spacing(&z_mm)?.into_iter().collect();
    Ok(SeriesLayout {
        notes,
        order,
        z_mm,
        rows: first.rows,
        cols: first.cols,
        origin_x_mm: x0,
        origin_y_mm: y0,
        // PixelSpacing is [between rows (along the column direction), between columns].
        step_x_mm: spacing[1] * row_dir[0].signum(),
        step_y_mm: spacing[0] * col_dir[1].signum(),
    })
}

fn missing(h: &SliceHeader, tag: &'static str) -> LayoutError {
    LayoutError::MissingTag {
        path: h.path.display().to_string(),
        tag,
    }
}

/// The ImagePositionPatient of slice `h`, checked against the `first` slice's orientation,
/// size and pixel spacing.
fn slice_position(
    h: &SliceHeader,
    first: &SliceHeader,
    iop: &[f64; 6],
    spacing: [f64; 2],
) -> Result<[f64; 3], LayoutError> {
    let ipp = h
        .image_position_mm
        .ok_or_else(|| missing(h, "ImagePositionPatient (0020,0032)"))?;
    let hi = h
        .image_orientation
        .ok_or_else(|| missing(h, "ImageOrientationPatient (0020,0037)"))?;
    if hi
        .iter()
        .zip(iop)
        .any(|(a, b)| (a - b).abs() > ORIENTATION_TOLERANCE)
    {
        return Err(LayoutError::Inconsistent {
            what: format!(
                "ImageOrientationPatient ({} has {hi:?}, {} has {iop:?})",
                h.path.display(),
                first.path.display()
            ),
        });
    }
    if h.rows != first.rows || h.cols != first.cols {
        return Err(LayoutError::Inconsistent {
            what: format!(
                "image size ({} is {}x{}, {} is {}x{})",
                h.path.display(),
                h.rows,
                h.cols,
                first.path.display(),
                first.rows,
                first.cols
            ),
        });
    }
    if h.pixel_spacing_mm
        .is_none_or(|s| (s[0] - spacing[0]).abs() > 1e-3 || (s[1] - spacing[1]).abs() > 1e-3)
    {
        return Err(LayoutError::Inconsistent {
            what: format!(
                "PixelSpacing ({} differs from {})",
                h.path.display(),
                first.path.display()
            ),
        });
    }
    Ok(ipp)
}

/// A step between slices of at least this many times the median spacing is a gap (one missing
/// slice makes a step of 2).
pub const GAP_STEPS: f64 = 1.9;
/// Steps more than this share away from the median are noted as irregular.
const IRREGULAR_SHARE: f64 = 0.1;

/// Slices sorted by z must be apart by more than 0.01 mm and by less than [`GAP_STEPS`] times
/// the median spacing (else slices are missing); steps that differ from the median by more than
/// 10 % are fine for resampling (it uses the real positions) and give a note.
fn check_slice_spacing(z_mm: &[f64]) -> Result<Option<String>, LayoutError> {
    let spacing_z = median_diff(z_mm);
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for w in z_mm.windows(2) {
        let d = w[1] - w[0];
        if d < 0.01 {
            return Err(LayoutError::Duplicate { z_mm: w[0] });
        }
        if d >= GAP_STEPS * spacing_z {
            return Err(LayoutError::Gap {
                from_mm: w[0],
                to_mm: w[1],
                gap_mm: d,
                spacing_mm: spacing_z,
            });
        }
        (lo, hi) = (lo.min(d), hi.max(d));
    }
    let irregular = (hi - spacing_z).max(spacing_z - lo) > IRREGULAR_SHARE * spacing_z;
    Ok(irregular.then(|| {
        format!(
            "irregular slice spacing ({lo:.2} to {hi:.2} mm, median {spacing_z:.2} mm): resampled at the real positions"
        )
    }))
}
