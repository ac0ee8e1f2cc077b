//! The British/European layout: "Clinical details:", the technique as a free line, "Report:"
//! and "Conclusion:".

use super::draft::Draft;
use super::header::{comparison_text, history_text};
use super::impression::items_or_summary;
use super::phrases::pick;
use super::vocabulary_styles::{EUROPEAN_CONCLUSION_HEADERS, EUROPEAN_HISTORY_HEADERS};
use rand::Rng;

/// The technique line: coverage, activity in MBq, uptake time and glucose in mmol/L.
fn technique_line(draft: &Draft, rng: &mut (impl Rng + ?Sized)) -> String {
    let mbq = (draft.spec.patient.weight_kg * 4.0 + rng.random_range(-20.0..20.0)).round();
    let minutes = rng.random_range(55..80);
    let glucose = rng.random_range(4.2..7.8);
    match rng.random_range(0..3) {
        0 => format!(
            "FDG PET-CT skull base to upper thighs. {mbq} MBq 18F-FDG, uptake time {minutes} minutes, blood glucose {glucose:.1} mmol/L."
        ),
        1 => format!(
            "Whole body PET-CT from the vertex to the mid-thighs, {minutes} minutes after {mbq} MBq FDG."
        ),
        _ => format!(
            "Imaging from the skull base to the proximal thighs, {minutes} min post injection of {mbq} MBq FDG (glucose {glucose:.1} mmol/L)."
        ),
    }
}

/// The report: history, the technique line (after the history or opening the report body),
/// comparison, the findings as paragraphs under "Report:", the impression under "Conclusion:".
pub(super) fn european(draft: &Draft, rng: &mut (impl Rng + ?Sized)) -> String {
    let history_header = pick(rng, &EUROPEAN_HISTORY_HEADERS);
    let history = history_text(draft.spec, draft.follow_up, rng);
    let technique = technique_line(draft, rng);
    let comparison = comparison_text(draft.follow_up, rng);
    let technique_in_body = rng.random_bool(0.5);
    let mut out = format!("{history_header}: {history}\n\n");
    if !technique_in_body {
        out.push_str(&format!("{technique}\n"));
    }
    out.push_str(&format!("Comparison: {comparison}\n\nReport:\n"));
    if technique_in_body {
        out.push_str(&format!("{technique}\n"));
    }
    for sentences in draft.findings.by_group() {
        if !sentences.is_empty() {
            out.push_str(&sentences.join(" "));
            out.push('\n');
        }
    }
    let numbered = rng.random_bool(0.5);
    out.push_str(&format!("\n{}:\n", pick(rng, &EUROPEAN_CONCLUSION_HEADERS)));
    for (i, item) in items_or_summary(draft, rng).iter().enumerate() {
        match numbered {
            true => out.push_str(&format!("{}. {item}\n", i + 1)),
            false => out.push_str(&format!("{item}\n")),
        }
    }
    out
}
