//! What cohort to make: its size, seed, image sampling, noise and naming.

use super::error::CohortError;
use crate::spec::ExamSpec;
use rand_chacha::ChaCha8Rng;
use std::ops::RangeInclusive;

/// Image sampling. `None` fields are drawn per exam from realistic scanner settings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Resolution {
    /// CT matrix size (rows = columns); default 512.
    pub ct_size: Option<usize>,
    /// PET matrix size; default 128 or 192 by scanner.
    pub pet_size: Option<usize>,
    /// CT slice spacing; default 2.5-5 mm by exam.
    pub ct_slice_mm: Option<f32>,
    /// PET slice spacing; default 3.27 or 3 mm by scanner.
    pub pet_slice_mm: Option<f32>,
}

impl Resolution {
    /// Clinical sampling: CT 512x512 at 0.7-1 mm, 2.5-5 mm slices; PET 128 or 192.
    pub fn full() -> Self {
        Resolution::default()
    }

    /// Reduced sampling for tests and demos: CT 128x128, PET 64x64, 6 and 8 mm slices.
    pub fn small() -> Self {
        Resolution {
            ct_size: Some(128),
            pet_size: Some(64),
            ct_slice_mm: Some(6.0),
            pet_slice_mm: Some(8.0),
        }
    }

    fn check(&self) -> Result<(), CohortError> {
        within("CT matrix size", self.ct_size, 16..=1024)?;
        within("PET matrix size", self.pet_size, 16..=1024)?;
        within("CT slice spacing (mm)", self.ct_slice_mm, 0.5..=20.0)?;
        within("PET slice spacing (mm)", self.pet_slice_mm, 0.5..=20.0)
    }
}

/// Fails, naming the setting, when `value` is given and outside `range`.
fn within<T: PartialOrd + std::fmt::Display>(
    name: &str,
    value: Option<T>,
    range: RangeInclusive<T>,
) -> Result<(), CohortError> {
    match value {
        Some(v) if !range.contains(&v) => Err(CohortError::Setting(format!(
            "{name} must be between {} and {}, got {v}",
            range.start(),
            range.end()
        ))),
        _ => Ok(()),
    }
}

/// Writes the report text of an exam ([`crate::reports::write_report`], or a stand-in where
/// reports do not matter).
pub type ReportWriter = fn(&ExamSpec, &mut ChaCha8Rng) -> String;

/// What cohort to make. [`Default`]: 200 exams, seed 7, clinical resolution, noise, 3 % of
/// exams across midnight, all cores, realistic lesion sizes, no id prefix, real reports.
#[derive(Debug, Clone)]
pub struct CohortConfig {
    /// Number of exams (at least 1).
    pub n: usize,
    /// The seed: the same seed gives the same bytes.
    pub seed: u64,
    /// Image sampling.
    pub resolution: Resolution,
    /// Fraction of exams injected before midnight and scanned after it.
    pub midnight_fraction: f64,
    /// Add CT and PET noise (tests switch it off to compare values exactly).
    pub noise: bool,
    /// Worker threads; 0 = all cores.
    pub threads: usize,
    /// Lesion sizes in the images are multiplied by this (reports keep the sampled sizes).
    /// 1 = realistic. A reduced-resolution cohort can scale lesions with its voxels so they
    /// cover as many voxels as at full resolution (see `uptake synth cohort --lesion-scale`).
    pub lesion_scale: f32,
    /// Put before every exam and patient id (`E00001` becomes `{prefix}E00001`), so cohorts of
    /// different seeds can share one exam store and one label file. Empty: no prefix.
    pub id_prefix: String,
    /// Writes each exam's report.
    pub report_writer: ReportWriter,
}

impl Default for CohortConfig {
    fn default() -> Self {
        CohortConfig {
            n: 200,
            seed: 7,
            resolution: Resolution::full(),
            midnight_fraction: 0.03,
            noise: true,
            threads: 0,
            lesion_scale: 1.0,
            id_prefix: String::new(),
            report_writer: crate::reports::write_report::<ChaCha8Rng>,
        }
    }
}

impl CohortConfig {
    /// Fails, naming the setting, unless every setting is in its range: at least one exam,
    /// matrix sizes 16-1024, slice spacings 0.5-20 mm, a midnight fraction in [0, 1], a lesion
    /// scale in [0.25, 4] and an id prefix of at most 16 letters, digits, `-` or `_`.
    pub fn check(&self) -> Result<(), CohortError> {
        if self.n == 0 {
            return Err(CohortError::Setting(
                "a cohort needs at least one exam".into(),
            ));
        }
        within(
            "the midnight fraction",
            Some(self.midnight_fraction),
            0.0..=1.0,
        )?;
        within("the lesion scale", Some(self.lesion_scale), 0.25..=4.0)?;
        let id_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if self.id_prefix.len() > 16 || !self.id_prefix.chars().all(id_char) {
            return Err(CohortError::Setting(format!(
                "the id prefix must be at most 16 letters, digits, - or _, got {:?}",
                self.id_prefix
            )));
        }
        self.resolution.check()
    }
}
