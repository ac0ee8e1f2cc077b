//! The speed of reading reports as `uptake bench tagging` measures it: sectioning, sentence
//! splitting and tagging alone, then tagging with the paper's regex labeller and noisy-OR (the
//! issue's figure), on generated reports or a reports file.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use uptake_labels::{LabelError, RegexLabeller, WeakLabeller, measure_labelling};
use uptake_ontology::Ontology;
use uptake_reports::{Report, ReportError, TaggerError, TaggingSpeed, measure_tagging};
use uptake_synth::reports::{ReportsSettings, generate};

/// Which reports the benchmark reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BenchReports {
    /// `n` synthetic reports of `seed`.
    Generated {
        /// Reports.
        n: usize,
        /// Seed of the report set.
        seed: u64,
    },
    /// The reports of a file (.jsonl or .csv).
    File(PathBuf),
}

/// The figures of one run; prints as the lines of `uptake bench tagging`.
#[derive(Debug, Clone)]
pub struct TaggingBench {
    /// Regions of the ontology.
    pub regions: usize,
    /// Tagging alone.
    pub tagging: TaggingSpeed,
    /// Tagging, regex labelling and noisy-OR of every report (no file I/O).
    pub labelling: Duration,
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum TaggingBenchError {
    /// The reports file cannot be read.
    #[error(transparent)]
    Reports(#[from] ReportError),
    /// The ontology's patterns do not build a tagger.
    #[error(transparent)]
    Tagger(#[from] TaggerError),
    /// A report could not be labelled.
    #[error(transparent)]
    Label(#[from] LabelError),
}

/// Times tagging the reports of `source` with `ontology`, then labelling them as
/// `uptake label --method regex` does (on one core, after a warm-up).
pub fn bench_tagging(
    ontology: &Ontology,
    source: &BenchReports,
) -> Result<TaggingBench, TaggingBenchError> {
    let reports = match source {
        BenchReports::File(path) => uptake_reports::read_reports(path)?.reports,
        BenchReports::Generated { n, seed } => generated(*n, *seed),
    };
    let tagging = measure_tagging(ontology, &reports)?;
    let mut labeller = WeakLabeller::for_ontology(ontology, Box::new(RegexLabeller::new()))?;
    Ok(TaggingBench {
        regions: ontology.len(),
        tagging,
        labelling: measure_labelling(&mut labeller, &reports)?,
    })
}

/// `n` synthetic reports of `seed` in the realistic mix of styles.
fn generated(n: usize, seed: u64) -> Vec<Report> {
    let settings = ReportsSettings {
        n,
        seed,
        ..Default::default()
    };
    generate(&settings, &uptake_core::NoProgress)
        .into_iter()
        .map(|g| Report {
            exam_id: g.spec.exam_id,
            text: g.text,
        })
        .collect()
}

impl fmt::Display for TaggingBench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let speed = &self.tagging;
        let label_secs = self.labelling.as_secs_f64();
        writeln!(
            f,
            "tagger build: {:.0} ms ({} regions)",
            speed.tagger_build.as_secs_f64() * 1e3,
            self.regions
        )?;
        writeln!(
            f,
            "sections + sentences alone: {:.2} s",
            speed.splitting.as_secs_f64()
        )?;
        writeln!(
            f,
            "tagged {} reports ({:.1} KB mean), {} sentences, {} mentions in {:.2} s on one core",
            speed.reports,
            speed.bytes as f64 / speed.reports.max(1) as f64 / 1024.0,
            speed.sentences,
            speed.mentions,
            speed.tagging.as_secs_f64()
        )?;
        writeln!(
            f,
            "{:.0} reports/s ({:.1} MB/s)",
            speed.reports_per_second(),
            speed.megabytes_per_second()
        )?;
        writeln!(
            f,
            "tagging + regex labelling + noisy-OR: {label_secs:.2} s, {:.0} reports/s on one core (goal 5,000)",
            speed.reports as f64 / label_secs
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_tags_and_labels_every_generated_report_and_prints_its_figures() {
        let ontology = Ontology::builtin();
        let source = BenchReports::Generated { n: 30, seed: 3 };
        let bench = bench_tagging(&ontology, &source).unwrap();
        assert_eq!((bench.tagging.reports, bench.regions), (30, ontology.len()));
        assert!(bench.tagging.mentions > 0 && bench.tagging.sentences >= 30);
        let text = bench.to_string();
        assert!(text.starts_with("tagger build: "), "{text}");
        assert!(text.contains("tagged 30 reports"), "{text}");
        assert_eq!(text.lines().count(), 5);
    }
}
