//! Domain pre-training by masked language modelling (method.md, section 2): 15 % of the word
//! pieces of each window are chosen; of those 80 % become `[MASK]`, 10 % a random piece, 10 %
//! stay; the loss is cross-entropy on the chosen positions only. The prediction head
//! (`mlm.rs`) is loaded when the base has it and initialised otherwise, and saved beside
//! the encoder, so the output folder is a base model for fine-tuning (and for more
//! pre-training). Next-sentence prediction is not implemented.
//!
//! The run is one of the training engine's ([`uptake_training`]): each epoch ends with a
//! checkpoint in `OUT/epoch-NNNN/` (model + Adam state), a line of `OUT/metrics.jsonl`, the
//! model in `OUT` itself and `OUT/state.json` (written last). Running again on the same `OUT`
//! resumes after the last finished epoch, exactly: each epoch's shuffling and masking draw
//! from their own seeded stream. Another configuration (options other than `epochs`, base, or
//! corpus) in the same `OUT` is refused.

use crate::config::BertConfig;
use crate::error::ModelError;
use crate::folder::{read_config, read_weights, save_folder};
use crate::inference::batch_tensors;
use crate::mlm::MlmModel;
use crate::tokenize::WordPieces;
use burn::module::Module;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Int, Tensor, TensorData};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::Path;
use uptake_core::seeded::{FNV_OFFSET, fnv1a, shuffle};
use uptake_training::{DataPlan, Epoch, NoMetrics, OnEvent, RunOptions, Trainee, Validation};

/// How to pre-train. With the `cli` feature they are the flags of
/// `uptake report-model pretrain` (all but the mask fraction), their defaults those of
/// [`Default`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct PretrainOptions {
    /// Epochs over the corpus (a finished run given more is extended).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().epochs))]
    pub epochs: usize,
    /// Windows per optimizer step.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().batch_size))]
    pub batch_size: usize,
    /// Word pieces per window ([CLS] and [SEP] included; at most the model's positions).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().max_len))]
    pub max_len: usize,
    /// Adam's learning rate (constant).
    #[cfg_attr(feature = "cli", arg(long = "lr", value_name = "LR", default_value_t = Self::default().learning_rate))]
    pub learning_rate: f64,
    /// Share of word pieces chosen for prediction.
    #[cfg_attr(feature = "cli", arg(skip = Self::default().mask_fraction))]
    pub mask_fraction: f64,
    /// Seeds the shuffling, the masking and dropout.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().seed))]
    pub seed: u64,
}

impl Default for PretrainOptions {
    fn default() -> Self {
        Self {
            epochs: 1,
            batch_size: 16,
            max_len: 128,
            learning_rate: 5e-5,
            mask_fraction: 0.15,
            seed: 0,
        }
    }
}

impl PretrainOptions {
    fn run_options(&self) -> RunOptions {
        RunOptions {
            adam_epsilon: 1e-8,
            ..RunOptions::new(self.epochs, self.seed, self.learning_rate)
        }
    }
}

/// The line after each pre-training epoch: `epoch N: mean MLM loss L`.
pub fn epoch_summary<M>(record: &uptake_training::EpochRecord<M>) -> String {
    format!(
        "epoch {}: mean MLM loss {:.3}",
        record.epoch, record.train_loss
    )
}

/// Continues pre-training `base` on `texts` and writes the result to `out` (a model folder and
/// a run folder) on `device`. If `out` holds an earlier run of the same configuration, it
/// resumes after its last finished epoch (only `epochs` may differ, so a finished run can be
/// extended). Returns the last epoch's mean MLM loss.
pub fn pretrain<B: AutodiffBackend>(
    texts: &[String],
    base: &Path,
    out: &Path,
    options: &PretrainOptions,
    device: &B::Device,
    on_event: OnEvent<'_, NoMetrics>,
) -> Result<f64, ModelError> {
    if options.epochs == 0 || options.batch_size == 0 {
        return Err(ModelError::Training(
            "epochs and batch size must be positive".into(),
        ));
    }
    let mut run = Pretraining::new(texts, base, options)?;
    let state =
        uptake_training::train::<B, _>(&mut run, out, &options.run_options(), device, on_event)?;
    Ok(state.history.last().map_or(f64::NAN, |m| m.train_loss))
}

/// What the corpus looks like after tokenisation: a different corpus, vocabulary or window
/// length gives a different fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct CorpusSummary {
    texts: usize,
    windows: usize,
    fingerprint: u64,
}

/// A pre-training run's corpus and model settings, as the engine drives it.
struct Pretraining<'a> {
    base: &'a Path,
    options: &'a PretrainOptions,
    config: BertConfig,
    tokenizer: WordPieces,
    windows: Vec<Vec<u32>>,
    corpus: CorpusSummary,
}

impl<'a> Pretraining<'a> {
    fn new(
        texts: &[String],
        base: &'a Path,
        options: &'a PretrainOptions,
    ) -> Result<Self, ModelError> {
        let config = read_config(base)?;
        let tokenizer = WordPieces::load(base)?;
        let max_len = options.max_len.min(config.max_position_embeddings).max(3);
        let mut windows: Vec<Vec<u32>> = Vec::new();
        for text in texts {
            let (ids, _) = tokenizer.pieces(text)?;
            for chunk in ids.chunks(max_len - 2) {
                let mut w = vec![tokenizer.cls];
                w.extend_from_slice(chunk);
                w.push(tokenizer.sep);
                windows.push(w);
            }
        }
        if windows.is_empty() {
            return Err(ModelError::Training("no text to pre-train on".into()));
        }
        let mut fingerprint = FNV_OFFSET;
        for w in &windows {
            fingerprint = fnv1a((w.len() as u32).to_le_bytes(), fingerprint);
            fingerprint = fnv1a(w.iter().flat_map(|id| id.to_le_bytes()), fingerprint);
        }
        let corpus = CorpusSummary {
            texts: texts.len(),
            windows: windows.len(),
            fingerprint,
        };
        Ok(Self {
            base,
            options,
            config,
            tokenizer,
            windows,
            corpus,
        })
    }

    /// The windows `chunk`, masked, with the chosen pieces; `None` when nothing was chosen.
    fn masked_batch(&self, chunk: &[usize], rng: &mut ChaCha8Rng) -> Option<MaskedBatch> {
        let mut windows: Vec<Vec<u32>> = chunk.iter().map(|&i| self.windows[i].clone()).collect();
        let seq = windows.iter().map(|w| w.len()).max().unwrap_or(1);
        let (mut positions, mut targets) = (Vec::new(), Vec::new());
        for (row, w) in windows.iter_mut().enumerate() {
            let (fraction, vocab) = (self.options.mask_fraction, self.config.vocab_size);
            for (p, id) in mask_window(w, &self.tokenizer, fraction, vocab, rng) {
                positions.push((row * seq + p) as i64);
                targets.push(id as i64);
            }
        }
        (!positions.is_empty()).then_some(MaskedBatch {
            windows,
            positions,
            targets,
        })
    }

    /// The MLM loss of a masked batch.
    fn batch_loss<B: Backend>(
        &self,
        model: &MlmModel<B>,
        batch: MaskedBatch,
        device: &B::Device,
    ) -> Tensor<B, 1> {
        let refs: Vec<&[u32]> = batch.windows.iter().map(|w| w.as_slice()).collect();
        let (ids, _, mask) = batch_tensors::<B>(&refs, self.tokenizer.pad, device);
        let n = batch.positions.len();
        let positions =
            Tensor::<B, 1, Int>::from_data(TensorData::new(batch.positions, [n]), device);
        let targets = Tensor::<B, 1, Int>::from_data(TensorData::new(batch.targets, [n]), device);
        model.loss(ids, mask, positions, targets)
    }
}

/// Masked windows and the pieces to predict.
struct MaskedBatch {
    windows: Vec<Vec<u32>>,
    /// Flat indices into batch x sequence.
    positions: Vec<i64>,
    /// The original ids there.
    targets: Vec<i64>,
}

impl<B: AutodiffBackend> Trainee<B> for Pretraining<'_> {
    type Model = MlmModel<B>;
    type Metrics = NoMetrics;
    type Error = ModelError;

    fn settings(&self) -> serde_json::Value {
        serde_json::json!({
            "base": self.base,
            "corpus": self.corpus,
            "batch_size": self.options.batch_size,
            "max_len": self.options.max_len,
            "mask_fraction": self.options.mask_fraction,
        })
    }

    fn plan(&self) -> DataPlan {
        DataPlan {
            train_examples: self.windows.len(),
            validation_examples: 0,
            batches_per_epoch: self.windows.len().div_ceil(self.options.batch_size),
        }
    }

    fn start(&mut self, _: &Path, device: &B::Device) -> Result<Self::Model, ModelError> {
        MlmModel::from_weights(read_weights(self.base)?, &self.config, device)
    }

    fn load(&mut self, checkpoint: &Path, device: &B::Device) -> Result<Self::Model, ModelError> {
        MlmModel::from_weights(read_weights(checkpoint)?, &self.config, device)
    }

    fn save(&self, model: &Self::Model, checkpoint: &Path) -> Result<(), ModelError> {
        save_folder(&model.to_weights(), &self.config, self.base, checkpoint)
    }

    /// Without validation every epoch is the best: the folder itself is the latest model.
    fn save_best(
        &self,
        model: &Self::Model,
        dir: &Path,
        _: usize,
        _: Option<f64>,
    ) -> Result<(), ModelError> {
        self.save(model, dir)
    }

    fn train_epoch(
        &mut self,
        mut model: Self::Model,
        epoch: &mut Epoch<'_, B, Self::Model>,
    ) -> Result<(Self::Model, f64), ModelError> {
        let device = model.devices().into_iter().next().unwrap_or_default();
        let mut order: Vec<usize> = (0..self.windows.len()).collect();
        shuffle(&mut order, &mut epoch.rng);
        let (mut sum, mut count) = (0.0, 0usize);
        for chunk in order.chunks(self.options.batch_size) {
            let Some(batch) = self.masked_batch(chunk, &mut epoch.rng) else {
                continue;
            };
            let loss = self.batch_loss(&model, batch, &device);
            let (next, value) = epoch.step(model, loss)?;
            model = next;
            sum += value;
            count += 1;
        }
        Ok((model, sum / count.max(1) as f64))
    }

    fn validate(
        &mut self,
        _: &MlmModel<B::InnerBackend>,
    ) -> Result<Validation<NoMetrics>, ModelError> {
        Ok(Validation {
            score: None,
            metrics: NoMetrics {},
        })
    }
}

/// Masks one window in place; returns (position, original id) of the chosen pieces.
fn mask_window(
    window: &mut [u32],
    tok: &WordPieces,
    fraction: f64,
    vocab: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<(usize, u32)> {
    let special = [tok.cls, tok.sep, tok.pad, tok.mask];
    let mut chosen = Vec::new();
    for (p, id) in window.iter_mut().enumerate() {
        if special.contains(id) || rng.random::<f64>() >= fraction {
            continue;
        }
        chosen.push((p, *id));
        let r = rng.random::<f64>();
        if r < 0.8 {
            *id = tok.mask;
        } else if r < 0.9 {
            // A random ordinary piece (ids past the special tokens at the start of BERT vocabularies).
            *id = rng.random_range(special.iter().copied().max().unwrap_or(0) as usize + 1..vocab)
                as u32;
        }
    }
    chosen
}
