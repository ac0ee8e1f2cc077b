//! Running the token classifier on encoded sentences: padded batches, per-token probabilities
//! and mention probabilities (the mean of their tokens'), batched by length.

use crate::bert::TokenClassifier;
use crate::tokenize::EncodedSentence;
use burn::tensor::activation::sigmoid;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use rayon::prelude::*;

/// Windows per forward pass at inference (padded to the batch's longest).
const INFERENCE_BATCH: usize = 32;

/// Ids, token types (all 0) and the attention mask of a padded batch.
pub(crate) fn batch_tensors<B: Backend>(
    windows: &[&[u32]],
    pad: u32,
    device: &B::Device,
) -> (Tensor<B, 2, Int>, Tensor<B, 2, Int>, Tensor<B, 2>) {
    let seq = windows.iter().map(|w| w.len()).max().unwrap_or(0).max(1);
    let batch = windows.len();
    let mut ids = vec![pad as i64; batch * seq];
    let mut mask = vec![0f32; batch * seq];
    for (b, w) in windows.iter().enumerate() {
        for (t, &id) in w.iter().enumerate() {
            ids[b * seq + t] = id as i64;
            mask[b * seq + t] = 1.0;
        }
    }
    (
        Tensor::from_data(TensorData::new(ids, [batch, seq]), device),
        Tensor::zeros([batch, seq], device),
        Tensor::from_data(TensorData::new(mask, [batch, seq]), device),
    )
}

/// Per-token probabilities of each window, batched by similar length. Batches run on all
/// cores at once: one batch alone keeps only about one core busy on the CPU backend.
fn window_probabilities<B: Backend>(
    model: &TokenClassifier<B>,
    windows: &[&[u32]],
    pad: u32,
) -> Vec<Vec<f32>>
where
    TokenClassifier<B>: Sync,
{
    let device = model.head.weight.val().device();
    let mut order: Vec<usize> = (0..windows.len()).collect();
    order.sort_by_key(|&i| windows[i].len());
    // Batches of one length where it has enough windows: no padding, no attention mask.
    let mut chunks: Vec<&[usize]> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let len = windows[order[start]].len();
        let same = order[start..]
            .iter()
            .take_while(|&&i| windows[i].len() == len)
            .count();
        let take = if same >= INFERENCE_BATCH / 2 {
            same.min(INFERENCE_BATCH)
        } else {
            INFERENCE_BATCH.min(order.len() - start)
        };
        chunks.push(&order[start..start + take]);
        start += take;
    }
    let run = |chunk: &&[usize]| -> Vec<(usize, Vec<f32>)> {
        let batch: Vec<&[u32]> = chunk.iter().map(|&i| windows[i]).collect();
        let (ids, types, mask) = batch_tensors::<B>(&batch, pad, &device);
        let probs = sigmoid(model.forward(ids, types, mask, 0));
        let [_, seq] = probs.dims();
        let values = probs
            .into_data()
            .convert::<f32>()
            .to_vec::<f32>()
            .expect("f32");
        chunk
            .iter()
            .enumerate()
            .map(|(b, &i)| (i, values[b * seq..b * seq + windows[i].len()].to_vec()))
            .collect()
    };
    // In the backend's own thread pool, so that its parallel kernels do not oversubscribe the
    // cores.
    let results: Vec<Vec<(usize, Vec<f32>)>> = chunks.par_iter().map(run).collect();
    let mut out = vec![Vec::new(); windows.len()];
    for (i, p) in results.into_iter().flatten() {
        out[i] = p;
    }
    out
}

/// Mean token probability of every mention of every encoded sentence.
pub(crate) fn mention_probabilities<B: Backend>(
    model: &TokenClassifier<B>,
    encoded: &[EncodedSentence],
    pad: u32,
) -> Vec<Vec<f64>> {
    let windows: Vec<&[u32]> = encoded
        .iter()
        .flat_map(|e| e.windows.iter().map(|w| w.as_slice()))
        .collect();
    let probs = window_probabilities(model, &windows, pad);
    let mut first = 0;
    encoded
        .iter()
        .map(|e| {
            let scores = e
                .mentions
                .iter()
                .map(|m| {
                    let p = &probs[first + m.window];
                    m.positions.iter().map(|&t| p[t] as f64).sum::<f64>() / m.positions.len() as f64
                })
                .collect();
            first += e.windows.len();
            scores
        })
        .collect()
}
