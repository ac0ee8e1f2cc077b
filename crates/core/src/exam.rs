use serde::{Deserialize, Serialize};
use std::fmt;

/// The identifier of one exam (one PET/CT study and its report). Opaque text; never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExamId(String);

impl ExamId {
    /// Wraps an id, trimming surrounding white space. Returns `None` for an empty id.
    pub fn new(id: impl AsRef<str>) -> Option<Self> {
        let id = id.as_ref().trim();
        (!id.is_empty()).then(|| Self(id.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_or_blank_ids_are_rejected() {
        assert_eq!(ExamId::new("  "), None);
        assert_eq!(ExamId::new(""), None);
    }

    #[test]
    fn ids_are_trimmed() {
        assert_eq!(ExamId::new(" e1 ").unwrap().as_str(), "e1");
    }
}
