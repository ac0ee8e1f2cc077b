//! The region map of an exam (`regions.json`): where each task region and each lesion lies, in
//! patient coordinates. The synthetic cohort writes one per exam as image truth; `inspect` takes
//! its liver and blood-pool reference points and `localise` measures attention against its
//! boxes and lesions. This is the one definition of the format.
//!
//! Coordinates are DICOM patient coordinates (LPS), in millimetres. Fields the generator writes
//! for its own detail (structures, look-alikes, physiology, acquisition) are kept as JSON in
//! [`RegionMap::detail`].

use crate::atomic::{AtomicWriteError, write_atomic};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `format` field of this version.
pub const FORMAT: &str = "uptake-synth-regions/1";

/// A region map that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RegionMapError {
    /// The file cannot be read.
    #[error("cannot read region map {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not JSON of this schema.
    #[error("region map {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Writing failed; the old file is intact.
    #[error(transparent)]
    Write(#[from] AtomicWriteError),
}

/// An axis-aligned box in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoxMm {
    /// Lowest (x, y, z).
    pub min: [f32; 3],
    /// Highest (x, y, z).
    pub max: [f32; 3],
}

impl BoxMm {
    /// True when the point lies inside the box (edges included).
    pub fn contains(&self, point_mm: [f32; 3]) -> bool {
        (0..3).all(|a| point_mm[a] >= self.min[a] && point_mm[a] <= self.max[a])
    }
}

/// Where one task region lies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRegionBox {
    /// Region name (ontology snake_case).
    pub region: String,
    /// The box around the region's structures.
    pub bbox_mm: BoxMm,
    /// The generator's structures that make up the region.
    #[serde(default)]
    pub structures: Vec<String>,
}

/// One lesion: an ellipsoid of raised uptake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lesion {
    /// The task region it lies in.
    pub region: String,
    /// Centre.
    pub center_mm: [f32; 3],
    /// Semi-axes along x, y, z.
    pub radii_mm: [f32; 3],
    /// Peak SUV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suv_max: Option<f32>,
    /// The generator's detail (site, structure, how the report describes it).
    #[serde(flatten)]
    pub detail: serde_json::Map<String, serde_json::Value>,
}

impl Lesion {
    /// True when the point lies within `margin_mm` of the lesion's ellipsoid (approximately:
    /// the semi-axes grown by the margin).
    pub fn is_near(&self, point_mm: [f32; 3], margin_mm: f32) -> bool {
        let d: f32 = (0..3)
            .map(|a| {
                let r = self.radii_mm[a] + margin_mm;
                ((point_mm[a] - self.center_mm[a]) / r.max(1e-3)).powi(2)
            })
            .sum();
        d <= 1.0
    }
}

/// Reference points for normal-tissue SUV.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReferencePoints {
    /// Centre of the right liver lobe.
    pub liver: [f32; 3],
    /// A point inside the descending aorta (blood pool).
    pub blood_pool: [f32; 3],
}

/// One exam's region map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionMap {
    /// [`FORMAT`].
    pub format: String,
    /// The exam.
    pub exam_id: String,
    /// The coordinate system, for readers of the file.
    pub coordinates: String,
    /// Every task region's box.
    pub task_regions: Vec<TaskRegionBox>,
    /// Every lesion.
    pub lesions: Vec<Lesion>,
    /// Normal-tissue reference points.
    pub reference_points_mm: ReferencePoints,
    /// The generator's own detail, kept as written.
    #[serde(flatten)]
    pub detail: serde_json::Map<String, serde_json::Value>,
}

impl RegionMap {
    /// Reads a region map and checks its format.
    pub fn read(path: &Path) -> Result<Self, RegionMapError> {
        let text = std::fs::read_to_string(path).map_err(|source| RegionMapError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |message: String| RegionMapError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid(format!("not JSON: {e}")))?;
        let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if format != FORMAT {
            return Err(invalid(format!(
                "format `{format}` is not {FORMAT} (written by `uptake synth cohort`)"
            )));
        }
        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
    }

    /// Writes the map atomically as indented JSON.
    pub fn write(&self, path: &Path) -> Result<(), RegionMapError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| RegionMapError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        write_atomic(path, |w| std::io::Write::write_all(w, text.as_bytes()))?;
        Ok(())
    }

    /// The box of one task region.
    pub fn task_region(&self, region: &str) -> Option<&TaskRegionBox> {
        self.task_regions.iter().find(|t| t.region == region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> RegionMap {
        RegionMap {
            format: FORMAT.into(),
            exam_id: "E1".into(),
            coordinates: "LPS mm".into(),
            task_regions: vec![TaskRegionBox {
                region: "liver".into(),
                bbox_mm: BoxMm {
                    min: [0.0; 3],
                    max: [10.0; 3],
                },
                structures: vec![],
            }],
            lesions: vec![Lesion {
                region: "liver".into(),
                center_mm: [5.0; 3],
                radii_mm: [2.0; 3],
                suv_max: Some(8.0),
                detail: serde_json::Map::new(),
            }],
            reference_points_mm: ReferencePoints {
                liver: [5.0; 3],
                blood_pool: [1.0; 3],
            },
            detail: serde_json::Map::new(),
        }
    }

    #[test]
    fn a_written_map_reads_back_with_the_generators_detail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("regions.json");
        let mut m = map();
        m.detail
            .insert("physiology".into(), serde_json::json!({"brain": 7.5}));
        m.write(&path).unwrap();
        assert_eq!(RegionMap::read(&path).unwrap(), m);
    }

    #[test]
    fn another_format_is_refused_naming_the_file_and_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("regions.json");
        std::fs::write(&path, r#"{"format": "other/1"}"#).unwrap();
        let err = RegionMap::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("regions.json") && err.contains("other/1"),
            "{err}"
        );
    }

    #[test]
    fn boxes_and_lesions_answer_point_queries() {
        let m = map();
        assert!(
            m.task_region("liver")
                .unwrap()
                .bbox_mm
                .contains([10.0, 0.0, 5.0])
        );
        assert!(
            !m.task_region("liver")
                .unwrap()
                .bbox_mm
                .contains([10.1, 0.0, 5.0])
        );
        assert!(m.lesions[0].is_near([8.9, 5.0, 5.0], 2.0));
        assert!(!m.lesions[0].is_near([9.1, 5.0, 5.0], 2.0));
    }
}
