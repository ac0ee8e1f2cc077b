//! Laying a report out in one institution's style: headers, sub-headers, paragraphs or lists,
//! and the impression's numbering. The five first styles are laid out here; the later four
//! each in their own file.

use super::abbreviated::abbreviated;
use super::draft::Draft;
use super::european::european;
use super::group::Findings;
use super::header::{comparison_text, history_text, technique_text};
use super::narrative::narrative;
use super::phrases::pick;
use super::style::ReportStyle as Style;
use super::template::organ_system;
use super::vocabulary::{
    HISTORY_HEADERS, IMPRESSION_HEADERS, SUBHEADERS_CAPS, SUBHEADERS_MIXED, TERSE,
};
use crate::spec::ExamSpec;
use rand::Rng;

/// The whole report text.
pub(super) fn assemble(style: Style, draft: &Draft, rng: &mut (impl Rng + ?Sized)) -> String {
    let (spec, follow_up) = (draft.spec, draft.follow_up);
    let (findings, impression) = (&draft.findings, draft.impression.as_slice());
    match style {
        Style::European => return european(draft, rng),
        Style::OrganSystem => return organ_system(draft, rng),
        Style::Abbreviated => return abbreviated(draft, rng),
        Style::Narrative => return narrative(draft, rng),
        _ => {}
    }
    if style == Style::Bare {
        let all: Vec<&str> = findings
            .by_group()
            .iter()
            .flat_map(|v| v.iter().map(String::as_str))
            .collect();
        return format!("{} {}", all.join(" "), impression.join(" "));
    }
    let mut out = front_matter(style, spec, follow_up, rng);
    out.push_str(&findings_text(style, findings, rng));
    out.push('\n');
    out.push_str(&impression_text(style, impression, rng));
    out
}

/// History, technique, comparison and the findings header.
fn front_matter(
    style: Style,
    spec: &ExamSpec,
    follow_up: bool,
    rng: &mut (impl Rng + ?Sized),
) -> String {
    let (history, technique, comparison, findings, gap) = match style {
        Style::Caps | Style::Terse => (
            "CLINICAL HISTORY",
            "TECHNIQUE",
            "COMPARISON",
            "FINDINGS",
            "\n\n",
        ),
        _ => (
            pick(rng, &HISTORY_HEADERS),
            "Technique",
            "Comparison",
            "Findings",
            "\n",
        ),
    };
    let history_text = history_text(spec, follow_up, rng);
    let technique_text = technique_text(spec, rng);
    let comparison_text = comparison_text(follow_up, rng);
    format!(
        "{history}: {history_text}{gap}{technique}: {technique_text}{gap}\
         {comparison}: {comparison_text}\n\n{findings}:\n"
    )
}

/// The findings, one line or paragraph per body part.
fn findings_text(style: Style, findings: &Findings, rng: &mut (impl Rng + ?Sized)) -> String {
    let subheaders: [&str; 4] = match style {
        Style::Caps => pick(rng, &SUBHEADERS_CAPS),
        Style::Mixed => SUBHEADERS_MIXED,
        _ => ["", "", "", ""],
    };
    let mut out = String::new();
    for (i, sentences) in findings.by_group().iter().enumerate() {
        if sentences.is_empty() {
            continue;
        }
        let text = sentences.join(" ");
        match style {
            Style::Paragraph => {
                out.push_str(&text);
                out.push(' ');
            }
            Style::Terse => {
                out.push_str(&terse(&text));
                out.push('\n');
            }
            _ => out.push_str(&format!("{}: {text}\n", subheaders[i])),
        }
    }
    out
}

/// The impression: numbered, dashed or one paragraph.
fn impression_text(style: Style, impression: &[String], rng: &mut (impl Rng + ?Sized)) -> String {
    let mut out = String::new();
    match style {
        Style::Caps => {
            out.push_str("IMPRESSION:\n");
            for (i, item) in impression.iter().enumerate() {
                out.push_str(&format!("{}. {item}\n", i + 1));
            }
            out.push_str("END OF IMPRESSION\n");
        }
        Style::Terse => {
            out.push_str("IMPRESSION:\n");
            for (i, item) in impression.iter().enumerate() {
                out.push_str(&format!("{}) {}\n", i + 1, terse(item)));
            }
        }
        Style::Mixed => {
            out.push_str("Impression:\n");
            for item in impression {
                out.push_str(&format!("- {item}\n"));
            }
        }
        _ => {
            out.push_str(&format!(
                "{}: {}\n",
                pick(rng, &IMPRESSION_HEADERS),
                impression.join(" ")
            ));
        }
    }
    out
}

/// Telegraphic abbreviations some institutions use.
fn terse(text: &str) -> String {
    TERSE
        .iter()
        .fold(text.to_string(), |t, (long, short)| t.replace(long, short))
}
