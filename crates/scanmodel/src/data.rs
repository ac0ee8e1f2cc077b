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
            if let Some(i) = first_where(ch, |v| !v.is_finite()) {
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

/// The index of the first value for which `bad` holds. Blocks are scanned without a branch per
/// value (so the scan vectorises), and only a block holding such a value is searched.
pub(crate) fn first_where(values: &[f32], bad: impl Fn(f32) -> bool) -> Option<usize> {
    const BLOCK: usize = 1024;
    values.chunks(BLOCK).enumerate().find_map(|(k, block)| {
        if block.iter().fold(false, |any, &v| any | bad(v)) {
            block.iter().position(|&v| bad(v)).map(|i| k * BLOCK + i)
        } else {
            None
        }
    })
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
    Resampler::new([h, w], window, [oh, ow]).run(src, 1.0, out);
}

/// One output coordinate's two source neighbours and their weights.
#[derive(Debug, Clone, Copy)]
struct Tap {
    first: usize,
    second: usize,
    /// Weight of `first`: `1 - t`.
    w_first: f32,
    /// Weight of `second`: `t`.
    w_second: f32,
}

impl Tap {
    /// The neighbours of source position `f` (in pixels, centres at integers) on `n` pixels.
    fn new(f: f32, n: usize) -> Self {
        let f = f.clamp(0.0, (n - 1) as f32);
        let first = (f.floor() as usize).min(n - 1);
        let t = f - first as f32;
        Self {
            first,
            second: (first + 1).min(n - 1),
            w_first: 1.0 - t,
            w_second: t,
        }
    }

    /// The taps of `out` output pixels over `n` source pixels of the window `[start, size]`.
    fn axis(start: f32, size: f32, n: usize, out: usize) -> Vec<Tap> {
        let step = size / out as f32;
        (0..out)
            .map(|o| Self::new(start + (o as f32 + 0.5) * step - 0.5, n))
            .collect()
    }
}

/// [`resample_window`] planned once for every slice of an exam: the neighbours and weights of
/// each output row and column are computed once, not per pixel and slice.
struct Resampler {
    width: usize,
    rows: Vec<Tap>,
    cols: Vec<Tap>,
}

impl Resampler {
    fn new([h, w]: [usize; 2], [y0, x0, wh, ww]: [f32; 4], [oh, ow]: [usize; 2]) -> Self {
        Self {
            width: w,
            rows: Tap::axis(y0, wh, h, oh),
            cols: Tap::axis(x0, ww, w, ow),
        }
    }

    /// Resamples the image `src` into `out`, times `scale` (1 keeps the values exactly).
    /// Separably: each source row the output needs is interpolated along the row once (kept
    /// while the next output row needs it too), then output rows are blended from two such
    /// rows, a loop that vectorises. The values are those of blending the four neighbours of
    /// each pixel at once, to the bit: the same products and sums in the same order.
    fn run(&self, src: &[f32], scale: f32, out: &mut [f32]) {
        let (w, ow) = (self.width, self.cols.len());
        let (mut top, mut bottom) = (vec![0.0f32; ow], vec![0.0f32; ow]);
        let (mut top_row, mut bottom_row) = (usize::MAX, usize::MAX);
        for (row, y) in out.chunks_exact_mut(ow).zip(&self.rows) {
            if top_row != y.first {
                if bottom_row == y.first {
                    std::mem::swap(&mut top, &mut bottom);
                    std::mem::swap(&mut top_row, &mut bottom_row);
                } else {
                    self.along_row(&src[y.first * w..][..w], &mut top);
                    top_row = y.first;
                }
            }
            if bottom_row != y.second {
                self.along_row(&src[y.second * w..][..w], &mut bottom);
                bottom_row = y.second;
            }
            for ((o, a), b) in row.iter_mut().zip(&top).zip(&bottom) {
                *o = (a * y.w_first + b * y.w_second) * scale;
            }
        }
    }

    /// One source row interpolated onto the output columns.
    fn along_row(&self, src: &[f32], out: &mut [f32]) {
        for (o, x) in out.iter_mut().zip(&self.cols) {
            *o = src[x.first] * x.w_first + src[x.second] * x.w_second;
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
    let resampler = Resampler::new([h, w], window, [s, s]);
    let mut group = vec![0.0f32; if step > 1 { h * w } else { 0 }];
    for (c, (channel, scale)) in [(&volume.ct, 1.0), (&volume.pet, pet_scale)]
        .into_iter()
        .enumerate()
    {
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
            resampler.run(src, scale, &mut data[off..off + s * s]);
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
            position_bins: 0,
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

    /// Bilinear resampling a pixel at a time, as first written: the reference values.
    fn resample_reference(src: &[f32], [h, w]: [usize; 2], window: [f32; 4], o: usize) -> Vec<f32> {
        let [y0, x0, wh, ww] = window;
        let (sy, sx) = (wh / o as f32, ww / o as f32);
        let mut out = vec![0.0; o * o];
        for oy in 0..o {
            let fy = (y0 + (oy as f32 + 0.5) * sy - 0.5).clamp(0.0, (h - 1) as f32);
            let iy = (fy.floor() as usize).min(h - 1);
            let iy1 = (iy + 1).min(h - 1);
            let ty = fy - iy as f32;
            for ox in 0..o {
                let fx = (x0 + (ox as f32 + 0.5) * sx - 0.5).clamp(0.0, (w - 1) as f32);
                let ix = (fx.floor() as usize).min(w - 1);
                let ix1 = (ix + 1).min(w - 1);
                let tx = fx - ix as f32;
                let a = src[iy * w + ix] * (1.0 - tx) + src[iy * w + ix1] * tx;
                let b = src[iy1 * w + ix] * (1.0 - tx) + src[iy1 * w + ix1] * tx;
                out[oy * o + ox] = a * (1.0 - ty) + b * ty;
            }
        }
        out
    }

    #[test]
    fn planned_resampling_gives_exactly_the_per_pixel_values_then_the_pet_scale() {
        let mut rng = uptake_core::seeded::rng(3);
        for _ in 0..50 {
            let (h, w, o) = (
                rng.random_range(1..30),
                rng.random_range(1..30),
                rng.random_range(1..40),
            );
            let src: Vec<f32> = (0..h * w).map(|_| rng.random_range(-1.0..2.0)).collect();
            let window = [
                rng.random_range(0.0..h as f32 / 4.0),
                rng.random_range(0.0..w as f32 / 4.0),
                rng.random_range(0.5..h as f32),
                rng.random_range(0.5..w as f32),
            ];
            let scale = rng.random_range(0.75..1.25);
            let reference = resample_reference(&src, [h, w], window, o);
            let mut out = vec![0.0; o * o];
            Resampler::new([h, w], window, [o, o]).run(&src, scale, &mut out);
            for (fast, slow) in out.iter().zip(&reference) {
                assert_eq!(fast.to_bits(), (slow * scale).to_bits());
            }
            resample_window(&src, w, h, window, o, o, &mut out);
            assert!(
                out.iter()
                    .zip(&reference)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
        }
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
