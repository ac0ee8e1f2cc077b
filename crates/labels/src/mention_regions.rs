//! Hand-labelled mention files name regions by name; a name the ontology does not have would
//! silently become a region of its own in the figures. This check refuses it, naming the file
//! and the line.

use std::path::{Path, PathBuf};
use uptake_core::LabelledSentence;
use uptake_ontology::Ontology;

/// A mention names a region that is not in the ontology.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{path}, line {line}: unknown region `{region}` (not a region of {ontology}; see `uptake ontology tree`)"
)]
pub struct UnknownMentionRegion {
    /// The mention file.
    pub path: PathBuf,
    /// 1-based line of the sentence.
    pub line: usize,
    /// The region name as written.
    pub region: String,
    /// The ontology's source.
    pub ontology: String,
}

/// Checks that every mention of `sentences` (the mention file `path` as
/// `uptake_core::mentions::read_mentions` read it, blank lines skipped) names a region of
/// `ontology`.
pub fn check_mention_regions(
    sentences: &[LabelledSentence],
    path: &Path,
    ontology: &Ontology,
) -> Result<(), UnknownMentionRegion> {
    for (i, s) in sentences.iter().enumerate() {
        if let Some(m) = s.mentions.iter().find(|m| ontology.id(&m.region).is_none()) {
            return Err(UnknownMentionRegion {
                path: path.to_path_buf(),
                line: line_of_record(path, i),
                region: m.region.clone(),
                ontology: ontology.source_name().to_string(),
            });
        }
    }
    Ok(())
}

/// The 1-based line of the `index`-th non-blank line of `path` (index + 1 if unreadable).
fn line_of_record(path: &Path, index: usize) -> usize {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| {
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .nth(index)
                .map(|(i, _)| i + 1)
        })
        .unwrap_or(index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_region_is_named_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.jsonl");
        let ok = r#"{"text": "Liver uptake.", "mentions": [{"start": 0, "end": 5, "region": "liver", "label": 1}]}"#;
        let bad = r#"{"text": "Livr uptake.", "mentions": [{"start": 0, "end": 4, "region": "livr", "label": 1}]}"#;
        std::fs::write(&path, format!("{ok}\n\n{bad}\n")).unwrap();
        let sentences = uptake_core::mentions::read_mentions(&path).unwrap();
        let err = check_mention_regions(&sentences, &path, &Ontology::builtin()).unwrap_err();
        assert_eq!((err.line, err.region.as_str()), (3, "livr"));
        assert!(
            err.to_string()
                .contains("m.jsonl, line 3: unknown region `livr`")
        );
        assert!(check_mention_regions(&sentences[..1], &path, &Ontology::builtin()).is_ok());
    }
}
