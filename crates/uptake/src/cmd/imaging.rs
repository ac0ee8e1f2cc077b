//! `uptake ingest` (DICOM -> exam store), `uptake inspect` (look at one exam) and
//! `uptake bench ingest` (seconds per exam beside a pydicom + numpy + scipy baseline).

use crate::common::{Global, progress};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::time::Instant;
use uptake_core::ExamId;
use uptake_imaging::ingest::{self, Ingested, choose_series, ingest_series, study_exam_id};
use uptake_imaging::inspect::{Voi, reference_vois, suv_summary, write_mip_png};
use uptake_imaging::manifest::read_manifest;
use uptake_imaging::{ExamStore, ModelGrid, ingest_dir, nifti_out};

/// The model grid options shared by ingest, inspect and the bench.
#[derive(clap::Args, Debug, Clone)]
pub struct GridArgs {
    /// In-plane size of the model grid (pixels per side).
    #[arg(long, default_value_t = 224)]
    pub size: usize,
    /// Side of the square in-plane field of view, mm (centred on the CT).
    #[arg(long, default_value_t = 600.0)]
    pub fov_mm: f32,
    /// Distance between model-grid slices, mm.
    #[arg(long, default_value_t = 4.0)]
    pub slice_mm: f32,
}

impl GridArgs {
    fn grid(&self) -> anyhow::Result<ModelGrid> {
        let positive = |v: f32| v.is_finite() && v > 0.0;
        if self.size < 8 || !positive(self.fov_mm) || !positive(self.slice_mm) {
            bail!("--size must be >= 8 and --fov-mm, --slice-mm positive");
        }
        Ok(ModelGrid {
            size: self.size,
            fov_mm: self.fov_mm,
            slice_mm: self.slice_mm,
        })
    }
}

#[derive(clap::Args, Debug)]
pub struct IngestArgs {
    /// Cohort manifest (CSV with columns exam_id and dicom_dir, relative to the manifest).
    #[arg(long, conflicts_with = "dicom", required_unless_present = "dicom")]
    pub manifest: Option<PathBuf>,
    /// A folder tree of DICOM files: every study found is one exam (id: AccessionNumber, else
    /// StudyInstanceUID).
    #[arg(long)]
    pub dicom: Option<PathBuf>,
    /// The exam store (folder) to write into.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub grid: GridArgs,
    /// Also write aligned CT (HU) and PET (SUV) NIfTI volumes into OUT/nifti/.
    #[arg(long)]
    pub nifti: bool,
    /// Only this part of the cohort, `i/n` with i in 0..n (by a stable hash of the exam id),
    /// for cluster job arrays.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Re-ingest exams already in the store.
    #[arg(long)]
    pub force: bool,
    /// Fail (nonzero exit) if any exam fails; by default only if all do.
    #[arg(long)]
    pub strict: bool,
}

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// Exam id in the store (or, with --dicom, the id to give the exam).
    pub exam: Option<String>,
    /// The exam store.
    #[arg(long, conflicts_with = "dicom", required_unless_present = "dicom")]
    pub store: Option<PathBuf>,
    /// Inspect a DICOM folder (one exam) directly, without a store.
    #[arg(long)]
    pub dicom: Option<PathBuf>,
    #[command(flatten)]
    pub grid: GridArgs,
    /// A spherical VOI `NAME=X,Y,Z[,R]` in LPS mm (radius default 15): mean SUV is reported
    /// for it (e.g. liver and blood pool). Repeatable.
    #[arg(long = "voi", value_name = "NAME=X,Y,Z[,R]")]
    pub vois: Vec<String>,
    /// Region map of a synthetic exam (`regions.json`): its liver and blood-pool reference
    /// points become VOIs. Found automatically beside a --dicom folder or through --manifest.
    #[arg(long)]
    pub regions: Option<PathBuf>,
    /// Cohort manifest: the exam's `regions_path` column gives its region map.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Where to write the coronal MIP picture (default `<exam>_mip.png` here).
    #[arg(long)]
    pub png: Option<PathBuf>,
}

fn parse_shard(text: &str) -> anyhow::Result<(u64, u64)> {
    let (i, n) = text.split_once('/').context("--shard must look like i/n")?;
    let (i, n): (u64, u64) = (i.trim().parse()?, n.trim().parse()?);
    if n == 0 || i >= n {
        bail!("--shard {text}: need 0 <= i < n");
    }
    Ok((i, n))
}

/// FNV-1a: a stable hash, so an exam stays in its shard whatever else is in the cohort.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// Whether a stored exam's geometry is the model grid `grid` describes.
fn on_grid(g: &uptake_imaging::Geometry, grid: &ModelGrid) -> bool {
    let pixel = grid.fov_mm / grid.size as f32;
    g.shape[1] == grid.size
        && g.shape[2] == grid.size
        && (g.spacing_mm[0] - grid.slice_mm).abs() < 1e-3
        && (g.spacing_mm[2] - pixel).abs() < 1e-3
}

enum Source {
    Dir(PathBuf),
    Study(Vec<ingest::Series>),
}

pub fn run_ingest(args: IngestArgs, global: &Global) -> anyhow::Result<()> {
    let grid = args.grid.grid()?;
    let store = ExamStore::open(&args.out)?;
    let mut skipped_files = Vec::new();
    let mut work: Vec<(ExamId, Source)> = match (&args.manifest, &args.dicom) {
        (Some(manifest), _) => read_manifest(manifest)?
            .into_iter()
            .map(|e| (e.exam_id, Source::Dir(e.dicom_dir)))
            .collect(),
        (None, Some(dir)) => {
            let discovery = ingest::discover(dir)?;
            skipped_files = discovery.skipped;
            discovery
                .studies
                .into_iter()
                .map(|(uid, series)| (study_exam_id(&uid, &series), Source::Study(series)))
                .collect()
        }
        (None, None) => bail!("give --manifest or --dicom"),
    };
    if work.is_empty() {
        let detail = match skipped_files.first() {
            Some(s) => format!(
                " ({} unreadable files, e.g. {}: {})",
                skipped_files.len(),
                s.what,
                s.reason
            ),
            None => String::new(),
        };
        bail!("no exams to ingest{detail}");
    }
    work.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(shard) = &args.shard {
        let (i, n) = parse_shard(shard)?;
        work.retain(|(id, _)| stable_hash(id.as_str()) % n == i);
    }
    let total = work.len();
    let (mut done, mut already, mut failures, mut notes) = (0usize, 0usize, Vec::new(), Vec::new());
    let bar = progress(total as u64, "ingest", global.quiet);
    for (exam_id, source) in work {
        bar.set_prefix(exam_id.to_string());
        if !args.force && store.contains(&exam_id) {
            // Stored on the grid asked for: done. On another grid: ingest again.
            match store.geometry(&exam_id) {
                Ok(g) if on_grid(&g, &grid) => {
                    already += 1;
                    bar.inc(1);
                    continue;
                }
                Ok(_) => notes.push(format!(
                    "exam {exam_id}: stored on another grid; ingested again"
                )),
                Err(e) => notes.push(format!(
                    "exam {exam_id}: stored file unreadable ({e}); ingested again"
                )),
            }
        }
        let result: Result<Ingested, String> = match source {
            Source::Dir(dir) => ingest_dir(&exam_id, &dir, &grid).map_err(|e| e.to_string()),
            Source::Study(series) => choose_series(series)
                .and_then(|chosen| ingest_series(&exam_id, chosen, &grid))
                .map_err(|e| format!("exam {exam_id}: {e}")),
        };
        match result.and_then(|ing| {
            store
                .write_with_info(&ing.volume, Some(&ing.info))
                .map_err(|e| format!("exam {exam_id}: {e}"))?;
            if args.nifti {
                nifti_out::write_exam(&args.out.join("nifti"), &ing.volume)
                    .map_err(|e| format!("exam {exam_id}: {e}"))?;
            }
            Ok(ing)
        }) {
            Ok(ing) => {
                done += 1;
                for w in &ing.info.warnings {
                    notes.push(format!("exam {exam_id}: warning: {w}"));
                }
                for s in &ing.skipped {
                    notes.push(format!("exam {exam_id}: skipped {}: {}", s.what, s.reason));
                }
            }
            Err(e) => failures.push(e),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    for s in &skipped_files {
        notes.push(format!("skipped {}: {}", s.what, s.reason));
    }
    if !global.quiet {
        for n in &notes {
            eprintln!("{n}");
        }
    }
    for f in &failures {
        eprintln!("FAILED {f}");
    }
    println!(
        "ingested {done}, already stored {already}, failed {} (of {total} exams) into {}",
        failures.len(),
        args.out.display()
    );
    if !failures.is_empty() && (args.strict || done + already == 0) {
        bail!("{} of {total} exams failed", failures.len());
    }
    Ok(())
}

fn parse_voi(text: &str) -> anyhow::Result<Voi> {
    let (name, coords) = text
        .split_once('=')
        .context("--voi must look like NAME=X,Y,Z[,R]")?;
    let v: Vec<f32> = coords
        .split(',')
        .map(|c| c.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("--voi {text}"))?;
    if !(v.len() == 3 || v.len() == 4) {
        bail!("--voi {text}: need X,Y,Z or X,Y,Z,R");
    }
    Ok(Voi {
        name: name.to_string(),
        centre_mm: [v[0], v[1], v[2]],
        radius_mm: v.get(3).copied().unwrap_or(15.0),
    })
}

/// The region map to use: --regions, else the manifest's regions_path for the exam, else
/// regions.json beside or above a --dicom folder.
fn find_regions(args: &InspectArgs) -> anyhow::Result<Option<PathBuf>> {
    if let Some(r) = &args.regions {
        return Ok(Some(r.clone()));
    }
    if let (Some(manifest), Some(exam)) = (&args.manifest, &args.exam) {
        let mut reader = csv::Reader::from_path(manifest)
            .with_context(|| format!("reading {}", manifest.display()))?;
        let headers = reader.headers()?.clone();
        let col = |name: &str| headers.iter().position(|h| h.trim() == name);
        if let (Some(id), Some(regions)) = (col("exam_id"), col("regions_path")) {
            for record in reader.records() {
                let record = record?;
                if record.get(id).map(str::trim) == Some(exam.trim()) {
                    let rel = PathBuf::from(record.get(regions).unwrap_or("").trim());
                    let base = manifest.parent().unwrap_or(Path::new("."));
                    return Ok(Some(if rel.is_absolute() {
                        rel
                    } else {
                        base.join(rel)
                    }));
                }
            }
        }
    }
    if let Some(dir) = &args.dicom {
        for candidate in [dir.join("regions.json"), dir.join("../regions.json")] {
            if candidate.is_file() {
                return Ok(Some(candidate));
            }
        }
    }
    Ok(None)
}

pub fn run_inspect(args: InspectArgs, _global: &Global) -> anyhow::Result<()> {
    let mut vois: Vec<Voi> = args
        .vois
        .iter()
        .map(|v| parse_voi(v))
        .collect::<anyhow::Result<_>>()?;
    if vois.is_empty()
        && let Some(path) = find_regions(&args)?
    {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        vois = reference_vois(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        println!("region map      {}", path.display());
    }
    let (volume, info) = match (&args.store, &args.dicom) {
        (Some(store), _) => {
            let exam = ExamId::new(args.exam.as_deref().unwrap_or(""))
                .context("give the exam id to inspect")?;
            let store = ExamStore::open(store)?;
            (store.load(&exam)?, store.info(&exam)?)
        }
        (None, Some(dir)) => {
            let exam = ExamId::new(args.exam.as_deref().unwrap_or("dicom")).context("exam id")?;
            let ing = ingest_dir(&exam, dir, &args.grid.grid()?)?;
            for s in &ing.skipped {
                println!("skipped         {}: {}", s.what, s.reason);
            }
            (ing.volume, Some(ing.info))
        }
        (None, None) => bail!("give --store or --dicom"),
    };
    let g = volume.geometry;
    println!("exam            {}", volume.exam_id);
    println!(
        "grid            {} slices x {} x {} (z, y, x)",
        g.shape[0], g.shape[1], g.shape[2]
    );
    println!(
        "spacing         {:.2} x {:.2} x {:.2} mm",
        g.spacing_mm[0], g.spacing_mm[1], g.spacing_mm[2]
    );
    println!(
        "first voxel     LPS x {:.1}, y {:.1}, z {:.1} mm (slice 0 is the head end)",
        g.origin_mm[2], g.origin_mm[1], g.origin_mm[0]
    );
    println!(
        "z range         {:.1} .. {:.1} mm",
        g.position_mm(g.shape[0] - 1, 0, 0)[0],
        g.origin_mm[0]
    );
    if let Some(info) = &info {
        println!("study           {}", info.study_instance_uid);
        println!("CT series       {}", info.ct_series_uid);
        println!("PET series      {}", info.pet_series_uid);
        for (name, native) in [
            ("CT native", info.ct_native),
            ("PET native", info.pet_native),
        ] {
            if let Some(n) = native {
                println!(
                    "{name:<15} {} x {} x {}, {:.2} x {:.2} x {:.2} mm",
                    n.shape[0],
                    n.shape[1],
                    n.shape[2],
                    n.spacing_mm[0],
                    n.spacing_mm[1],
                    n.spacing_mm[2]
                );
            }
        }
        println!("SUV             {}", info.suv_method);
        for w in &info.warnings {
            println!("warning         {w}");
        }
    }
    let s = suv_summary(&volume, &vois);
    println!(
        "SUVmax          {:.2} at LPS ({:.1}, {:.1}, {:.1}) mm (model grid)",
        s.suv_max, s.suv_max_at_mm[0], s.suv_max_at_mm[1], s.suv_max_at_mm[2]
    );
    println!(
        "body mean SUV   {:.2} (voxels with CT > -500 HU)",
        s.body_mean_suv
    );
    for v in &s.vois {
        println!(
            "VOI {:<11} mean SUV {:.2}, max {:.2}, mean {:.0} HU ({} voxels)",
            v.name, v.mean_suv, v.max_suv, v.mean_hu, v.voxels
        );
    }
    if vois.is_empty() {
        println!(
            "(no liver / blood-pool VOI: pass --regions regions.json, --manifest M, or --voi liver=X,Y,Z)"
        );
    }
    let png = args.png.unwrap_or_else(|| {
        let stem: String = volume
            .exam_id
            .as_str()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        PathBuf::from(format!("{stem}_mip.png"))
    });
    write_mip_png(&png, &volume)?;
    println!("MIP picture     {}", png.display());
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct BenchIngestArgs {
    /// Keep the benchmark's DICOM and store here (default: a temporary folder).
    #[arg(long)]
    pub keep: Option<PathBuf>,
    /// Python with pydicom, numpy and scipy for the baseline (default: the set-up venv,
    /// $UPTAKE_CACHE/venv-imaging/bin/python).
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// Timed repetitions (the best is reported).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    #[command(flatten)]
    pub grid: GridArgs,
}

fn default_python() -> PathBuf {
    let cache = std::env::var_os("UPTAKE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/uptake")
        });
    cache.join("venv-imaging/bin/python")
}

fn baseline_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ingest_baseline.py")
}

pub fn run_bench_ingest(args: BenchIngestArgs, global: &Global) -> anyhow::Result<()> {
    let grid = args.grid.grid()?;
    let tmp = tempfile::tempdir()?;
    let root = args
        .keep
        .clone()
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let dicom = root.join("dicom");
    let spec = uptake_imaging::phantom::PhantomSpec::bench();
    if !dicom.join("PT").is_dir() {
        let t = Instant::now();
        uptake_imaging::phantom::write_phantom(&dicom, &spec)?;
        if !global.quiet {
            eprintln!(
                "wrote the benchmark exam ({} CT slices {}x{}, {} PET slices {}x{}) in {:.1} s",
                spec.ct.slices,
                spec.ct.size,
                spec.ct.size,
                spec.pet.slices,
                spec.pet.size,
                spec.pet.size,
                t.elapsed().as_secs_f64()
            );
        }
    }
    let store = ExamStore::open(root.join("store"))?;
    let exam = ExamId::new("bench").expect("static id");
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut rust_best = f64::INFINITY;
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        let ing = ingest_dir(&exam, &dicom, &grid)?;
        store.write_with_info(&ing.volume, Some(&ing.info))?;
        rust_best = rust_best.min(t.elapsed().as_secs_f64());
    }
    let g = store.geometry(&exam)?;
    println!(
        "exam: CT {}x{} x {} slices, PET {}x{} x {} slices -> model grid {:?} ({} threads)",
        spec.ct.size,
        spec.ct.size,
        spec.ct.slices,
        spec.pet.size,
        spec.pet.size,
        spec.pet.slices,
        g.shape,
        threads
    );
    println!(
        "uptake ingest (Rust):           {rust_best:.2} s per exam (best of {})",
        args.repeat.max(1)
    );
    let python = args.python.clone().unwrap_or_else(default_python);
    if !python.is_file() {
        println!(
            "Python baseline: skipped ({} not found; run scripts/setup)",
            python.display()
        );
        return Ok(());
    }
    let t = Instant::now();
    let out = std::process::Command::new(&python)
        .arg(baseline_script())
        .arg(&dicom)
        .arg(root.join("baseline.npz"))
        .args([
            "--size",
            &grid.size.to_string(),
            "--fov-mm",
            &grid.fov_mm.to_string(),
            "--slice-mm",
            &grid.slice_mm.to_string(),
            "--repeat",
            &args.repeat.max(1).to_string(),
        ])
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    let wall = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "the Python baseline failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let py_best: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("seconds_per_exam "))
        .and_then(|v| v.trim().parse().ok())
        .context("the Python baseline printed no seconds_per_exam")?;
    println!(
        "pydicom + numpy + scipy:        {py_best:.2} s per exam (best of {}, in-process; {wall:.1} s wall for all runs)",
        args.repeat.max(1)
    );
    println!(
        "speed-up:                       {:.1}x (goal >= 3x)",
        py_best / rust_best
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_cohort() {
        let ids: Vec<String> = (0..200).map(|i| format!("E{i:05}")).collect();
        let mut seen = vec![0; ids.len()];
        for i in 0..4 {
            for (n, id) in ids.iter().enumerate() {
                if stable_hash(id) % 4 == i {
                    seen[n] += 1;
                }
            }
        }
        assert!(seen.iter().all(|&s| s == 1));
        assert_eq!(parse_shard("3/4").unwrap(), (3, 4));
        assert!(parse_shard("4/4").is_err() && parse_shard("1").is_err());
    }

    #[test]
    fn a_voi_parses_with_and_without_radius() {
        assert_eq!(parse_voi("liver=-75,5,-580").unwrap().radius_mm, 15.0);
        assert_eq!(parse_voi("bp=1,2,3,8").unwrap().centre_mm, [1.0, 2.0, 3.0]);
        assert!(parse_voi("liver=1,2").is_err());
    }
}
