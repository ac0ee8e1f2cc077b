//! The evaluation as files: `metrics.csv`, `per_seed.csv`, `ensemble.csv`, `evaluation.json`,
//! the AUROC and ROC figures, and `summary.json` for the report.

use super::{Evaluation, SeedStat};
use crate::format::{
    WriteError, columns, f3, mean_ci, opt_num, write_csv, write_folder, write_json,
};
use crate::metrics::{Metric, RegionMetrics, macro_mean};
use crate::plots::{self, AurocRow, RocPanel};
use crate::report::{ReportFigure, ReportPart, ReportTable};
use std::path::Path;

impl Evaluation {
    /// Writes the tables, the JSON, the figures and the report summary (titled `title`) into
    /// `dir`, creating it, as one unit: on any error `dir` is as it was (see
    /// [`uptake_core::output::StagedDir`]); no input file is replaced.
    pub fn write(&self, dir: &Path, title: &str) -> Result<(), WriteError> {
        write_folder(dir, &self.inputs, |stage| self.write_files(stage, title))
    }

    /// The report title when none is given: `<first prediction file> vs <truth>`.
    pub fn default_title(&self) -> String {
        match (self.inputs.first(), self.inputs.last()) {
            (Some(first), Some(truth)) => format!("{} vs {}", first.display(), truth.display()),
            _ => "evaluation".into(),
        }
    }

    fn write_files(&self, dir: &Path, title: &str) -> Result<(), WriteError> {
        self.write_metrics_csv(dir)?;
        self.write_per_seed_csv(dir)?;
        if let Some(ens) = &self.ensemble {
            write_csv(
                &dir.join("ensemble.csv"),
                &metrics_header(&[]),
                &metrics_rows(ens),
            )?;
        }
        write_json(&dir.join("evaluation.json"), self)?;
        let figures = self.write_figures(dir)?;
        let mut notes: Vec<String> = self
            .matching
            .iter()
            .map(|m| format!("{}: {} exams matched the truth", m.pred_file, m.matched))
            .collect();
        notes.extend(self.notes.iter().cloned());
        ReportPart {
            kind: "evaluation".into(),
            title: title.into(),
            notes,
            tables: self.report_tables(),
            figures,
        }
        .write(dir)?;
        Ok(())
    }

    /// `metrics.csv`: per region (and the macro mean), the mean and CI of every metric.
    fn write_metrics_csv(&self, dir: &Path) -> Result<(), WriteError> {
        let mut header = columns(&["region", "n", "positives", "seeds"]);
        for m in Metric::ALL {
            header.extend([
                m.name().to_string(),
                format!("{}_ci_low", m.name()),
                format!("{}_ci_high", m.name()),
            ]);
        }
        let seeds = self.per_seed.len().to_string();
        let mut rows: Vec<Vec<String>> = self
            .over_seeds
            .iter()
            .map(|r| {
                let mut row = vec![
                    r.region.clone(),
                    r.n.to_string(),
                    r.positives.to_string(),
                    r.seeds.to_string(),
                ];
                row.extend(summary_cells(&r.metrics));
                row
            })
            .collect();
        let mut macro_row = vec![
            "macro_mean".to_string(),
            String::new(),
            String::new(),
            seeds,
        ];
        macro_row.extend(summary_cells(&self.macro_over_seeds));
        rows.push(macro_row);
        write_csv(&dir.join("metrics.csv"), &header, &rows)
    }

    /// `per_seed.csv`: every metric of every region for each prediction file.
    fn write_per_seed_csv(&self, dir: &Path) -> Result<(), WriteError> {
        let mut rows = Vec::new();
        for (matching, metrics) in self.matching.iter().zip(&self.per_seed) {
            for r in metrics_rows(metrics) {
                let mut row = vec![matching.pred_file.clone()];
                row.extend(r);
                rows.push(row);
            }
        }
        write_csv(
            &dir.join("per_seed.csv"),
            &metrics_header(&["seed_file"]),
            &rows,
        )
    }

    /// `auroc.svg/.png` (when some AUROC is defined) and `roc.svg/.png`.
    fn write_figures(&self, dir: &Path) -> Result<Vec<ReportFigure>, WriteError> {
        let auroc_rows: Vec<AurocRow> = self
            .over_seeds
            .iter()
            .filter_map(|r| {
                let s = &r.metrics.iter().find(|(k, _)| *k == Metric::Auroc)?.1;
                let m = s.summary.as_ref()?;
                Some(AurocRow {
                    region: r.region.clone(),
                    mean: m.mean,
                    ci: m.ci,
                    per_seed: s.per_seed.iter().flatten().copied().collect(),
                })
            })
            .collect();
        let mut figures = Vec::new();
        if !auroc_rows.is_empty() {
            let title = "AUROC per region (mean, 95 % CI, seeds)";
            plots::auroc_by_region(&dir.join("auroc"), title, &auroc_rows)?;
            figures.push(ReportFigure {
                caption: "AUROC per region: mean over seeds (triangle), 95 % bootstrap CI (bar), each seed (dots)".into(),
                file: "auroc.svg".into(),
            });
        }
        let panels: Vec<RocPanel> = self
            .over_seeds
            .iter()
            .zip(&self.roc_curves)
            .map(|(r, curves)| RocPanel {
                region: r.region.clone(),
                curves: curves.clone(),
                auroc: r.summary(Metric::Auroc).map(|m| m.mean),
            })
            .collect();
        plots::roc_grid(&dir.join("roc"), &panels)?;
        figures.push(ReportFigure {
            caption: "ROC curves per region (one line per seed)".into(),
            file: "roc.svg".into(),
        });
        Ok(figures)
    }

    /// The report's tables: means over seeds, and the ensemble.
    fn report_tables(&self) -> Vec<ReportTable> {
        let columns = columns(&[
            "region",
            "n",
            "positives",
            "AUROC",
            "precision",
            "recall",
            "F1",
            "sensitivity",
            "specificity",
        ]);
        let mut rows: Vec<Vec<String>> = self
            .over_seeds
            .iter()
            .map(|r| {
                let (n, pos) = (r.n.to_string(), r.positives.to_string());
                report_row(&r.region, n, pos, &r.metrics)
            })
            .collect();
        let (blank, blank2) = (String::new(), String::new());
        rows.push(report_row(
            "macro mean",
            blank,
            blank2,
            &self.macro_over_seeds,
        ));
        let mut tables = vec![ReportTable {
            caption: format!(
                "{} seed(s), threshold {}; AUROC as mean [95 % bootstrap CI over seeds], other metrics as means",
                self.per_seed.len(),
                self.threshold
            ),
            columns: columns.clone(),
            rows,
        }];
        if let Some(ens) = &self.ensemble {
            tables.push(ReportTable {
                caption: "Ensemble: mean of the seeds' probabilities".into(),
                columns,
                rows: ensemble_rows(ens),
            });
        }
        tables
    }
}

/// Mean, CI low and CI high of each metric (empty cells where undefined).
fn summary_cells(stats: &[(Metric, SeedStat)]) -> Vec<String> {
    stats
        .iter()
        .flat_map(|(_, s)| {
            let m = s.summary.as_ref();
            [
                opt_num(m.map(|m| m.mean)),
                opt_num(m.and_then(|m| m.ci).map(|c| c.0)),
                opt_num(m.and_then(|m| m.ci).map(|c| c.1)),
            ]
        })
        .collect()
}

/// `first` columns, then region, n, positives and every metric.
fn metrics_header(first: &[&str]) -> Vec<String> {
    let mut header = columns(first);
    header.extend(columns(&["region", "n", "positives"]));
    header.extend(Metric::ALL.iter().map(|m| m.name().to_string()));
    header
}

fn metrics_rows(ms: &[RegionMetrics]) -> Vec<Vec<String>> {
    ms.iter()
        .map(|m| {
            let mut row = vec![m.region.clone(), m.n.to_string(), m.positives.to_string()];
            row.extend(Metric::ALL.iter().map(|k| opt_num(m.get(*k))));
            row
        })
        .collect()
}

fn report_row(name: &str, n: String, pos: String, stats: &[(Metric, SeedStat)]) -> Vec<String> {
    let mut row = vec![name.to_string(), n, pos];
    for (k, s) in stats {
        row.push(if *k == Metric::Auroc {
            mean_ci(s.summary.as_ref())
        } else {
            f3(s.summary.map(|m| m.mean))
        });
    }
    row
}

fn ensemble_rows(ens: &[RegionMetrics]) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = ens
        .iter()
        .map(|m| {
            let mut row = vec![m.region.clone(), m.n.to_string(), m.positives.to_string()];
            row.extend(Metric::ALL.iter().map(|k| f3(m.get(*k))));
            row
        })
        .collect();
    let mut mac = vec!["macro mean".to_string(), String::new(), String::new()];
    mac.extend(Metric::ALL.iter().map(|k| f3(macro_mean(ens, *k).mean)));
    rows.push(mac);
    rows
}

#[cfg(test)]
mod tests {
    use crate::evaluate::{Ensemble, Evaluation, EvaluationSettings};
    use crate::inputs::inline::{file, truth};

    #[test]
    fn the_default_title_names_the_first_prediction_file_and_the_truth() {
        let seeds = [file("s0.csv", "exam_id,chest\na,0.9\nb,0.2\n")];
        let truth = truth("exam_id,chest\na,1\nb,0\n");
        let ev = Evaluation::compute(&seeds, &truth, &EvaluationSettings::default()).unwrap();
        let expected = format!("s0.csv vs {}", truth.source.display());
        assert_eq!(ev.default_title(), expected);
    }

    #[test]
    fn the_folder_holds_tables_json_figures_and_the_summary() {
        let seeds = [
            file("s0.csv", "exam_id,chest\na,0.9\nb,0.2\n"),
            file("s1.csv", "exam_id,chest\na,0.8\nb,0.4\n"),
        ];
        let truth = truth("exam_id,chest\na,1\nb,0\n");
        let settings = EvaluationSettings {
            ensemble: Ensemble::MeanOfSeeds,
            ..EvaluationSettings::default()
        };
        let ev = Evaluation::compute(&seeds, &truth, &settings).unwrap();
        let dir = tempfile::tempdir().unwrap();
        ev.write(dir.path(), "chest model").unwrap();
        for f in [
            "metrics.csv",
            "per_seed.csv",
            "ensemble.csv",
            "evaluation.json",
            "auroc.svg",
            "roc.png",
            "summary.json",
        ] {
            assert!(dir.path().join(f).is_file(), "{f}");
        }
        let metrics = std::fs::read_to_string(dir.path().join("metrics.csv")).unwrap();
        let chest = metrics.lines().nth(1).unwrap();
        assert!(chest.starts_with("chest,2,1,2,1.000000,"), "{chest}");
        let summary = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
        assert!(summary.contains("chest model") && summary.contains("Ensemble"));
    }

    fn chest_evaluation() -> Evaluation {
        let seeds = [file("s0.csv", "exam_id,chest\na,0.9\nb,0.2\n")];
        let truth = truth("exam_id,chest\na,1\nb,0\n");
        Evaluation::compute(&seeds, &truth, &EvaluationSettings::default()).unwrap()
    }

    fn names(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_write_leaves_the_folder_as_it_was() {
        // `roc.svg` is a folder: before, metrics.csv, per_seed.csv, evaluation.json and the
        // AUROC figure were written before the ROC figure failed.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("roc.svg")).unwrap();
        let err = chest_evaluation().write(dir.path(), "t").unwrap_err();
        assert!(err.to_string().contains("roc.svg is a directory"), "{err}");
        assert_eq!(names(dir.path()), ["roc.svg"]);
    }

    #[test]
    fn a_new_folder_appears_with_every_file_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("eval");
        chest_evaluation().write(&out, "t").unwrap();
        let written = names(&out);
        assert_eq!(
            written,
            [
                "auroc.png",
                "auroc.svg",
                "evaluation.json",
                "metrics.csv",
                "per_seed.csv",
                "roc.png",
                "roc.svg",
                "summary.json"
            ]
        );
        assert_eq!(names(dir.path()), ["eval"], "no staging folder is left");
    }
}
