//! The readers of user files that fuzzing feeds: one [`Target`] per format.

use std::fmt;
use std::str::FromStr;

/// A reader of user files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// Report files, JSON lines (`uptake_reports::read_reports`).
    ReportsJsonl,
    /// Report files, CSV.
    ReportsCsv,
    /// Region tables: weak labels and predictions as wide CSV (`RegionTable::read_csv`).
    RegionTable,
    /// Hand-labelled mention files (`uptake_core::mentions::read_mentions`).
    Mentions,
    /// The region ontology TOML (`Ontology::from_toml_str`).
    Ontology,
    /// The rule labeller's vocabulary TOML (`RulesLabeller::from_toml_str`).
    Rules,
    /// One exam of the exam store, a safetensors file (`ExamStore::load`).
    ExamStore,
    /// A PyTorch checkpoint (`torch.save` zip), as read for Kinetics weights.
    TorchCheckpoint,
    /// One DICOM slice: header and pixel data (`uptake_imaging::dicom::read_slice`).
    Dicom,
}

impl Target {
    /// Every target, in the order runs visit them.
    pub const ALL: [Target; 9] = [
        Target::ReportsJsonl,
        Target::ReportsCsv,
        Target::RegionTable,
        Target::Mentions,
        Target::Ontology,
        Target::Rules,
        Target::ExamStore,
        Target::TorchCheckpoint,
        Target::Dicom,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Target::ReportsJsonl => "reports-jsonl",
            Target::ReportsCsv => "reports-csv",
            Target::RegionTable => "region-table",
            Target::Mentions => "mentions",
            Target::Ontology => "ontology",
            Target::Rules => "rules",
            Target::ExamStore => "exam-store",
            Target::TorchCheckpoint => "torch-checkpoint",
            Target::Dicom => "dicom",
        }
    }

    /// The file name a mutant is written under (readers choose the format by extension).
    pub fn file_name(self) -> &'static str {
        match self {
            Target::ReportsJsonl | Target::Mentions => "input.jsonl",
            Target::ReportsCsv | Target::RegionTable => "input.csv",
            Target::Ontology | Target::Rules => "input.toml",
            Target::ExamStore => "E1.safetensors",
            Target::TorchCheckpoint => "input.pt",
            Target::Dicom => "input.dcm",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A target name that names no target.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown fuzz target `{0}` (known: reports-jsonl, reports-csv, region-table, mentions, ontology, rules, exam-store, torch-checkpoint, dicom)"
)]
pub struct UnknownTarget(pub String);

impl FromStr for Target {
    type Err = UnknownTarget;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| UnknownTarget(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_parses_from_its_name() {
        for target in Target::ALL {
            assert_eq!(target.name().parse::<Target>().unwrap(), target);
        }
        assert!(
            "pdf"
                .parse::<Target>()
                .unwrap_err()
                .to_string()
                .contains("`pdf`")
        );
    }
}
