//! The masked-language-model head of BERT pre-training, in Hugging Face's layout
//! (`cls.predictions.transform.dense`, `.LayerNorm`, `cls.predictions.bias`, the decoder tied
//! to the word embeddings), with the encoder it sits on.

use crate::bert::{Bert, TokenClassifier};
use crate::config::BertConfig;
use crate::error::ModelError;
use crate::weights::TensorMap;
use burn::module::{Module, Param};
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::{gelu, log_softmax};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

const DENSE: &str = "cls.predictions.transform.dense";
const NORM: &str = "cls.predictions.transform.LayerNorm";
const BIAS: &str = "cls.predictions.bias";

/// The prediction head: dense + GELU + layer norm, then the tied decoder plus a bias.
#[derive(Module, Debug)]
pub(crate) struct MlmHead<B: Backend> {
    dense: Linear<B>,
    norm: LayerNorm<B>,
    bias: Param<Tensor<B, 1>>,
}

/// The encoder with the prediction head.
#[derive(Module, Debug)]
pub(crate) struct MlmModel<B: Backend> {
    bert: Bert<B>,
    head: MlmHead<B>,
}

impl<B: Backend> MlmHead<B> {
    /// A freshly initialised head (from the backend's generator).
    fn init(config: &BertConfig, device: &B::Device) -> Self {
        let h = config.hidden_size;
        Self {
            dense: LinearConfig::new(h, h).init(device),
            norm: LayerNormConfig::new(h)
                .with_epsilon(config.layer_norm_eps)
                .init(device),
            bias: Param::from_tensor(Tensor::zeros([config.vocab_size], device)),
        }
    }
}

impl<B: Backend> MlmModel<B> {
    /// The MLM model from a folder's weights: the encoder, and HF's prediction head when the
    /// weights have it (a fresh one otherwise).
    pub(crate) fn from_weights(
        mut weights: TensorMap,
        config: &BertConfig,
        device: &B::Device,
    ) -> Result<Self, ModelError> {
        let mut head = MlmHead::init(config, device);
        if weights.tensors.contains_key(&format!("{DENSE}.weight")) {
            let h = config.hidden_size;
            head = MlmHead {
                dense: weights.linear(DENSE, h, h, device)?,
                norm: weights.layer_norm(NORM, head.norm, h, device)?,
                bias: weights.param(BIAS, [config.vocab_size], device)?,
            };
        }
        weights.tensors.retain(|k, _| !k.starts_with("cls."));
        let (classifier, _) =
            weights.load_into(config, TokenClassifier::init(config, device), device)?;
        Ok(Self {
            bert: classifier.bert,
            head,
        })
    }

    /// The encoder's and the head's weights (no classification head).
    pub(crate) fn to_weights(&self) -> TensorMap {
        let mut map = TensorMap::default();
        map.put_bert(&self.bert);
        map.put_linear(DENSE, &self.head.dense);
        map.put_layer_norm(NORM, &self.head.norm);
        map.put(BIAS, self.head.bias.val());
        map
    }

    /// Cross-entropy of the original pieces at `positions` (flat indices into batch x seq).
    pub(crate) fn loss(
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
