//! Temperature scaling of the report model: fitted at the end of `train` on the validation
//! mentions, saved as `calibration.json` in the model folder, applied to every mention
//! probability the loaded model gives. A folder without the file (trained before calibration
//! existed, or without a validation split) scores with temperature 1: unchanged.

use crate::error::ModelError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use uptake_core::calibration::{
    expected_calibration_error, fit_temperature, logit, with_temperature,
};

/// The calibration file of a model folder.
pub(crate) const CALIBRATION_FILE: &str = "calibration.json";

/// A report model's calibration: p' = sigmoid(logit(p) / temperature).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The temperature (1: unchanged; above 1 softens overconfident probabilities).
    pub temperature: f64,
    /// Validation mentions it was fitted on (0 for the identity).
    pub validation_mentions: usize,
    /// Expected calibration error (10 bins) on them before scaling.
    pub ece_before: Option<f64>,
    /// The same after scaling.
    pub ece_after: Option<f64>,
}

impl Default for Calibration {
    fn default() -> Self {
        Self {
            temperature: 1.0,
            validation_mentions: 0,
            ece_before: None,
            ece_after: None,
        }
    }
}

impl Calibration {
    /// The temperature that fits the validation mentions' `probabilities` to their `labels`
    /// best; `None` without both classes.
    pub fn fit(probabilities: &[f64], labels: &[bool]) -> Option<Self> {
        let log_odds: Vec<f64> = probabilities.iter().map(|&p| logit(p)).collect();
        let temperature = fit_temperature(&log_odds, labels)?;
        let scaled: Vec<f64> = log_odds
            .iter()
            .map(|&z| with_temperature(z, temperature))
            .collect();
        Some(Self {
            temperature,
            validation_mentions: labels.len(),
            ece_before: expected_calibration_error(probabilities, labels),
            ece_after: expected_calibration_error(&scaled, labels),
        })
    }

    /// A probability calibrated.
    pub fn apply(&self, p: f64) -> f64 {
        if self.temperature == 1.0 {
            return p;
        }
        with_temperature(logit(p), self.temperature)
    }

    /// The calibration of the model folder `dir`: its `calibration.json`, or the identity
    /// when there is none.
    pub fn read(dir: &Path) -> Result<Self, ModelError> {
        let path = dir.join(CALIBRATION_FILE);
        if !path.is_file() {
            return Ok(Self::default());
        }
        let calibration: Self = uptake_core::json::read_json(&path)?;
        if !(calibration.temperature.is_finite() && calibration.temperature > 0.0) {
            return Err(ModelError::BadConfig {
                path,
                message: format!(
                    "temperature {} is not a positive number",
                    calibration.temperature
                ),
            });
        }
        Ok(calibration)
    }

    /// Writes `calibration.json` into the model folder `dir`.
    pub(crate) fn write(&self, dir: &Path) -> Result<(), ModelError> {
        uptake_core::json::write_json(&dir.join(CALIBRATION_FILE), self)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_leaves_probabilities_alone() {
        assert_eq!(Calibration::default().apply(0.873), 0.873);
    }

    #[test]
    fn a_temperature_above_one_pulls_probabilities_toward_one_half() {
        let c = Calibration {
            temperature: 2.0,
            ..Default::default()
        };
        assert!((c.apply(0.9) - 0.75).abs() < 1e-9);
        assert!((c.apply(0.1) - 0.25).abs() < 1e-9);
    }

    #[test]
    fn a_folder_without_the_file_has_temperature_one_and_a_bad_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Calibration::read(dir.path()).unwrap().temperature, 1.0);
        std::fs::write(
            dir.path().join(CALIBRATION_FILE),
            r#"{"temperature": -1, "validation_mentions": 3}"#,
        )
        .unwrap();
        let err = Calibration::read(dir.path()).unwrap_err();
        assert!(err.to_string().contains("calibration.json"), "{err}");
    }
}
