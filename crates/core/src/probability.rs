//! A probability read from text (a threshold given on the command line): a number in [0, 1].

use std::str::FromStr;

/// A number in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Probability(f64);

impl Probability {
    /// `value` when it lies in [0, 1] (NaN does not).
    pub fn new(value: f64) -> Option<Self> {
        (0.0..=1.0).contains(&value).then_some(Self(value))
    }

    /// The number.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl FromStr for Probability {
    type Err = String;

    /// A decimal number in [0, 1], surrounding spaces allowed.
    fn from_str(text: &str) -> Result<Self, String> {
        let value: f64 = (text.trim().parse()).map_err(|_| format!("`{text}` is not a number"))?;
        Self::new(value).ok_or_else(|| format!("{value} is not in [0, 1]"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_zero_to_one_are_probabilities() {
        assert_eq!("0".parse::<Probability>().map(Probability::get), Ok(0.0));
        assert_eq!(
            " 0.25 ".parse::<Probability>().map(Probability::get),
            Ok(0.25)
        );
        assert_eq!("1".parse::<Probability>().map(Probability::get), Ok(1.0));
    }

    #[test]
    fn other_text_is_refused_with_the_reason() {
        assert_eq!(
            "1.5".parse::<Probability>(),
            Err("1.5 is not in [0, 1]".into())
        );
        assert_eq!(
            "high".parse::<Probability>(),
            Err("`high` is not a number".into())
        );
        assert!("NaN".parse::<Probability>().is_err());
    }
}
