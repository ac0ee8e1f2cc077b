//! Feeding one input file to the reader of its target, as the commands read user files.

use crate::target::Target;
use std::path::Path;
use uptake_core::ExamId;

/// What a reader did with an input that did not make it panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Read as valid.
    Accepted,
    /// Refused with an error (the wanted answer to most mutants).
    Refused,
}

fn verdict<T, E>(result: Result<T, E>) -> Verdict {
    match result {
        Ok(_) => Verdict::Accepted,
        Err(_) => Verdict::Refused,
    }
}

/// Reads the file at `path` (named [`Target::file_name`]) with `target`'s reader.
pub fn read(target: Target, path: &Path) -> Verdict {
    match target {
        Target::ReportsJsonl | Target::ReportsCsv => verdict(uptake_reports::read_reports(path)),
        Target::RegionTable => verdict(uptake_core::RegionTable::read_csv(path)),
        Target::Mentions => verdict(uptake_core::mentions::read_mentions(path)),
        Target::Ontology => verdict(uptake_ontology::Ontology::from_path(path)),
        Target::Rules => verdict(uptake_labels::RulesLabeller::from_path(path)),
        Target::ExamStore => read_stored_exam(path),
        Target::TorchCheckpoint => read_checkpoint(path),
        Target::Dicom => verdict(uptake_imaging::dicom::read_slice(path)),
    }
}

/// Everything the scan model and `inspect` read of a stored exam.
fn read_stored_exam(path: &Path) -> Verdict {
    let Some(dir) = path.parent() else {
        return Verdict::Refused;
    };
    let Ok(store) = uptake_imaging::ExamStore::open(dir) else {
        return Verdict::Refused;
    };
    let Some(exam) = ExamId::new("E1") else {
        return Verdict::Refused;
    };
    let volume = store.load(&exam);
    let info = store.info(&exam);
    let mask = store.lesion_mask(&exam);
    let geometry = store.geometry(&exam);
    verdict(volume.and(info).and(mask).and(geometry))
}

/// A checkpoint's state dict and every tensor's values.
fn read_checkpoint(path: &Path) -> Verdict {
    let Ok(dict) = uptake_scanmodel::torch::StateDict::read(path) else {
        return Verdict::Refused;
    };
    let keys: Vec<String> = dict.tensors.keys().cloned().collect();
    let all = keys.iter().map(|key| dict.values(key, path));
    verdict(all.collect::<Result<Vec<_>, _>>())
}
