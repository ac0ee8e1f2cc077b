//! Reading DICOM slices: the header fields ingestion needs, and pixel values after the
//! per-slice modality rescale (HU for CT, the series' PET units for PET).

use crate::suv::{DicomDateTime, PetSuvTags};
use crate::syntax::{JPEG_EXTENDED, TransferSyntax};
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
    #[error("{path}: pixel data cannot be read ({reason})")]
    PixelData {
        /// The file.
        path: PathBuf,
        /// The decoder's words, with the transfer syntax and, for uncompressed data, a hint
        /// that the file may be truncated.
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
    /// SOPInstanceUID (0008,0018): the same instance exported twice has the same one.
    pub sop_instance_uid: Option<String>,
    /// SOPClassUID (0008,0016): secondary captures are recognised by it.
    pub sop_class_uid: Option<String>,
    /// PatientID (0010,0020).
    pub patient_id: Option<String>,
    /// StudyDate (0008,0020), as written (`YYYYMMDD`).
    pub study_date: Option<String>,
    /// SeriesNumber (0020,0011).
    pub series_number: Option<i64>,
    /// SeriesDate/SeriesTime (0008,0021 / 0008,0031).
    pub series_time: Option<DicomDateTime>,
    /// ReconstructionMethod (0054,1103) or, for CT, ConvolutionKernel (0018,1210).
    pub reconstruction: Option<String>,
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
    /// Values read leniently, and how (e.g. a decimal comma in PatientWeight).
    pub repairs: Vec<String>,
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

/// A decimal string read as the standard writes it, or with a decimal comma (`78,5`, as some
/// anonymisers and European systems write it), which is noted in `repairs`.
fn lenient_number(
    obj: &InMemDicomObject,
    tag: Tag,
    name: &str,
    repairs: &mut Vec<String>,
) -> Option<f64> {
    if let Some(v) = number(obj, tag) {
        return Some(v);
    }
    let raw = obj.get(tag)?.to_str().ok()?;
    let raw = raw.trim().trim_end_matches('\0').trim();
    if raw.matches(',').count() != 1 || raw.contains('.') {
        return None;
    }
    let v: f64 = raw.replace(',', ".").parse().ok()?;
    repairs.push(format!(
        "{name} written {raw:?} with a decimal comma: read as {v}"
    ));
    Some(v)
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
    let mut repairs = Vec::new();
    let pet = (modality == "PT").then(|| pet_tags(obj, &mut repairs));
    let reconstruction =
        text(obj, tags::RECONSTRUCTION_METHOD).or_else(|| text(obj, tags::CONVOLUTION_KERNEL));
    Ok(SliceHeader {
        path: path.to_path_buf(),
        sop_instance_uid: text(obj, tags::SOP_INSTANCE_UID),
        sop_class_uid: text(obj, tags::SOP_CLASS_UID),
        patient_id: text(obj, tags::PATIENT_ID),
        study_date: text(obj, tags::STUDY_DATE),
        series_number: number(obj, tags::SERIES_NUMBER).map(|n| n as i64),
        series_time: date_time(obj, tags::SERIES_DATE, tags::SERIES_TIME),
        reconstruction,
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
        repairs,
    })
}

fn pet_tags(obj: &InMemDicomObject, repairs: &mut Vec<String>) -> PetSuvTags {
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
                lenient_number(
                    item,
                    tags::RADIONUCLIDE_TOTAL_DOSE,
                    "RadionuclideTotalDose (0018,1074)",
                    repairs,
                ),
                lenient_number(
                    item,
                    tags::RADIONUCLIDE_HALF_LIFE,
                    "RadionuclideHalfLife (0018,1075)",
                    repairs,
                ),
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
        patient_weight_kg: lenient_number(
            obj,
            tags::PATIENT_WEIGHT,
            "PatientWeight (0010,1030)",
            repairs,
        ),
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
    let syntax = TransferSyntax::of(obj.meta().transfer_syntax());
    let bits_stored = number(obj, tags::BITS_STORED).unwrap_or(0.0);
    let decoded = obj
        .decode_pixel_data()
        .map_err(|e| decode_error(path, &syntax, bits_stored, e.to_string()))?;
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
    let n = decoded.rows() as usize * decoded.columns() as usize;
    let data = decoded.data();
    let format = StoredFormat {
        bits_allocated: decoded.bits_allocated(),
        bits_stored: decoded.bits_stored(),
        high_bit: decoded.high_bit(),
        signed: matches!(
            decoded.pixel_representation(),
            dicom_pixeldata::PixelRepresentation::Signed
        ),
    };
    let need = n * format.bits_allocated as usize / 8;
    if data.len() < need {
        return Err(DicomError::PixelData {
            path: path.clone(),
            reason: format!("{} bytes of pixel data, {need} expected", data.len()),
        });
    }
    let (slope, intercept) = (header.rescale_slope, header.rescale_intercept);
    let values = format
        .rescale(&data[..need], slope, intercept)
        .ok_or_else(|| DicomError::Unsupported {
            path: path.clone(),
            what: format!(
                "BitsAllocated {} with BitsStored {} and HighBit {}",
                format.bits_allocated, format.bits_stored, format.high_bit
            ),
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

/// Why pixel data could not be decoded: a syntax the decoders do not read, 12-bit JPEG
/// Extended, or the decoder's words (with a truncation hint for uncompressed data).
fn decode_error(
    path: &Path,
    syntax: &TransferSyntax,
    bits_stored: f64,
    reason: String,
) -> DicomError {
    let path = path.to_path_buf();
    match syntax {
        TransferSyntax::Known(s) if s.uid == JPEG_EXTENDED && bits_stored > 8.0 => {
            DicomError::Unsupported {
                path,
                what: format!(
                    "{bits_stored}-bit JPEG Extended (Process 4: the Rust JPEG decoder reads 8 bits only; decompress the files first, e.g. gdcmconv --raw or dcmdjpeg)"
                ),
            }
        }
        TransferSyntax::Unknown(uid) => DicomError::Unsupported {
            path,
            what: format!("transfer syntax {uid}"),
        },
        known => DicomError::PixelData {
            path,
            reason: format!(
                "{}: {reason}{}",
                known.name(),
                if known.is_compressed() {
                    ""
                } else {
                    "; is the file truncated?"
                }
            ),
        },
    }
}

/// How stored values sit in their words (Image Pixel module, PS3.5 section 8.1.1): `bits_stored`
/// bits ending at `high_bit`; the bits around them carry nothing (overlays, junk), and signed
/// values are two's complement in `bits_stored` bits, whatever the bits above hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredFormat {
    /// BitsAllocated (0028,0100): 8, 16 or 32.
    pub bits_allocated: u16,
    /// BitsStored (0028,0101).
    pub bits_stored: u16,
    /// HighBit (0028,0102).
    pub high_bit: u16,
    /// PixelRepresentation (0028,0103) 1.
    pub signed: bool,
}

impl StoredFormat {
    /// The stored value of one little-endian word.
    fn value(&self, word: u32) -> i64 {
        let shift = (self.high_bit + 1).saturating_sub(self.bits_stored) as u32;
        let bits = self.bits_stored as u32;
        let raw = (word >> shift) as u64 & ((1u64 << bits) - 1);
        if self.signed && raw >> (bits - 1) & 1 == 1 {
            raw as i64 - (1i64 << bits)
        } else {
            raw as i64
        }
    }

    /// True when the stored bits fill the word (nothing to mask or extend).
    fn fills_word(&self) -> bool {
        self.bits_stored == self.bits_allocated && self.high_bit + 1 == self.bits_allocated
    }

    /// Stored values (little endian) times `slope` plus `intercept`; `None` for a width other
    /// than 8, 16 and 32 bits or bits that do not fit the word.
    pub fn rescale(&self, data: &[u8], slope: f64, intercept: f64) -> Option<Vec<f32>> {
        let (bits, stored, high) = (self.bits_allocated, self.bits_stored, self.high_bit);
        if !matches!(bits, 8 | 16 | 32)
            || stored == 0
            || stored > bits
            || high >= bits
            || high + 1 < stored
        {
            return None;
        }
        let (s, b) = (slope as f32, intercept as f32);
        if self.fills_word() {
            return Some(rescale_words(data, bits, self.signed, slope, intercept));
        }
        let word = |c: &[u8]| match bits {
            8 => c[0] as u32,
            16 => u16::from_le_bytes([c[0], c[1]]) as u32,
            _ => u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
        };
        Some(
            data.chunks_exact(bits as usize / 8)
                .map(|c| {
                    let v = self.value(word(c));
                    if bits == 32 {
                        (v as f64 * slope + intercept) as f32
                    } else {
                        v as f32 * s + b
                    }
                })
                .collect(),
        )
    }
}

/// Whole words (little endian, `bits` wide) times `slope` plus `intercept`.
fn rescale_words(data: &[u8], bits: u16, signed: bool, slope: f64, intercept: f64) -> Vec<f32> {
    let (s, b) = (slope as f32, intercept as f32);
    match (bits, signed) {
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
        (_, false) => data
            .chunks_exact(4)
            .map(|c| {
                (u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64 * slope + intercept) as f32
            })
            .collect(),
        (_, true) => data
            .chunks_exact(4)
            .map(|c| {
                (i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64 * slope + intercept) as f32
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(values: &[u16]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    const CT12: StoredFormat = StoredFormat {
        bits_allocated: 16,
        bits_stored: 12,
        high_bit: 11,
        signed: false,
    };

    #[test]
    fn junk_above_the_stored_bits_of_12_bit_ct_is_masked() {
        // 1024 + 40 HU stored in 12 bits, with an overlay bit and junk in bits 12-15.
        let data = words(&[0xF000 | 1064, 0x8000 | 24]);
        let hu = CT12.rescale(&data, 1.0, -1024.0).unwrap();
        assert_eq!(hu, vec![40.0, -1000.0]);
    }

    #[test]
    fn a_signed_12_bit_value_without_sign_extension_is_extended() {
        // -1000 in 12-bit two's complement is 0xC18; written without the upper sign bits.
        let signed = StoredFormat {
            signed: true,
            ..CT12
        };
        let data = words(&[0x0C18, 0xFC18, 40]);
        assert_eq!(
            signed.rescale(&data, 1.0, 0.0).unwrap(),
            vec![-1000.0, -1000.0, 40.0]
        );
    }

    #[test]
    fn stored_bits_below_a_high_bit_are_shifted_down() {
        let shifted = StoredFormat {
            high_bit: 15,
            ..CT12
        };
        assert_eq!(
            shifted.rescale(&words(&[100 << 4]), 1.0, 0.0).unwrap(),
            vec![100.0]
        );
    }

    #[test]
    fn bits_that_do_not_fit_the_word_are_refused() {
        let bad = StoredFormat {
            bits_stored: 20,
            ..CT12
        };
        assert_eq!(bad.rescale(&words(&[1]), 1.0, 0.0), None);
    }
}
