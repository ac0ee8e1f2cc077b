//! The survival analysis as files: `coefficients.csv`, `survival.json`, the Kaplan-Meier
//! figure and `summary.json` for the report.

use super::{SurvivalAnalysis, coefficient_columns, coefficient_rows};
use crate::format::{WriteError, write_csv, write_folder, write_json};
use crate::plots::kaplan_meier_curves;
use crate::report::{ReportFigure, ReportPart, ReportTable};
use std::path::Path;

impl SurvivalAnalysis {
    /// Writes the coefficients, the JSON (without the notes), the figure and the report
    /// summary into `dir`, creating it, as one unit (see [`crate::Evaluation::write`]).
    pub fn write(&self, dir: &Path) -> Result<(), WriteError> {
        write_folder(dir, &self.inputs, |stage| self.write_files(stage))
    }

    fn write_files(&self, dir: &Path) -> Result<(), WriteError> {
        let columns = coefficient_columns();
        let full_rows = coefficient_rows(&self.full_model);
        write_csv(&dir.join("coefficients.csv"), &columns, &full_rows)?;
        let mut json = self.to_json();
        if let Some(map) = json.as_object_mut() {
            map.remove("notes");
        }
        write_json(&dir.join("survival.json"), &json)?;
        let mut figures = Vec::new();
        let (region, threshold) = (&self.settings.km_region, self.settings.km_threshold);
        if !self.kaplan_meier.is_empty() {
            let title = format!("Kaplan-Meier by predicted {region}");
            kaplan_meier_curves(&dir.join("km"), &title, &self.kaplan_meier)?;
            figures.push(ReportFigure {
                caption: format!(
                    "Kaplan-Meier curves (95 % CI) stratified by P({region}) >= {threshold}"
                ),
                file: "km.svg".into(),
            });
        }
        let mut tables = vec![ReportTable {
            caption: "Cox model (full): hazard ratios with Wald 95 % CIs".into(),
            columns: columns.clone(),
            rows: full_rows,
        }];
        if let Some(b) = &self.base_model {
            tables.push(ReportTable {
                caption: "Cox model (base)".into(),
                columns,
                rows: coefficient_rows(b),
            });
        }
        tables.push(ReportTable {
            caption: "Fit and tests".into(),
            columns: vec!["".into(), "value".into()],
            rows: self.stats_rows(),
        });
        tables.push(ReportTable {
            caption: "Importance (Wald chi2 - df)".into(),
            columns: vec!["covariate".into(), "importance".into()],
            rows: self.importance_rows(),
        });
        ReportPart {
            kind: "survival".into(),
            title: "Survival after the scan (Cox proportional hazards)".into(),
            notes: self.notes.clone(),
            tables,
            figures,
        }
        .write(dir)?;
        Ok(())
    }
}
