//! The model folder: a Hugging Face BERT checkpoint folder (`config.json`, `model.safetensors`,
//! `tokenizer.json` or `vocab.txt`) that may carry our classification head. A saved folder is
//! itself a valid base model.

use crate::bert::TokenClassifier;
use crate::config::BertConfig;
use crate::error::ModelError;
use crate::tokenize::{VOCAB_FILE, WordPieces};
use crate::weights::{HEAD_BIAS, HEAD_WEIGHT, TensorMap};
use burn::tensor::backend::Backend;
use std::path::Path;

/// The configuration file of a model folder.
pub(crate) const CONFIG_FILE: &str = "config.json";
/// The weights file of a model folder.
pub(crate) const WEIGHTS_FILE: &str = "model.safetensors";
/// Tokenizer files copied from the base model into every saved folder (those that exist).
const TOKENIZER_FILES: [&str; 4] = [
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
];

/// Reads and checks a folder's `config.json`.
pub(crate) fn read_config(dir: &Path) -> Result<BertConfig, ModelError> {
    let path = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| ModelError::file(&path, e))?;
    let config: BertConfig = serde_json::from_str(&text).map_err(|e| ModelError::BadConfig {
        path: path.clone(),
        message: e.to_string(),
    })?;
    config
        .check()
        .map_err(|message| ModelError::BadConfig { path, message })?;
    Ok(config)
}

/// Writes `config.json` (with `model_type: bert`, as HF tools expect).
pub(crate) fn write_config(dir: &Path, config: &BertConfig) -> Result<(), ModelError> {
    let mut value = serde_json::to_value(config).expect("config serialises");
    if let Some(obj) = value.as_object_mut() {
        obj.insert("model_type".into(), "bert".into());
    }
    uptake_core::json::write_json(&dir.join(CONFIG_FILE), &value)?;
    Ok(())
}

/// Reads a folder's weights.
pub(crate) fn read_weights(dir: &Path) -> Result<TensorMap, ModelError> {
    TensorMap::read(&dir.join(WEIGHTS_FILE))
}

/// A loaded folder: the classifier, its config and tokenizer, and whether it had a head.
pub(crate) struct Loaded<B: Backend> {
    pub(crate) model: TokenClassifier<B>,
    pub(crate) config: BertConfig,
    pub(crate) tokenizer: WordPieces,
    pub(crate) has_head: bool,
}

/// Loads a model folder onto `device`: config, tokenizer, weights (head if present; a random
/// one drawn from the backend's generator otherwise).
pub(crate) fn load_folder<B: Backend>(
    dir: &Path,
    device: &B::Device,
) -> Result<Loaded<B>, ModelError> {
    let config = read_config(dir)?;
    let tokenizer = WordPieces::load(dir)?;
    if tokenizer.vocab_size() > config.vocab_size {
        return Err(ModelError::BadConfig {
            path: dir.join(CONFIG_FILE),
            message: format!(
                "vocab_size {} is smaller than the tokenizer's {} entries ({})",
                config.vocab_size,
                tokenizer.vocab_size(),
                tokenizer.path.display()
            ),
        });
    }
    let weights = read_weights(dir)?;
    let fresh = TokenClassifier::init(&config, device);
    let (model, has_head) = weights.load_into(&config, fresh, device)?;
    Ok(Loaded {
        model,
        config,
        tokenizer,
        has_head,
    })
}

/// Writes a model folder: `weights`, the config, and the base's tokenizer files.
pub(crate) fn save_folder(
    weights: &TensorMap,
    config: &BertConfig,
    base: &Path,
    dir: &Path,
) -> Result<(), ModelError> {
    std::fs::create_dir_all(dir).map_err(|e| ModelError::file(dir, e))?;
    weights.write(&dir.join(WEIGHTS_FILE))?;
    write_config(dir, config)?;
    copy_tokenizer_files(base, dir)
}

/// Copies the base model's tokenizer files (those that exist) into a saved model folder.
fn copy_tokenizer_files(base: &Path, dir: &Path) -> Result<(), ModelError> {
    for name in TOKENIZER_FILES {
        let from = base.join(name);
        if from.is_file() {
            let bytes = std::fs::read(&from).map_err(|e| ModelError::file(&from, e))?;
            uptake_core::write_atomic(&dir.join(name), |w| std::io::Write::write_all(w, &bytes))?;
        }
    }
    Ok(())
}

/// Writes a randomly initialised BERT folder (config.json, model.safetensors, vocab.txt) with
/// this vocabulary: for tests and experiments that need no download. `head` says whether it
/// gets a random classification head, making it an (untrained) report model.
pub fn init_random_model(
    dir: &Path,
    config: &BertConfig,
    vocab: &[&str],
    seed: u64,
    head: Head,
) -> Result<(), ModelError> {
    config.check().map_err(|message| ModelError::BadConfig {
        path: dir.join(CONFIG_FILE),
        message,
    })?;
    let mut weights = random_weights(config, seed);
    if head == Head::Without {
        weights.tensors.remove(HEAD_WEIGHT);
        weights.tensors.remove(HEAD_BIAS);
    }
    std::fs::create_dir_all(dir).map_err(|e| ModelError::file(dir, e))?;
    weights.write(&dir.join(WEIGHTS_FILE))?;
    write_config(dir, config)?;
    write_vocab(dir, vocab)
}

/// The weights of a classifier drawn from `seed`. The backend's generator is one per process:
/// the seed and every draw happen under one lock, so that concurrent calls (tests running in
/// parallel) cannot interleave their draws.
fn random_weights(config: &BertConfig, seed: u64) -> TensorMap {
    type Cpu = burn::backend::Flex;
    static DRAWING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _drawing = DRAWING.lock().unwrap_or_else(|e| e.into_inner());
    let device = Default::default();
    Cpu::seed(&device, seed);
    TensorMap::from_model(&TokenClassifier::<Cpu>::init(config, &device))
}

/// Writes `vocab.txt`: one word piece per line, in id order.
pub(crate) fn write_vocab(dir: &Path, vocab: &[impl AsRef<str>]) -> Result<(), ModelError> {
    let text: String = vocab.iter().map(|t| format!("{}\n", t.as_ref())).collect();
    uptake_core::write_atomic(&dir.join(VOCAB_FILE), |w| {
        std::io::Write::write_all(w, text.as_bytes())
    })?;
    Ok(())
}

/// Whether a model folder carries the classification head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// A base BERT: the encoder only.
    Without,
    /// A report model: the encoder and the head.
    With,
}
