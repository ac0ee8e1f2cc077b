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
use burn::tensor::{ElementConversion, Int, Tensor};

/// Added to attention scores of padding keys: softmax gives them weight 0.
const MASKED_SCORE: f32 = -1.0e9;

/// GELU. Training uses burn's (exact erf, with its backward pass); inference computes erf with
/// a branch-free rational approximation the compiler vectorises: the backend's scalar erf
/// took a fifth of the CPU labelling time. Agrees with the exact GELU to better than 1e-6.
fn gelu_any<B: Backend>(x: Tensor<B, 3>) -> Tensor<B, 3> {
    let device = x.device();
    if B::ad_enabled(&device) {
        return gelu(x);
    }
    let dims = x.dims();
    let mut values = x
        .into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .expect("data converted to f32 reads as f32");
    for v in values.iter_mut() {
        *v = 0.5 * *v * (1.0 + erf_fast(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
    Tensor::from_data(burn::tensor::TensorData::new(values, dims), &device)
}

/// erf(x) as x * P(x^2) / Q(x^2) on x clamped to [-4, 4] (the rational form XLA and Eigen
/// use for f32; beyond 4, erf is 1 to f32 precision).
#[inline(always)]
pub(crate) fn erf_fast(x: f32) -> f32 {
    const ALPHA: [f32; 7] = [
        -2.726_142_3e-10,
        2.770_681_4e-8,
        -2.101_024e-6,
        -5.692_506_4e-5,
        -7.349_906_3e-4,
        -2.954_600_3e-3,
        -1.609_603_3e-2,
    ];
    const BETA: [f32; 5] = [
        -1.456_607_2e-5,
        -2.133_740_6e-4,
        -1.682_827e-3,
        -7.373_329e-3,
        -1.426_474e-2,
    ];
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = ALPHA[0];
    for a in &ALPHA[1..] {
        p = p * x2 + a;
    }
    let mut q = BETA[0];
    for b in &BETA[1..] {
        q = q * x2 + b;
    }
    x * p / q
}

/// `linear` on [batch, seq, in] as one [batch * seq, in] matrix product: a rank-3 input would
/// be multiplied batch row by batch row, many small products that are much slower on a CPU.
fn rows<B: Backend>(linear: &Linear<B>, x: Tensor<B, 3>) -> Tensor<B, 3> {
    let [batch, seq, width] = x.dims();
    let y = linear.forward(x.reshape([batch * seq, width]));
    let out = y.dims()[1];
    y.reshape([batch, seq, out])
}

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
    /// for padding), `None` when nothing is padded.
    pub fn forward(&self, x: Tensor<B, 3>, mask_bias: Option<Tensor<B, 4>>) -> Tensor<B, 3> {
        let [batch, seq, hidden] = x.dims();
        let head_dim = hidden / self.n_heads;
        let heads = |t: Tensor<B, 3>| {
            t.reshape([batch, seq, self.n_heads, head_dim])
                .swap_dims(1, 2)
        };
        let q = heads(rows(&self.query, x.clone()));
        let k = heads(rows(&self.key, x.clone()));
        let v = heads(rows(&self.value, x.clone()));
        let mut scores = q
            .matmul(k.swap_dims(2, 3))
            .div_scalar((head_dim as f64).sqrt());
        if let Some(bias) = mask_bias {
            scores = scores + bias;
        }
        let probs = self.attention_dropout.forward(softmax(scores, 3));
        let context = probs.matmul(v);
        let context = context.swap_dims(1, 2).reshape([batch, seq, hidden]);
        let attended = self.dropout.forward(rows(&self.attention_output, context));
        let x = self.attention_norm.forward(attended + x);
        let ff = rows(&self.output, gelu_any(rows(&self.intermediate, x.clone())));
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
        // Batches are formed by length, so many have no padding: then no bias to add.
        let padded = mask.clone().min().into_scalar().elem::<f32>() < 0.5;
        let mask_bias = padded.then(|| {
            (mask.neg().add_scalar(1.0))
                .mul_scalar(MASKED_SCORE)
                .reshape([batch, 1, 1, seq])
        });
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
        rows(&self.head, hidden).reshape([batch, seq])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_erf_matches_the_exact_erf_to_1e6() {
        let mut worst = 0f64;
        for i in -8000..=8000 {
            let x = i as f32 / 1000.0;
            let exact = libm_erf(x as f64);
            worst = worst.max((erf_fast(x) as f64 - exact).abs());
        }
        assert!(worst < 1e-6, "max error {worst}");
    }

    /// erf by its Taylor series (|x| <= 3) or continued fraction: an independent reference.
    fn libm_erf(x: f64) -> f64 {
        let sign = x.signum();
        let a = x.abs();
        if a < 3.0 {
            let (mut term, mut sum, mut n) = (a, a, 0.0);
            while term.abs() > 1e-17 {
                n += 1.0;
                term *= -a * a / n;
                sum += term / (2.0 * n + 1.0);
            }
            sign * sum * 2.0 / std::f64::consts::PI.sqrt()
        } else {
            // erfc(a) = exp(-a^2)/sqrt(pi) * 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...))))
            let mut f = a;
            for k in (1..60).rev() {
                f = a + (k as f64 / 2.0) / f;
            }
            sign * (1.0 - (-a * a).exp() / std::f64::consts::PI.sqrt() / f)
        }
    }
}
