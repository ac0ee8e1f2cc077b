//! Model weights as safetensors (`model.safetensors`) in Hugging Face's BERT names, with our
//! token-classification head stored beside the encoder as `classifier.weight` [1, hidden] and
//! `classifier.bias` [1] (HF's layout for a linear layer).
//!
//! Tensor names are HF's (`embeddings.word_embeddings.weight`, `encoder.layer.N....`), with or
//! without the `bert.` prefix that task models add.

use crate::bert::{Bert, Embeddings, Layer, TokenClassifier};
use crate::config::BertConfig;
use crate::error::ModelError;
use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, Linear};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The head's weight tensor.
pub(crate) const HEAD_WEIGHT: &str = "classifier.weight";
/// The head's bias tensor.
pub(crate) const HEAD_BIAS: &str = "classifier.bias";

/// A model's weights: named f32 tensors (shape, row-major values) by HF name without the
/// `bert.` prefix.
#[derive(Debug, Default, Clone)]
pub struct TensorMap {
    /// The tensors by name.
    pub tensors: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
    /// Where they came from, for messages.
    pub path: PathBuf,
}

impl TensorMap {
    /// Reads a safetensors file (integer buffers such as `position_ids` are skipped).
    pub fn read(path: &Path) -> Result<Self, ModelError> {
        let bytes = std::fs::read(path).map_err(|e| ModelError::file(path, e))?;
        let st = SafeTensors::deserialize(&bytes).map_err(|e| ModelError::BadWeights {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut tensors = BTreeMap::new();
        for (name, view) in st.tensors() {
            // Integer buffers (e.g. `embeddings.position_ids`) are not weights.
            if matches!(
                view.dtype(),
                Dtype::I64 | Dtype::I32 | Dtype::U8 | Dtype::BOOL
            ) {
                continue;
            }
            let values = to_f32(&view).ok_or_else(|| ModelError::BadWeights {
                path: path.to_path_buf(),
                message: format!(
                    "tensor `{name}` has dtype {:?}; only F32, F16 and BF16 are read",
                    view.dtype()
                ),
            })?;
            let name = name.strip_prefix("bert.").unwrap_or(&name).to_string();
            tensors.insert(name, (view.shape().to_vec(), values));
        }
        Ok(Self {
            tensors,
            path: path.to_path_buf(),
        })
    }

    /// Writes the tensors as f32 safetensors, atomically.
    pub fn write(&self, path: &Path) -> Result<(), ModelError> {
        let bytes: HashMap<&String, (Vec<usize>, Vec<u8>)> = self
            .tensors
            .iter()
            .map(|(name, (shape, values))| {
                (
                    name,
                    (
                        shape.clone(),
                        values.iter().flat_map(|v| v.to_le_bytes()).collect(),
                    ),
                )
            })
            .collect();
        let views: Vec<(&String, TensorView<'_>)> = bytes
            .iter()
            .map(|(name, (shape, data))| {
                (
                    *name,
                    TensorView::new(Dtype::F32, shape.clone(), data)
                        .expect("sizes match by construction"),
                )
            })
            .collect();
        let buffer = safetensors::serialize(views, None).map_err(|e| ModelError::BadWeights {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        uptake_core::write_atomic(path, |w| std::io::Write::write_all(w, &buffer))?;
        Ok(())
    }

    fn take(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, ModelError> {
        let (found, values) =
            self.tensors
                .remove(name)
                .ok_or_else(|| ModelError::MissingTensor {
                    path: self.path.clone(),
                    name: name.to_string(),
                })?;
        if found != shape {
            return Err(ModelError::WrongShape {
                path: self.path.clone(),
                name: name.to_string(),
                expected: shape.to_vec(),
                found,
            });
        }
        Ok(values)
    }

    pub(crate) fn param<B: Backend, const D: usize>(
        &mut self,
        name: &str,
        shape: [usize; D],
        device: &B::Device,
    ) -> Result<Param<Tensor<B, D>>, ModelError> {
        let values = self.take(name, &shape)?;
        Ok(Param::from_tensor(Tensor::from_data(
            TensorData::new(values, shape),
            device,
        )))
    }

    /// HF stores linear weights [out, in]; burn's `Linear` wants [in, out].
    pub(crate) fn linear<B: Backend>(
        &mut self,
        prefix: &str,
        d_in: usize,
        d_out: usize,
        device: &B::Device,
    ) -> Result<Linear<B>, ModelError> {
        let w = self.take(&format!("{prefix}.weight"), &[d_out, d_in])?;
        let bias = self.param(&format!("{prefix}.bias"), [d_out], device)?;
        let wt = transpose(&w, d_out, d_in);
        Ok(Linear {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(wt, [d_in, d_out]),
                device,
            )),
            bias: Some(bias),
        })
    }

    pub(crate) fn layer_norm<B: Backend>(
        &mut self,
        prefix: &str,
        mut norm: LayerNorm<B>,
        d: usize,
        device: &B::Device,
    ) -> Result<LayerNorm<B>, ModelError> {
        // Old TF-converted checkpoints call them gamma/beta.
        let (w, b) = if self.tensors.contains_key(&format!("{prefix}.gamma")) {
            ("gamma", "beta")
        } else {
            ("weight", "bias")
        };
        norm.gamma = self.param(&format!("{prefix}.{w}"), [d], device)?;
        norm.beta = Some(self.param(&format!("{prefix}.{b}"), [d], device)?);
        Ok(norm)
    }

    /// Fills a freshly initialised model (which fixes the non-weight settings) with these weights.
    /// Every encoder tensor must be present with the configured shape. The head is loaded when
    /// present; returns whether it was.
    pub(crate) fn load_into<B: Backend>(
        mut self,
        config: &BertConfig,
        model: TokenClassifier<B>,
        device: &B::Device,
    ) -> Result<(TokenClassifier<B>, bool), ModelError> {
        let TokenClassifier { bert, head } = model;
        let bert = self.load_bert(config, bert, device)?;
        let has_head = self.tensors.contains_key(HEAD_WEIGHT);
        let head = if has_head {
            self.linear("classifier", config.hidden_size, 1, device)?
        } else {
            head
        };
        Ok((TokenClassifier { bert, head }, has_head))
    }

    /// The encoder with these weights.
    pub(crate) fn load_bert<B: Backend>(
        &mut self,
        config: &BertConfig,
        bert: Bert<B>,
        device: &B::Device,
    ) -> Result<Bert<B>, ModelError> {
        let h = config.hidden_size;
        let Bert { embeddings, layers } = bert;
        let Embeddings { norm, dropout, .. } = embeddings;
        let mut table = |name: &str, rows: usize| -> Result<Embedding<B>, ModelError> {
            let weight = self.param(&format!("embeddings.{name}.weight"), [rows, h], device)?;
            Ok(Embedding { weight })
        };
        let embeddings = Embeddings {
            word: table("word_embeddings", config.vocab_size)?,
            position: table("position_embeddings", config.max_position_embeddings)?,
            token_type: table("token_type_embeddings", config.type_vocab_size)?,
            norm: self.layer_norm("embeddings.LayerNorm", norm, h, device)?,
            dropout,
        };
        let layers = layers
            .into_iter()
            .enumerate()
            .map(|(n, layer)| self.load_layer(config, n, layer, device))
            .collect::<Result<_, _>>()?;
        Ok(Bert { embeddings, layers })
    }

    /// Encoder layer `n` with these weights.
    fn load_layer<B: Backend>(
        &mut self,
        config: &BertConfig,
        n: usize,
        layer: Layer<B>,
        device: &B::Device,
    ) -> Result<Layer<B>, ModelError> {
        let (h, i) = (config.hidden_size, config.intermediate_size);
        let p = format!("encoder.layer.{n}");
        Ok(Layer {
            query: self.linear(&format!("{p}.attention.self.query"), h, h, device)?,
            key: self.linear(&format!("{p}.attention.self.key"), h, h, device)?,
            value: self.linear(&format!("{p}.attention.self.value"), h, h, device)?,
            attention_output: self.linear(&format!("{p}.attention.output.dense"), h, h, device)?,
            attention_norm: self.layer_norm(
                &format!("{p}.attention.output.LayerNorm"),
                layer.attention_norm,
                h,
                device,
            )?,
            intermediate: self.linear(&format!("{p}.intermediate.dense"), h, i, device)?,
            output: self.linear(&format!("{p}.output.dense"), i, h, device)?,
            output_norm: self.layer_norm(
                &format!("{p}.output.LayerNorm"),
                layer.output_norm,
                h,
                device,
            )?,
            dropout: layer.dropout,
            attention_dropout: layer.attention_dropout,
            n_heads: layer.n_heads,
        })
    }

    /// The weights of a model, by HF name (no `bert.` prefix), head included.
    ///
    /// The order of reading matters for a freshly initialised model: burn draws a lazily
    /// initialised parameter when it is first read, so this order (embeddings, the head, the
    /// layers' linear layers, then the norms) fixes which random numbers each tensor gets, and
    /// with it every [`crate::init_random_model`] folder.
    pub(crate) fn from_model<B: Backend>(model: &TokenClassifier<B>) -> Self {
        let mut map = Self::default();
        map.put_embeddings(&model.bert.embeddings);
        map.put_linear("classifier", &model.head);
        map.put_layers(&model.bert);
        map
    }

    /// Adds the encoder's tensors.
    pub(crate) fn put_bert<B: Backend>(&mut self, bert: &Bert<B>) {
        self.put_embeddings(&bert.embeddings);
        self.put_layers(bert);
    }

    /// Adds the three embedding tables (their norm comes with the layers').
    fn put_embeddings<B: Backend>(&mut self, e: &Embeddings<B>) {
        self.put("embeddings.word_embeddings.weight", e.word.weight.val());
        self.put(
            "embeddings.position_embeddings.weight",
            e.position.weight.val(),
        );
        self.put(
            "embeddings.token_type_embeddings.weight",
            e.token_type.weight.val(),
        );
    }

    /// Adds the encoder's layers: all linear layers, then all norms.
    fn put_layers<B: Backend>(&mut self, bert: &Bert<B>) {
        for (n, l) in bert.layers.iter().enumerate() {
            let p = format!("encoder.layer.{n}");
            self.put_linear(&format!("{p}.attention.self.query"), &l.query);
            self.put_linear(&format!("{p}.attention.self.key"), &l.key);
            self.put_linear(&format!("{p}.attention.self.value"), &l.value);
            self.put_linear(&format!("{p}.attention.output.dense"), &l.attention_output);
            self.put_linear(&format!("{p}.intermediate.dense"), &l.intermediate);
            self.put_linear(&format!("{p}.output.dense"), &l.output);
        }
        self.put_layer_norm("embeddings.LayerNorm", &bert.embeddings.norm);
        for (n, l) in bert.layers.iter().enumerate() {
            let p = format!("encoder.layer.{n}");
            self.put_layer_norm(
                &format!("{p}.attention.output.LayerNorm"),
                &l.attention_norm,
            );
            self.put_layer_norm(&format!("{p}.output.LayerNorm"), &l.output_norm);
        }
    }

    /// Adds a tensor under `name`.
    pub(crate) fn put<B: Backend, const D: usize>(&mut self, name: &str, t: Tensor<B, D>) {
        let shape = t.dims().to_vec();
        let values = t.into_data().convert::<f32>().to_vec().expect("f32 data");
        self.tensors.insert(name.to_string(), (shape, values));
    }

    /// Adds a linear layer in HF's layout: the weight [out, in], then the bias.
    pub(crate) fn put_linear<B: Backend>(&mut self, prefix: &str, linear: &Linear<B>) {
        self.put(&format!("{prefix}.weight"), linear.weight.val().transpose());
        if let Some(b) = &linear.bias {
            self.put(&format!("{prefix}.bias"), b.val());
        }
    }

    /// Adds a layer norm as HF names it (`weight` and `bias`).
    pub(crate) fn put_layer_norm<B: Backend>(&mut self, prefix: &str, norm: &LayerNorm<B>) {
        self.put(&format!("{prefix}.weight"), norm.gamma.val());
        if let Some(b) = &norm.beta {
            self.put(&format!("{prefix}.bias"), b.val());
        }
    }
}

fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; values.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = values[r * cols + c];
        }
    }
    out
}

fn to_f32(view: &TensorView<'_>) -> Option<Vec<f32>> {
    let data = view.data();
    match view.dtype() {
        Dtype::F32 => Some(
            data.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        ),
        Dtype::F16 => Some(
            data.chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
        ),
        Dtype::BF16 => Some(
            data.chunks_exact(2)
                .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
        ),
        _ => None,
    }
}
