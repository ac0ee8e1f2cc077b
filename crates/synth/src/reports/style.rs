//! The institution styles a report can be written in, and the mix a report set draws them from.

use crate::weighted::pick_weighted;
use rand::Rng;
use rand::seq::IndexedRandom;
use std::fmt;
use std::str::FromStr;

/// How an institution lays out and words its reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportStyle {
    /// Upper-case headers, organ sub-headers under FINDINGS, numbered impression, "END OF
    /// IMPRESSION".
    Caps,
    /// Mixed-case headers and organ sub-headers, dashed impression items.
    Mixed,
    /// Headers, but the findings as one running paragraph.
    Paragraph,
    /// No headers at all.
    Bare,
    /// Telegraphic: "LN", "SUVmax 4.1", "1)" numbering.
    Terse,
    /// British/European: "Clinical details:", the technique as a free line, "Report:" and
    /// "Conclusion:".
    European,
    /// A US organ-system template: INDICATION, TECHNIQUE, COMPARISON, then organ headers
    /// ("HEAD/NECK:", "CHEST:", ...) with no FINDINGS header, then IMPRESSION.
    OrganSystem,
    /// A terse "Findings/Impression:" note full of abbreviations ("L supraclav LN", "mets",
    /// "c/w", "w/o").
    Abbreviated,
    /// A narrative dictation: a history header, then unheaded paragraphs with hedges and
    /// negations far from the regions they govern, then IMPRESSION.
    Narrative,
}

impl ReportStyle {
    /// Every style, in the order of their names.
    pub const ALL: [ReportStyle; 9] = [
        ReportStyle::Caps,
        ReportStyle::Mixed,
        ReportStyle::Paragraph,
        ReportStyle::Bare,
        ReportStyle::Terse,
        ReportStyle::European,
        ReportStyle::OrganSystem,
        ReportStyle::Abbreviated,
        ReportStyle::Narrative,
    ];

    /// The five styles of the first report writer, as often as each other.
    pub const CLASSIC: [ReportStyle; 5] = [
        ReportStyle::Caps,
        ReportStyle::Mixed,
        ReportStyle::Paragraph,
        ReportStyle::Bare,
        ReportStyle::Terse,
    ];

    /// The name used on the command line and in docs ("organ-system").
    pub fn name(self) -> &'static str {
        match self {
            ReportStyle::Caps => "caps",
            ReportStyle::Mixed => "mixed",
            ReportStyle::Paragraph => "paragraph",
            ReportStyle::Bare => "bare",
            ReportStyle::Terse => "terse",
            ReportStyle::European => "european",
            ReportStyle::OrganSystem => "organ-system",
            ReportStyle::Abbreviated => "abbreviated",
            ReportStyle::Narrative => "narrative",
        }
    }
}

impl fmt::Display for ReportStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Share of each style in [`StyleMix::Realistic`]: the reports of a multi-site cohort, where
/// templates and European layouts are common and bare or dictated texts rarer.
const REALISTIC: [(ReportStyle, f64); 9] = [
    (ReportStyle::Caps, 0.14),
    (ReportStyle::Mixed, 0.12),
    (ReportStyle::Paragraph, 0.08),
    (ReportStyle::Bare, 0.04),
    (ReportStyle::Terse, 0.07),
    (ReportStyle::European, 0.15),
    (ReportStyle::OrganSystem, 0.18),
    (ReportStyle::Abbreviated, 0.10),
    (ReportStyle::Narrative, 0.12),
];

/// Which styles a report set is written in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StyleMix {
    /// Every style, in the shares of a multi-site cohort (the default).
    #[default]
    Realistic,
    /// These styles, as often as each other. `Uniform(ReportStyle::CLASSIC.to_vec())` gives the
    /// exact reports of the first writer (same seed, same text).
    Uniform(Vec<ReportStyle>),
}

impl StyleMix {
    /// The five styles of the first writer (see [`ReportStyle::CLASSIC`]).
    pub fn classic() -> StyleMix {
        StyleMix::Uniform(ReportStyle::CLASSIC.to_vec())
    }

    /// One style only.
    pub fn only(style: ReportStyle) -> StyleMix {
        StyleMix::Uniform(vec![style])
    }

    /// A style drawn from the mix.
    pub(crate) fn pick(&self, rng: &mut (impl Rng + ?Sized)) -> ReportStyle {
        match self {
            StyleMix::Realistic => *pick_weighted(&REALISTIC, rng),
            StyleMix::Uniform(styles) => *styles.choose(rng).unwrap_or(&ReportStyle::Caps),
        }
    }
}

impl fmt::Display for StyleMix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StyleMix::Realistic => f.write_str("realistic"),
            StyleMix::Uniform(styles) if *styles == ReportStyle::CLASSIC => f.write_str("classic"),
            StyleMix::Uniform(styles) => {
                let names: Vec<&str> = styles.iter().map(|s| s.name()).collect();
                f.write_str(&names.join(","))
            }
        }
    }
}

/// A style mix that is not `realistic`, `classic` or a list of style names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown report style `{0}`: use realistic, classic or a comma-separated list of caps, mixed, paragraph, bare, terse, european, organ-system, abbreviated, narrative"
)]
pub struct UnknownStyle(pub String);

impl FromStr for StyleMix {
    type Err = UnknownStyle;

    /// `realistic`, `classic`, or style names separated by commas ("european,narrative").
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "realistic" => return Ok(StyleMix::Realistic),
            "classic" => return Ok(StyleMix::classic()),
            _ => {}
        }
        let styles = s
            .split(',')
            .map(|name| {
                let name = name.trim();
                ReportStyle::ALL
                    .into_iter()
                    .find(|style| style.name() == name)
                    .ok_or_else(|| UnknownStyle(name.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StyleMix::Uniform(styles))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_parse_from_their_names() {
        assert_eq!("realistic".parse(), Ok(StyleMix::Realistic));
        assert_eq!("classic".parse(), Ok(StyleMix::classic()));
        assert_eq!(
            "european, narrative".parse(),
            Ok(StyleMix::Uniform(vec![
                ReportStyle::European,
                ReportStyle::Narrative
            ]))
        );
        assert!("gothic".parse::<StyleMix>().is_err());
        assert_eq!(StyleMix::classic().to_string(), "classic");
    }

    #[test]
    fn the_realistic_shares_add_up_to_one() {
        let total: f64 = REALISTIC.iter().map(|(_, w)| w).sum();
        assert!((total - 1.0).abs() < 1e-9);
        assert_eq!(REALISTIC.len(), ReportStyle::ALL.len());
    }
}
