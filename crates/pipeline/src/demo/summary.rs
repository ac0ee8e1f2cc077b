//! What the demo found: label quality per method, the scan model on held-out exams, and the
//! files to look at.

use std::fmt;
use std::path::{Path, PathBuf};
use uptake_core::RegionTable;
use uptake_stats::evaluate::{Aligned, align, macro_ci_over_exams, macro_mean};
use uptake_stats::metrics::{Metric, RegionMetrics};
use uptake_stats::resample::CiSettings;

/// One region's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionQuality {
    /// The region.
    pub region: String,
    /// Exams with the finding.
    pub positives: usize,
    /// AUROC.
    pub auroc: Option<f64>,
    /// F1 at 0.5.
    pub f1: Option<f64>,
}

/// Figures of one labelling method against what the reports say.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelQuality {
    /// The method.
    pub method: String,
    /// Per task region.
    pub regions: Vec<RegionQuality>,
    /// Macro means over regions: AUROC, F1, sensitivity, specificity.
    pub macro_means: [Option<f64>; 4],
}

/// The scan model on the held-out exams against the image truth.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanQuality {
    /// Held-out exams with predictions and truth.
    pub exams: usize,
    /// Macro mean AUROC over the regions.
    pub macro_auroc: Option<f64>,
    /// Its 95 % percentile bootstrap interval over the held-out exams (seeded): how far the
    /// figure could move on another draw of held-out exams like these.
    pub macro_auroc_ci: Option<(f64, f64)>,
    /// Per region.
    pub regions: Vec<RegionQuality>,
}

/// The demo's result.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSummary {
    /// Each labelling method that ran.
    pub labels: Vec<LabelQuality>,
    /// The scan model.
    pub scan: ScanQuality,
    /// The HTML report.
    pub report: PathBuf,
    /// Attention and saliency maps.
    pub maps: PathBuf,
    /// The cohort.
    pub cohort: PathBuf,
    /// The demo's folder (the MIP picture is there).
    pub out: PathBuf,
    /// Wall-clock seconds.
    pub seconds: f64,
}

const METRICS: [Metric; 4] = [
    Metric::Auroc,
    Metric::F1,
    Metric::Sensitivity,
    Metric::Specificity,
];

fn region_quality(m: &RegionMetrics) -> RegionQuality {
    RegionQuality {
        region: m.region.clone(),
        positives: m.positives,
        auroc: m.auroc,
        f1: m.f1,
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// `pred` against `truth`, matched on the regions both have.
fn align_files(pred: &Path, truth: &Path) -> Result<Aligned, BoxError> {
    let (pred_table, truth_table) = (RegionTable::read_csv(pred)?, RegionTable::read_csv(truth)?);
    let regions: Vec<String> = pred_table
        .regions()
        .iter()
        .filter(|r| truth_table.region_index(r).is_some())
        .cloned()
        .collect();
    Ok(align(&pred_table, pred, &truth_table, truth, &regions)?)
}

impl LabelQuality {
    /// The figures of a method's label table against the report truth.
    pub(crate) fn measure(method: &str, labels: &Path, truth: &Path) -> Result<Self, BoxError> {
        let per_region = align_files(labels, truth)?.metrics(0.5);
        Ok(Self {
            method: method.to_string(),
            regions: per_region.iter().map(region_quality).collect(),
            macro_means: METRICS.map(|m| macro_mean(&per_region, m).mean),
        })
    }
}

impl ScanQuality {
    /// The figures of held-out predictions against the image truth.
    pub(crate) fn measure(predictions: &Path, truth: &Path) -> Result<Self, BoxError> {
        let aligned = align_files(predictions, truth)?;
        let per_region = aligned.metrics(0.5);
        let ci = macro_ci_over_exams(&aligned, Metric::Auroc, 0.5, &CiSettings::default());
        Ok(Self {
            exams: aligned.matching.matched,
            macro_auroc: macro_mean(&per_region, Metric::Auroc).mean,
            macro_auroc_ci: ci.and_then(|c| c.ci),
            regions: per_region.iter().map(region_quality).collect(),
        })
    }
}

fn fmt3(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.3}"))
}

impl DemoSummary {
    fn write_labels(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Label quality against what the reports say: F1 per region at 0.5 (AUROC in brackets)"
        )?;
        write!(f, "  {:<28} {:>9}", "region", "positives")?;
        for q in &self.labels {
            write!(f, " {:>15}", q.method)?;
        }
        writeln!(f)?;
        let Some(first) = self.labels.first() else {
            return Ok(());
        };
        for (i, region) in first.regions.iter().enumerate() {
            write!(f, "  {:<28} {:>9}", region.region, region.positives)?;
            for q in &self.labels {
                let r = &q.regions[i];
                write!(f, " {:>15}", format!("{} ({})", fmt3(r.f1), fmt3(r.auroc)))?;
            }
            writeln!(f)?;
        }
        writeln!(f, "Macro means:")?;
        writeln!(
            f,
            "  {:<12} {:>7} {:>7} {:>7} {:>7}",
            "method", "AUROC", "F1", "sens", "spec"
        )?;
        for q in &self.labels {
            let [a, f1, se, sp] = q.macro_means.map(fmt3);
            writeln!(f, "  {:<12} {a:>7} {f1:>7} {se:>7} {sp:>7}", q.method)?;
        }
        Ok(())
    }

    fn write_scan(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.scan;
        let ci = s.macro_auroc_ci.map_or_else(String::new, |(lo, hi)| {
            format!(" (95 % CI {lo:.3}-{hi:.3} over exams)")
        });
        writeln!(
            f,
            "Scan model on {} held-out exams (image truth): macro AUROC {}{ci} over {} regions",
            s.exams,
            fmt3(s.macro_auroc),
            s.regions.len()
        )?;
        for r in &s.regions {
            writeln!(
                f,
                "  {:<28} AUROC {:>6}  positives {}",
                r.region,
                fmt3(r.auroc),
                r.positives
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_labels(f)?;
        self.write_scan(f)?;
        writeln!(f, "\nLook at:")?;
        let look = [
            (
                &self.report,
                "the HTML report (label quality, scan model, worklist, survival)",
            ),
            (&self.maps, "attention and saliency maps (NIfTI + PNG)"),
            (&self.out, "coronal MIPs of the first exam"),
            (&self.cohort, "the cohort: DICOM, reports, truth, manifest"),
        ];
        for (path, what) in look {
            writeln!(f, "  {}  {what}", path.display())?;
        }
        writeln!(f, "Demo finished in {:.0} s.", self.seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 40 exams: chest ranked perfectly, abdomen scored in a cycle unrelated to the truth.
    fn write_tables(dir: &Path) -> (PathBuf, PathBuf) {
        let (mut pred, mut truth) = (
            String::from("exam_id,chest,abdomen\n"),
            String::from("exam_id,chest,abdomen\n"),
        );
        for i in 0..40 {
            let (chest, abdomen) = (i % 2 == 0, i % 4 < 2);
            let score = if chest { 0.9 } else { 0.1 };
            pred.push_str(&format!("E{i:02},{score},{}\n", (i % 8) as f64 / 8.0));
            truth.push_str(&format!("E{i:02},{},{}\n", chest as u8, abdomen as u8));
        }
        let (p, t) = (dir.join("pred.csv"), dir.join("truth.csv"));
        std::fs::write(&p, pred).unwrap();
        std::fs::write(&t, truth).unwrap();
        (p, t)
    }

    #[test]
    fn the_scan_figure_comes_with_an_interval_over_exams_around_it() {
        let dir = tempfile::tempdir().unwrap();
        let (pred, truth) = write_tables(dir.path());
        let q = ScanQuality::measure(&pred, &truth).unwrap();
        assert_eq!(q.exams, 40);
        let (auroc, (lo, hi)) = (q.macro_auroc.unwrap(), q.macro_auroc_ci.unwrap());
        let chest = q.regions.iter().find(|r| r.region == "chest").unwrap();
        assert_eq!(chest.auroc, Some(1.0));
        assert!(lo < auroc && auroc < hi && hi <= 1.0, "{lo} {auroc} {hi}");
        assert_eq!(q, ScanQuality::measure(&pred, &truth).unwrap(), "seeded");
    }
}
