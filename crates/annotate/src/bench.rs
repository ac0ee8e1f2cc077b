//! What each key press costs on disk (`uptake bench annotate`): saving labels through the
//! journal, without HTTP.

use crate::candidate::{Candidate, CandidateMention, RegionCatalog, RegionInfo};
use crate::journal::{ApplyError, Decision, Edit, Journal, JournalError};
use std::path::Path;
use std::time::{Duration, Instant};
use uptake_core::Progress;

/// The size of the timed session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveBenchSettings {
    /// Sentences in the session (two mentions each); every one is finished before timing, so
    /// each save rewrites a mention file of this many sentences (default 1,000).
    pub sentences: usize,
    /// Labels to time (default 500).
    pub labels: usize,
}

impl Default for SaveBenchSettings {
    fn default() -> Self {
        Self {
            sentences: 1000,
            labels: 500,
        }
    }
}

/// How long saving labels took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveTiming {
    /// Labels timed.
    pub labels: usize,
    /// Sentences in the session.
    pub sentences: usize,
    /// Time for all timed labels.
    pub elapsed: Duration,
    /// Size of the mention file at the end.
    pub mention_file_bytes: u64,
}

impl SaveTiming {
    /// Milliseconds per saved label.
    pub fn ms_per_label(&self) -> f64 {
        1000.0 * self.elapsed.as_secs_f64() / self.labels.max(1) as f64
    }
}

/// The line of `uptake bench annotate`.
impl std::fmt::Display for SaveTiming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "annotate: {} labels on a {}-sentence session in {:.2} s: {:.2} ms per saved label \
             (journal append + fsync + atomic rewrite of a {} KiB mention file)",
            self.labels,
            self.sentences,
            self.elapsed.as_secs_f64(),
            self.ms_per_label(),
            self.mention_file_bytes / 1024
        )
    }
}

/// Why the timing failed.
#[derive(Debug, thiserror::Error)]
pub enum SaveBenchError {
    /// The session could not be opened.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A label could not be saved.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// The mention file cannot be looked at.
    #[error("cannot read the size of the mention file: {0}")]
    Io(#[from] std::io::Error),
}

/// A session of `n` identical two-mention sentences.
fn session(n: usize) -> Vec<Candidate> {
    let text = "Hypermetabolic right axillary lymph node and a lesion in the liver.";
    let mention = |start, end, region: &str| CandidateMention {
        start,
        end,
        region: region.into(),
    };
    (0..n.max(1))
        .map(|i| Candidate {
            id: format!("EX{i}:0"),
            exam_id: Some(format!("EX{i}")),
            section: Some("findings".into()),
            text: text.into(),
            context_before: String::new(),
            context_after: String::new(),
            mentions: vec![
                mention(15, 40, "axillary_lymph_node"),
                mention(61, 66, "liver"),
            ],
        })
        .collect()
}

/// Opens a session in `dir`, finishes every sentence, then times `settings.labels` saves.
pub fn time_saving_labels(
    dir: &Path,
    settings: &SaveBenchSettings,
    progress: &dyn Progress,
) -> Result<SaveTiming, SaveBenchError> {
    let pool = session(settings.sentences);
    let ids: Vec<String> = pool.iter().map(|c| c.id.clone()).collect();
    let catalog = RegionCatalog::new(
        ["axillary_lymph_node", "liver"]
            .iter()
            .map(|n| RegionInfo {
                name: n.to_string(),
                display_name: n.to_string(),
            })
            .collect(),
    );
    let out = dir.join("mentions.jsonl");
    let mut journal = Journal::open(&out, &pool, &ids, None)?;
    progress.start("labels", (2 * pool.len() + settings.labels) as u64);
    let label = |mention, decision| Edit::Label { mention, decision };
    for id in &ids {
        for mention in 0..2 {
            journal.apply(id, &label(mention, Decision::Neutral), &catalog)?;
            progress.advance(1);
        }
    }
    let started = Instant::now();
    for k in 0..settings.labels {
        let decision = [Decision::Abnormal, Decision::Neutral][k % 2];
        journal.apply(&ids[k % ids.len()], &label(0, decision), &catalog)?;
        progress.advance(1);
    }
    let elapsed = started.elapsed();
    progress.finish();
    Ok(SaveTiming {
        labels: settings.labels,
        sentences: pool.len(),
        elapsed,
        mention_file_bytes: std::fs::metadata(&out)?.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::NoProgress;

    #[test]
    fn every_sentence_ends_up_in_the_mention_file() {
        let dir = tempfile::tempdir().unwrap();
        let settings = SaveBenchSettings {
            sentences: 3,
            labels: 4,
        };
        let timing = time_saving_labels(dir.path(), &settings, &NoProgress).unwrap();
        assert_eq!((timing.labels, timing.sentences), (4, 3));
        let written =
            uptake_core::mentions::read_mentions(&dir.path().join("mentions.jsonl")).unwrap();
        assert_eq!(written.len(), 3);
        // Saves alternate abnormal, neutral over EX0, EX1, EX2, EX0: the last word counts.
        let labels: Vec<u8> = written.iter().map(|s| s.mentions[0].label).collect();
        assert_eq!(labels, [0, 0, 1]);
        assert_eq!(
            timing.mention_file_bytes,
            std::fs::metadata(dir.path().join("mentions.jsonl"))
                .unwrap()
                .len()
        );
    }
}
