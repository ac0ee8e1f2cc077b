//! The terse "Findings/Impression:" note full of abbreviations ("L supraclav LN", "mets").

use super::draft::Draft;
use super::header::{comparison_text, history_text};
use super::impression::items_or_summary;
use super::phrases::pick;
use super::vocabulary_styles::{ABBREVIATED_HEADERS, ABBREVIATIONS};
use rand::Rng;

/// The note: history, technique and comparison on one line each, then one combined section
/// of dashed findings lines and the impression items.
pub(super) fn abbreviated(draft: &Draft, rng: &mut (impl Rng + ?Sized)) -> String {
    let [hx, tech, comp, body] = pick(rng, &ABBREVIATED_HEADERS);
    let history = abbreviate(&history_text(draft.spec, draft.follow_up, rng));
    let minutes = rng.random_range(55..80);
    let glucose = rng.random_range(78..140);
    let technique = match rng.random_range(0..2) {
        0 => format!("FDG PET/CT skull base-mid thigh, {minutes} min post inj, BG {glucose}."),
        _ => format!("PET/CT vertex to thighs, {minutes} min uptake. BG {glucose} mg/dL."),
    };
    let comparison = abbreviate(&comparison_text(draft.follow_up, rng));
    let mut out = format!("{hx}: {history}\n{tech}: {technique}\n{comp}: {comparison}\n{body}:\n");
    for sentences in draft.findings.by_group() {
        if !sentences.is_empty() {
            out.push_str(&format!("- {}\n", abbreviate(&sentences.join(" "))));
        }
    }
    for item in &items_or_summary(draft, rng) {
        out.push_str(&format!("- {}\n", abbreviate(item)));
    }
    out
}

/// The text with the abbreviations of [`ABBREVIATIONS`] (whole words; a capitalised long form
/// gives a capitalised short form; a dropped word is dropped in lower case only, so that
/// sentences keep their capital).
pub(super) fn abbreviate(text: &str) -> String {
    let mut out = text.to_string();
    for (long, short) in ABBREVIATIONS {
        out = replace_words(&out, long, short);
        if !short.is_empty() {
            out = replace_words(&out, &capitalised(long), &capitalised(short));
        }
    }
    let mut squeezed = String::with_capacity(out.len());
    for c in out.chars() {
        if !(c == ' ' && squeezed.ends_with(' ')) {
            squeezed.push(c);
        }
    }
    squeezed.replace(" ,", ",").replace(" .", ".")
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Replaces `word` where it stands as a whole word (no letter or digit on either side).
fn replace_words(text: &str, word: &str, by: &str) -> String {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(p) = text[i..].find(word) {
        let (start, end) = (i + p, i + p + word.len());
        let whole =
            !is_word(text[..start].chars().next_back()) && !is_word(text[end..].chars().next());
        out.push_str(&text[i..start]);
        out.push_str(if whole { by } else { word });
        i = end;
    }
    out.push_str(&text[i..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_forms_become_abbreviations_as_whole_words_only() {
        assert_eq!(
            abbreviate(
                "Hypermetabolic left supraclavicular lymph nodes, consistent with metastatic disease."
            ),
            "Hypermet L supraclav LNs, c/w mets."
        );
        assert_eq!(
            abbreviate("The cleft is without the uptake."),
            "The cleft is w/o uptake."
        );
        assert_eq!(
            abbreviate("Nodes in the right lower lobe."),
            "Nodes in RLL."
        );
    }
}
