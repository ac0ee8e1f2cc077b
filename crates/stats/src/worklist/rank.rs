//! The triage order itself: exams by decreasing probability (the mean over seeds), ties by
//! exam id so that the list is the same on every run.

use super::error::{WorklistError, check_region};
use crate::combine::mean_table;
use crate::format::{WriteError, columns, write_csv};
use crate::inputs::PredictionFile;
use std::path::Path;
use uptake_core::ExamId;

/// One exam of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageEntry {
    /// The exam.
    pub exam: ExamId,
    /// Its probability (mean over seeds).
    pub probability: f64,
}

/// A worklist in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageOrder {
    /// The region that sorts it.
    pub region: String,
    /// The exams, first to read first.
    pub entries: Vec<TriageEntry>,
    /// Exams left out for lacking a prediction in some file.
    pub left_out: usize,
}

impl TriageOrder {
    /// Sorts the exams predicted for `region` in every file by their mean probability.
    pub fn compute(preds: &[PredictionFile], region: &str) -> Result<Self, WorklistError> {
        check_region(preds, region)?;
        let no_exam = || WorklistError::NoCompleteExam {
            region: region.to_string(),
        };
        let tables: Vec<_> = preds.iter().map(|p| &p.table).collect();
        let mean = mean_table(&tables, &[region.to_string()]).ok_or_else(no_exam)?;
        let mut entries: Vec<TriageEntry> = mean
            .rows()
            .filter_map(|(exam, row)| {
                let probability = row[0]?;
                Some(TriageEntry {
                    exam: exam.clone(),
                    probability,
                })
            })
            .collect();
        if entries.is_empty() {
            return Err(no_exam());
        }
        entries.sort_by(|a, b| {
            (b.probability.total_cmp(&a.probability)).then_with(|| a.exam.cmp(&b.exam))
        });
        Ok(Self {
            region: region.to_string(),
            left_out: mean.len() - entries.len(),
            entries,
        })
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

    /// Writes the CSV file atomically.
    pub fn write(&self, path: &Path) -> Result<(), WriteError> {
        let header = columns(&["rank", "exam_id", "probability"]);
        write_csv(path, &header, &self.rows())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::inline::file;

    #[test]
    fn exams_are_ordered_by_decreasing_mean_probability_ties_by_id() {
        let a = file("a.csv", "exam_id,full\nb,0.5\na,0.5\nc,0.9\nd,\n");
        let b = file("b.csv", "exam_id,full\nb,0.5\na,0.5\nc,0.7\nd,0.1\n");
        let order = TriageOrder::compute(&[a, b], "full").unwrap();
        let ids: Vec<&str> = order.entries.iter().map(|e| e.exam.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b"]);
        assert_eq!(order.left_out, 1);
        assert_eq!(
            order.to_csv(),
            "rank,exam_id,probability\n1,c,0.800000\n2,a,0.500000\n3,b,0.500000\n"
        );
    }
}
