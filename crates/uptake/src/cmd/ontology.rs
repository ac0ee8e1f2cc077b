//! `uptake ontology check|tree|show`: validate and inspect the region ontology.

use crate::common::{Global, load_ontology};
use anyhow::Context;
use std::path::PathBuf;
use uptake_ontology::Ontology;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Validate an ontology file (FILE, else --ontology, else the built-in one): TOML syntax,
    /// snake_case names, duplicates, unknown parents, cycles, regions not reaching `full`,
    /// patterns that do not compile, and the 30 task regions of regions.md. Prints a summary.
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
        Cmd::Check { file } => {
            let ontology = match file.as_ref().or(global.ontology.as_ref()) {
                Some(path) => Ontology::from_path(path)?,
                None => Ontology::builtin(),
            };
            ontology.check_task_regions()?;
            // Compiling the tagger catches pattern sets too large to build together.
            uptake_reports::Tagger::new(&ontology)?;
            let patterns: usize = ontology
                .ids()
                .iter()
                .map(|id| ontology.region(*id).patterns.len())
                .sum();
            let tasks = ontology.task_regions();
            let rare = tasks.iter().filter(|id| ontology.region(**id).rare).count();
            println!(
                "{}: OK: {} regions, {} task regions ({} rare), {} tagging patterns",
                ontology.source_name(),
                ontology.len(),
                tasks.len(),
                rare,
                patterns
            );
            Ok(())
        }
        Cmd::Tree => {
            let ontology = load_ontology(global)?;
            print!("{}", ontology.tree());
            Ok(())
        }
        Cmd::Show { region } => {
            let o = load_ontology(global)?;
            let id = o.id(&region).with_context(|| {
                let close: Vec<String> = o
                    .names()
                    .into_iter()
                    .filter(|n| n.contains(&region) || region.contains(n.as_str()))
                    .take(8)
                    .collect();
                format!(
                    "no region `{region}` in {} (similar: {})",
                    o.source_name(),
                    if close.is_empty() {
                        "none".into()
                    } else {
                        close.join(", ")
                    }
                )
            })?;
            let r = o.region(id);
            let names = |ids: &[uptake_ontology::RegionId]| {
                if ids.is_empty() {
                    "-".to_string()
                } else {
                    ids.iter()
                        .map(|i| o.name(*i))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            println!("{} ({})", r.name, r.display_name);
            let kind = match (r.task, r.rare) {
                (true, true) => "task region (rare)",
                (true, false) => "task region",
                _ => "finer region",
            };
            println!("  kind:        {kind}");
            println!("  parents:     {}", names(&r.parents));
            println!("  ancestors:   {}", names(o.ancestors(id)));
            println!("  children:    {}", names(o.children(id)));
            println!("  descendants: {}", names(o.descendants(id)));
            if let Some((side, base)) = r.lateral_of {
                println!("  lateral:     {:?} variant of {}", side, o.name(base));
            }
            if r.left.is_some() || r.right.is_some() {
                println!(
                    "  variants:    left {}, right {}",
                    r.left.map_or("-", |v| o.name(v)),
                    r.right.map_or("-", |v| o.name(v))
                );
            }
            if let Some(note) = &r.note {
                println!("  note:        {note}");
            }
            println!("  patterns:");
            for p in &r.patterns {
                println!("    {p}");
            }
            if !r.exclude.is_empty() {
                println!("  exclude:");
                for p in &r.exclude {
                    println!("    {p}");
                }
            }
            Ok(())
        }
    }
}
