//! The calibration part of `report-model evaluate`: each labeller's reliability table and
//! expected calibration error on the hand-labelled mentions, the model's also before its saved
//! temperature, written as a reliability diagram (SVG, PNG) and its bins (CSV).

use crate::error::ModelError;
use crate::evaluate::Comparison;
use std::fmt;
use std::path::{Path, PathBuf};
use uptake_core::LabelledSentence;
use uptake_core::calibration::{DEFAULT_BINS, Reliability, logit, with_temperature};
use uptake_stats::plots::{ReliabilityLine, reliability_diagram};

/// The stem of the diagram files (`reliability.svg`, `.png`, `.csv`) in the output folder.
pub const RELIABILITY_STEM: &str = "reliability";

/// One labeller's calibration on the mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct LabellerCalibration {
    /// The labeller (`model`, `model+rules`, `rules`, `regex`; `model before temperature`).
    pub name: String,
    /// Its probabilities binned against the labels.
    pub table: Reliability,
}

impl LabellerCalibration {
    /// Its expected calibration error; `None` without mentions.
    pub fn ece(&self) -> Option<f64> {
        self.table.ece()
    }
}

/// How well each labeller of a comparison is calibrated.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationFigures {
    /// The labellers of the comparison, in its order.
    pub labellers: Vec<LabellerCalibration>,
    /// The model's temperature, where one model folder with a `calibration.json` was scored.
    pub temperature: Option<f64>,
    /// The model before that temperature (its scores with the scaling undone).
    pub model_before: Option<LabellerCalibration>,
}

impl CalibrationFigures {
    /// The reliability tables of `comparison`'s labellers on `sentences`; the model's first
    /// labeller was scaled by `temperature` (1 or `None`: no "before" table).
    pub fn of(
        comparison: &Comparison,
        sentences: &[LabelledSentence],
        temperature: Option<f64>,
    ) -> Self {
        let labels: Vec<bool> = (sentences.iter())
            .flat_map(|s| s.mentions.iter().map(|m| m.label == 1))
            .collect();
        let table = |scores: &[Vec<f64>], map: &dyn Fn(f64) -> f64| {
            let p: Vec<f64> = scores.iter().flatten().map(|&p| map(p)).collect();
            Reliability::new(&p, &labels, DEFAULT_BINS)
        };
        let labellers = (comparison.names.iter().zip(&comparison.scores))
            .map(|(name, scores)| LabellerCalibration {
                name: name.clone(),
                table: table(scores, &|p| p),
            })
            .collect();
        let temperature = temperature.filter(|&t| t != 1.0);
        let model_before = temperature.zip(comparison.scores.first()).map(|(t, s)| {
            LabellerCalibration {
                name: format!("{} before temperature", comparison.names[0]),
                // Undo p' = sigmoid(logit(p) / T).
                table: table(s, &|p| with_temperature(logit(p), 1.0 / t)),
            }
        });
        Self {
            labellers,
            temperature,
            model_before,
        }
    }

    fn all(&self) -> impl Iterator<Item = &LabellerCalibration> {
        self.labellers.iter().chain(&self.model_before)
    }

    /// Writes `reliability.svg`, `.png` (the diagram) and `.csv` (its bins) into `dir` and
    /// returns their paths.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, ModelError> {
        let stem = dir.join(RELIABILITY_STEM);
        let lines: Vec<ReliabilityLine> = (self.all())
            .map(|l| ReliabilityLine {
                name: l.name.clone(),
                table: l.table.clone(),
                ece: l.ece(),
            })
            .collect();
        let title = "Reliability of the mention probabilities";
        let mut written = reliability_diagram(&stem, title, &lines)?;
        let csv_path = stem.with_extension("csv");
        uptake_core::write_atomic(&csv_path, |w| {
            let mut csv = csv::Writer::from_writer(w);
            csv.write_record([
                "labeller",
                "lower",
                "upper",
                "count",
                "mean_probability",
                "positive_rate",
            ])?;
            for l in self.all() {
                for b in &l.table.bins {
                    let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.6}"));
                    csv.write_record([
                        l.name.clone(),
                        format!("{:.1}", b.lower),
                        format!("{:.1}", b.upper),
                        b.count.to_string(),
                        opt(b.mean_probability),
                        opt(b.positive_rate),
                    ])?;
                }
            }
            csv.flush()
        })?;
        written.push(csv_path);
        Ok(written)
    }
}

impl fmt::Display for CalibrationFigures {
    /// Each labeller's ECE; the model's also before its temperature.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\nexpected calibration error ({DEFAULT_BINS} bins):")?;
        let ece = |l: &LabellerCalibration| l.ece().map_or("-".into(), |e| format!("{e:.3}"));
        for l in &self.labellers {
            writeln!(f, "{:<12} {:>6}", l.name, ece(l))?;
        }
        if let (Some(t), Some(before)) = (self.temperature, &self.model_before) {
            let after = self.labellers.first().map_or("-".into(), ece);
            writeln!(
                f,
                "{}: {} before its temperature {t:.3}, {after} after",
                self.labellers[0].name,
                ece(before)
            )?;
        }
        Ok(())
    }
}
