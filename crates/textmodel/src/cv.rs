//! k-fold cross-validation over hand-labelled sentences: each fold's model is fine-tuned (from
//! memory) on the other folds and scores its own; the pooled out-of-fold scores are compared
//! with the rule labellers. An interrupted cross-validation resumes: each fold is a training
//! run of its own in `OUT/fold-K/model`.

use crate::error::ModelError;
use crate::evaluate::{CompareSettings, Comparison, compare_scores};
use crate::model::ReportModel;
use crate::train::{TrainOptions, train};
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;
use std::path::{Path, PathBuf};
use uptake_core::seeded::shuffled;
use uptake_core::{Confusion, LabelledSentence};
use uptake_labels::evaluate::score_labelled;
use uptake_training::{Device, NoMetrics, TrainEvent};

/// The summary written beside the fold models.
const CV_FILE: &str = "cv.json";

/// How to cross-validate.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct CvSettings {
    /// Folds (at least 2); sentences are assigned to them by a shuffle seeded with the
    /// training seed.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 5))]
    pub folds: usize,
    /// Fine-tuning of each fold's model.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub train: TrainOptions,
    /// Threshold and bootstrap of the comparison.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub compare: CompareSettings,
}

/// One fold model's figures on its own sentences.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldResult {
    /// The fold (from 0).
    pub fold: usize,
    /// Mentions scored.
    pub mentions: usize,
    /// Mention AUROC.
    pub auroc: Option<f64>,
    /// Mention F1 at the threshold.
    pub f1: Option<f64>,
}

/// A cross-validation's result.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossValidation {
    /// Each fold model on its own sentences.
    pub folds: Vec<FoldResult>,
    /// The pooled out-of-fold scores beside the rule labellers.
    pub pooled: Comparison,
}

/// A training event of one fold.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldEvent {
    /// The fold (from 0).
    pub fold: usize,
    /// Of how many.
    pub folds: usize,
    /// What its training reports.
    pub event: TrainEvent<NoMetrics>,
}

/// Cross-validates fine-tuning from `base` on `sentences` into `out` on `device`, writes
/// `out/cv.json` and returns the figures.
pub fn cross_validate<B: AutodiffBackend>(
    sentences: &[LabelledSentence],
    base: &Path,
    out: &Path,
    settings: &CvSettings,
    device: &B::Device,
    on_event: &mut dyn FnMut(FoldEvent),
) -> Result<CrossValidation, ModelError> {
    if settings.folds < 2 {
        return Err(ModelError::Training(
            "cross-validation needs at least 2 folds".into(),
        ));
    }
    let fold_of = assign_folds(sentences.len(), settings.folds, settings.train.seed);
    let mut pooled: Vec<Vec<f64>> = vec![Vec::new(); sentences.len()];
    let mut folds = Vec::with_capacity(settings.folds);
    for fold in 0..settings.folds {
        let (train_set, test): (Vec<usize>, Vec<usize>) =
            (0..sentences.len()).partition(|&i| fold_of[i] != fold);
        let pick = |idx: &[usize]| {
            idx.iter()
                .map(|&i| sentences[i].clone())
                .collect::<Vec<_>>()
        };
        let dir = fold_dir(out, fold);
        let mut on_fold = |event| {
            on_event(FoldEvent {
                fold,
                folds: settings.folds,
                event,
            })
        };
        train::<B>(
            &pick(&train_set),
            base,
            &dir,
            &settings.train,
            device,
            &mut on_fold,
        )?;
        let test_sentences = pick(&test);
        let mut model = ReportModel::<B::InnerBackend>::load_trained_on(&dir, device)?;
        let scores = score_labelled(&mut model, &test_sentences)?;
        folds.push(fold_result(
            fold,
            &test_sentences,
            &scores,
            settings.compare.threshold,
        ));
        for (&i, s) in test.iter().zip(scores) {
            pooled[i] = s;
        }
    }
    let pooled = compare_scores("model", pooled, sentences, &settings.compare)?;
    let result = CrossValidation { folds, pooled };
    write_summary(&result, settings, base, out)?;
    Ok(result)
}

/// [`cross_validate`] on `device`, chosen at run time: the CPU, or a CUDA GPU in a `gpu` build
/// (a GPU this build or machine lacks is [`ModelError::Device`], before any fold runs).
pub fn cross_validate_on(
    device: Device,
    sentences: &[LabelledSentence],
    base: &Path,
    out: &Path,
    settings: &CvSettings,
    on_event: &mut dyn FnMut(FoldEvent),
) -> Result<CrossValidation, ModelError> {
    let job = CvJob {
        sentences,
        base,
        out,
        settings,
        on_event,
    };
    crate::on_device::run_on(device, job)
}

/// [`cross_validate_on`]'s work, for the backend of its device.
struct CvJob<'a, 'e> {
    sentences: &'a [LabelledSentence],
    base: &'a Path,
    out: &'a Path,
    settings: &'a CvSettings,
    on_event: &'e mut dyn FnMut(FoldEvent),
}

impl crate::on_device::AutodiffJob for CvJob<'_, '_> {
    type Output = CrossValidation;

    fn run<B: AutodiffBackend>(self, device: &B::Device) -> Result<CrossValidation, ModelError> {
        let (sentences, base, out) = (self.sentences, self.base, self.out);
        cross_validate::<B>(sentences, base, out, self.settings, device, self.on_event)
    }
}

/// The header `K-fold cross-validation, out-of-fold mention predictions pooled:` and the
/// pooled comparison.
impl std::fmt::Display for CrossValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}-fold cross-validation, out-of-fold mention predictions pooled:",
            self.folds.len()
        )?;
        write!(f, "{}", self.pooled)
    }
}

/// The fold of each sentence: a seeded shuffle dealt round the folds.
fn assign_folds(n: usize, folds: usize, seed: u64) -> Vec<usize> {
    let mut fold_of = vec![0; n];
    for (rank, i) in shuffled((0..n).collect::<Vec<usize>>(), seed)
        .into_iter()
        .enumerate()
    {
        fold_of[i] = rank % folds;
    }
    fold_of
}

/// The run folder of a fold's model.
fn fold_dir(out: &Path, fold: usize) -> PathBuf {
    out.join(format!("fold-{fold}")).join("model")
}

fn fold_result(
    fold: usize,
    sentences: &[LabelledSentence],
    scores: &[Vec<f64>],
    threshold: f64,
) -> FoldResult {
    let (s, l): (Vec<f64>, Vec<bool>) = sentences
        .iter()
        .zip(scores)
        .flat_map(|(t, sc)| t.mentions.iter().zip(sc).map(|(m, &p)| (p, m.label == 1)))
        .unzip();
    FoldResult {
        fold,
        mentions: l.len(),
        auroc: uptake_core::metrics::auroc(&s, &l),
        f1: Confusion::at_threshold(&s, &l, threshold).f1(),
    }
}

fn write_summary(
    result: &CrossValidation,
    settings: &CvSettings,
    base: &Path,
    out: &Path,
) -> Result<(), ModelError> {
    let value = serde_json::json!({
        "folds": settings.folds,
        "options": settings.train,
        "base": base,
        "per_fold_model": result.folds,
        "pooled": result.pooled.to_json(),
    });
    uptake_core::json::write_json(&out.join(CV_FILE), &value)?;
    Ok(())
}
