//! A tiny in-memory phantom cohort: a body with lungs, physiologic uptake (brain, bladder) and
//! hot lesions in five sites. It exists so tests and the learning check need no DICOM and no
//! other crate; the real synthetic cohort (crate `uptake-synth`) is richer.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uptake_core::{ExamId, RegionTable};

use crate::data::{MemoryStore, ModelVolume};

/// Lesion sites: name and box [z0, z1, y0, y1, x0, x1] in fractions of the volume.
pub const SITES: [(&str, [f32; 6]); 5] = [
    ("head_neck", [0.02, 0.2, 0.3, 0.7, 0.3, 0.7]),
    ("right_lungs", [0.25, 0.5, 0.25, 0.75, 0.15, 0.45]),
    ("left_lungs", [0.25, 0.5, 0.25, 0.75, 0.55, 0.85]),
    ("abdomen", [0.52, 0.75, 0.25, 0.75, 0.25, 0.75]),
    ("pelvis", [0.78, 0.98, 0.25, 0.75, 0.25, 0.75]),
];

/// Task regions and the sites each covers (a parent covers its children).
pub const TASKS: [(&str, &[&str]); 6] = [
    ("head_neck", &["head_neck"]),
    ("chest", &["right_lungs", "left_lungs"]),
    ("right_lungs", &["right_lungs"]),
    ("left_lungs", &["left_lungs"]),
    ("abdomen", &["abdomen"]),
    ("pelvis", &["pelvis"]),
];

pub struct PhantomCohort {
    pub store: MemoryStore,
    /// Ground truth, 0/1.
    pub truth: RegionTable,
    /// Report-like weak labels: each true lesion missed with probability `miss`.
    pub weak: RegionTable,
    /// Per exam, the site index of every voxel (255 = none), for attention-mass checks.
    pub site_maps: Vec<(ExamId, Vec<u8>)>,
}

/// Voxel box of a site in a volume of `shape`.
pub fn site_box(site: usize, shape: [usize; 3]) -> [usize; 6] {
    let b = SITES[site].1;
    let f = |v: f32, n: usize| ((v * n as f32).round() as usize).min(n);
    [f(b[0], shape[0]), f(b[1], shape[0]), f(b[2], shape[1]), f(b[3], shape[1]), f(b[4], shape[2]), f(b[5], shape[2])]
}

/// `n` exams of up to `shape` (slices vary between 75 % and 100 % of shape[0]), each site
/// abnormal with probability `prevalence`.
pub fn cohort(n: usize, shape: [usize; 3], prevalence: f64, miss: f64, seed: u64) -> PhantomCohort {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let tasks: Vec<String> = TASKS.iter().map(|t| t.0.to_string()).collect();
    let mut truth = RegionTable::new(tasks.clone());
    let mut weak = RegionTable::new(tasks);
    let mut volumes = Vec::new();
    let mut site_maps = Vec::new();
    for i in 0..n {
        let exam = ExamId::new(format!("ph{i:04}")).expect("non-empty id");
        let d = rng.random_range(shape[0] * 3 / 4..=shape[0]);
        let s = [d, shape[1], shape[2]];
        let abnormal: Vec<bool> = (0..SITES.len()).map(|_| rng.random_bool(prevalence)).collect();
        let reported: Vec<bool> = abnormal.iter().map(|&a| a && !rng.random_bool(miss)).collect();
        let (vol, map) = exam_volume(&exam, s, &abnormal, &mut rng);
        let row = |flags: &[bool]| -> Vec<Option<f64>> {
            TASKS
                .iter()
                .map(|(_, sites)| {
                    let hit = sites.iter().any(|site| flags[SITES.iter().position(|x| x.0 == *site).unwrap_or(0)]);
                    Some(if hit { 1.0 } else { 0.0 })
                })
                .collect()
        };
        truth.insert(exam.clone(), row(&abnormal));
        weak.insert(exam.clone(), row(&reported));
        volumes.push(vol);
        site_maps.push((exam, map));
    }
    PhantomCohort { store: MemoryStore::new(volumes), truth, weak, site_maps }
}

fn exam_volume(exam: &ExamId, shape: [usize; 3], abnormal: &[bool], rng: &mut ChaCha8Rng) -> (ModelVolume, Vec<u8>) {
    let [d, h, w] = shape;
    let n = d * h * w;
    let mut ct = vec![0.0f32; n];
    let mut pet = vec![0.0f32; n];
    let mut map = vec![255u8; n];
    let idx = |z: usize, y: usize, x: usize| (z * h + y) * w + x;
    // Body: an elliptic cylinder; soft tissue CT 0.5, PET background 0.15.
    for z in 0..d {
        for y in 0..h {
            for x in 0..w {
                let (fy, fx) = ((y as f32 + 0.5) / h as f32 - 0.5, (x as f32 + 0.5) / w as f32 - 0.5);
                if (fy / 0.35).powi(2) + (fx / 0.45).powi(2) <= 1.0 {
                    ct[idx(z, y, x)] = 0.5 + rng.random_range(-0.05..0.05);
                    pet[idx(z, y, x)] = 0.15 + rng.random_range(-0.03..0.03);
                }
            }
        }
    }
    for site in 0..SITES.len() {
        let [z0, z1, y0, y1, x0, x1] = site_box(site, shape);
        for z in z0..z1 {
            for y in y0..y1 {
                for x in x0..x1 {
                    map[idx(z, y, x)] = site as u8;
                    if SITES[site].0.ends_with("lungs") {
                        ct[idx(z, y, x)] = 0.1 + rng.random_range(-0.03..0.03);
                        pet[idx(z, y, x)] *= 0.5;
                    }
                }
            }
        }
    }
    // Physiologic uptake present in every exam: brain (top) and bladder (bottom).
    blob(&mut pet, shape, [d as f32 * 0.06, h as f32 * 0.5, w as f32 * 0.5], 2.5, 1.2);
    blob(&mut pet, shape, [d as f32 * 0.9, h as f32 * 0.55, w as f32 * 0.5], 2.0, 1.0);
    for (site, &a) in abnormal.iter().enumerate() {
        if a {
            let [z0, z1, y0, y1, x0, x1] = site_box(site, shape);
            let c = [
                rng.random_range(z0 as f32 + 1.0..(z1 as f32 - 1.0).max(z0 as f32 + 1.5)),
                rng.random_range(y0 as f32 + 1.0..(y1 as f32 - 1.0).max(y0 as f32 + 1.5)),
                rng.random_range(x0 as f32 + 1.0..(x1 as f32 - 1.0).max(x0 as f32 + 1.5)),
            ];
            blob(&mut pet, shape, c, rng.random_range(1.2..2.2), rng.random_range(0.8..1.5));
        }
    }
    let vol = ModelVolume {
        exam_id: exam.clone(),
        shape,
        spacing_mm: [4.0, 4.0, 4.0],
        origin_mm: [0.0; 3],
        ct,
        pet,
    };
    (vol, map)
}

/// Adds a Gaussian hot spot of peak `peak` and width `sigma` voxels at `centre` (z, y, x).
fn blob(pet: &mut [f32], shape: [usize; 3], centre: [f32; 3], sigma: f32, peak: f32) {
    let [d, h, w] = shape;
    let r = (3.0 * sigma).ceil() as isize;
    let (cz, cy, cx) = (centre[0] as isize, centre[1] as isize, centre[2] as isize);
    for z in (cz - r).max(0)..(cz + r + 1).min(d as isize) {
        for y in (cy - r).max(0)..(cy + r + 1).min(h as isize) {
            for x in (cx - r).max(0)..(cx + r + 1).min(w as isize) {
                let dd = (z as f32 + 0.5 - centre[0]).powi(2)
                    + (y as f32 + 0.5 - centre[1]).powi(2)
                    + (x as f32 + 0.5 - centre[2]).powi(2);
                pet[(z as usize * h + y as usize) * w + x as usize] += peak * (-dd / (2.0 * sigma * sigma)).exp();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::VolumeSource;

    #[test]
    fn phantom_cohort_is_reproducible_and_labels_parents_from_children() {
        let a = cohort(6, [16, 16, 16], 0.5, 0.0, 7);
        let b = cohort(6, [16, 16, 16], 0.5, 0.0, 7);
        assert_eq!(a.truth, b.truth);
        let id = &a.store.exam_ids()[0];
        assert_eq!(a.store.load(id).unwrap(), b.store.load(id).unwrap());
        for (exam, row) in a.truth.rows() {
            let chest = row[1].unwrap();
            let lungs = row[2].unwrap().max(row[3].unwrap());
            assert_eq!(chest, lungs, "exam {exam}");
        }
    }
}
