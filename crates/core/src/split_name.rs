//! A [`Split`] read from its name, as command-line options give it.

use crate::manifest::Split;

impl std::str::FromStr for Split {
    type Err = String;

    /// `train`, `valid` (or `validation`) or `test`, in any case.
    fn from_str(text: &str) -> Result<Self, String> {
        Split::parse(text).ok_or_else(|| format!("`{text}` is not a split (train, valid or test)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_parse_from_their_names_and_others_are_refused() {
        assert_eq!("valid".parse(), Ok(Split::Valid));
        assert_eq!("Test".parse(), Ok(Split::Test));
        assert!(
            "holdout"
                .parse::<Split>()
                .unwrap_err()
                .contains("`holdout`")
        );
    }
}
