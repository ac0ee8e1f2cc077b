//! The comparison as files: `comparison.csv`, `comparison.json` and `summary.json` for the
//! report.

use super::Comparison;
use crate::format::{WriteError, write_csv, write_folder, write_json};
use crate::report::{ReportPart, ReportTable};
use std::path::Path;

impl Comparison {
    /// Writes the table, the JSON and the report summary into `dir`, creating it, as one unit
    /// (see [`crate::Evaluation::write`]).
    pub fn write(&self, dir: &Path) -> Result<(), WriteError> {
        write_folder(dir, &self.inputs, |stage| self.write_files(stage))
    }

    fn write_files(&self, dir: &Path) -> Result<(), WriteError> {
        let (columns, rows) = self.table();
        write_csv(&dir.join("comparison.csv"), &columns, &rows)?;
        write_json(&dir.join("comparison.json"), self)?;
        ReportPart {
            kind: "comparison".into(),
            title: format!("{} vs {}", self.names.a, self.names.b),
            notes: self.notes.clone(),
            tables: vec![ReportTable {
                caption: format!(
                    "AUROC mean [95 % CI] over {} seeds; {:?} {} ({} iterations); Bonferroni over {} regions",
                    self.seed_pairs, self.alternative, self.test, self.iterations, self.comparisons
                ),
                columns,
                rows,
            }],
            figures: vec![],
        }
        .write(dir)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::compare::{CompareSettings, Comparison, ModelNames};
    use crate::inputs::inline::{file, truth};

    #[test]
    fn the_folder_holds_the_table_the_json_and_the_summary() {
        let model = |name: &str| file(name, "exam_id,chest\na,0.9\nb,0.1\nc,0.4\n");
        let truth = truth("exam_id,chest\na,1\nb,0\nc,1\n");
        let settings = CompareSettings {
            names: ModelNames {
                a: "new".into(),
                b: "old".into(),
            },
            ..CompareSettings::default()
        };
        let c = Comparison::compute(&[model("n")], &[model("o")], &truth, &settings).unwrap();
        let dir = tempfile::tempdir().unwrap();
        c.write(dir.path()).unwrap();
        let csv = std::fs::read_to_string(dir.path().join("comparison.csv")).unwrap();
        assert_eq!(
            csv,
            "region,new AUROC,old AUROC,diff,p,p_bonf\n\
             chest,1.000,1.000,+0.0000,1.0000,1.0000\n\
             all regions,1.000,1.000,+0.0000,1.0000,\n"
        );
        let json: serde_json::Value =
            uptake_core::json::read_json(&dir.path().join("comparison.json")).unwrap();
        assert_eq!(json["comparisons"], 1);
        assert!(dir.path().join("summary.json").is_file());
    }
}
