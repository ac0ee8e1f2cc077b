//! Writing maps: resampling from the network's grids to the exam's grid, NIfTI-1 volumes and
//! PNG overlays.

use std::io::Write;
use std::path::Path;

use crate::config::ModelConfig;
use crate::error::Result;

/// Trilinear sample of a (d, h, w) grid at continuous voxel coordinates (clamped at borders).
pub fn sample_trilinear(values: &[f32], shape: [usize; 3], at: [f32; 3]) -> f32 {
    let mut idx = [[0usize; 2]; 3];
    let mut frac = [0f32; 3];
    for a in 0..3 {
        let c = at[a].clamp(0.0, (shape[a] - 1) as f32);
        let i = (c.floor() as usize).min(shape[a] - 1);
        idx[a] = [i, (i + 1).min(shape[a] - 1)];
        frac[a] = c - i as f32;
    }
    let mut v = 0.0;
    for (dz, wz) in [(0, 1.0 - frac[0]), (1, frac[0])] {
        for (dy, wy) in [(0, 1.0 - frac[1]), (1, frac[1])] {
            for (dx, wx) in [(0, 1.0 - frac[2]), (1, frac[2])] {
                let i = (idx[0][dz] * shape[1] + idx[1][dy]) * shape[2] + idx[2][dx];
                v += wz * wy * wx * values[i];
            }
        }
    }
    v
}

/// Position of exam slice `z` on the network's slices, where network slice k merges exam
/// slices k*step .. (k+1)*step (its centre is at k*step + (step-1)/2).
fn merged_slice(z: usize, step: usize) -> f32 {
    (z as f32 - (step as f32 - 1.0) / 2.0) / step as f32
}

/// Resamples a map on the network's input grid (slices, in_plane, in_plane) to the exam grid.
pub fn network_to_exam(
    values: &[f32],
    net_shape: [usize; 3],
    config: &ModelConfig,
    exam: [usize; 3],
) -> Vec<f32> {
    resample(values, net_shape, exam, |z, y, x| {
        let s = config.in_plane as f32;
        [
            merged_slice(z, config.slice_step),
            (y as f32 + 0.5) * s / exam[1] as f32 - 0.5,
            (x as f32 + 0.5) * s / exam[2] as f32 - 0.5,
        ]
    })
}

/// Resamples a map on the encoder's feature grid (1/8 along slices, 1/32 in-plane of the
/// network grid, or finer: [`crate::EncoderConfig::strides`]) to the exam grid, keeping its
/// total (a distribution stays one).
pub fn features_to_exam(
    values: &[f32],
    grid: [usize; 3],
    config: &ModelConfig,
    exam: [usize; 3],
) -> Vec<f32> {
    let s = config.in_plane as f32;
    let [sz, sy, sx] = config.encoder.strides().map(|v| v as f32);
    let mut out = resample(values, grid, exam, |z, y, x| {
        let zn = merged_slice(z, config.slice_step);
        let yn = (y as f32 + 0.5) * s / exam[1] as f32;
        let xn = (x as f32 + 0.5) * s / exam[2] as f32;
        [(zn + 0.5) / sz - 0.5, yn / sy - 0.5, xn / sx - 0.5]
    });
    let total: f32 = out.iter().sum();
    let want: f32 = values.iter().sum();
    if total > 0.0 {
        out.iter_mut().for_each(|v| *v *= want / total);
    }
    out
}

fn resample(
    values: &[f32],
    src: [usize; 3],
    exam: [usize; 3],
    at: impl Fn(usize, usize, usize) -> [f32; 3],
) -> Vec<f32> {
    let [d, h, w] = exam;
    let mut out = Vec::with_capacity(d * h * w);
    for z in 0..d {
        for y in 0..h {
            for x in 0..w {
                out.push(sample_trilinear(values, src, at(z, y, x)));
            }
        }
    }
    out
}

/// Share of a map's total inside a mask (attention mass inside the true region).
pub fn mass_inside(map: &[f32], mask: impl Fn(usize) -> bool) -> f64 {
    let total: f64 = map.iter().map(|v| *v as f64).sum();
    let inside: f64 = map
        .iter()
        .enumerate()
        .filter(|(i, _)| mask(*i))
        .map(|(_, v)| *v as f64)
        .sum();
    if total > 0.0 { inside / total } else { 0.0 }
}

/// Writes a NIfTI-1 float32 volume (x = cols, y = rows, z = slices), with an sform from the
/// exam's spacing and origin.
pub fn write_nifti(
    path: &Path,
    values: &[f32],
    shape: [usize; 3],
    spacing_mm: [f32; 3],
    origin_mm: [f32; 3],
) -> Result<()> {
    let [d, h, w] = shape;
    let mut hdr = vec![0u8; 352];
    let put_i32 =
        |b: &mut Vec<u8>, at: usize, v: i32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let put_i16 =
        |b: &mut Vec<u8>, at: usize, v: i16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put_f32 =
        |b: &mut Vec<u8>, at: usize, v: f32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put_i32(&mut hdr, 0, 348);
    for (i, v) in [3, w, h, d, 1, 1, 1, 1].iter().enumerate() {
        put_i16(&mut hdr, 40 + 2 * i, *v as i16);
    }
    put_i16(&mut hdr, 70, 16); // float32
    put_i16(&mut hdr, 72, 32);
    let (dx, dy, dz) = (spacing_mm[2], spacing_mm[1], spacing_mm[0]);
    for (i, v) in [1.0, dx, dy, dz, 1.0, 1.0, 1.0, 1.0].iter().enumerate() {
        put_f32(&mut hdr, 76 + 4 * i, *v);
    }
    put_f32(&mut hdr, 108, 352.0);
    put_f32(&mut hdr, 112, 1.0);
    hdr[123] = 2; // mm
    put_i16(&mut hdr, 254, 1); // sform: scanner coordinates
    let rows = [
        [dx, 0.0, 0.0, origin_mm[2]],
        [0.0, dy, 0.0, origin_mm[1]],
        [0.0, 0.0, dz, origin_mm[0]],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            put_f32(&mut hdr, 280 + 16 * r + 4 * c, *v);
        }
    }
    hdr[344..348].copy_from_slice(b"n+1\0");
    uptake_core::write_atomic(path, |f| {
        f.write_all(&hdr)?;
        for v in values {
            f.write_all(&v.to_le_bytes())?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Value at quantile q (0..1) of a slice.
pub fn quantile(values: &[f32], q: f64) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// RGB image of a CT slice in grey with PET over it in a hot colour: PET is normalised by the
/// slice's maximum and shown only above the slice's 60th percentile, as the paper's figures; an
/// optional map (attention or saliency) is drawn as a green tint.
pub fn overlay(ct: &[f32], pet: &[f32], map: Option<&[f32]>, h: usize, w: usize) -> Vec<u8> {
    let ct_lo = quantile(ct, 0.01);
    let ct_hi = quantile(ct, 0.99).max(ct_lo + 1e-6);
    let pet_cut = quantile(pet, 0.6);
    let pet_max = pet
        .iter()
        .cloned()
        .fold(f32::MIN, f32::max)
        .max(pet_cut + 1e-6);
    let map_max = map
        .map(|m| m.iter().cloned().fold(0.0f32, f32::max))
        .unwrap_or(0.0);
    let mut rgb = Vec::with_capacity(h * w * 3);
    for i in 0..h * w {
        let g = ((ct[i] - ct_lo) / (ct_hi - ct_lo)).clamp(0.0, 1.0);
        let mut px = [g, g, g];
        if pet[i] > pet_cut {
            let p = ((pet[i] - pet_cut) / (pet_max - pet_cut)).clamp(0.0, 1.0);
            let hot = [
                1.0,
                (2.0 * p - 0.5).clamp(0.0, 1.0),
                (2.0 * p - 1.0).clamp(0.0, 1.0),
            ];
            let a = 0.3 + 0.6 * p;
            for c in 0..3 {
                px[c] = px[c] * (1.0 - a) + hot[c] * a;
            }
        }
        if let Some(m) = map
            && map_max > 0.0
        {
            let a = 0.6 * (m[i] / map_max).clamp(0.0, 1.0);
            px = [px[0] * (1.0 - a), px[1] * (1.0 - a) + a, px[2] * (1.0 - a)];
        }
        rgb.extend(px.iter().map(|v| (v * 255.0).round() as u8));
    }
    rgb
}

/// Writes panels side by side (each (h, w) RGB) as one PNG.
pub fn write_png(path: &Path, panels: &[(Vec<u8>, usize, usize)]) -> Result<()> {
    let height = panels.iter().map(|p| p.1).max().unwrap_or(1);
    let width: usize = panels.iter().map(|p| p.2).sum();
    let mut img = image::RgbImage::new(width as u32, height as u32);
    let mut x0 = 0;
    for (rgb, h, w) in panels {
        for y in 0..*h {
            for x in 0..*w {
                let i = (y * w + x) * 3;
                img.put_pixel(
                    (x0 + x) as u32,
                    y as u32,
                    image::Rgb([rgb[i], rgb[i + 1], rgb[i + 2]]),
                );
            }
        }
        x0 += w;
    }
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|e| crate::error::ScanModelError::file(path, e.to_string()))?;
    uptake_core::write_atomic(path, |f| f.write_all(&bytes))?;
    Ok(())
}

/// Coronal maximum intensity projection (over rows) of a [slices, rows, cols] volume:
/// (slices, cols).
pub fn coronal_mip(values: &[f32], shape: [usize; 3]) -> Vec<f32> {
    let [d, h, w] = shape;
    let mut out = vec![f32::MIN; d * w];
    for z in 0..d {
        for y in 0..h {
            for x in 0..w {
                let v = values[(z * h + y) * w + x];
                if v > out[z * w + x] {
                    out[z * w + x] = v;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EncoderConfig, HeadKind};

    #[test]
    fn nifti_written_here_reads_back_with_the_nifti_crate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.nii");
        let values: Vec<f32> = (0..2 * 3 * 4).map(|i| i as f32).collect();
        write_nifti(&path, &values, [2, 3, 4], [5.0, 2.0, 1.5], [0.0; 3]).unwrap();
        let obj = nifti::ReaderOptions::new().read_file(&path).unwrap();
        let header = nifti::NiftiObject::header(&obj);
        assert_eq!(&header.dim[..4], &[3, 4, 3, 2]);
        assert_eq!(&header.pixdim[1..4], &[1.5, 2.0, 5.0]);
        let raw = std::fs::read(&path).unwrap();
        let last = f32::from_le_bytes(raw[raw.len() - 4..].try_into().unwrap());
        assert_eq!(last, 23.0);
    }

    #[test]
    fn feature_attention_resampled_to_the_exam_keeps_total_and_location() {
        let config = ModelConfig {
            encoder: EncoderConfig::small(0.125, 1),
            head: HeadKind::Attention,
            regions: vec!["x".into()],
            in_plane: 64,
            slice_step: 1,
            position_bins: 0,
        };
        // 2 x 2 x 2 feature grid, all mass on the last slice / last row / first col.
        let mut att = vec![0.0f32; 8];
        att[(2 + 1) * 2] = 1.0; // (z 1, y 1, x 0)
        let exam = [16, 32, 32];
        let m = features_to_exam(&att, [2, 2, 2], &config, exam);
        let total: f32 = m.iter().sum();
        assert!((total - 1.0).abs() < 1e-4);
        let inside = mass_inside(&m, |i| {
            let (z, y, x) = (i / 1024, (i / 32) % 32, i % 32);
            z >= 8 && y >= 16 && x < 16
        });
        assert!(inside > 0.6, "{inside}");
    }

    #[test]
    fn a_finer_feature_grid_maps_back_at_its_own_strides() {
        let config = ModelConfig {
            encoder: EncoderConfig {
                pooling: crate::EncoderPooling::BeforeKeptBlocks,
                ..EncoderConfig::small(0.125, 2)
            },
            head: HeadKind::Attention,
            regions: vec!["x".into()],
            in_plane: 32,
            slice_step: 1,
            position_bins: 0,
        };
        // Strides 2 x 8 x 8: a 16 x 32 x 32 exam has an 8 x 4 x 4 feature grid. All mass on
        // (z 7, y 0, x 3): the last two slices, the first 8 rows, the last 8 columns.
        let mut att = vec![0.0f32; 8 * 4 * 4];
        att[7 * 16 + 3] = 1.0;
        let m = features_to_exam(&att, [8, 4, 4], &config, [16, 32, 32]);
        assert!((m.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        let inside = mass_inside(&m, |i| {
            let (z, y, x) = (i / 1024, (i / 32) % 32, i % 32);
            z >= 13 && y < 12 && x >= 20
        });
        assert!(inside > 0.6, "{inside}");
    }

    #[test]
    fn overlay_shows_pet_only_above_the_slices_60th_percentile() {
        let ct = vec![0.5f32; 10];
        let pet: Vec<f32> = (0..10).map(|i| i as f32).collect();
        let rgb = overlay(&ct, &pet, None, 1, 10);
        // Pixel 2 is below the cut: grey. Pixel 7 is above: red over blue.
        assert_eq!(rgb[6], rgb[7]);
        assert!(rgb[21] as i32 > rgb[23] as i32 + 50, "{:?}", &rgb[21..24]);
    }
}
