//! Which exam a study of a DICOM folder tree is: exams are keyed by StudyInstanceUID, the
//! AccessionNumber serving as a readable alias only where it names one study alone. Accessions
//! that anonymisers blank or make constant, or that two studies share, never merge two exams:
//! those studies keep their UIDs, with a note saying why.

use std::collections::{BTreeMap, HashMap};

use uptake_core::ExamId;

use crate::discover::Series;
use crate::select::StudyPairing;

/// One study of a folder tree as an exam.
#[derive(Debug, Clone)]
pub struct StudyExam {
    /// The study's StudyInstanceUID.
    pub study_uid: String,
    /// Its exam id: the accession where it is a unique alias, else the StudyInstanceUID.
    pub exam_id: ExamId,
    /// Why the accession was not used, when it was not (blank accessions need no note).
    pub note: Option<String>,
    /// Its series (with, when paired, the CT studies of the same patient and day).
    pub series: Vec<Series>,
}

impl StudyExam {
    /// The StudyInstanceUID as an exam id.
    pub fn uid_id(&self) -> ExamId {
        ExamId::new(&self.study_uid).expect("StudyInstanceUID is required non-empty")
    }
}

/// The accession every slice of a study carries, if they agree on one non-empty value;
/// `Err(n)` when they carry `n` different ones.
fn accession(series: &[Series]) -> Result<Option<String>, usize> {
    let mut found: Vec<&Option<String>> = series
        .iter()
        .flat_map(|s| &s.slices)
        .map(|h| &h.accession_number)
        .collect();
    found.sort();
    found.dedup();
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        many => Err(many.len()),
    }
}

/// The studies as exams, in StudyInstanceUID order.
pub fn study_exams(
    studies: BTreeMap<String, Vec<Series>>,
    pairing: StudyPairing,
) -> Vec<StudyExam> {
    let studies = match pairing {
        StudyPairing::SameStudy => studies,
        StudyPairing::SamePatientAndDay => pair_by_patient_and_day(studies),
    };
    let accessions: BTreeMap<&String, Result<Option<String>, usize>> =
        studies.iter().map(|(uid, s)| (uid, accession(s))).collect();
    let mut users: HashMap<&str, usize> = HashMap::new();
    for a in accessions
        .values()
        .filter_map(|a| a.as_ref().ok()?.as_deref())
    {
        *users.entry(a).or_default() += 1;
    }
    let exams: Vec<(String, Option<ExamId>, Option<String>)> = accessions
        .iter()
        .map(|(uid, a)| match a {
            Ok(Some(a)) if users[a.as_str()] > 1 => (
                uid.to_string(),
                None,
                Some(format!(
                    "AccessionNumber {a} is shared by {} studies: stored under its StudyInstanceUID",
                    users[a.as_str()]
                )),
            ),
            Ok(Some(a)) => (uid.to_string(), ExamId::new(a), None),
            Ok(None) => (uid.to_string(), None, None),
            Err(n) => (
                uid.to_string(),
                None,
                Some(format!(
                    "the study's slices carry {n} different AccessionNumbers: stored under its StudyInstanceUID"
                )),
            ),
        })
        .collect();
    let mut studies = studies;
    exams
        .into_iter()
        .map(|(uid, alias, note)| {
            let series = studies.remove(&uid).unwrap_or_default();
            let exam_id =
                alias.unwrap_or_else(|| ExamId::new(&uid).expect("StudyInstanceUID is non-empty"));
            StudyExam {
                study_uid: uid,
                exam_id,
                note,
                series,
            }
        })
        .collect()
}

/// Moves each study without a PET into the study with a PET of the same PatientID and
/// StudyDate (the first by UID), so a PET and CT filed under two studies make one exam.
fn pair_by_patient_and_day(
    mut studies: BTreeMap<String, Vec<Series>>,
) -> BTreeMap<String, Vec<Series>> {
    let key = |s: &[Series]| {
        let h = &s.first()?.slices[0];
        Some((h.patient_id.clone()?, h.study_date.clone()?))
    };
    let has_pet = |s: &[Series]| s.iter().any(|x| x.modality == "PT");
    let mut pet_study: HashMap<(String, String), String> = HashMap::new();
    for (uid, s) in &studies {
        if has_pet(s)
            && let Some(k) = key(s)
        {
            pet_study.entry(k).or_insert_with(|| uid.clone());
        }
    }
    let movers: Vec<(String, String)> = studies
        .iter()
        .filter(|(_, s)| !has_pet(s))
        .filter_map(|(uid, s)| Some((uid.clone(), pet_study.get(&key(s)?)?.clone())))
        .collect();
    for (from, into) in movers {
        let moved = studies.remove(&from).unwrap_or_default();
        studies.entry(into).or_default().extend(moved);
    }
    studies
}
