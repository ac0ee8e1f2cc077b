//! Fine-tuning the token classifier on hand-labelled mentions (method.md, section 2): tokens
//! inside a mention get its label, all others are ignored (masked binary cross-entropy); Adam,
//! learning rate halved every `halve_every` epochs; each epoch samples `mentions_per_epoch`
//! mentions with replacement, and trains on their sentences' windows (all labelled mentions of
//! a window count); early stopping on validation mention AUROC.
//!
//! The run is one of the training engine's ([`uptake_training`]): the output folder holds the
//! best model (a loadable model folder: config.json, model.safetensors with the head, tokenizer
//! files), `report_model.json` (how it was trained, best epoch), `metrics.jsonl`, `state.json`
//! and the last epoch's checkpoint in `epoch-NNNN/` (model and Adam state). A run interrupted
//! at any point resumes from the last finished epoch, exactly.

use crate::augment::{join_sentences, swap_mentions};
use crate::bert::TokenClassifier;
use crate::calibration::Calibration;
use crate::config::BertConfig;
use crate::error::ModelError;
use crate::examples::Example;
use crate::folder::{load_folder, read_config, save_folder};
use crate::inference::{batch_tensors, mention_probabilities};
use crate::tokenize::{EncodedSentence, WordPieces};
use crate::weights::TensorMap;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Tensor, TensorData};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use uptake_core::LabelledSentence;
use uptake_core::seeded::{FNV_OFFSET, fnv1a, shuffled};
use uptake_training::{
    DataPlan, Epoch, NoMetrics, OnEvent, RunOptions, Trainee, Validation, settings_without,
};

/// How the best model was trained, beside it in the output folder.
const INFO_FILE: &str = "report_model.json";

/// How to fine-tune. With the `cli` feature they are the flags of `uptake report-model train`
/// and `cv`, their defaults those of [`Default`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct TrainOptions {
    /// Fraction of sentences held out for early stopping.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().val_split))]
    pub val_split: f64,
    /// Seeds the split, the sampling, the rewriting and dropout.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().seed))]
    pub seed: u64,
    /// Most epochs (the paper: 85).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().epochs))]
    pub epochs: usize,
    /// Mentions sampled with replacement per epoch (the paper: 100).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().mentions_per_epoch))]
    pub mentions_per_epoch: usize,
    /// Windows per optimizer step.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().batch_size))]
    pub batch_size: usize,
    /// Adam learning rate, halved every --halve-every epochs.
    #[cfg_attr(feature = "cli", arg(long = "lr", value_name = "LR", default_value_t = Self::default().learning_rate))]
    pub learning_rate: f64,
    /// The learning rate halves after every this many epochs.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().halve_every))]
    pub halve_every: usize,
    /// Stop after this many epochs without a better validation AUROC.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().patience))]
    pub patience: usize,
    /// Keep the embeddings and this many bottom encoder layers frozen (faster on a CPU).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().frozen_layers))]
    pub frozen_layers: usize,
    /// Share of sampled sentences whose mentions are swapped for other training mentions'
    /// text (labels kept), so the model judges the context, not the region word.
    // The label is in the context: this stops the model learning which regions are usually
    // abnormal.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().swap_mentions))]
    pub swap_mentions: f64,
    /// Share of sampled sentences joined to another training sentence ("...; ...",
    /// "..., while ..."), labels kept, so the model learns where a negation's scope ends.
    // Only 1 in 10 starter sentences mixes abnormal and normal mentions, so without this the
    // model rarely sees a negation's scope end at a clause boundary.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().join_sentences))]
    pub join_sentences: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            val_split: 0.1,
            seed: 0,
            epochs: 85,
            mentions_per_epoch: 100,
            batch_size: 16,
            learning_rate: 1.37e-4,
            halve_every: 20,
            patience: 10,
            frozen_layers: 0,
            swap_mentions: 0.0,
            join_sentences: 0.0,
        }
    }
}

impl TrainOptions {
    /// The engine's part: epochs, seed, schedule, patience; Adam with BERT's epsilon.
    fn run_options(&self) -> RunOptions {
        RunOptions {
            halve_every_epochs: Some(self.halve_every.max(1)),
            patience_epochs: Some(self.patience.max(1)),
            adam_epsilon: 1e-8,
            ..RunOptions::new(self.epochs, self.seed, self.learning_rate)
        }
    }

    fn check(&self) -> Result<(), ModelError> {
        if self.batch_size == 0 || self.mentions_per_epoch == 0 || self.epochs == 0 {
            return Err(ModelError::Training(
                "batch size, mentions per epoch and epochs must be positive".into(),
            ));
        }
        if !(0.0..1.0).contains(&self.val_split) {
            return Err(ModelError::Training(format!(
                "the validation split {} is not in [0, 1)",
                self.val_split
            )));
        }
        Ok(())
    }
}

/// How the saved best model was trained (`report_model.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The base model folder.
    pub base: PathBuf,
    /// The options.
    pub options: TrainOptions,
    /// The best epoch (its model is the one saved).
    pub epoch: usize,
    /// Its validation mention AUROC.
    pub val_auroc: Option<f64>,
    /// Sentences trained on.
    pub train_sentences: usize,
    /// Sentences validated on.
    pub val_sentences: usize,
    /// The temperature fitted on the validation mentions (also in `calibration.json`); `None`
    /// without a validation split with both classes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

/// `best epoch N (validation AUROC A)`, `n/a` without a validation set.
impl std::fmt::Display for ModelInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auroc = self.val_auroc.map_or("n/a".into(), |a| format!("{a:.3}"));
        write!(f, "best epoch {} (validation AUROC {auroc})", self.epoch)
    }
}

/// The line after each fine-tuning epoch: `epoch N: train loss L, validation AUROC A` (`-`
/// without a validation set).
pub fn epoch_summary<M>(record: &uptake_training::EpochRecord<M>) -> String {
    let auroc = record
        .validation_score
        .map_or("-".into(), |a| format!("{a:.3}"));
    format!(
        "epoch {}: train loss {:.4}, validation AUROC {auroc}",
        record.epoch, record.train_loss
    )
}

/// Fine-tunes `base` (a model folder) on the labelled `sentences` (those without mentions are
/// skipped), writing to the run folder `out` on `device`. If `out` holds a run of the same
/// settings, it resumes; only `epochs` may differ (a finished run can be extended).
pub fn train<B: AutodiffBackend>(
    sentences: &[LabelledSentence],
    base: &Path,
    out: &Path,
    options: &TrainOptions,
    device: &B::Device,
    on_event: OnEvent<'_, NoMetrics>,
) -> Result<ModelInfo, ModelError> {
    options.check()?;
    let mut run = FineTuning::new(sentences, base, options)?;
    let state =
        uptake_training::train::<B, _>(&mut run, out, &options.run_options(), device, on_event)?;
    let mut info = run.info(state.best_epoch.unwrap_or(0), state.best_score);
    info.calibration = run.calibrate::<B::InnerBackend>(out, device)?;
    Ok(info)
}

/// [`train`] on `device`, chosen at run time: the CPU, or a CUDA GPU in a build with the `gpu`
/// feature (a GPU this build or machine lacks is [`ModelError::Device`]).
pub fn train_on(
    device: uptake_training::Device,
    sentences: &[LabelledSentence],
    base: &Path,
    out: &Path,
    options: &TrainOptions,
    on_event: OnEvent<'_, NoMetrics>,
) -> Result<ModelInfo, ModelError> {
    let job = TrainJob {
        sentences,
        base,
        out,
        options,
        on_event,
    };
    crate::on_device::run_on(device, job)
}

/// [`train_on`]'s work, for the backend of its device.
struct TrainJob<'a, 'e> {
    sentences: &'a [LabelledSentence],
    base: &'a Path,
    out: &'a Path,
    options: &'a TrainOptions,
    on_event: OnEvent<'e, NoMetrics>,
}

impl crate::on_device::AutodiffJob for TrainJob<'_, '_> {
    type Output = ModelInfo;

    fn run<B: AutodiffBackend>(self, device: &B::Device) -> Result<ModelInfo, ModelError> {
        let (sentences, base, out, options) = (self.sentences, self.base, self.out, self.options);
        train::<B>(sentences, base, out, options, device, self.on_event)
    }
}

/// Keeps the split's random stream apart from the sampling stream of the same seed.
const SPLIT_SALT: u64 = 0x005e_ed0f_5b17;

/// Splits sentence indices into (train, validation) with a seeded shuffle.
fn split(n: usize, val_split: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let idx = shuffled((0..n).collect::<Vec<usize>>(), seed ^ SPLIT_SALT);
    let n_val = ((n as f64) * val_split).round() as usize;
    let n_val = n_val.min(n.saturating_sub(1));
    (idx[n_val..].to_vec(), idx[..n_val].to_vec())
}

/// A fine-tuning run's data and model settings, as the engine drives it.
struct FineTuning<'a> {
    base: &'a Path,
    options: &'a TrainOptions,
    config: BertConfig,
    tokenizer: WordPieces,
    train_set: Vec<Example>,
    val_set: Vec<Example>,
    /// The example of each training mention: sampling is by mention, so a sentence with three
    /// mentions is three times as likely.
    mention_owner: Vec<usize>,
    /// The texts mentions are swapped for (only when swapping is on).
    mention_pool: Vec<String>,
    fingerprint: u64,
}

/// One sampled training window: of an example, or of a rewritten copy of it.
struct Pick {
    example: usize,
    window: usize,
    rewritten: Option<Example>,
}

impl<'a> FineTuning<'a> {
    fn new(
        sentences: &[LabelledSentence],
        base: &'a Path,
        options: &'a TrainOptions,
    ) -> Result<Self, ModelError> {
        let labelled: Vec<(usize, &LabelledSentence)> = sentences
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.mentions.is_empty())
            .collect();
        if labelled.is_empty() {
            return Err(ModelError::Training(
                "no labelled mentions to train on".into(),
            ));
        }
        let config = read_config(base)?;
        let tokenizer = WordPieces::load(base)?;
        let (train_idx, val_idx) = split(labelled.len(), options.val_split, options.seed);
        let examples = |idx: &[usize]| -> Result<Vec<Example>, ModelError> {
            idx.iter()
                .map(|&i| {
                    let (index, s) = labelled[i];
                    Example::new(&tokenizer, index, s, config.max_position_embeddings)
                })
                .collect()
        };
        let train_set = examples(&train_idx)?;
        let val_set = examples(&val_idx)?;
        let mention_owner = train_set
            .iter()
            .enumerate()
            .flat_map(|(i, e)| std::iter::repeat_n(i, e.labels.len()))
            .collect();
        let mention_pool = match options.swap_mentions > 0.0 {
            true => train_set.iter().flat_map(Example::mention_texts).collect(),
            false => Vec::new(),
        };
        let fingerprint = labelled.iter().fold(FNV_OFFSET, |h, (_, s)| {
            fnv1a(serde_json::to_vec(s).expect("sentences serialise"), h)
        });
        Ok(Self {
            base,
            options,
            config,
            tokenizer,
            train_set,
            val_set,
            mention_owner,
            mention_pool,
            fingerprint,
        })
    }

    fn info(&self, epoch: usize, val_auroc: Option<f64>) -> ModelInfo {
        ModelInfo {
            base: self.base.to_path_buf(),
            options: self.options.clone(),
            epoch,
            val_auroc,
            train_sentences: self.train_set.len(),
            val_sentences: self.val_set.len(),
            calibration: None,
        }
    }

    /// Fits the temperature of the best model (saved in `out`) on the validation mentions and
    /// writes it beside the model; `None` (and no file) without both classes among them. A
    /// finished run given again recalibrates without training.
    fn calibrate<I: Backend>(
        &self,
        out: &Path,
        device: &I::Device,
    ) -> Result<Option<Calibration>, ModelError>
    where
        TokenClassifier<I>: Sync,
    {
        if self.val_set.is_empty() {
            return Ok(None);
        }
        let model = load_folder::<I>(out, device)?.model;
        let encoded: Vec<EncodedSentence> =
            self.val_set.iter().map(|e| e.encoded.clone()).collect();
        let scores: Vec<f64> = mention_probabilities(&model, &encoded, self.tokenizer.pad)
            .into_iter()
            .flatten()
            .collect();
        let labels: Vec<bool> = self
            .val_set
            .iter()
            .flat_map(|e| e.labels.iter().copied())
            .collect();
        let calibration = Calibration::fit(&scores, &labels);
        if let Some(c) = &calibration {
            c.write(out)?;
        }
        Ok(calibration)
    }

    /// The epoch's windows: mentions drawn with replacement, then (in this order, so that runs
    /// without rewriting keep the random numbers they had before it existed) swapped and
    /// joined copies.
    fn sample(&self, rng: &mut ChaCha8Rng) -> Result<Vec<Pick>, ModelError> {
        let mut picks = self.pick_mentions(rng);
        self.swap(&mut picks, rng)?;
        self.join(&mut picks, rng)?;
        Ok(picks)
    }

    fn pick_mentions(&self, rng: &mut ChaCha8Rng) -> Vec<Pick> {
        let mut picks: Vec<Pick> = (0..self.options.mentions_per_epoch)
            .map(|_| {
                let example = self.mention_owner[rng.random_range(0..self.mention_owner.len())];
                let window = rng.random_range(0..self.train_set[example].windows().len());
                Pick {
                    example,
                    window,
                    rewritten: None,
                }
            })
            .collect();
        // A window sampled for a mention: use the window that holds that mention's tokens.
        for p in picks.iter_mut() {
            let ex = &self.train_set[p.example];
            p.window = if ex.windows().len() > 1 {
                let m = rng.random_range(0..ex.encoded.mentions.len());
                ex.encoded.mentions[m].window
            } else {
                0
            };
        }
        picks
    }

    fn swap(&self, picks: &mut [Pick], rng: &mut ChaCha8Rng) -> Result<(), ModelError> {
        let share = self.options.swap_mentions.min(1.0);
        for p in picks.iter_mut() {
            if self.mention_pool.is_empty() || !rng.random_bool(share) {
                continue;
            }
            let ex = &self.train_set[p.example];
            let s = swap_mentions(&ex.sentence, &self.mention_pool, rng);
            if let Some((new, window)) = self.rewritten(&s, ex.index, rng)? {
                p.window = window;
                p.rewritten = Some(new);
            }
        }
        Ok(())
    }

    /// Joined sentences start from the (possibly swapped) picked one, in either order.
    fn join(&self, picks: &mut [Pick], rng: &mut ChaCha8Rng) -> Result<(), ModelError> {
        if self.options.join_sentences <= 0.0 || self.train_set.len() < 2 {
            return Ok(());
        }
        for p in picks.iter_mut() {
            if !rng.random_bool(self.options.join_sentences.min(1.0)) {
                continue;
            }
            let ex = p.rewritten.as_ref().unwrap_or(&self.train_set[p.example]);
            let other = &self.train_set[rng.random_range(0..self.train_set.len())].sentence;
            let s = if rng.random_bool(0.5) {
                join_sentences(&ex.sentence, other, rng)
            } else {
                join_sentences(other, &ex.sentence, rng)
            };
            let index = ex.index;
            if let Some((new, window)) = self.rewritten(&s, index, rng)? {
                p.window = window;
                p.rewritten = Some(new);
            }
        }
        Ok(())
    }

    /// A rewritten sentence as an example, with the window of one of its mentions drawn at
    /// random; `None` if it has no mention.
    fn rewritten(
        &self,
        s: &LabelledSentence,
        index: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<Option<(Example, usize)>, ModelError> {
        let new = Example::new(
            &self.tokenizer,
            index,
            s,
            self.config.max_position_embeddings,
        )?;
        if new.encoded.mentions.is_empty() {
            return Ok(None);
        }
        let m = rng.random_range(0..new.encoded.mentions.len());
        let window = new.encoded.mentions[m].window;
        Ok(Some((new, window)))
    }

    /// The example a pick trains on.
    fn example<'p>(&'p self, pick: &'p Pick) -> &'p Example {
        pick.rewritten
            .as_ref()
            .unwrap_or(&self.train_set[pick.example])
    }

    /// The masked loss of a batch of picks.
    fn batch_loss<B: Backend>(&self, model: &TokenClassifier<B>, chunk: &[Pick]) -> Tensor<B, 1> {
        let device = model.head.weight.val().device();
        let windows: Vec<&[u32]> = chunk
            .iter()
            .map(|p| self.example(p).windows()[p.window].as_slice())
            .collect();
        let (ids, types, mask) = batch_tensors::<B>(&windows, self.tokenizer.pad, &device);
        let [b, seq] = mask.dims();
        let mut y = vec![0f32; b * seq];
        let mut weights = vec![0f32; b * seq];
        for (row, p) in chunk.iter().enumerate() {
            for &(pos, label) in &self.example(p).targets[p.window] {
                y[row * seq + pos] = label;
                weights[row * seq + pos] = 1.0;
            }
        }
        let y = Tensor::<B, 2>::from_data(TensorData::new(y, [b, seq]), &device);
        let weights = Tensor::<B, 2>::from_data(TensorData::new(weights, [b, seq]), &device);
        let logits = model.forward(ids, types, mask, self.options.frozen_layers);
        masked_bce(logits, y, weights)
    }
}

impl<B: AutodiffBackend> Trainee<B> for FineTuning<'_> {
    type Model = TokenClassifier<B>;
    type Metrics = NoMetrics;
    type Error = ModelError;

    fn settings(&self) -> serde_json::Value {
        // Less the engine's own settings.
        let engine = ["epochs", "seed", "learning_rate", "halve_every", "patience"];
        let mut value = settings_without(self.options, &engine);
        value["base"] = serde_json::json!(self.base);
        value["sentences"] = serde_json::json!(self.fingerprint);
        value
    }

    fn plan(&self) -> DataPlan {
        DataPlan {
            train_examples: self.train_set.len(),
            validation_examples: self.val_set.len(),
            batches_per_epoch: self
                .options
                .mentions_per_epoch
                .div_ceil(self.options.batch_size),
        }
    }

    fn start(&mut self, _: &Path, device: &B::Device) -> Result<Self::Model, ModelError> {
        Ok(load_folder::<B>(self.base, device)?.model)
    }

    fn load(&mut self, checkpoint: &Path, device: &B::Device) -> Result<Self::Model, ModelError> {
        Ok(load_folder::<B>(checkpoint, device)?.model)
    }

    fn save(&self, model: &Self::Model, checkpoint: &Path) -> Result<(), ModelError> {
        save_folder(
            &TensorMap::from_model(model),
            &self.config,
            self.base,
            checkpoint,
        )
    }

    fn save_best(
        &self,
        model: &Self::Model,
        dir: &Path,
        epoch: usize,
        score: Option<f64>,
    ) -> Result<(), ModelError> {
        self.save(model, dir)?;
        uptake_core::json::write_json(&dir.join(INFO_FILE), &self.info(epoch, score))?;
        Ok(())
    }

    fn train_epoch(
        &mut self,
        mut model: Self::Model,
        epoch: &mut Epoch<'_, B, Self::Model>,
    ) -> Result<(Self::Model, f64), ModelError> {
        let picks = self.sample(&mut epoch.rng)?;
        let mut loss_sum = 0.0;
        for chunk in picks.chunks(self.options.batch_size) {
            let loss = self.batch_loss(&model, chunk);
            let (next, value) = epoch.step(model, loss)?;
            model = next;
            loss_sum += value * chunk.len() as f64;
        }
        Ok((model, loss_sum / picks.len() as f64))
    }

    fn validate(
        &mut self,
        model: &TokenClassifier<B::InnerBackend>,
    ) -> Result<Validation<NoMetrics>, ModelError> {
        Ok(Validation {
            score: validation_auroc(model, &self.val_set, self.tokenizer.pad),
            metrics: NoMetrics {},
        })
    }
}

/// Masked binary cross-entropy with logits: mean over labelled tokens.
fn masked_bce<B: Backend>(
    logits: Tensor<B, 2>,
    targets: Tensor<B, 2>,
    weights: Tensor<B, 2>,
) -> Tensor<B, 1> {
    // max(x, 0) - x y + log(1 + exp(-|x|)): stable for large |x|.
    let loss =
        logits.clone().clamp_min(0.0) - logits.clone() * targets + logits.abs().neg().exp().log1p();
    let total = weights.clone().sum();
    (loss * weights).sum() / total
}

/// Mention AUROC on the validation examples; `None` without both classes.
fn validation_auroc<B: Backend>(
    model: &TokenClassifier<B>,
    val: &[Example],
    pad: u32,
) -> Option<f64> {
    if val.is_empty() {
        return None;
    }
    let encoded: Vec<EncodedSentence> = val.iter().map(|e| e.encoded.clone()).collect();
    let scores: Vec<f64> = mention_probabilities(model, &encoded, pad)
        .into_iter()
        .flatten()
        .collect();
    let labels: Vec<bool> = val.iter().flat_map(|e| e.labels.iter().copied()).collect();
    uptake_core::metrics::auroc(&scores, &labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_info_names_the_best_epoch_and_its_validation_auroc() {
        let mut info = ModelInfo {
            base: PathBuf::from("base"),
            options: TrainOptions::default(),
            epoch: 3,
            val_auroc: Some(0.91234),
            train_sentences: 9,
            val_sentences: 1,
            calibration: None,
        };
        assert_eq!(info.to_string(), "best epoch 3 (validation AUROC 0.912)");
        info.val_auroc = None;
        assert_eq!(info.to_string(), "best epoch 3 (validation AUROC n/a)");
    }

    #[test]
    fn the_epoch_line_gives_the_loss_and_the_validation_auroc() {
        let record = uptake_training::EpochRecord {
            epoch: 2,
            learning_rate: 1e-4,
            train_loss: 0.56789,
            validation_score: None,
            best_epoch: 2,
            seconds: 1.0,
            metrics: NoMetrics {},
        };
        assert_eq!(
            epoch_summary(&record),
            "epoch 2: train loss 0.5679, validation AUROC -"
        );
    }
}
