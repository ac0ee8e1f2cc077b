//! The triage order itself: exams by decreasing probability (the mean over seeds), ties by
//! exam id so that the list is the same on every run.

use super::error::{WorklistError, check_region};
use crate::dropped::{self, DropReason, Dropped};
use crate::format::{WriteError, columns, write_csv};
use crate::inputs::PredictionFile;
use crate::pairing::{ExamSet, ExamsOf, common_exams};
use serde::Serialize;
use std::path::Path;
use uptake_core::ExamId;
use uptake_core::output_guard::check_output;

/// One exam of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriageEntry {
    /// The exam.
    pub exam: ExamId,
    /// Its probability (mean over seeds).
    pub probability: f64,
}

/// A worklist in reading order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriageOrder {
    /// The region that sorts it.
    pub region: String,
    /// The exams, first to read first.
    pub entries: Vec<TriageEntry>,
    /// Exams left out: without a prediction in any file, or (with
    /// [`ExamSet::Intersection`]) missing from some file.
    pub dropped: Vec<Dropped>,
    /// The prediction files (never replaced by [`TriageOrder::write`]).
    #[serde(skip)]
    pub inputs: Vec<std::path::PathBuf>,
}

impl TriageOrder {
    /// Sorts the exams predicted for `region` by their mean probability over the files. With
    /// [`ExamSet::Same`] every file must predict the same exams (else an error naming a file
    /// and an exam it lacks); with [`ExamSet::Intersection`] the exams all files predict are
    /// ranked and the others listed in `dropped`. An exam whose cell is empty in every file is
    /// listed in `dropped` either way.
    pub fn compute(
        preds: &[PredictionFile],
        region: &str,
        exam_set: ExamSet,
    ) -> Result<Self, WorklistError> {
        check_region(preds, region)?;
        let mut dropped = Vec::new();
        let predicted: Vec<Vec<ExamId>> = (preds.iter())
            .map(|p| predicted_exams(p, region, &mut dropped))
            .collect();
        let files: Vec<String> = preds.iter().map(|p| p.path.display().to_string()).collect();
        let sets: Vec<ExamsOf> = (files.iter().zip(&predicted))
            .map(|(file, exams)| ExamsOf { file, exams })
            .collect();
        let (common, left_out) = common_exams(region, &sets, exam_set)?;
        // An empty cell is only a drop of its own when no file predicts the exam.
        dropped.retain(|d| !predicted.iter().flatten().any(|e| d.item.is(e)));
        dropped.extend(left_out);
        let mut entries: Vec<TriageEntry> = (predicted[0].iter())
            .filter(|e| common.contains(*e))
            .map(|exam| {
                let values = preds.iter().filter_map(|p| p.table.get(exam, region));
                let probability = values.sum::<f64>() / preds.len() as f64;
                TriageEntry {
                    exam: exam.clone(),
                    probability,
                }
            })
            .collect();
        if entries.is_empty() {
            return Err(WorklistError::NoCompleteExam {
                region: region.to_string(),
            });
        }
        entries.sort_by(|a, b| {
            (b.probability.total_cmp(&a.probability)).then_with(|| a.exam.cmp(&b.exam))
        });
        Ok(Self {
            region: region.to_string(),
            entries,
            dropped,
            inputs: preds.iter().map(|p| p.path.clone()).collect(),
        })
    }

    /// The printed notes on the exams left out.
    pub fn notes(&self) -> Vec<String> {
        dropped::notes(&self.dropped)
    }

    fn rows(&self) -> Vec<Vec<String>> {
        (self.entries.iter().enumerate())
            .map(|(r, e)| {
                vec![
                    (r + 1).to_string(),
                    e.exam.to_string(),
                    format!("{:.6}", e.probability),
                ]
            })
            .collect()
    }

    /// The list as CSV text: `rank,exam_id,probability`.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let rows = std::iter::once(columns(&["rank", "exam_id", "probability"]));
        for row in rows.chain(self.rows()) {
            // Writing into memory cannot fail.
            w.write_record(&row).ok();
        }
        String::from_utf8_lossy(&w.into_inner().unwrap_or_default()).into_owned()
    }

    /// Writes the CSV file atomically; refuses a `path` that is one of the prediction files
    /// or an existing link, folder or special file (see [`check_output`]).
    pub fn write(&self, path: &Path) -> Result<(), WriteError> {
        let inputs: Vec<&Path> = self.inputs.iter().map(|p| p.as_path()).collect();
        check_output(path, &inputs)?;
        let header = columns(&["rank", "exam_id", "probability"]);
        write_csv(path, &header, &self.rows())
    }
}

/// The exams of `file` with a value for `region`, in file order; those with an empty cell go
/// to `empty`.
fn predicted_exams(file: &PredictionFile, region: &str, empty: &mut Vec<Dropped>) -> Vec<ExamId> {
    let mut exams = Vec::new();
    for exam in file.table.exams() {
        match file.table.get(exam, region) {
            Some(_) => exams.push(exam.clone()),
            None => empty.push(Dropped::exam(
                exam,
                file.path.display(),
                Some(region),
                DropReason::EmptyPrediction,
            )),
        }
    }
    exams
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::inline::file;

    #[test]
    fn exams_are_ordered_by_decreasing_mean_probability_ties_by_id() {
        let a = file("a.csv", "exam_id,full\nb,0.5\na,0.5\nc,0.9\n");
        let b = file("b.csv", "exam_id,full\nb,0.5\na,0.5\nc,0.7\n");
        let order = TriageOrder::compute(&[a, b], "full", ExamSet::Same).unwrap();
        let ids: Vec<&str> = order.entries.iter().map(|e| e.exam.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b"]);
        assert!(order.dropped.is_empty());
        assert_eq!(
            order.to_csv(),
            "rank,exam_id,probability\n1,c,0.800000\n2,a,0.500000\n3,b,0.500000\n"
        );
    }

    fn two_seeds_one_missing_exams() -> [PredictionFile; 2] {
        [
            file("a.csv", "exam_id,full\na,0.2\nb,0.9\nc,0.5\nd,\n"),
            file("b.csv", "exam_id,full\na,0.8\nd,0.3\n"),
        ]
    }

    #[test]
    fn an_exam_missing_from_one_seed_file_is_an_error_naming_it() {
        let err = TriageOrder::compute(&two_seeds_one_missing_exams(), "full", ExamSet::Same)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("a.csv and b.csv predict different exams for `full`")
                && err.contains("`b` is in a.csv only")
                && err.contains("--intersection"),
            "{err}"
        );
    }

    #[test]
    fn with_the_intersection_the_exams_left_out_are_listed() {
        let preds = two_seeds_one_missing_exams();
        let order = TriageOrder::compute(&preds, "full", ExamSet::Intersection).unwrap();
        let ids: Vec<&str> = order.entries.iter().map(|e| e.exam.as_str()).collect();
        assert_eq!(ids, ["a"]);
        let left: Vec<(String, &str)> = (order.dropped.iter())
            .map(|d| (d.item.to_string(), d.file.as_str()))
            .collect();
        assert_eq!(
            left,
            [
                ("b".to_string(), "a.csv"),
                ("c".to_string(), "a.csv"),
                ("d".to_string(), "b.csv")
            ]
        );
        assert_eq!(
            order.notes(),
            [
                "a.csv: 2 exam(s) left out from `full` (not predicted in every file): b, c",
                "b.csv: 1 exam(s) left out from `full` (not predicted in every file): d"
            ]
        );
    }

    #[test]
    fn an_exam_no_file_predicts_is_listed() {
        let a = file("a.csv", "exam_id,full\na,0.2\nz,\n");
        let order = TriageOrder::compute(&[a], "full", ExamSet::Same).unwrap();
        assert_eq!(order.dropped.len(), 1);
        assert_eq!(order.dropped[0].reason, DropReason::EmptyPrediction);
    }

    #[test]
    fn the_list_never_replaces_a_prediction_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(&path, "exam_id,full\na,0.2\n").unwrap();
        let pred = PredictionFile {
            path: path.clone(),
            table: crate::inputs::inline::table("exam_id,full\na,0.2\n"),
        };
        let order = TriageOrder::compute(&[pred], "full", ExamSet::Same).unwrap();
        let err = order.write(&path).unwrap_err().to_string();
        assert!(err.contains("is the input"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "exam_id,full\na,0.2\n"
        );
    }
}
