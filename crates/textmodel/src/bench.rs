//! How fast the report model labels and trains on this machine (`uptake bench report-model`).

use crate::error::ModelError;
use crate::model::ReportModel;
use crate::train::{TrainOptions, train};
use burn::tensor::backend::{AutodiffBackend, Backend};
use std::path::{Path, PathBuf};
use std::time::Instant;
use uptake_core::LabelledSentence;
use uptake_labels::evaluate::score_labelled;
use uptake_labels::{MentionScorer, SentenceMentions};
use uptake_reports::Tagger;
use uptake_training::Device;

/// Items scored in a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throughput {
    /// What an item is: "sentences" or "reports".
    pub unit: &'static str,
    /// Sentences (or reports) scored.
    pub items: usize,
    /// Mentions scored.
    pub mentions: usize,
    /// Wall-clock seconds (the best of the repeats).
    pub seconds: f64,
}

impl Throughput {
    /// Items per second.
    pub fn items_per_second(&self) -> f64 {
        self.items as f64 / self.seconds
    }

    /// Mentions per second.
    pub fn mentions_per_second(&self) -> f64 {
        self.mentions as f64 / self.seconds
    }
}

impl std::fmt::Display for Throughput {
    /// `N sentences, M mentions in S s: X sentences/s, Y mentions/s`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}, {} mentions in {:.2} s: {:.1} {}/s, {:.1} mentions/s",
            self.items,
            self.unit,
            self.mentions,
            self.seconds,
            self.items_per_second(),
            self.unit,
            self.mentions_per_second()
        )
    }
}

/// Scores the mentions of `sentences` `repeats` times (at least once); the best time.
pub fn labelling_speed<B: Backend>(
    model: &mut ReportModel<B>,
    sentences: &[LabelledSentence],
    repeats: usize,
) -> Result<Throughput, ModelError> {
    let mut best = f64::INFINITY;
    for _ in 0..repeats.max(1) {
        let started = Instant::now();
        score_labelled(model, sentences)?;
        best = best.min(started.elapsed().as_secs_f64());
    }
    Ok(Throughput {
        unit: "sentences",
        items: sentences.len(),
        mentions: sentences.iter().map(|s| s.mentions.len()).sum(),
        seconds: best,
    })
}

/// Reads, tags and scores a reports file end to end; `items` counts reports.
pub fn end_to_end_speed<B: Backend>(
    model: &mut ReportModel<B>,
    reports: &Path,
    tagger: &Tagger,
) -> Result<Throughput, ModelError> {
    let started = Instant::now();
    let set = uptake_reports::read_reports(reports)?;
    let tagged: Vec<_> = set
        .reports
        .iter()
        .flat_map(|r| tagger.tag_report(r))
        .collect();
    let batch: Vec<SentenceMentions<'_>> = tagged
        .iter()
        .filter(|s| !s.mentions.is_empty())
        .map(|s| {
            let spans = s.mentions.iter().map(|m| m.span).collect();
            SentenceMentions::new(&s.text, spans)
        })
        .collect();
    MentionScorer::score(model, &batch)?;
    Ok(Throughput {
        unit: "reports",
        items: set.len(),
        mentions: batch.iter().map(|s| s.spans.len()).sum(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Seconds of one fine-tuning epoch of 100 mentions (batch 16, all layers) from `base`, in a
/// scratch folder that is removed afterwards.
pub fn fine_tuning_epoch_seconds<B: AutodiffBackend>(
    sentences: &[LabelledSentence],
    base: &Path,
    device: &B::Device,
) -> Result<f64, ModelError> {
    let dir =
        std::env::temp_dir().join(format!("uptake-bench-report-model-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| ModelError::file(&dir, e))?;
    }
    let options = TrainOptions {
        epochs: 1,
        mentions_per_epoch: 100,
        val_split: 0.0,
        ..Default::default()
    };
    let started = Instant::now();
    train::<B>(sentences, base, &dir, &options, device, &mut |_| {})?;
    let seconds = started.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&dir).map_err(|e| ModelError::file(&dir, e))?;
    Ok(seconds)
}

/// What `uptake bench report-model` measures ([`run_bench`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct BenchSettings {
    /// A report model folder (a trained one; a base BERT gets a random head for timing).
    #[cfg_attr(feature = "cli", arg(long))]
    pub model: PathBuf,
    /// Sentences to label: a hand-labelled mention file (its spans are used as the mentions).
    #[cfg_attr(feature = "cli", arg(long))]
    pub mentions: PathBuf,
    /// Reports file to tag and label end to end (reports/s); optional.
    #[cfg_attr(feature = "cli", arg(long))]
    pub reports: Option<PathBuf>,
    /// Base model to time one fine-tuning epoch of 100 mentions on (skipped if absent).
    #[cfg_attr(feature = "cli", arg(long))]
    pub base: Option<PathBuf>,
    /// A Python with torch + transformers: also run the same model in HF transformers on PyTorch
    /// (crates/textmodel/scripts/bench_torch.py) in this run, for comparison.
    #[cfg_attr(feature = "cli", arg(long))]
    pub torch_python: Option<PathBuf>,
    /// Times to repeat the labelling run (the best is reported).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 2))]
    pub repeats: usize,
}

/// The figures of [`run_bench`]; shown as the benchmark's lines.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// What was measured.
    pub settings: BenchSettings,
    /// Labelling the mention file.
    pub labelling: Throughput,
    /// What the PyTorch baseline printed, when it ran.
    pub torch: Option<String>,
    /// Reading, tagging and labelling the reports file, when given.
    pub end_to_end: Option<Throughput>,
    /// Seconds of one fine-tuning epoch, when a base was given.
    pub fine_tuning_s: Option<f64>,
}

/// The whole benchmark: [`labelling_speed`], the PyTorch baseline, [`end_to_end_speed`] with
/// `tagger` (needed when `settings.reports` is given) and [`fine_tuning_epoch_seconds`], each
/// where its input is given.
pub fn run_bench<B: AutodiffBackend>(
    settings: &BenchSettings,
    tagger: Option<&Tagger>,
    device: &B::Device,
) -> Result<BenchReport, ModelError> {
    let sentences = uptake_core::mentions::read_mentions(&settings.mentions)?;
    let mut model = ReportModel::<B::InnerBackend>::load_on(&settings.model, device)?;
    let labelling = labelling_speed(&mut model, &sentences, settings.repeats)?;
    let torch = match &settings.torch_python {
        Some(python) => Some(torch_baseline(python, settings)?),
        None => None,
    };
    let end_to_end = match (&settings.reports, tagger) {
        (Some(reports), Some(tagger)) => Some(end_to_end_speed(&mut model, reports, tagger)?),
        _ => None,
    };
    let fine_tuning_s = match &settings.base {
        Some(base) => Some(fine_tuning_epoch_seconds::<B>(&sentences, base, device)?),
        None => None,
    };
    Ok(BenchReport {
        settings: settings.clone(),
        labelling,
        torch,
        end_to_end,
        fine_tuning_s,
    })
}

/// [`run_bench`] on `device`, chosen at run time: the CPU, or a CUDA GPU in a `gpu` build;
/// `tagger` tags the reports file when one is given.
pub fn run_bench_on(
    device: Device,
    settings: &BenchSettings,
    tagger: &Tagger,
) -> Result<BenchReport, ModelError> {
    let tagger = Some(tagger);
    crate::on_device::run_on(device, BenchJob { settings, tagger })
}

/// [`run_bench_on`]'s work, for the backend of its device.
struct BenchJob<'a> {
    settings: &'a BenchSettings,
    tagger: Option<&'a Tagger>,
}

impl crate::on_device::AutodiffJob for BenchJob<'_> {
    type Output = BenchReport;

    fn run<B: AutodiffBackend>(self, device: &B::Device) -> Result<BenchReport, ModelError> {
        run_bench::<B>(self.settings, self.tagger, device)
    }
}

/// Runs `crates/textmodel/scripts/bench_torch.py` with `python`; what it printed.
fn torch_baseline(python: &Path, settings: &BenchSettings) -> Result<String, ModelError> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench_torch.py");
    let failed = |reason: String| ModelError::Baseline {
        program: python.to_path_buf(),
        reason,
    };
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(&settings.model)
        .arg(&settings.mentions)
        .arg(settings.repeats.max(1).to_string())
        .output()
        .map_err(|e| failed(format!("running {}: {e}", script.display())))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(failed(format!("{} ({})", out.status, stderr.trim())));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// One line per measurement, in the order they ran.
impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.settings;
        writeln!(
            f,
            "report model ({}): {}",
            s.model.display(),
            self.labelling
        )?;
        if let Some(torch) = &self.torch {
            write!(f, "{torch}")?;
        }
        if let (Some(path), Some(speed)) = (&s.reports, &self.end_to_end) {
            let path = path.display();
            writeln!(f, "end to end (read, tag, score) {path}: {speed}")?;
        }
        if let (Some(base), Some(seconds)) = (&s.base, self.fine_tuning_s) {
            writeln!(
                f,
                "fine-tuning, one epoch of 100 mentions (batch 16, all layers) from {}: {seconds:.1} s",
                base.display()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_has_a_line_per_measurement_given() {
        let speed = |unit| Throughput {
            unit,
            items: 10,
            mentions: 20,
            seconds: 2.0,
        };
        let report = BenchReport {
            settings: BenchSettings {
                model: "m".into(),
                mentions: "s.jsonl".into(),
                reports: Some("r.jsonl".into()),
                base: None,
                torch_python: None,
                repeats: 2,
            },
            labelling: speed("sentences"),
            torch: Some("torch: 1 sentences/s\n".into()),
            end_to_end: Some(speed("reports")),
            fine_tuning_s: None,
        };
        assert_eq!(
            report.to_string(),
            "report model (m): 10 sentences, 20 mentions in 2.00 s: 5.0 sentences/s, 10.0 mentions/s\n\
             torch: 1 sentences/s\n\
             end to end (read, tag, score) r.jsonl: 10 reports, 20 mentions in 2.00 s: 5.0 reports/s, 10.0 mentions/s\n"
        );
    }
}
