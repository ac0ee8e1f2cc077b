//! A domain WordPiece vocabulary (method.md, section 2): learn ~3000 pieces on training
//! reports, keep those the base vocabulary already has, and put the new ones in place of the
//! base's `[unusedX]` and non-ASCII entries, so every pretrained weight still loads. The
//! embedding row of a replaced entry is re-initialised to the mean of the base embeddings of the
//! pieces the base tokenizer splits the new piece into (a better start than noise; the old row
//! belonged to an unrelated token).

use crate::config::BertConfig;
use crate::error::ModelError;
use crate::folder::{WEIGHTS_FILE, read_config, read_weights, write_config, write_vocab};
use crate::tokenize::{VOCAB_FILE, WordPieces};
use crate::weights::TensorMap;
use std::collections::HashSet;
use std::path::Path;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::{AddedToken, Tokenizer};

const SPECIAL: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// What [`build_domain_vocab`] did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VocabSummary {
    /// Pieces the trainer learned.
    pub learned: usize,
    /// Of those, already in the base vocabulary.
    pub kept: usize,
    /// New pieces written into free slots.
    pub added: usize,
    /// Free slots (`[unusedX]` and non-ASCII entries) in the base vocabulary.
    pub free_slots: usize,
}

impl std::fmt::Display for VocabSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "learned {} pieces: {} already in the base vocabulary, {} added in place of {} free slots",
            self.learned, self.kept, self.added, self.free_slots
        )
    }
}

impl std::fmt::Display for PieceCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let per = |n: usize| n as f64 / self.texts.max(1) as f64;
        let fewer = 100.0 * (self.base as f64 - self.domain as f64) / self.base.max(1) as f64;
        write!(
            f,
            "word pieces on {} sentences: base {}, domain {} ({fewer:.1} % fewer; {:.2} vs {:.2} per sentence)",
            self.texts,
            self.base,
            self.domain,
            per(self.base),
            per(self.domain)
        )
    }
}

/// Learns up to `size` WordPieces on `texts` (lower-cased like uncased BERT).
fn learn_pieces(texts: &[String], size: usize) -> Result<Vec<String>, ModelError> {
    let err =
        |e: tokenizers::Error| ModelError::Training(format!("WordPiece training failed: {e}"));
    let mut tokenizer = Tokenizer::new(WordPiece::default());
    tokenizer.with_normalizer(Some(BertNormalizer::new(true, true, None, true)));
    tokenizer.with_pre_tokenizer(Some(BertPreTokenizer));
    let trainer = WordPieceTrainer::builder()
        .vocab_size(size)
        .min_frequency(2)
        .show_progress(false)
        .special_tokens(SPECIAL.iter().map(|t| AddedToken::from(*t, true)).collect())
        .build();
    let mut trainer = TrainerWrapper::WordPieceTrainer(trainer);
    tokenizer.train(&mut trainer, texts.iter()).map_err(err)?;
    let mut pieces: Vec<(String, u32)> = tokenizer.get_vocab(false).into_iter().collect();
    pieces.sort_by_key(|(_, id)| *id);
    Ok(pieces
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| !SPECIAL.contains(&p.as_str()))
        .collect())
}

fn is_free_slot(token: &str) -> bool {
    (token.starts_with("[unused") && token.ends_with(']')) || !token.is_ascii()
}

/// Writes `out`: the base model with the domain vocabulary (`vocab.txt`; no tokenizer.json, so
/// the loader builds the standard BERT tokenizer on the new vocabulary), the same config and
/// the weights with replaced embedding rows re-initialised.
pub fn build_domain_vocab(
    texts: &[String],
    base: &Path,
    out: &Path,
    size: usize,
) -> Result<VocabSummary, ModelError> {
    let vocab_path = base.join(VOCAB_FILE);
    let base_vocab: Vec<String> = std::fs::read_to_string(&vocab_path)
        .map_err(|e| ModelError::file(&vocab_path, e))?
        .lines()
        .map(str::to_string)
        .collect();
    let known: HashSet<&str> = base_vocab.iter().map(String::as_str).collect();
    let learned = learn_pieces(texts, size)?;
    let new: Vec<&String> = learned
        .iter()
        .filter(|p| !known.contains(p.as_str()))
        .collect();
    let slots: Vec<usize> = base_vocab
        .iter()
        .enumerate()
        .filter(|(_, t)| is_free_slot(t))
        .map(|(i, _)| i)
        .collect();
    let config = read_config(base)?;
    let mut weights = read_weights(base)?;
    let mut vocab = base_vocab.clone();
    let replaced: Vec<(usize, &String)> = slots.iter().copied().zip(new.iter().copied()).collect();
    let table = embedding_table(&mut weights, &config, base_vocab.len(), base)?;
    reinitialise_rows(
        table,
        config.hidden_size,
        &replaced,
        &WordPieces::load(base)?,
    )?;
    for (slot, piece) in replaced {
        vocab[slot] = piece.clone();
    }
    std::fs::create_dir_all(out).map_err(|e| ModelError::file(out, e))?;
    write_vocab(out, &vocab)?;
    weights.write(&out.join(WEIGHTS_FILE))?;
    write_config(out, &config)?;
    Ok(VocabSummary {
        learned: learned.len(),
        kept: learned.len() - new.len(),
        added: new.len().min(slots.len()),
        free_slots: slots.len(),
    })
}

/// The word-embedding table of the base's weights, checked against its config and vocabulary.
fn embedding_table<'w>(
    weights: &'w mut TensorMap,
    config: &BertConfig,
    vocab_len: usize,
    base: &Path,
) -> Result<&'w mut Vec<f32>, ModelError> {
    let name = "embeddings.word_embeddings.weight";
    let h = config.hidden_size;
    let (shape, table) =
        weights
            .tensors
            .get_mut(name)
            .ok_or_else(|| ModelError::MissingTensor {
                path: base.join(WEIGHTS_FILE),
                name: name.into(),
            })?;
    if shape.as_slice() != [config.vocab_size, h] || vocab_len > config.vocab_size {
        return Err(ModelError::WrongShape {
            path: base.join(WEIGHTS_FILE),
            name: name.into(),
            expected: vec![config.vocab_size, h],
            found: shape.clone(),
        });
    }
    Ok(table)
}

/// Each replaced row becomes the mean of the base embeddings of the pieces the base tokenizer
/// splits the new piece into (a continuation piece is looked up as the word it continues).
fn reinitialise_rows(
    table: &mut [f32],
    h: usize,
    replaced: &[(usize, &String)],
    base_tokenizer: &WordPieces,
) -> Result<(), ModelError> {
    for &(slot, piece) in replaced {
        let text = piece.strip_prefix("##").unwrap_or(piece);
        let (ids, _) = base_tokenizer.pieces(text)?;
        let mut row = vec![0f32; h];
        for &id in &ids {
            let base_row = &table[id as usize * h..(id as usize + 1) * h];
            for (r, v) in row.iter_mut().zip(base_row) {
                *r += v / ids.len().max(1) as f32;
            }
        }
        table[slot * h..(slot + 1) * h].copy_from_slice(&row);
    }
    Ok(())
}

/// Word pieces of the same texts under two vocabularies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PieceCounts {
    /// Texts counted.
    pub texts: usize,
    /// Pieces with the base model's vocabulary.
    pub base: usize,
    /// Pieces with the domain vocabulary.
    pub domain: usize,
}

/// Counts the word pieces of `texts` with the tokenizers of the model folders `base` and
/// `domain` (how much shorter the domain vocabulary makes them).
pub fn count_pieces(
    texts: &[String],
    base: &Path,
    domain: &Path,
) -> Result<PieceCounts, ModelError> {
    let (base_tok, domain_tok) = (WordPieces::load(base)?, WordPieces::load(domain)?);
    let (mut a, mut b) = (0, 0);
    for text in texts {
        a += base_tok.tokens(text)?.len();
        b += domain_tok.tokens(text)?.len();
    }
    Ok(PieceCounts {
        texts: texts.len(),
        base: a,
        domain: b,
    })
}
