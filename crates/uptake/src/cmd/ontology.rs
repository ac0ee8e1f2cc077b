//! `uptake ontology check|tree|show`: validate and inspect the region ontology.

use crate::common::{Global, load_ontology};
use std::path::PathBuf;
use uptake_ontology::Ontology;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Validate an ontology file (FILE, else --ontology, else the built-in one): TOML syntax,
    /// snake_case names, duplicates, unknown parents, cycles, regions not reaching `full`,
    /// patterns that do not compile, match empty text or match any text (`.*`, `\w+`), and the
    /// 30 task regions of regions.md. Prints a summary.
    Check {
        /// Ontology file (TOML) to check.
        file: Option<PathBuf>,
    },
    /// Print the region DAG as an indented tree (a region with several parents is printed
    /// under its first parent and referenced under the others).
    Tree,
    /// Show one region: display name, parents, ancestors, children, descendants, lateral
    /// variants and tagging patterns.
    Show {
        /// Region name (snake_case), e.g. `left_lungs`.
        region: String,
    },
}

pub fn run(cmd: Cmd, global: &Global) -> anyhow::Result<()> {
    match cmd {
        Cmd::Check { file } => check(file.as_ref().or(global.ontology.as_ref())),
        Cmd::Tree => {
            print!("{}", load_ontology(global)?.tree());
            Ok(())
        }
        Cmd::Show { region } => {
            print!("{}", load_ontology(global)?.describe(&region)?);
            Ok(())
        }
    }
}

/// `ontology check`: the file (else the built-in one) loads, its task regions match
/// regions.md and its patterns compile together.
fn check(file: Option<&PathBuf>) -> anyhow::Result<()> {
    let ontology = Ontology::from_path_or_builtin(file.map(PathBuf::as_path))?;
    ontology.check_task_regions()?;
    // Compiling the tagger catches pattern sets too large to build together.
    uptake_reports::Tagger::new(&ontology)?;
    let (name, summary) = (ontology.source_name(), ontology.summary());
    println!("{name}: OK: {summary}");
    Ok(())
}
