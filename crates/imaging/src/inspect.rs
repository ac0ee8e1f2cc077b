//! A look at one exam: SUV statistics (SUVmax and its position; mean SUV in spherical VOIs such
//! as liver and blood pool) and a PNG of coronal maximum-intensity projections: CT, PET, and PET
//! over CT.

use crate::store::{ExamVolume, Geometry};
use std::path::Path;

/// A spherical volume of interest, centre in LPS `[x, y, z]` mm.
#[derive(Debug, Clone, PartialEq)]
pub struct Voi {
    pub name: String,
    pub centre_mm: [f32; 3],
    pub radius_mm: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VoiStats {
    pub name: String,
    pub voxels: usize,
    pub mean_suv: f32,
    pub max_suv: f32,
    pub mean_hu: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SuvSummary {
    pub suv_max: f32,
    /// LPS `[x, y, z]` of the SUVmax voxel.
    pub suv_max_at_mm: [f32; 3],
    /// Mean SUV over voxels with CT > -500 HU (the body).
    pub body_mean_suv: f32,
    pub vois: Vec<VoiStats>,
}

/// SUVmax (on the stored grid, so lower than on the native PET for small lesions), body mean,
/// and per-VOI statistics.
pub fn suv_summary(volume: &ExamVolume, vois: &[Voi]) -> SuvSummary {
    let g = &volume.geometry;
    let (mut best, mut best_i) = (f32::NEG_INFINITY, 0);
    for (i, &v) in volume.pet_suv.iter().enumerate() {
        if v > best {
            best = v;
            best_i = i;
        }
    }
    let (body_sum, body_n) = volume
        .ct_hu
        .iter()
        .zip(&volume.pet_suv)
        .filter(|(hu, _)| **hu > -500.0)
        .fold((0f64, 0usize), |(s, n), (_, &suv)| (s + suv as f64, n + 1));
    let vois = vois.iter().map(|voi| voi_stats(volume, voi)).collect();
    SuvSummary {
        suv_max: best,
        suv_max_at_mm: lps_of(g, best_i),
        body_mean_suv: if body_n > 0 {
            (body_sum / body_n as f64) as f32
        } else {
            0.0
        },
        vois,
    }
}

fn lps_of(g: &Geometry, index: usize) -> [f32; 3] {
    let j = index % g.shape[2];
    let i = (index / g.shape[2]) % g.shape[1];
    let k = index / (g.shape[1] * g.shape[2]);
    let [z, y, x] = g.position_mm(k, i, j);
    [x, y, z]
}

fn voi_stats(volume: &ExamVolume, voi: &Voi) -> VoiStats {
    let g = &volume.geometry;
    let (mut n, mut suv_sum, mut hu_sum, mut max) = (0usize, 0f64, 0f64, f32::NEG_INFINITY);
    for k in 0..g.shape[0] {
        for i in 0..g.shape[1] {
            for j in 0..g.shape[2] {
                let [z, y, x] = g.position_mm(k, i, j);
                let d2 = (x - voi.centre_mm[0]).powi(2)
                    + (y - voi.centre_mm[1]).powi(2)
                    + (z - voi.centre_mm[2]).powi(2);
                if d2 <= voi.radius_mm * voi.radius_mm {
                    let idx = g.index(k, i, j);
                    n += 1;
                    suv_sum += volume.pet_suv[idx] as f64;
                    hu_sum += volume.ct_hu[idx] as f64;
                    max = max.max(volume.pet_suv[idx]);
                }
            }
        }
    }
    let mean = |s: f64| {
        if n > 0 {
            (s / n as f64) as f32
        } else {
            f32::NAN
        }
    };
    VoiStats {
        name: voi.name.clone(),
        voxels: n,
        mean_suv: mean(suv_sum),
        max_suv: max,
        mean_hu: mean(hu_sum),
    }
}

/// The liver and blood-pool reference VOIs of a synthetic exam's region map (`regions.json`
/// from `uptake synth cohort`: `reference_points_mm.liver` / `.blood_pool`, LPS mm). Liver: a
/// 15 mm sphere (as PERCIST's 3 cm liver VOI); blood pool: 8 mm (inside the aorta).
pub fn reference_vois(regions_json: &str) -> Result<Vec<Voi>, String> {
    let value: serde_json::Value = serde_json::from_str(regions_json).map_err(|e| e.to_string())?;
    let points = value
        .get("reference_points_mm")
        .ok_or("no reference_points_mm")?;
    let point = |name: &str| -> Option<[f32; 3]> {
        let a = points.get(name)?.as_array()?;
        Some([
            a.first()?.as_f64()? as f32,
            a.get(1)?.as_f64()? as f32,
            a.get(2)?.as_f64()? as f32,
        ])
    };
    let mut vois = Vec::new();
    if let Some(c) = point("liver") {
        vois.push(Voi {
            name: "liver".into(),
            centre_mm: c,
            radius_mm: 15.0,
        });
    }
    if let Some(c) = point("blood_pool") {
        vois.push(Voi {
            name: "blood pool".into(),
            centre_mm: c,
            radius_mm: 8.0,
        });
    }
    Ok(vois)
}

/// CT window of the picture (HU) and PET range (SUV) of the picture.
const MIP_CT_HU: (f32, f32) = (-200.0, 1200.0);
const MIP_PET_SUV: (f32, f32) = (0.0, 10.0);

/// Coronal MIPs (maximum along the anterior-posterior axis), head at the top, patient's right
/// on the left of each panel (radiological view): CT (grey), PET (inverted grey, SUV 0-10),
/// and PET (hot colours) over CT. Pixels are stretched so millimetres are square.
pub fn coronal_mip_rgb(volume: &ExamVolume) -> (u32, u32, Vec<u8>) {
    let g = &volume.geometry;
    let [nz, ny, nx] = g.shape;
    let mut ct = vec![f32::NEG_INFINITY; nz * nx];
    let mut pet = vec![f32::NEG_INFINITY; nz * nx];
    for k in 0..nz {
        for i in 0..ny {
            for j in 0..nx {
                let idx = g.index(k, i, j);
                ct[k * nx + j] = ct[k * nx + j].max(volume.ct_hu[idx]);
                pet[k * nx + j] = pet[k * nx + j].max(volume.pet_suv[idx]);
            }
        }
    }
    // Output scale: at least 256 pixels wide per panel; rows stretched by slice/pixel spacing.
    let scale_x = (256 / nx.max(1)).max(1);
    let panel_w = nx * scale_x;
    let mm_per_col = g.spacing_mm[2] / scale_x as f32;
    let height = ((nz as f32 * g.spacing_mm[0]) / mm_per_col)
        .round()
        .max(1.0) as usize;
    let gap = 4;
    let width = panel_w * 3 + gap * 2;
    let mut rgb = vec![255u8; width * height * 3];
    let norm = |v: f32, (lo, hi): (f32, f32)| ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
    for row in 0..height {
        let k = ((row as f32 * mm_per_col / g.spacing_mm[0]) as usize).min(nz - 1);
        for col in 0..panel_w {
            let j = col / scale_x;
            let c = norm(ct[k * nx + j], MIP_CT_HU);
            let p = norm(pet[k * nx + j], MIP_PET_SUV);
            let grey = (c * 255.0) as u8;
            let inverted = ((1.0 - p) * 255.0) as u8;
            let hot = [
                (p * 3.0).min(1.0),
                (p * 3.0 - 1.0).clamp(0.0, 1.0),
                (p * 3.0 - 2.0).clamp(0.0, 1.0),
            ];
            let alpha = (p * 2.0).min(1.0);
            let fused = hot.map(|h| ((1.0 - alpha) * c + alpha * h) * 255.0);
            let mut set = |panel: usize, px: [u8; 3]| {
                let x = panel * (panel_w + gap) + col;
                let at = (row * width + x) * 3;
                rgb[at..at + 3].copy_from_slice(&px);
            };
            set(0, [grey; 3]);
            set(1, [inverted; 3]);
            set(2, fused.map(|v| v as u8));
        }
    }
    (width as u32, height as u32, rgb)
}

/// Writes the coronal MIP picture as a PNG (atomically).
pub fn write_mip_png(
    path: &Path,
    volume: &ExamVolume,
) -> Result<(), uptake_core::AtomicWriteError> {
    let (w, h, rgb) = coronal_mip_rgb(volume);
    uptake_core::write_atomic(path, |out| {
        let mut encoder = png::Encoder::new(out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
        writer
            .write_image_data(&rgb)
            .map_err(std::io::Error::other)?;
        writer.finish().map_err(std::io::Error::other)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::ExamId;

    fn volume() -> ExamVolume {
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

    #[test]
    fn reference_vois_come_from_the_region_map() {
        let json = r#"{"format": "uptake-synth-regions/1", "reference_points_mm": {"liver": [-75.0, 5.0, -580.0], "blood_pool": [10, 30, -400]}}"#;
        let vois = reference_vois(json).unwrap();
        assert_eq!(
            vois[0],
            Voi {
                name: "liver".into(),
                centre_mm: [-75.0, 5.0, -580.0],
                radius_mm: 15.0
            }
        );
        assert_eq!(vois[1].centre_mm, [10.0, 30.0, -400.0]);
    }

    #[test]
    fn suv_max_is_found_with_its_position() {
        let s = suv_summary(&volume(), &[]);
        assert_eq!(s.suv_max, 12.0);
        assert_eq!(s.suv_max_at_mm, [8.0, 6.0, -8.0]);
    }

    #[test]
    fn a_voi_averages_the_voxels_inside_its_sphere() {
        let voi = Voi {
            name: "liver".into(),
            centre_mm: [8.0, 6.0, -8.0],
            radius_mm: 2.1,
        };
        let s = suv_summary(&volume(), &[voi]);
        // The centre (12) and its 4 in-plane neighbours at 2 mm (1 each); z neighbours are 4 mm away.
        assert_eq!(s.vois[0].voxels, 5);
        assert!((s.vois[0].mean_suv - 16.0 / 5.0).abs() < 1e-6);
    }

    #[test]
    fn the_mip_shows_the_hot_spot_in_the_pet_panel() {
        let v = volume();
        let (w, h, rgb) = coronal_mip_rgb(&v);
        // 6 columns scaled x42 = 252 per panel; 16 mm tall at 2/42 mm per pixel = 336 rows.
        assert_eq!((w, h), (252 * 3 + 8, 336));
        let panel_w = 252;
        let pixel = |row: usize, x: usize| rgb[(row * w as usize + x) * 3];
        // Slice 2, column 4: rows 168..252, columns 168..210 of the PET panel: SUV 12 -> black.
        assert_eq!(pixel(200, panel_w + 4 + 180), 0);
        // Background SUV 1 -> light grey.
        assert_eq!(pixel(10, panel_w + 4 + 10), 229);
    }
}
