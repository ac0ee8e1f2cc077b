//! Running a model folder on sentences: hidden states and mention probabilities, batched.

use crate::bert::TokenClassifier;
use crate::checkpoint::{self, TensorMap, WEIGHTS_FILE};
use crate::config::BertConfig;
use crate::error::ModelError;
use crate::tokenize::{EncodedSentence, VOCAB_FILE, WordPieces};
use burn::backend::Flex;
use burn::tensor::activation::sigmoid;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

pub(crate) type Cpu = Flex;

/// Windows per forward pass at inference (padded to the batch's longest).
pub(crate) const INFERENCE_BATCH: usize = 32;

/// One sentence and the character spans of its mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceMentions<'a> {
    pub text: &'a str,
    pub spans: Vec<(usize, usize)>,
}

/// A loaded model folder on the CPU.
pub struct ReportModel {
    model: TokenClassifier<Cpu>,
    config: BertConfig,
    tokenizer: WordPieces,
    dir: PathBuf,
    has_head: bool,
}

impl std::fmt::Debug for ReportModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportModel")
            .field("dir", &self.dir)
            .field("has_head", &self.has_head)
            .finish()
    }
}

/// Loads a model folder onto `device`: config, tokenizer, weights (head if present).
pub(crate) fn load_folder<B: Backend>(
    dir: &Path,
    device: &B::Device,
) -> Result<(TokenClassifier<B>, BertConfig, WordPieces, bool), ModelError> {
    let config = checkpoint::read_config(dir)?;
    let tokenizer = WordPieces::load(dir)?;
    if tokenizer.vocab_size() > config.vocab_size {
        return Err(ModelError::BadConfig {
            path: dir.join(checkpoint::CONFIG_FILE),
            message: format!(
                "vocab_size {} is smaller than the tokenizer's {} entries ({})",
                config.vocab_size,
                tokenizer.vocab_size(),
                tokenizer.path.display()
            ),
        });
    }
    let weights = TensorMap::read(&dir.join(WEIGHTS_FILE))?;
    let fresh = TokenClassifier::init(&config, device);
    let (model, has_head) = weights.load_into(&config, fresh, device)?;
    Ok((model, config, tokenizer, has_head))
}

impl ReportModel {
    /// Loads a folder with `config.json`, `model.safetensors` and `tokenizer.json` or
    /// `vocab.txt`. Works for a plain BERT checkpoint too (then [`Self::has_head`] is false and
    /// only hidden states make sense).
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let device = Default::default();
        let (model, config, tokenizer, has_head) = load_folder::<Cpu>(dir, &device)?;
        Ok(Self {
            model,
            config,
            tokenizer,
            dir: dir.to_path_buf(),
            has_head,
        })
    }

    /// Loads a trained report model: the folder must carry the classification head.
    pub fn load_trained(dir: &Path) -> Result<Self, ModelError> {
        let model = Self::load(dir)?;
        if !model.has_head {
            return Err(ModelError::MissingTensor {
                path: dir.join(WEIGHTS_FILE),
                name: format!(
                    "{} (a base BERT, not a trained report model)",
                    checkpoint::HEAD_WEIGHT
                ),
            });
        }
        Ok(model)
    }

    pub fn has_head(&self) -> bool {
        self.has_head
    }

    pub fn config(&self) -> &BertConfig {
        &self.config
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Word-piece strings of a text (no special tokens).
    pub fn tokens(&self, text: &str) -> Result<Vec<String>, ModelError> {
        self.tokenizer.tokens(text)
    }

    /// Last-layer hidden states of `[CLS] text [SEP]`, one vector per token (the text must
    /// fit one window).
    pub fn hidden_states(&self, text: &str) -> Result<(Vec<u32>, Vec<Vec<f32>>), ModelError> {
        let enc = self
            .tokenizer
            .encode(text, &[], self.config.max_position_embeddings, &|m| {
                ModelError::Training(m)
            })?;
        if enc.windows.len() != 1 {
            return Err(ModelError::Training(format!(
                "the text needs {} windows; hidden_states takes one",
                enc.windows.len()
            )));
        }
        let ids = enc.windows[0].clone();
        let out = self.hidden_states_batch(std::slice::from_ref(&ids));
        Ok((ids, out.into_iter().next().unwrap_or_default()))
    }

    /// Hidden states of several id sequences run as one padded batch (per sequence, its own
    /// length).
    pub fn hidden_states_batch(&self, windows: &[Vec<u32>]) -> Vec<Vec<Vec<f32>>> {
        let device = Default::default();
        let refs: Vec<&[u32]> = windows.iter().map(|w| w.as_slice()).collect();
        let (ids, types, mask) = batch_tensors::<Cpu>(&refs, self.tokenizer.pad, &device);
        let hidden = self.model.bert.forward(ids, types, mask, 0);
        let [_, seq, h] = hidden.dims();
        let values = hidden
            .into_data()
            .convert::<f32>()
            .to_vec::<f32>()
            .expect("f32");
        windows
            .iter()
            .enumerate()
            .map(|(b, w)| {
                (0..w.len())
                    .map(|t| values[(b * seq + t) * h..(b * seq + t + 1) * h].to_vec())
                    .collect()
            })
            .collect()
    }

    /// Encodes sentences for this model; `what(i, message)` makes the error for sentence `i`.
    pub(crate) fn encode_all(
        &self,
        sentences: &[SentenceMentions<'_>],
        what: &dyn Fn(usize, String) -> ModelError,
    ) -> Result<Vec<EncodedSentence>, ModelError> {
        sentences
            .iter()
            .enumerate()
            .map(|(i, s)| {
                self.tokenizer.encode(
                    s.text,
                    &s.spans,
                    self.config.max_position_embeddings,
                    &|m| what(i, m),
                )
            })
            .collect()
    }

    /// P(abnormal) of every mention of every sentence: the mean of its tokens' probabilities.
    /// `what(i, message)` builds the error for a sentence that cannot be encoded (e.g. a span
    /// that covers no word piece), so callers can name their file and line.
    pub fn score(
        &self,
        sentences: &[SentenceMentions<'_>],
        what: &dyn Fn(usize, String) -> ModelError,
    ) -> Result<Vec<Vec<f64>>, ModelError> {
        let encoded = self.encode_all(sentences, what)?;
        Ok(mention_probabilities(
            &self.model,
            &encoded,
            self.tokenizer.pad,
        ))
    }
}

/// Ids, token types (all 0) and the attention mask of a padded batch.
pub(crate) fn batch_tensors<B: Backend>(
    windows: &[&[u32]],
    pad: u32,
    device: &B::Device,
) -> (Tensor<B, 2, Int>, Tensor<B, 2, Int>, Tensor<B, 2>) {
    let seq = windows.iter().map(|w| w.len()).max().unwrap_or(0).max(1);
    let batch = windows.len();
    let mut ids = vec![pad as i64; batch * seq];
    let mut mask = vec![0f32; batch * seq];
    for (b, w) in windows.iter().enumerate() {
        for (t, &id) in w.iter().enumerate() {
            ids[b * seq + t] = id as i64;
            mask[b * seq + t] = 1.0;
        }
    }
    (
        Tensor::from_data(TensorData::new(ids, [batch, seq]), device),
        Tensor::zeros([batch, seq], device),
        Tensor::from_data(TensorData::new(mask, [batch, seq]), device),
    )
}

/// Per-token probabilities of each window, batched by similar length. Batches run on all
/// cores at once: one batch alone keeps only about one core busy on the CPU backend.
pub(crate) fn window_probabilities<B: Backend>(
    model: &TokenClassifier<B>,
    windows: &[&[u32]],
    pad: u32,
) -> Vec<Vec<f32>>
where
    TokenClassifier<B>: Sync,
{
    let device = model.head.weight.val().device();
    let mut order: Vec<usize> = (0..windows.len()).collect();
    order.sort_by_key(|&i| windows[i].len());
    // Batches of one length where it has enough windows: no padding, no attention mask.
    let mut chunks: Vec<&[usize]> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let len = windows[order[start]].len();
        let same = order[start..]
            .iter()
            .take_while(|&&i| windows[i].len() == len)
            .count();
        let take = if same >= INFERENCE_BATCH / 2 {
            same.min(INFERENCE_BATCH)
        } else {
            INFERENCE_BATCH.min(order.len() - start)
        };
        chunks.push(&order[start..start + take]);
        start += take;
    }
    let run = |chunk: &&[usize]| -> Vec<(usize, Vec<f32>)> {
        let batch: Vec<&[u32]> = chunk.iter().map(|&i| windows[i]).collect();
        let (ids, types, mask) = batch_tensors::<B>(&batch, pad, &device);
        let probs = sigmoid(model.forward(ids, types, mask, 0));
        let [_, seq] = probs.dims();
        let values = probs
            .into_data()
            .convert::<f32>()
            .to_vec::<f32>()
            .expect("f32");
        chunk
            .iter()
            .enumerate()
            .map(|(b, &i)| (i, values[b * seq..b * seq + windows[i].len()].to_vec()))
            .collect()
    };
    // In the backend's own thread pool, so that its parallel kernels do not oversubscribe the
    // cores.
    let results: Vec<Vec<(usize, Vec<f32>)>> = chunks.par_iter().map(run).collect();
    let mut out = vec![Vec::new(); windows.len()];
    for (i, p) in results.into_iter().flatten() {
        out[i] = p;
    }
    out
}

/// Mean token probability of every mention of every encoded sentence.
pub(crate) fn mention_probabilities<B: Backend>(
    model: &TokenClassifier<B>,
    encoded: &[EncodedSentence],
    pad: u32,
) -> Vec<Vec<f64>> {
    let windows: Vec<&[u32]> = encoded
        .iter()
        .flat_map(|e| e.windows.iter().map(|w| w.as_slice()))
        .collect();
    let probs = window_probabilities(model, &windows, pad);
    let mut first = 0;
    encoded
        .iter()
        .map(|e| {
            let scores = e
                .mentions
                .iter()
                .map(|m| {
                    let p = &probs[first + m.window];
                    m.positions.iter().map(|&t| p[t] as f64).sum::<f64>() / m.positions.len() as f64
                })
                .collect();
            first += e.windows.len();
            scores
        })
        .collect()
}

/// Writes a randomly initialised BERT folder (config.json, model.safetensors, vocab.txt) with
/// this vocabulary: for tests and experiments that need no download. `with_head` adds a random
/// classification head, making it a (untrained) report model.
pub fn init_random_model(
    dir: &Path,
    config: &BertConfig,
    vocab: &[&str],
    seed: u64,
    with_head: bool,
) -> Result<(), ModelError> {
    config.check().map_err(|message| ModelError::BadConfig {
        path: dir.join(checkpoint::CONFIG_FILE),
        message,
    })?;
    let device = Default::default();
    Cpu::seed(&device, seed);
    let model = TokenClassifier::<Cpu>::init(config, &device);
    let mut weights = TensorMap::from_model(&model);
    if !with_head {
        weights.tensors.remove(checkpoint::HEAD_WEIGHT);
        weights.tensors.remove(checkpoint::HEAD_BIAS);
    }
    std::fs::create_dir_all(dir).map_err(|e| ModelError::file(dir, e))?;
    weights.write(&dir.join(WEIGHTS_FILE))?;
    checkpoint::write_config(dir, config)?;
    let text: String = vocab.iter().map(|t| format!("{t}\n")).collect();
    uptake_core::write_atomic(&dir.join(VOCAB_FILE), |w| {
        std::io::Write::write_all(w, text.as_bytes())
    })?;
    Ok(())
}
