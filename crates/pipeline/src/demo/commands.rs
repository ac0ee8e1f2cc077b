//! The `uptake` command line equivalent to each demo step, for the user to read and reuse.

use super::settings::{DemoPaths, DemoSettings, ReportModelChoice, SCAN_POSITION_BINS};
use std::fmt;
use std::path::Path;
use uptake_core::ExamId;

/// The arguments of one `uptake` command (without the program name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine(Vec<String>);

impl CommandLine {
    fn new<I: IntoIterator<Item = S>, S: Into<String>>(args: I) -> Self {
        Self(args.into_iter().map(Into::into).collect())
    }

    /// The arguments, as a shell would pass them.
    pub fn args(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Display for CommandLine {
    /// `uptake ...`, arguments with spaces or shell characters in single quotes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("uptake")?;
        for arg in &self.0 {
            let plain = !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./,:+=@".contains(c));
            if plain {
                write!(f, " {arg}")?;
            } else {
                write!(f, " '{}'", arg.replace('\'', r"'\''"))?;
            }
        }
        Ok(())
    }
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// `synth cohort`: the cohort, small resolution, lesions twice their size in the images.
pub(crate) fn synth_cohort(p: &DemoPaths, settings: &DemoSettings) -> CommandLine {
    let (n, seed) = (settings.exams.to_string(), settings.seed.to_string());
    let args = ["synth", "cohort", "--n", &n, "--seed", &seed, "--small"];
    let rest = ["--lesion-scale", "2", "--out", &s(&p.cohort)];
    CommandLine::new(args.into_iter().chain(rest))
}

/// `label`: weak labels of the 30 task regions by `method`.
pub(crate) fn label(p: &DemoPaths, method: &str) -> CommandLine {
    let mut args = vec!["label", "--reports", &*s(&p.reports()), "--method", method]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    if method.starts_with("model") || method == "combined" {
        args.extend(["--model".into(), s(&p.report_model)]);
    }
    if method == "combined" {
        // The rules and the model, anchored by the starter mentions.
        args.extend(["--hand".into(), s(&p.starter_mentions)]);
        args.extend(["--leave-out", "regex"].map(String::from));
    }
    args.extend(["--regions", "tasks", "--out"].map(String::from));
    args.push(s(&p.method_labels(method)));
    CommandLine(args)
}

/// `report-model train`: a short fine-tuning of `base` on the starter mentions.
pub(crate) fn report_model_train(p: &DemoPaths, base: &Path, seed: u64) -> CommandLine {
    let (mentions, out) = (s(&p.starter_mentions), s(&p.report_model));
    let args = [
        "report-model",
        "train",
        "--mentions",
        &mentions,
        "--base",
        &s(base),
    ];
    let options = [
        "--out",
        &out,
        "--epochs",
        "6",
        "--mentions-per-epoch",
        "100",
    ];
    let more = [
        "--frozen-layers",
        "2",
        "--patience",
        "3",
        "--seed",
        &seed.to_string(),
    ];
    CommandLine::new(args.into_iter().chain(options).chain(more))
}

/// `evaluate`: one method's weak labels against what the reports say.
pub(crate) fn evaluate_labels(p: &DemoPaths, method: &str) -> CommandLine {
    let title = format!("Weak labels ({method}) vs what the reports say");
    let out = s(&p.analysis.join("labels").join(method));
    let pred = s(&p.method_labels(method));
    let args = [
        "evaluate",
        "--pred",
        &pred,
        "--truth",
        &s(&p.report_truth()),
    ];
    CommandLine::new(args.into_iter().chain(["--title", &title, "--out", &out]))
}

/// `ingest`: DICOM onto a 32 x 32 x 8 mm grid over 400 mm.
pub(crate) fn ingest(p: &DemoPaths) -> CommandLine {
    let args = [
        "ingest",
        "--manifest",
        &s(&p.manifest()),
        "--out",
        &s(&p.store),
    ];
    CommandLine::new(
        args.into_iter()
            .chain(["--size", "32", "--fov-mm", "400", "--slice-mm", "8"]),
    )
}

/// `inspect`: one exam's SUV figures and coronal MIP.
pub(crate) fn inspect(p: &DemoPaths, exam: &ExamId) -> CommandLine {
    let args = ["inspect", exam.as_str(), "--store", &s(&p.store)];
    CommandLine::new(args.into_iter().chain([
        "--manifest",
        &s(&p.manifest()),
        "--png",
        &s(&p.mip(exam)),
    ]))
}

/// `train`: the tiny scan model on the training exams' rule labels.
pub(crate) fn train(p: &DemoPaths, settings: &DemoSettings) -> CommandLine {
    let (epochs, seed) = (settings.scan_epochs.to_string(), settings.seed.to_string());
    let (bins, halve) = (SCAN_POSITION_BINS.to_string(), settings.scan_halve_every());
    let halve = halve.to_string();
    let args = [
        "train",
        "--store",
        &s(&p.store),
        "--labels",
        &s(&p.train_labels),
    ];
    let net = [
        "--regions",
        "prevalent",
        "--out",
        &s(&p.scan_run),
        "--size",
        "tiny",
        "--pooling",
        "before-kept-blocks",
        "--head",
        "multi-head",
        "--position-bins",
        &bins,
    ];
    let optim = [
        "--epochs",
        &epochs,
        "--lr",
        "1e-3",
        "--halve-every",
        &halve,
        "--seed",
        &seed,
    ];
    CommandLine::new(args.into_iter().chain(net).chain(optim))
}

/// `predict` of `exams` (all when empty), with test-time views or maps.
pub(crate) fn predict(p: &DemoPaths, exams: &[ExamId], out: &Path, extra: &[&str]) -> CommandLine {
    let mut args = vec!["predict".into(), "--model".into(), s(&p.scan_run)];
    args.extend(["--store".into(), s(&p.store)]);
    if !exams.is_empty() {
        args.extend(["--exams".into(), exam_list(exams)]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    args.extend(["--out".into(), s(out)]);
    CommandLine(args)
}

/// `localise`: attention of the held-out exams against their lesions.
pub(crate) fn localise(p: &DemoPaths, exams: &[ExamId]) -> CommandLine {
    let args = [
        "localise",
        "--model",
        &s(&p.scan_run),
        "--store",
        &s(&p.store),
    ];
    let rest = [
        "--manifest",
        &s(&p.manifest()),
        "--exams",
        &exam_list(exams),
    ];
    CommandLine::new(
        args.into_iter()
            .chain(rest)
            .chain(["--out", &s(&p.localisation)]),
    )
}

/// `evaluate`: the scan model on held-out exams against the image truth.
pub(crate) fn evaluate_scan(p: &DemoPaths) -> CommandLine {
    let pred = s(&p.test_predictions);
    let args = ["evaluate", "--pred", &pred, "--truth", &s(&p.image_truth())];
    let title = "Scan model on held-out exams vs image truth";
    let out = s(&p.analysis.join("evaluation/scan"));
    CommandLine::new(args.into_iter().chain(["--title", title, "--out", &out]))
}

/// `worklist`: triage by the whole-body prediction.
pub(crate) fn worklist(p: &DemoPaths) -> CommandLine {
    let pred = s(&p.test_predictions);
    let args = ["worklist", "--pred", &pred, "--truth", &s(&p.image_truth())];
    let out = s(&p.analysis.join("worklist/full"));
    CommandLine::new(args.into_iter().chain(["--region", "full", "--out", &out]))
}

/// `survival`: Cox models with the whole-body prediction beside age and summary code.
pub(crate) fn survival(p: &DemoPaths) -> CommandLine {
    let args = [
        "survival",
        "--manifest",
        &s(&p.manifest()),
        "--pred",
        &s(&p.all_predictions),
    ];
    let rest = [
        "--covariates",
        "age,summary_code,full",
        "--km-region",
        "full",
    ];
    let out = s(&p.analysis.join("survival/cox"));
    CommandLine::new(args.into_iter().chain(rest).chain(["--out", &out]))
}

/// `report`: the HTML page of the analysis folder.
pub(crate) fn report(p: &DemoPaths) -> CommandLine {
    let args = ["report", "--run", &s(&p.analysis), "--out", &s(&p.report)];
    CommandLine::new(args.into_iter().chain(["--title", "uptake demo"]))
}

fn exam_list(exams: &[ExamId]) -> String {
    exams
        .iter()
        .map(ExamId::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// Every command line the demo prints, in order, with example exam ids where the real ones
/// are only known while it runs.
pub fn command_lines(settings: &DemoSettings) -> Vec<CommandLine> {
    let p = DemoPaths::new(&settings.out);
    let exam = ExamId::new("E00001").expect("a valid id");
    let held_out = vec![exam.clone(), ExamId::new("E00002").expect("a valid id")];
    let mut methods = vec!["regex", "rules"];
    let mut lines = vec![
        synth_cohort(&p, settings),
        label(&p, "regex"),
        label(&p, "rules"),
    ];
    if let ReportModelChoice::Train { base } = &settings.report_model {
        lines.push(report_model_train(&p, base, settings.seed));
        let with_model = ["model", "model+rules", "combined"];
        lines.extend(with_model.map(|m| label(&p, m)));
        methods.extend(with_model);
    }
    lines.extend(methods.iter().map(|m| evaluate_labels(&p, m)));
    lines.extend([ingest(&p), inspect(&p, &exam), train(&p, settings)]);
    lines.push(predict(
        &p,
        &held_out,
        &p.test_predictions,
        &["--test-views", "4"],
    ));
    lines.push(predict(
        &p,
        &held_out[..1],
        &p.map_predictions,
        &["--maps", &s(&p.maps)],
    ));
    lines.extend([localise(&p, &held_out), evaluate_scan(&p), worklist(&p)]);
    lines.push(predict(&p, &[], &p.all_predictions, &[]));
    lines.extend([survival(&p), report(&p)]);
    lines
}
