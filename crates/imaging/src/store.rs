//! The exam store: one safetensors file per exam, CT in HU and PET in SUV on the model grid.
//!
//! Layout: `<store>/<exam id>.safetensors` (characters outside `[A-Za-z0-9._-]` percent-encoded).
//! Each file holds two tensors, `ct_hu` and `pet_suv`, shape `[slices, rows, cols]`, row-major,
//! stored as f16 (half the bytes of f32; HU keep 0.5 HU and SUV 0.01 precision in the range
//! that matters), and `__metadata__` with `exam_id`, `geometry` (JSON of [`Geometry`]) and, when
//! ingestion wrote it, `info` (JSON of [`ExamInfo`]: where the volumes came from and how they
//! were converted). Files are written atomically, so a reader never sees a half-written exam.

use crate::record::Skipped;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use uptake_core::{AtomicWriteError, ExamId, write_atomic};

/// Where the voxels of a volume lie in the patient (DICOM LPS coordinates, millimetres).
///
/// Axis order everywhere is `[z, y, x]` = `[slice, row, column]`. Slice 0 is the most superior
/// (head end) slice; rows run anterior to posterior, columns patient right to left. The centre
/// of voxel `(k, i, j)` lies at LPS `x = origin_x + j * spacing_x`, `y = origin_y + i * spacing_y`,
/// `z = origin_z - k * spacing_z` (z decreases towards the feet). See [`Geometry::position_mm`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Geometry {
    /// `[slices, rows, cols]`.
    pub shape: [usize; 3],
    /// `[z, y, x]` voxel spacing, all positive.
    pub spacing_mm: [f32; 3],
    /// `[z, y, x]` LPS position of the centre of voxel `(0, 0, 0)`.
    pub origin_mm: [f32; 3],
}

impl Geometry {
    /// Number of voxels.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when the grid has no voxel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// LPS position `[z, y, x]` (mm) of the centre of voxel `(k, i, j)`.
    pub fn position_mm(&self, k: usize, i: usize, j: usize) -> [f32; 3] {
        [
            self.origin_mm[0] - k as f32 * self.spacing_mm[0],
            self.origin_mm[1] + i as f32 * self.spacing_mm[1],
            self.origin_mm[2] + j as f32 * self.spacing_mm[2],
        ]
    }

    /// Row-major index of voxel `(k, i, j)`.
    pub fn index(&self, k: usize, i: usize, j: usize) -> usize {
        (k * self.shape[1] + i) * self.shape[2] + j
    }
}

/// One exam on the model grid: CT in Hounsfield units and PET in SUV (body weight), voxel for
/// voxel aligned, row-major `[z, y, x]` as described by `geometry`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExamVolume {
    /// The exam.
    pub exam_id: ExamId,
    /// Where its voxels lie.
    pub geometry: Geometry,
    /// CT, Hounsfield units.
    pub ct_hu: Vec<f32>,
    /// PET, SUV (body weight).
    pub pet_suv: Vec<f32>,
}

/// CT window of the model input: HU clipped to this range, then mapped linearly onto [-1, 1].
pub const CT_WINDOW_HU: (f32, f32) = (-1000.0, 1000.0);
/// PET window of the model input: SUV clipped to this range, then divided by
/// [`PET_SCALE_SUV`] (so the channel lies in [0, 2]; liver ~0.25, SUV 10 -> 1).
pub const PET_WINDOW_SUV: (f32, f32) = (0.0, 20.0);
/// The SUV that maps to 1 in the PET channel.
pub const PET_SCALE_SUV: f32 = 10.0;

/// The two model input channels `[ct, pet]` of an exam, with FIXED windows (never per-exam
/// statistics, so an SUV of 5 means the same to the model in every exam):
/// CT: `clamp(hu, -1000, 1000) / 1000`; PET: `clamp(suv, 0, 20) / 10`. NaN maps to the low end.
/// The volume's own buffers are windowed in place (training loads every exam every epoch: no
/// copy of the volume is made).
pub fn model_channels(volume: ExamVolume) -> [Vec<f32>; 2] {
    let (ct_lo, ct_hi) = CT_WINDOW_HU;
    let ct_half = (ct_hi - ct_lo) / 2.0;
    let ct_mid = (ct_hi + ct_lo) / 2.0;
    let (mut ct, mut pet) = (volume.ct_hu, volume.pet_suv);
    for hu in &mut ct {
        *hu = if hu.is_nan() {
            -1.0
        } else {
            (hu.clamp(ct_lo, ct_hi) - ct_mid) / ct_half
        };
    }
    let (pet_lo, pet_hi) = PET_WINDOW_SUV;
    for suv in &mut pet {
        *suv = if suv.is_nan() {
            0.0
        } else {
            suv.clamp(pet_lo, pet_hi) / PET_SCALE_SUV
        };
    }
    [ct, pet]
}

/// Where an ingested exam came from, how it was converted, and every decision on the way (kept
/// beside the volumes; fields added later read as empty from older stores).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExamInfo {
    /// StudyInstanceUID (of the PET), or for NIfTI input the source folder.
    pub study_instance_uid: String,
    /// SeriesInstanceUID of the CT (the CT file for NIfTI input).
    pub ct_series_uid: String,
    /// SeriesInstanceUID of the PET (the SUV file for NIfTI input).
    pub pet_series_uid: String,
    /// Why this PET series: the selection criteria that decided, or the user's choice.
    #[serde(default)]
    pub pet_choice: String,
    /// Why this CT series.
    #[serde(default)]
    pub ct_choice: String,
    /// How PET values became SUV (e.g. "BQML, decay START, weight 72 kg, dose 370 MBq").
    pub suv_method: String,
    /// SUV per stored PET unit (the body-weight factor), where one factor applies.
    pub suv_factor: Option<f64>,
    /// Native geometry of the CT and PET series (before resampling), `[z, y, x]`, z ascending
    /// from the lowest slice.
    pub ct_native: Option<Geometry>,
    /// Native geometry of the PET series, as `ct_native`.
    pub pet_native: Option<Geometry>,
    /// The other series, and why they were not chosen.
    #[serde(default)]
    pub rejected_series: Vec<Skipped>,
    /// Files left out (not DICOM, the same instance twice), and why.
    #[serde(default)]
    pub skipped_files: Vec<Skipped>,
    /// Values read leniently, and how (a decimal comma in PatientWeight...).
    #[serde(default)]
    pub repairs: Vec<String>,
    /// The lesion mask stored with the exam (its source file), if one is.
    #[serde(default)]
    pub lesion_mask: Option<String>,
    /// Non-fatal problems seen while ingesting (irregular spacing, coverage cut, ties...).
    pub warnings: Vec<String>,
}

/// A store or exam file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store's folder cannot be created.
    #[error("exam store {dir}: {cause}")]
    Open {
        /// The folder.
        dir: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// The exam is not stored.
    #[error("exam {exam} is not in the store {dir}")]
    NotFound {
        /// The exam.
        exam: ExamId,
        /// The store's folder.
        dir: PathBuf,
    },
    /// An exam file cannot be read.
    #[error("cannot read {path}: {cause}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// An exam file of another format.
    #[error("{path} is not a valid exam file: {what}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// A volume that cannot be stored (sizes that disagree).
    #[error("exam {exam}: {what}")]
    Invalid {
        /// The exam.
        exam: ExamId,
        /// What is wrong.
        what: String,
    },
    /// Writing failed; the old file is intact.
    #[error(transparent)]
    Write(#[from] AtomicWriteError),
}

/// A folder of exam files.
#[derive(Debug, Clone)]
pub struct ExamStore {
    dir: PathBuf,
}

const EXTENSION: &str = "safetensors";

impl ExamStore {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<ExamStore, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|cause| StoreError::Open {
            dir: dir.clone(),
            cause,
        })?;
        Ok(ExamStore { dir })
    }

    /// The store's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file an exam is (or would be) stored in.
    pub fn path_of(&self, exam: &ExamId) -> PathBuf {
        self.dir
            .join(format!("{}.{EXTENSION}", encode_file_stem(exam.as_str())))
    }

    /// True when the exam is stored.
    pub fn contains(&self, exam: &ExamId) -> bool {
        self.path_of(exam).is_file()
    }

    /// The ids of every stored exam, sorted. Unreadable entries and temporary files are ignored.
    pub fn exam_ids(&self) -> Vec<ExamId> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut ids: Vec<ExamId> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let stem = name.strip_suffix(&format!(".{EXTENSION}"))?;
                if stem.starts_with('.') {
                    return None;
                }
                ExamId::new(decode_file_stem(stem)?)
            })
            .collect();
        ids.sort();
        ids
    }

    /// Loads an exam as f32 volumes.
    pub fn load(&self, exam: &ExamId) -> Result<ExamVolume, StoreError> {
        let path = self.path_of(exam);
        if !path.is_file() {
            return Err(StoreError::NotFound {
                exam: exam.clone(),
                dir: self.dir.clone(),
            });
        }
        let bytes = std::fs::read(&path).map_err(|cause| StoreError::Read {
            path: path.clone(),
            cause,
        })?;
        decode_exam(&path, &bytes)
    }

    /// The lesion mask stored with an exam (share of each voxel inside a lesion, `[z, y, x]`),
    /// if one is.
    pub fn lesion_mask(&self, exam: &ExamId) -> Result<Option<Vec<f32>>, StoreError> {
        let path = self.path_of(exam);
        let bytes = std::fs::read(&path).map_err(|cause| StoreError::Read {
            path: path.clone(),
            cause,
        })?;
        let tensors =
            safetensors::SafeTensors::deserialize(&bytes).map_err(|e| StoreError::Format {
                path: path.clone(),
                what: e.to_string(),
            })?;
        let Ok(t) = tensors.tensor("lesion_mask") else {
            return Ok(None);
        };
        Ok(Some(f16_to_f32(t.data())))
    }

    /// The ingestion record of an exam, reading only the file header.
    pub fn info(&self, exam: &ExamId) -> Result<Option<ExamInfo>, StoreError> {
        let path = self.path_of(exam);
        let meta = read_header(&path)?;
        match meta.get("info") {
            None => Ok(None),
            Some(json) => serde_json::from_str(json)
                .map(Some)
                .map_err(|e| StoreError::Format {
                    path,
                    what: format!("info: {e}"),
                }),
        }
    }

    /// The geometry of an exam, reading only the file header.
    pub fn geometry(&self, exam: &ExamId) -> Result<Geometry, StoreError> {
        let path = self.path_of(exam);
        let meta = read_header(&path)?;
        parse_geometry(&path, &meta)
    }

    /// Writes (atomically replacing) an exam.
    pub fn write(&self, volume: &ExamVolume) -> Result<(), StoreError> {
        self.write_with_info(volume, None)
    }

    /// Writes (atomically replacing) an exam with its ingestion record.
    pub fn write_with_info(
        &self,
        volume: &ExamVolume,
        info: Option<&ExamInfo>,
    ) -> Result<(), StoreError> {
        self.write_with_mask(volume, info, None)
    }

    /// Writes (atomically replacing) an exam with its ingestion record and a lesion mask (the
    /// share of each voxel inside a lesion, on the exam's grid) as the tensor `lesion_mask`.
    pub fn write_with_mask(
        &self,
        volume: &ExamVolume,
        info: Option<&ExamInfo>,
        lesion_mask: Option<&[f32]>,
    ) -> Result<(), StoreError> {
        let bytes = encode_exam(volume, info, lesion_mask)?;
        let path = self.path_of(&volume.exam_id);
        write_atomic(&path, |w| std::io::Write::write_all(w, &bytes))?;
        Ok(())
    }
}

fn encode_exam(
    volume: &ExamVolume,
    info: Option<&ExamInfo>,
    lesion_mask: Option<&[f32]>,
) -> Result<Vec<u8>, StoreError> {
    let invalid = |what: String| StoreError::Invalid {
        exam: volume.exam_id.clone(),
        what,
    };
    let n = volume.geometry.len();
    if volume.ct_hu.len() != n
        || volume.pet_suv.len() != n
        || lesion_mask.is_some_and(|m| m.len() != n)
    {
        return Err(invalid(format!(
            "volume lengths (ct {}, pet {}) do not match the geometry {:?}",
            volume.ct_hu.len(),
            volume.pet_suv.len(),
            volume.geometry.shape
        )));
    }
    let to_f16_bytes = |values: &[f32]| -> Vec<u8> {
        let mut out = Vec::with_capacity(values.len() * 2);
        for &v in values {
            out.extend_from_slice(&half::f16::from_f32(v).to_le_bytes());
        }
        out
    };
    // Nothing the f16 tensors cannot hold is stored (it would read back as infinity).
    for (name, values) in [
        ("ct_hu", &volume.ct_hu[..]),
        ("pet_suv", &volume.pet_suv[..]),
    ] {
        if let Some(v) = values
            .iter()
            .find(|v| !v.is_finite() || v.abs() > half::f16::MAX.to_f32())
        {
            return Err(invalid(format!(
                "{name} holds {v}, which is not finite or beyond the f16 range"
            )));
        }
    }
    let ct = to_f16_bytes(&volume.ct_hu);
    let pet = to_f16_bytes(&volume.pet_suv);
    let mask = lesion_mask.map(to_f16_bytes);
    let shape = volume.geometry.shape.to_vec();
    let view = |data| {
        safetensors::tensor::TensorView::new(safetensors::Dtype::F16, shape.clone(), data)
            .map_err(|e| invalid(format!("tensor: {e}")))
    };
    let mut tensors = vec![("ct_hu", view(&ct)?), ("pet_suv", view(&pet)?)];
    if let Some(mask) = &mask {
        tensors.push(("lesion_mask", view(mask)?));
    }
    let mut meta = HashMap::new();
    meta.insert("exam_id".to_string(), volume.exam_id.as_str().to_string());
    meta.insert(
        "geometry".to_string(),
        serde_json::to_string(&volume.geometry).map_err(|e| invalid(e.to_string()))?,
    );
    if let Some(info) = info {
        meta.insert(
            "info".to_string(),
            serde_json::to_string(info).map_err(|e| invalid(e.to_string()))?,
        );
    }
    let bytes = safetensors::serialize(tensors, Some(meta))
        .map_err(|e| invalid(format!("serialise: {e}")))?;
    sorted_header(bytes).map_err(|e| invalid(format!("serialise: {e}")))
}

/// The header of a safetensors file as `safetensors` writes it, with the metadata in key order.
#[derive(Serialize, Deserialize)]
struct SortedHeader {
    #[serde(rename = "__metadata__")]
    metadata: std::collections::BTreeMap<String, String>,
    #[serde(flatten)]
    tensors: std::collections::BTreeMap<String, serde_json::Value>,
}

/// `safetensors` writes the metadata map in hash order, so one exam gave different bytes on
/// every run: the header is written again with its keys in order (same length, same data).
fn sorted_header(mut bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    let n = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
        .filter(|n| 8 + n <= bytes.len())
        .ok_or("no header")?;
    let header: SortedHeader =
        serde_json::from_slice(&bytes[8..8 + n]).map_err(|e| e.to_string())?;
    let mut text = serde_json::to_vec(&header).map_err(|e| e.to_string())?;
    if text.len() > n {
        return Err(format!(
            "the sorted header grew from {n} to {} bytes",
            text.len()
        ));
    }
    text.resize(n, b' ');
    bytes[8..8 + n].copy_from_slice(&text);
    Ok(bytes)
}

fn decode_exam(path: &Path, bytes: &[u8]) -> Result<ExamVolume, StoreError> {
    let format = |what: String| StoreError::Format {
        path: path.to_path_buf(),
        what,
    };
    let (_, metadata) =
        safetensors::SafeTensors::read_metadata(bytes).map_err(|e| format(e.to_string()))?;
    let meta = metadata.metadata().clone().unwrap_or_default();
    let geometry = parse_geometry(path, &meta)?;
    let exam_id = meta
        .get("exam_id")
        .and_then(ExamId::new)
        .ok_or_else(|| format("no exam_id in the metadata".into()))?;
    let tensors =
        safetensors::SafeTensors::deserialize(bytes).map_err(|e| format(e.to_string()))?;
    let read = |name: &str| -> Result<Vec<f32>, StoreError> {
        let t = tensors
            .tensor(name)
            .map_err(|e| format(format!("{name}: {e}")))?;
        if t.shape() != geometry.shape {
            return Err(format(format!(
                "{name} has shape {:?}, geometry says {:?}",
                t.shape(),
                geometry.shape
            )));
        }
        match t.dtype() {
            safetensors::Dtype::F16 => Ok(f16_to_f32(t.data())),
            safetensors::Dtype::F32 => Ok(t
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()),
            other => Err(format(format!(
                "{name} has dtype {other:?}, expected F16 or F32"
            ))),
        }
    };
    Ok(ExamVolume {
        exam_id,
        geometry,
        ct_hu: read("ct_hu")?,
        pet_suv: read("pet_suv")?,
    })
}

/// Little-endian f16 values as f32, in one pass: a block at a time through the `half` crate's
/// slice conversion (the CPU's conversion instructions where it has them). Exact: every f16 is
/// an f32. The bytes need no alignment.
fn f16_to_f32(bytes: &[u8]) -> Vec<f32> {
    use half::slice::HalfFloatSliceExt;
    const BLOCK: usize = 4096;
    let mut out = vec![0.0f32; bytes.len() / 2];
    let mut halves = [half::f16::ZERO; BLOCK];
    for (src, dst) in bytes.chunks(2 * BLOCK).zip(out.chunks_mut(BLOCK)) {
        let halves = &mut halves[..dst.len()];
        for (h, b) in halves.iter_mut().zip(src.chunks_exact(2)) {
            *h = half::f16::from_le_bytes([b[0], b[1]]);
        }
        halves.convert_to_f32_slice(dst);
    }
    out
}

fn parse_geometry(path: &Path, meta: &HashMap<String, String>) -> Result<Geometry, StoreError> {
    let json = meta.get("geometry").ok_or_else(|| StoreError::Format {
        path: path.to_path_buf(),
        what: "no geometry in the metadata".into(),
    })?;
    serde_json::from_str(json).map_err(|e| StoreError::Format {
        path: path.to_path_buf(),
        what: format!("geometry: {e}"),
    })
}

/// Reads only the safetensors header (8-byte length + JSON) of a file.
fn read_header(path: &Path) -> Result<HashMap<String, String>, StoreError> {
    use std::io::Read;
    let read_err = |cause| StoreError::Read {
        path: path.to_path_buf(),
        cause,
    };
    let format = |what: String| StoreError::Format {
        path: path.to_path_buf(),
        what,
    };
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len).map_err(read_err)?;
    let len = u64::from_le_bytes(len);
    if len > 100_000_000 {
        return Err(format(format!("header of {len} bytes")));
    }
    let mut header = vec![0u8; len as usize];
    file.read_exact(&mut header).map_err(read_err)?;
    let value: serde_json::Value =
        serde_json::from_slice(&header).map_err(|e| format(e.to_string()))?;
    let meta = value
        .get("__metadata__")
        .and_then(|m| m.as_object())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Ok(meta)
}

fn encode_file_stem(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for (n, byte) in id.bytes().enumerate() {
        let safe =
            byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' || (byte == b'.' && n > 0);
        if safe {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn decode_file_stem(stem: &str) -> Option<String> {
    let bytes = stem.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut n = 0;
    while n < bytes.len() {
        if bytes[n] == b'%' {
            let hex = std::str::from_utf8(bytes.get(n + 1..n + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            n += 3;
        } else {
            out.push(bytes[n]);
            n += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A 4 x 5 x 6 exam (4 mm slices, 2 mm pixels) of SUV 1 with one voxel of SUV 12 at
/// (2, 3, 4), CT 0 HU: the tests' exam.
#[cfg(test)]
pub(crate) fn hot_spot_volume() -> ExamVolume {
    let geometry = Geometry {
        shape: [4, 5, 6],
        spacing_mm: [4.0, 2.0, 2.0],
        origin_mm: [0.0, 0.0, 0.0],
    };
    let n = geometry.len();
    let mut pet = vec![1.0; n];
    pet[geometry.index(2, 3, 4)] = 12.0;
    ExamVolume {
        exam_id: ExamId::new("e").unwrap(),
        geometry,
        ct_hu: vec![0.0; n],
        pet_suv: pet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_exam(id: &str) -> ExamVolume {
        let geometry = Geometry {
            shape: [2, 3, 4],
            spacing_mm: [4.0, 2.5, 2.5],
            origin_mm: [100.0, -280.0, -280.0],
        };
        let n = geometry.len();
        ExamVolume {
            exam_id: ExamId::new(id).unwrap(),
            geometry,
            ct_hu: (0..n).map(|v| v as f32 * 50.0 - 1000.0).collect(),
            pet_suv: (0..n).map(|v| v as f32 * 0.25).collect(),
        }
    }

    #[test]
    fn a_written_exam_loads_back_with_its_geometry_and_values() {
        let dir = tempfile::tempdir().unwrap();
        let store = ExamStore::open(dir.path()).unwrap();
        let exam = small_exam("e1");
        store.write(&exam).unwrap();
        let back = store.load(&exam.exam_id).unwrap();
        assert_eq!(back.geometry, exam.geometry);
        for (a, b) in back.ct_hu.iter().zip(&exam.ct_hu) {
            assert!((a - b).abs() <= 0.5, "{a} vs {b}");
        }
        for (a, b) in back.pet_suv.iter().zip(&exam.pet_suv) {
            assert!((a - b).abs() <= 0.01, "{a} vs {b}");
        }
        assert_eq!(store.geometry(&exam.exam_id).unwrap(), exam.geometry);
    }

    #[test]
    fn the_same_exam_is_always_written_as_the_same_bytes() {
        let exam = small_exam("e1");
        let info = ExamInfo {
            suv_method: "BQML".into(),
            ..ExamInfo::default()
        };
        let first = encode_exam(&exam, Some(&info), None).unwrap();
        for _ in 0..20 {
            assert_eq!(encode_exam(&exam, Some(&info), None).unwrap(), first);
        }
        let text = String::from_utf8_lossy(&first[8..200]);
        assert!(
            text.starts_with(r#"{"__metadata__":{"exam_id":"e1","geometry":"#),
            "{text}"
        );
    }

    #[test]
    fn exam_ids_with_unsafe_characters_round_trip_through_file_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = ExamStore::open(dir.path()).unwrap();
        for id in ["a/b c", ".hidden", "1.2.840.113619"] {
            store.write(&small_exam(id)).unwrap();
        }
        let ids: Vec<String> = store.exam_ids().iter().map(|i| i.to_string()).collect();
        assert_eq!(ids, vec![".hidden", "1.2.840.113619", "a/b c"]);
        assert!(store.load(&ExamId::new("a/b c").unwrap()).is_ok());
    }

    #[test]
    fn the_ingestion_record_is_kept_beside_the_volumes() {
        let dir = tempfile::tempdir().unwrap();
        let store = ExamStore::open(dir.path()).unwrap();
        let exam = small_exam("e2");
        let info = ExamInfo {
            suv_factor: Some(1000.0),
            warnings: vec!["gap".into()],
            ..Default::default()
        };
        store.write_with_info(&exam, Some(&info)).unwrap();
        assert_eq!(store.info(&exam.exam_id).unwrap(), Some(info));
    }

    #[test]
    fn a_missing_exam_is_reported_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = ExamStore::open(dir.path()).unwrap();
        let err = store.load(&ExamId::new("nope").unwrap()).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn a_volume_that_does_not_match_its_geometry_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = ExamStore::open(dir.path()).unwrap();
        let mut exam = small_exam("e3");
        exam.pet_suv.pop();
        assert!(matches!(
            store.write(&exam),
            Err(StoreError::Invalid { .. })
        ));
        assert!(!store.contains(&exam.exam_id));
    }

    #[test]
    fn a_value_beyond_f16_never_reaches_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = ExamStore::open(dir.path()).unwrap();
        let mut exam = small_exam("e5");
        exam.pet_suv[3] = 1e6;
        let err = store.write(&exam).unwrap_err().to_string();
        assert!(err.contains("pet_suv holds 1000000"), "{err}");
        exam.pet_suv[3] = f32::INFINITY;
        assert!(store.write(&exam).is_err());
        assert!(!store.contains(&exam.exam_id));
    }

    #[test]
    fn a_lesion_mask_is_kept_with_the_exam() {
        let dir = tempfile::tempdir().unwrap();
        let store = ExamStore::open(dir.path()).unwrap();
        let exam = small_exam("e6");
        let mut mask = vec![0.0; exam.geometry.len()];
        mask[5] = 1.0;
        mask[6] = 0.5;
        store.write_with_mask(&exam, None, Some(&mask)).unwrap();
        assert_eq!(store.lesion_mask(&exam.exam_id).unwrap(), Some(mask));
        assert_eq!(store.load(&exam.exam_id).unwrap().geometry, exam.geometry);
        store.write(&exam).unwrap();
        assert_eq!(store.lesion_mask(&exam.exam_id).unwrap(), None);
    }

    #[test]
    fn model_channels_use_fixed_windows() {
        let mut exam = small_exam("e4");
        exam.ct_hu[0] = -3000.0;
        exam.ct_hu[1] = 0.0;
        exam.ct_hu[2] = 500.0;
        exam.ct_hu[3] = 2500.0;
        exam.pet_suv[0] = -1.0;
        exam.pet_suv[1] = 2.5;
        exam.pet_suv[2] = 35.0;
        let [ct, pet] = model_channels(exam);
        assert_eq!(&ct[..4], &[-1.0, 0.0, 0.5, 1.0]);
        assert_eq!(&pet[..3], &[0.0, 0.25, 2.0]);
    }

    #[test]
    fn f16_values_read_as_the_same_f32_as_one_at_a_time() {
        // Every f16 bit pattern but NaN, at an odd byte offset (file bytes need no alignment).
        let values: Vec<half::f16> = (0..=u16::MAX)
            .map(half::f16::from_bits)
            .filter(|v| !v.is_nan())
            .collect();
        let mut bytes = vec![0u8];
        bytes.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        let fast = f16_to_f32(&bytes[1..]);
        assert_eq!(fast.len(), values.len());
        for (f, v) in fast.iter().zip(&values) {
            assert_eq!(f.to_bits(), v.to_f32().to_bits(), "{v}");
        }
    }

    #[test]
    fn voxel_positions_follow_the_documented_convention() {
        let g = Geometry {
            shape: [10, 20, 30],
            spacing_mm: [4.0, 2.0, 3.0],
            origin_mm: [50.0, -10.0, -20.0],
        };
        assert_eq!(g.position_mm(2, 1, 3), [42.0, -8.0, -11.0]);
        assert_eq!(g.index(1, 2, 3), 20 * 30 + 2 * 30 + 3);
    }
}
