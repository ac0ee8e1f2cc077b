//! A fuzzing run: mutants of each target's seeds, fed to its reader, until a case count or a
//! time budget is spent; every panic is caught, counted and its input kept.

use crate::mutate::Mutator;
use crate::readers::{Verdict, read};
use crate::seeds::{SeedError, seeds};
use crate::target::Target;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use uptake_core::Progress;
use uptake_core::seeded::stable_hash;

/// How long a run goes on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Budget {
    /// This many cases per target (the test suite's bounded runs).
    CasesPerTarget(u64),
    /// This long in all, the targets taking turns case by case.
    Time(Duration),
}

/// What to fuzz, for how long, from which seed.
#[derive(Clone, Debug)]
pub struct FuzzSettings {
    /// The readers to feed.
    pub targets: Vec<Target>,
    /// When to stop.
    pub budget: Budget,
    /// The mutation seed: the same seed gives the same cases.
    pub seed: u64,
    /// Where inputs that made a reader panic are saved (`<target>-<case>.<ext>`); none: kept
    /// only in memory.
    pub findings_dir: Option<PathBuf>,
}

/// One input that made a reader panic.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The case number within its target (with the seed, it reproduces the input).
    pub case: u64,
    /// The panic message.
    pub message: String,
    /// Where the input was saved.
    pub saved: Option<PathBuf>,
}

/// The cases of one target.
#[derive(Clone, Debug)]
pub struct TargetRun {
    /// The reader fed.
    pub target: Target,
    /// Cases run.
    pub cases: u64,
    /// Mutants read as valid.
    pub accepted: u64,
    /// Mutants refused with an error.
    pub refused: u64,
    /// Mutants that made the reader panic (the bar is none).
    pub panics: Vec<Finding>,
    /// Time spent on this target's cases.
    pub elapsed: Duration,
}

/// A whole run, target by target.
#[derive(Clone, Debug)]
pub struct FuzzReport {
    /// The mutation seed.
    pub seed: u64,
    /// One entry per target, in the order of the settings.
    pub targets: Vec<TargetRun>,
}

impl FuzzReport {
    /// Cases run over all targets.
    pub fn cases(&self) -> u64 {
        self.targets.iter().map(|t| t.cases).sum()
    }

    /// Panics over all targets.
    pub fn panics(&self) -> usize {
        self.targets.iter().map(|t| t.panics.len()).sum()
    }
}

/// Why a run could not be made (never a finding: those are in the report).
#[derive(Debug, thiserror::Error)]
pub enum FuzzError {
    /// The seeds of a target could not be made.
    #[error(transparent)]
    Seeds(#[from] SeedError),
    /// A finding could not be saved.
    #[error(transparent)]
    Save(#[from] uptake_core::AtomicWriteError),
    /// A scratch or findings file could not be written.
    #[error("fuzzing: cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// One target's seeds, mutator and tally while a run goes on.
struct Lane {
    seeds: Vec<Vec<u8>>,
    mutator: Mutator,
    input: PathBuf,
    tally: TargetRun,
}

/// Runs the fuzzer. Panic messages are caught and reported, not printed.
pub fn run_fuzz(settings: &FuzzSettings, progress: &dyn Progress) -> Result<FuzzReport, FuzzError> {
    let scratch = tempfile::tempdir().map_err(io(Path::new("a temporary folder")))?;
    let mut lanes = Vec::new();
    for &target in &settings.targets {
        lanes.push(lane(target, settings.seed, scratch.path())?);
    }
    silence_panics_on_this_thread();
    let result = drive(&mut lanes, settings, progress);
    FUZZING.with(|f| f.set(false));
    result?;
    let targets = lanes.into_iter().map(|l| l.tally).collect();
    Ok(FuzzReport {
        seed: settings.seed,
        targets,
    })
}

fn lane(target: Target, seed: u64, scratch: &Path) -> Result<Lane, FuzzError> {
    let seeds = seeds(target, &scratch.join(format!("seeds-{target}")))?;
    let dir = scratch.join(target.name());
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    Ok(Lane {
        seeds,
        mutator: Mutator::new(seed ^ stable_hash(target.name())),
        input: dir.join(target.file_name()),
        tally: TargetRun {
            target,
            cases: 0,
            accepted: 0,
            refused: 0,
            panics: Vec::new(),
            elapsed: Duration::ZERO,
        },
    })
}

fn drive(
    lanes: &mut [Lane],
    settings: &FuzzSettings,
    progress: &dyn Progress,
) -> Result<(), FuzzError> {
    let start = Instant::now();
    match settings.budget {
        Budget::CasesPerTarget(n) => {
            progress.start("fuzz cases", n * lanes.len() as u64);
            for lane in lanes.iter_mut() {
                for _ in 0..n {
                    one_case(lane, settings.findings_dir.as_deref())?;
                    progress.advance(1);
                }
            }
        }
        Budget::Time(limit) => {
            progress.start("fuzz seconds", limit.as_secs());
            let mut shown = 0;
            while start.elapsed() < limit && !lanes.is_empty() {
                for lane in lanes.iter_mut() {
                    one_case(lane, settings.findings_dir.as_deref())?;
                }
                let seconds = start.elapsed().as_secs();
                progress.advance(seconds - shown);
                shown = seconds;
            }
        }
    }
    progress.finish();
    Ok(())
}

fn one_case(lane: &mut Lane, findings: Option<&Path>) -> Result<(), FuzzError> {
    let case = lane.tally.cases;
    let count = lane.seeds.len().max(1);
    let pick = (case as usize) % count;
    let empty = Vec::new();
    let seed = lane.seeds.get(pick).unwrap_or(&empty);
    let other = lane.seeds.get((pick + 1) % count).unwrap_or(&empty);
    let mutant = lane.mutator.mutate(seed, other);
    std::fs::write(&lane.input, &mutant).map_err(io(&lane.input))?;
    let target = lane.tally.target;
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| read(target, &lane.input)));
    lane.tally.elapsed += started.elapsed();
    lane.tally.cases += 1;
    match outcome {
        Ok(Verdict::Accepted) => lane.tally.accepted += 1,
        Ok(Verdict::Refused) => lane.tally.refused += 1,
        Err(payload) => {
            let saved = save_finding(findings, target, case, &mutant)?;
            lane.tally.panics.push(Finding {
                case,
                message: panic_message(payload.as_ref()),
                saved,
            });
        }
    }
    Ok(())
}

fn save_finding(
    dir: Option<&Path>,
    target: Target,
    case: u64,
    bytes: &[u8],
) -> Result<Option<PathBuf>, FuzzError> {
    let Some(dir) = dir else { return Ok(None) };
    let ext = Path::new(target.file_name())
        .extension()
        .unwrap_or_default();
    let path = dir.join(format!("{target}-{case}.{}", ext.to_string_lossy()));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    uptake_core::write_atomic(&path, |w| std::io::Write::write_all(w, bytes))?;
    Ok(Some(path))
}

thread_local! {
    static FUZZING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Panics of the readers under test are expected findings, not messages for stderr; every
/// other thread keeps the hook it had. The hook is installed once per process, so parallel
/// runs (tests) never swap it under each other.
fn silence_panics_on_this_thread() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !FUZZING.with(|f| f.get()) {
                previous(info);
            }
        }));
    });
    FUZZING.with(|f| f.set(true));
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> FuzzError + '_ {
    move |source| FuzzError::Io {
        path: path.to_path_buf(),
        source,
    }
}
