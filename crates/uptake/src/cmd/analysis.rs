//! `uptake evaluate`, `compare`, `worklist`, `survival`, `report` and `uptake bench analysis`:
//! the study's statistics on a user's predictions, as tables, JSON, figures and one HTML page.

use crate::common::Global;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use uptake_core::RegionTable;
use uptake_stats::compare::{CompareSettings, Comparison, compare};
use uptake_stats::evaluate::{CiSettings, Evaluation, align, evaluate};
use uptake_stats::metrics::{Metric, RegionMetrics, roc_curve};
use uptake_stats::plots;
use uptake_stats::report::{ReportFigure, ReportPart, ReportTable};
use uptake_stats::resample::{Alternative, MeanCi, bootstrap_mean_ci};
use uptake_stats::survival::{CoxFit, Ties, fit_cox, harrell_c, kaplan_meier};
use uptake_stats::worklist;

/// Long help of `uptake evaluate` (also set on the subcommand in main.rs, whose
/// doc comment would otherwise replace it).
pub const EVALUATE_HELP: &str = "Per region: labelled exams, positives, AUROC (Mann-Whitney, ties count half), \
and precision, recall (= sensitivity), F1 and specificity at a threshold (prob >= threshold is positive); \
then macro means over regions. Exams are matched by exam_id; empty truth cells are skipped.\n\n\
Several --pred files (seeds) give the mean over seeds with a 95 % percentile-bootstrap CI over the \
seed scores; --ensemble also evaluates the mean of the seeds' probabilities.\n\n\
Reads: wide CSVs (exam_id + one column per region). Writes (with --out DIR): metrics.csv, \
per_seed.csv, ensemble.csv, evaluation.json, auroc.svg/.png, roc.svg/.png and summary.json for \
`uptake report`.";

/// Long help of `uptake compare` (also set on the subcommand in main.rs, whose
/// doc comment would otherwise replace it).
pub const COMPARE_HELP: &str = "Compares model A with model B by AUROC, per region and over all regions.\n\n\
Each model is given as one prediction file per seed; file i of A is paired with file i of B. \
For each region: both models' mean AUROC over seeds with a 95 % bootstrap CI, the mean difference \
A - B, and a paired permutation test. What is permuted: under H0 the model labels are exchangeable \
within a seed, so each iteration swaps the A and B AUROC of every seed independently with \
probability 1/2 (i.e. flips the sign of that seed's difference) and recomputes the mean difference; \
p = (1 + #iterations at least as extreme as observed) / (1 + iterations). --alternative greater tests \
H1: mean(A) > mean(B) (the study's one-sided test), two-sided tests mean(A) != mean(B). Per-region \
p-values are also given Bonferroni-corrected for the number of regions tested. The overall test \
pairs the (region, seed) AUROCs of all regions (the study's 'n = 26 tasks x 5 seeds').\n\n\
Writes (with --out DIR): comparison.csv, comparison.json, summary.json.";

/// Long help of `uptake worklist` (also set on the subcommand in main.rs, whose
/// doc comment would otherwise replace it).
pub const WORKLIST_HELP: &str = "Worklist triage for one region: exams are read in order of decreasing \
predicted probability (ties in random order, counted by expectation). Prints the fraction of \
exams that can be left unread while still reading 95 %, 98 % and 99 % of the abnormal ones, and \
the sensitivity after reading 25/50/75 % of the list, with 95 % bootstrap CIs over seeds; the \
random-order (sensitivity = fraction read) and perfect-order references are in the table and plot.\n\n\
With --rank (no truth needed): writes the triage order (rank, exam_id, probability; the mean over \
the --pred files) to --out FILE, or prints it.\n\n\
Writes (with --out DIR, without --rank): worklist.csv, worklist.svg/.png, summary.json.";

/// Long help of `uptake survival` (also set on the subcommand in main.rs, whose
/// doc comment would otherwise replace it).
pub const SURVIVAL_HELP: &str = "Cox proportional hazards models of survival after the scan (Newton-Raphson, \
no penalty, Efron or Breslow ties, Breslow baseline), fitted on one split and evaluated on another.\n\n\
Two nested models are fitted on the --fit split: the base model (the non-region covariates) and the \
full model (base + region predictions). Printed: hazard ratios with Wald 95 % CIs and p-values, \
log-likelihoods, likelihood-ratio tests against the null model and between the nested models, \
importance (Wald chi2 - df) per covariate group, and Harrell's C of both models on the --test split. \
Kaplan-Meier curves (Greenwood, log-log 95 % CI) are stratified by the predicted probability of \
--km-region (>= --threshold).\n\n\
Manifest: CSV with exam_id, patient_id, follow-up as time_days + event or as study_date, death_date, \
censor_date (YYYY-MM-DD), and covariates age, sex (F/M), indication, summary_code (1/2/4/9; \
abnormal = code > 1); optional split column (train/valid/test), else a seeded hash of patient_id \
(60/20/20). With several --pred files, each region's covariate is the median over seeds.\n\n\
Writes (with --out DIR): coefficients.csv, survival.json, km.svg/.png, summary.json.";

/// Long help of `uptake report` (also set on the subcommand in main.rs, whose
/// doc comment would otherwise replace it).
pub const REPORT_HELP: &str = "Builds one self-contained HTML page (no network; figures embedded as data \
URIs) from the summary.json files that `uptake evaluate/compare/worklist/survival --out DIR` write. \
Layout: RUN/labels/<name>/ (label quality), RUN/evaluation/<name>/ (scan-model performance), \
RUN/compare/<name>/, RUN/worklist/<name>/, RUN/survival/<name>/; other folders become sections \
named after them.";

fn f3(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "n/a".into())
}

fn mean_ci(m: Option<&MeanCi>) -> String {
    match m {
        None => "n/a".into(),
        Some(MeanCi {
            mean,
            ci: Some((lo, hi)),
            ..
        }) => format!("{mean:.3} [{lo:.3}, {hi:.3}]"),
        Some(MeanCi { mean, ci: None, .. }) => format!("{mean:.3}"),
    }
}

/// Prediction tables, one per seed, with the file each came from.
type Seeds = Vec<(PathBuf, RegionTable)>;

/// Reads prediction files (one per seed) in our wide format, or the study's format (then the
/// truth comes from the file's `_target` columns).
fn read_preds(paths: &[PathBuf], paper_format: bool) -> Result<(Seeds, Option<RegionTable>)> {
    let mut out = Vec::new();
    let mut truth: Option<RegionTable> = None;
    for p in paths {
        if paper_format {
            let pp = uptake_stats::paper::read_paper_predictions(p)?;
            match &truth {
                None => truth = Some(pp.truth),
                Some(t) if !same_cells(t, &pp.truth) => {
                    bail!(
                        "{}: its `_target` columns differ from those of {}; evaluate the files separately",
                        p.display(),
                        paths[0].display()
                    )
                }
                Some(_) => {}
            }
            out.push((p.clone(), pp.pred));
        } else {
            out.push((p.clone(), RegionTable::read_csv(p)?));
        }
    }
    Ok((out, truth))
}

/// Same exams, regions and values, in any row order.
fn same_cells(a: &RegionTable, b: &RegionTable) -> bool {
    a.len() == b.len()
        && a.regions() == b.regions()
        && a.rows()
            .all(|(exam, row)| b.row(exam).is_some_and(|other| other == row))
}

fn load_truth(
    truth: Option<&Path>,
    from_paper: Option<RegionTable>,
) -> Result<(PathBuf, RegionTable)> {
    match (truth, from_paper) {
        (Some(t), _) => Ok((t.to_path_buf(), RegionTable::read_csv(t)?)),
        (None, Some(t)) => Ok((PathBuf::from("(targets of the prediction file)"), t)),
        (None, None) => {
            bail!("--truth is required (the hand labels, wide CSV) unless --paper-format is given")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// evaluate

#[derive(clap::Args, Debug)]
#[command(long_about = EVALUATE_HELP)]
pub struct EvaluateArgs {
    /// Prediction files (wide CSV), one per seed: comma-separated or repeated.
    #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
    pub pred: Vec<PathBuf>,
    /// Truth (hand labels 0/1, wide CSV). Not needed with --paper-format.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Regions to evaluate (comma-separated); default: every region column of both files.
    #[arg(long, value_delimiter = ',')]
    pub regions: Option<Vec<String>>,
    /// Threshold for precision/recall/F1/specificity (prob >= threshold is positive).
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// Also evaluate the mean of the seeds' probabilities.
    #[arg(long)]
    pub ensemble: bool,
    /// The --pred files are in the original study's format (`<region>_target`, `<region>_prob`).
    #[arg(long)]
    pub paper_format: bool,
    /// Bootstrap resamples for the CIs over seeds.
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Folder for tables (CSV), figures (SVG, PNG) and summary.json.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Title in the report (default: derived from the file names).
    #[arg(long)]
    pub title: Option<String>,
}

pub fn run_evaluate(args: EvaluateArgs, _global: &Global) -> Result<()> {
    if !(0.0..=1.0).contains(&args.threshold) {
        bail!("--threshold must be in [0, 1], got {}", args.threshold);
    }
    let (preds, paper_truth) = read_preds(&args.pred, args.paper_format)?;
    let (truth_path, truth) = load_truth(args.truth.as_deref(), paper_truth)?;
    let ci = CiSettings {
        level: 0.95,
        resamples: args.bootstrap,
        seed: args.seed,
    };
    let ev = evaluate(
        &preds,
        &truth,
        &truth_path,
        args.regions.as_deref(),
        args.threshold,
        args.ensemble,
        ci,
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&ev)?);
    } else {
        print_evaluation(&ev);
    }
    if let Some(out) = &args.out {
        let title = args
            .title
            .clone()
            .unwrap_or_else(|| format!("{} vs {}", args.pred[0].display(), truth_path.display()));
        write_evaluation(out, &title, &ev, &preds, &truth, &truth_path)?;
        if !args.json {
            println!("wrote {}", out.display());
        }
    }
    Ok(())
}

const TABLE_METRICS: [Metric; 6] = Metric::ALL;

fn print_evaluation(ev: &Evaluation) {
    for m in &ev.matching {
        println!(
            "{}: {} exams matched the truth ({} predicted exams without truth, {} labelled exams without prediction)",
            m.pred_file, m.matched, m.pred_only, m.truth_only
        );
    }
    let seeds = ev.per_seed.len();
    println!(
        "threshold {} ; {} {}",
        ev.threshold,
        seeds,
        if seeds > 1 {
            "seeds: mean over seeds [95 % bootstrap CI]"
        } else {
            "seed"
        }
    );
    println!(
        "{:<28} {:>5} {:>5} {:>22} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "region", "n", "pos", "auroc", "precision", "recall", "f1", "sens", "spec"
    );
    for r in &ev.over_seeds {
        let get = |m: Metric| {
            r.metrics
                .iter()
                .find(|(k, _)| *k == m)
                .and_then(|(_, s)| s.summary.as_ref())
        };
        print!(
            "{:<28} {:>5} {:>5} {:>22}",
            r.region,
            r.n,
            r.positives,
            mean_ci(get(Metric::Auroc))
        );
        for m in &TABLE_METRICS[1..] {
            print!(" {:>9}", f3(get(*m).map(|s| s.mean)));
        }
        println!();
    }
    let get = |m: Metric| {
        ev.macro_over_seeds
            .iter()
            .find(|(k, _)| *k == m)
            .and_then(|(_, s)| s.summary.as_ref())
    };
    print!(
        "{:<28} {:>5} {:>5} {:>22}",
        "macro mean",
        "",
        "",
        mean_ci(get(Metric::Auroc))
    );
    for m in &TABLE_METRICS[1..] {
        print!(" {:>9}", f3(get(*m).map(|s| s.mean)));
    }
    println!();
    if let Some(ens) = &ev.ensemble {
        println!("ensemble (mean of the {seeds} seeds' probabilities):");
        for m in ens {
            println!(
                "{:<28} {:>5} {:>5} {:>22} {:>9} {:>9} {:>9} {:>9} {:>9}",
                m.region,
                m.n,
                m.positives,
                f3(m.auroc),
                f3(m.precision),
                f3(m.recall),
                f3(m.f1),
                f3(m.sensitivity),
                f3(m.specificity)
            );
        }
        let mac = |metric| uptake_stats::evaluate::macro_mean(ens, metric).mean;
        println!(
            "{:<28} {:>5} {:>5} {:>22} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "ensemble macro mean",
            "",
            "",
            f3(mac(Metric::Auroc)),
            f3(mac(Metric::Precision)),
            f3(mac(Metric::Recall)),
            f3(mac(Metric::F1)),
            f3(mac(Metric::Sensitivity)),
            f3(mac(Metric::Specificity))
        );
    }
    for n in &ev.notes {
        println!("note: {n}");
    }
}

fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    uptake_core::write_atomic(path, |w| std::io::Write::write_all(w, bytes))?;
    Ok(())
}

fn opt_num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.6}")).unwrap_or_default()
}

fn metrics_rows(ms: &[RegionMetrics]) -> Vec<Vec<String>> {
    ms.iter()
        .map(|m| {
            let mut row = vec![m.region.clone(), m.n.to_string(), m.positives.to_string()];
            row.extend(Metric::ALL.iter().map(|k| opt_num(m.get(*k))));
            row
        })
        .collect()
}

fn write_evaluation(
    out: &Path,
    title: &str,
    ev: &Evaluation,
    preds: &[(PathBuf, RegionTable)],
    truth: &RegionTable,
    truth_path: &Path,
) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    // metrics.csv: per region, mean and CI of every metric over seeds.
    let mut header = vec![
        "region".to_string(),
        "n".into(),
        "positives".into(),
        "seeds".into(),
    ];
    for m in Metric::ALL {
        header.extend([
            m.name().to_string(),
            format!("{}_ci_low", m.name()),
            format!("{}_ci_high", m.name()),
        ]);
    }
    let summary_cells = |stats: &[(Metric, uptake_stats::evaluate::SeedStat)]| -> Vec<String> {
        stats
            .iter()
            .flat_map(|(_, s)| {
                let m = s.summary.as_ref();
                [
                    opt_num(m.map(|m| m.mean)),
                    opt_num(m.and_then(|m| m.ci).map(|c| c.0)),
                    opt_num(m.and_then(|m| m.ci).map(|c| c.1)),
                ]
            })
            .collect()
    };
    let mut rows: Vec<Vec<String>> = ev
        .over_seeds
        .iter()
        .map(|r| {
            let mut row = vec![
                r.region.clone(),
                r.n.to_string(),
                r.positives.to_string(),
                ev.per_seed.len().to_string(),
            ];
            row.extend(summary_cells(&r.metrics));
            row
        })
        .collect();
    let mut macro_row = vec![
        "macro_mean".to_string(),
        String::new(),
        String::new(),
        ev.per_seed.len().to_string(),
    ];
    macro_row.extend(summary_cells(&ev.macro_over_seeds));
    rows.push(macro_row);
    write_file(&out.join("metrics.csv"), &csv_bytes(&header, &rows)?)?;
    // per_seed.csv
    let mut header = vec![
        "seed_file".to_string(),
        "region".into(),
        "n".into(),
        "positives".into(),
    ];
    header.extend(Metric::ALL.iter().map(|m| m.name().to_string()));
    let mut rows = Vec::new();
    for (s, ms) in ev.per_seed.iter().enumerate() {
        for r in metrics_rows(ms) {
            let mut row = vec![ev.matching[s].pred_file.clone()];
            row.extend(r);
            rows.push(row);
        }
    }
    write_file(&out.join("per_seed.csv"), &csv_bytes(&header, &rows)?)?;
    if let Some(ens) = &ev.ensemble {
        let mut header = vec!["region".to_string(), "n".into(), "positives".into()];
        header.extend(Metric::ALL.iter().map(|m| m.name().to_string()));
        write_file(
            &out.join("ensemble.csv"),
            &csv_bytes(&header, &metrics_rows(ens))?,
        )?;
    }
    write_file(
        &out.join("evaluation.json"),
        serde_json::to_string_pretty(ev)?.as_bytes(),
    )?;
    // Figures.
    let auroc_rows: Vec<plots::AurocRow> = ev
        .over_seeds
        .iter()
        .filter_map(|r| {
            let s = &r.metrics.iter().find(|(k, _)| *k == Metric::Auroc)?.1;
            let m = s.summary.as_ref()?;
            Some(plots::AurocRow {
                region: r.region.clone(),
                mean: m.mean,
                ci: m.ci,
                per_seed: s.per_seed.iter().flatten().copied().collect(),
            })
        })
        .collect();
    let mut figures = Vec::new();
    if !auroc_rows.is_empty() {
        plots::auroc_by_region(
            &out.join("auroc"),
            "AUROC per region (mean, 95 % CI, seeds)",
            &auroc_rows,
        )?;
        figures.push(ReportFigure { caption: "AUROC per region: mean over seeds (triangle), 95 % bootstrap CI (bar), each seed (dots)".into(), file: "auroc.svg".into() });
    }
    let mut aligned = Vec::new();
    for (p, t) in preds {
        aligned.push(align(t, p, truth, truth_path, &ev.regions)?);
    }
    let panels: Vec<plots::RocPanel> = ev
        .regions
        .iter()
        .enumerate()
        .map(|(i, region)| plots::RocPanel {
            region: region.clone(),
            curves: aligned
                .iter()
                .filter_map(|a| roc_curve(&a.probs[i], &a.labels[i]))
                .collect(),
            auroc: ev.over_seeds[i].metrics[0].1.summary.map(|m| m.mean),
        })
        .collect();
    plots::roc_grid(&out.join("roc"), &panels)?;
    figures.push(ReportFigure {
        caption: "ROC curves per region (one line per seed)".into(),
        file: "roc.svg".into(),
    });
    // Report part.
    let columns: Vec<String> = [
        "region",
        "n",
        "positives",
        "AUROC",
        "precision",
        "recall",
        "F1",
        "sensitivity",
        "specificity",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let table_row = |name: &str,
                     n: String,
                     pos: String,
                     stats: &[(Metric, uptake_stats::evaluate::SeedStat)]| {
        let mut row = vec![name.to_string(), n, pos];
        for (k, s) in stats {
            row.push(if *k == Metric::Auroc {
                mean_ci(s.summary.as_ref())
            } else {
                f3(s.summary.map(|m| m.mean))
            });
        }
        row
    };
    let mut rows: Vec<Vec<String>> = ev
        .over_seeds
        .iter()
        .map(|r| {
            table_row(
                &r.region,
                r.n.to_string(),
                r.positives.to_string(),
                &r.metrics,
            )
        })
        .collect();
    rows.push(table_row(
        "macro mean",
        String::new(),
        String::new(),
        &ev.macro_over_seeds,
    ));
    let mut tables = vec![ReportTable {
        caption: format!(
            "{} seed(s), threshold {}; AUROC as mean [95 % bootstrap CI over seeds], other metrics as means",
            ev.per_seed.len(),
            ev.threshold
        ),
        columns: columns.clone(),
        rows,
    }];
    if let Some(ens) = &ev.ensemble {
        let mut rows: Vec<Vec<String>> = ens
            .iter()
            .map(|m| {
                let mut row = vec![m.region.clone(), m.n.to_string(), m.positives.to_string()];
                row.extend(Metric::ALL.iter().map(|k| f3(m.get(*k))));
                row
            })
            .collect();
        let mut mac = vec!["macro mean".to_string(), String::new(), String::new()];
        mac.extend(
            Metric::ALL
                .iter()
                .map(|k| f3(uptake_stats::evaluate::macro_mean(ens, *k).mean)),
        );
        rows.push(mac);
        tables.push(ReportTable {
            caption: "Ensemble: mean of the seeds' probabilities".into(),
            columns,
            rows,
        });
    }
    let mut notes: Vec<String> = ev
        .matching
        .iter()
        .map(|m| format!("{}: {} exams matched the truth", m.pred_file, m.matched))
        .collect();
    notes.extend(ev.notes.iter().cloned());
    ReportPart {
        kind: "evaluation".into(),
        title: title.into(),
        notes,
        tables,
        figures,
    }
    .write(out)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// compare

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum AlternativeArg {
    Greater,
    TwoSided,
}

#[derive(clap::Args, Debug)]
#[command(long_about = COMPARE_HELP)]
pub struct CompareArgs {
    /// Model A prediction files, one per seed (comma-separated).
    #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
    pub a: Vec<PathBuf>,
    /// Model B prediction files, one per seed, in the same seed order as A.
    #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
    pub b: Vec<PathBuf>,
    /// Truth (hand labels, wide CSV). Not needed with --paper-format.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Regions to compare (comma-separated); default: every region both models and the truth have.
    #[arg(long, value_delimiter = ',')]
    pub regions: Option<Vec<String>>,
    /// greater: H1 mean(A) > mean(B) (one-sided); two-sided: mean(A) != mean(B).
    #[arg(long, value_enum, default_value = "greater")]
    pub alternative: AlternativeArg,
    /// Permutation iterations.
    #[arg(long, default_value_t = 10_000)]
    pub iterations: usize,
    /// Seed of the permutations and bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The prediction files are in the original study's format.
    #[arg(long)]
    pub paper_format: bool,
    /// Name of model A in the output.
    #[arg(long, default_value = "A")]
    pub a_name: String,
    /// Name of model B in the output.
    #[arg(long, default_value = "B")]
    pub b_name: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Folder for comparison.csv, comparison.json and summary.json.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run_compare(args: CompareArgs, _global: &Global) -> Result<()> {
    let (a, ta) = read_preds(&args.a, args.paper_format)?;
    let (b, _) = read_preds(&args.b, args.paper_format)?;
    let (truth_path, truth) = load_truth(args.truth.as_deref(), ta)?;
    let settings = CompareSettings {
        alternative: match args.alternative {
            AlternativeArg::Greater => Alternative::Greater,
            AlternativeArg::TwoSided => Alternative::TwoSided,
        },
        iterations: args.iterations,
        seed: args.seed,
        ..CompareSettings::default()
    };
    let c = compare(
        &a,
        &b,
        &truth,
        &truth_path,
        args.regions.as_deref(),
        settings,
    )?;
    let (rows, columns) = comparison_table(&c, &args.a_name, &args.b_name);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        println!(
            "{} vs {}: AUROC, {} seed pair(s), {:?} paired permutation test, {} iterations, Bonferroni over {} regions",
            args.a_name,
            args.b_name,
            args.a.len(),
            settings.alternative,
            c.iterations,
            c.comparisons
        );
        println!(
            "{:<28} {:>22} {:>22} {:>8} {:>8} {:>8}",
            columns[0], columns[1], columns[2], columns[3], columns[4], columns[5]
        );
        for r in &rows {
            println!(
                "{:<28} {:>22} {:>22} {:>8} {:>8} {:>8}",
                r[0], r[1], r[2], r[3], r[4], r[5]
            );
        }
        for n in &c.notes {
            println!("note: {n}");
        }
    }
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        write_file(&out.join("comparison.csv"), &csv_bytes(&columns, &rows)?)?;
        write_file(
            &out.join("comparison.json"),
            serde_json::to_string_pretty(&c)?.as_bytes(),
        )?;
        ReportPart {
            kind: "comparison".into(),
            title: format!("{} vs {}", args.a_name, args.b_name),
            notes: c.notes.clone(),
            tables: vec![ReportTable {
                caption: format!(
                    "AUROC mean [95 % CI] over {} seeds; {:?} paired permutation test ({} iterations); Bonferroni over {} regions",
                    args.a.len(),
                    settings.alternative,
                    c.iterations,
                    c.comparisons
                ),
                columns,
                rows,
            }],
            figures: vec![],
        }
        .write(out)?;
    }
    Ok(())
}

fn comparison_table(c: &Comparison, a: &str, b: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let columns = vec![
        "region".into(),
        format!("{a} AUROC"),
        format!("{b} AUROC"),
        "diff".into(),
        "p".into(),
        "p_bonf".into(),
    ];
    let p4 = |p: Option<f64>| p.map(|p| format!("{p:.4}")).unwrap_or_else(|| "n/a".into());
    let mut rows: Vec<Vec<String>> = c
        .regions
        .iter()
        .map(|r| {
            vec![
                r.region.clone(),
                mean_ci(r.a.as_ref()),
                mean_ci(r.b.as_ref()),
                r.test
                    .map(|t| format!("{:+.4}", t.mean_difference))
                    .unwrap_or_else(|| "n/a".into()),
                p4(r.test.map(|t| t.p_value)),
                p4(r.p_bonferroni),
            ]
        })
        .collect();
    rows.push(vec![
        "all regions".into(),
        mean_ci(c.overall_a.as_ref()),
        mean_ci(c.overall_b.as_ref()),
        c.overall_test
            .map(|t| format!("{:+.4}", t.mean_difference))
            .unwrap_or_else(|| "n/a".into()),
        p4(c.overall_test.map(|t| t.p_value)),
        String::new(),
    ]);
    (rows, columns)
}

// ---------------------------------------------------------------------------------------------
// worklist

#[derive(clap::Args, Debug)]
#[command(long_about = WORKLIST_HELP)]
pub struct WorklistArgs {
    /// Prediction files (wide CSV), one per seed.
    #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
    pub pred: Vec<PathBuf>,
    /// Truth (hand labels). Required unless --rank or --paper-format.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// The region whose probability sorts the worklist.
    #[arg(long, default_value = "full")]
    pub region: String,
    /// Write the triage order instead of evaluating it.
    #[arg(long)]
    pub rank: bool,
    /// The prediction files are in the original study's format (truth from their `_target` columns).
    #[arg(long)]
    pub paper_format: bool,
    /// Points on the curve (grid of fractions read).
    #[arg(long, default_value_t = 100)]
    pub steps: usize,
    /// Seed of the bootstrap CIs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Output folder (evaluation) or CSV file (--rank).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run_worklist(args: WorklistArgs, _global: &Global) -> Result<()> {
    let (preds, paper_truth) = read_preds(&args.pred, args.paper_format)?;
    for (p, t) in &preds {
        if t.region_index(&args.region).is_none() {
            bail!(
                "region `{}` is not a column of {}",
                args.region,
                p.display()
            );
        }
    }
    if args.rank {
        return write_rank(&args, &preds);
    }
    let (truth_path, truth) = load_truth(args.truth.as_deref(), paper_truth)?;
    let regions = vec![args.region.clone()];
    let grid = worklist::grid(args.steps.max(1));
    let targets = [0.95, 0.98, 0.99];
    let reads = [0.25, 0.5, 0.75];
    let mut curves = Vec::new();
    let mut unread: Vec<Vec<f64>> = vec![Vec::new(); targets.len()];
    let mut sens_at: Vec<Vec<f64>> = vec![Vec::new(); reads.len()];
    let (mut n, mut positives) = (0, 0);
    for (p, t) in &preds {
        let a = align(t, p, &truth, &truth_path, &regions)?;
        let (probs, labels) = (&a.probs[0], &a.labels[0]);
        n = probs.len();
        positives = labels.iter().filter(|&&l| l).count();
        let Some(curve) = worklist::sensitivity_curve(probs, labels, &grid) else {
            bail!(
                "{}: no abnormal exam for `{}` among {} labelled exams: sensitivity is undefined",
                truth_path.display(),
                args.region,
                n
            );
        };
        for (k, &tgt) in targets.iter().enumerate() {
            unread[k].extend(worklist::fraction_unread_at(probs, labels, tgt));
        }
        let s =
            worklist::sensitivity_curve(probs, labels, &reads).expect("positives checked above");
        for k in 0..reads.len() {
            sens_at[k].push(s[k]);
        }
        curves.push(curve);
    }
    let ci = |v: &[f64]| bootstrap_mean_ci(v, 0.95, 1000, args.seed);
    let points: Vec<worklist::WorklistPoint> = grid
        .iter()
        .enumerate()
        .map(|(g, &x)| {
            let vals: Vec<f64> = curves.iter().map(|c| c[g]).collect();
            let m = ci(&vals).expect("at least one seed");
            worklist::WorklistPoint {
                fraction_read: x,
                sensitivity_mean: m.mean,
                sensitivity_ci: m.ci,
                random_order: worklist::random_order_sensitivity(x),
                perfect_order: worklist::perfect_order_sensitivity(x, n, positives),
            }
        })
        .collect();
    let unread_ci: Vec<Option<MeanCi>> = unread.iter().map(|v| ci(v)).collect();
    let sens_ci: Vec<Option<MeanCi>> = sens_at.iter().map(|v| ci(v)).collect();
    let mut rows = Vec::new();
    for (k, t) in targets.iter().enumerate() {
        rows.push(vec![
            format!("fraction unread at {:.0} % sensitivity", t * 100.0),
            mean_ci(unread_ci[k].as_ref()),
        ]);
    }
    for (k, r) in reads.iter().enumerate() {
        rows.push(vec![
            format!(
                "sensitivity after reading {:.0} % (random {:.2}, perfect {:.3})",
                r * 100.0,
                r,
                worklist::perfect_order_sensitivity(*r, n, positives)
            ),
            mean_ci(sens_ci[k].as_ref()),
        ]);
    }
    let mut notes = vec![format!(
        "{}: {} abnormal of {} labelled exams, {} seed(s)",
        args.region,
        positives,
        n,
        preds.len()
    )];
    if preds.len() == 1 {
        notes.push("one prediction file (one seed): no confidence interval is possible".into());
    }
    if args.json {
        let json = serde_json::json!({
            "region": args.region, "exams": n, "positives": positives, "seeds": preds.len(),
            "fraction_unread": targets.iter().zip(&unread_ci).map(|(t, m)| serde_json::json!({"sensitivity": t, "unread": m})).collect::<Vec<_>>(),
            "sensitivity_after": reads.iter().zip(&sens_ci).map(|(r, m)| serde_json::json!({"fraction_read": r, "sensitivity": m})).collect::<Vec<_>>(),
            "curve": points,
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        for n in &notes {
            println!("{n}");
        }
        for r in &rows {
            println!("{:<60} {}", r[0], r[1]);
        }
    }
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        let mut header: Vec<String> = [
            "fraction_read",
            "sensitivity",
            "ci_low",
            "ci_high",
            "random_order",
            "perfect_order",
        ]
        .map(String::from)
        .to_vec();
        header.extend((0..curves.len()).map(|s| format!("seed{s}")));
        let csv_rows: Vec<Vec<String>> = points
            .iter()
            .enumerate()
            .map(|(g, p)| {
                let mut row = vec![
                    format!("{:.4}", p.fraction_read),
                    format!("{:.6}", p.sensitivity_mean),
                    opt_num(p.sensitivity_ci.map(|c| c.0)),
                    opt_num(p.sensitivity_ci.map(|c| c.1)),
                    format!("{:.6}", p.random_order),
                    format!("{:.6}", p.perfect_order),
                ];
                row.extend(curves.iter().map(|c| format!("{:.6}", c[g])));
                row
            })
            .collect();
        write_file(&out.join("worklist.csv"), &csv_bytes(&header, &csv_rows)?)?;
        let fig = plots::WorklistFigure {
            region: args.region.clone(),
            grid: grid.clone(),
            mean: points.iter().map(|p| p.sensitivity_mean).collect(),
            ci: (preds.len() > 1).then(|| {
                points
                    .iter()
                    .map(|p| {
                        p.sensitivity_ci
                            .unwrap_or((p.sensitivity_mean, p.sensitivity_mean))
                    })
                    .collect()
            }),
            per_seed: if curves.len() > 1 {
                curves.clone()
            } else {
                vec![]
            },
            perfect: points.iter().map(|p| p.perfect_order).collect(),
        };
        plots::worklist_curve(&out.join("worklist"), &fig)?;
        ReportPart {
            kind: "worklist".into(),
            title: format!("Worklist sorted by `{}`", args.region),
            notes,
            tables: vec![ReportTable {
                caption: "mean over seeds [95 % bootstrap CI]".into(),
                columns: vec!["".into(), args.region.clone()],
                rows,
            }],
            figures: vec![ReportFigure {
                caption: format!(
                    "Sensitivity after reading the first x % of a worklist sorted by P({})",
                    args.region
                ),
                file: "worklist.svg".into(),
            }],
        }
        .write(out)?;
        if !args.json {
            println!("wrote {}", out.display());
        }
    }
    Ok(())
}

fn write_rank(args: &WorklistArgs, preds: &[(PathBuf, RegionTable)]) -> Result<()> {
    let tables: Vec<&RegionTable> = preds.iter().map(|(_, t)| t).collect();
    let mean = uptake_stats::evaluate::mean_table(&tables, std::slice::from_ref(&args.region))?;
    let (mut ids, mut probs) = (Vec::new(), Vec::new());
    let mut missing = 0;
    for (exam, row) in mean.rows() {
        match row[0] {
            Some(p) => {
                ids.push(exam.to_string());
                probs.push(p);
            }
            None => missing += 1,
        }
    }
    if ids.is_empty() {
        bail!("no exam has a `{}` prediction in every file", args.region);
    }
    let order = worklist::triage_order(&ids, &probs);
    let rows: Vec<Vec<String>> = order
        .iter()
        .enumerate()
        .map(|(r, &i)| {
            vec![
                (r + 1).to_string(),
                ids[i].clone(),
                format!("{:.6}", probs[i]),
            ]
        })
        .collect();
    let header: Vec<String> = ["rank", "exam_id", "probability"]
        .map(String::from)
        .to_vec();
    let bytes = csv_bytes(&header, &rows)?;
    match &args.out {
        Some(path) => {
            write_file(path, &bytes)?;
            eprintln!(
                "wrote the triage order of {} exams to {}",
                ids.len(),
                path.display()
            );
        }
        None => print!("{}", String::from_utf8_lossy(&bytes)),
    }
    if missing > 0 {
        eprintln!(
            "note: {missing} exams without a `{}` prediction in every file were left out",
            args.region
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// survival

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum TiesArg {
    Efron,
    Breslow,
}

#[derive(clap::Args, Debug)]
#[command(long_about = SURVIVAL_HELP)]
pub struct SurvivalArgs {
    /// The cohort manifest (CSV; see above for the columns).
    #[arg(long)]
    pub manifest: PathBuf,
    /// Prediction files (wide CSV), one per seed; the median over seeds is used.
    #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
    pub pred: Vec<PathBuf>,
    /// Covariates: age, sex, indication, summary_code, regions (= every prediction column) or region names.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "age,indication,summary_code,regions"
    )]
    pub covariates: Vec<String>,
    /// Split to fit on.
    #[arg(long, default_value = "valid")]
    pub fit: String,
    /// Split to compute Harrell's C on.
    #[arg(long, default_value = "test")]
    pub test: String,
    /// How tied event times enter the partial likelihood.
    #[arg(long, value_enum, default_value = "efron")]
    pub ties: TiesArg,
    /// Seed of the patient hash split (when the manifest has no split column).
    #[arg(long, default_value_t = 0)]
    pub split_seed: u64,
    /// Region whose prediction stratifies the Kaplan-Meier curves.
    #[arg(long, default_value = "full")]
    pub km_region: String,
    /// Probability at or above which an exam counts as predicted abnormal (Kaplan-Meier strata).
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Folder for coefficients.csv, survival.json, km.svg/.png and summary.json.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn coefficient_rows(fit: &CoxFit) -> Vec<Vec<String>> {
    fit.coefficients
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                format!("{:.4}", c.coef),
                format!("{:.4}", c.se),
                format!("{:.3}", c.hazard_ratio),
                format!("[{:.3}, {:.3}]", c.hr_ci.0, c.hr_ci.1),
                format!("{:.4}", c.p_value),
            ]
        })
        .collect()
}

pub fn run_survival(args: SurvivalArgs, _global: &Global) -> Result<()> {
    use uptake_stats::cohort;
    let exams = cohort::read_manifest(&args.manifest, args.split_seed)?;
    let (preds, _) = read_preds(&args.pred, false)?;
    let tables: Vec<&RegionTable> = preds.iter().map(|(_, t)| t).collect();
    let regions = tables[0].regions().to_vec();
    let pred = uptake_stats::evaluate::median_table(&tables, &regions)?;
    let region_names: Vec<String> = if args.covariates.iter().any(|c| c == "regions") {
        regions.clone()
    } else {
        args.covariates
            .iter()
            .filter(|c| pred.region_index(c).is_some())
            .cloned()
            .collect()
    };
    let base_covs: Vec<String> = args
        .covariates
        .iter()
        .filter(|c| *c != "regions" && pred.region_index(c).is_none())
        .cloned()
        .collect();
    let fit_split: Vec<cohort::CohortExam> = exams
        .iter()
        .filter(|e| e.split == args.fit)
        .cloned()
        .collect();
    let ties = match args.ties {
        TiesArg::Efron => Ties::Efron,
        TiesArg::Breslow => Ties::Breslow,
    };
    let full_design = cohort::design(&exams, &args.fit, &pred, &args.covariates, &fit_split)?;
    let test_design = cohort::design(&exams, &args.test, &pred, &args.covariates, &fit_split)?;
    // Drop covariates that are constant in the fit split (e.g. an indication level absent there).
    let constant: Vec<String> = full_design
        .data
        .names
        .iter()
        .enumerate()
        .filter(|(j, _)| {
            let first = full_design.data.x[0][*j];
            full_design.data.x.iter().all(|r| r[*j] == first)
        })
        .map(|(_, n)| n.clone())
        .collect();
    let keep: Vec<String> = full_design
        .data
        .names
        .iter()
        .filter(|n| !constant.contains(n))
        .cloned()
        .collect();
    let fit_data = full_design.data.select(&keep);
    let test_data = test_design.data.select(&keep);
    let full = fit_cox(&fit_data, ties).context("fitting the full model")?;
    let base_names: Vec<String> = keep
        .iter()
        .filter(|n| !region_names.contains(n))
        .cloned()
        .collect();
    let base = if !base_names.is_empty() && base_names.len() < keep.len() {
        Some(fit_cox(&fit_data.select(&base_names), ties).context("fitting the base model")?)
    } else {
        None
    };
    let c_full = harrell_c(
        &test_data.time,
        &test_data.event,
        &full.linear_predictor(&test_data.x),
    );
    let c_base = base.as_ref().and_then(|b| {
        let td = test_data.select(&base_names);
        harrell_c(&td.time, &td.event, &b.linear_predictor(&td.x))
    });
    let lr_null = full.lr_test_null();
    let lr_nested = base.as_ref().map(|b| full.lr_test_nested(b)).transpose()?;
    let importance: Vec<(String, f64)> = full_design
        .groups
        .iter()
        .filter_map(|(g, cols)| {
            let cols: Vec<String> = cols.iter().filter(|c| keep.contains(c)).cloned().collect();
            Some((g.clone(), full.importance(&cols)?))
        })
        .collect();
    // Kaplan-Meier by predicted region, on the fit and test splits together.
    let mut notes = vec![
        format!(
            "fit on split `{}`: {} exams, {} deaths ({} dropped for missing covariates); Harrell's C on split `{}`: {} exams",
            args.fit,
            full.n,
            full.events,
            full_design.dropped,
            args.test,
            test_data.time.len()
        ),
        format!(
            "covariates of the base model: {}",
            if base_covs.is_empty() {
                "none".into()
            } else {
                base_covs.join(", ")
            }
        ),
    ];
    if !constant.is_empty() {
        notes.push(format!(
            "dropped (constant in the fit split): {}",
            constant.join(", ")
        ));
    }
    let mut km_groups = Vec::new();
    if pred.region_index(&args.km_region).is_some() {
        let (mut hi, mut lo) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
        for e in exams
            .iter()
            .filter(|e| e.split == args.fit || e.split == args.test)
        {
            if let Some(p) = pred.get(&e.exam_id, &args.km_region) {
                let g = if p >= args.threshold {
                    &mut hi
                } else {
                    &mut lo
                };
                g.0.push(e.time_days);
                g.1.push(e.died);
            }
        }
        for (label, (t, d)) in [
            (format!("{} predicted abnormal", args.km_region), hi),
            (format!("{} predicted normal", args.km_region), lo),
        ] {
            if !t.is_empty() {
                km_groups.push((
                    format!("{label} (n={})", t.len()),
                    kaplan_meier(&t, &d, 0.95),
                ));
            }
        }
    } else {
        notes.push(format!(
            "no Kaplan-Meier curves: `{}` is not a prediction column",
            args.km_region
        ));
    }
    let columns: Vec<String> = ["covariate", "coef", "se", "HR", "HR 95 % CI", "p"]
        .map(String::from)
        .to_vec();
    let mut stats_rows = vec![
        vec![
            "log-likelihood (full model)".into(),
            format!("{:.3}", full.log_likelihood),
        ],
        vec![
            "log-likelihood (null model)".into(),
            format!("{:.3}", full.null_log_likelihood),
        ],
        vec![
            "LR test vs null".into(),
            format!(
                "chi2 {:.2}, df {}, p {:.3e}",
                lr_null.chi2, lr_null.df, lr_null.p_value
            ),
        ],
        vec![
            format!("Harrell's C on `{}` (full model)", args.test),
            f3(c_full),
        ],
    ];
    if let (Some(b), Some(lr)) = (&base, &lr_nested) {
        stats_rows.insert(
            1,
            vec![
                "log-likelihood (base model)".into(),
                format!("{:.3}", b.log_likelihood),
            ],
        );
        stats_rows.push(vec![
            "LR test full vs base".into(),
            format!("chi2 {:.2}, df {}, p {:.3e}", lr.chi2, lr.df, lr.p_value),
        ]);
        stats_rows.push(vec![
            format!("Harrell's C on `{}` (base model)", args.test),
            f3(c_base),
        ]);
    }
    let importance_rows: Vec<Vec<String>> = importance
        .iter()
        .map(|(g, v)| vec![g.clone(), format!("{v:.2}")])
        .collect();
    if args.json {
        let json = serde_json::json!({
            "full_model": full, "base_model": base, "lr_test_null": lr_null, "lr_test_nested": lr_nested,
            "harrell_c_full": c_full, "harrell_c_base": c_base, "importance": importance,
            "kaplan_meier": km_groups, "notes": notes,
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        for n in &notes {
            println!("{n}");
        }
        println!(
            "{:<40} {:>9} {:>8} {:>8} {:>18} {:>8}",
            columns[0], columns[1], columns[2], columns[3], columns[4], columns[5]
        );
        for r in coefficient_rows(&full) {
            println!(
                "{:<40} {:>9} {:>8} {:>8} {:>18} {:>8}",
                r[0], r[1], r[2], r[3], r[4], r[5]
            );
        }
        for r in &stats_rows {
            println!("{:<40} {}", r[0], r[1]);
        }
        println!("importance (Wald chi2 - df):");
        for r in &importance_rows {
            println!("  {:<38} {}", r[0], r[1]);
        }
    }
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        write_file(
            &out.join("coefficients.csv"),
            &csv_bytes(&columns, &coefficient_rows(&full))?,
        )?;
        let json = serde_json::json!({
            "full_model": full, "base_model": base, "lr_test_null": lr_null, "lr_test_nested": lr_nested,
            "harrell_c_full": c_full, "harrell_c_base": c_base, "importance": importance, "kaplan_meier": km_groups,
        });
        write_file(
            &out.join("survival.json"),
            serde_json::to_string_pretty(&json)?.as_bytes(),
        )?;
        let mut figures = Vec::new();
        if !km_groups.is_empty() {
            plots::kaplan_meier_curves(
                &out.join("km"),
                &format!("Kaplan-Meier by predicted {}", args.km_region),
                &km_groups,
            )?;
            figures.push(ReportFigure {
                caption: format!(
                    "Kaplan-Meier curves (95 % CI) stratified by P({}) >= {}",
                    args.km_region, args.threshold
                ),
                file: "km.svg".into(),
            });
        }
        let mut tables = vec![ReportTable {
            caption: "Cox model (full): hazard ratios with Wald 95 % CIs".into(),
            columns,
            rows: coefficient_rows(&full),
        }];
        if let Some(b) = &base {
            tables.push(ReportTable {
                caption: "Cox model (base)".into(),
                columns: tables[0].columns.clone(),
                rows: coefficient_rows(b),
            });
        }
        tables.push(ReportTable {
            caption: "Fit and tests".into(),
            columns: vec!["".into(), "value".into()],
            rows: stats_rows,
        });
        tables.push(ReportTable {
            caption: "Importance (Wald chi2 - df)".into(),
            columns: vec!["covariate".into(), "importance".into()],
            rows: importance_rows,
        });
        ReportPart {
            kind: "survival".into(),
            title: "Survival after the scan (Cox proportional hazards)".into(),
            notes,
            tables,
            figures,
        }
        .write(out)?;
        if !args.json {
            println!("wrote {}", out.display());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// report

#[derive(clap::Args, Debug)]
#[command(long_about = REPORT_HELP)]
pub struct ReportArgs {
    /// The run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// The HTML file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Title of the page.
    #[arg(long, default_value = "uptake run report")]
    pub title: String,
}

pub fn run_report(args: ReportArgs, _global: &Global) -> Result<()> {
    uptake_stats::report::write_report(&args.run, &args.out, &args.title)?;
    println!("{}", args.out.display());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// bench

/// `uptake bench analysis`: AUROC with a 1,000-resample bootstrap and a 10,000-iteration
/// permutation test for 26 regions x 5 seeds x 814 exams.
pub fn bench(global: &Global) -> Result<()> {
    use rand::{Rng, SeedableRng};
    let (regions, seeds, exams) = (26usize, 5usize, 814usize);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let labels: Vec<Vec<bool>> = (0..regions)
        .map(|_| (0..exams).map(|_| rng.random::<f64>() < 0.2).collect())
        .collect();
    let make = |rng: &mut rand_chacha::ChaCha8Rng, shift: f64| -> Vec<Vec<Vec<f64>>> {
        (0..seeds)
            .map(|_| {
                labels
                    .iter()
                    .map(|l| {
                        l.iter()
                            .map(|&y| {
                                (rng.random::<f64>() + if y { shift } else { 0.0 }) / (1.0 + shift)
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect()
    };
    let (a, b) = (make(&mut rng, 0.6), make(&mut rng, 0.5));
    let bar = crate::common::progress(2, "bench", global.quiet);
    let start = std::time::Instant::now();
    let auc = |m: &Vec<Vec<Vec<f64>>>| -> Vec<Vec<f64>> {
        (0..regions)
            .map(|r| {
                (0..seeds)
                    .map(|s| uptake_stats::auroc(&m[s][r], &labels[r]).unwrap_or(0.5))
                    .collect()
            })
            .collect()
    };
    let (sa, sb) = (auc(&a), auc(&b));
    let t_auc = start.elapsed();
    bar.inc(1);
    let mut ps = Vec::new();
    for r in 0..regions {
        bootstrap_mean_ci(&sa[r], 0.95, 1000, r as u64);
        bootstrap_mean_ci(&sb[r], 0.95, 1000, r as u64);
        ps.push(
            uptake_stats::resample::paired_permutation_test(
                &sa[r],
                &sb[r],
                Alternative::Greater,
                10_000,
                r as u64,
            )
            .p_value,
        );
    }
    bar.inc(1);
    bar.finish_and_clear();
    let total = start.elapsed();
    println!("analysis bench: {regions} regions x {seeds} seeds x {exams} exams, two models");
    println!(
        "  AUROC (260 evaluations):                          {:>8.2} ms",
        t_auc.as_secs_f64() * 1e3
    );
    println!(
        "  + bootstrap CIs (1,000) and permutation tests (10,000): {:>8.2} ms",
        (total - t_auc).as_secs_f64() * 1e3
    );
    println!(
        "  total:                                             {:>8.2} ms",
        total.as_secs_f64() * 1e3
    );
    println!("  (check: median p-value {:.4})", {
        ps.sort_by(f64::total_cmp);
        ps[ps.len() / 2]
    });
    Ok(())
}
