//! A loaded model folder: hidden states, and mention probabilities, batched.

use crate::bert::TokenClassifier;
use crate::calibration::Calibration;
use crate::config::BertConfig;
use crate::error::ModelError;
use crate::folder::{Loaded, WEIGHTS_FILE, load_folder};
use crate::inference::{batch_tensors, mention_probabilities};
use crate::tokenize::{EncodedSentence, WordPieces};
use burn::tensor::backend::Backend;
use std::path::{Path, PathBuf};
use uptake_core::CharSpan;

/// The CPU backend (flex): inference by default.
pub type CpuBackend = burn::backend::Flex;

/// One sentence and its mentions as character spans (the report model tokenizes characters;
/// the labelling interface, [`uptake_labels::SentenceMentions`], speaks bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct CharMentions<'a> {
    /// The sentence.
    pub text: &'a str,
    /// Its mentions, in characters of `text`.
    pub spans: Vec<CharSpan>,
}

/// A loaded model folder on a backend (the CPU by default).
pub struct ReportModel<B: Backend = CpuBackend> {
    model: TokenClassifier<B>,
    config: BertConfig,
    tokenizer: WordPieces,
    dir: PathBuf,
    has_head: bool,
    calibration: Calibration,
    device: B::Device,
}

impl<B: Backend> std::fmt::Debug for ReportModel<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportModel")
            .field("dir", &self.dir)
            .field("has_head", &self.has_head)
            .finish()
    }
}

impl ReportModel<CpuBackend> {
    /// Loads a folder with `config.json`, `model.safetensors` and `tokenizer.json` or
    /// `vocab.txt` onto the CPU. Works for a plain BERT checkpoint too (then
    /// [`Self::has_head`] is false and only hidden states make sense).
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        Self::load_on(dir, &Default::default())
    }

    /// Loads a trained report model onto the CPU: the folder must carry the classification
    /// head.
    pub fn load_trained(dir: &Path) -> Result<Self, ModelError> {
        Self::load_trained_on(dir, &Default::default())
    }
}

impl<B: Backend> ReportModel<B> {
    /// [`ReportModel::load`] onto `device`.
    pub fn load_on(dir: &Path, device: &B::Device) -> Result<Self, ModelError> {
        let Loaded {
            model,
            config,
            tokenizer,
            has_head,
        } = load_folder::<B>(dir, device)?;
        Ok(Self {
            model,
            config,
            tokenizer,
            dir: dir.to_path_buf(),
            has_head,
            calibration: Calibration::read(dir)?,
            device: device.clone(),
        })
    }

    /// [`ReportModel::load_trained`] onto `device`.
    pub fn load_trained_on(dir: &Path, device: &B::Device) -> Result<Self, ModelError> {
        let model = Self::load_on(dir, device)?;
        if !model.has_head {
            return Err(ModelError::MissingTensor {
                path: dir.join(WEIGHTS_FILE),
                name: "classifier.weight (a base BERT, not a trained report model)".into(),
            });
        }
        Ok(model)
    }

    /// Whether the folder carried the classification head.
    pub fn has_head(&self) -> bool {
        self.has_head
    }

    /// The calibration applied to every probability (`calibration.json` of the folder;
    /// temperature 1 without one).
    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// The encoder's configuration.
    pub fn config(&self) -> &BertConfig {
        &self.config
    }

    /// The folder it was loaded from.
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
            .encode(text, &[], self.config.max_position_embeddings, 0)?;
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
        let refs: Vec<&[u32]> = windows.iter().map(|w| w.as_slice()).collect();
        let (ids, types, mask) = batch_tensors::<B>(&refs, self.tokenizer.pad, &self.device);
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

    /// Encodes sentences for this model (errors name the sentence's index).
    fn encode_all(
        &self,
        sentences: &[CharMentions<'_>],
    ) -> Result<Vec<EncodedSentence>, ModelError> {
        sentences
            .iter()
            .enumerate()
            .map(|(i, s)| {
                self.tokenizer
                    .encode(s.text, &s.spans, self.config.max_position_embeddings, i)
            })
            .collect()
    }

    /// P(abnormal) of every mention of every sentence: the mean of its tokens' probabilities,
    /// calibrated ([`Self::calibration`]). A sentence that cannot be encoded (e.g. a span that
    /// covers no word piece) is an error naming its index.
    pub fn score(&self, sentences: &[CharMentions<'_>]) -> Result<Vec<Vec<f64>>, ModelError>
    where
        TokenClassifier<B>: Sync,
    {
        let encoded = self.encode_all(sentences)?;
        let mut scores = mention_probabilities(&self.model, &encoded, self.tokenizer.pad);
        for p in scores.iter_mut().flatten() {
            *p = self.calibration.apply(*p);
        }
        Ok(scores)
    }
}
