//! `uptake tag`'s output file: one JSON line per tagged sentence, the mention-file shape
//! without labels ([`TaggedRecord`]).

use crate::read::Report;
use crate::tagger::{TaggedRecord, Tagger};
use std::io::Write;
use std::path::Path;
use uptake_core::{AtomicWriteError, Progress, write_atomic};

/// Which tagged sentences the file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SentenceFilter {
    /// Only the sentences with at least one mention.
    #[default]
    WithMentions,
    /// Every findings and impression sentence.
    All,
}

impl SentenceFilter {
    /// [`SentenceFilter::All`] when `all` holds (an `--all-sentences` flag), else
    /// [`SentenceFilter::WithMentions`].
    pub fn all_if(all: bool) -> Self {
        if all { Self::All } else { Self::WithMentions }
    }
}

/// How to write the tagged sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TagSettings {
    /// Which sentences become lines.
    pub sentences: SentenceFilter,
}

/// What a tagging run found and wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TagSummary {
    /// Reports tagged.
    pub reports: usize,
    /// Findings and impression sentences.
    pub sentences: usize,
    /// Mentions in them.
    pub mentions: usize,
    /// Lines written.
    pub lines: usize,
}

impl std::fmt::Display for TagSummary {
    /// `R reports, S findings/impression sentences, M mentions; L lines written`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} reports, {} findings/impression sentences, {} mentions; {} lines written",
            self.reports, self.sentences, self.mentions, self.lines
        )
    }
}

/// Tags `reports` and writes their sentences to `out` (JSONL), atomically: on an error the
/// file is not there (or keeps its old content).
pub fn write_tagged(
    tagger: &Tagger,
    reports: &[Report],
    out: &Path,
    settings: &TagSettings,
    progress: &dyn Progress,
) -> Result<TagSummary, AtomicWriteError> {
    let mut summary = TagSummary {
        reports: reports.len(),
        ..Default::default()
    };
    progress.start("tagging", reports.len() as u64);
    write_atomic(out, |w| {
        for report in reports {
            for t in tagger.tag_report(report) {
                summary.sentences += 1;
                summary.mentions += t.mentions.len();
                if t.mentions.is_empty() && settings.sentences == SentenceFilter::WithMentions {
                    continue;
                }
                let record: TaggedRecord = tagger.to_record(&t);
                serde_json::to_writer(&mut *w, &record)?;
                w.write_all(b"\n")?;
                summary.lines += 1;
            }
            progress.advance(1);
        }
        Ok(())
    })?;
    progress.finish();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::NoProgress;
    use uptake_ontology::Ontology;

    fn reports() -> Vec<Report> {
        vec![Report::new(
            "e1",
            "FINDINGS: Intense uptake in the liver. Nothing else.\nIMPRESSION: Liver disease.",
        )]
    }

    fn write(filter: SentenceFilter) -> (TagSummary, Vec<serde_json::Value>) {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        let tagger = Tagger::new(&Ontology::builtin()).unwrap();
        let settings = TagSettings { sentences: filter };
        let summary = write_tagged(&tagger, &reports(), &out, &settings, &NoProgress).unwrap();
        let lines = std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (summary, lines)
    }

    #[test]
    fn every_sentence_is_written_only_when_asked_for() {
        assert_eq!(SentenceFilter::all_if(true), SentenceFilter::All);
        assert_eq!(SentenceFilter::all_if(false), SentenceFilter::WithMentions);
    }

    #[test]
    fn the_summary_reads_as_counts() {
        let (summary, _) = write(SentenceFilter::WithMentions);
        assert_eq!(
            summary.to_string(),
            "1 reports, 3 findings/impression sentences, 2 mentions; 2 lines written"
        );
    }

    #[test]
    fn only_sentences_with_mentions_are_written_by_default() {
        let (summary, lines) = write(SentenceFilter::WithMentions);
        assert_eq!(
            summary,
            TagSummary {
                reports: 1,
                sentences: 3,
                mentions: 2,
                lines: 2
            }
        );
        assert_eq!(lines[0]["id"], "e1:0");
        assert_eq!(lines[0]["mentions"][0]["region"], "liver");
        assert_eq!(lines[1]["id"], "e1:2");
    }

    #[test]
    fn every_sentence_is_written_when_asked() {
        let (summary, lines) = write(SentenceFilter::All);
        assert_eq!(summary.lines, 3);
        assert_eq!(lines[1]["mentions"].as_array().unwrap().len(), 0);
    }
}
