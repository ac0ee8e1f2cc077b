//! Value parsers for command-line options (the `cli` feature): the library crates' settings
//! structs derive `clap::Args` behind their own `cli` feature and share these, so a flag is
//! declared once, on the field it sets.

use clap::builder::RangedU64ValueParser;

/// A probability option: a number in [0, 1] (clap refuses anything else).
pub fn probability(text: &str) -> Result<f64, String> {
    text.parse().map(crate::Probability::get)
}

/// A count within `range`: options that size work or memory refuse what would never end or
/// could not be allocated.
pub fn within(range: std::ops::RangeInclusive<u64>) -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(range)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::builder::TypedValueParser;

    #[test]
    fn a_probability_option_refuses_numbers_outside_zero_to_one() {
        assert_eq!(probability("0.25"), Ok(0.25));
        assert!(probability("1.5").is_err());
    }

    #[test]
    fn a_count_option_refuses_counts_outside_its_range() {
        let command = clap::Command::new("t");
        let parse = |text: &str| within(1..=3).parse_ref(&command, None, text.as_ref());
        assert_eq!(parse("3").ok(), Some(3));
        assert!(parse("0").is_err());
    }
}
