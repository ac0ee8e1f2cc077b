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

/// Every tagged sentence with at least one mention, with its section context. Ids are
/// `<exam>:<index>` like `uptake tag` writes.
pub fn candidates(reports: &[Report], tagger: &Tagger) -> Vec<Candidate> {
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
        let pool = candidates(&[report], &tagger);
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
    fn the_catalog_lists_the_30_task_regions_first() {
        let ontology = Ontology::builtin();
        let catalog = region_catalog(&ontology);
        assert_eq!(catalog.regions().len(), ontology.len());
        assert_eq!(catalog.regions()[0].name, "full");
        assert_eq!(catalog.regions()[29].name, "pelvic_skeleton");
    }
}
