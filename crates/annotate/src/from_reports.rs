//! The tool's input from reports: every tagged sentence with a mention, with its section
//! context, and the regions of the ontology a person may pick.

use crate::candidate::{Candidate, CandidateMention, RegionCatalog, RegionInfo};
use uptake_ontology::Ontology;
use uptake_reports::{
    Report, Section, Sentence, TaggedSentence, Tagger, split_sections, split_sentences,
};

/// Sentences of context shown before and after the one being labelled (same section only).
const CONTEXT_BEFORE: usize = 3;
const CONTEXT_AFTER: usize = 2;

/// Why reports give nothing to label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// No report at all (an empty file, or every text blank).
    #[error("there are no reports to label (is the file empty, or every text blank?)")]
    NoReports,
    /// Reports, but the tagger found no mention in them.
    #[error(
        "none of the {reports} reports has a tagged mention in its findings or impression: nothing to label"
    )]
    NoMentions {
        /// Reports read.
        reports: usize,
    },
}

/// Every tagged sentence with at least one mention, with its section context. Ids are
/// `<exam>:<index>` like `uptake tag` writes. No reports, or no mention in any, is an error.
pub fn candidates(reports: &[Report], tagger: &Tagger) -> Result<Vec<Candidate>, PoolError> {
    if reports.is_empty() {
        return Err(PoolError::NoReports);
    }
    let pool = tagged_sentences(reports, tagger);
    if pool.is_empty() {
        return Err(PoolError::NoMentions {
            reports: reports.len(),
        });
    }
    Ok(pool)
}

fn tagged_sentences(reports: &[Report], tagger: &Tagger) -> Vec<Candidate> {
    let ontology = tagger.ontology();
    let mut out = Vec::new();
    for report in reports {
        let tagged = tagger.tag_report(report);
        if tagged.iter().all(|t| t.mentions.is_empty()) {
            continue;
        }
        let sections = split_sections(&report.text);
        for t in tagged.iter().filter(|t| !t.mentions.is_empty()) {
            let (context_before, context_after) = context(&report.text, &sections, t);
            out.push(Candidate {
                id: t.id(),
                exam_id: Some(t.exam_id.to_string()),
                section: Some(t.section.as_str().to_string()),
                text: t.text.clone(),
                context_before,
                context_after,
                mentions: t
                    .mentions
                    .iter()
                    .map(|m| {
                        let span = t.char_span(m);
                        CandidateMention {
                            start: span.start,
                            end: span.end,
                            region: ontology.name(m.region).to_string(),
                        }
                    })
                    .collect(),
            });
        }
    }
    out
}

/// The sentences of the same section before and after `t` (up to the context sizes).
fn context(text: &str, sections: &[Section], t: &TaggedSentence) -> (String, String) {
    let Some(section) = sections
        .iter()
        .find(|s| s.start <= t.span.start && t.span.end <= s.end)
    else {
        return (String::new(), String::new());
    };
    let sentences = split_sentences(text, section.start..section.end);
    let Some(i) = sentences.iter().position(|x| x.start == t.span.start) else {
        return (String::new(), String::new());
    };
    let join = |range: &[Sentence]| {
        range
            .iter()
            .map(|x| &text[x.start..x.end])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let after_end = (i + 1 + CONTEXT_AFTER).min(sentences.len());
    (
        join(&sentences[i.saturating_sub(CONTEXT_BEFORE)..i]),
        join(&sentences[i + 1..after_end]),
    )
}

/// The regions a person may pick: the task regions first (the usual answers), then the rest.
pub fn region_catalog(ontology: &Ontology) -> RegionCatalog {
    let tasks = ontology.task_regions();
    let rest = ontology
        .ids()
        .iter()
        .copied()
        .filter(|id| !tasks.contains(id));
    RegionCatalog::new(
        tasks
            .iter()
            .copied()
            .chain(rest)
            .map(|id| RegionInfo {
                name: ontology.name(id).to_string(),
                display_name: ontology.region(id).display_name.clone(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_candidate_has_character_spans_and_the_sentences_around_it() {
        let ontology = Ontology::builtin();
        let tagger = Tagger::new(&ontology).unwrap();
        let report = Report::new(
            "E1",
            "FINDINGS: Ø 5 mm lésion. Intense uptake in the liver. Normal bowel activity. Nothing else.",
        );
        let pool = candidates(&[report], &tagger).unwrap();
        let liver = pool.iter().find(|c| c.text.contains("liver")).unwrap();
        assert_eq!(liver.id, "E1:1");
        let m = &liver.mentions[0];
        assert_eq!(m.region, "liver");
        let chars: String = liver
            .text
            .chars()
            .skip(m.start)
            .take(m.end - m.start)
            .collect();
        assert_eq!(chars, "liver");
        assert_eq!(liver.context_before, "Ø 5 mm lésion.");
        assert_eq!(liver.context_after, "Normal bowel activity. Nothing else.");
    }

    #[test]
    fn no_reports_or_no_mentions_is_an_error_not_an_empty_pool() {
        let tagger = Tagger::new(&Ontology::builtin()).unwrap();
        assert_eq!(candidates(&[], &tagger), Err(PoolError::NoReports));
        let quiet = [
            Report::new("E1", "FINDINGS: Nothing to report."),
            Report::new("E2", "CLINICAL HISTORY: lymphoma."),
        ];
        let err = candidates(&quiet, &tagger).unwrap_err();
        assert_eq!(err, PoolError::NoMentions { reports: 2 });
        assert!(
            err.to_string()
                .starts_with("none of the 2 reports has a tagged mention")
        );
    }

    #[test]
    fn the_catalog_lists_the_30_task_regions_first() {
        let ontology = Ontology::builtin();
        let catalog = region_catalog(&ontology);
        assert_eq!(catalog.regions().len(), ontology.len());
        assert_eq!(catalog.regions()[0].name, "full");
        assert_eq!(catalog.regions()[29].name, "pelvic_skeleton");
    }
}
