//! The worklist as files: `worklist.csv` (the curve, per seed too), the figure and
//! `summary.json` for the report.

use super::Worklist;
use crate::format::{WriteError, columns, opt_num, write_csv, write_folder};
use crate::plots::{WorklistFigure, worklist_curve};
use crate::report::{ReportFigure, ReportPart, ReportTable};
use std::path::Path;

impl Worklist {
    /// Writes the curve, its figure and the report summary into `dir`, creating it, as one
    /// unit (see [`crate::Evaluation::write`]).
    pub fn write(&self, dir: &Path) -> Result<(), WriteError> {
        write_folder(dir, &self.inputs, |stage| self.write_files(stage))
    }

    fn write_files(&self, dir: &Path) -> Result<(), WriteError> {
        let mut header = columns(&[
            "fraction_read",
            "sensitivity",
            "ci_low",
            "ci_high",
            "random_order",
            "perfect_order",
        ]);
        header.extend((0..self.per_seed.len()).map(|s| format!("seed{s}")));
        let rows: Vec<Vec<String>> = (self.curve.iter().enumerate())
            .map(|(g, p)| {
                let mut row = vec![
                    format!("{:.4}", p.fraction_read),
                    format!("{:.6}", p.sensitivity_mean),
                    opt_num(p.sensitivity_ci.map(|c| c.0)),
                    opt_num(p.sensitivity_ci.map(|c| c.1)),
                    format!("{:.6}", p.random_order),
                    format!("{:.6}", p.perfect_order),
                ];
                row.extend(self.per_seed.iter().map(|c| format!("{:.6}", c[g])));
                row
            })
            .collect();
        write_csv(&dir.join("worklist.csv"), &header, &rows)?;
        worklist_curve(&dir.join("worklist"), &self.figure())?;
        ReportPart {
            kind: "worklist".into(),
            title: format!("Worklist sorted by `{}`", self.region),
            notes: self.notes.clone(),
            tables: vec![ReportTable {
                caption: "mean over seeds [95 % bootstrap CI]".into(),
                columns: vec!["".into(), self.region.clone()],
                rows: self.rows(),
            }],
            figures: vec![ReportFigure {
                caption: format!(
                    "Sensitivity after reading the first x % of a worklist sorted by P({})",
                    self.region
                ),
                file: "worklist.svg".into(),
            }],
        }
        .write(dir)?;
        Ok(())
    }

    fn figure(&self) -> WorklistFigure {
        let several = self.per_seed.len() > 1;
        WorklistFigure {
            region: self.region.clone(),
            grid: self.curve.iter().map(|p| p.fraction_read).collect(),
            mean: self.curve.iter().map(|p| p.sensitivity_mean).collect(),
            ci: several.then(|| {
                (self.curve.iter())
                    .map(|p| {
                        p.sensitivity_ci
                            .unwrap_or((p.sensitivity_mean, p.sensitivity_mean))
                    })
                    .collect()
            }),
            per_seed: if several {
                self.per_seed.clone()
            } else {
                vec![]
            },
            perfect: self.curve.iter().map(|p| p.perfect_order).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::inputs::inline::{file, truth};
    use crate::worklist::{Worklist, WorklistSettings};

    #[test]
    fn the_folder_holds_the_curve_the_figure_and_the_summary() {
        let pred = file("p.csv", "exam_id,full\na,0.9\nb,0.1\nc,0.4\nd,0.6\n");
        let truth = truth("exam_id,full\na,1\nb,0\nc,1\nd,0\n");
        let settings = WorklistSettings {
            steps: 4,
            ..WorklistSettings::default()
        };
        let w = Worklist::compute(&[pred], &truth, &settings).unwrap();
        let dir = tempfile::tempdir().unwrap();
        w.write(dir.path()).unwrap();
        let csv = std::fs::read_to_string(dir.path().join("worklist.csv")).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "fraction_read,sensitivity,ci_low,ci_high,random_order,perfect_order,seed0"
        );
        // Order a(+) d(-) c(+) b(-): one of two abnormal exams after reading a quarter.
        assert_eq!(lines[2], "0.2500,0.500000,,,0.250000,0.500000,0.500000");
        assert!(dir.path().join("worklist.svg").is_file());
        assert!(dir.path().join("summary.json").is_file());
    }
}
