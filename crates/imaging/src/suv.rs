//! PET values to SUV (body weight), as the public reference implementations do it (QIBA
//! vendor-neutral pseudo-code; QIICR dcmqi / 3D Slicer SUV factor calculator; UW PET QIN):
//!
//! - `Units` BQML: SUVbw = value (Bq/ml) * weight (g) / dose (Bq), the dose decayed from the
//!   injection time to the time the image is decay corrected to: the scan start for
//!   `DecayCorrection` START (scan start = earliest of series and acquisition date/time), no
//!   decay for ADMIN (already corrected to the administration time), and each slice's own
//!   acquisition time for NONE. Injection after the scan time of day without dates means the scan
//!   crossed midnight (+24 h).
//! - GML: already SUV (factor 1).
//! - CNTS (Philips): the private SUV scale factor (7053,1000) when present; otherwise the
//!   activity concentration scale factor (7053,1009) turns counts into Bq/ml, then as BQML.
//!
//! Anything missing is an error naming the tag: a PET is never silently left unscaled.

use std::fmt;

/// A DICOM date (days since 1970-01-01, when known) and time of day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DicomDateTime {
    /// Days since 1970-01-01, when the date is known.
    pub days: Option<i64>,
    /// Seconds since midnight.
    pub seconds: f64,
}

impl DicomDateTime {
    /// From DA (`YYYYMMDD`, optional) and TM (`HHMMSS.FFFFFF`, `HHMM`, `HH:MM:SS`).
    pub fn from_da_tm(date: Option<&str>, time: &str) -> Option<Self> {
        let seconds = parse_tm(time)?;
        let days = match date.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(parse_da(d)?),
            None => None,
        };
        Some(Self { days, seconds })
    }

    /// From DT (`YYYYMMDDHHMMSS.FFFFFF&ZZXX`; the UTC offset is ignored: both times share it).
    pub fn from_dt(value: &str) -> Option<Self> {
        let value = value.trim();
        let value = value.split(['+', '-']).next()?;
        if value.len() < 8 {
            return None;
        }
        let days = parse_da(&value[..8])?;
        let time = &value[8..];
        let seconds = if time.is_empty() {
            0.0
        } else {
            parse_tm(time)?
        };
        Some(Self {
            days: Some(days),
            seconds,
        })
    }

    /// Seconds from `earlier` to `self`. Without both dates, a negative difference means the
    /// later event happened after midnight, so a day is added.
    pub fn seconds_since(&self, earlier: &DicomDateTime) -> f64 {
        match (self.days, earlier.days) {
            (Some(a), Some(b)) => (a - b) as f64 * 86_400.0 + self.seconds - earlier.seconds,
            _ => {
                let d = self.seconds - earlier.seconds;
                if d < 0.0 { d + 86_400.0 } else { d }
            }
        }
    }

    /// Ordering key, for picking the earliest of several times (same day assumed without dates).
    fn key(&self) -> f64 {
        self.days.unwrap_or(0) as f64 * 86_400.0 + self.seconds
    }
}

fn parse_tm(time: &str) -> Option<f64> {
    let time: String = time.trim().chars().filter(|c| *c != ':').collect();
    let (whole, frac) = match time.split_once('.') {
        Some((w, f)) => (w.to_string(), f.to_string()),
        None => (time.clone(), String::new()),
    };
    if whole.len() < 2
        || whole.len() % 2 != 0
        || whole.len() > 6
        || !whole.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let field = |n: usize| {
        whole
            .get(2 * n..2 * n + 2)
            .map(|s| s.parse::<f64>().unwrap_or(0.0))
            .unwrap_or(0.0)
    };
    let (h, m, s) = (field(0), field(1), field(2));
    if h >= 24.0 || m >= 60.0 || s >= 61.0 {
        return None;
    }
    let frac = if frac.is_empty() {
        0.0
    } else {
        format!("0.{frac}").parse::<f64>().ok()?
    };
    Some(h * 3600.0 + m * 60.0 + s + frac)
}

fn parse_da(date: &str) -> Option<i64> {
    let date: String = date.trim().chars().filter(|c| *c != '.').collect();
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i64 = date[..4].parse().ok()?;
    let m: i64 = date[4..6].parse().ok()?;
    let d: i64 = date[6..8].parse().ok()?;
    uptake_core::date::days_from_civil(y, m, d)
}

/// The SUV-relevant tags of one PET series (series-level values; per-slice acquisition times
/// come separately).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PetSuvTags {
    /// Units (0054,1001).
    pub units: Option<String>,
    /// DecayCorrection (0054,1102).
    pub decay_correction: Option<String>,
    /// PatientWeight (0010,1030), kg.
    pub patient_weight_kg: Option<f64>,
    /// RadionuclideTotalDose (0018,1074), Bq at the injection time.
    pub injected_dose_bq: Option<f64>,
    /// RadionuclideHalfLife (0018,1075), s.
    pub half_life_s: Option<f64>,
    /// RadiopharmaceuticalStartDateTime (0018,1078), else RadiopharmaceuticalStartTime
    /// (0018,1072) with the series date.
    pub injection: Option<DicomDateTime>,
    /// SeriesDate/SeriesTime (0008,0021 / 0008,0031).
    pub series: Option<DicomDateTime>,
    /// The earliest AcquisitionDate/AcquisitionTime (0008,0022 / 0008,0032) over the slices.
    pub earliest_acquisition: Option<DicomDateTime>,
    /// Philips SUV scale factor (7053,1000).
    pub philips_suv_factor: Option<f64>,
    /// Philips activity concentration scale factor (7053,1009).
    pub philips_activity_factor: Option<f64>,
}

/// Why PET values cannot be turned into SUV.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SuvError {
    /// A tag the conversion needs (its name and number).
    #[error("missing {0} (needed for SUV)")]
    MissingTag(&'static str),
    /// A tag with a value that cannot be used.
    #[error("{tag} = {value} is not usable for SUV")]
    BadValue {
        /// The tag's name and number.
        tag: &'static str,
        /// The value as written.
        value: String,
    },
    /// A value no PET exam can have, with what it looks like (a unit slip).
    #[error("{tag} = {value}: {diagnosis}")]
    Implausible {
        /// The tag's name and number.
        tag: &'static str,
        /// The value as read.
        value: f64,
        /// What it looks like, and what the SUV would be off by.
        diagnosis: String,
    },
    /// PET units other than BQML, GML and Philips CNTS.
    #[error("Units (0054,1001) {0:?} is not supported (BQML, GML or Philips CNTS)")]
    UnsupportedUnits(String),
    /// A decay correction other than START, ADMIN and NONE.
    #[error("DecayCorrection (0054,1102) {0:?} is not supported (START, ADMIN or NONE)")]
    UnsupportedDecayCorrection(String),
}

/// How stored (rescaled) PET values become SUV.
#[derive(Debug, Clone, PartialEq)]
pub enum SuvConversion {
    /// One factor for every slice: SUV = rescaled value * factor.
    Factor {
        /// SUV per stored unit.
        factor: f64,
        /// How the factor was found, for the record.
        method: String,
    },
    /// DecayCorrection NONE: each slice is decayed to its own acquisition time.
    PerSlice {
        /// Bq/ml per stored unit.
        units_to_bqml: f64,
        /// Patient weight.
        weight_g: f64,
        /// Injected dose.
        dose_bq: f64,
        /// Radionuclide half-life.
        half_life_s: f64,
        /// Injection time.
        injection: DicomDateTime,
        /// How the conversion was found, for the record.
        method: String,
    },
}

impl SuvConversion {
    /// The factor for a slice acquired at `acquisition` (ignored unless per slice).
    pub fn factor_for(&self, acquisition: Option<DicomDateTime>) -> Result<f64, SuvError> {
        match self {
            SuvConversion::Factor { factor, .. } => Ok(*factor),
            SuvConversion::PerSlice {
                units_to_bqml,
                weight_g,
                dose_bq,
                half_life_s,
                injection,
                ..
            } => {
                let at = acquisition.ok_or(SuvError::MissingTag(
                    "AcquisitionTime (0008,0032) of a slice",
                ))?;
                let decay_s = at.seconds_since(injection);
                Ok(units_to_bqml
                    * suv_bw_factor(*weight_g / 1000.0, *dose_bq, *half_life_s, decay_s))
            }
        }
    }

    /// How the conversion was found (units, decay correction, weight, dose), for the record.
    pub fn method(&self) -> &str {
        match self {
            SuvConversion::Factor { method, .. } | SuvConversion::PerSlice { method, .. } => method,
        }
    }

    /// The single factor, if one applies to all slices.
    pub fn single_factor(&self) -> Option<f64> {
        match self {
            SuvConversion::Factor { factor, .. } => Some(*factor),
            SuvConversion::PerSlice { .. } => None,
        }
    }
}

/// SUVbw factor for Bq/ml: weight (g) / dose decayed over `decay_s` (Bq).
pub fn suv_bw_factor(weight_kg: f64, injected_dose_bq: f64, half_life_s: f64, decay_s: f64) -> f64 {
    let decayed_dose = injected_dose_bq * (-(decay_s) * std::f64::consts::LN_2 / half_life_s).exp();
    weight_kg * 1000.0 / decayed_dose
}

impl fmt::Display for SuvConversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.method())
    }
}

fn positive(value: Option<f64>, tag: &'static str) -> Result<f64, SuvError> {
    let v = value.ok_or(SuvError::MissingTag(tag))?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(SuvError::BadValue {
            tag,
            value: v.to_string(),
        })
    }
}

/// Works out how this series' values become SUV.
pub fn suv_conversion(tags: &PetSuvTags) -> Result<SuvConversion, SuvError> {
    let units = tags
        .units
        .as_deref()
        .map(|u| u.trim().to_ascii_uppercase())
        .ok_or(SuvError::MissingTag("Units (0054,1001)"))?;
    let units_to_bqml = match units.as_str() {
        "GML" => {
            return Ok(SuvConversion::Factor {
                factor: 1.0,
                method: "GML (already SUVbw)".into(),
            });
        }
        "BQML" => 1.0,
        "CNTS" => {
            if let Some(f) = tags.philips_suv_factor {
                let f = positive(Some(f), "Philips SUV scale factor (7053,1000)")?;
                return Ok(SuvConversion::Factor {
                    factor: f,
                    method: format!("CNTS, Philips SUV scale factor (7053,1000) {f}"),
                });
            }
            positive(
                tags.philips_activity_factor,
                "Philips SUV scale factor (7053,1000) or activity concentration scale factor (7053,1009)",
            )?
        }
        other => return Err(SuvError::UnsupportedUnits(other.to_string())),
    };
    let weight_kg = positive(tags.patient_weight_kg, "PatientWeight (0010,1030)")?;
    let dose_bq = positive(tags.injected_dose_bq, "RadionuclideTotalDose (0018,1074)")?;
    let half_life_s = positive(tags.half_life_s, "RadionuclideHalfLife (0018,1075)")?;
    let decay = tags
        .decay_correction
        .as_deref()
        .map(|d| d.trim().to_ascii_uppercase())
        .ok_or(SuvError::MissingTag("DecayCorrection (0054,1102)"))?;
    let units_note = if units == "CNTS" {
        format!("CNTS x Philips activity factor (7053,1009) {units_to_bqml}")
    } else {
        "BQML".into()
    };
    let base = format!(
        "{units_note}, weight {weight_kg:.1} kg, dose {:.1} MBq, half-life {half_life_s:.1} s",
        dose_bq / 1e6
    );
    match decay.as_str() {
        "ADMIN" => Ok(SuvConversion::Factor {
            factor: units_to_bqml * suv_bw_factor(weight_kg, dose_bq, half_life_s, 0.0),
            method: format!("{base}, decay ADMIN (no dose decay)"),
        }),
        "START" | "NONE" => {
            let injection = tags.injection.ok_or(SuvError::MissingTag(
                "RadiopharmaceuticalStartTime (0018,1072)",
            ))?;
            if decay == "NONE" {
                return Ok(SuvConversion::PerSlice {
                    units_to_bqml,
                    weight_g: weight_kg * 1000.0,
                    dose_bq,
                    half_life_s,
                    injection,
                    method: format!(
                        "{base}, decay NONE (dose decayed to each slice's acquisition time)"
                    ),
                });
            }
            let decay_s = scan_start(tags)?.seconds_since(&injection);
            Ok(SuvConversion::Factor {
                factor: units_to_bqml * suv_bw_factor(weight_kg, dose_bq, half_life_s, decay_s),
                method: format!("{base}, decay START ({decay_s:.0} s from injection to scan)"),
            })
        }
        other => Err(SuvError::UnsupportedDecayCorrection(other.to_string())),
    }
}

/// Refuses a weight or dose no PET exam can have, naming the unit slip it looks like (checked
/// before [`suv_conversion`] wherever the body-weight formula uses them: not for GML or a
/// Philips SUV factor).
pub fn check_plausible(tags: &PetSuvTags) -> Result<(), SuvError> {
    let units = tags.units.as_deref().map(|u| u.trim().to_ascii_uppercase());
    let formula_used = match units.as_deref() {
        Some("BQML") => true,
        Some("CNTS") => tags.philips_suv_factor.is_none(),
        _ => false,
    };
    if formula_used {
        if let Some(kg) = tags.patient_weight_kg {
            plausible_weight(kg)?;
        }
        if let Some(bq) = tags.injected_dose_bq {
            plausible_dose(bq)?;
        }
    }
    Ok(())
}

/// A patient weight in kilograms, or the unit slip it looks like (grams: SUV 1000 times too high).
fn plausible_weight(kg: f64) -> Result<f64, SuvError> {
    let tag = "PatientWeight (0010,1030)";
    let diagnosis = if (1_000.0..=400_000.0).contains(&kg) {
        format!(
            "the weight looks like grams ({:.1} kg?); SUV would be 1000 times too high",
            kg / 1000.0
        )
    } else if kg > 400.0 {
        "no patient weighs this much (PatientWeight is in kg)".to_string()
    } else {
        return Ok(kg);
    };
    Err(SuvError::Implausible {
        tag,
        value: kg,
        diagnosis,
    })
}

/// An injected dose in becquerels, or the unit slip it looks like (MBq or mCi instead of Bq).
fn plausible_dose(bq: f64) -> Result<f64, SuvError> {
    let tag = "RadionuclideTotalDose (0018,1074)";
    let diagnosis = if (30.0..=5_000.0).contains(&bq) {
        format!(
            "the dose looks like MBq: {bq} (that is {:.3e} Bq); SUV would be a million times too high",
            bq * 1e6
        )
    } else if (0.5..30.0).contains(&bq) {
        format!(
            "the dose looks like mCi: {bq} (that is {:.0} MBq); SUV would be far too high",
            bq * 37.0
        )
    } else if bq < 1e6 {
        format!("{bq} Bq is far below any PET dose (tens to hundreds of MBq)")
    } else if bq > 5e10 {
        format!("{:.0} GBq is far above any PET dose", bq / 1e9)
    } else {
        return Ok(bq);
    };
    Err(SuvError::Implausible {
        tag,
        value: bq,
        diagnosis,
    })
}

/// When the scan started: the earlier of SeriesTime and the series' earliest acquisition.
fn scan_start(tags: &PetSuvTags) -> Result<DicomDateTime, SuvError> {
    match (tags.series, tags.earliest_acquisition) {
        (Some(s), Some(a)) => Ok(if a.key() < s.key() { a } else { s }),
        (Some(s), None) => Ok(s),
        (None, Some(a)) => Ok(a),
        (None, None) => Err(SuvError::MissingTag(
            "SeriesTime (0008,0031) or AcquisitionTime (0008,0032)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tm(t: &str) -> Option<DicomDateTime> {
        DicomDateTime::from_da_tm(None, t)
    }

    fn bqml(decay: &str) -> PetSuvTags {
        PetSuvTags {
            units: Some("BQML".into()),
            decay_correction: Some(decay.into()),
            patient_weight_kg: Some(100.0),
            injected_dose_bq: Some(100.0),
            half_life_s: Some(6586.2),
            injection: tm("100000"),
            series: tm("100000"),
            earliest_acquisition: tm("100000"),
            ..Default::default()
        }
    }

    fn factor(tags: &PetSuvTags) -> f64 {
        suv_conversion(tags).unwrap().single_factor().unwrap()
    }

    #[test]
    fn reference_vector_100_kg_100_bq_no_decay_gives_1000() {
        assert!((factor(&bqml("START")) - 1000.0).abs() < 1e-9);
        assert!((factor(&bqml("ADMIN")) - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn one_half_life_between_injection_and_scan_doubles_the_factor() {
        // 100 kg, 100 Bq, F-18 (6586.2 s), scan exactly one half-life later: the dose has
        // decayed to 50 Bq, so 100000 g / 50 Bq = 2000.
        let mut tags = bqml("START");
        tags.half_life_s = Some(3600.0);
        tags.injection = tm("090000");
        tags.series = tm("100000");
        tags.earliest_acquisition = tm("100500");
        assert!((factor(&tags) - 2000.0).abs() < 1e-9);
    }

    #[test]
    fn a_realistic_fdg_exam_matches_a_hand_computed_factor() {
        // 75 kg, 370 MBq at 08:30:00, scan at 09:30:00 (3600 s, F-18 half-life 6586.2 s):
        // decayed dose = 370e6 * exp(-ln2 * 3600 / 6586.2) = 370e6 * 0.684633 = 253.314e6 Bq
        // factor = 75000 / 253.314e6 = 2.960750e-4 (computed by hand / a calculator).
        let tags = PetSuvTags {
            patient_weight_kg: Some(75.0),
            injected_dose_bq: Some(370e6),
            injection: tm("083000"),
            series: tm("093000"),
            earliest_acquisition: tm("093012"),
            ..bqml("START")
        };
        let f = factor(&tags);
        assert!((f - 2.960750e-4).abs() < 1e-9, "{f}");
    }

    #[test]
    fn admin_decay_correction_ignores_the_elapsed_time() {
        let mut tags = bqml("ADMIN");
        tags.injection = tm("080000");
        tags.series = tm("100000");
        assert!((factor(&tags) - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn injection_before_midnight_and_scan_after_it_is_one_hour() {
        let mut tags = bqml("START");
        tags.half_life_s = Some(3600.0);
        tags.injection = tm("233000");
        tags.series = tm("003000");
        tags.earliest_acquisition = None;
        assert!((factor(&tags) - 2000.0).abs() < 1e-9);
    }

    #[test]
    fn dates_take_precedence_over_the_midnight_rule() {
        let inj = DicomDateTime::from_da_tm(Some("20240229"), "233000").unwrap();
        let scan = DicomDateTime::from_da_tm(Some("20240301"), "003000").unwrap();
        assert_eq!(scan.seconds_since(&inj), 3600.0);
        let dt = DicomDateTime::from_dt("20240301003000.000000+0100").unwrap();
        assert_eq!(dt, scan);
    }

    #[test]
    fn the_earliest_acquisition_is_the_scan_start_when_the_series_time_is_later() {
        // Post-processing can rewrite SeriesTime; the earlier acquisition time is the scan start.
        let mut tags = bqml("START");
        tags.half_life_s = Some(3600.0);
        tags.injection = tm("090000");
        tags.series = tm("113000");
        tags.earliest_acquisition = tm("100000");
        assert!((factor(&tags) - 2000.0).abs() < 1e-9);
    }

    #[test]
    fn no_decay_correction_decays_to_each_slice_time() {
        let mut tags = bqml("NONE");
        tags.half_life_s = Some(3600.0);
        tags.injection = tm("090000");
        let conversion = suv_conversion(&tags).unwrap();
        assert!((conversion.factor_for(tm("100000")).unwrap() - 2000.0).abs() < 1e-9);
        assert!((conversion.factor_for(tm("110000")).unwrap() - 4000.0).abs() < 1e-9);
        assert!(matches!(
            conversion.factor_for(None),
            Err(SuvError::MissingTag(_))
        ));
    }

    #[test]
    fn gml_is_already_suv() {
        let tags = PetSuvTags {
            units: Some("GML".into()),
            ..Default::default()
        };
        assert_eq!(factor(&tags), 1.0);
    }

    #[test]
    fn philips_counts_use_the_private_suv_factor_first() {
        let tags = PetSuvTags {
            units: Some("CNTS".into()),
            philips_suv_factor: Some(0.000321),
            philips_activity_factor: Some(2.0),
            ..Default::default()
        };
        assert_eq!(factor(&tags), 0.000321);
    }

    #[test]
    fn philips_counts_fall_back_to_the_activity_concentration_factor() {
        let tags = PetSuvTags {
            units: Some("CNTS".into()),
            philips_activity_factor: Some(2.5),
            ..bqml("START")
        };
        assert!((factor(&tags) - 2500.0).abs() < 1e-9);
    }

    #[test]
    fn philips_counts_without_either_factor_name_the_tags() {
        let tags = PetSuvTags {
            units: Some("CNTS".into()),
            ..bqml("START")
        };
        let err = suv_conversion(&tags).unwrap_err().to_string();
        assert!(
            err.contains("7053,1000") && err.contains("7053,1009"),
            "{err}"
        );
    }

    #[test]
    fn each_missing_tag_is_named() {
        type Remove = fn(&mut PetSuvTags);
        let cases: [(Remove, &str); 5] = [
            (|t| t.patient_weight_kg = None, "PatientWeight"),
            (|t| t.injected_dose_bq = None, "RadionuclideTotalDose"),
            (|t| t.half_life_s = None, "RadionuclideHalfLife"),
            (|t| t.injection = None, "RadiopharmaceuticalStartTime"),
            (|t| t.units = None, "Units"),
        ];
        for (remove, name) in cases {
            let mut tags = bqml("START");
            remove(&mut tags);
            let err = suv_conversion(&tags).unwrap_err().to_string();
            assert!(err.contains(name), "{err} should name {name}");
        }
    }

    #[test]
    fn zero_weight_is_refused() {
        let mut tags = bqml("START");
        tags.patient_weight_kg = Some(0.0);
        assert!(matches!(
            suv_conversion(&tags),
            Err(SuvError::BadValue { .. })
        ));
    }

    #[test]
    fn a_dose_written_in_mbq_is_refused_as_looking_like_mbq() {
        let mut tags = bqml("START");
        tags.injected_dose_bq = Some(370.0);
        let err = check_plausible(&tags).unwrap_err().to_string();
        assert!(err.contains("the dose looks like MBq: 370"), "{err}");
        tags.injected_dose_bq = Some(370e6);
        assert_eq!(check_plausible(&tags), Ok(()));
    }

    #[test]
    fn a_weight_written_in_grams_is_refused_as_looking_like_grams() {
        let mut tags = bqml("START");
        tags.patient_weight_kg = Some(78_000.0);
        let err = check_plausible(&tags).unwrap_err().to_string();
        assert!(err.contains("looks like grams (78.0 kg?)"), "{err}");
    }

    #[test]
    fn unknown_units_are_refused() {
        let mut tags = bqml("START");
        tags.units = Some("PROPCNTS".into());
        assert!(matches!(
            suv_conversion(&tags),
            Err(SuvError::UnsupportedUnits(_))
        ));
    }

    #[test]
    fn times_parse_in_all_dicom_forms() {
        assert_eq!(parse_tm("101530.5"), Some(36930.5));
        assert_eq!(parse_tm("10:15:30"), Some(36930.0));
        assert_eq!(parse_tm("1015"), Some(36900.0));
        assert_eq!(parse_tm("xx"), None);
        assert_eq!(parse_da("19700102"), Some(1));
    }
}
