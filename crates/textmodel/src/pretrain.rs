//! Domain pre-training by masked language modelling (method.md, section 2): 15 % of the word
//! pieces of each window are chosen; of those 80 % become [MASK], 10 % a random piece, 10 %
//! stay; the loss is cross-entropy on the chosen positions only. The prediction head is HF's
//! (`cls.predictions.transform.dense`, `.LayerNorm`, `cls.predictions.bias`, decoder tied to the
//! word embeddings); it is loaded when the base has it and initialised otherwise, and saved
//! beside the encoder so the output folder is a base model for `train` (and for more
//! pre-training). Next-sentence prediction is not implemented.

use crate::bert::{Bert, TokenClassifier};
use crate::checkpoint::{self, TensorMap, WEIGHTS_FILE};
use crate::error::ModelError;
use crate::model::batch_tensors;
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
use std::path::Path;

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
    Start {
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

/// Continues pre-training `base` on `texts` and writes the result to `out`.
pub fn pretrain(
    texts: &[String],
    base: &Path,
    out: &Path,
    options: &PretrainOptions,
    on_event: &mut dyn FnMut(PretrainEvent),
) -> Result<f64, ModelError> {
    let device = Default::default();
    Train::seed(&device, options.seed);
    let config = checkpoint::read_config(base)?;
    let tok = WordPieces::load(base)?;
    let max_len = options.max_len.min(config.max_position_embeddings).max(3);
    let mut weights = TensorMap::read(&base.join(WEIGHTS_FILE))?;
    let h = config.hidden_size;
    let mut head = MlmHead {
        dense: LinearConfig::new(h, h).init(&device),
        norm: LayerNormConfig::new(h)
            .with_epsilon(config.layer_norm_eps)
            .init(&device),
        bias: Param::from_tensor(Tensor::zeros([config.vocab_size], &device)),
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
        head = sub.load_mlm_head(head, &config, &device)?;
    }
    weights.tensors.retain(|k, _| !k.starts_with("cls."));
    let (classifier, _) =
        weights.load_into(&config, TokenClassifier::init(&config, &device), &device)?;
    let mut model = MlmModel {
        bert: classifier.bert,
        head,
    };

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
    let batches = windows.len().div_ceil(options.batch_size.max(1));
    on_event(PretrainEvent::Start {
        windows: windows.len(),
        batches_per_epoch: batches,
        epochs: options.epochs,
    });
    let mut optim = AdamConfig::new()
        .with_epsilon(1e-8)
        .init::<Train, MlmModel<Train>>();
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut last = f64::NAN;
    for epoch in 1..=options.epochs {
        let mut order: Vec<usize> = (0..windows.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        let mut sum = 0.0;
        let mut count = 0;
        for chunk in order.chunks(options.batch_size.max(1)) {
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
        last = sum / count.max(1) as f64;
        on_event(PretrainEvent::Epoch {
            epoch,
            mean_loss: last,
        });
    }
    // Save: encoder (no classification head) + MLM head, tokenizer files, config.
    std::fs::create_dir_all(out).map_err(|e| ModelError::file(out, e))?;
    let MlmModel { bert, head } = model;
    let classifier = TokenClassifier {
        bert,
        head: LinearConfig::new(h, 1).init(&device),
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
    map.write(&out.join(WEIGHTS_FILE))?;
    checkpoint::write_config(out, &config)?;
    for name in [
        "tokenizer.json",
        "vocab.txt",
        "tokenizer_config.json",
        "special_tokens_map.json",
    ] {
        let from = base.join(name);
        if from.is_file() {
            let bytes = std::fs::read(&from).map_err(|e| ModelError::file(&from, e))?;
            uptake_core::write_atomic(&out.join(name), |w| std::io::Write::write_all(w, &bytes))?;
        }
    }
    Ok(last)
}
