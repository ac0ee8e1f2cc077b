//! The report model as a [`MentionScorer`] (the interface of every labelling method), alone or
//! as the mean of a seed ensemble.

use crate::error::ModelError;
use crate::model::{CharMentions, ReportModel};
use burn::tensor::backend::{AutodiffBackend, Backend};
use std::path::PathBuf;
use uptake_labels::{MeanScorer, MentionScorer, ScoreError, SentenceMentions};
use uptake_training::Device;

impl<B: Backend> MentionScorer for ReportModel<B> {
    fn name(&self) -> &str {
        "model"
    }

    fn score(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
        let mut converted = Vec::with_capacity(sentences.len());
        for (i, s) in sentences.iter().enumerate() {
            s.validate(i)?;
            let spans = s
                .spans
                .iter()
                .map(|span| {
                    span.to_chars(s.text)
                        .expect("validated spans lie on characters")
                })
                .collect();
            converted.push(CharMentions {
                text: s.text,
                spans,
            });
        }
        ReportModel::score(self, &converted).map_err(|e| ScoreError::Scorer {
            scorer: "model".into(),
            source: Box::new(e),
        })
    }
}

/// The trained report model in `dirs` (on the CPU), or the mean of several (a seed ensemble),
/// named "model".
pub fn load_scorer(dirs: &[PathBuf]) -> Result<Box<dyn MentionScorer>, ModelError> {
    let mut models = load_scorers(dirs, Device::Cpu)?;
    match models.len() {
        0 => Err(ModelError::Training("no report model folder given".into())),
        1 => Ok(models.remove(0)),
        _ => Ok(Box::new(MeanScorer::new("model", models))),
    }
}

/// The trained report models in `dirs`, one scorer each, on `device` (the CPU, or a CUDA GPU in
/// a `gpu` build). The device is checked even when `dirs` is empty: a GPU this build or
/// machine lacks is [`ModelError::Device`].
pub fn load_scorers(
    dirs: &[PathBuf],
    device: Device,
) -> Result<Vec<Box<dyn MentionScorer>>, ModelError> {
    crate::on_device::run_on(device, LoadJob(dirs))
}

/// [`load_scorers`]' work, for the backend of its device.
struct LoadJob<'a>(&'a [PathBuf]);

impl crate::on_device::AutodiffJob for LoadJob<'_> {
    type Output = Vec<Box<dyn MentionScorer>>;

    fn run<B: AutodiffBackend>(self, device: &B::Device) -> Result<Self::Output, ModelError> {
        let load = |dir: &PathBuf| {
            let model = ReportModel::<B::InnerBackend>::load_trained_on(dir, device)?;
            Ok(Box::new(model) as Box<dyn MentionScorer>)
        };
        self.0.iter().map(load).collect()
    }
}
