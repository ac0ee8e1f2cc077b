//! Nothing stored silently wrong: before an exam is stored, its volumes are checked against
//! physical limits ([`check_volumes`]), and the PET's z range kept by the CT is measured
//! ([`pet_coverage`]).
//!
//! - Every value finite; the limits below lie within the store's f16 range (|v| <= 65504),
//!   which the store checks again.
//! - PET: SUVmax at most [`SUV_MAX_LIMIT`] (no tissue concentrates FDG more); the body's mean
//!   SUV (voxels with CT > -500 HU) within [`BODY_MEAN_SUV`] (the dose spreads over the body,
//!   so the mean is near 1).
//! - CT: the soft tissue's median HU (voxels above -500 HU) within [`SOFT_TISSUE_HU`]; the
//!   air's median HU (voxels below -500 HU, other than the fill outside the CT's field of
//!   view) within [`AIR_HU`]; nothing beyond [`HU_LIMITS`] (the widest CT scale).
//!
//! A value outside its limit refuses the exam with the values measured and, where the inputs
//! show one, the likely cause (a huge RescaleSlope, the SUV method's weight and dose).

/// The highest SUV any tissue reaches (bladder, brain and the hottest tumours stay far below).
pub const SUV_MAX_LIMIT: f32 = 300.0;
/// The range of the body's mean SUV.
pub const BODY_MEAN_SUV: (f64, f64) = (0.05, 10.0);
/// The range of the median HU of voxels above -500 HU (fat -100, water 0, muscle 40).
pub const SOFT_TISSUE_HU: (f64, f64) = (-300.0, 300.0);
/// The range of the median HU of air (voxels below -500 HU).
pub const AIR_HU: (f64, f64) = (-1200.0, -600.0);
/// The widest HU scale of any CT (extended scales reach about 30,000 HU for metal).
pub const HU_LIMITS: (f32, f32) = (-32_768.0, 35_000.0);

/// A volume that no scanner can produce.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what}{hint}")]
pub struct Implausible {
    /// What was measured, and its limit.
    pub what: String,
    /// The likely cause (`; ...`), or nothing.
    pub hint: String,
}

/// What the inputs say about a likely cause, for the message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Clues {
    /// How PET values became SUV (weight, dose...).
    pub suv_method: String,
    /// The largest PET RescaleSlope and its file.
    pub pet_slope_max: Option<(f64, String)>,
    /// The largest CT RescaleSlope and its file.
    pub ct_slope_max: Option<(f64, String)>,
}

/// What was measured on the stored volumes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VolumeFacts {
    /// The highest SUV.
    pub suv_max: f32,
    /// The lowest and highest HU.
    pub hu_range: (f32, f32),
    /// Mean SUV of voxels with CT above -500 HU (`NaN` when none).
    pub body_mean_suv: f64,
    /// Median HU of voxels above -500 HU (`None` when none), on every 8th voxel.
    pub soft_tissue_hu: Option<f64>,
    /// Median HU of voxels below -500 HU other than the fill (`None` when fewer than 1 %).
    pub air_hu: Option<f64>,
}

/// Histogram of HU in 1-HU bins over [LO, HI), with counts below and above.
struct HuHistogram {
    bins: Vec<u64>,
    below: u64,
    above: u64,
}

const HIST_LO: f32 = -4000.0;
const HIST_HI: f32 = 4000.0;

impl HuHistogram {
    fn new() -> Self {
        Self {
            bins: vec![0; (HIST_HI - HIST_LO) as usize],
            below: 0,
            above: 0,
        }
    }

    fn add(&mut self, hu: f32) {
        if hu < HIST_LO {
            self.below += 1;
        } else if hu >= HIST_HI {
            self.above += 1;
        } else {
            self.bins[(hu - HIST_LO) as usize] += 1;
        }
    }

    fn count(&self) -> u64 {
        self.below + self.above + self.bins.iter().sum::<u64>()
    }

    /// The median, to 1 HU (the bin's centre); infinite when it lies outside the bins.
    fn median(&self) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let half = n.div_ceil(2);
        let mut seen = self.below;
        if seen >= half {
            return Some(f64::NEG_INFINITY);
        }
        for (i, c) in self.bins.iter().enumerate() {
            seen += c;
            if seen >= half {
                return Some(HIST_LO as f64 + i as f64 + 0.5);
            }
        }
        Some(f64::INFINITY)
    }
}

/// Every this many voxels feed the medians and the body's mean (enough for limits; the
/// maximum, the range and the finiteness see every voxel).
const SAMPLE_STRIDE: usize = 8;

/// Lowest and highest value of each volume and whether any is NaN (both volumes at once).
#[derive(Clone, Copy)]
struct Ranges {
    hu: (f32, f32),
    suv: (f32, f32),
    nan: bool,
}

impl Ranges {
    fn of(ct_hu: &[f32], pet_suv: &[f32]) -> Ranges {
        let ((hu_lo, hu_hi, hu_nan), (suv_lo, suv_hi, suv_nan)) =
            rayon::join(|| range_of(ct_hu), || range_of(pet_suv));
        Ranges {
            hu: (hu_lo, hu_hi),
            suv: (suv_lo, suv_hi),
            nan: hu_nan || suv_nan,
        }
    }

    fn finite(&self) -> bool {
        !self.nan
            && [self.hu.0, self.hu.1, self.suv.0, self.suv.1]
                .iter()
                .all(|v| v.is_finite())
    }
}

/// Lowest and highest value and whether any is NaN, in lanes of 8 the compiler vectorises
/// (`if v < lo` is the SIMD minimum).
fn range_of(values: &[f32]) -> (f32, f32, bool) {
    let (mut lo, mut hi, mut nan) = ([f32::INFINITY; 8], [f32::NEG_INFINITY; 8], [false; 8]);
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            let v = c[i];
            lo[i] = if v < lo[i] { v } else { lo[i] };
            hi[i] = if v > hi[i] { v } else { hi[i] };
            nan[i] |= v.is_nan();
        }
    }
    let (mut l, mut h, mut n) = (f32::INFINITY, f32::NEG_INFINITY, nan.iter().any(|x| *x));
    for &v in lo.iter().chain(hi.iter()).chain(rest) {
        (l, h) = (l.min(v), h.max(v));
        n |= v.is_nan();
    }
    (l, h, n)
}

/// The body and air statistics of every [`SAMPLE_STRIDE`]-th voxel.
struct Samples {
    tissue: HuHistogram,
    air: HuHistogram,
    body_sum: f64,
    body_n: u64,
    sampled: u64,
}

impl Samples {
    fn of(ct_hu: &[f32], pet_suv: &[f32], ct_fill_hu: f32) -> Samples {
        let mut s = Samples {
            tissue: HuHistogram::new(),
            air: HuHistogram::new(),
            body_sum: 0.0,
            body_n: 0,
            sampled: 0,
        };
        for (&hu, &suv) in ct_hu.iter().zip(pet_suv).step_by(SAMPLE_STRIDE) {
            s.sampled += 1;
            if hu > -500.0 {
                s.tissue.add(hu);
                s.body_sum += suv as f64;
                s.body_n += 1;
            } else if hu != ct_fill_hu {
                s.air.add(hu);
            }
        }
        s
    }
}

/// Measures the volumes; the first value that is not finite is an error.
pub fn volume_facts(
    ct_hu: &[f32],
    pet_suv: &[f32],
    ct_fill_hu: f32,
) -> Result<VolumeFacts, Implausible> {
    let ranges = Ranges::of(ct_hu, pet_suv);
    if !ranges.finite() {
        for (name, values) in [("CT", ct_hu), ("PET", pet_suv)] {
            if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Implausible {
                    what: format!("{name} value {v} at voxel {i} is not finite"),
                    hint: String::new(),
                });
            }
        }
    }
    let s = Samples::of(ct_hu, pet_suv, ct_fill_hu);
    let enough_air = s.air.count() as f64 >= 0.01 * s.sampled as f64;
    Ok(VolumeFacts {
        suv_max: ranges.suv.1.max(0.0),
        hu_range: ranges.hu,
        body_mean_suv: if s.body_n > 0 {
            s.body_sum / s.body_n as f64
        } else {
            f64::NAN
        },
        soft_tissue_hu: s.tissue.median(),
        air_hu: if enough_air { s.air.median() } else { None },
    })
}

/// Checks the facts against the physical limits of this module.
pub fn check_volumes(facts: &VolumeFacts, clues: &Clues) -> Result<(), Implausible> {
    let pet_hint = || {
        let mut hint = format!("; SUV from {}", clues.suv_method);
        if let Some((slope, file)) = &clues.pet_slope_max {
            hint.push_str(&format!(
                "; the largest PET RescaleSlope is {slope:e} ({file})"
            ));
        }
        hint
    };
    let ct_hint = || match &clues.ct_slope_max {
        Some((slope, file)) if *slope != 1.0 => {
            format!("; the largest CT RescaleSlope is {slope:e} ({file}), CT slopes are 1")
        }
        _ => "; check RescaleSlope, RescaleIntercept and BitsStored".to_string(),
    };
    let refuse = |what: String, hint: String| Err(Implausible { what, hint });
    if facts.suv_max > SUV_MAX_LIMIT {
        return refuse(
            format!(
                "SUVmax {:.1} is above any physical uptake (limit {SUV_MAX_LIMIT})",
                facts.suv_max
            ),
            pet_hint(),
        );
    }
    let (lo, hi) = BODY_MEAN_SUV;
    if facts.body_mean_suv.is_finite() && !(lo..=hi).contains(&facts.body_mean_suv) {
        return refuse(
            format!(
                "the body's mean SUV is {:.3}, outside {lo}..{hi} (about 1 when the dose spreads over the body)",
                facts.body_mean_suv
            ),
            pet_hint(),
        );
    }
    let (lo, hi) = SOFT_TISSUE_HU;
    if let Some(hu) = facts.soft_tissue_hu.filter(|hu| !(lo..=hi).contains(hu)) {
        return refuse(
            format!("the soft tissue's median is {hu:.0} HU, outside {lo}..{hi} HU"),
            ct_hint(),
        );
    }
    let (lo, hi) = AIR_HU;
    if let Some(hu) = facts.air_hu.filter(|hu| !(lo..=hi).contains(hu)) {
        return refuse(
            format!("the air's median is {hu:.0} HU, outside {lo}..{hi} HU (air is -1000 HU)"),
            ct_hint(),
        );
    }
    let (lo, hi) = HU_LIMITS;
    if facts.hu_range.0 < lo || facts.hu_range.1 > hi {
        return refuse(
            format!(
                "CT values {:.0}..{:.0} HU are beyond any CT scale ({lo}..{hi} HU)",
                facts.hu_range.0, facts.hu_range.1
            ),
            ct_hint(),
        );
    }
    Ok(())
}

/// The share of the PET's z range (slice centres) that lies within the CT's, 0..1.
pub fn pet_coverage(ct_mm: (f64, f64), pet_mm: (f64, f64)) -> f64 {
    let kept = (ct_mm.1.min(pet_mm.1) - ct_mm.0.max(pet_mm.0)).max(0.0);
    let length = pet_mm.1 - pet_mm.0;
    if length > 0.0 {
        (kept / length).min(1.0)
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Half air (-1000 HU with noise), half soft tissue (40 HU) at SUV 1, in runs of 8.
    fn body(n: usize) -> (Vec<f32>, Vec<f32>) {
        let air = |i: usize| i % 16 < 8;
        let ct = (0..n)
            .map(|i| {
                if air(i) {
                    -995.0 + (i % 7) as f32
                } else {
                    40.0
                }
            })
            .collect();
        let pet = (0..n).map(|i| if air(i) { 0.0 } else { 1.0 }).collect();
        (ct, pet)
    }

    #[test]
    fn a_plausible_body_passes_with_its_facts() {
        let (ct, pet) = body(1000);
        let facts = volume_facts(&ct, &pet, -1000.0).unwrap();
        assert_eq!(facts.suv_max, 1.0);
        assert!((facts.body_mean_suv - 1.0).abs() < 1e-12);
        assert_eq!(facts.soft_tissue_hu, Some(40.5));
        assert!(facts.air_hu.unwrap() < -980.0);
        assert_eq!(check_volumes(&facts, &Clues::default()), Ok(()));
    }

    #[test]
    fn an_suv_of_8000_is_refused_naming_the_largest_slope() {
        let (ct, mut pet) = body(1000);
        pet[1] = 8000.0;
        let clues = Clues {
            suv_method: "BQML, weight 75.0 kg".into(),
            pet_slope_max: Some((1e6, "pt_0013.dcm".into())),
            ..Clues::default()
        };
        let facts = volume_facts(&ct, &pet, -1000.0).unwrap();
        let err = check_volumes(&facts, &clues).unwrap_err().to_string();
        assert!(
            err.contains("SUVmax 8000.0") && err.contains("1e6 (pt_0013.dcm)"),
            "{err}"
        );
    }

    #[test]
    fn a_value_that_is_not_finite_is_refused_before_any_other_check() {
        let (ct, mut pet) = body(10);
        pet[3] = f32::INFINITY;
        let err = volume_facts(&ct, &pet, -1000.0).unwrap_err().to_string();
        assert!(err.contains("PET value inf at voxel 3"), "{err}");
    }

    #[test]
    fn a_ct_value_beyond_any_scale_is_refused() {
        let (mut ct, pet) = body(1000);
        ct[3] = 70_000.0;
        let facts = volume_facts(&ct, &pet, -1000.0).unwrap();
        let err = check_volumes(&facts, &Clues::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("beyond any CT scale"), "{err}");
    }

    #[test]
    fn soft_tissue_at_3000_hu_is_refused() {
        let (ct, pet) = body(1000);
        let ct: Vec<f32> = ct.iter().map(|v| v + 3000.0).collect();
        let facts = volume_facts(&ct, &pet, -1000.0).unwrap();
        let err = check_volumes(&facts, &Clues::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("soft tissue's median is"), "{err}");
    }

    #[test]
    fn coverage_is_the_share_of_the_pet_range_inside_the_ct() {
        assert_eq!(pet_coverage((0.0, 100.0), (0.0, 400.0)), 0.25);
        assert_eq!(pet_coverage((-50.0, 500.0), (0.0, 400.0)), 1.0);
        assert_eq!(pet_coverage((500.0, 600.0), (0.0, 400.0)), 0.0);
    }
}
