//! The network in inference mode over exams: loss and per-task AUROC against the targets.

use std::collections::BTreeMap;
use std::sync::Arc;

use burn::tensor::backend::Backend;
use burn::tensor::{ElementConversion, Tensor, TensorData};
use uptake_core::ExamId;
use uptake_core::metrics::auroc;

use crate::data::{Prepared, batch};
use crate::error::Result;
use crate::i3d::Pass;
use crate::loader::Loader;
use crate::model::ScanModel;
use crate::tasks::{Targets, masked_bce, target_tensors};

/// Output of [`evaluate`].
pub(crate) struct Evaluation {
    pub(crate) loss: f64,
    pub(crate) auroc: BTreeMap<String, Option<f64>>,
    pub(crate) mean_auroc: Option<f64>,
}

/// Runs the network in inference mode over `exams`, with loss and per-task AUROC against
/// targets binarised at 0.5.
pub(crate) fn evaluate<B: Backend>(
    model: &ScanModel<B>,
    loader: &Loader,
    exams: &[ExamId],
    targets: &Targets,
    batch_size: usize,
    device: &B::Device,
) -> Result<Evaluation> {
    let mut probabilities = BTreeMap::new();
    let mut loss_sum = 0.0;
    let mut batches = 0usize;
    for chunk in exams.chunks(batch_size.max(1)) {
        let prepared: Vec<Arc<Prepared>> = chunk
            .iter()
            .map(|e| loader.get(e, None))
            .collect::<Result<_>>()?;
        let refs: Vec<&Prepared> = prepared.iter().map(|p| &**p).collect();
        let b = batch(&refs);
        let x = Tensor::<B, 5>::from_data(TensorData::new(b.data, b.shape), device);
        let out = model.forward(x, &b.valid_slices, &Pass::inference());
        let rows: Vec<&Vec<Option<f32>>> = chunk
            .iter()
            .filter_map(|e| targets.by_exam.get(e))
            .collect();
        if rows.len() == chunk.len() {
            let (y, m) = target_tensors::<B>(&rows, device);
            loss_sum += masked_bce(out.logits.clone(), y, m)
                .into_scalar()
                .elem::<f64>();
            batches += 1;
        }
        let p = burn::tensor::activation::sigmoid(out.logits)
            .into_data()
            .to_vec::<f32>()
            .unwrap_or_default();
        let t = targets.tasks.len();
        for (i, e) in chunk.iter().enumerate() {
            probabilities.insert(e.clone(), p[i * t..(i + 1) * t].to_vec());
        }
    }
    let mut aurocs = BTreeMap::new();
    for (ti, task) in targets.tasks.iter().enumerate() {
        let mut scores = Vec::new();
        let mut labels = Vec::new();
        for e in exams {
            if let (Some(p), Some(Some(y))) =
                (probabilities.get(e), targets.by_exam.get(e).map(|r| r[ti]))
            {
                scores.push(p[ti] as f64);
                labels.push(y >= 0.5);
            }
        }
        aurocs.insert(task.clone(), auroc(&scores, &labels));
    }
    let defined: Vec<f64> = aurocs.values().flatten().copied().collect();
    let mean_auroc =
        (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64);
    Ok(Evaluation {
        loss: loss_sum / batches.max(1) as f64,
        auroc: aurocs,
        mean_auroc,
    })
}
