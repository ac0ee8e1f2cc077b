//! `uptake ontology check|tree|show`: validate and inspect the region ontology.

use crate::common::{Global, load_ontology};
use anyhow::Context;
use std::path::PathBuf;
use uptake_ontology::{Ontology, RegionId};

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
        Cmd::Show { region } => show(&load_ontology(global)?, &region),
    }
}

/// `ontology check`: the file (else the built-in one) loads, its task regions match
/// regions.md and its patterns compile together.
fn check(file: Option<&PathBuf>) -> anyhow::Result<()> {
    let ontology = match file {
        Some(path) => Ontology::from_path(path)?,
        None => Ontology::builtin(),
    };
    ontology.check_task_regions()?;
    // Compiling the tagger catches pattern sets too large to build together.
    uptake_reports::Tagger::new(&ontology)?;
    let s = ontology.summary();
    println!(
        "{}: OK: {} regions, {} task regions ({} rare), {} tagging patterns",
        ontology.source_name(),
        s.regions,
        s.task_regions,
        s.rare_task_regions,
        s.patterns
    );
    Ok(())
}

/// `ontology show REGION`: everything the ontology says about one region.
fn show(o: &Ontology, region: &str) -> anyhow::Result<()> {
    let id = o.id(region).with_context(|| {
        let close = o.similar_names(region, 8);
        let close = if close.is_empty() {
            "none".to_string()
        } else {
            close.join(", ")
        };
        format!(
            "no region `{region}` in {} (similar: {close})",
            o.source_name()
        )
    })?;
    let r = o.region(id);
    let names = |ids: &[RegionId]| match ids {
        [] => "-".to_string(),
        ids => ids
            .iter()
            .map(|i| o.name(*i))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let kind = match (r.task, r.rare) {
        (true, true) => "task region (rare)",
        (true, false) => "task region",
        _ => "finer region",
    };
    println!("{} ({})", r.name, r.display_name);
    println!("  kind:        {kind}");
    println!("  parents:     {}", names(&r.parents));
    println!("  ancestors:   {}", names(o.ancestors(id)));
    println!("  children:    {}", names(o.children(id)));
    println!("  descendants: {}", names(o.descendants(id)));
    if let Some((side, base)) = r.lateral_of {
        println!("  lateral:     {:?} variant of {}", side, o.name(base));
    }
    if r.left.is_some() || r.right.is_some() {
        let variant = |v: Option<RegionId>| v.map_or("-", |v| o.name(v));
        println!(
            "  variants:    left {}, right {}",
            variant(r.left),
            variant(r.right)
        );
    }
    if let Some(note) = &r.note {
        println!("  note:        {note}");
    }
    println!("  patterns:");
    r.patterns.iter().for_each(|p| println!("    {p}"));
    if !r.exclude.is_empty() {
        println!("  exclude:");
        r.exclude.iter().for_each(|p| println!("    {p}"));
    }
    Ok(())
}
