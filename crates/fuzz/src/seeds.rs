//! Valid inputs of each format, the starting points of mutation: the built-in ontology and
//! rules, the starter mentions, reports and DICOM written by the synthetic generators, an exam
//! written by the exam store, and a PyTorch checkpoint built byte by byte.

use crate::target::Target;
use std::io::Write;
use std::path::Path;
use uptake_core::{ExamId, NoProgress};

const ONTOLOGY: &str = include_str!("../../../data/ontology.toml");
const RULES: &str = include_str!("../../labels/data/rules.toml");
const STARTER_MENTIONS: &str = include_str!("../../../data/starter-mentions.jsonl");

/// Why seeds could not be made (a generator failed: not a finding of the fuzzer).
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// A generator or the file system failed.
    #[error("making the {target} seeds: {message}")]
    Make {
        /// The target whose seeds failed.
        target: Target,
        /// What failed.
        message: String,
    },
}

fn failed(target: Target) -> impl Fn(String) -> SeedError {
    move |message| SeedError::Make { target, message }
}

/// The seed inputs of `target`; `scratch` is a folder for the generators' files.
pub fn seeds(target: Target, scratch: &Path) -> Result<Vec<Vec<u8>>, SeedError> {
    let fail = failed(target);
    Ok(match target {
        Target::ReportsJsonl => report_lines(scratch).map_err(fail)?,
        Target::ReportsCsv => reports_csv(&report_lines(scratch).map_err(&fail)?).map_err(fail)?,
        Target::RegionTable => region_tables(),
        Target::Mentions => mention_files(),
        Target::Ontology => vec![ONTOLOGY.as_bytes().to_vec()],
        Target::Rules => vec![RULES.as_bytes().to_vec()],
        Target::ExamStore => vec![stored_exam(scratch).map_err(fail)?],
        Target::TorchCheckpoint => vec![torch_checkpoint().map_err(fail)?],
        Target::Dicom => dicom_slices(scratch).map_err(fail)?,
    })
}

/// Three report files of 4 synthetic reports each (all four report styles).
fn report_lines(scratch: &Path) -> Result<Vec<Vec<u8>>, String> {
    let dir = scratch.join("reports");
    let settings = uptake_synth::reports::ReportsSettings {
        n: 12,
        seed: 3,
        ..Default::default()
    };
    uptake_synth::reports::write_report_set(&settings, &dir, &NoProgress)
        .map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(dir.join("reports.jsonl")).map_err(|e| e.to_string())?;
    let lines: Vec<&str> = text.lines().collect();
    Ok(lines
        .chunks(4)
        .map(|c| (c.join("\n") + "\n").into_bytes())
        .collect())
}

/// The same reports as CSV, quoted as spreadsheets quote them (texts hold commas, quotes and
/// line breaks).
fn reports_csv(jsonl_files: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, String> {
    let field =
        |record: &serde_json::Value, key: &str| record[key].as_str().unwrap_or("").to_owned();
    let mut files = Vec::new();
    for file in jsonl_files {
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        csv.write_record(["exam_id", "text"])
            .map_err(|e| e.to_string())?;
        for line in file.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let record: serde_json::Value =
                serde_json::from_slice(line).map_err(|e| e.to_string())?;
            let row = [field(&record, "exam_id"), field(&record, "text")];
            csv.write_record(row).map_err(|e| e.to_string())?;
        }
        files.push(csv.into_inner().map_err(|e| e.to_string())?);
    }
    Ok(files)
}

fn region_tables() -> Vec<Vec<u8>> {
    vec![
        b"exam_id,full,liver,lungs\nE1,1,0.25,\nE2,0,0,1\nE3,0.5,1,0\n".to_vec(),
        b"exam_id,cervical_lymph_node\r\nE9,0.999\r\n".to_vec(),
    ]
}

/// The first 40 starter sentences, in four files.
fn mention_files() -> Vec<Vec<u8>> {
    let lines: Vec<&str> = STARTER_MENTIONS.lines().take(40).collect();
    lines
        .chunks(10)
        .map(|c| (c.join("\n") + "\n").into_bytes())
        .collect()
}

/// One exam as the store writes it: 4 x 3 x 2 voxels of CT (HU) and PET (SUV).
fn stored_exam(scratch: &Path) -> Result<Vec<u8>, String> {
    let store =
        uptake_imaging::ExamStore::open(scratch.join("store")).map_err(|e| e.to_string())?;
    let exam_id = ExamId::new("E1").ok_or("E1 is no exam id")?;
    let voxels = 4 * 3 * 2;
    let volume = uptake_imaging::ExamVolume {
        exam_id: exam_id.clone(),
        geometry: uptake_imaging::Geometry {
            shape: [4, 3, 2],
            spacing_mm: [4.0, 2.0, 2.0],
            origin_mm: [-10.0, 5.0, 0.0],
        },
        ct_hu: (0..voxels).map(|i| i as f32 * 40.0 - 1000.0).collect(),
        pet_suv: (0..voxels).map(|i| i as f32 * 0.5).collect(),
    };
    store.write(&volume).map_err(|e| e.to_string())?;
    std::fs::read(store.path_of(&exam_id)).map_err(|e| e.to_string())
}

/// A `torch.save` zip of `{"w": a 2 x 2 float tensor}`, as PyTorch writes it: a pickle that
/// rebuilds the tensor from a persistent storage id, and the storage's raw bytes.
fn torch_checkpoint() -> Result<Vec<u8>, String> {
    let mut pickle: Vec<u8> = b"\x80\x02}X\x01\x00\x00\x00w".to_vec();
    pickle.extend_from_slice(b"ctorch._utils\n_rebuild_tensor_v2\n((");
    pickle.extend_from_slice(&unicode("storage"));
    pickle.extend_from_slice(b"ctorch\nFloatStorage\n");
    pickle.extend_from_slice(&unicode("0"));
    pickle.extend_from_slice(&unicode("cpu"));
    pickle.extend_from_slice(b"K\x04tQK\x00K\x02K\x02\x86K\x02K\x01\x86\x89");
    pickle.extend_from_slice(b"ccollections\nOrderedDict\n)RtRs.");
    let storage: Vec<u8> = [1f32, 2.0, 3.0, 4.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in [("archive/data.pkl", &pickle), ("archive/data/0", &storage)] {
        zip.start_file(name, stored).map_err(|e| e.to_string())?;
        zip.write_all(bytes).map_err(|e| e.to_string())?;
    }
    let cursor = zip.finish().map_err(|e| e.to_string())?;
    Ok(cursor.into_inner())
}

/// Pickle's BINUNICODE: a 4-byte little-endian length, then UTF-8.
fn unicode(word: &str) -> Vec<u8> {
    let mut bytes = vec![b'X'];
    bytes.extend_from_slice(&(word.len() as u32).to_le_bytes());
    bytes.extend_from_slice(word.as_bytes());
    bytes
}

/// A CT and a PET slice of each of two small synthetic exams (two scanner vendors' tags).
fn dicom_slices(scratch: &Path) -> Result<Vec<Vec<u8>>, String> {
    let dir = scratch.join("cohort");
    let cfg = uptake_synth::cohort::CohortConfig {
        n: 2,
        seed: 11,
        resolution: uptake_synth::cohort::Resolution::small(),
        noise: false,
        threads: 1,
        ..Default::default()
    };
    uptake_synth::cohort::generate(&cfg, &dir, &NoProgress).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    collect_dicom(&dir, &mut files).map_err(|e| e.to_string())?;
    files.sort();
    // The middle slice of each series: through the body, so its pixels are not all air.
    let mut seeds = Vec::new();
    for series in files.chunk_by(|a, b| a.parent() == b.parent()) {
        let path = &series[series.len() / 2];
        seeds.push(std::fs::read(path).map_err(|e| e.to_string())?);
    }
    Ok(seeds)
}

fn collect_dicom(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_dicom(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "dcm") {
            out.push(path);
        }
    }
    Ok(())
}
