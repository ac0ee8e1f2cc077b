//! Domain pre-training by masked language modelling (method.md, section 2): 15 % of the word
//! pieces of each window are chosen; of those 80 % become [MASK], 10 % a random piece, 10 %
//! stay; the loss is cross-entropy on the chosen positions only. The prediction head is HF's
//! (`cls.predictions.transform.dense`, `.LayerNorm`, `cls.predictions.bias`, decoder tied to the
//! word embeddings); it is loaded when the base has it and initialised otherwise, and saved
//! beside the encoder so the output folder is a base model for `train` (and for more
//! pre-training). Next-sentence prediction is not implemented.
//!
//! Every epoch ends with a checkpoint in `OUT/epoch-NNNN/` (model + Adam state), a line of
//! `OUT/metrics.jsonl` and `OUT/pretrain_state.json` (written last). Running again on the same
//! `OUT` resumes after the last finished epoch, exactly: each epoch's shuffling and masking
//! draw from their own seeded stream, so nothing depends on how many processes ran before.
//! Another configuration (options other than `epochs`, base, or corpus) in the same `OUT` is
//! refused.

use crate::bert::{Bert, TokenClassifier};
use crate::checkpoint::{self, TensorMap, WEIGHTS_FILE};
use crate::error::ModelError;
use crate::model::batch_tensors;
use crate::resume::{
    FNV_OFFSET, OPTIMIZER_FILE, checkpoint_dir, checkpoint_name, fnv1a, load_optimizer,
    prune_checkpoints, save_optimizer, with_stable_ids,
};
use crate::tokenize::WordPieces;
use burn::backend::{Autodiff, Flex};
use burn::module::{Module, Param};
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::activation::{gelu, log_softmax};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

type Train = Autodiff<Flex>;

#[derive(Module, Debug)]
pub struct MlmHead<B: Backend> {
    pub dense: Linear<B>,
    pub norm: LayerNorm<B>,
    pub bias: Param<Tensor<B, 1>>,
}

#[derive(Module, Debug)]
pub struct MlmModel<B: Backend> {
    pub bert: Bert<B>,
    pub head: MlmHead<B>,
}

impl<B: Backend> MlmModel<B> {
    /// Cross-entropy of the original pieces at `positions` (flat indices into batch x seq).
    fn loss(
        &self,
        ids: Tensor<B, 2, Int>,
        mask: Tensor<B, 2>,
        positions: Tensor<B, 1, Int>,
        targets: Tensor<B, 1, Int>,
    ) -> Tensor<B, 1> {
        let types = ids.zeros_like();
        let hidden = self.bert.forward(ids, types, mask, 0);
        let [b, s, h] = hidden.dims();
        let picked = hidden.reshape([b * s, h]).select(0, positions);
        let x = self
            .head
            .norm
            .forward(gelu(self.head.dense.forward(picked)));
        let logits = x.matmul(self.bert.embeddings.word.weight.val().transpose())
            + self.head.bias.val().unsqueeze_dim(0);
        let n = targets.dims()[0];
        let logp = log_softmax(logits, 1).gather(1, targets.reshape([n, 1]));
        logp.mean().neg()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainOptions {
    pub epochs: usize,
    pub batch_size: usize,
    /// Word pieces per window, [CLS] and [SEP] included (at most the model's positions).
    pub max_len: usize,
    pub learning_rate: f64,
    pub mask_fraction: f64,
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

/// Progress of pre-training.
#[derive(Debug, Clone)]
pub enum PretrainEvent {
    /// Pre-training starts or resumes at `first_epoch` (1-based) of `epochs`.
    Start {
        first_epoch: usize,
        windows: usize,
        batches_per_epoch: usize,
        epochs: usize,
    },
    Batch {
        epoch: usize,
        loss: f64,
    },
    Epoch {
        epoch: usize,
        mean_loss: f64,
    },
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

pub const STATE_FILE: &str = "pretrain_state.json";
pub const METRICS_FILE: &str = "metrics.jsonl";

/// One line of `metrics.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainEpochMetrics {
    pub epoch: usize,
    pub mean_mlm_loss: f64,
    pub seconds: f64,
}

/// What the corpus looks like after tokenisation: a different corpus, vocabulary or window
/// length gives a different fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CorpusSummary {
    texts: usize,
    windows: usize,
    fingerprint: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PretrainState {
    options: PretrainOptions,
    base: PathBuf,
    corpus: CorpusSummary,
    finished_epochs: usize,
    history: Vec<PretrainEpochMetrics>,
    /// The folder (in `OUT`) with the last finished epoch's model and Adam state.
    checkpoint: Option<String>,
}

fn summarise(texts: usize, windows: &[Vec<u32>]) -> CorpusSummary {
    let mut hash = FNV_OFFSET;
    for w in windows {
        hash = fnv1a((w.len() as u32).to_le_bytes(), hash);
        hash = fnv1a(w.iter().flat_map(|id| id.to_le_bytes()), hash);
    }
    CorpusSummary {
        texts,
        windows: windows.len(),
        fingerprint: hash,
    }
}

/// Builds the MLM model from weights (encoder, and the HF prediction head when present).
fn load_mlm(
    mut weights: TensorMap,
    config: &crate::BertConfig,
    device: &burn::tensor::Device<Train>,
) -> Result<MlmModel<Train>, ModelError> {
    let h = config.hidden_size;
    let mut head = MlmHead {
        dense: LinearConfig::new(h, h).init(device),
        norm: LayerNormConfig::new(h)
            .with_epsilon(config.layer_norm_eps)
            .init(device),
        bias: Param::from_tensor(Tensor::zeros([config.vocab_size], device)),
    };
    let cls_head = weights
        .tensors
        .contains_key("cls.predictions.transform.dense.weight");
    if cls_head {
        let mut sub = TensorMap {
            tensors: Default::default(),
            path: weights.path.clone(),
        };
        for name in [
            "cls.predictions.transform.dense.weight",
            "cls.predictions.transform.dense.bias",
            "cls.predictions.transform.LayerNorm.weight",
            "cls.predictions.transform.LayerNorm.bias",
            "cls.predictions.bias",
        ] {
            if let Some(t) = weights.tensors.remove(name) {
                sub.tensors.insert(name.to_string(), t);
            }
        }
        head = sub.load_mlm_head(head, config, device)?;
    }
    weights.tensors.retain(|k, _| !k.starts_with("cls."));
    let (classifier, _) =
        weights.load_into(config, TokenClassifier::init(config, device), device)?;
    Ok(MlmModel {
        bert: classifier.bert,
        head,
    })
}

/// Writes a model folder: encoder (no classification head) + MLM head, config, tokenizer files.
fn save_mlm_folder(
    model: &MlmModel<Train>,
    config: &crate::BertConfig,
    base: &Path,
    dir: &Path,
) -> Result<(), ModelError> {
    std::fs::create_dir_all(dir).map_err(|e| ModelError::file(dir, e))?;
    let h = config.hidden_size;
    let device = model.head.bias.val().device();
    // A zero placeholder head (not saved): `from_model` wants a classifier.
    let classifier = TokenClassifier {
        bert: model.bert.clone(),
        head: Linear {
            weight: Param::from_tensor(Tensor::zeros([h, 1], &device)),
            bias: None,
        },
    };
    let mut map = TensorMap::from_model(&classifier);
    map.tensors.remove(checkpoint::HEAD_WEIGHT);
    map.tensors.remove(checkpoint::HEAD_BIAS);
    let vec = |t: Tensor<Train, 1>| {
        (
            vec![t.dims()[0]],
            t.into_data().convert::<f32>().to_vec::<f32>().expect("f32"),
        )
    };
    let head = &model.head;
    let dense_w = head.dense.weight.val().transpose();
    let dims = dense_w.dims();
    map.tensors.insert(
        "cls.predictions.transform.dense.weight".into(),
        (
            dims.to_vec(),
            dense_w
                .into_data()
                .convert::<f32>()
                .to_vec::<f32>()
                .expect("f32"),
        ),
    );
    if let Some(b) = &head.dense.bias {
        map.tensors
            .insert("cls.predictions.transform.dense.bias".into(), vec(b.val()));
    }
    map.tensors.insert(
        "cls.predictions.transform.LayerNorm.weight".into(),
        vec(head.norm.gamma.val()),
    );
    if let Some(b) = &head.norm.beta {
        map.tensors.insert(
            "cls.predictions.transform.LayerNorm.bias".into(),
            vec(b.val()),
        );
    }
    map.tensors
        .insert("cls.predictions.bias".into(), vec(head.bias.val()));
    map.write(&dir.join(WEIGHTS_FILE))?;
    checkpoint::write_config(dir, config)?;
    crate::train::copy_tokenizer_files(base, dir)
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ModelError> {
    uptake_core::write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        Ok(())
    })?;
    Ok(())
}

/// Reads the state of an earlier run in `out`, refusing one of another configuration.
fn read_state(
    path: &Path,
    options: &PretrainOptions,
    base: &Path,
    corpus: &CorpusSummary,
) -> Result<Option<PretrainState>, ModelError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ModelError::file(path, e)),
    };
    let state: PretrainState = serde_json::from_str(&text).map_err(|e| {
        ModelError::Training(format!(
            "{}: unreadable pre-training state: {e}",
            path.display()
        ))
    })?;
    let o = &state.options;
    let mut differ = Vec::new();
    for (name, same) in [
        ("batch size", o.batch_size == options.batch_size),
        ("max len", o.max_len == options.max_len),
        ("learning rate", o.learning_rate == options.learning_rate),
        ("mask fraction", o.mask_fraction == options.mask_fraction),
        ("seed", o.seed == options.seed),
        ("base", state.base == base),
        ("corpus", state.corpus == *corpus),
    ] {
        if !same {
            differ.push(name);
        }
    }
    if !differ.is_empty() {
        return Err(ModelError::Training(format!(
            "{} holds a pre-training run of another configuration (differs in: {}); use another --out",
            path.display(),
            differ.join(", ")
        )));
    }
    Ok(Some(PretrainState {
        options: options.clone(),
        ..state
    }))
}

/// Continues pre-training `base` on `texts` and writes the result to `out` (a model folder).
/// If `out` holds an earlier run of the same configuration, it resumes after its last finished
/// epoch (only `epochs` may differ, so a finished run can be extended). Returns the last
/// epoch's mean MLM loss.
pub fn pretrain(
    texts: &[String],
    base: &Path,
    out: &Path,
    options: &PretrainOptions,
    on_event: &mut dyn FnMut(PretrainEvent),
) -> Result<f64, ModelError> {
    if options.epochs == 0 || options.batch_size == 0 {
        return Err(ModelError::Training(
            "epochs and batch size must be positive".into(),
        ));
    }
    let device = Default::default();
    Train::seed(&device, options.seed);
    let config = checkpoint::read_config(base)?;
    let tok = WordPieces::load(base)?;
    let max_len = options.max_len.min(config.max_position_embeddings).max(3);

    let mut windows: Vec<Vec<u32>> = Vec::new();
    for text in texts {
        let (ids, _) = tok.pieces(text)?;
        for chunk in ids.chunks(max_len - 2) {
            let mut w = vec![tok.cls];
            w.extend_from_slice(chunk);
            w.push(tok.sep);
            windows.push(w);
        }
    }
    if windows.is_empty() {
        return Err(ModelError::Training("no text to pre-train on".into()));
    }
    let corpus = summarise(texts.len(), &windows);
    let state_path = out.join(STATE_FILE);
    let previous = read_state(&state_path, options, base, &corpus)?;
    let mut optim = AdamConfig::new()
        .with_epsilon(1e-8)
        .init::<Train, MlmModel<Train>>();
    let (mut model, mut st) = match previous {
        Some(st) if st.finished_epochs > 0 => {
            let Some(name) = &st.checkpoint else {
                return Err(ModelError::Training(format!(
                    "{}: names no checkpoint; use another --out",
                    state_path.display()
                )));
            };
            let dir = out.join(name);
            let weights = TensorMap::read(&dir.join(WEIGHTS_FILE))?;
            let model = with_stable_ids(load_mlm(weights, &config, &device)?);
            optim = load_optimizer(optim, &model, &dir.join(OPTIMIZER_FILE), &device)?;
            (model, st)
        }
        _ => {
            let weights = TensorMap::read(&base.join(WEIGHTS_FILE))?;
            let model = with_stable_ids(load_mlm(weights, &config, &device)?);
            let st = PretrainState {
                options: options.clone(),
                base: base.to_path_buf(),
                corpus,
                finished_epochs: 0,
                history: Vec::new(),
                checkpoint: None,
            };
            (model, st)
        }
    };
    std::fs::create_dir_all(out).map_err(|e| ModelError::file(out, e))?;

    let batches = windows.len().div_ceil(options.batch_size);
    on_event(PretrainEvent::Start {
        first_epoch: st.finished_epochs + 1,
        windows: windows.len(),
        batches_per_epoch: batches,
        epochs: options.epochs,
    });
    for epoch in st.finished_epochs + 1..=options.epochs {
        let started = Instant::now();
        // One stream per epoch (shuffle, masking; dropout from the backend seed): a resumed
        // run draws exactly what the uninterrupted one would.
        let mut rng = ChaCha8Rng::seed_from_u64(
            options
                .seed
                .wrapping_mul(1_000_003)
                .wrapping_add(epoch as u64),
        );
        Train::seed(&device, options.seed.wrapping_add(epoch as u64));
        let mut order: Vec<usize> = (0..windows.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        let mut sum = 0.0;
        let mut count = 0;
        for chunk in order.chunks(options.batch_size) {
            let mut masked: Vec<Vec<u32>> = chunk.iter().map(|&i| windows[i].clone()).collect();
            let seq = masked.iter().map(|w| w.len()).max().unwrap_or(1);
            let mut positions = Vec::new();
            let mut targets = Vec::new();
            for (row, w) in masked.iter_mut().enumerate() {
                for (p, id) in
                    mask_window(w, &tok, options.mask_fraction, config.vocab_size, &mut rng)
                {
                    positions.push((row * seq + p) as i64);
                    targets.push(id as i64);
                }
            }
            if positions.is_empty() {
                continue;
            }
            let refs: Vec<&[u32]> = masked.iter().map(|w| w.as_slice()).collect();
            let (ids, _, mask) = batch_tensors::<Train>(&refs, tok.pad, &device);
            let n = positions.len();
            let positions =
                Tensor::<Train, 1, Int>::from_data(TensorData::new(positions, [n]), &device);
            let targets =
                Tensor::<Train, 1, Int>::from_data(TensorData::new(targets, [n]), &device);
            let loss = model.loss(ids, mask, positions, targets);
            let value = loss.clone().into_scalar() as f64;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(options.learning_rate, model, grads);
            sum += value;
            count += 1;
            on_event(PretrainEvent::Batch { epoch, loss: value });
        }
        let mean_loss = sum / count.max(1) as f64;
        // Checkpoint order: model and Adam state in a new folder, metrics, then the state that
        // names the folder; a crash before the state is written redoes this epoch.
        let dir = checkpoint_dir(out, epoch);
        save_mlm_folder(&model, &config, base, &dir)?;
        save_optimizer(&optim, &dir.join(OPTIMIZER_FILE))?;
        st.history.truncate(epoch - 1);
        st.history.push(PretrainEpochMetrics {
            epoch,
            mean_mlm_loss: mean_loss,
            seconds: started.elapsed().as_secs_f64(),
        });
        let lines: String = st
            .history
            .iter()
            .map(|m| serde_json::to_string(m).expect("metrics serialise") + "\n")
            .collect();
        uptake_core::write_atomic(&out.join(METRICS_FILE), |w| {
            std::io::Write::write_all(w, lines.as_bytes())
        })?;
        st.finished_epochs = epoch;
        st.checkpoint = Some(checkpoint_name(epoch));
        write_json(&state_path, &st)?;
        prune_checkpoints(out, &checkpoint_name(epoch))?;
        on_event(PretrainEvent::Epoch { epoch, mean_loss });
    }
    // The output folder itself is the pre-trained model (a base for `train`). The last
    // checkpoint stays, so the run can be extended with more epochs.
    save_mlm_folder(&model, &config, base, out)?;
    Ok(st.history.last().map_or(f64::NAN, |m| m.mean_mlm_loss))
}
