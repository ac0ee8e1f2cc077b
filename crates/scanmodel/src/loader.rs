//! Exams at network resolution for training and validation, kept in memory while the cohort
//! fits a budget.

use std::collections::BTreeMap;

use uptake_core::ExamId;

use crate::config::ModelConfig;
use crate::data::{Augment, Prepared, VolumeSource, prepare};
use crate::error::Result;

/// Loads, checks and resamples exams, keeping them in memory when the cohort is small.
pub(crate) struct Loader<'a> {
    source: &'a dyn VolumeSource,
    config: ModelConfig,
    cache: BTreeMap<ExamId, Prepared>,
    cache_budget_bytes: usize,
}

impl<'a> Loader<'a> {
    pub(crate) fn new(source: &'a dyn VolumeSource, config: &ModelConfig) -> Self {
        Self {
            source,
            config: config.clone(),
            cache: BTreeMap::new(),
            cache_budget_bytes: 4 << 30,
        }
    }

    /// The exam at network resolution, optionally augmented (augmented copies are not cached).
    pub(crate) fn get(&mut self, exam: &ExamId, augment: Option<Augment>) -> Result<Prepared> {
        if augment.is_none()
            && let Some(p) = self.cache.get(exam)
        {
            return Ok(p.clone());
        }
        let volume = self.source.load(exam)?;
        let p = prepare(&volume, &self.config, augment)?;
        if augment.is_none() {
            let used: usize = self.cache.values().map(|p| p.data.len() * 4).sum();
            if used + p.data.len() * 4 <= self.cache_budget_bytes {
                self.cache.insert(exam.clone(), p.clone());
            }
        }
        Ok(p)
    }
}
