//! The Hugging Face BERT `config.json` fields the encoder needs.

use serde::{Deserialize, Serialize};

/// Shape and constants of a BERT encoder, read from a checkpoint's `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BertConfig {
    /// Word pieces in the vocabulary (rows of the embedding table).
    pub vocab_size: usize,
    /// Width of the hidden states.
    pub hidden_size: usize,
    /// Encoder layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Most word pieces per window, `[CLS]` and `[SEP]` included.
    pub max_position_embeddings: usize,
    /// Token types (segments).
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: usize,
    /// Layer-norm epsilon.
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    /// The activation (only `gelu`, the erf GELU, is supported).
    #[serde(default = "default_act")]
    pub hidden_act: String,
    /// Dropout of the hidden states in training.
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    /// Dropout of the attention weights in training.
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f64,
    /// The padding token.
    #[serde(default)]
    pub pad_token_id: usize,
    /// Every other field of the original file, written back unchanged when we save.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

fn default_type_vocab() -> usize {
    2
}
fn default_eps() -> f64 {
    1e-12
}
fn default_act() -> String {
    "gelu".into()
}
fn default_dropout() -> f64 {
    0.1
}

impl BertConfig {
    /// A small configuration for tests and experiments.
    pub fn tiny(
        vocab_size: usize,
        hidden_size: usize,
        layers: usize,
        heads: usize,
        max_positions: usize,
    ) -> Self {
        Self {
            vocab_size,
            hidden_size,
            num_hidden_layers: layers,
            num_attention_heads: heads,
            intermediate_size: hidden_size * 4,
            max_position_embeddings: max_positions,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            hidden_act: "gelu".into(),
            hidden_dropout_prob: 0.1,
            attention_probs_dropout_prob: 0.1,
            pad_token_id: 0,
            other: serde_json::Map::new(),
        }
    }

    /// Checks what the encoder relies on; the message says which field is wrong.
    pub fn check(&self) -> Result<(), String> {
        if self.hidden_size == 0 || self.num_attention_heads == 0 {
            return Err("hidden_size and num_attention_heads must be positive".into());
        }
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return Err(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            ));
        }
        if self.hidden_act != "gelu" {
            return Err(format!(
                "hidden_act `{}` is not supported (only the erf GELU, `gelu`)",
                self.hidden_act
            ));
        }
        if self.max_position_embeddings < 3 {
            return Err("max_position_embeddings must be at least 3 ([CLS] x [SEP])".into());
        }
        for (name, p) in [
            ("hidden_dropout_prob", self.hidden_dropout_prob),
            (
                "attention_probs_dropout_prob",
                self.attention_probs_dropout_prob,
            ),
        ] {
            if !(0.0..1.0).contains(&p) {
                return Err(format!("{name} {p} is not in [0, 1)"));
            }
        }
        Ok(())
    }
}
