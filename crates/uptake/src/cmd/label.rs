//! `uptake label`: weak labels (one probability per region per exam) from reports, the
//! mention-level evaluation of a labelling method on hand-labelled mentions, and
//! `uptake label diagnose`: where the labellers of the combined method disagree.

use crate::common::{Bars, DeviceArgs, Global, ReportInputArgs, load_ontology, probability};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use uptake_core::output_guard::check_output;
use uptake_labels::{
    Aggregation, BuiltinLabeller, LabelModelSettings, LabelOutputs, LabelSettings, LabellingMethod,
    MethodSetup, RulesSource, read_checked_mentions,
};
use uptake_ontology::Ontology;
use uptake_textmodel::load_scorers;

/// Weak labels from reports: P(abnormal) per region per exam (regex, rules, model, model+rules
/// or combined), or a method scored on hand-labelled mentions; `diagnose` compares the labellers
///
/// Reads reports (--reports, .jsonl {"exam_id", "text"}, .csv exam_id,text or FHIR
/// DiagnosticReport .json/.ndjson; other columns, accession numbers and several reports per
/// exam: see the options), tags region mentions in their findings and impression, scores each
/// mention with the chosen method and combines them per region (--aggregation, default
/// noisy-OR) over the region and all regions below it in the ontology (no mention: 0). Writes a
/// wide CSV (--out): exam_id then one column per region.
///
/// Reports with headers but no findings or impression section fall back to tagging everything
/// outside history, technique and comparison. The exams that fell back or yielded no mention
/// are counted, their ids written to a CSV (--no-mention-ids, default beside --out:
/// <out>.no-mention.csv), and when either share passes --warn-share (default 5 %) a warning is
/// printed on stderr, also with -q.
///
/// With --mentions FILE (the hand-labelled mention format of shared/data/mentions.jsonl) it
/// instead scores the hand-marked mentions and prints AUROC, F1, sensitivity and specificity
/// against their labels, overall and per region, and the calibration error
/// (docs/labels-model.md).
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
#[command(mut_arg("shard", |a| a.conflicts_with("mentions")))]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Sub>,
    /// Reports file (.jsonl or .csv).
    #[arg(long, value_name = "FILE", required_unless_present = "mentions")]
    #[arg(conflicts_with = "mentions")]
    pub reports: Option<PathBuf>,
    #[command(flatten)]
    pub input: ReportInputArgs,
    /// Output label table (.csv), written atomically; with --mentions, each mention's score.
    #[arg(long, value_name = "FILE", required_unless_present = "mentions")]
    pub out: Option<PathBuf>,
    /// Labelling method: regex (the paper's baseline: abnormal unless the sentence has a
    /// negative word), rules (negation scope, benign attributions, resolution, hedging;
    /// data/rules.toml), model (the BERT report model, --model DIR), model+rules (their mean),
    /// or combined (a label model over regex, rules, the report models given and --own-rules,
    /// fitted on the mentions it labels; docs/labels-model.md).
    #[arg(long, default_value = "rules")]
    pub method: LabellingMethod,
    #[command(flatten)]
    pub labellers: Labellers,
    /// How a region's mentions become one probability per exam: noisy-or, max,
    /// sentence-noisy-or or discounted-noisy-or[:D]. Default: noisy-or; max for the method
    /// combined (docs/labels-model.md).
    #[arg(long)]
    pub aggregation: Option<Aggregation>,
    /// Evaluate the method on a hand-labelled mention file instead of labelling reports.
    #[arg(long, value_name = "FILE")]
    pub mentions: Option<PathBuf>,
    /// Probability at or above which a mention counts as abnormal in the evaluation (0 to 1).
    #[arg(long, default_value_t = 0.5, value_parser = probability)]
    pub threshold: f64,
    /// Where to write the ids of the exams that fell back or yielded no mention (CSV
    /// exam_id,fell_back,mentions). Default: beside --out, `<out>.no-mention.csv`.
    #[arg(long, value_name = "FILE", conflicts_with = "mentions")]
    pub no_mention_ids: Option<PathBuf>,
    /// Warn on stderr when more than this share (0 to 1) of the reports fell back or yielded no
    /// mention.
    #[arg(long, default_value_t = 0.05, value_parser = probability)]
    pub warn_share: f64,
    #[command(flatten)]
    pub settings: LabelSettings,
}

#[derive(clap::Subcommand, Debug)]
pub enum Sub {
    /// Fit the combined method's label model on the reports and write where its labellers
    /// disagree: per task region and labeller coverage, overlap, conflict and learned accuracy
    /// (labellers.csv), the sentences ranked by conflict for `uptake annotate --active`
    /// (disputed.jsonl, ids only) and the most disputed ones with their text (disputed.html).
    Diagnose(DiagnoseArgs),
}

/// The labellers and what anchors them.
#[derive(clap::Args, Debug)]
pub struct Labellers {
    /// Rule vocabulary to use instead of the built-in one (same format as
    /// crates/labels/data/rules.toml), for --method rules, model+rules or combined.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Trained report model folder, for --method model, model+rules or combined. Give it more
    /// than once (models trained with different seeds) to use the mean of their probabilities.
    #[arg(long, value_name = "DIR")]
    pub model: Vec<PathBuf>,
    /// A rules file of your own (format of rules.toml) as one more labeller of --method
    /// combined; give it more than once for several.
    #[arg(long, value_name = "FILE")]
    pub own_rules: Vec<PathBuf>,
    /// Hand-labelled mentions (mention file) that anchor the combined method's label model.
    #[arg(long, value_name = "FILE")]
    pub hand: Option<PathBuf>,
    /// A labeller built on the --hand mentions (`model` when the report model was trained on
    /// them; `rules`, `regex`, `rules:<file name>`): its accuracy is learned from the
    /// unlabelled mentions only, as its own training sentences would overstate it. Repeatable.
    #[arg(long, value_name = "LABELLER", requires = "hand")]
    pub trained_on_hand: Vec<String>,
    /// A built-in labeller (regex or rules) the combined method leaves out, e.g. the regex,
    /// whose negative words anywhere in a sentence make its errors depend on the rules' and the
    /// model's (docs/labels-model.md). Fewer than three labellers need --hand. Repeatable.
    #[arg(long, value_name = "LABELLER")]
    pub leave_out: Vec<BuiltinLabeller>,
    #[command(flatten)]
    pub device: DeviceArgs,
}

#[derive(clap::Args, Debug)]
pub struct DiagnoseArgs {
    /// Reports file.
    #[arg(long, value_name = "FILE")]
    pub reports: PathBuf,
    #[command(flatten)]
    pub input: ReportInputArgs,
    #[command(flatten)]
    pub labellers: Labellers,
    /// Folder for labellers.csv, disputed.jsonl and disputed.html.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Sentences in disputed.html, most disputed first.
    #[arg(long, default_value_t = 100)]
    pub html_sentences: usize,
}

impl Labellers {
    /// The library's setup of `method`, the hand labels read and checked against `ontology`.
    fn setup(&self, method: LabellingMethod, ontology: &Ontology) -> anyhow::Result<MethodSetup> {
        let label_model = LabelModelSettings {
            trained_on_hand: self.trained_on_hand.clone(),
            ..LabelModelSettings::default()
        };
        let hand = self
            .hand
            .as_ref()
            .map(|p| read_checked_mentions(p, ontology));
        let setup = MethodSetup {
            method,
            rules: (self.rules.clone()).map_or(RulesSource::Builtin, RulesSource::File),
            own_rules: self.own_rules.clone(),
            hand: hand.transpose()?.unwrap_or_default(),
            leave_out: self.leave_out.clone(),
            label_model,
            ..MethodSetup::default()
        };
        (setup.check(self.model.len()))
            .with_context(|| format!("--method {method} (--rules FILE, --model DIR)"))?;
        Ok(setup)
    }
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<()> {
    let ontology = load_ontology(global)?;
    if let Some(Sub::Diagnose(d)) = &args.command {
        return diagnose(d, &ontology, global);
    }
    let setup = MethodSetup {
        aggregation: args.aggregation,
        ..args.labellers.setup(args.method, &ontology)?
    };
    let models = load_scorers(&args.labellers.model, args.labellers.device.device)?;
    let bars = Bars::new(global.quiet);
    if let Some(path) = &args.mentions {
        // The scores never replace the mention files they are computed from.
        let inputs: Vec<&Path> = [Some(path), args.labellers.hand.as_ref()]
            .into_iter()
            .flatten()
            .map(|p| p.as_path())
            .collect();
        args.out
            .as_ref()
            .map(|out| check_output(out, &inputs))
            .transpose()?;
        let e = setup.evaluate_mention_file(models, &ontology, path, args.threshold, &bars)?;
        if let Some(out) = &args.out {
            e.write_scores(out)?;
        }
        println!("{e}");
        return Ok(());
    }
    let (Some(reports), Some(out)) = (&args.reports, &args.out) else {
        bail!("give --reports and --out (or --mentions FILE)");
    };
    let outputs = LabelOutputs::new(out, args.no_mention_ids.as_deref());
    outputs.check(reports)?;
    let set = args.input.read(reports, global.quiet)?;
    let tagger = args.input.tagger(&ontology)?;
    let done = setup.label_reports(models, tagger, &set.reports, &args.settings, &bars);
    let done = done.with_context(|| reports.display().to_string())?;
    outputs.write(&done.labels)?;
    let ids = &outputs.no_mention_ids;
    if !global.quiet {
        println!("{}", done.summary(out, ids));
    }
    for warning in done.labels.counts.warnings(args.warn_share, ids) {
        eprintln!("{warning}");
    }
    Ok(())
}

/// `uptake label diagnose`.
fn diagnose(args: &DiagnoseArgs, ontology: &Ontology, global: &Global) -> anyhow::Result<()> {
    let setup = args.labellers.setup(LabellingMethod::Combined, ontology)?;
    let set = args.input.read(&args.reports, global.quiet)?;
    let tagger = args.input.tagger(ontology)?;
    let models = load_scorers(&args.labellers.model, args.labellers.device.device)?;
    let d = setup.diagnose_reports(&tagger, models, &set.reports, &Bars::new(global.quiet))?;
    let files = d.write_all(&args.out, args.html_sentences)?;
    println!("{d}\n{files}");
    Ok(())
}
