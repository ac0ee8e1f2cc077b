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

/// A phantom cohort: volumes, their truth and weak labels.
pub struct PhantomCohort {
    /// The volumes.
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
    [
        f(b[0], shape[0]),
        f(b[1], shape[0]),
        f(b[2], shape[1]),
        f(b[3], shape[1]),
        f(b[4], shape[2]),
        f(b[5], shape[2]),
    ]
}

/// `n` exams of up to `shape` (slices vary between 75 % and 100 % of `shape[0]`), each site
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
        let abnormal: Vec<bool> = (0..SITES.len())
            .map(|_| rng.random_bool(prevalence))
            .collect();
        let reported: Vec<bool> = abnormal
            .iter()
            .map(|&a| a && !rng.random_bool(miss))
            .collect();
        let (vol, map) = exam_volume(&exam, s, &abnormal, &mut rng);
        let row = |flags: &[bool]| -> Vec<Option<f64>> {
            TASKS
                .iter()
                .map(|(_, sites)| {
                    let hit = sites
                        .iter()
                        .any(|site| flags[SITES.iter().position(|x| x.0 == *site).unwrap_or(0)]);
                    Some(if hit { 1.0 } else { 0.0 })
                })
                .collect()
        };
        truth.insert(exam.clone(), row(&abnormal));
        weak.insert(exam.clone(), row(&reported));
        volumes.push(vol);
        site_maps.push((exam, map));
    }
    PhantomCohort {
        store: MemoryStore::new(volumes),
        truth,
        weak,
        site_maps,
    }
}

fn exam_volume(
    exam: &ExamId,
    shape: [usize; 3],
    abnormal: &[bool],
    rng: &mut ChaCha8Rng,
) -> (ModelVolume, Vec<u8>) {
    let [d, h, w] = shape;
    let n = d * h * w;
    let mut ct = vec![0.0f32; n];
    let mut pet = vec![0.0f32; n];
    let mut map = vec![255u8; n];
    let idx = |z: usize, y: usize, x: usize| (z * h + y) * w + x;
    body(&mut ct, &mut pet, shape, rng);
    for (site, (name, _)) in SITES.iter().enumerate() {
        let [z0, z1, y0, y1, x0, x1] = site_box(site, shape);
        for z in z0..z1 {
            for y in y0..y1 {
                for x in x0..x1 {
                    map[idx(z, y, x)] = site as u8;
                    if name.ends_with("lungs") {
                        ct[idx(z, y, x)] = 0.1 + rng.random_range(-0.03..0.03);
                        pet[idx(z, y, x)] *= 0.5;
                    }
                }
            }
        }
    }
    // Physiologic uptake present in every exam: brain (top) and bladder (bottom).
    blob(
        &mut pet,
        shape,
        [d as f32 * 0.06, h as f32 * 0.5, w as f32 * 0.5],
        2.5,
        1.2,
    );
    blob(
        &mut pet,
        shape,
        [d as f32 * 0.9, h as f32 * 0.55, w as f32 * 0.5],
        2.0,
        1.0,
    );
    lesions(&mut pet, shape, abnormal, rng);
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

/// The body: an elliptic cylinder; soft tissue CT 0.5, PET background 0.15, with noise.
fn body(ct: &mut [f32], pet: &mut [f32], shape: [usize; 3], rng: &mut ChaCha8Rng) {
    let [d, h, w] = shape;
    let idx = |z: usize, y: usize, x: usize| (z * h + y) * w + x;
    for z in 0..d {
        for y in 0..h {
            for x in 0..w {
                let (fy, fx) = (
                    (y as f32 + 0.5) / h as f32 - 0.5,
                    (x as f32 + 0.5) / w as f32 - 0.5,
                );
                if (fy / 0.35).powi(2) + (fx / 0.45).powi(2) <= 1.0 {
                    ct[idx(z, y, x)] = 0.5 + rng.random_range(-0.05..0.05);
                    pet[idx(z, y, x)] = 0.15 + rng.random_range(-0.03..0.03);
                }
            }
        }
    }
}

/// A hot blob at a random place of each abnormal site.
fn lesions(pet: &mut [f32], shape: [usize; 3], abnormal: &[bool], rng: &mut ChaCha8Rng) {
    for (site, &a) in abnormal.iter().enumerate() {
        if a {
            let [z0, z1, y0, y1, x0, x1] = site_box(site, shape);
            let c = [
                rng.random_range(z0 as f32 + 1.0..(z1 as f32 - 1.0).max(z0 as f32 + 1.5)),
                rng.random_range(y0 as f32 + 1.0..(y1 as f32 - 1.0).max(y0 as f32 + 1.5)),
                rng.random_range(x0 as f32 + 1.0..(x1 as f32 - 1.0).max(x0 as f32 + 1.5)),
            ];
            blob(
                pet,
                shape,
                c,
                rng.random_range(1.2..2.2),
                rng.random_range(0.8..1.5),
            );
        }
    }
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
                pet[(z as usize * h + y as usize) * w + x as usize] +=
                    peak * (-dd / (2.0 * sigma * sigma)).exp();
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

/// Result of [`learning_check`].
#[derive(Debug, Clone)]
pub struct LearningReport {
    /// One entry per task.
    pub tasks: Vec<TaskLearning>,
    /// Mean held-out AUROC over the tasks.
    pub mean_auroc: f64,
    /// Mean attention mass inside the true region.
    pub mean_attention_mass: f64,
    /// Mean share of the volume of the true regions.
    pub mean_region_share: f64,
    /// Training time.
    pub train_seconds: f64,
}

/// What a task learnt, on the held-out phantoms.
#[derive(Debug, Clone)]
pub struct TaskLearning {
    /// The task.
    pub task: String,
    /// AUROC against the truth.
    pub auroc: Option<f64>,
    /// Exams where the task is truly positive.
    pub positives: usize,
    /// Mean attention mass inside the true region on those exams.
    pub attention_mass: f64,
    /// The region's share of the volume on those exams (chance level).
    pub region_share: f64,
}

impl std::fmt::Display for LearningReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<14} {:>7} {:>5} {:>15} {:>13}",
            "task", "AUROC", "pos", "attention mass", "region share"
        )?;
        for t in &self.tasks {
            let a = t
                .auroc
                .map(|a| format!("{a:.3}"))
                .unwrap_or_else(|| "n/a".into());
            writeln!(
                f,
                "{:<14} {a:>7} {:>5} {:>15.3} {:>13.3}",
                t.task, t.positives, t.attention_mass, t.region_share
            )?;
        }
        write!(
            f,
            "mean AUROC {:.3}; attention mass inside the true region {:.3} (region share {:.3}); training {:.0} s",
            self.mean_auroc, self.mean_attention_mass, self.mean_region_share, self.train_seconds
        )
    }
}

/// Trains on the weak labels of a phantom cohort and measures, on a held-out phantom cohort,
/// AUROC against the truth and how much attention falls inside the lesion's region.
#[allow(clippy::too_many_arguments)]
pub fn learning_check<B: burn::tensor::backend::AutodiffBackend>(
    config: &crate::config::ModelConfig,
    n_train: usize,
    n_test: usize,
    shape: [usize; 3],
    options: &crate::train::TrainOptions,
    dir: &std::path::Path,
    quiet: bool,
    device: &B::Device,
) -> crate::error::Result<LearningReport> {
    use crate::data::VolumeSource;
    let train_set = cohort(n_train, shape, 0.3, 0.1, options.seed.wrapping_add(11));
    let test_set = cohort(n_test, shape, 0.3, 0.0, options.seed.wrapping_add(12));
    let targets = crate::train::Targets::from_table(&train_set.weak, &config.regions)?;
    let started = std::time::Instant::now();
    let settings = crate::train::TrainSettings {
        config: config.clone(),
        options: options.clone(),
        init: crate::init::Init::Random,
        validation_exams: None,
    };
    // The library prints nothing: `quiet` no longer changes anything here.
    let _ = quiet;
    crate::train::train::<B>(
        &train_set.store,
        &targets,
        &settings,
        dir,
        device,
        &mut |_| {},
    )?;
    let train_seconds = started.elapsed().as_secs_f64();
    let (config, model) = crate::predict::load_run::<B::InnerBackend>(dir, device)?;
    let mut scores = vec![Vec::new(); config.regions.len()];
    let mut labels = vec![Vec::new(); config.regions.len()];
    let mut mass = vec![Vec::new(); config.regions.len()];
    let mut share = vec![Vec::new(); config.regions.len()];
    for (exam, sites) in &test_set.site_maps {
        let volume = test_set.store.load(exam)?;
        let prepared = crate::data::prepare(&volume, &config, None)?;
        let pred = crate::predict::predict_prepared(&model, &[&prepared], device).remove(0);
        let n = pred.grid.iter().product::<usize>();
        for (t, task) in config.regions.iter().enumerate() {
            let truth = test_set.truth.get(exam, task).unwrap_or(0.0) >= 0.5;
            scores[t].push(pred.probabilities[t] as f64);
            labels[t].push(truth);
            if truth {
                let idx = task_sites(task);
                let att = crate::maps::features_to_exam(
                    &pred.attention[t * n..(t + 1) * n],
                    pred.grid,
                    &config,
                    volume.shape,
                );
                mass[t].push(crate::maps::mass_inside(&att, |i| idx.contains(&sites[i])));
                share[t].push(
                    sites.iter().filter(|s| idx.contains(s)).count() as f64 / sites.len() as f64,
                );
            }
        }
    }
    let tasks: Vec<TaskLearning> = config
        .regions
        .iter()
        .enumerate()
        .map(|(t, task)| TaskLearning {
            task: task.clone(),
            auroc: uptake_core::metrics::auroc(&scores[t], &labels[t]),
            positives: mass[t].len(),
            attention_mass: mean(&mass[t]),
            region_share: mean(&share[t]),
        })
        .collect();
    let aurocs: Vec<f64> = tasks.iter().filter_map(|t| t.auroc).collect();
    let positive = || tasks.iter().filter(|t| t.positives > 0);
    let masses: Vec<f64> = positive().map(|t| t.attention_mass).collect();
    let shares: Vec<f64> = positive().map(|t| t.region_share).collect();
    Ok(LearningReport {
        mean_auroc: mean(&aurocs),
        mean_attention_mass: mean(&masses),
        mean_region_share: mean(&shares),
        tasks,
        train_seconds,
    })
}

/// The indices (in [`SITES`]) of the sites a task covers.
fn task_sites(task: &str) -> Vec<u8> {
    TASKS
        .iter()
        .find(|(name, _)| *name == task)
        .map(|(_, s)| {
            s.iter()
                .filter_map(|s| SITES.iter().position(|x| x.0 == *s))
                .map(|i| i as u8)
                .collect()
        })
        .unwrap_or_default()
}

/// The mean of `v`; 0 when empty.
fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}
