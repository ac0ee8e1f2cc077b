//! Reading and writing Hugging Face BERT checkpoint folders (`config.json` +
//! `model.safetensors`), with our token-classification head stored beside the encoder as
//! `classifier.weight` [1, hidden] and `classifier.bias` [1] (HF's layout for a linear layer).
//!
//! Tensor names are HF's (`embeddings.word_embeddings.weight`, `encoder.layer.N....`), with or
//! without the `bert.` prefix that task models add. A saved folder is itself a valid base model.

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

pub const CONFIG_FILE: &str = "config.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const HEAD_WEIGHT: &str = "classifier.weight";
pub const HEAD_BIAS: &str = "classifier.bias";

/// Named f32 tensors, row-major, by HF name without the `bert.` prefix.
#[derive(Debug, Default, Clone)]
pub struct TensorMap {
    pub tensors: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
    /// Where they came from, for messages.
    pub path: PathBuf,
}

pub fn read_config(dir: &Path) -> Result<BertConfig, ModelError> {
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

pub fn write_config(dir: &Path, config: &BertConfig) -> Result<(), ModelError> {
    let path = dir.join(CONFIG_FILE);
    let mut value = serde_json::to_value(config).expect("config serialises");
    if let Some(obj) = value.as_object_mut() {
        obj.insert("model_type".into(), "bert".into());
    }
    uptake_core::write_atomic(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, &value)?;
        Ok(())
    })?;
    Ok(())
}

impl TensorMap {
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

    fn param<B: Backend, const D: usize>(
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
    fn linear<B: Backend>(
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

    fn layer_norm<B: Backend>(
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
    pub fn load_into<B: Backend>(
        mut self,
        config: &BertConfig,
        model: TokenClassifier<B>,
        device: &B::Device,
    ) -> Result<(TokenClassifier<B>, bool), ModelError> {
        let h = config.hidden_size;
        let i = config.intermediate_size;
        let TokenClassifier { bert, head } = model;
        let Bert { embeddings, layers } = bert;
        let Embeddings { norm, dropout, .. } = embeddings;
        let embeddings = Embeddings {
            word: Embedding {
                weight: self.param(
                    "embeddings.word_embeddings.weight",
                    [config.vocab_size, h],
                    device,
                )?,
            },
            position: Embedding {
                weight: self.param(
                    "embeddings.position_embeddings.weight",
                    [config.max_position_embeddings, h],
                    device,
                )?,
            },
            token_type: Embedding {
                weight: self.param(
                    "embeddings.token_type_embeddings.weight",
                    [config.type_vocab_size, h],
                    device,
                )?,
            },
            norm: self.layer_norm("embeddings.LayerNorm", norm, h, device)?,
            dropout,
        };
        let mut loaded = Vec::with_capacity(layers.len());
        for (n, layer) in layers.into_iter().enumerate() {
            let p = format!("encoder.layer.{n}");
            loaded.push(Layer {
                query: self.linear(&format!("{p}.attention.self.query"), h, h, device)?,
                key: self.linear(&format!("{p}.attention.self.key"), h, h, device)?,
                value: self.linear(&format!("{p}.attention.self.value"), h, h, device)?,
                attention_output: self.linear(
                    &format!("{p}.attention.output.dense"),
                    h,
                    h,
                    device,
                )?,
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
            });
        }
        let has_head = self.tensors.contains_key(HEAD_WEIGHT);
        let head = if has_head {
            self.linear("classifier", h, 1, device)?
        } else {
            head
        };
        Ok((
            TokenClassifier {
                bert: Bert {
                    embeddings,
                    layers: loaded,
                },
                head,
            },
            has_head,
        ))
    }

    /// Fills the masked-language-model head from `cls.predictions.*` tensors.
    pub(crate) fn load_mlm_head<B: Backend>(
        mut self,
        head: crate::pretrain::MlmHead<B>,
        config: &BertConfig,
        device: &B::Device,
    ) -> Result<crate::pretrain::MlmHead<B>, ModelError> {
        let h = config.hidden_size;
        Ok(crate::pretrain::MlmHead {
            dense: self.linear("cls.predictions.transform.dense", h, h, device)?,
            norm: self.layer_norm("cls.predictions.transform.LayerNorm", head.norm, h, device)?,
            bias: self.param("cls.predictions.bias", [config.vocab_size], device)?,
        })
    }

    /// The weights of a model, by HF name (no `bert.` prefix), head included.
    pub fn from_model<B: Backend>(model: &TokenClassifier<B>) -> Self {
        let mut map = Self::default();
        let mut put = |name: String, t: Tensor<B, 2>| {
            let shape = t.dims().to_vec();
            map.tensors.insert(
                name,
                (
                    shape,
                    t.into_data().convert::<f32>().to_vec().expect("f32 data"),
                ),
            );
        };
        let vec1 = |t: Tensor<B, 1>| {
            let n = t.dims()[0];
            t.reshape([1, n])
        };
        let e = &model.bert.embeddings;
        put(
            "embeddings.word_embeddings.weight".into(),
            e.word.weight.val(),
        );
        put(
            "embeddings.position_embeddings.weight".into(),
            e.position.weight.val(),
        );
        put(
            "embeddings.token_type_embeddings.weight".into(),
            e.token_type.weight.val(),
        );
        let mut norms: Vec<(String, &LayerNorm<B>)> =
            vec![("embeddings.LayerNorm".into(), &e.norm)];
        let mut linears: Vec<(String, &Linear<B>)> = vec![("classifier".into(), &model.head)];
        for (n, l) in model.bert.layers.iter().enumerate() {
            let p = format!("encoder.layer.{n}");
            linears.push((format!("{p}.attention.self.query"), &l.query));
            linears.push((format!("{p}.attention.self.key"), &l.key));
            linears.push((format!("{p}.attention.self.value"), &l.value));
            linears.push((format!("{p}.attention.output.dense"), &l.attention_output));
            linears.push((format!("{p}.intermediate.dense"), &l.intermediate));
            linears.push((format!("{p}.output.dense"), &l.output));
            norms.push((format!("{p}.attention.output.LayerNorm"), &l.attention_norm));
            norms.push((format!("{p}.output.LayerNorm"), &l.output_norm));
        }
        for (name, lin) in linears {
            put(format!("{name}.weight"), lin.weight.val().transpose());
            if let Some(b) = &lin.bias {
                put(format!("{name}.bias"), vec1(b.val()));
            }
        }
        for (name, norm) in norms {
            put(format!("{name}.weight"), vec1(norm.gamma.val()));
            if let Some(b) = &norm.beta {
                put(format!("{name}.bias"), vec1(b.val()));
            }
        }
        // 1-D tensors were reshaped to [1, n] for `put`; store them as 1-D.
        for (name, (shape, _)) in map.tensors.iter_mut() {
            if name.ends_with(".bias") || name.contains("LayerNorm") {
                *shape = vec![shape[1]];
            }
        }
        map
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
