//! The US organ-system template: INDICATION, TECHNIQUE, COMPARISON, then one header per body
//! part ("HEAD/NECK:", "CHEST:", ...) and no FINDINGS header, then a numbered IMPRESSION.

use super::draft::Draft;
use super::header::{comparison_text, history_text, technique_text};
use super::impression::items_or_summary;
use super::phrases::pick;
use super::vocabulary_styles::{TEMPLATE_EMPTY, TEMPLATE_HEADERS, TEMPLATE_TITLES};
use rand::Rng;

/// The template, every body part under its header (a body part without findings says so).
/// First scans leave the comparison out half of the time, so the organ headers come straight
/// after TECHNIQUE.
pub(super) fn organ_system(draft: &Draft, rng: &mut (impl Rng + ?Sized)) -> String {
    let title = pick(rng, &TEMPLATE_TITLES);
    let headers = pick(rng, &TEMPLATE_HEADERS);
    let history = history_text(draft.spec, draft.follow_up, rng);
    let technique = technique_text(draft.spec, rng);
    let mut out = format!("{title}\n\nINDICATION: {history}\n\nTECHNIQUE: {technique}\n\n");
    if draft.follow_up || rng.random_bool(0.5) {
        out.push_str(&format!(
            "COMPARISON: {}\n\n",
            comparison_text(draft.follow_up, rng)
        ));
    }
    for (header, sentences) in headers.iter().zip(draft.findings.by_group()) {
        let text = match sentences.is_empty() {
            true => pick(rng, &TEMPLATE_EMPTY).to_string(),
            false => sentences.join(" "),
        };
        out.push_str(&format!("{header}: {text}\n\n"));
    }
    out.push_str("IMPRESSION:\n");
    for (i, item) in items_or_summary(draft, rng).iter().enumerate() {
        out.push_str(&format!("{}. {item}\n", i + 1));
    }
    out
}
