//! WordPiece tokenisation of report sentences, mention spans mapped onto tokens, and windows of
//! at most the model's positions (long sentences are split, never truncated).

use crate::error::ModelError;
use std::path::{Path, PathBuf};
use tokenizers::Tokenizer;
use uptake_core::CharSpan;

const TOKENIZER_FILE: &str = "tokenizer.json";
/// The WordPiece vocabulary of a model folder (one piece per line).
pub(crate) const VOCAB_FILE: &str = "vocab.txt";

/// A BERT WordPiece tokenizer plus the ids of its special tokens.
#[derive(Clone)]
pub(crate) struct WordPieces {
    inner: Tokenizer,
    pub(crate) cls: u32,
    pub(crate) sep: u32,
    pub(crate) pad: u32,
    pub(crate) mask: u32,
    /// Where it came from (tokenizer.json or vocab.txt), for messages.
    pub(crate) path: PathBuf,
}

impl std::fmt::Debug for WordPieces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordPieces")
            .field("path", &self.path)
            .field("vocab", &self.vocab_size())
            .finish()
    }
}

/// Word-piece ids and their character offsets `(start, end)` in the text.
pub(crate) type Pieces = (Vec<u32>, Vec<(usize, usize)>);

/// One mention's tokens: which window they are in and their positions there (`[CLS]` is 0).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MentionTokens {
    pub(crate) window: usize,
    pub(crate) positions: Vec<usize>,
}

/// A sentence as the model sees it: one or more windows of ids (`[CLS]` .. `[SEP]`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EncodedSentence {
    pub(crate) windows: Vec<Vec<u32>>,
    pub(crate) mentions: Vec<MentionTokens>,
}

impl WordPieces {
    /// Loads `tokenizer.json` if the folder has one, else builds the standard uncased BERT
    /// tokenizer from `vocab.txt`.
    pub(crate) fn load(dir: &Path) -> Result<Self, ModelError> {
        let json = dir.join(TOKENIZER_FILE);
        let vocab = dir.join(VOCAB_FILE);
        let (mut inner, path) = if json.is_file() {
            let t = Tokenizer::from_file(&json).map_err(|e| ModelError::Tokenizer {
                path: json.clone(),
                message: e.to_string(),
            })?;
            (t, json)
        } else if vocab.is_file() {
            (from_vocab_file(&vocab)?, vocab)
        } else {
            return Err(ModelError::MissingFile {
                dir: dir.to_path_buf(),
                file: format!("{TOKENIZER_FILE} (or {VOCAB_FILE})"),
            });
        };
        // Shipped tokenizer.json files often pad or truncate to a fixed length: we window
        // and pad ourselves.
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| ModelError::Tokenizer {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let id = |token: &str| {
            inner
                .token_to_id(token)
                .ok_or_else(|| ModelError::Tokenizer {
                    path: path.clone(),
                    message: format!("the vocabulary has no {token} token"),
                })
        };
        Ok(Self {
            cls: id("[CLS]")?,
            sep: id("[SEP]")?,
            pad: id("[PAD]")?,
            mask: id("[MASK]")?,
            inner,
            path,
        })
    }

    pub(crate) fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// Word pieces of a text without special tokens, with character offsets into it.
    pub(crate) fn pieces(&self, text: &str) -> Result<Pieces, ModelError> {
        let enc =
            self.inner
                .encode_char_offsets(text, false)
                .map_err(|e| ModelError::Tokenizer {
                    path: self.path.clone(),
                    message: e.to_string(),
                })?;
        Ok((enc.get_ids().to_vec(), enc.get_offsets().to_vec()))
    }

    /// Token strings (for documentation figures and tests).
    pub(crate) fn tokens(&self, text: &str) -> Result<Vec<String>, ModelError> {
        let (ids, _) = self.pieces(text)?;
        Ok(ids
            .iter()
            .filter_map(|&i| self.inner.id_to_token(i))
            .collect())
    }

    /// Encodes sentence number `sentence` and its mentions (character spans). `max_positions`
    /// is the model's limit including `[CLS]` and `[SEP]`; longer sentences become overlapping
    /// windows and each mention is placed in the window where it sits most centrally. A
    /// mention that covers no token, or is too long for any window, is an error naming the
    /// sentence.
    pub(crate) fn encode(
        &self,
        text: &str,
        spans: &[CharSpan],
        max_positions: usize,
        sentence: usize,
    ) -> Result<EncodedSentence, ModelError> {
        let what = |message| ModelError::Mention { sentence, message };
        let (ids, offsets) = self.pieces(text)?;
        let width = max_positions.saturating_sub(2).max(1);
        let stride = (width / 2).max(1);
        let mut starts = vec![0];
        while starts.last().unwrap() + width < ids.len() {
            starts.push(starts.last().unwrap() + stride);
        }
        let windows: Vec<Vec<u32>> = starts
            .iter()
            .map(|&s| {
                let e = (s + width).min(ids.len());
                let mut w = Vec::with_capacity(e - s + 2);
                w.push(self.cls);
                w.extend_from_slice(&ids[s..e]);
                w.push(self.sep);
                w
            })
            .collect();
        let mut mentions = Vec::with_capacity(spans.len());
        for &CharSpan { start, end } in spans {
            let tokens: Vec<usize> = offsets
                .iter()
                .enumerate()
                .filter(|(_, (s, e))| *s < end && *e > start)
                .map(|(i, _)| i)
                .collect();
            let (Some(&first), Some(&last)) = (tokens.first(), tokens.last()) else {
                return Err(what(format!("mention {start}..{end} covers no word piece")));
            };
            let best = starts
                .iter()
                .enumerate()
                .filter(|&(_, &s)| s <= first && last < s + width)
                .max_by_key(|&(_, &s)| (first - s).min(s + width - 1 - last))
                .map(|(w, _)| w)
                .ok_or_else(|| {
                    what(format!(
                        "mention {start}..{end} spans {} word pieces, more than a window of {stride} can hold",
                        last - first + 1
                    ))
                })?;
            let offset = starts[best];
            mentions.push(MentionTokens {
                window: best,
                positions: tokens.iter().map(|t| t - offset + 1).collect(),
            });
        }
        Ok(EncodedSentence { windows, mentions })
    }
}

fn from_vocab_file(vocab: &Path) -> Result<Tokenizer, ModelError> {
    use tokenizers::models::wordpiece::WordPiece;
    use tokenizers::normalizers::bert::BertNormalizer;
    use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
    let err = |message: String| ModelError::Tokenizer {
        path: vocab.to_path_buf(),
        message,
    };
    let model = WordPiece::from_file(&vocab.to_string_lossy())
        .unk_token("[UNK]".into())
        .build()
        .map_err(|e| err(e.to_string()))?;
    let mut t = Tokenizer::new(model);
    t.with_normalizer(Some(BertNormalizer::new(true, true, None, true)));
    t.with_pre_tokenizer(Some(BertPreTokenizer));
    Ok(t)
}
