//! The report model as a [`MentionScorer`] (the interface of every labelling method), alone or
//! as the mean of a seed ensemble.

use crate::error::ModelError;
use crate::model::{CharMentions, ReportModel};
use burn::tensor::backend::Backend;
use std::path::PathBuf;
use uptake_labels::{MeanScorer, MentionScorer, ScoreError, SentenceMentions};

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
    let mut models: Vec<Box<dyn MentionScorer>> = Vec::with_capacity(dirs.len());
    for dir in dirs {
        models.push(Box::new(ReportModel::load_trained(dir)?));
    }
    match models.len() {
        0 => Err(ModelError::Training("no report model folder given".into())),
        1 => Ok(models.remove(0)),
        _ => Ok(Box::new(MeanScorer::new("model", models))),
    }
}
