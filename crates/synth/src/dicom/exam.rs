//! One exam being written: its phantom, patient, acquisition and UIDs, and the patient, study
//! and equipment attributes both series share.

use super::acquisition::Acquisition;
use super::elements::{date_time, ds, text, texts};
use super::uids::UidSource;
use crate::phantom::Phantom;
use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// Patient-level inputs of the writer.
pub(crate) struct PatientTags<'a> {
    pub(crate) patient_id: &'a str,
    pub(crate) exam_id: &'a str,
    pub(crate) female: bool,
    pub(crate) age_years: u32,
    pub(crate) weight_kg: f32,
    pub(crate) height_cm: f32,
}

/// Everything the series writers need about the exam.
pub(super) struct Exam<'a> {
    /// What is rendered.
    pub(super) phantom: &'a Phantom,
    /// How it was acquired.
    pub(super) acq: &'a Acquisition,
    /// Where UIDs come from.
    pub(super) uids: UidSource,
    patient: &'a PatientTags<'a>,
    /// PatientWeight as written (kg, one decimal): the SUV formula reads it back.
    pub(super) weight_text: String,
    height_text: String,
    study_uid: String,
    frame_uid: String,
    accession: String,
}

impl<'a> Exam<'a> {
    /// The exam, with its study-level values fixed once.
    pub(super) fn new(
        phantom: &'a Phantom,
        patient: &'a PatientTags<'a>,
        acq: &'a Acquisition,
        uids: UidSource,
    ) -> Self {
        let accession: String = patient
            .exam_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        Exam {
            phantom,
            acq,
            uids,
            patient,
            weight_text: ds(((patient.weight_kg * 10.0).round() / 10.0) as f64),
            height_text: ds(((patient.height_cm as f64) / 100.0 * 100.0).round() / 100.0),
            study_uid: uids.uid(1, 0),
            frame_uid: uids.uid(2, 0),
            accession: format!("A{accession}"),
        }
    }

    /// Puts the patient, study and equipment attributes into a slice.
    pub(super) fn put_study(&self, obj: &mut InMemDicomObject) {
        let p = self.patient;
        texts(
            obj,
            &[
                (tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100"),
                (tags::PATIENT_ID, VR::LO, p.patient_id),
                (tags::PATIENT_SEX, VR::CS, if p.female { "F" } else { "M" }),
                (tags::PATIENT_WEIGHT, VR::DS, &self.weight_text),
                (tags::PATIENT_SIZE, VR::DS, &self.height_text),
                (tags::STUDY_INSTANCE_UID, VR::UI, &self.study_uid),
                (tags::STUDY_ID, VR::SH, "1"),
                (tags::ACCESSION_NUMBER, VR::SH, &self.accession),
                (tags::STUDY_DESCRIPTION, VR::LO, "PET/CT WHOLE BODY FDG"),
                (tags::REFERRING_PHYSICIAN_NAME, VR::PN, ""),
                (tags::FRAME_OF_REFERENCE_UID, VR::UI, &self.frame_uid),
                (tags::POSITION_REFERENCE_INDICATOR, VR::LO, ""),
                (tags::MANUFACTURER, VR::LO, self.acq.vendor.manufacturer()),
                (tags::PATIENT_POSITION, VR::CS, "HFS"),
                (tags::BODY_PART_EXAMINED, VR::CS, "WHOLEBODY"),
            ],
        );
        let name = format!("SYNTHETIC^{}", p.patient_id);
        text(obj, tags::PATIENT_NAME, VR::PN, name);
        let age = format!("{:03}Y", p.age_years.min(999));
        text(obj, tags::PATIENT_AGE, VR::AS, age);
        date_time(
            obj,
            tags::STUDY_DATE,
            tags::STUDY_TIME,
            self.acq.study_start,
        );
    }
}
