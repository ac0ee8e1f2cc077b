//! The tasks a scan model learns: soft targets per exam and task from a label table, the
//! tasks frequent enough to learn, and the loss against the targets.

use std::collections::BTreeMap;

use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use uptake_core::{ExamId, RegionTable};

use crate::error::{Result, ScanModelError};

/// Soft targets per exam and task (None = unknown, excluded from the loss).
#[derive(Debug, Clone)]
pub struct Targets {
    /// The task columns, in model order.
    pub tasks: Vec<String>,
    /// Each exam's target per task.
    pub by_exam: BTreeMap<ExamId, Vec<Option<f32>>>,
}

impl Targets {
    /// Takes the task columns from a label table; a task the table lacks is an error.
    pub fn from_table(table: &RegionTable, tasks: &[String]) -> Result<Self> {
        let cols: Vec<usize> = tasks
            .iter()
            .map(|t| {
                table.region_index(t).ok_or_else(|| {
                    ScanModelError::Labels(format!(
                        "task `{t}` has no column in the label table (columns: {})",
                        table.regions().join(", ")
                    ))
                })
            })
            .collect::<Result<_>>()?;
        let by_exam = table
            .rows()
            .map(|(exam, row)| {
                (
                    exam.clone(),
                    cols.iter().map(|&c| row[c].map(|v| v as f32)).collect(),
                )
            })
            .collect();
        Ok(Self {
            tasks: tasks.to_vec(),
            by_exam,
        })
    }

    /// Prevalence (share of known labels >= 0.5) of each task.
    pub fn prevalence(&self) -> Vec<f64> {
        (0..self.tasks.len())
            .map(|t| {
                let known: Vec<f32> = self.by_exam.values().filter_map(|r| r[t]).collect();
                if known.is_empty() {
                    0.0
                } else {
                    known.iter().filter(|v| **v >= 0.5).count() as f64 / known.len() as f64
                }
            })
            .collect()
    }
}

/// Regions whose weak-label prevalence is at least `min_prevalence` (the paper: 10 %).
pub fn select_tasks(table: &RegionTable, min_prevalence: f64) -> Vec<(String, f64)> {
    let all =
        Targets::from_table(table, table.regions()).expect("every column of the table exists");
    all.tasks
        .iter()
        .cloned()
        .zip(all.prevalence())
        .filter(|(_, p)| *p >= min_prevalence)
        .collect()
}

/// Binary cross-entropy with logits against soft targets, averaged over the known entries.
pub fn masked_bce<B: Backend>(
    logits: Tensor<B, 2>,
    targets: Tensor<B, 2>,
    known: Tensor<B, 2>,
) -> Tensor<B, 1> {
    let n = known.clone().sum().clamp_min(1.0);
    (bce_terms(logits, targets) * known).sum().div(n)
}

/// Binary cross-entropy with logits per entry: max(z, 0) - z*y + log(1 + exp(-|z|)), stable
/// for large |z|.
fn bce_terms<B: Backend>(logits: Tensor<B, 2>, targets: Tensor<B, 2>) -> Tensor<B, 2> {
    logits.clone().clamp_min(0.0) - logits.clone() * targets
        + logits.abs().neg().exp().add_scalar(1.0).log()
}

/// A replica's share of a batch's [`masked_bce`]: the binary cross-entropy summed over its
/// part's known entries, over the `known_in_batch` known entries of the whole batch. The
/// replicas' shares sum to the whole batch's loss.
pub fn masked_bce_share<B: Backend>(
    logits: Tensor<B, 2>,
    targets: Tensor<B, 2>,
    known: Tensor<B, 2>,
    known_in_batch: usize,
) -> Tensor<B, 1> {
    (bce_terms(logits, targets) * known)
        .sum()
        .div_scalar(known_in_batch.max(1) as f64)
}

/// The known targets of these exams (an exam twice counts twice).
pub(crate) fn known_targets<'a>(
    targets: &Targets,
    exams: impl IntoIterator<Item = &'a ExamId>,
) -> usize {
    exams
        .into_iter()
        .filter_map(|e| targets.by_exam.get(e))
        .map(|row| row.iter().filter(|v| v.is_some()).count())
        .sum()
}

/// The soft targets of a batch and the mask of the known ones.
pub(crate) fn target_tensors<B: Backend>(
    rows: &[&Vec<Option<f32>>],
    device: &B::Device,
) -> (Tensor<B, 2>, Tensor<B, 2>) {
    let t = rows[0].len();
    let y: Vec<f32> = rows
        .iter()
        .flat_map(|r| r.iter().map(|v| v.unwrap_or(0.0)))
        .collect();
    let m: Vec<f32> = rows
        .iter()
        .flat_map(|r| r.iter().map(|v| if v.is_some() { 1.0 } else { 0.0 }))
        .collect();
    (
        Tensor::from_data(TensorData::new(y, [rows.len(), t]), device),
        Tensor::from_data(TensorData::new(m, [rows.len(), t]), device),
    )
}
