//! How an exam is acquired: scanner, times, dose, and the sampling of its two series.

use crate::dates::Instant;
use crate::phantom::SliceGrid;
use serde::Serialize;

/// The scanner's maker: decides the CT pixel format and the PET sampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Vendor {
    /// Signed 16-bit CT with intercept -1024, PET 3.27 mm slices.
    Ge,
    /// Unsigned 12-bit CT with intercept -1024.
    Siemens,
}

impl Vendor {
    /// The Manufacturer tag.
    pub(crate) fn manufacturer(self) -> &'static str {
        match self {
            Vendor::Ge => "GE MEDICAL SYSTEMS",
            Vendor::Siemens => "SIEMENS",
        }
    }
}

/// One series' axial sampling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SeriesGeometry {
    /// Rows = columns.
    pub size: usize,
    /// Pixel spacing within a slice.
    pub pixel_mm: f32,
    /// Spacing (and thickness) of slices.
    pub slice_mm: f32,
    /// Centre of the reconstruction field of view in x and y.
    pub center_mm: [f32; 2],
    /// z of the first (most superior) slice; later slices go towards the feet.
    pub z_top_mm: f32,
    /// Number of slices.
    pub slices: usize,
}

impl SeriesGeometry {
    /// The pixel grid of every slice.
    pub fn grid(&self) -> SliceGrid {
        let half = (self.size as f32 - 1.0) / 2.0 * self.pixel_mm;
        SliceGrid {
            rows: self.size,
            cols: self.size,
            spacing_mm: [self.pixel_mm, self.pixel_mm],
            origin_mm: [self.center_mm[0] - half, self.center_mm[1] - half],
        }
    }

    /// z of slice `index` (0 = the most superior).
    pub fn z(&self, index: usize) -> f32 {
        self.z_top_mm - index as f32 * self.slice_mm
    }
}

/// Everything about how an exam was acquired, planned once per exam from the cohort seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Acquisition {
    /// The scanner's maker.
    pub vendor: Vendor,
    /// The patient's arrival (StudyDate/StudyTime).
    pub study_start: Instant,
    /// FDG injection.
    pub injection: Instant,
    /// Start of the CT.
    pub ct_start: Instant,
    /// Start of the PET (the decay-correction reference).
    pub pet_start: Instant,
    /// Seconds per PET bed position (AcquisitionTime steps by this along the body).
    pub bed_duration_s: i64,
    /// Axial length of a PET bed position.
    pub bed_length_mm: f32,
    /// Injected activity.
    pub dose_bq: f64,
    /// CT sampling.
    pub ct: SeriesGeometry,
    /// PET sampling.
    pub pet: SeriesGeometry,
    /// Also write RadiopharmaceuticalStartDateTime (many scanners give only the time).
    pub write_injection_datetime: bool,
    /// Standard deviation of CT noise.
    pub ct_noise_hu: f32,
    /// Relative (multiplicative) PET noise.
    pub pet_noise: f32,
}
