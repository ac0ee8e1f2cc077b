//! How fast the report model labels and trains on this machine (`uptake bench report-model`).

use crate::error::ModelError;
use crate::model::ReportModel;
use crate::train::{TrainOptions, train};
use burn::tensor::backend::AutodiffBackend;
use std::path::Path;
use std::time::Instant;
use uptake_core::LabelledSentence;
use uptake_labels::evaluate::score_labelled;
use uptake_labels::{MentionScorer, SentenceMentions};
use uptake_reports::Tagger;

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
pub fn labelling_speed(
    model: &mut ReportModel,
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
pub fn end_to_end_speed(
    model: &mut ReportModel,
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
