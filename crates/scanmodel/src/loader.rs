//! Exams at network resolution for training and validation, kept in memory while the cohort
//! fits a budget. The loader is shared by the background threads that prepare the next batches
//! while the device computes ([`crate::prefetch`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use uptake_core::ExamId;

use crate::config::ModelConfig;
use crate::data::{Augment, Prepared, VolumeSource, prepare};
use crate::error::Result;

/// Loads, checks and resamples exams, keeping them in memory when the cohort is small.
pub(crate) struct Loader<'a> {
    source: &'a dyn VolumeSource,
    config: ModelConfig,
    cache: Mutex<Cache>,
}

/// Un-augmented exams kept in memory, and their bytes.
#[derive(Default)]
struct Cache {
    exams: BTreeMap<ExamId, Arc<Prepared>>,
    bytes: usize,
}

/// The memory the cache may use.
const CACHE_BUDGET_BYTES: usize = 4 << 30;

impl<'a> Loader<'a> {
    pub(crate) fn new(source: &'a dyn VolumeSource, config: &ModelConfig) -> Self {
        Self {
            source,
            config: config.clone(),
            cache: Mutex::new(Cache::default()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The exam at network resolution, optionally augmented (augmented copies are not cached).
    /// Shared, not copied: a cached exam is handed out as it is kept.
    pub(crate) fn get(&self, exam: &ExamId, augment: Option<Augment>) -> Result<Arc<Prepared>> {
        if augment.is_none()
            && let Some(p) = self.cache().exams.get(exam)
        {
            return Ok(Arc::clone(p));
        }
        let volume = self.source.load(exam)?;
        let p = Arc::new(prepare(&volume, &self.config, augment)?);
        if augment.is_none() {
            let mut cache = self.cache();
            let bytes = p.data.len() * 4;
            if cache.bytes + bytes <= CACHE_BUDGET_BYTES && !cache.exams.contains_key(exam) {
                cache.bytes += bytes;
                cache.exams.insert(exam.clone(), Arc::clone(&p));
            }
        }
        Ok(p)
    }
}
