//! How fast reports are labelled (`uptake bench tagging`'s labelling figure).

use crate::weak::{LabelError, WeakLabeller};
use std::time::{Duration, Instant};
use uptake_reports::Report;

/// Reports labelled before timing, so the tagger's lazy DFA caches are warm.
const WARM_UP_REPORTS: usize = 100;

/// The time `labeller` takes to label `reports` one by one (tagging, scoring, noisy-OR; no
/// file I/O), after a warm-up.
pub fn measure_labelling(
    labeller: &mut WeakLabeller,
    reports: &[Report],
) -> Result<Duration, LabelError> {
    for r in reports.iter().take(WARM_UP_REPORTS) {
        std::hint::black_box(labeller.label_report(r)?);
    }
    let started = Instant::now();
    for r in reports {
        std::hint::black_box(labeller.label_report(r)?);
    }
    Ok(started.elapsed())
}
