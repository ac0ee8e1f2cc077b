//! Survival after the scan: two nested Cox models fitted on one split of a cohort (the base
//! model of the non-region covariates, and the full model with the region predictions too),
//! likelihood-ratio tests, covariate importance, Harrell's C on another split, and
//! Kaplan-Meier curves stratified by one region's prediction.
//!
//! [`SurvivalAnalysis::compute`] makes the figures; `write` puts them into a folder and
//! `Display` prints them.

mod text;
mod write;

use crate::cohort::{
    CohortError, CohortExam, Covariate, Design, cohort_exams, covariate_groups, design,
};
use crate::combine::median_table;
use crate::dropped::{self, DropReason, Dropped};
use crate::format::f3;
use crate::inputs::PredictionFile;
use crate::survival::{
    CoxFit, KmGroup, LrTest, SurvivalError, Ties, fit_cox, harrell_c, kaplan_meier,
};
use serde::{Serialize, Serializer};
use std::path::PathBuf;
use uptake_core::manifest::Split;
use uptake_core::{Manifest, RegionTable};

/// A survival analysis that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum SurvivalAnalysisError {
    /// The cohort or a covariate is unusable.
    #[error(transparent)]
    Cohort(#[from] CohortError),
    /// No prediction file, or no exam predicted in every file.
    #[error("the prediction files share no exam with a prediction for every region")]
    NoPredictions,
    /// A Cox model cannot be fitted.
    #[error("fitting the {model} model")]
    Fit {
        /// `full` or `base`.
        model: &'static str,
        /// Why.
        source: SurvivalError,
    },
    /// The nested test failed.
    #[error(transparent)]
    Test(#[from] SurvivalError),
    /// The Kaplan-Meier threshold is not a probability.
    #[error("the Kaplan-Meier threshold must be in [0, 1], got {0}")]
    Threshold(f64),
}

/// What to fit and where.
#[derive(Debug, Clone)]
pub struct SurvivalSettings {
    /// Covariates of the full model; the base model has those that are not regions.
    pub covariates: Vec<Covariate>,
    /// The split the models are fitted on.
    pub fit_split: Split,
    /// The split Harrell's C is computed on.
    pub test_split: Split,
    /// How tied event times enter the partial likelihood.
    pub ties: Ties,
    /// Seed of the patient hash split (rows without a `split` cell).
    pub split_seed: u64,
    /// The region whose prediction stratifies the Kaplan-Meier curves.
    pub km_region: String,
    /// Probability at or above which an exam counts as predicted abnormal (the strata).
    pub km_threshold: f64,
}

impl SurvivalSettings {
    /// The demo's and the study report's models: age and summary code, then with the whole-body
    /// (`full`) prediction; Kaplan-Meier curves by the `full` prediction.
    pub fn whole_body() -> Self {
        Self {
            covariates: ["age", "summary_code", "full"]
                .map(Covariate::parse)
                .to_vec(),
            km_region: "full".into(),
            ..Self::default()
        }
    }
}

impl Default for SurvivalSettings {
    fn default() -> Self {
        Self {
            covariates: ["age", "indication", "summary_code", "regions"]
                .map(Covariate::parse)
                .to_vec(),
            fit_split: Split::Valid,
            test_split: Split::Test,
            ties: Ties::Efron,
            split_seed: 0,
            km_region: "full".into(),
            km_threshold: 0.5,
        }
    }
}

/// A covariate group's importance as in the study: Wald chi-squared minus its degrees of
/// freedom; written as `[group, value]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Importance {
    /// The covariate group (e.g. `indication`, or a region).
    pub group: String,
    /// Wald chi2 - df.
    pub wald_minus_df: f64,
}

impl Serialize for Importance {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.group, self.wald_minus_df).serialize(s)
    }
}

/// The fitted models, tests and curves.
#[derive(Debug, Clone, Serialize)]
pub struct SurvivalAnalysis {
    /// The model with every covariate.
    pub full_model: CoxFit,
    /// The model without the regions (when there are both kinds of covariate).
    pub base_model: Option<CoxFit>,
    /// The full model against the null model.
    pub lr_test_null: LrTest,
    /// The full model against the base model.
    pub lr_test_nested: Option<LrTest>,
    /// Harrell's C of the full model on the test split.
    pub harrell_c_full: Option<f64>,
    /// Harrell's C of the base model on the test split.
    pub harrell_c_base: Option<f64>,
    /// Per covariate group of the full model.
    pub importance: Vec<Importance>,
    /// Kaplan-Meier curves of the exams predicted abnormal and normal.
    pub kaplan_meier: Vec<KmGroup>,
    /// Human-readable notes.
    pub notes: Vec<String>,
    /// Every exam left out (of the fit or test split, or of the predictions), and why.
    pub dropped: Vec<Dropped>,
    /// The settings it was made with.
    #[serde(skip)]
    pub settings: SurvivalSettings,
    /// The files it was computed from (never replaced by [`SurvivalAnalysis::write`]).
    #[serde(skip)]
    pub inputs: Vec<PathBuf>,
}

/// The designs of the fit and test splits, restricted to columns that vary in the fit split.
struct Designs {
    fit: Design,
    test: Design,
    /// Columns kept.
    keep: Vec<String>,
    /// Columns constant in the fit split.
    constant: Vec<String>,
}

fn designs(
    exams: &[CohortExam],
    pred: &RegionTable,
    settings: &SurvivalSettings,
) -> Result<Designs, CohortError> {
    let fit_exams: Vec<&CohortExam> = (exams.iter())
        .filter(|e| e.split == settings.fit_split)
        .collect();
    let groups = covariate_groups(&settings.covariates, pred, &fit_exams)?;
    let fit = design(exams, settings.fit_split, pred, &groups)?;
    let test = design(exams, settings.test_split, pred, &groups)?;
    // Drop covariates that are constant in the fit split (e.g. an indication level absent there).
    let (mut constant, mut keep) = (Vec::new(), Vec::new());
    let d = &fit.data;
    for (j, name) in d.names.iter().enumerate() {
        if d.x.iter().all(|r| r[j] == d.x[0][j]) {
            constant.push(name.clone());
        } else {
            keep.push(name.clone());
        }
    }
    Ok(Designs {
        fit,
        test,
        keep,
        constant,
    })
}

impl SurvivalAnalysis {
    /// Fits the models on the manifest's exams joined with the predictions (the median over
    /// the prediction files, one per seed).
    pub fn compute(
        manifest: &Manifest,
        preds: &[PredictionFile],
        settings: &SurvivalSettings,
    ) -> Result<Self, SurvivalAnalysisError> {
        if !(0.0..=1.0).contains(&settings.km_threshold) {
            return Err(SurvivalAnalysisError::Threshold(settings.km_threshold));
        }
        let exams = cohort_exams(manifest, settings.split_seed)?;
        let tables: Vec<&RegionTable> = preds.iter().map(|p| &p.table).collect();
        let regions = tables
            .first()
            .ok_or(SurvivalAnalysisError::NoPredictions)?
            .regions()
            .to_vec();
        let pred = median_table(&tables, &regions).ok_or(SurvivalAnalysisError::NoPredictions)?;
        let region_names: Vec<String> = if settings.covariates.contains(&Covariate::Regions) {
            regions
        } else {
            region_covariates(settings, &pred, true)
        };
        let d = designs(&exams, &pred, settings)?;
        let fit_data = d.fit.data.select(&d.keep);
        let test_data = d.test.data.select(&d.keep);
        let fit = |data, model| {
            fit_cox(data, settings.ties)
                .map_err(|source| SurvivalAnalysisError::Fit { model, source })
        };
        let full = fit(&fit_data, "full")?;
        let base_names: Vec<String> = (d.keep.iter())
            .filter(|n| !region_names.contains(n))
            .cloned()
            .collect();
        let base = if !base_names.is_empty() && base_names.len() < d.keep.len() {
            Some(fit(&fit_data.select(&base_names), "base")?)
        } else {
            None
        };
        let harrell_c_base = base.as_ref().and_then(|b| {
            let td = test_data.select(&base_names);
            harrell_c(&td.time, &td.event, &b.linear_predictor(&td.x))
        });
        let risk = full.linear_predictor(&test_data.x);
        let importance = (d.fit.groups.iter())
            .filter_map(|g| {
                let cols: Vec<String> = (g.columns.iter())
                    .filter(|c| d.keep.contains(c))
                    .cloned()
                    .collect();
                Some(Importance {
                    group: g.name.clone(),
                    wald_minus_df: full.importance(&cols)?,
                })
            })
            .collect();
        let dropped = survival_drops(manifest, preds, &pred, &d);
        let mut notes = design_notes(settings, &pred, &full, &d, test_data.time.len());
        notes.extend(dropped::notes(&dropped));
        let kaplan_meier = km_groups(&exams, &pred, settings, &mut notes);
        let manifest_path = manifest.path().to_path_buf();
        Ok(SurvivalAnalysis {
            lr_test_null: full.lr_test_null(),
            lr_test_nested: base.as_ref().map(|b| full.lr_test_nested(b)).transpose()?,
            harrell_c_full: harrell_c(&test_data.time, &test_data.event, &risk),
            harrell_c_base,
            full_model: full,
            base_model: base,
            importance,
            kaplan_meier,
            notes,
            dropped,
            settings: settings.clone(),
            inputs: (preds.iter().map(|p| p.path.clone()))
                .chain([manifest_path])
                .collect(),
        })
    }

    /// The result as JSON with its keys sorted (what `survival.json` holds, plus the notes).
    pub fn to_json(&self) -> serde_json::Value {
        // Serialising plain numbers, strings and lists cannot fail.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Rows (name, value) of fit statistics and tests.
    pub(crate) fn stats_rows(&self) -> Vec<Vec<String>> {
        let full = &self.full_model;
        let test = self.settings.test_split.name();
        let lr = |t: &LrTest| format!("chi2 {:.2}, df {}, p {:.3e}", t.chi2, t.df, t.p_value);
        let row = |name: String, value: String| vec![name, value];
        let ll = |fit: &CoxFit| format!("{:.3}", fit.log_likelihood);
        let mut rows = vec![
            row("log-likelihood (full model)".into(), ll(full)),
            row(
                "log-likelihood (null model)".into(),
                format!("{:.3}", full.null_log_likelihood),
            ),
            row("LR test vs null".into(), lr(&self.lr_test_null)),
            row(
                format!("Harrell's C on `{test}` (full model)"),
                f3(self.harrell_c_full),
            ),
        ];
        if let (Some(b), Some(nested)) = (&self.base_model, &self.lr_test_nested) {
            rows.insert(1, row("log-likelihood (base model)".into(), ll(b)));
            rows.push(row("LR test full vs base".into(), lr(nested)));
            rows.push(row(
                format!("Harrell's C on `{test}` (base model)"),
                f3(self.harrell_c_base),
            ));
        }
        rows
    }

    /// Rows (group, importance).
    pub(crate) fn importance_rows(&self) -> Vec<Vec<String>> {
        (self.importance.iter())
            .map(|i| vec![i.group.clone(), format!("{:.2}", i.wald_minus_df)])
            .collect()
    }
}

/// The columns of the coefficient tables.
pub(crate) fn coefficient_columns() -> Vec<String> {
    crate::format::columns(&["covariate", "coef", "se", "HR", "HR 95 % CI", "p"])
}

/// One row per coefficient: name, coef, se, HR, its CI, p.
pub(crate) fn coefficient_rows(fit: &CoxFit) -> Vec<Vec<String>> {
    (fit.coefficients.iter())
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

/// The names of the covariates that are (or, with `false`, are not) region columns of the
/// predictions, leaving out `regions`.
fn region_covariates(
    settings: &SurvivalSettings,
    pred: &RegionTable,
    regions: bool,
) -> Vec<String> {
    (settings.covariates.iter())
        .filter(|c| **c != Covariate::Regions && pred.region_index(c.name()).is_some() == regions)
        .map(|c| c.name().to_string())
        .collect()
}

/// Notes on the splits, the base model's covariates and the dropped columns.
fn design_notes(
    settings: &SurvivalSettings,
    pred: &RegionTable,
    full: &CoxFit,
    d: &Designs,
    test_exams: usize,
) -> Vec<String> {
    let base_covs = region_covariates(settings, pred, false);
    let mut notes = vec![
        format!(
            "fit on split `{}`: {} exams, {} deaths ({} dropped for missing covariates); Harrell's C on split `{}`: {} exams",
            settings.fit_split.name(),
            full.n,
            full.events,
            d.fit.dropped.len(),
            settings.test_split.name(),
            test_exams
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
    if !d.constant.is_empty() {
        notes.push(format!(
            "dropped (constant in the fit split): {}",
            d.constant.join(", ")
        ));
    }
    notes
}

/// What the analysis left out: predicted exams that the manifest lacks or that some
/// prediction file lacks (the median needs every file), and exams of the fit and test splits
/// without a covariate value.
fn survival_drops(
    manifest: &Manifest,
    preds: &[PredictionFile],
    median: &RegionTable,
    d: &Designs,
) -> Vec<Dropped> {
    let mut out = Vec::new();
    for p in preds {
        for exam in p.table.exams() {
            if manifest.get(exam).is_none() {
                let reason = DropReason::NotInManifest;
                out.push(Dropped::exam(exam, manifest.path().display(), None, reason));
            } else if median.row(exam).is_none() && !out.iter().any(|d| d.item.is(exam)) {
                let lacking = preds.iter().find(|q| q.table.row(exam).is_none());
                let file = lacking.unwrap_or(p).path.display();
                out.push(Dropped::exam(exam, file, None, DropReason::NotInEveryFile));
            }
        }
    }
    let files = match preds {
        [one] => one.path.display().to_string(),
        _ => "the median of the prediction files".to_string(),
    };
    for inc in d.fit.dropped.iter().chain(&d.test.dropped) {
        let dropped = if median.region_index(&inc.column).is_some() {
            let reason = match median.row(&inc.exam) {
                Some(_) => DropReason::EmptyPrediction,
                None => DropReason::NoPredictionRow,
            };
            Dropped::exam(&inc.exam, &files, Some(&inc.column), reason)
        } else {
            let reason = DropReason::MissingCovariate(inc.column.clone());
            Dropped::exam(&inc.exam, manifest.path().display(), None, reason)
        };
        out.push(dropped);
    }
    out
}

/// Kaplan-Meier curves of the fit and test splits together, by predicted `km_region`.
fn km_groups(
    exams: &[CohortExam],
    pred: &RegionTable,
    settings: &SurvivalSettings,
    notes: &mut Vec<String>,
) -> Vec<KmGroup> {
    let region = &settings.km_region;
    if pred.region_index(region).is_none() {
        notes.push(format!(
            "no Kaplan-Meier curves: `{region}` is not a prediction column"
        ));
        return Vec::new();
    }
    let (mut hi, mut lo) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    let splits = [settings.fit_split, settings.test_split];
    for e in exams.iter().filter(|e| splits.contains(&e.split)) {
        if let Some(p) = pred.get(&e.exam_id, region) {
            let g = if p >= settings.km_threshold {
                &mut hi
            } else {
                &mut lo
            };
            g.0.push(e.time_days);
            g.1.push(e.died);
        }
    }
    [
        (format!("{region} predicted abnormal"), hi),
        (format!("{region} predicted normal"), lo),
    ]
    .into_iter()
    .filter(|(_, (t, _))| !t.is_empty())
    .map(|(label, (t, d))| KmGroup {
        label: format!("{label} (n={})", t.len()),
        steps: kaplan_meier(&t, &d, 0.95),
    })
    .collect()
}
