//! The mortality ROC: one panel per horizon of each mortality experiment, one curve per seed
//! and the mean AUROC over seeds in the panel's title, in `mortality/<experiment>/`.

use crate::figure_files::{
    CsvTable, each_experiment, figure_with_csv, mean, seed_aurocs, write_part,
};
use crate::plan::{Experiment, Plan};
use std::path::Path;
use uptake_stats::Evaluation;
use uptake_stats::plots::{RocPanel, roc_grid};
use uptake_stats::report::ReportPart;

/// The panel of one horizon, and its CSV rows (days, seed, fpr, tpr).
fn panel(days: u32, e: &Evaluation, rows: &mut Vec<Vec<String>>) -> RocPanel {
    let curves = e.roc_curves.first().cloned().unwrap_or_default();
    for (seed, curve) in curves.iter().enumerate() {
        for (fpr, tpr) in curve {
            let cells = [
                days.to_string(),
                seed.to_string(),
                format!("{fpr:.6}"),
                format!("{tpr:.6}"),
            ];
            rows.push(cells.to_vec());
        }
    }
    let region = e.regions.first().map(String::as_str);
    RocPanel {
        region: format!("{days} days"),
        curves,
        auroc: mean(&seed_aurocs(e, region)),
    }
}

/// Writes the ROC figure of every mortality experiment with evaluated horizons; returns what
/// could not be written.
pub(crate) fn mortality_rocs(
    plan: &Plan,
    evaluations: &[(String, Evaluation)],
    parts: &Path,
) -> Vec<String> {
    each_experiment(plan, "mortality ROC", |e| {
        mortality_roc(e, evaluations, parts)
    })
}

/// The ROC figure of `experiment`, when it is a mortality experiment with evaluations.
fn mortality_roc(
    experiment: &Experiment,
    evaluations: &[(String, Evaluation)],
    parts: &Path,
) -> Result<(), String> {
    let Experiment::Mortality { name, days, .. } = experiment else {
        return Ok(());
    };
    let mut csv = CsvTable {
        columns: vec!["days", "seed", "fpr", "tpr"],
        rows: Vec::new(),
    };
    let panels: Vec<RocPanel> = (experiment.variants().iter().zip(days))
        .filter_map(|(v, d)| {
            let (_, e) = evaluations.iter().find(|(n, _)| n == v)?;
            Some(panel(*d, e, &mut csv.rows))
        })
        .collect();
    if panels.is_empty() {
        return Ok(());
    }
    let caption = "ROC of death within each horizon of the patient's last scan, on the test \
                   exams: one curve per seed, the mean AUROC over seeds in each panel's title. \
                   No test."
        .to_string();
    let dir = parts.join("mortality").join(name);
    let figure = figure_with_csv(&dir, "roc", &csv, |s| roc_grid(s, &panels), caption)?;
    let part = ReportPart {
        kind: "mortality".into(),
        title: format!("{name}: ROC by horizon"),
        notes: vec![],
        tables: vec![],
        figures: vec![figure],
    };
    write_part(&dir, &part)
}

#[cfg(test)]
mod tests {
    use super::mortality_rocs;
    use crate::default_plan::{Preset, plan_for};
    use crate::plan::{Cohort, Experiment, Start};
    use std::path::Path;
    use uptake_core::RegionTable;
    use uptake_stats::{Evaluation, EvaluationSettings, PredictionFile, TruthTable};

    fn table(csv: &str) -> RegionTable {
        RegionTable::from_reader(csv.as_bytes(), Path::new("inline")).unwrap()
    }

    #[test]
    fn each_evaluated_horizon_gets_a_panel_and_its_curve_points_in_the_csv() {
        let dir = tempfile::tempdir().unwrap();
        let labels = dir.path().join("weak.csv");
        std::fs::write(&labels, "exam_id,liver\nE1,1\nE2,0\n").unwrap();
        let cohort = Cohort::new(dir.path().join("store"), labels, None, None);
        let mut plan = plan_for(cohort, Preset::Tiny).unwrap();
        plan.experiments.push(Experiment::Mortality {
            name: "mortality".into(),
            days: vec![45, 90],
            init: Start::Random,
        });
        let truth = TruthTable {
            source: "dead.csv".into(),
            table: table("exam_id,dead\nE1,1\nE2,0\n"),
        };
        let seed = |csv: &str| PredictionFile {
            path: "p.csv".into(),
            table: table(csv),
        };
        let seeds = [
            seed("exam_id,dead\nE1,.9\nE2,.1\n"),
            seed("exam_id,dead\nE1,.2\nE2,.8\n"),
        ];
        let e = Evaluation::compute(&seeds, &truth, &EvaluationSettings::default()).unwrap();
        // Only the 45-day horizon was evaluated.
        let out = dir.path().join("report");
        let missing = mortality_rocs(&plan, &[("mortality-45d".into(), e)], &out);
        assert!(missing.is_empty(), "{missing:?}");
        let folder = out.join("mortality/mortality");
        let csv = std::fs::read_to_string(folder.join("roc.csv")).unwrap();
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("days,seed,fpr,tpr"));
        let rows: Vec<&str> = lines.collect();
        assert!(rows.iter().all(|r| r.starts_with("45,")), "{csv}");
        assert!(rows.contains(&"45,0,0.000000,1.000000"), "{csv}");
        assert!(rows.iter().any(|r| r.starts_with("45,1,")), "{csv}");
        let svg = std::fs::read_to_string(folder.join("roc.svg")).unwrap();
        assert!(svg.contains("45 days (0.500)") && !svg.contains("90 days"));
        assert!(folder.join("roc.png").is_file() && folder.join("summary.json").is_file());
    }
}
