//! Text spans that know what they count.
//!
//! Mention files, the annotation app and the report model count **characters** (Unicode scalar
//! values, as Python indexes strings); the tagger and Rust string slicing count **bytes** of
//! UTF-8. Mixing the two silently shifts every span after the first non-ASCII character, so the
//! two are distinct types and converting one into the other needs the text.

use serde::{Deserialize, Serialize};

/// A half-open range of characters (Unicode scalar values) in a text: `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CharSpan {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

/// A half-open range of UTF-8 bytes in a text: `start..end`, both on character boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ByteSpan {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// `new`, `len` and `is_empty` of a span type counting `$unit`s.
macro_rules! span_basics {
    ($span:ident, $unit:literal) => {
        impl $span {
            #[doc = concat!("The span `start..end` in ", $unit, "s.")]
            pub fn new(start: usize, end: usize) -> Self {
                Self { start, end }
            }

            #[doc = concat!("Number of ", $unit, "s.")]
            pub fn len(&self) -> usize {
                self.end.saturating_sub(self.start)
            }

            #[doc = concat!("True when the span holds no ", $unit, ".")]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }
    };
}

span_basics!(CharSpan, "character");
span_basics!(ByteSpan, "byte");

impl CharSpan {
    /// The same span in bytes of `text`; `None` when it does not lie inside `text`.
    pub fn to_bytes(self, text: &str) -> Option<ByteSpan> {
        if self.start > self.end {
            return None;
        }
        let mut offsets = text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()));
        let start = offsets.nth(self.start)?;
        let end = match self.len() {
            0 => start,
            n => offsets.nth(n - 1)?,
        };
        Some(ByteSpan { start, end })
    }

    /// The text of the span; `None` when it does not lie inside `text`.
    pub fn slice(self, text: &str) -> Option<&str> {
        self.to_bytes(text)?.slice(text)
    }
}

impl ByteSpan {
    /// The text of the span; `None` when it is out of range or cuts a character.
    pub fn slice(self, text: &str) -> Option<&str> {
        text.get(self.start..self.end)
    }

    /// The same span in characters of `text`; `None` when it does not lie inside `text` on
    /// character boundaries.
    pub fn to_chars(self, text: &str) -> Option<CharSpan> {
        self.slice(text)?;
        let start = text[..self.start].chars().count();
        let len = text[self.start..self.end].chars().count();
        Some(CharSpan::new(start, start + len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Ø 5 mm lésion in the liver";

    #[test]
    fn characters_and_bytes_differ_after_a_non_ascii_character() {
        let chars = CharSpan::new(21, 26);
        let bytes = chars.to_bytes(TEXT).unwrap();
        assert_eq!(bytes, ByteSpan::new(23, 28));
        assert_eq!(chars.slice(TEXT), Some("liver"));
        assert_eq!(bytes.slice(TEXT), Some("liver"));
    }

    #[test]
    fn a_round_trip_gives_the_same_span() {
        let chars = CharSpan::new(7, 13);
        assert_eq!(chars.slice(TEXT), Some("lésion"));
        assert_eq!(chars.to_bytes(TEXT).unwrap().to_chars(TEXT), Some(chars));
    }

    #[test]
    fn spans_outside_the_text_or_inside_a_character_are_refused() {
        assert_eq!(CharSpan::new(20, 40).to_bytes(TEXT), None);
        assert_eq!(CharSpan::new(5, 4).slice(TEXT), None);
        assert_eq!(ByteSpan::new(0, 1).slice(TEXT), None, "Ø is two bytes");
        assert_eq!(ByteSpan::new(0, 1).to_chars(TEXT), None);
    }

    #[test]
    fn an_empty_span_at_the_end_is_inside_the_text() {
        let n = TEXT.chars().count();
        assert_eq!(CharSpan::new(n, n).slice(TEXT), Some(""));
    }
}
