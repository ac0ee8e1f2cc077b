//! Fine-tuning the token classifier on hand-labelled mentions (method.md, section 2):
//! tokens inside a mention get its label, all others are ignored (masked binary
//! cross-entropy); Adam, learning rate halved every `halve_every` epochs; each epoch samples
//! `mentions_per_epoch` mentions with replacement, and trains on their sentences' windows (all
//! labelled mentions of a window count); early stopping on validation mention AUROC.
//!
//! Output folder: the best model (a loadable model folder: config.json, model.safetensors with
//! the head, tokenizer files), `report_model.json` (how it was trained, best epoch),
//! `metrics.jsonl` (one line per epoch), and `epoch-NNNN/` (the last finished epoch's model and
//! Adam state) + `state.json` for resuming. Every file is written atomically and the state last,
//! so a run interrupted at any point resumes from the last finished epoch, exactly: the weights,
//! Adam's moments, the learning-rate schedule, the sampling stream and the dropout seeds all
//! continue as if uninterrupted.

use crate::bert::TokenClassifier;
use crate::checkpoint::{self, TensorMap, WEIGHTS_FILE};
use crate::error::ModelError;
use crate::metrics::auroc;
use crate::model::{batch_tensors, load_folder, mention_probabilities};
use crate::resume::{
    checkpoint_dir, checkpoint_name, load_optimizer, prune_checkpoints, save_optimizer,
    with_stable_ids,
};
use crate::tokenize::{EncodedSentence, WordPieces};
use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;
use uptake_core::LabelledSentence;

type Train = Autodiff<Flex>;

pub const STATE_FILE: &str = "state.json";
pub const METRICS_FILE: &str = "metrics.jsonl";
pub const INFO_FILE: &str = "report_model.json";
pub use crate::resume::OPTIMIZER_FILE;
/// Tokenizer files copied from the base model into every saved folder (those that exist).
const TOKENIZER_FILES: [&str; 4] = [
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Fraction of sentences held out for validation (early stopping).
    pub val_split: f64,
    pub seed: u64,
    /// Most epochs to run.
    pub epochs: usize,
    pub mentions_per_epoch: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// The learning rate halves after every this many epochs.
    pub halve_every: usize,
    /// Stop after this many epochs without a better validation AUROC.
    pub patience: usize,
    /// Bottom encoder layers (and the embeddings, when > 0) kept frozen: fast small runs.
    pub frozen_layers: usize,
    /// Share of sampled training sentences whose mentions are each replaced by the text of a
    /// random training mention (label kept). The label is in the context, not the region word,
    /// so this stops the model learning which regions are usually abnormal.
    #[serde(default)]
    pub swap_mentions: f64,
    /// Share of sampled training sentences joined to another random training sentence
    /// ("...; ...", "..., while ..."), both keeping their mentions' labels. Only 1 in 10 starter
    /// sentences mixes abnormal and normal mentions, so without this the model rarely sees a
    /// negation's scope end at a clause boundary.
    #[serde(default)]
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

/// One line of `metrics.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    pub epoch: usize,
    pub learning_rate: f64,
    pub train_loss: f64,
    pub val_auroc: Option<f64>,
    pub best_epoch: usize,
    pub best_val_auroc: Option<f64>,
    pub seconds: f64,
}

/// What the training loop reports as it goes (the CLI draws a progress bar from it).
#[derive(Debug, Clone)]
pub enum TrainEvent {
    /// Training starts or resumes at `first_epoch` (1-based) of `epochs`.
    Start {
        first_epoch: usize,
        epochs: usize,
        batches_per_epoch: usize,
        train_sentences: usize,
        val_sentences: usize,
    },
    Batch {
        epoch: usize,
        loss: f64,
    },
    Epoch(EpochMetrics),
    EarlyStop {
        epoch: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TrainState {
    options: TrainOptions,
    base: PathBuf,
    finished_epochs: usize,
    best_epoch: usize,
    best_val_auroc: Option<f64>,
    history: Vec<EpochMetrics>,
    stopped: bool,
    /// The folder (in the output folder) with the last finished epoch's model and Adam state.
    #[serde(default)]
    checkpoint: Option<String>,
}

/// How the saved best model was trained (`report_model.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub base: PathBuf,
    pub options: TrainOptions,
    pub epoch: usize,
    pub val_auroc: Option<f64>,
    pub train_sentences: usize,
    pub val_sentences: usize,
}

/// A sentence ready for training: its windows, and per window the labelled token positions.
struct Example {
    windows: Vec<Vec<u32>>,
    /// Per window: (position, label 0/1).
    targets: Vec<Vec<(usize, f32)>>,
    encoded: EncodedSentence,
    labels: Vec<bool>,
    /// Where it came from: for re-encoding with swapped mentions.
    sentence: LabelledSentence,
    line: usize,
}

fn example(
    tokenizer: &WordPieces,
    line: usize,
    s: &LabelledSentence,
    max_positions: usize,
    path: &Path,
) -> Result<Example, ModelError> {
    let spans: Vec<(usize, usize)> = s.mentions.iter().map(|m| (m.start, m.end)).collect();
    let what = |message| ModelError::Mention {
        path: path.to_path_buf(),
        line,
        message,
    };
    let encoded = tokenizer.encode(&s.text, &spans, max_positions, &what)?;
    let mut targets = vec![Vec::new(); encoded.windows.len()];
    for (m, tokens) in s.mentions.iter().zip(&encoded.mentions) {
        for &p in &tokens.positions {
            targets[tokens.window].push((p, m.label as f32));
        }
    }
    Ok(Example {
        windows: encoded.windows.clone(),
        targets,
        labels: s.mentions.iter().map(|m| m.label == 1).collect(),
        encoded,
        sentence: s.clone(),
        line,
    })
}

fn build_examples(
    tokenizer: &WordPieces,
    sentences: &[(usize, &LabelledSentence)],
    max_positions: usize,
    path: &Path,
) -> Result<Vec<Example>, ModelError> {
    sentences
        .iter()
        .map(|&(line, s)| example(tokenizer, line, s, max_positions, path))
        .collect()
}

/// The sentence with each mention's text replaced by one drawn from `pool`; spans and labels
/// follow the new text. Offsets are in characters, as in the mentions file.
fn swap_mentions(
    sentence: &LabelledSentence,
    pool: &[String],
    rng: &mut impl Rng,
) -> LabelledSentence {
    let chars: Vec<char> = sentence.text.chars().collect();
    let mut order: Vec<usize> = (0..sentence.mentions.len()).collect();
    order.sort_by_key(|&i| sentence.mentions[i].start);
    let mut text = String::with_capacity(sentence.text.len());
    let mut mentions = sentence.mentions.clone();
    let (mut at, mut len) = (0, 0);
    for i in order {
        let m = &sentence.mentions[i];
        let (start, end) = (m.start.min(chars.len()), m.end.min(chars.len()));
        let before: String = chars[at.min(start)..start].iter().collect();
        len += before.chars().count();
        text.push_str(&before);
        let term = &pool[rng.random_range(0..pool.len())];
        mentions[i].start = len;
        len += term.chars().count();
        mentions[i].end = len;
        text.push_str(term);
        at = end;
    }
    text.extend(&chars[at.min(chars.len())..]);
    LabelledSentence {
        text,
        mentions,
        ..sentence.clone()
    }
}

/// How two sentences are joined into one: the second is lower-cased where it continues the
/// first (clause joiners) and keeps its capital after a full stop.
const JOINERS: [&str; 5] = ["; ", ", while ", ", and ", ", but ", ". "];

/// `first` and `second` as one sentence: `first` loses its final full stop (the joiner has
/// its own), `second`'s spans move past the joint, and every label is kept. Offsets are in
/// characters, as in the mentions file.
fn join_sentences(
    first: &LabelledSentence,
    second: &LabelledSentence,
    rng: &mut impl Rng,
) -> LabelledSentence {
    let joiner = JOINERS[rng.random_range(0..JOINERS.len())];
    let clause = joiner != ". ";
    let mut head = first.text.trim_end().to_string();
    // A clause joiner replaces the full stop; ". " brings its own.
    if head.ends_with('.') {
        head.pop();
    }
    let mut tail: Vec<char> = second.text.trim_start().chars().collect();
    let trimmed = second.text.chars().count() - tail.len();
    // "Physiologic ..." -> "physiologic ...", but "FDG-avid ..." and "PET ..." keep their case.
    if clause
        && tail.first().is_some_and(char::is_ascii_uppercase)
        && tail.get(1).is_some_and(|c| !c.is_ascii_uppercase())
    {
        tail[0] = tail[0].to_ascii_lowercase();
    }
    let head_chars = head.chars().count();
    let offset = head_chars + joiner.chars().count();
    let mut mentions: Vec<_> = first
        .mentions
        .iter()
        .filter(|m| m.end <= head_chars)
        .cloned()
        .collect();
    mentions.extend(
        second
            .mentions
            .iter()
            .filter(|m| m.start >= trimmed)
            .map(|m| {
                let mut m = m.clone();
                m.start = m.start - trimmed + offset;
                m.end = m.end - trimmed + offset;
                m
            }),
    );
    let mut text = head;
    text.push_str(joiner);
    text.extend(tail);
    LabelledSentence {
        text,
        mentions,
        ..first.clone()
    }
}

/// Splits sentence indices into (train, validation) with a seeded shuffle.
fn split(n: usize, val_split: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x005e_ed0f_5b17);
    for i in (1..n).rev() {
        idx.swap(i, rng.random_range(0..=i));
    }
    let n_val = ((n as f64) * val_split).round() as usize;
    let n_val = n_val.min(n.saturating_sub(1));
    let val = idx[..n_val].to_vec();
    let train = idx[n_val..].to_vec();
    (train, val)
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

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ModelError> {
    uptake_core::write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        Ok(())
    })?;
    Ok(())
}

fn save_folder<B: Backend>(
    model: &TokenClassifier<B>,
    config: &crate::BertConfig,
    base: &Path,
    dir: &Path,
) -> Result<(), ModelError> {
    std::fs::create_dir_all(dir).map_err(|e| ModelError::file(dir, e))?;
    TensorMap::from_model(model).write(&dir.join(WEIGHTS_FILE))?;
    checkpoint::write_config(dir, config)?;
    copy_tokenizer_files(base, dir)
}

/// Copies the base model's tokenizer files (those that exist) into a saved model folder.
pub(crate) fn copy_tokenizer_files(base: &Path, dir: &Path) -> Result<(), ModelError> {
    for name in TOKENIZER_FILES {
        let from = base.join(name);
        if from.is_file() {
            let bytes = std::fs::read(&from).map_err(|e| ModelError::file(&from, e))?;
            uptake_core::write_atomic(&dir.join(name), |w| std::io::Write::write_all(w, &bytes))?;
        }
    }
    Ok(())
}

/// Fine-tunes `base` (a model folder) on the mentions in `mentions_path`, writing to `out`.
/// If `out` holds the state of an unfinished run with the same options, it resumes; only
/// `epochs` may differ (a finished run can be extended).
pub fn train(
    mentions_path: &Path,
    base: &Path,
    out: &Path,
    options: &TrainOptions,
    on_event: &mut dyn FnMut(TrainEvent),
) -> Result<ModelInfo, ModelError> {
    if options.batch_size == 0 || options.mentions_per_epoch == 0 || options.epochs == 0 {
        return Err(ModelError::Training(
            "batch size, mentions per epoch and epochs must be positive".into(),
        ));
    }
    if !(0.0..1.0).contains(&options.val_split) {
        return Err(ModelError::Training(format!(
            "--val-split {} is not in [0, 1)",
            options.val_split
        )));
    }
    let sentences = uptake_core::mentions::read_mentions(mentions_path)?;
    let lines = mention_lines(mentions_path)?;
    let labelled: Vec<(usize, &LabelledSentence)> = lines
        .iter()
        .copied()
        .zip(sentences.iter())
        .filter(|(_, s)| !s.mentions.is_empty())
        .collect();
    if labelled.is_empty() {
        return Err(ModelError::Training(format!(
            "{}: no labelled mentions to train on",
            mentions_path.display()
        )));
    }
    let (train_idx, val_idx) = split(labelled.len(), options.val_split, options.seed);

    let device = Default::default();
    Train::seed(&device, options.seed);
    let state_path = out.join(STATE_FILE);
    let mut state = match std::fs::read_to_string(&state_path) {
        Ok(text) => {
            let state: TrainState = serde_json::from_str(&text).map_err(|e| {
                ModelError::Training(format!(
                    "{}: unreadable training state: {e}",
                    state_path.display()
                ))
            })?;
            let same = TrainOptions {
                epochs: options.epochs,
                ..state.options.clone()
            } == *options;
            if !same || state.base != base {
                return Err(ModelError::Training(format!(
                    "{} holds a run with other options or base model; use another --out",
                    out.display()
                )));
            }
            Some(TrainState {
                options: options.clone(),
                ..state
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(ModelError::file(&state_path, e)),
    };
    let mut optim = AdamConfig::new()
        .with_epsilon(1e-8)
        .init::<Train, TokenClassifier<Train>>();
    let (mut model, config, tokenizer) = match &state {
        Some(s) if s.finished_epochs > 0 => {
            let Some(name) = &s.checkpoint else {
                return Err(ModelError::Training(format!(
                    "{}: names no checkpoint (a run of an older version); use another --out",
                    state_path.display()
                )));
            };
            let dir = out.join(name);
            let (model, config, tokenizer, _) = load_folder::<Train>(&dir, &device)?;
            let model = with_stable_ids(model);
            optim = load_optimizer(optim, &model, &dir.join(OPTIMIZER_FILE), &device)?;
            (model, config, tokenizer)
        }
        _ => {
            let (model, config, tokenizer, _) = load_folder::<Train>(base, &device)?;
            (with_stable_ids(model), config, tokenizer)
        }
    };
    let pick = |idx: &[usize]| idx.iter().map(|&i| labelled[i]).collect::<Vec<_>>();
    let train_set = build_examples(
        &tokenizer,
        &pick(&train_idx),
        config.max_position_embeddings,
        mentions_path,
    )?;
    let val_set = build_examples(
        &tokenizer,
        &pick(&val_idx),
        config.max_position_embeddings,
        mentions_path,
    )?;
    // Sampling is by mention: a sentence with three mentions is three times as likely.
    let mention_owner: Vec<usize> = train_set
        .iter()
        .enumerate()
        .flat_map(|(i, e)| std::iter::repeat_n(i, e.labels.len()))
        .collect();

    // The texts mentions are swapped for (only built when swapping is on).
    let mention_pool: Vec<String> = if options.swap_mentions > 0.0 {
        train_set
            .iter()
            .flat_map(|e| {
                let chars: Vec<char> = e.sentence.text.chars().collect();
                e.sentence
                    .mentions
                    .iter()
                    .map(|m| {
                        chars[m.start.min(chars.len())..m.end.min(chars.len())]
                            .iter()
                            .collect::<String>()
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    } else {
        Vec::new()
    };
    let st = state.get_or_insert_with(|| TrainState {
        options: options.clone(),
        base: base.to_path_buf(),
        finished_epochs: 0,
        best_epoch: 0,
        best_val_auroc: None,
        history: Vec::new(),
        stopped: false,
        checkpoint: None,
    });
    let info = |st: &TrainState| ModelInfo {
        base: base.to_path_buf(),
        options: options.clone(),
        epoch: st.best_epoch,
        val_auroc: st.best_val_auroc,
        train_sentences: train_set.len(),
        val_sentences: val_set.len(),
    };
    let batches = options.mentions_per_epoch.div_ceil(options.batch_size);
    on_event(TrainEvent::Start {
        first_epoch: st.finished_epochs + 1,
        epochs: options.epochs,
        batches_per_epoch: batches,
        train_sentences: train_set.len(),
        val_sentences: val_set.len(),
    });
    while !st.stopped && st.finished_epochs < options.epochs {
        let epoch = st.finished_epochs + 1;
        let started = Instant::now();
        let lr =
            options.learning_rate * 0.5f64.powi(((epoch - 1) / options.halve_every.max(1)) as i32);
        let mut rng = ChaCha8Rng::seed_from_u64(
            options
                .seed
                .wrapping_mul(1_000_003)
                .wrapping_add(epoch as u64),
        );
        Train::seed(&device, options.seed.wrapping_add(epoch as u64));
        let mut picks: Vec<(usize, usize)> = (0..options.mentions_per_epoch)
            .map(|_| {
                let e = mention_owner[rng.random_range(0..mention_owner.len())];
                (e, rng.random_range(0..train_set[e].windows.len()))
            })
            .collect();
        // A window sampled for a mention: use the window that holds that mention's tokens.
        for p in picks.iter_mut() {
            let ex = &train_set[p.0];
            if ex.windows.len() > 1 {
                let m = rng.random_range(0..ex.encoded.mentions.len());
                p.1 = ex.encoded.mentions[m].window;
            } else {
                p.1 = 0;
            }
        }
        // A rewritten (swapped or joined) sentence as an example, with the window of one of
        // its mentions drawn at random; `None` if it has no mention.
        let rewritten_example = |s: &LabelledSentence,
                                 line: usize,
                                 rng: &mut ChaCha8Rng|
         -> Result<Option<(Example, usize)>, ModelError> {
            let new = example(
                &tokenizer,
                line,
                s,
                config.max_position_embeddings,
                mentions_path,
            )?;
            if new.encoded.mentions.is_empty() {
                return Ok(None);
            }
            let m = rng.random_range(0..new.encoded.mentions.len());
            let window = new.encoded.mentions[m].window;
            Ok(Some((new, window)))
        };
        // Swapped copies are drawn after the picks so that runs without swapping keep the
        // sequence of random numbers they had before the option existed.
        let mut swapped: Vec<Option<Example>> = Vec::with_capacity(picks.len());
        for p in picks.iter_mut() {
            if !mention_pool.is_empty() && rng.random_bool(options.swap_mentions.min(1.0)) {
                let ex = &train_set[p.0];
                let s = swap_mentions(&ex.sentence, &mention_pool, &mut rng);
                match rewritten_example(&s, ex.line, &mut rng)? {
                    Some((new, window)) => {
                        p.1 = window;
                        swapped.push(Some(new));
                    }
                    None => swapped.push(None),
                }
            } else {
                swapped.push(None);
            }
        }
        // Joined sentences likewise come after the swaps; a joined sentence starts from the
        // (possibly swapped) picked one, in either order.
        if options.join_sentences > 0.0 && train_set.len() > 1 {
            for (i, p) in picks.iter_mut().enumerate() {
                if !rng.random_bool(options.join_sentences.min(1.0)) {
                    continue;
                }
                let ex = swapped[i].as_ref().unwrap_or(&train_set[p.0]);
                let other = &train_set[rng.random_range(0..train_set.len())].sentence;
                let s = if rng.random_bool(0.5) {
                    join_sentences(&ex.sentence, other, &mut rng)
                } else {
                    join_sentences(other, &ex.sentence, &mut rng)
                };
                if let Some((new, window)) = rewritten_example(&s, ex.line, &mut rng)? {
                    p.1 = window;
                    swapped[i] = Some(new);
                }
            }
        }
        let example_of = |i: usize| swapped[i].as_ref().unwrap_or(&train_set[picks[i].0]);
        let mut loss_sum = 0.0;
        for (c, chunk) in picks.chunks(options.batch_size).enumerate() {
            let first = c * options.batch_size;
            let windows: Vec<&[u32]> = chunk
                .iter()
                .enumerate()
                .map(|(k, &(_, w))| example_of(first + k).windows[w].as_slice())
                .collect();
            let (ids, types, mask) = batch_tensors::<Train>(&windows, tokenizer.pad, &device);
            let [b, seq] = mask.dims();
            let mut y = vec![0f32; b * seq];
            let mut wts = vec![0f32; b * seq];
            for (row, &(_, w)) in chunk.iter().enumerate() {
                for &(pos, label) in &example_of(first + row).targets[w] {
                    y[row * seq + pos] = label;
                    wts[row * seq + pos] = 1.0;
                }
            }
            let y = Tensor::<Train, 2>::from_data(TensorData::new(y, [b, seq]), &device);
            let wts = Tensor::<Train, 2>::from_data(TensorData::new(wts, [b, seq]), &device);
            let logits = model.forward(ids, types, mask, options.frozen_layers);
            let loss = masked_bce(logits, y, wts);
            let value = loss.clone().into_scalar() as f64;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
            loss_sum += value * chunk.len() as f64;
            on_event(TrainEvent::Batch { epoch, loss: value });
        }
        let val_auroc = validation_auroc(&model.valid(), &val_set, tokenizer.pad);
        let improved = match (val_auroc, st.best_val_auroc) {
            (Some(a), Some(b)) => a > b,
            (Some(_), None) => true,
            // Without a usable validation set, the latest epoch is the best.
            (None, None) => true,
            (None, Some(_)) => false,
        };
        if improved {
            st.best_epoch = epoch;
            st.best_val_auroc = val_auroc;
            save_folder(&model, &config, base, out)?;
        }
        // The checkpoint of this epoch: model and Adam state, in a new folder that the state
        // file names once it is complete.
        let checkpoint = checkpoint_dir(out, epoch);
        save_folder(&model, &config, base, &checkpoint)?;
        save_optimizer(&optim, &checkpoint.join(OPTIMIZER_FILE))?;
        st.checkpoint = Some(checkpoint_name(epoch));
        let metrics = EpochMetrics {
            epoch,
            learning_rate: lr,
            train_loss: loss_sum / picks.len() as f64,
            val_auroc,
            best_epoch: st.best_epoch,
            best_val_auroc: st.best_val_auroc,
            seconds: started.elapsed().as_secs_f64(),
        };
        st.history.push(metrics.clone());
        st.finished_epochs = epoch;
        if epoch - st.best_epoch >= options.patience.max(1) {
            st.stopped = true;
            on_event(TrainEvent::EarlyStop { epoch });
        }
        // Metrics, info and state last: a crash before this line redoes the epoch.
        let lines: String = st
            .history
            .iter()
            .map(|m| serde_json::to_string(m).expect("metrics serialise") + "\n")
            .collect();
        uptake_core::write_atomic(&out.join(METRICS_FILE), |w| {
            std::io::Write::write_all(w, lines.as_bytes())
        })?;
        write_json(&out.join(INFO_FILE), &info(st))?;
        write_json(&state_path, &*st)?;
        prune_checkpoints(out, &checkpoint_name(epoch))?;
        on_event(TrainEvent::Epoch(metrics));
    }
    Ok(info(st))
}

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
    auroc(&scores, &labels)
}

/// The 1-based line number of each sentence record (blank lines are skipped by the reader).
pub(crate) fn mention_lines(path: &Path) -> Result<Vec<usize>, ModelError> {
    let text = std::fs::read_to_string(path).map_err(|e| ModelError::file(path, e))?;
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, _)| i + 1)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::LabelledSpan;

    fn span(start: usize, end: usize, region: &str, label: u8) -> LabelledSpan {
        LabelledSpan {
            start,
            end,
            region: region.into(),
            label,
        }
    }

    #[test]
    fn swapped_mentions_point_at_the_new_text_and_keep_their_labels() {
        let sentence = LabelledSentence {
            id: None,
            exam_id: None,
            section: None,
            text: "Avid liver lesion; the lungs are clear.".into(),
            // Given out of order: the swap must not depend on it.
            mentions: vec![span(23, 28, "lungs", 0), span(5, 10, "liver", 1)],
        };
        let pool = vec!["left adrenal".to_string()];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let s = swap_mentions(&sentence, &pool, &mut rng);
        assert_eq!(
            s.text,
            "Avid left adrenal lesion; the left adrenal are clear."
        );
        let chars: Vec<char> = s.text.chars().collect();
        for m in &s.mentions {
            let text: String = chars[m.start..m.end].iter().collect();
            assert_eq!(text, "left adrenal");
        }
        assert_eq!(
            s.mentions.iter().map(|m| m.label).collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert_eq!(s.mentions[0].region, "lungs");
    }

    fn mention_texts(s: &LabelledSentence) -> Vec<(String, u8)> {
        let chars: Vec<char> = s.text.chars().collect();
        s.mentions
            .iter()
            .map(|m| (chars[m.start..m.end].iter().collect(), m.label))
            .collect()
    }

    fn sentence(text: &str, mentions: Vec<LabelledSpan>) -> LabelledSentence {
        LabelledSentence {
            id: None,
            exam_id: None,
            section: None,
            text: text.into(),
            mentions,
        }
    }

    #[test]
    fn joined_sentences_keep_every_mention_on_its_own_text_and_label() {
        let first = sentence(
            "Intense uptake in the liver.",
            vec![span(22, 27, "liver", 1)],
        );
        let second = sentence(
            "No abnormal uptake in the lungs or bones.",
            vec![span(26, 31, "lungs", 0), span(35, 40, "skeleton", 0)],
        );
        for seed in 0..20 {
            let s = join_sentences(&first, &second, &mut ChaCha8Rng::seed_from_u64(seed));
            assert_eq!(
                mention_texts(&s),
                vec![
                    ("liver".to_string(), 1),
                    ("lungs".to_string(), 0),
                    ("bones".to_string(), 0)
                ],
                "{}",
                s.text
            );
            assert!(s.text.starts_with("Intense uptake in the liver"));
            assert!(s.text.ends_with("in the lungs or bones."));
        }
    }

    #[test]
    fn a_clause_joiner_drops_the_full_stop_and_lowercases_the_next_word_but_not_an_acronym() {
        let first = sentence("Avid liver lesion.", vec![span(5, 10, "liver", 1)]);
        let plain = sentence("Physiologic bladder activity.", vec![]);
        let acronym = sentence("FDG-avid nodes.", vec![]);
        let mut seen_clause = false;
        for seed in 0..40 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let s = join_sentences(&first, &plain, &mut rng);
            if s.text.contains(". ") {
                assert_eq!(s.text, "Avid liver lesion. Physiologic bladder activity.");
            } else {
                seen_clause = true;
                assert!(!s.text.contains("lesion."), "{}", s.text);
                assert!(
                    s.text.ends_with(" physiologic bladder activity."),
                    "{}",
                    s.text
                );
            }
            let s = join_sentences(&first, &acronym, &mut ChaCha8Rng::seed_from_u64(seed));
            assert!(s.text.ends_with("FDG-avid nodes."), "{}", s.text);
        }
        assert!(seen_clause);
    }

    #[test]
    fn joining_counts_characters_not_bytes() {
        let first = sentence("Größer Herd.", vec![]);
        let second = sentence("Avid liver.", vec![span(5, 10, "liver", 1)]);
        let s = join_sentences(&first, &second, &mut ChaCha8Rng::seed_from_u64(3));
        assert_eq!(mention_texts(&s), vec![("liver".to_string(), 1)]);
    }

    #[test]
    fn swapping_counts_characters_not_bytes() {
        let sentence = LabelledSentence {
            id: None,
            exam_id: None,
            section: None,
            text: "Größer: liver avid.".into(),
            mentions: vec![span(8, 13, "liver", 1)],
        };
        let pool = vec!["rückenmark".to_string()];
        let s = swap_mentions(&sentence, &pool, &mut ChaCha8Rng::seed_from_u64(0));
        assert_eq!(s.text, "Größer: rückenmark avid.");
        assert_eq!((s.mentions[0].start, s.mentions[0].end), (8, 18));
    }
}
