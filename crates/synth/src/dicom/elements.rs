//! DICOM elements as the writer puts them: text values (DS numbers at most 16 characters),
//! the study-level attributes both series share, the image plane of a slice, and saving.

use super::acquisition::SeriesGeometry;
use crate::dates::Instant;
use dicom_core::value::{C, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use std::path::{Path, PathBuf};

/// A series that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DicomWriteError {
    /// Its folder could not be made.
    #[error("cannot create {path}: {source}")]
    Dir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write DICOM file {path}: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What the DICOM library said.
        message: String,
    },
}

/// DICOM DS text (at most 16 characters) for a value.
pub(super) fn ds(v: f64) -> String {
    for prec in (0..=10).rev() {
        let s = format!("{v:.prec$}");
        if s.len() <= 16 {
            if s.contains('.') {
                let t = s.trim_end_matches('0').trim_end_matches('.');
                return t.to_string();
            }
            return s;
        }
    }
    format!("{v:.6e}")
}

/// The number a DS text holds (what a reader will compute with).
pub(super) fn parse_ds(s: &str) -> f64 {
    s.trim().parse().unwrap_or(f64::NAN)
}

/// Puts a text element.
pub(super) fn text(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: impl Into<String>) {
    obj.put(DataElement::new(
        tag,
        vr,
        PrimitiveValue::from(value.into()),
    ));
}

/// Puts an unsigned short element.
pub(super) fn us(obj: &mut InMemDicomObject, tag: Tag, value: u16) {
    obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
}

/// Puts a date (DA) and a time (TM) element of one instant.
pub(super) fn date_time(obj: &mut InMemDicomObject, date: Tag, time: Tag, at: Instant) {
    text(obj, date, VR::DA, at.day.dicom());
    text(obj, time, VR::TM, at.dicom_time());
}

/// Puts the pixel data (16-bit words).
pub(super) fn pixel_data(obj: &mut InMemDicomObject, stored: Vec<u16>) {
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(C::from_vec(stored)),
    ));
}

/// Puts text elements of fixed values.
pub(super) fn texts(obj: &mut InMemDicomObject, elements: &[(Tag, VR, &str)]) {
    for &(tag, vr, value) in elements {
        text(obj, tag, vr, value);
    }
}

/// The identity and times of one slice of a series.
pub(super) struct SliceTags<'a> {
    /// The SOP class (CT or PET image storage).
    pub(super) sop_class: &'a str,
    /// The slice's instance UID.
    pub(super) instance_uid: String,
    /// `CT` or `PT`.
    pub(super) modality: &'a str,
    /// The series instance UID.
    pub(super) series_uid: &'a str,
    /// The series number.
    pub(super) series_number: &'a str,
    /// The series description.
    pub(super) description: String,
    /// SeriesDate/SeriesTime.
    pub(super) series_start: Instant,
    /// AcquisitionDate/Time and ContentDate/Time.
    pub(super) acquired: Instant,
    /// ImageType.
    pub(super) image_type: &'a str,
    /// 0-based position in the series (InstanceNumber is one more).
    pub(super) index: usize,
}

impl SliceTags<'_> {
    /// Puts the slice's identity and times.
    pub(super) fn put(&self, obj: &mut InMemDicomObject) {
        text(obj, tags::SOP_CLASS_UID, VR::UI, self.sop_class);
        text(obj, tags::SOP_INSTANCE_UID, VR::UI, &self.instance_uid);
        text(obj, tags::MODALITY, VR::CS, self.modality);
        text(obj, tags::SERIES_INSTANCE_UID, VR::UI, self.series_uid);
        text(obj, tags::SERIES_NUMBER, VR::IS, self.series_number);
        text(obj, tags::SERIES_DESCRIPTION, VR::LO, &self.description);
        date_time(obj, tags::SERIES_DATE, tags::SERIES_TIME, self.series_start);
        date_time(
            obj,
            tags::ACQUISITION_DATE,
            tags::ACQUISITION_TIME,
            self.acquired,
        );
        date_time(obj, tags::CONTENT_DATE, tags::CONTENT_TIME, self.acquired);
        text(obj, tags::IMAGE_TYPE, VR::CS, self.image_type);
        text(
            obj,
            tags::INSTANCE_NUMBER,
            VR::IS,
            (self.index + 1).to_string(),
        );
    }
}

/// Puts the position, orientation, spacing and pixel format of slice `index`.
pub(super) fn image_plane(obj: &mut InMemDicomObject, g: &SeriesGeometry, index: usize) {
    let grid = g.grid();
    let z = g.z(index);
    text(
        obj,
        tags::IMAGE_POSITION_PATIENT,
        VR::DS,
        format!(
            "{}\\{}\\{}",
            ds(grid.origin_mm[0] as f64),
            ds(grid.origin_mm[1] as f64),
            ds(z as f64)
        ),
    );
    text(
        obj,
        tags::IMAGE_ORIENTATION_PATIENT,
        VR::DS,
        "1\\0\\0\\0\\1\\0",
    );
    text(obj, tags::SLICE_LOCATION, VR::DS, ds(z as f64));
    // PixelSpacing is (between rows, between columns) = (dy, dx).
    text(
        obj,
        tags::PIXEL_SPACING,
        VR::DS,
        format!(
            "{}\\{}",
            ds(grid.spacing_mm[1] as f64),
            ds(grid.spacing_mm[0] as f64)
        ),
    );
    text(obj, tags::SLICE_THICKNESS, VR::DS, ds(g.slice_mm as f64));
    us(obj, tags::ROWS, g.size as u16);
    us(obj, tags::COLUMNS, g.size as u16);
    us(obj, tags::SAMPLES_PER_PIXEL, 1);
    text(obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    us(obj, tags::BITS_ALLOCATED, 16);
}

/// Saves a slice as a Part-10 file (explicit VR little endian).
pub(super) fn save(obj: InMemDicomObject, path: &Path) -> Result<(), DicomWriteError> {
    let err = |message: String| DicomWriteError::Write {
        path: path.to_path_buf(),
        message,
    };
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN))
        .map_err(|e| err(e.to_string()))?;
    file.write_to_file(path).map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ds_text_fits_sixteen_characters_and_keeps_precision() {
        for v in [
            370_000_000.0,
            6586.2,
            0.000123456789,
            1.0 / 3.0,
            123456.789012345,
        ] {
            let s = ds(v);
            assert!(s.len() <= 16, "{s}");
            let back: f64 = s.parse().unwrap();
            assert!((back - v).abs() / v < 1e-6, "{v} -> {s}");
        }
        assert_eq!(ds(2.0), "2");
    }
}
