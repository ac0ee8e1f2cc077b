//! What the demo runs with, and where it writes.

use std::path::{Path, PathBuf};
use uptake_core::ExamId;

/// Whether the demo trains the BERT report model.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportModelChoice {
    /// Fine-tune the model folder `base` (skipped with a note when its weights are missing).
    Train {
        /// A Hugging Face BERT folder (MiniLM from `scripts/setup`).
        base: PathBuf,
    },
    /// No report model (faster).
    Skip,
}

/// The demo's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSettings {
    /// Where everything is written (created).
    pub out: PathBuf,
    /// Seed of every random choice.
    pub seed: u64,
    /// Exams in the synthetic cohort (at least 20); a quarter are held out for testing.
    pub exams: usize,
    /// Scan-model training epochs (tiny network on a 32 x 32 grid).
    pub scan_epochs: usize,
    /// The report model.
    pub report_model: ReportModelChoice,
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self {
            out: PathBuf::from("uptake-demo"),
            seed: 7,
            // 960 exams, not 320: the tiny network is short of exams, not of steps, at this
            // size; 60 epochs, not 40: its multi-head heads with a position prior still gain
            // (docs/scan-model.md, Demo configuration).
            exams: 960,
            scan_epochs: 60,
            report_model: ReportModelChoice::Train {
                base: uptake_core::cache_dir().join("models/all-MiniLM-L6-v2"),
            },
        }
    }
}

/// Bins of the scan model's position prior (`train --position-bins`): each region's attention
/// learns where in the body to look, in eighths of the exam's height and width.
pub const SCAN_POSITION_BINS: usize = 8;

impl DemoSettings {
    /// The scan model's learning rate halves every this many epochs: two fifths of the
    /// training (24 of 60; 16 of 40, `train`'s default), so a shorter or longer run keeps the
    /// schedule's shape.
    pub fn scan_halve_every(&self) -> usize {
        (self.scan_epochs * 2).div_ceil(5).max(1)
    }
}

/// Every file and folder the demo writes, under its `out` folder.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPaths {
    /// The demo's folder.
    pub out: PathBuf,
    /// The synthetic cohort (DICOM, reports, truth, manifest).
    pub cohort: PathBuf,
    /// Weak-label tables, one per method.
    pub labels: PathBuf,
    /// The analysis folder `uptake report` reads.
    pub analysis: PathBuf,
    /// The starter mentions the report model trains on.
    pub starter_mentions: PathBuf,
    /// The trained report model.
    pub report_model: PathBuf,
    /// The exam store.
    pub store: PathBuf,
    /// The rule labels of the training exams.
    pub train_labels: PathBuf,
    /// The scan model's run folder.
    pub scan_run: PathBuf,
    /// Predictions of the held-out exams.
    pub test_predictions: PathBuf,
    /// Predictions of the exam whose maps are written.
    pub map_predictions: PathBuf,
    /// Attention and saliency maps.
    pub maps: PathBuf,
    /// Attention on the true lesions (JSON).
    pub localisation: PathBuf,
    /// Predictions of every exam (for survival).
    pub all_predictions: PathBuf,
    /// The HTML report.
    pub report: PathBuf,
}

impl DemoPaths {
    /// The layout under `out`.
    pub fn new(out: &Path) -> Self {
        let at = |p: &str| out.join(p);
        Self {
            out: out.to_path_buf(),
            cohort: at("cohort"),
            labels: at("labels"),
            analysis: at("run"),
            starter_mentions: at("starter-mentions.jsonl"),
            report_model: at("report-model"),
            store: at("store"),
            train_labels: at("labels/rules-train.csv"),
            scan_run: at("scan-model"),
            test_predictions: at("predictions-test.csv"),
            map_predictions: at("predictions-maps.csv"),
            maps: at("maps"),
            localisation: at("localisation.json"),
            all_predictions: at("predictions-all.csv"),
            report: at("report.html"),
        }
    }

    /// The cohort's reports.
    pub fn reports(&self) -> PathBuf {
        self.cohort.join("reports.jsonl")
    }

    /// What the reports say, per region (the weak labels' truth).
    pub fn report_truth(&self) -> PathBuf {
        self.cohort.join("report_truth.csv")
    }

    /// Every lesion in the images, per region (the scan model's truth).
    pub fn image_truth(&self) -> PathBuf {
        self.cohort.join("truth.csv")
    }

    /// The cohort manifest.
    pub fn manifest(&self) -> PathBuf {
        self.cohort.join("manifest.csv")
    }

    /// The weak labels of one method.
    pub fn method_labels(&self, method: &str) -> PathBuf {
        self.labels.join(format!("{method}.csv"))
    }

    /// The coronal MIP of an exam.
    pub fn mip(&self, exam: &ExamId) -> PathBuf {
        self.out.join(format!("{exam}_mip.png"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_learning_rate_halves_every_two_fifths_of_the_epochs() {
        let halving = |scan_epochs| {
            let settings = DemoSettings {
                scan_epochs,
                ..DemoSettings::default()
            };
            settings.scan_halve_every()
        };
        assert_eq!(halving(60), 24);
        assert_eq!(halving(40), 16, "train's default at 40 epochs");
        assert_eq!(halving(4), 2);
        assert_eq!(halving(1), 1);
        assert_eq!(halving(0), 1, "never zero");
    }
}
