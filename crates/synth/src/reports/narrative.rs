//! The narrative dictation: a history header, then unheaded paragraphs (technique and
//! comparison, then the findings with hedges and long negated lists whose negation stands far
//! from some of the regions it governs), then the impression.

use super::draft::Draft;
use super::header::{comparison_text, history_text};
use super::impression::items_or_summary;
use super::phrases::{join_list, pick};
use super::sentences::contradicts;
use super::vocabulary::HISTORY_HEADERS;
use super::vocabulary_styles::{
    NARRATIVE_CONNECTORS, NARRATIVE_NO_PRIOR, NARRATIVE_ORGAN_NEGATIONS, NARRATIVE_ORGANS,
    NARRATIVE_STATION_NEGATIONS, NARRATIVE_STATIONS,
};
use rand::Rng;

/// The dictation.
pub(super) fn narrative(draft: &Draft, rng: &mut (impl Rng + ?Sized)) -> String {
    let header = pick(rng, &HISTORY_HEADERS);
    let history = history_text(draft.spec, draft.follow_up, rng);
    let dose_mci = draft.spec.patient.weight_kg * 0.14 + rng.random_range(-1.0..1.0);
    let minutes = rng.random_range(55..80);
    let technique = format!(
        "PET/CT was performed from the vertex to the thighs approximately {minutes} minutes after the intravenous administration of {dose_mci:.1} mCi of F-18 FDG."
    );
    let comparison = match draft.follow_up {
        true => format!("Comparison is made with the {}", comparison_text(true, rng)),
        false => pick(rng, &NARRATIVE_NO_PRIOR).to_string(),
    };
    let body = findings_paragraph(draft, rng);
    let impression = items_or_summary(draft, rng).join(" ");
    format!(
        "{header}: {history}\n\n{technique} {comparison}\n\n{body}\n\nIMPRESSION: {impression}\n"
    )
}

/// The findings as one paragraph: each body part opened with a connector, and two long
/// negated lists (node stations, organs) put among them.
fn findings_paragraph(draft: &Draft, rng: &mut (impl Rng + ?Sized)) -> String {
    let mut sentences: Vec<String> = Vec::new();
    for group in draft.findings.by_group() {
        for (i, s) in group.iter().enumerate() {
            let connector = match (i, sentences.is_empty()) {
                (0, false) => pick(rng, &NARRATIVE_CONNECTORS),
                _ => "",
            };
            sentences.push(format!("{connector}{}", after_connector(s, connector)));
        }
    }
    let negations = [
        long_negation(
            draft,
            &NARRATIVE_STATIONS,
            &NARRATIVE_STATION_NEGATIONS,
            rng,
        ),
        long_negation(draft, &NARRATIVE_ORGANS, &NARRATIVE_ORGAN_NEGATIONS, rng),
    ];
    for negation in negations.into_iter().flatten() {
        let at = rng.random_range(0..=sentences.len());
        sentences.insert(at, negation);
    }
    sentences.join(" ")
}

/// The sentence as it reads after a connector: its first letter in lower case unless the first
/// word is an acronym ("FDG-avid", "SUV").
fn after_connector(sentence: &str, connector: &str) -> String {
    let mut chars = sentence.chars();
    match (connector.is_empty(), chars.next(), chars.next()) {
        (false, Some(first), Some(second)) if second.is_lowercase() => {
            first.to_lowercase().collect::<String>() + &sentence[first.len_utf8()..]
        }
        _ => sentence.to_string(),
    }
}

/// A negation of at least three items that no reported lesion contradicts, or none.
fn long_negation(
    draft: &Draft,
    items: &[(&str, &[&str])],
    templates: &[&str],
    rng: &mut (impl Rng + ?Sized),
) -> Option<String> {
    let free: Vec<&str> = items
        .iter()
        .filter(|(_, covers)| !contradicts(covers, &draft.reported))
        .map(|(name, _)| *name)
        .collect();
    if free.len() < 3 || rng.random_bool(0.2) {
        return None;
    }
    let keep: Vec<&str> = free
        .iter()
        .copied()
        .filter(|_| rng.random_bool(0.8))
        .collect();
    let list = if keep.len() >= 3 { keep } else { free };
    Some(pick(rng, templates).replace("{list}", &join_list(&list)))
}
