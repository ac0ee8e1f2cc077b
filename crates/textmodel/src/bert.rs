//! The BERT encoder (Hugging Face `BertModel` semantics: learned absolute positions, post-LN
//! layers, erf GELU) and the per-token classification head, as burn modules.

use crate::config::BertConfig;
use burn::module::Module;
use burn::nn::{
    Dropout, DropoutConfig, Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear,
    LinearConfig,
};
use burn::tensor::activation::{gelu, softmax};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

/// Added to attention scores of padding keys: softmax gives them weight 0.
const MASKED_SCORE: f32 = -1.0e9;

#[derive(Module, Debug)]
pub struct Embeddings<B: Backend> {
    pub word: Embedding<B>,
    pub position: Embedding<B>,
    pub token_type: Embedding<B>,
    pub norm: LayerNorm<B>,
    pub dropout: Dropout,
}

#[derive(Module, Debug)]
pub struct Layer<B: Backend> {
    pub query: Linear<B>,
    pub key: Linear<B>,
    pub value: Linear<B>,
    pub attention_output: Linear<B>,
    pub attention_norm: LayerNorm<B>,
    pub intermediate: Linear<B>,
    pub output: Linear<B>,
    pub output_norm: LayerNorm<B>,
    pub dropout: Dropout,
    pub attention_dropout: Dropout,
    pub n_heads: usize,
}

#[derive(Module, Debug)]
pub struct Bert<B: Backend> {
    pub embeddings: Embeddings<B>,
    pub layers: Vec<Layer<B>>,
}

/// BERT plus one linear layer giving a logit per token.
#[derive(Module, Debug)]
pub struct TokenClassifier<B: Backend> {
    pub bert: Bert<B>,
    pub head: Linear<B>,
}

impl<B: Backend> Embeddings<B> {
    pub fn init(config: &BertConfig, device: &B::Device) -> Self {
        let h = config.hidden_size;
        // BERT's initialiser: N(0, 0.02).
        let init = burn::module::Initializer::Normal {
            mean: 0.0,
            std: 0.02,
        };
        Self {
            word: EmbeddingConfig::new(config.vocab_size, h)
                .with_initializer(init.clone())
                .init(device),
            position: EmbeddingConfig::new(config.max_position_embeddings, h)
                .with_initializer(init.clone())
                .init(device),
            token_type: EmbeddingConfig::new(config.type_vocab_size, h)
                .with_initializer(init)
                .init(device),
            norm: LayerNormConfig::new(h)
                .with_epsilon(config.layer_norm_eps)
                .init(device),
            dropout: DropoutConfig::new(config.hidden_dropout_prob).init(),
        }
    }

    /// `ids`, `type_ids`: [batch, seq] -> [batch, seq, hidden].
    pub fn forward(&self, ids: Tensor<B, 2, Int>, type_ids: Tensor<B, 2, Int>) -> Tensor<B, 3> {
        let [batch, seq] = ids.dims();
        let device = ids.device();
        let positions = Tensor::<B, 1, Int>::arange(0..seq as i64, &device)
            .reshape([1, seq])
            .repeat_dim(0, batch);
        let x = self.word.forward(ids)
            + self.position.forward(positions)
            + self.token_type.forward(type_ids);
        self.dropout.forward(self.norm.forward(x))
    }
}

impl<B: Backend> Layer<B> {
    pub fn init(config: &BertConfig, device: &B::Device) -> Self {
        let h = config.hidden_size;
        let i = config.intermediate_size;
        let init = burn::module::Initializer::Normal {
            mean: 0.0,
            std: 0.02,
        };
        let linear = |a, b| {
            LinearConfig::new(a, b)
                .with_initializer(init.clone())
                .init(device)
        };
        let norm = || {
            LayerNormConfig::new(h)
                .with_epsilon(config.layer_norm_eps)
                .init(device)
        };
        Self {
            query: linear(h, h),
            key: linear(h, h),
            value: linear(h, h),
            attention_output: linear(h, h),
            attention_norm: norm(),
            intermediate: linear(h, i),
            output: linear(i, h),
            output_norm: norm(),
            dropout: DropoutConfig::new(config.hidden_dropout_prob).init(),
            attention_dropout: DropoutConfig::new(config.attention_probs_dropout_prob).init(),
            n_heads: config.num_attention_heads,
        }
    }

    /// `x`: [batch, seq, hidden]; `mask_bias`: [batch, 1, 1, seq] (0 for tokens, very negative
    /// for padding).
    pub fn forward(&self, x: Tensor<B, 3>, mask_bias: Tensor<B, 4>) -> Tensor<B, 3> {
        let [batch, seq, hidden] = x.dims();
        let head_dim = hidden / self.n_heads;
        let heads = |t: Tensor<B, 3>| {
            t.reshape([batch, seq, self.n_heads, head_dim])
                .swap_dims(1, 2)
        };
        let q = heads(self.query.forward(x.clone()));
        let k = heads(self.key.forward(x.clone()));
        let v = heads(self.value.forward(x.clone()));
        let scores = q
            .matmul(k.swap_dims(2, 3))
            .div_scalar((head_dim as f64).sqrt())
            + mask_bias;
        let probs = self.attention_dropout.forward(softmax(scores, 3));
        let context = probs
            .matmul(v)
            .swap_dims(1, 2)
            .reshape([batch, seq, hidden]);
        let attended = self.dropout.forward(self.attention_output.forward(context));
        let x = self.attention_norm.forward(attended + x);
        let ff = self
            .output
            .forward(gelu(self.intermediate.forward(x.clone())));
        self.output_norm.forward(self.dropout.forward(ff) + x)
    }
}

impl<B: Backend> Bert<B> {
    /// A randomly initialised encoder (tests, and re-initialised rows).
    pub fn init(config: &BertConfig, device: &B::Device) -> Self {
        Self {
            embeddings: Embeddings::init(config, device),
            layers: (0..config.num_hidden_layers)
                .map(|_| Layer::init(config, device))
                .collect(),
        }
    }

    /// Hidden states [batch, seq, hidden]. `mask` is 1 for real tokens, 0 for padding.
    /// The first `frozen_layers` (and the embeddings, when > 0) get no gradient.
    pub fn forward(
        &self,
        ids: Tensor<B, 2, Int>,
        type_ids: Tensor<B, 2, Int>,
        mask: Tensor<B, 2>,
        frozen_layers: usize,
    ) -> Tensor<B, 3> {
        let [batch, seq] = mask.dims();
        let mask_bias = (mask.neg().add_scalar(1.0))
            .mul_scalar(MASKED_SCORE)
            .reshape([batch, 1, 1, seq]);
        let mut x = self.embeddings.forward(ids, type_ids);
        if frozen_layers > 0 {
            x = x.detach();
        }
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x, mask_bias.clone());
            if i < frozen_layers {
                x = x.detach();
            }
        }
        x
    }
}

impl<B: Backend> TokenClassifier<B> {
    pub fn init(config: &BertConfig, device: &B::Device) -> Self {
        let init = burn::module::Initializer::Normal {
            mean: 0.0,
            std: 0.02,
        };
        Self {
            bert: Bert::init(config, device),
            head: LinearConfig::new(config.hidden_size, 1)
                .with_initializer(init)
                .init(device),
        }
    }

    /// One logit per token: [batch, seq].
    pub fn forward(
        &self,
        ids: Tensor<B, 2, Int>,
        type_ids: Tensor<B, 2, Int>,
        mask: Tensor<B, 2>,
        frozen_layers: usize,
    ) -> Tensor<B, 2> {
        let hidden = self.bert.forward(ids, type_ids, mask, frozen_layers);
        let [batch, seq, _] = hidden.dims();
        self.head.forward(hidden).reshape([batch, seq])
    }
}
