//! A picture of an exam: coronal maximum-intensity projections of CT, PET, and PET over CT.

use crate::store::ExamVolume;
use std::path::Path;

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

    fn volume() -> ExamVolume {
        crate::store::hot_spot_volume()
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
