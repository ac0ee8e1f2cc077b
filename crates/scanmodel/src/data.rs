//! Volumes as the network sees them, and how they are batched.
//!
//! The exam store (crate `uptake-imaging`) turns DICOM into HU/SUV volumes and windows them
//! into two model channels; this module only needs the [`VolumeSource`] trait, so the network
//! is trained and tested on in-memory volumes as well as on a store.

use std::collections::BTreeMap;

use rand::Rng;
use uptake_core::ExamId;

use crate::config::ModelConfig;
use crate::error::{Result, ScanModelError};

/// One exam's two model channels (CT, PET), already windowed/normalised, on its own grid.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelVolume {
    /// The exam.
    pub exam_id: ExamId,
    /// [slices, rows, cols]
    pub shape: [usize; 3],
    /// Voxel size [slice, row, col] in mm (used to write maps on the exam's grid).
    pub spacing_mm: [f32; 3],
    /// LPS position `[z, y, x]` of voxel (0, 0, 0), as the exam store's geometry.
    pub origin_mm: [f32; 3],
    /// CT channel, row-major `[slice, row, col]`.
    pub ct: Vec<f32>,
    /// PET channel, as `ct`.
    pub pet: Vec<f32>,
}

impl ModelVolume {
    /// Checks sizes and finiteness; a NaN anywhere would poison a whole training run.
    pub fn validate(&self) -> Result<()> {
        let n: usize = self.shape.iter().product();
        let bad = |what: String| ScanModelError::BadVolume {
            exam: self.exam_id.to_string(),
            what,
        };
        if n == 0 {
            return Err(bad(format!("empty volume of shape {:?}", self.shape)));
        }
        if self.ct.len() != n || self.pet.len() != n {
            return Err(bad(format!(
                "shape {:?} needs {n} voxels per channel, got {} CT and {} PET",
                self.shape,
                self.ct.len(),
                self.pet.len()
            )));
        }
        for (name, ch) in [("CT", &self.ct), ("PET", &self.pet)] {
            if let Some(i) = ch.iter().position(|v| !v.is_finite()) {
                let [_, r, c] = self.shape;
                return Err(bad(format!(
                    "non-finite {name} value at slice {}, row {}, col {}",
                    i / (r * c),
                    (i / c) % r,
                    i % c
                )));
            }
        }
        Ok(())
    }
}

/// Where volumes come from: the exam store, or memory.
pub trait VolumeSource: Send + Sync {
    /// Every exam the source holds, sorted.
    fn exam_ids(&self) -> Vec<ExamId>;
    /// One exam's volume; an exam the source lacks is [`ScanModelError::MissingExam`].
    fn load(&self, exam: &ExamId) -> Result<ModelVolume>;
}

/// Volumes held in memory (tests, the synthetic learning check).
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    volumes: BTreeMap<ExamId, ModelVolume>,
}

impl MemoryStore {
    /// A store of these volumes (a later volume of the same exam replaces an earlier one).
    pub fn new(volumes: impl IntoIterator<Item = ModelVolume>) -> Self {
        Self {
            volumes: volumes
                .into_iter()
                .map(|v| (v.exam_id.clone(), v))
                .collect(),
        }
    }
}

impl VolumeSource for MemoryStore {
    fn exam_ids(&self) -> Vec<ExamId> {
        self.volumes.keys().cloned().collect()
    }
    fn load(&self, exam: &ExamId) -> Result<ModelVolume> {
        self.volumes
            .get(exam)
            .cloned()
            .ok_or_else(|| ScanModelError::MissingExam(exam.to_string()))
    }
}

/// A volume resampled to the network's grid: (2, slices, in_plane, in_plane), channel-major.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The exam.
    pub exam_id: ExamId,
    /// Slices on the network's grid (before padding to a batch).
    pub slices: usize,
    /// Pixels per side.
    pub in_plane: usize,
    /// The values, `[channel, slice, row, col]`.
    pub data: Vec<f32>,
}

/// Bilinear resampling of the window (y0, x0, wh, ww) of a (h, w) image onto (oh, ow) pixels,
/// pixel centres aligned (align_corners = false).
#[allow(clippy::too_many_arguments)]
pub fn resample_window(
    src: &[f32],
    w: usize,
    h: usize,
    window: [f32; 4],
    oh: usize,
    ow: usize,
    out: &mut [f32],
) {
    let [y0, x0, wh, ww] = window;
    let sy = wh / oh as f32;
    let sx = ww / ow as f32;
    for oy in 0..oh {
        let fy = (y0 + (oy as f32 + 0.5) * sy - 0.5).clamp(0.0, (h - 1) as f32);
        let iy = (fy.floor() as usize).min(h - 1);
        let iy1 = (iy + 1).min(h - 1);
        let ty = fy - iy as f32;
        for ox in 0..ow {
            let fx = (x0 + (ox as f32 + 0.5) * sx - 0.5).clamp(0.0, (w - 1) as f32);
            let ix = (fx.floor() as usize).min(w - 1);
            let ix1 = (ix + 1).min(w - 1);
            let tx = fx - ix as f32;
            let a = src[iy * w + ix] * (1.0 - tx) + src[iy * w + ix1] * tx;
            let b = src[iy1 * w + ix] * (1.0 - tx) + src[iy1 * w + ix1] * tx;
            out[oy * ow + ox] = a * (1.0 - ty) + b * ty;
        }
    }
}

/// Random augmentation of one training sample.
#[derive(Debug, Clone, Copy)]
pub struct Augment {
    /// In-plane crop window [y0, x0, height, width] in network pixels (the same for every
    /// slice), resized back to the full grid.
    pub crop: [f32; 4],
    /// PET intensity factor (the original code's brightness jitter, U(0.75, 1.25)).
    pub pet_scale: f32,
}

impl Augment {
    /// The paper's 200 of 224 pixels crop, scaled to the grid, at a random position.
    pub fn sample(rng: &mut impl Rng, in_plane: usize) -> Self {
        let (size, slack) = Self::crop_size(in_plane);
        Self {
            crop: [
                rng.random_range(0.0..=slack),
                rng.random_range(0.0..=slack),
                size,
                size,
            ],
            pet_scale: rng.random_range(0.75..1.25),
        }
    }

    /// The crop's side (200 of every 224 pixels) and the room left around it, in network pixels.
    fn crop_size(in_plane: usize) -> (f32, f32) {
        let size = in_plane as f32 * 200.0 / 224.0;
        (size, in_plane as f32 - size)
    }

    /// The `k`-th fixed test-time view: the training crop's size at the centre, then at the
    /// four corners (cycling), PET unscaled. Training only ever shows the network crops, so
    /// averaging over them sees exams at the scale it learnt.
    pub fn test_view(k: usize, in_plane: usize) -> Self {
        let (size, slack) = Self::crop_size(in_plane);
        let [y0, x0] = match k % 5 {
            0 => [slack / 2.0, slack / 2.0],
            1 => [0.0, 0.0],
            2 => [0.0, slack],
            3 => [slack, 0.0],
            _ => [slack, slack],
        };
        Self {
            crop: [y0, x0, size, size],
            pet_scale: 1.0,
        }
    }
}

/// Resamples a volume onto the network grid: each group of `slice_step` slices becomes one
/// (CT averaged, PET by its maximum, so a lesion thinner than the group is never skipped),
/// resized to in_plane x in_plane; `augment` crops in-plane first and scales PET.
pub fn prepare(
    volume: &ModelVolume,
    config: &ModelConfig,
    augment: Option<Augment>,
) -> Result<Prepared> {
    volume.validate()?;
    let [d, h, w] = volume.shape;
    let s = config.in_plane;
    let slices = d.div_ceil(config.slice_step);
    let mut data = vec![0.0f32; 2 * slices * s * s];
    // The crop is given in network pixels: map it to source pixels.
    let window = match augment {
        Some(a) => {
            let [y0, x0, ch, cw] = a.crop;
            let fy = h as f32 / s as f32;
            let fx = w as f32 / s as f32;
            [y0 * fy, x0 * fx, ch * fy, cw * fx]
        }
        None => [0.0, 0.0, h as f32, w as f32],
    };
    let pet_scale = augment.map(|a| a.pet_scale).unwrap_or(1.0);
    let step = config.slice_step;
    let mut group = vec![0.0f32; h * w];
    for (c, channel) in [&volume.ct, &volume.pet].into_iter().enumerate() {
        for z in 0..slices {
            let first = z * step;
            let last = (first + step).min(d);
            let src = if last - first == 1 {
                &channel[first * h * w..][..h * w]
            } else {
                combine_slices(
                    &channel[first * h * w..last * h * w],
                    h * w,
                    c == 1,
                    &mut group,
                );
                &group[..]
            };
            let off = (c * slices + z) * s * s;
            resample_window(src, w, h, window, s, s, &mut data[off..off + s * s]);
            if c == 1 && pet_scale != 1.0 {
                data[off..off + s * s]
                    .iter_mut()
                    .for_each(|v| *v *= pet_scale);
            }
        }
    }
    Ok(Prepared {
        exam_id: volume.exam_id.clone(),
        slices,
        in_plane: s,
        data,
    })
}

/// Reduces consecutive slices (`slices.len()` a multiple of `n`) to one: their maximum (PET,
/// where a small hot lesion must survive) or their mean (CT).
fn combine_slices(slices: &[f32], n: usize, max: bool, out: &mut [f32]) {
    let k = slices.len() / n;
    out.copy_from_slice(&slices[..n]);
    for slice in slices.chunks_exact(n).skip(1) {
        for (o, v) in out.iter_mut().zip(slice) {
            *o = if max { o.max(*v) } else { *o + v };
        }
    }
    if !max {
        out.iter_mut().for_each(|o| *o /= k as f32);
    }
}

/// A batch ready for the network: (batch, 2, slices, s, s) with zero padding after each
/// exam's last slice, slices a multiple of 8 (the encoder's stride, and its minimum depth).
pub struct Batch {
    /// The values, row-major in `shape`.
    pub data: Vec<f32>,
    /// (batch, 2, slices, s, s).
    pub shape: [usize; 5],
    /// Each exam's slices before the padding.
    pub valid_slices: Vec<usize>,
}

/// Stacks prepared exams into one zero-padded batch.
pub fn batch(items: &[&Prepared]) -> Batch {
    let m = ModelConfig::DEPTH_MULTIPLE;
    let s = items[0].in_plane;
    let depth = items
        .iter()
        .map(|p| p.slices)
        .max()
        .unwrap_or(1)
        .div_ceil(m)
        .max(1)
        * m;
    let mut data = vec![0.0f32; items.len() * 2 * depth * s * s];
    for (i, p) in items.iter().enumerate() {
        for c in 0..2 {
            let src = &p.data[c * p.slices * s * s..][..p.slices * s * s];
            let dst = ((i * 2 + c) * depth) * s * s;
            data[dst..dst + src.len()].copy_from_slice(src);
        }
    }
    Batch {
        data,
        shape: [items.len(), 2, depth, s, s],
        valid_slices: items.iter().map(|p| p.slices).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EncoderConfig, HeadKind};

    fn config(in_plane: usize) -> ModelConfig {
        ModelConfig {
            encoder: EncoderConfig::small(0.125, 1),
            head: HeadKind::Attention,
            regions: vec!["chest".into()],
            in_plane,
            slice_step: 1,
        }
    }

    fn volume(shape: [usize; 3]) -> ModelVolume {
        let n = shape.iter().product();
        ModelVolume {
            exam_id: ExamId::new("e1").unwrap(),
            shape,
            spacing_mm: [3.0, 4.0, 4.0],
            origin_mm: [0.0; 3],
            ct: (0..n).map(|i| i as f32).collect(),
            pet: vec![1.0; n],
        }
    }

    #[test]
    fn test_views_are_the_training_crop_at_the_centre_then_the_four_corners() {
        let views: Vec<[f32; 4]> = (0..6).map(|k| Augment::test_view(k, 224).crop).collect();
        assert_eq!(views[0], [12.0, 12.0, 200.0, 200.0]);
        assert_eq!(views[1], [0.0, 0.0, 200.0, 200.0]);
        assert_eq!(views[2], [0.0, 24.0, 200.0, 200.0]);
        assert_eq!(views[3], [24.0, 0.0, 200.0, 200.0]);
        assert_eq!(views[4], [24.0, 24.0, 200.0, 200.0]);
        assert_eq!(views[5], views[0]);
        assert_eq!(Augment::test_view(2, 224).pet_scale, 1.0);
    }

    #[test]
    fn nan_in_a_volume_is_reported_with_its_position() {
        let mut v = volume([2, 3, 4]);
        // slice 1, row 2, col 3 of a 3 x 4 slice
        v.pet[12 + 2 * 4 + 3] = f32::NAN;
        let err = prepare(&v, &config(32), None).unwrap_err().to_string();
        assert!(
            err.contains("e1") && err.contains("slice 1, row 2, col 3"),
            "{err}"
        );
    }

    #[test]
    fn resampling_a_constant_image_keeps_it_constant_and_identity_keeps_values() {
        let src: Vec<f32> = (0..16).map(|i| i as f32).collect();
        let mut out = vec![0.0; 16];
        resample_window(&src, 4, 4, [0.0, 0.0, 4.0, 4.0], 4, 4, &mut out);
        assert_eq!(out, src);
        let mut up = vec![0.0; 64];
        resample_window(&[2.0; 16], 4, 4, [0.0, 0.0, 4.0, 4.0], 8, 8, &mut up);
        assert!(up.iter().all(|v| (*v - 2.0).abs() < 1e-6));
    }

    #[test]
    fn slice_groups_keep_the_pet_maximum_and_the_ct_mean() {
        let mut v = volume([5, 2, 2]);
        v.pet[4 + 1] = 9.0; // slice 1: a hot voxel a plain every-2nd-slice decimation would skip
        let cfg = ModelConfig {
            slice_step: 2,
            ..config(32)
        };
        let p = prepare(&v, &cfg, None).unwrap();
        assert_eq!(p.slices, 3);
        let plane = 32 * 32;
        let pet = &p.data[3 * plane..];
        assert!(pet[..plane].iter().any(|x| *x > 1.5), "hot voxel lost");
        assert!(pet[plane..].iter().all(|x| (*x - 1.0).abs() < 1e-6));
        // CT voxel (0, 0) is 0 on slice 0 and 4 on slice 1: the group's mean is 2; the last
        // group is slice 4 alone (16).
        assert!((p.data[0] - 2.0).abs() < 1e-4, "{}", p.data[0]);
        assert!(
            (p.data[2 * plane] - 16.0).abs() < 1e-4,
            "{}",
            p.data[2 * plane]
        );
    }

    #[test]
    fn short_exams_are_padded_to_the_encoders_minimum_depth_with_their_length_recorded() {
        let a = prepare(&volume([3, 8, 8]), &config(32), None).unwrap();
        let b = prepare(&volume([11, 8, 8]), &config(32), None).unwrap();
        let batch = batch(&[&a, &b]);
        assert_eq!(batch.shape, [2, 2, 16, 32, 32]);
        assert_eq!(batch.valid_slices, vec![3, 11]);
        // Exam a's PET channel: real slices are 1, padding 0.
        let pet_a = &batch.data[16 * 32 * 32..2 * 16 * 32 * 32];
        assert!((pet_a[2 * 1024 + 5] - 1.0).abs() < 1e-6);
        assert_eq!(pet_a[3 * 1024 + 5], 0.0);
    }
}
