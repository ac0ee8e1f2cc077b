//! How fast reports are sectioned, split into sentences and tagged (`uptake bench tagging`).

use crate::read::Report;
use crate::sections::split_sections;
use crate::sentences::split_sentences;
use crate::tagger::{Tagger, TaggerError};
use std::time::{Duration, Instant};
use uptake_ontology::Ontology;

/// Reports tagged before timing, so the lazy DFA caches are warm.
const WARM_UP_REPORTS: usize = 100;

/// Tagging throughput on one core.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaggingSpeed {
    /// Building the tagger from the ontology.
    pub tagger_build: Duration,
    /// Reports tagged.
    pub reports: usize,
    /// Their text, in bytes.
    pub bytes: usize,
    /// Findings and impression sentences.
    pub sentences: usize,
    /// Mentions found.
    pub mentions: usize,
    /// Sectioning, sentence splitting and tagging of all reports.
    pub tagging: Duration,
    /// Sectioning and sentence splitting alone.
    pub splitting: Duration,
}

impl TaggingSpeed {
    /// Reports per second of the tagging pass.
    pub fn reports_per_second(&self) -> f64 {
        self.reports as f64 / self.tagging.as_secs_f64()
    }

    /// Megabytes of report text per second of the tagging pass.
    pub fn megabytes_per_second(&self) -> f64 {
        self.bytes as f64 / self.tagging.as_secs_f64() / 1e6
    }
}

/// Builds a tagger for `ontology` and times tagging `reports` (after a warm-up), and
/// sectioning and splitting them alone.
pub fn measure_tagging(
    ontology: &Ontology,
    reports: &[Report],
) -> Result<TaggingSpeed, TaggerError> {
    let started = Instant::now();
    let tagger = Tagger::new(ontology)?;
    let tagger_build = started.elapsed();
    for r in reports.iter().take(WARM_UP_REPORTS) {
        std::hint::black_box(tagger.tag_report(r));
    }
    let started = Instant::now();
    let (mut sentences, mut mentions) = (0usize, 0usize);
    for r in reports {
        let tagged = tagger.tag_report(r);
        sentences += tagged.len();
        mentions += tagged.iter().map(|s| s.mentions.len()).sum::<usize>();
    }
    let tagging = started.elapsed();
    let started = Instant::now();
    let mut split = 0usize;
    for r in reports {
        for section in split_sections(&r.text)
            .into_iter()
            .filter(|s| s.kind.is_tagged())
        {
            split += split_sentences(&r.text, section.start..section.end).len();
        }
    }
    std::hint::black_box(split);
    Ok(TaggingSpeed {
        tagger_build,
        reports: reports.len(),
        bytes: reports.iter().map(|r| r.text.len()).sum(),
        sentences,
        mentions,
        tagging,
        splitting: started.elapsed(),
    })
}
