//! Sentence splitting tuned to radiology reports.
//!
//! A period ends a sentence only when followed by white space and not lower-case text, and not
//! after an abbreviation ("Dr.", "e.g.", "approx.") or a list number ("1." at the start of a
//! line or sentence). Decimals ("1.3 x 1.2 cm", "SUVmax 4.1") have no space after the period.
//! Line breaks end a sentence at a blank line, before a list item, or when the next line
//! starts with a capital and the current one does not end mid-phrase (comma, colon, "and").
//! List markers ("1.", "2)", "-") are not part of the sentence.

use std::ops::Range;

/// A sentence: byte offsets into the report, trimmed of white space and list markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// Tokens that a period does not end a sentence after (lower case, without the period).
const ABBREVIATIONS: &[&str] = &[
    "dr", "drs", "mr", "mrs", "ms", "prof", "vs", "v", "e.g", "i.e", "eg", "ie", "approx", "appr",
    "cf", "no", "nos", "fig", "figs", "st", "incl", "resp", "al", "ca", "sq", "mt", "ft", "ref",
    "pt", "pts", "dx", "hx", "tx", "yr", "yrs", "wk", "wks", "mo", "mos", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s",
];

/// Words that, ending a line, show that the sentence continues on the next line.
const CONTINUATION_WORDS: &[&str] = &[
    "and", "or", "the", "of", "in", "with", "to", "a", "an", "at", "for", "from", "by", "on",
    "within", "than", "as",
];

/// Splits `text[range]` into sentences. `range` must lie on character boundaries.
pub fn split_sentences(text: &str, range: Range<usize>) -> Vec<Sentence> {
    let bytes = text.as_bytes();
    let (lo, hi) = (range.start.min(text.len()), range.end.min(text.len()));
    let mut cuts: Vec<usize> = Vec::new(); // segment ends
    let mut seg_start = lo;
    let mut i = lo;
    while i < hi {
        let c = bytes[i];
        match c {
            b'.' | b'!' | b'?' => {
                // Run of closing punctuation: "...", ".)", ".\"".
                let mut j = i + 1;
                while j < hi && matches!(bytes[j], b'.' | b'!' | b'?' | b')' | b']' | b'"' | b'\'')
                {
                    j += 1;
                }
                if j < hi && !bytes[j].is_ascii_whitespace() {
                    i = j;
                    continue; // 1.3, e.g.x, s/p.x: not an end
                }
                if c == b'.' && j == i + 1 && period_is_not_an_end(text, seg_start, i, hi) {
                    i = j;
                    continue;
                }
                cuts.push(j);
                seg_start = j;
                i = j;
            }
            b'\n' => {
                if newline_ends_sentence(text, seg_start, i, hi) {
                    cuts.push(i);
                    seg_start = i + 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    cuts.push(hi);
    let mut out = Vec::new();
    let mut start = lo;
    for end in cuts {
        if end > start
            && let Some(s) = trim_sentence(text, start, end)
        {
            out.push(s);
        }
        start = end;
    }
    out
}

/// For a period at `dot` followed by white space: abbreviation, list number, or lower case next.
fn period_is_not_an_end(text: &str, seg_start: usize, dot: usize, hi: usize) -> bool {
    let bytes = text.as_bytes();
    let mut t = dot;
    while t > seg_start && !bytes[t - 1].is_ascii_whitespace() && bytes[t - 1] != b'(' {
        t -= 1;
    }
    let token = &text[t..dot];
    if token.len() <= 6 && ABBREVIATIONS.iter().any(|a| token.eq_ignore_ascii_case(a)) {
        return true;
    }
    // A list number ("1.", "12.", "a.", "iv.") that starts its segment: a marker, not an end.
    let is_marker_token =
        (token.len() <= 2 && !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()))
            || (token.len() == 1 && token.bytes().all(|b| b.is_ascii_lowercase()));
    if is_marker_token && text[seg_start..t].trim().is_empty() {
        return true;
    }
    // Next visible character lower case: "approx. 3", "vs. prior", "... cm. and".
    let next = text[dot + 1..hi].trim_start().chars().next();
    matches!(next, Some(ch) if ch.is_lowercase())
}

fn newline_ends_sentence(text: &str, seg_start: usize, nl: usize, hi: usize) -> bool {
    let rest = &text[nl + 1..hi];
    let next_line = rest.split('\n').next().unwrap_or("");
    if next_line.trim().is_empty() {
        return true; // blank line (or end)
    }
    let current = text[seg_start..nl].trim_end();
    if current.trim().is_empty() {
        return false;
    }
    let next = next_line.trim_start();
    if starts_with_list_marker(next) {
        return true;
    }
    let last = current.chars().last().unwrap_or(' ');
    if matches!(last, ':' | ',' | ';' | '(' | '-' | '/' | '&') {
        return false;
    }
    let last_word = current
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    if CONTINUATION_WORDS
        .iter()
        .any(|w| last_word.eq_ignore_ascii_case(w))
    {
        return false;
    }
    next.chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

fn starts_with_list_marker(line: &str) -> bool {
    let b = line.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=2).contains(&digits)
        && b.len() > digits + 1
        && matches!(b[digits], b'.' | b')')
        && b[digits + 1] == b' '
    {
        return true;
    }
    matches!(b.first(), Some(b'-' | b'*')) && b.get(1) == Some(&b' ') || line.starts_with("• ")
}

/// Trims white space and a leading list marker; `None` if nothing readable is left.
fn trim_sentence(text: &str, start: usize, end: usize) -> Option<Sentence> {
    let seg = &text[start..end];
    let lead = seg.len() - seg.trim_start().len();
    let mut s = start + lead;
    let e = start + seg.trim_end().len();
    if s >= e {
        return None;
    }
    // Leading list markers: "1.", "1)", "(a)", "-", "*", "•".
    let body = &text[s..e];
    let b = body.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let marker_len = if (1..=2).contains(&digits)
        && matches!(b.get(digits), Some(b'.' | b')'))
        && b.get(digits + 1).is_some_and(u8::is_ascii_whitespace)
    {
        digits + 1
    } else if b.len() > 3 && b[0] == b'(' && b[1].is_ascii_alphanumeric() && b[2] == b')' {
        3
    } else if matches!(b.first(), Some(b'-' | b'*'))
        && b.get(1).is_some_and(u8::is_ascii_whitespace)
    {
        1
    } else if body.starts_with('•') {
        '•'.len_utf8()
    } else {
        0
    };
    if marker_len > 0 {
        let rest = &text[s + marker_len..e];
        s = s + marker_len + (rest.len() - rest.trim_start().len());
    }
    if s >= e || !text[s..e].chars().any(|c| c.is_alphanumeric()) {
        return None;
    }
    Some(Sentence { start: s, end: e })
}
