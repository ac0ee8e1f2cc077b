//! Steps 2 and 3: weak labels from the reports (regex, rules, and with the BERT report model,
//! when its weights are set up, the model, model+rules and the label model over the rules and
//! the model, anchored by the starter mentions: `combined`), each measured against what the
//! reports say.

use super::commands;
use super::context::Demo;
use super::error::{DemoError, InStep};
use super::settings::ReportModelChoice;
use std::path::{Path, PathBuf};
use uptake_core::LabelledSentence;
use uptake_labels::{
    BuiltinLabeller, LabelSettings, LabellingMethod, MemoScorer, MentionScorer, MethodSetup,
};
use uptake_ontology::{Ontology, RegionSelection};
use uptake_reports::{Report, Tagger};
use uptake_stats::{
    Evaluation, EvaluationSettings, ModelPredictions, PredictionFormat, TruthTable,
};
use uptake_textmodel::train::TrainOptions;

/// The starter hand-labelled mentions, so the demo trains a report model without other files.
const STARTER_MENTIONS: &str = include_str!("../../../../data/starter-mentions.jsonl");

/// A labelling method the demo ran, and its label table.
pub(crate) struct MethodLabels {
    pub method: String,
    pub table: PathBuf,
}

/// Labels the cohort's reports with every method and evaluates each; returns the methods in
/// order (regex, rules, then model, model+rules and combined when the report model trained).
/// Without a report model the label model would have two views, regex and rules, which the
/// reports alone cannot tell apart (docs/labels-model.md, Identifiability): combined is skipped.
pub(crate) fn weak_labels(d: &mut Demo) -> Result<Vec<MethodLabels>, DemoError> {
    d.step("2. Weak labels from the reports: tagging + regex baseline, rules");
    let path = d.paths.reports();
    let reports = uptake_reports::read_reports(&path)
        .in_step(&path.display())?
        .reports;
    let mut done = Vec::new();
    for method in [LabellingMethod::Regex, LabellingMethod::Rules] {
        done.push(label(d, &reports, plain(method), Vec::new())?);
    }
    if let Some(trained) = report_model(d)? {
        let with_model = [
            plain(LabellingMethod::Model),
            plain(LabellingMethod::ModelRules),
            anchored_by_starter(trained.starter),
        ];
        // One load and one pass of the model over the mentions: the three methods share it.
        let dir = &trained.dir;
        let scorer = load_model(dir).in_step(&dir.display())?;
        for setup in with_model {
            done.push(label(d, &reports, setup, vec![Box::new(scorer.clone())])?);
        }
    }
    for m in &done {
        evaluate(d, m)?;
    }
    Ok(done)
}

/// One method's weak labels of the 30 task regions.
fn label(
    d: &mut Demo,
    reports: &[Report],
    setup: MethodSetup,
    models: Vec<Box<dyn MentionScorer>>,
) -> Result<MethodLabels, DemoError> {
    let name = setup.method.to_string();
    let line = d.command(commands::label(&d.paths, &name));
    let tagger = Tagger::new(&Ontology::builtin()).in_step(&line)?;
    let settings = LabelSettings {
        regions: RegionSelection::Tasks,
        ..LabelSettings::default()
    };
    let labels = setup
        .label_reports(models, tagger, reports, &settings, d.progress())
        .in_step(&line)?;
    if let Some(fit) = &labels.fit {
        d.note(fit.to_string().trim_end());
    }
    let labels = labels.labels;
    let table = d.paths.method_labels(&name);
    labels.table.write_csv(&table).in_step(&line)?;
    Ok(MethodLabels {
        method: name,
        table,
    })
}

/// `method` with nothing but its defaults.
fn plain(method: LabellingMethod) -> MethodSetup {
    MethodSetup {
        method,
        ..MethodSetup::default()
    }
}

/// The label model over the rules and the report model, anchored by the `starter` mentions. The
/// regex is left out: it silences every mention of a sentence with a negative word anywhere in
/// it, errors the label model cannot take apart from the others' (docs/labels-model.md); on
/// the demo's reports this lifts the method's macro F1 from 0.977 to 0.997.
fn anchored_by_starter(starter: Vec<LabelledSentence>) -> MethodSetup {
    MethodSetup {
        hand: starter,
        leave_out: vec![BuiltinLabeller::Regex],
        ..plain(LabellingMethod::Combined)
    }
}

/// The demo's report model and the starter mentions it was trained on.
struct TrainedReportModel {
    dir: PathBuf,
    starter: Vec<LabelledSentence>,
}

fn load_model(dir: &Path) -> Result<MemoScorer, uptake_textmodel::ModelError> {
    let model = uptake_textmodel::ReportModel::load_trained(dir)?;
    Ok(MemoScorer::new(Box::new(model)))
}

/// Fine-tunes MiniLM on the starter mentions (briefly); `None` when skipped.
fn report_model(d: &mut Demo) -> Result<Option<TrainedReportModel>, DemoError> {
    let ReportModelChoice::Train { base } = &d.settings.report_model else {
        d.note("report model skipped (--no-report-model)");
        return Ok(None);
    };
    if !base.join("model.safetensors").is_file() {
        let text = format!(
            "report model skipped: no BERT weights at {}; run scripts/setup to fetch them",
            base.display()
        );
        d.note(&text);
        return Ok(None);
    }
    d.step(
        "3. The BERT report model: fine-tune MiniLM on the starter mentions, label with it \
         and with the label model over the rules and it",
    );
    let base = base.clone();
    let mentions = &d.paths.starter_mentions;
    uptake_core::write_atomic(mentions, |w| {
        std::io::Write::write_all(w, STARTER_MENTIONS.as_bytes())
    })
    .in_step(&mentions.display())?;
    let sentences = uptake_core::mentions::read_mentions(mentions).in_step(&mentions.display())?;
    let line = d.command(commands::report_model_train(
        &d.paths,
        &base,
        d.settings.seed,
    ));
    let options = TrainOptions {
        epochs: 6,
        mentions_per_epoch: 100,
        frozen_layers: 2,
        patience: 3,
        seed: d.settings.seed,
        ..TrainOptions::default()
    };
    let out = d.paths.report_model.clone();
    let device = Default::default();
    uptake_textmodel::train::train::<uptake_textmodel::DefaultTrainBackend>(
        &sentences,
        &base,
        &out,
        &options,
        &device,
        &mut d.on_training(),
    )
    .in_step(&line)?;
    d.observer.training_done();
    Ok(Some(TrainedReportModel {
        dir: out,
        starter: sentences,
    }))
}

/// A method's labels against what the reports say, written for the HTML report.
fn evaluate(d: &mut Demo, m: &MethodLabels) -> Result<(), DemoError> {
    let line = d.command(commands::evaluate_labels(&d.paths, &m.method));
    let preds = ModelPredictions::read(std::slice::from_ref(&m.table), PredictionFormat::Wide)
        .in_step(&line)?;
    let truth = TruthTable::read(&d.paths.report_truth()).in_step(&line)?;
    let evaluation =
        Evaluation::compute(&preds.seeds, &truth, &EvaluationSettings::default()).in_step(&line)?;
    let title = format!("Weak labels ({}) vs what the reports say", m.method);
    let dir = d.paths.analysis.join("labels").join(&m.method);
    evaluation.write(&dir, &title).in_step(&line)
}
