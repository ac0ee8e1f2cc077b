//! Reading DICOM slices: the header fields ingestion needs, and pixel values after the
//! per-slice modality rescale (HU for CT, the series' PET units for PET).

use crate::suv::{DicomDateTime, PetSuvTags};
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions};
use dicom_pixeldata::PixelDecoder;
use std::path::{Path, PathBuf};

/// A slice that cannot be read; every message starts with the file.
#[derive(Debug, thiserror::Error)]
pub enum DicomError {
    /// Not DICOM, or not readable.
    #[error("{path}: not a readable DICOM file ({reason})")]
    NotDicom {
        /// The file.
        path: PathBuf,
        /// The reader's words.
        reason: String,
    },
    /// A tag ingestion needs is absent.
    #[error("{path}: missing {tag}")]
    MissingTag {
        /// The file.
        path: PathBuf,
        /// The tag's name and number.
        tag: &'static str,
    },
    /// A tag holds a value that cannot be used.
    #[error("{path}: {tag} has an unusable value {value:?}")]
    BadValue {
        /// The file.
        path: PathBuf,
        /// The tag's name and number.
        tag: &'static str,
        /// The value as written.
        value: String,
    },
    /// The pixel data cannot be decoded.
    #[error("{path}: pixel data cannot be read ({reason}); is the file truncated?")]
    PixelData {
        /// The file.
        path: PathBuf,
        /// The decoder's words.
        reason: String,
    },
    /// A feature this reader does not handle (multi-frame files, colour images...).
    #[error("{path}: {what} is not supported")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The feature.
        what: String,
    },
    /// The rescale turns pixels into NaN or infinity.
    #[error(
        "{path}: pixel values are not finite after rescaling (RescaleSlope {slope}, RescaleIntercept {intercept})"
    )]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// RescaleSlope (0028,1053).
        slope: f64,
        /// RescaleIntercept (0028,1052).
        intercept: f64,
    },
}

/// What ingestion needs from one slice's header.
#[derive(Debug, Clone)]
pub struct SliceHeader {
    /// The file.
    pub path: PathBuf,
    /// StudyInstanceUID (0020,000D).
    pub study_uid: String,
    /// SeriesInstanceUID (0020,000E).
    pub series_uid: String,
    /// Modality (0008,0060): `CT`, `PT`, ...
    pub modality: String,
    /// AccessionNumber (0008,0050).
    pub accession_number: Option<String>,
    /// SeriesDescription (0008,103E).
    pub series_description: Option<String>,
    /// ImageType (0008,0008) values.
    pub image_type: Vec<String>,
    /// CorrectedImage (0028,0051), PET: contains ATTN when attenuation corrected.
    pub corrected_image: Option<Vec<String>>,
    /// FrameOfReferenceUID (0020,0052).
    pub frame_of_reference_uid: Option<String>,
    /// NumberOfFrames (0028,0008); 1 when absent.
    pub number_of_frames: u32,
    /// Rows (0028,0010).
    pub rows: usize,
    /// Columns (0028,0011).
    pub cols: usize,
    /// PixelSpacing: [row spacing (between rows, y), column spacing (between columns, x)].
    pub pixel_spacing_mm: Option<[f64; 2]>,
    /// ImagePositionPatient (0020,0032): LPS of the first pixel's centre.
    pub image_position_mm: Option<[f64; 3]>,
    /// ImageOrientationPatient (0020,0037): row and column direction cosines.
    pub image_orientation: Option<[f64; 6]>,
    /// RescaleSlope (0028,1053); 1 when absent.
    pub rescale_slope: f64,
    /// RescaleIntercept (0028,1052); 0 when absent.
    pub rescale_intercept: f64,
    /// AcquisitionDate/Time of the slice.
    pub acquisition: Option<DicomDateTime>,
    /// Series-level SUV tags as this slice states them (PET only).
    pub pet: Option<PetSuvTags>,
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let s = obj
        .get(tag)?
        .to_str()
        .ok()?
        .trim()
        .trim_end_matches('\0')
        .trim()
        .to_string();
    (!s.is_empty()).then_some(s)
}

fn multi_text(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<String>> {
    let values = obj.get(tag)?.to_multi_str().ok()?;
    Some(
        values
            .iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

fn number(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    let e = obj.get(tag)?;
    if let Ok(v) = e.to_float64() {
        return Some(v);
    }
    e.to_str().ok()?.trim().parse().ok()
}

fn numbers<const N: usize>(obj: &InMemDicomObject, tag: Tag) -> Option<[f64; N]> {
    let v = obj.get(tag)?.to_multi_float64().ok()?;
    v.try_into().ok()
}

fn required(
    obj: &InMemDicomObject,
    tag: Tag,
    name: &'static str,
    path: &Path,
) -> Result<String, DicomError> {
    text(obj, tag).ok_or_else(|| DicomError::MissingTag {
        path: path.to_path_buf(),
        tag: name,
    })
}

fn date_time(obj: &InMemDicomObject, date: Tag, time: Tag) -> Option<DicomDateTime> {
    let t = text(obj, time)?;
    DicomDateTime::from_da_tm(text(obj, date).as_deref(), &t)
}

/// Reads a file's header (everything before the pixel data).
pub fn read_header(path: &Path) -> Result<SliceHeader, DicomError> {
    let obj = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .map_err(|e| DicomError::NotDicom {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    header_of(path, &obj)
}

fn header_of(path: &Path, obj: &InMemDicomObject) -> Result<SliceHeader, DicomError> {
    let modality =
        required(obj, tags::MODALITY, "Modality (0008,0060)", path)?.to_ascii_uppercase();
    let rescale = |tag, name: &'static str, default: f64| -> Result<f64, DicomError> {
        match obj.get(tag) {
            None => Ok(default),
            Some(e) => {
                let raw = e.to_str().map(|s| s.trim().to_string()).unwrap_or_default();
                if raw.is_empty() {
                    return Ok(default);
                }
                raw.parse::<f64>().map_err(|_| DicomError::BadValue {
                    path: path.to_path_buf(),
                    tag: name,
                    value: raw,
                })
            }
        }
    };
    let pet = (modality == "PT").then(|| pet_tags(obj));
    Ok(SliceHeader {
        path: path.to_path_buf(),
        study_uid: required(
            obj,
            tags::STUDY_INSTANCE_UID,
            "StudyInstanceUID (0020,000D)",
            path,
        )?,
        series_uid: required(
            obj,
            tags::SERIES_INSTANCE_UID,
            "SeriesInstanceUID (0020,000E)",
            path,
        )?,
        accession_number: text(obj, tags::ACCESSION_NUMBER),
        series_description: text(obj, tags::SERIES_DESCRIPTION),
        image_type: multi_text(obj, tags::IMAGE_TYPE).unwrap_or_default(),
        corrected_image: multi_text(obj, tags::CORRECTED_IMAGE),
        frame_of_reference_uid: text(obj, tags::FRAME_OF_REFERENCE_UID),
        number_of_frames: number(obj, tags::NUMBER_OF_FRAMES)
            .map(|n| n as u32)
            .unwrap_or(1),
        rows: number(obj, tags::ROWS).unwrap_or(0.0) as usize,
        cols: number(obj, tags::COLUMNS).unwrap_or(0.0) as usize,
        pixel_spacing_mm: numbers::<2>(obj, tags::PIXEL_SPACING),
        image_position_mm: numbers::<3>(obj, tags::IMAGE_POSITION_PATIENT),
        image_orientation: numbers::<6>(obj, tags::IMAGE_ORIENTATION_PATIENT),
        rescale_slope: rescale(tags::RESCALE_SLOPE, "RescaleSlope (0028,1053)", 1.0)?,
        rescale_intercept: rescale(tags::RESCALE_INTERCEPT, "RescaleIntercept (0028,1052)", 0.0)?,
        acquisition: date_time(obj, tags::ACQUISITION_DATE, tags::ACQUISITION_TIME),
        modality,
        pet,
    })
}

fn pet_tags(obj: &InMemDicomObject) -> PetSuvTags {
    let series = date_time(obj, tags::SERIES_DATE, tags::SERIES_TIME);
    let radiopharm = obj
        .get(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
        .and_then(|e| e.items())
        .and_then(|items| items.first());
    let (dose, half_life, injection) = match radiopharm {
        Some(item) => {
            let injection = text(item, tags::RADIOPHARMACEUTICAL_START_DATE_TIME)
                .and_then(|dt| DicomDateTime::from_dt(&dt))
                .or_else(|| {
                    let t = text(item, tags::RADIOPHARMACEUTICAL_START_TIME)?;
                    // The start time has no date of its own: it shares the series date, and the
                    // midnight rule covers injections the evening before.
                    DicomDateTime::from_da_tm(None, &t)
                });
            (
                number(item, tags::RADIONUCLIDE_TOTAL_DOSE),
                number(item, tags::RADIONUCLIDE_HALF_LIFE),
                injection,
            )
        }
        None => (None, None, None),
    };
    // With an injection time of day only, compare times of day only.
    let series = match (injection, series) {
        (Some(i), Some(s)) if i.days.is_none() => Some(DicomDateTime { days: None, ..s }),
        (_, s) => s,
    };
    PetSuvTags {
        units: text(obj, tags::UNITS),
        decay_correction: text(obj, tags::DECAY_CORRECTION),
        patient_weight_kg: number(obj, tags::PATIENT_WEIGHT),
        injected_dose_bq: dose,
        half_life_s: half_life,
        injection,
        series,
        earliest_acquisition: None,
        philips_suv_factor: number(obj, Tag(0x7053, 0x1000)),
        philips_activity_factor: number(obj, Tag(0x7053, 0x1009)),
    }
}

/// A slice's header and pixels after the modality rescale (value * RescaleSlope +
/// RescaleIntercept, the slice's own values), row-major `[rows, cols]`.
pub fn read_slice(path: &Path) -> Result<(SliceHeader, Vec<f32>), DicomError> {
    let obj: DefaultDicomObject =
        OpenFileOptions::new()
            .open_file(path)
            .map_err(|e| DicomError::PixelData {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
    let header = header_of(path, &obj)?;
    let pixels = rescaled_pixels(&header, &obj)?;
    Ok((header, pixels))
}

fn rescaled_pixels(header: &SliceHeader, obj: &DefaultDicomObject) -> Result<Vec<f32>, DicomError> {
    let path = &header.path;
    if obj.get(tags::PIXEL_DATA).is_none() {
        return Err(DicomError::MissingTag {
            path: path.clone(),
            tag: "PixelData (7FE0,0010)",
        });
    }
    let decoded = obj.decode_pixel_data().map_err(|e| DicomError::PixelData {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    if decoded.number_of_frames() != 1 || decoded.samples_per_pixel() != 1 {
        return Err(DicomError::Unsupported {
            path: path.clone(),
            what: format!(
                "{} frames x {} samples per pixel (single-frame grey images only)",
                decoded.number_of_frames(),
                decoded.samples_per_pixel()
            ),
        });
    }
    let (rows, cols) = (decoded.rows() as usize, decoded.columns() as usize);
    let n = rows * cols;
    let data = decoded.data();
    let signed = matches!(
        decoded.pixel_representation(),
        dicom_pixeldata::PixelRepresentation::Signed
    );
    let bits = decoded.bits_allocated();
    let need = n * bits as usize / 8;
    if data.len() < need {
        return Err(DicomError::PixelData {
            path: path.clone(),
            reason: format!("{} bytes of pixel data, {need} expected", data.len()),
        });
    }
    let (slope, intercept) = (header.rescale_slope, header.rescale_intercept);
    let values = rescale(&data[..need], bits, signed, slope, intercept).ok_or_else(|| {
        DicomError::Unsupported {
            path: path.clone(),
            what: format!("BitsAllocated {bits}"),
        }
    })?;
    if !slope.is_finite() || !intercept.is_finite() || values.iter().any(|v| !v.is_finite()) {
        return Err(DicomError::NonFinite {
            path: path.clone(),
            slope,
            intercept,
        });
    }
    Ok(values)
}

/// Stored values (little endian, `bits` wide) times `slope` plus `intercept`; `None` for a
/// width other than 8, 16 and 32 bits.
fn rescale(data: &[u8], bits: u16, signed: bool, slope: f64, intercept: f64) -> Option<Vec<f32>> {
    let (s, b) = (slope as f32, intercept as f32);
    Some(match (bits, signed) {
        (16, false) => data
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]) as f32 * s + b)
            .collect(),
        (16, true) => data
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]) as f32 * s + b)
            .collect(),
        (8, false) => data.iter().map(|&v| v as f32 * s + b).collect(),
        (8, true) => data.iter().map(|&v| v as i8 as f32 * s + b).collect(),
        (32, false) => data
            .chunks_exact(4)
            .map(|c| {
                (u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64 * slope + intercept) as f32
            })
            .collect(),
        (32, true) => data
            .chunks_exact(4)
            .map(|c| {
                (i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64 * slope + intercept) as f32
            })
            .collect(),
        _ => return None,
    })
}
