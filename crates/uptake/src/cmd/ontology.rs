//! `uptake ontology check|tree|show|suggest`: validate, inspect and grow the region ontology.

use crate::common::{Bars, Global, ReportInputArgs, load_ontology, within};
use std::path::PathBuf;
use uptake_reports::{SuggestSettings, check_ontology, suggest_terms};

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
    /// Suggest terms to add: word n-grams (1 to 3 words) of the findings and impression
    /// sentences of a reports file that no pattern of the ontology matches, occurring at least
    /// --min-count times, most frequent first, with example sentence ids (<exam>:<index>, as
    /// `uptake tag` numbers them; never the sentences). Words overlapping a match, punctuation
    /// and digits end a phrase; n-grams starting or ending with a stop word are dropped.
    /// Writes a TOML snippet of commented [[region]] entries to edit into the ontology (to
    /// --out, else to stdout).
    Suggest(SuggestArgs),
}

#[derive(clap::Args, Debug)]
pub struct SuggestArgs {
    /// Reports file (JSONL, CSV or FHIR; see --reports-format).
    #[arg(long)]
    reports: PathBuf,
    #[command(flatten)]
    input: ReportInputArgs,
    /// Occurrences a term needs (the study: 35).
    #[arg(long, default_value_t = 35, value_parser = within(1..=u32::MAX as u64))]
    min_count: usize,
    /// Where to write the TOML snippet (then the table of terms is printed).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(cmd: Cmd, global: &Global) -> anyhow::Result<()> {
    let file = || global.ontology.as_deref();
    let text = match cmd {
        Cmd::Check { file: f } => check_ontology(f.as_deref().or_else(file))?.to_string(),
        Cmd::Tree => load_ontology(global)?.tree().to_string(),
        Cmd::Show { region } => load_ontology(global)?.describe(&region)?.to_string(),
        Cmd::Suggest(args) => suggest(&args, global)?,
    };
    print!("{text}");
    Ok(())
}

/// `ontology suggest`: the terms of the reports that no pattern matches, as a TOML snippet
/// (returned, or written to --out and the table of terms returned).
fn suggest(args: &SuggestArgs, global: &Global) -> anyhow::Result<String> {
    let set = args.input.read(&args.reports, global.quiet)?;
    let tagger = args.input.tagger(&load_ontology(global)?)?;
    let settings = SuggestSettings {
        min_count: args.min_count,
    };
    let found = suggest_terms(&set.reports, &tagger, &settings, &Bars::new(global.quiet));
    Ok(found.output(args.out.as_deref(), &[&args.reports])?)
}
