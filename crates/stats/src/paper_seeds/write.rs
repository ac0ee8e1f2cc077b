//! The comparisons as files: `paper_seed_tests.csv` (one row per comparison, per-seed AUROCs
//! included) and `paper_seed_tests.json`.

use super::PaperSeedTests;
use crate::format::{WriteError, write_csv, write_folder, write_json};
use std::path::Path;

impl PaperSeedTests {
    /// Writes the files into `dir` as one unit (see [`crate::Evaluation::write`]).
    pub fn write(&self, dir: &Path) -> Result<(), WriteError> {
        write_folder(dir, &[], |stage| {
            let columns = ["task", "a", "b", "a_mean", "b_mean", "p_paired", "p_study"];
            let columns = (columns.iter().map(|c| c.to_string()))
                .chain(["separated", "a_per_seed", "b_per_seed"].map(String::from))
                .collect::<Vec<_>>();
            let seeds = |v: &[f64]| (v.iter().map(|x| format!("{x:.6}"))).collect::<Vec<_>>();
            let rows: Vec<Vec<String>> = (self.comparisons.iter())
                .map(|c| {
                    let (a, b) = c.means();
                    vec![
                        c.task.clone(),
                        c.names.0.clone(),
                        c.names.1.clone(),
                        format!("{a:.6}"),
                        format!("{b:.6}"),
                        format!("{:.6}", c.paired.p_value),
                        format!("{:.6}", c.study.p_value),
                        c.separated().to_string(),
                        seeds(&c.a_per_seed).join(" "),
                        seeds(&c.b_per_seed).join(" "),
                    ]
                })
                .collect();
            write_csv(&stage.join("paper_seed_tests.csv"), &columns, &rows)?;
            write_json(&stage.join("paper_seed_tests.json"), self)
        })
    }
}
