//! What an analysis left out: every exam, seed (prediction file) or region that does not enter
//! its figures is either an error or one [`Dropped`] entry, listed in the result's JSON
//! (`dropped`) and summed up in its printed notes ([`notes`]).

use serde::Serialize;
use std::fmt;
use uptake_core::ExamId;

/// The thing left out; in JSON `{"exam": "E7"}`, `{"seed": "s1.csv"}` or `{"region": "liver"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DroppedItem {
    /// An exam.
    Exam(ExamId),
    /// A prediction file (one seed).
    Seed(String),
    /// A region column.
    Region(String),
}

impl DroppedItem {
    /// True when it is the exam `exam`.
    pub(crate) fn is(&self, exam: &ExamId) -> bool {
        matches!(self, DroppedItem::Exam(e) if e == exam)
    }

    fn kind(&self) -> &'static str {
        match self {
            DroppedItem::Exam(_) => "exam",
            DroppedItem::Seed(_) => "seed",
            DroppedItem::Region(_) => "region",
        }
    }
}

impl fmt::Display for DroppedItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DroppedItem::Exam(e) => write!(f, "{e}"),
            DroppedItem::Seed(s) | DroppedItem::Region(s) => f.write_str(s),
        }
    }
}

/// Why it was left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// A predicted exam without a row in the truth.
    NoTruthRow,
    /// A labelled exam without a row in the prediction file.
    NoPredictionRow,
    /// A labelled exam whose prediction cell for the region is empty.
    EmptyPrediction,
    /// A truth column that the prediction file does not have.
    NoPredictionColumn,
    /// A prediction column that the truth does not have.
    NoTruthColumn,
    /// A seed without any prediction for the region's labelled exams.
    NoPredictionForRegion,
    /// An exam missing (or empty) in some of the prediction files, left out of the exams all
    /// of them share (`--intersection`, the ensemble, the median over seeds).
    NotInEveryFile,
    /// A predicted exam that the cohort manifest does not list.
    NotInManifest,
    /// An exam of the cohort without a value of a covariate of the model.
    MissingCovariate(String),
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::NoTruthRow => f.write_str("no truth row"),
            DropReason::NoPredictionRow => f.write_str("no prediction row"),
            DropReason::EmptyPrediction => f.write_str("an empty prediction cell"),
            DropReason::NoPredictionColumn => f.write_str("no prediction column"),
            DropReason::NoTruthColumn => f.write_str("no truth column"),
            DropReason::NoPredictionForRegion => f.write_str("no prediction for any labelled exam"),
            DropReason::NotInEveryFile => f.write_str("not predicted in every file"),
            DropReason::NotInManifest => f.write_str("not in the manifest"),
            DropReason::MissingCovariate(c) => write!(f, "no `{c}` value"),
        }
    }
}

/// One exam, seed or region left out of an analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// What was left out.
    pub item: DroppedItem,
    /// The file it concerns (a prediction file, the truth, the manifest).
    pub file: String,
    /// The region it was left out of; `None` when left out of every region.
    pub region: Option<String>,
    /// Why.
    pub reason: DropReason,
}

impl Dropped {
    /// An exam of `file` left out (of `region`, or of all regions).
    pub(crate) fn exam(
        exam: &ExamId,
        file: impl fmt::Display,
        region: Option<&str>,
        reason: DropReason,
    ) -> Self {
        Self {
            item: DroppedItem::Exam(exam.clone()),
            file: file.to_string(),
            region: region.map(str::to_string),
            reason,
        }
    }
}

/// How many ids a note names before it refers to the JSON.
const NAMED_IN_A_NOTE: usize = 5;

/// One note per (file, region, reason, kind) group: how many were left out, and the first ids.
pub fn notes(dropped: &[Dropped]) -> Vec<String> {
    let mut groups: Vec<(&Dropped, Vec<String>)> = Vec::new();
    for d in dropped {
        let same = |g: &&mut (&Dropped, Vec<String>)| {
            g.0.file == d.file
                && g.0.region == d.region
                && g.0.reason == d.reason
                && g.0.item.kind() == d.item.kind()
        };
        match groups.iter_mut().find(|g| same(g)) {
            Some(g) => g.1.push(d.item.to_string()),
            None => groups.push((d, vec![d.item.to_string()])),
        }
    }
    groups
        .into_iter()
        .map(|(d, ids)| {
            let region = d
                .region
                .as_ref()
                .map(|r| format!(" from `{r}`"))
                .unwrap_or_default();
            if let DroppedItem::Seed(_) = d.item {
                return format!(
                    "{}: seed left out{region} ({}): the means over seeds are over the others",
                    d.file, d.reason
                );
            }
            let named = ids[..ids.len().min(NAMED_IN_A_NOTE)].join(", ");
            let more = if ids.len() > NAMED_IN_A_NOTE {
                ", ... (all in the JSON `dropped`)"
            } else {
                ""
            };
            format!(
                "{}: {} {}(s) left out{region} ({}): {named}{more}",
                d.file,
                ids.len(),
                d.item.kind(),
                d.reason
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_counts_a_group_and_names_its_first_ids() {
        let exam = |id: &str| ExamId::new(id).unwrap();
        let dropped: Vec<Dropped> = ["e1", "e2", "e3", "e4", "e5", "e6"]
            .iter()
            .map(|id| Dropped::exam(&exam(id), "p.csv", None, DropReason::NoTruthRow))
            .chain([Dropped::exam(
                &exam("e9"),
                "p.csv",
                Some("liver"),
                DropReason::EmptyPrediction,
            )])
            .collect();
        assert_eq!(
            notes(&dropped),
            [
                "p.csv: 6 exam(s) left out (no truth row): e1, e2, e3, e4, e5, ... (all in the JSON `dropped`)",
                "p.csv: 1 exam(s) left out from `liver` (an empty prediction cell): e9",
            ]
        );
        let json = serde_json::to_value(&dropped[6]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"item": {"exam": "e9"}, "file": "p.csv", "region": "liver", "reason": "empty_prediction"})
        );
    }
}
