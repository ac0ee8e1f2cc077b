//! Every transfer syntax a PET/CT archive uses decodes to the pixels of the uncompressed
//! original: pydicom's real CT_small.dcm re-encoded by independent encoders (OpenJPEG, CharLS,
//! libjpeg-turbo through imagecodecs; pydicom for RLE, deflate and big endian) into
//! $UPTAKE_CACHE/syntax-fixtures by scripts/setup.d/12-syntax-fixtures.sh; and a whole phantom
//! exam whose slices are re-encoded here (JPEG-LS, big endian, deflate) ingests to the same
//! volumes as the original.

use std::path::{Path, PathBuf};

use dicom_pixeldata::Transcode;
use dicom_transfer_syntax_registry::entries;
use uptake_core::ExamId;
use uptake_imaging::dicom::read_slice;
use uptake_imaging::phantom::{PhantomSpec, write_phantom};
use uptake_imaging::{ModelGrid, ingest_dir};

fn fixture(name: &str) -> PathBuf {
    let path = uptake_core::cache_dir().join(format!("syntax-fixtures/{name}.dcm"));
    assert!(
        path.is_file(),
        "{} is missing: run scripts/setup (scripts/setup.d/12-syntax-fixtures.sh) first",
        path.display()
    );
    path
}

/// CT_small's HU, as pydicom gives them (checked in real_files.rs).
fn reference_hu() -> Vec<f32> {
    let path = uptake_core::cache_dir().join("pydicom-data/CT_small.dcm");
    read_slice(&path).unwrap().1
}

/// (mean, max) absolute difference from the reference, in HU.
fn difference(name: &str) -> (f64, f32) {
    let (header, hu) = read_slice(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!((header.rows, header.cols), (128, 128), "{name}");
    let reference = reference_hu();
    let diffs: Vec<f32> = hu
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .collect();
    let mean = diffs.iter().map(|&d| d as f64).sum::<f64>() / diffs.len() as f64;
    (mean, diffs.iter().cloned().fold(0.0, f32::max))
}

#[test]
fn lossless_syntaxes_give_the_original_hounsfield_units_exactly() {
    for name in [
        "explicit_le",
        "implicit_le",
        "explicit_be",
        "deflated",
        "rle",
        "jpeg_lossless",
        "jpeg_lossless_sv1",
        "jls_lossless",
        "j2k_lossless",
        "j2k_fragments",
    ] {
        assert_eq!(difference(name), (0.0, 0.0), "{name}");
    }
}

#[test]
fn jpeg_ls_near_lossless_stays_within_its_bound() {
    // Encoded with NEAR = 2: no pixel moves by more than 2.
    let (mean, max) = difference("jls_near");
    assert!(max <= 2.0 && mean > 0.0, "mean {mean}, max {max}");
}

/// What the reference decoder (OpenJPEG or libjpeg-turbo, run by the set-up) made of a lossy
/// file, as HU: 12-bit samples, or 8-bit ones at slope 16.
fn reference_decoder_hu(name: &str) -> Vec<f32> {
    let path = fixture(name).with_extension("decoded.raw");
    let bytes = std::fs::read(&path).unwrap();
    if name.starts_with("jpeg_") {
        bytes.iter().map(|&v| v as f32 * 16.0 - 1024.0).collect()
    } else {
        bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]) as f32 - 1024.0)
            .collect()
    }
}

#[test]
fn lossy_jpeg_2000_and_jpeg_decode_as_the_reference_decoders_do() {
    for (name, step_hu, mean_hu) in [
        ("j2k_lossy", 1.0, 40.0),
        ("jpeg_extended", 16.0, 16.0),
        ("jpeg_baseline", 16.0, 16.0),
    ] {
        let (_, hu) = read_slice(&fixture(name)).unwrap();
        let reference = reference_decoder_hu(name);
        let off = hu
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        // IDCT / wavelet rounding may differ by one sample step between decoders.
        assert!(
            off <= step_hu,
            "{name}: {off} HU from the reference decoder"
        );
        let (mean, _) = difference(name);
        assert!(mean < mean_hu, "{name}: mean {mean} HU from the original");
    }
}

#[test]
fn twelve_bit_jpeg_extended_is_refused_naming_the_syntax_and_a_way_out() {
    let err = read_slice(&fixture("jpeg_extended12"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("12-bit JPEG Extended") && err.contains("not supported"),
        "{err}"
    );
}

const GRID: ModelGrid = ModelGrid {
    size: 32,
    fov_mm: 320.0,
    slice_mm: 8.0,
};

/// Re-encodes every file of `dir` in turn as JPEG-LS lossless, big endian and deflated.
fn reencode(files: &[PathBuf]) {
    let syntaxes = [
        entries::JPEG_LS_LOSSLESS_IMAGE_COMPRESSION.erased(),
        entries::EXPLICIT_VR_BIG_ENDIAN.erased(),
        entries::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN.erased(),
    ];
    for (i, path) in files.iter().enumerate() {
        let mut obj = dicom_object::open_file(path).unwrap();
        obj.transcode(&syntaxes[i % syntaxes.len()])
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        obj.write_to_file(path).unwrap();
    }
}

fn ingest(dir: &Path) -> uptake_imaging::Ingested {
    ingest_dir(&ExamId::new("e").unwrap(), dir, &GRID).unwrap()
}

#[test]
fn a_phantom_exam_re_encoded_ingests_to_the_same_volumes() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, encoded) = (dir.path().join("plain"), dir.path().join("encoded"));
    write_phantom(&plain, &PhantomSpec::small("40")).unwrap();
    let files = write_phantom(&encoded, &PhantomSpec::small("40")).unwrap();
    reencode(&files.ct);
    reencode(&files.pet);
    let (a, b) = (ingest(&plain), ingest(&encoded));
    assert_eq!(a.volume.ct_hu, b.volume.ct_hu);
    assert_eq!(a.volume.pet_suv, b.volume.pet_suv);
}
