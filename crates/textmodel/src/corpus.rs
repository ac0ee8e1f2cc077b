//! The text a domain vocabulary or a pre-training run learns from: report texts and/or the
//! sentences of a mention file.

use crate::error::ModelError;
use std::path::Path;

/// Where the corpus comes from (at least one of the two).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CorpusFiles<'a> {
    /// A reports file (JSONL or CSV): every report's text. Never the test reports.
    pub reports: Option<&'a Path>,
    /// A mention file (JSONL): every sentence's text.
    pub sentences: Option<&'a Path>,
}

/// The texts of the corpus; an empty corpus is an error.
pub fn corpus_texts(files: CorpusFiles<'_>) -> Result<Vec<String>, ModelError> {
    let mut texts: Vec<String> = Vec::new();
    if let Some(path) = files.reports {
        let set = uptake_reports::read_reports(path)?;
        texts.extend(set.reports.into_iter().map(|r| r.text));
    }
    if let Some(path) = files.sentences {
        let sentences = uptake_core::mentions::read_mentions(path)?;
        texts.extend(sentences.into_iter().map(|s| s.text));
    }
    if texts.is_empty() {
        return Err(ModelError::Training(
            "no training text: the reports / sentences files are empty".into(),
        ));
    }
    Ok(texts)
}
