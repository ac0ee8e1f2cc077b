//! The Cox model reproduces the published fit of the Rossi et al. (1980) recidivism data
//! (432 released prisoners, weeks to re-arrest), as printed by R's `coxph` (Efron ties) in
//! Fox & Weisberg, "Cox Proportional-Hazards Regression for Survival Data in R", and by
//! lifelines' `CoxPHFitter` documentation. The fixture `tests/fixtures/rossi.csv` is
//! `lifelines/datasets/rossi.csv` from the lifelines 0.30.3 wheel on PyPI (MIT licence).

use uptake_core::manifest::Split;
use uptake_core::{ExamId, Manifest, ManifestEntry, RegionTable};
use uptake_stats::survival::{SurvivalData, SurvivalError, Ties, fit_cox, harrell_c, kaplan_meier};
use uptake_stats::{Covariate, DropReason, PredictionFile, SurvivalAnalysis, SurvivalSettings};

fn rossi() -> SurvivalData {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rossi.csv");
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let names: Vec<String> = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
        .map(String::from)
        .to_vec();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let mut data = SurvivalData {
        time: vec![],
        event: vec![],
        x: vec![],
        names: names.clone(),
    };
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let v = |n: &str| rec[col(n)].parse::<f64>().unwrap();
        data.time.push(v("week"));
        data.event.push(v("arrest") == 1.0);
        data.x.push(names.iter().map(|n| v(n)).collect());
    }
    assert_eq!(data.time.len(), 432);
    data
}

#[test]
fn efron_fit_reproduces_the_published_rossi_coefficients() {
    let fit = fit_cox(&rossi(), Ties::Efron).unwrap();
    // coef and se(coef) from R coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio).
    let published = [
        ("fin", -0.37942, 0.19138),
        ("age", -0.05744, 0.02200),
        ("race", 0.31390, 0.30799),
        ("wexp", -0.14980, 0.21222),
        ("mar", -0.43370, 0.38187),
        ("paro", -0.08487, 0.19576),
        ("prio", 0.09150, 0.02865),
    ];
    for (c, (name, coef, se)) in fit.coefficients.iter().zip(published) {
        assert_eq!(c.name, name);
        assert!((c.coef - coef).abs() < 1e-3, "{name}: {} vs {coef}", c.coef);
        assert!((c.se - se).abs() < 1e-3, "{name} se: {} vs {se}", c.se);
    }
    // Published: likelihood ratio test = 33.27 on 7 df; log-likelihood -658.75 (lifelines).
    let lr = fit.lr_test_null();
    assert!((lr.chi2 - 33.27).abs() < 0.01, "{}", lr.chi2);
    assert_eq!(lr.df, 7);
    assert!(
        (fit.log_likelihood - -658.75).abs() < 0.01,
        "{}",
        fit.log_likelihood
    );
    assert!(lr.p_value < 3e-5 && lr.p_value > 1e-5, "{}", lr.p_value);
    // Wald p-values printed by R: fin 0.0474, age 0.0090, prio 0.0014.
    assert!((fit.coefficients[0].p_value - 0.0474).abs() < 5e-4);
    assert!((fit.coefficients[1].p_value - 0.0090).abs() < 5e-4);
    assert!((fit.coefficients[6].p_value - 0.0014).abs() < 5e-4);
    assert!((fit.coefficients[0].hazard_ratio - 0.684).abs() < 1e-3);
}

// Reference values computed once with lifelines 0.30.3 (pip install lifelines, Python 3.11) on
// tests/fixtures/rossi.csv:
//   full = CoxPHFitter().fit(df, "week", "arrest")             # Efron ties
//   small = CoxPHFitter().fit(df[["week", "arrest", "age", "prio"]], "week", "arrest")
//   full.params_, full.standard_errors_, full.log_likelihood_, full._ll_null_,
//   full.log_likelihood_ratio_test(), full.concordance_index_ (and the same of `small`),
//   KaplanMeierFitter().fit(df.week, df.arrest): survival_function_, confidence_interval_.
const LIFELINES_FULL: [(&str, f64, f64); 7] = [
    ("fin", -0.3794221657180835, 0.19137948069828947),
    ("age", -0.05743774002920776, 0.021999470362241924),
    ("race", 0.3138997872674409, 0.30799277660836105),
    ("wexp", -0.14979570182124166, 0.21222429637584322),
    ("mar", -0.43370388118524955, 0.38186805708539334),
    ("paro", -0.0848710806345732, 0.1957566718758514),
    ("prio", 0.09149708173533616, 0.028648549895298747),
];

fn close(what: &str, ours: f64, theirs: f64, tolerance: f64) {
    assert!(
        (ours - theirs).abs() < tolerance,
        "{what}: ours {ours}, lifelines {theirs}"
    );
}

#[test]
fn the_cox_fit_equals_lifelines_to_1e_5() {
    let fit = fit_cox(&rossi(), Ties::Efron).unwrap();
    for (c, (name, coef, se)) in fit.coefficients.iter().zip(LIFELINES_FULL) {
        assert_eq!(c.name, name);
        close(name, c.coef, coef, 1e-5);
        close(name, c.se, se, 1e-5);
    }
    close(
        "log-likelihood",
        fit.log_likelihood,
        -658.7476594460858,
        1e-5,
    );
    close(
        "null log-likelihood",
        fit.null_log_likelihood,
        -675.3806323468705,
        1e-5,
    );
    let lr = fit.lr_test_null();
    close("LR chi2", lr.chi2, 33.26594580156939, 1e-5);
    close("LR p", lr.p_value, 2.3620450536999168e-05, 1e-8);
}

#[test]
fn harrells_c_equals_lifelines_counting_censorings_at_event_times_as_survivors() {
    let data = rossi();
    let full = fit_cox(&data, Ties::Efron).unwrap();
    let c = harrell_c(&data.time, &data.event, &full.linear_predictor(&data.x)).unwrap();
    // Before, pairs of an arrest and a release at the same week were not counted: 0.6438.
    close("C (full model)", c, 0.6403292470997135, 1e-6);
    let small = data.select(&["age".into(), "prio".into()]);
    let fit = fit_cox(&small, Ties::Efron).unwrap();
    let c = harrell_c(&small.time, &small.event, &fit.linear_predictor(&small.x)).unwrap();
    close("C (age, prio)", c, 0.6331548541637312, 1e-6);
    close("age", fit.coefficients[0].coef, -0.069335039970927, 1e-5);
    close(
        "prio se",
        fit.coefficients[1].se,
        0.027105408291166932,
        1e-5,
    );
    let lr = full.lr_test_nested(&fit).unwrap();
    close("nested LR chi2", lr.chi2, 7.58937961886636, 1e-5);
    close("nested LR p", lr.p_value, 0.18036496134887467, 1e-6);
}

#[test]
fn kaplan_meier_equals_lifelines_to_1e_5() {
    let data = rossi();
    let km = kaplan_meier(&data.time, &data.event, 0.95);
    let lifelines = [
        (
            1.0,
            0.9976851851851845,
            0.9836825045751392,
            0.9996736025368231,
        ),
        (
            8.0,
            0.9722222222222217,
            0.9516048258515641,
            0.9841290769910215,
        ),
        (
            20.0,
            0.9074074074074068,
            0.8759221434338968,
            0.9312168840876465,
        ),
        (
            35.0,
            0.8356481481481475,
            0.7972085995653017,
            0.8674121576478312,
        ),
        (
            52.0,
            0.7361111111111108,
            0.6918597157964872,
            0.7750631833746743,
        ),
    ];
    for (week, s, lo, hi) in lifelines {
        let step = km.iter().find(|k| k.time == week).unwrap();
        close("S", step.survival, s, 1e-9);
        let (l, h) = step.ci.unwrap();
        close("CI low", l, lo, 1e-9);
        close("CI high", h, hi, 1e-9);
    }
    let last = km.last().unwrap();
    assert_eq!((last.at_risk, last.events, last.censored), (322, 4, 318));
}

#[test]
fn a_covariate_that_only_early_arrests_have_is_named_as_diverging() {
    // 1 for prisoners arrested in the first ten weeks: every such arrest has the largest value
    // of its risk set, so the likelihood rises without bound. Before, this read "collinear".
    let mut data = rossi();
    for (i, row) in data.x.iter_mut().enumerate() {
        row.push(f64::from(u8::from(data.event[i] && data.time[i] <= 10.0)));
    }
    data.names.push("early".into());
    let data = data.select(&["age".into(), "early".into()]);
    assert_eq!(
        fit_cox(&data, Ties::Efron).unwrap_err(),
        SurvivalError::Monotone("early".into())
    );
}

#[test]
fn breslow_ties_give_a_different_fit_than_efron_on_tied_weeks() {
    let data = rossi();
    let e = fit_cox(&data, Ties::Efron).unwrap();
    let b = fit_cox(&data, Ties::Breslow).unwrap();
    // Weeks are heavily tied, so the two approximations differ, Breslow shrinking towards 0.
    let (ef, bf) = (e.coefficients[0].coef, b.coefficients[0].coef);
    assert!((ef - bf).abs() > 1e-4 && bf.abs() < ef.abs(), "{ef} {bf}");
}

#[test]
fn nested_model_likelihood_ratio_test_and_concordance() {
    let data = rossi();
    let full = fit_cox(&data, Ties::Efron).unwrap();
    let small = fit_cox(&data.select(&["age".into(), "prio".into()]), Ties::Efron).unwrap();
    let lr = full.lr_test_nested(&small).unwrap();
    assert_eq!(lr.df, 5);
    assert!((lr.chi2 - 2.0 * (full.log_likelihood - small.log_likelihood)).abs() < 1e-12);
    assert!(lr.chi2 > 0.0);
    assert!(
        small.lr_test_nested(&full).is_err(),
        "the larger model must come first"
    );
}

#[test]
fn importance_of_one_covariate_is_its_wald_z_squared_minus_one() {
    let fit = fit_cox(&rossi(), Ties::Efron).unwrap();
    let prio = &fit.coefficients[6];
    let imp = fit.importance(&["prio".into()]).unwrap();
    assert!((imp - (prio.z * prio.z - 1.0)).abs() < 1e-9);
}

/// The Rossi data as a cohort: each prisoner an exam in the `valid` split (and a copy in
/// `test`), age in the manifest, the other covariates as "region predictions" (prio / 20 so
/// that it lies in [0, 1]).
fn rossi_cohort() -> (Manifest, Vec<PredictionFile>) {
    let data = rossi();
    let regions: Vec<String> = ["fin", "race", "wexp", "mar", "paro", "prio"]
        .map(String::from)
        .to_vec();
    let mut entries = Vec::new();
    let mut table = RegionTable::new(regions);
    for (split, prefix) in [(Split::Valid, "v"), (Split::Test, "t")] {
        for (i, x) in data.x.iter().enumerate() {
            let exam = ExamId::new(format!("{prefix}{i}")).unwrap();
            let mut e = ManifestEntry::new(exam.clone());
            e.patient_id = Some(format!("{prefix}{i}"));
            e.time_days = Some(data.time[i]);
            e.event = Some(data.event[i]);
            e.age_years = Some(x[1]);
            e.split = Some(split);
            entries.push(e);
            let row = [x[0], x[2], x[3], x[4], x[5], x[6] / 20.0];
            table.insert(exam, row.iter().map(|v| Some(*v)).collect());
        }
    }
    let pred = PredictionFile {
        path: "rossi.csv".into(),
        table,
    };
    (Manifest::from_entries(entries), vec![pred])
}

#[test]
fn the_survival_analysis_of_the_rossi_cohort_reproduces_the_published_fit() {
    let (manifest, preds) = rossi_cohort();
    let settings = SurvivalSettings {
        covariates: "age,regions".split(',').map(Covariate::parse).collect(),
        km_region: "fin".into(),
        ..SurvivalSettings::default()
    };
    let analysis = SurvivalAnalysis::compute(&manifest, &preds, &settings).unwrap();
    let coef = |name: &str| {
        let full = &analysis.full_model.coefficients;
        full.iter().find(|c| c.name == name).unwrap().coef
    };
    assert!((coef("fin") - -0.37942).abs() < 1e-3, "{}", coef("fin"));
    assert!((coef("age") - -0.05744).abs() < 1e-3);
    assert!(
        (coef("prio") - 0.09150 * 20.0).abs() < 2e-2,
        "{}",
        coef("prio")
    );
    assert!((analysis.lr_test_null.chi2 - 33.27).abs() < 0.01);
    // The base model has age only; the six others enter the nested test.
    let base = analysis.base_model.as_ref().unwrap();
    assert_eq!(base.coefficients.len(), 1);
    assert_eq!(analysis.lr_test_nested.unwrap().df, 6);
    // The test split is a copy of the fit split: the full model's concordance is lifelines'.
    let c = analysis.harrell_c_full.unwrap();
    assert!((c - 0.6403292470997135).abs() < 1e-6, "{c}");
    let strata: Vec<&str> = analysis
        .kaplan_meier
        .iter()
        .map(|g| g.label.as_str())
        .collect();
    assert_eq!(
        strata,
        [
            "fin predicted abnormal (n=432)",
            "fin predicted normal (n=432)"
        ]
    );
    assert!(analysis.to_string().contains("LR test full vs base"));
}

#[test]
fn the_survival_analysis_writes_coefficients_json_figure_and_summary() {
    let (manifest, preds) = rossi_cohort();
    let settings = SurvivalSettings {
        covariates: vec![Covariate::Age, Covariate::parse("fin")],
        km_region: "fin".into(),
        ..SurvivalSettings::default()
    };
    let analysis = SurvivalAnalysis::compute(&manifest, &preds, &settings).unwrap();
    let dir = tempfile::tempdir().unwrap();
    analysis.write(dir.path()).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("coefficients.csv")).unwrap();
    assert!(
        csv.starts_with("covariate,coef,se,HR,HR 95 % CI,p\nage,"),
        "{csv}"
    );
    let json: serde_json::Value =
        uptake_core::json::read_json(&dir.path().join("survival.json")).unwrap();
    assert!(json.get("notes").is_none() && json["full_model"]["n"] == 432);
    for f in ["km.svg", "km.png", "summary.json"] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
}

#[test]
fn exams_left_out_of_the_survival_analysis_are_listed() {
    let (manifest, mut preds) = rossi_cohort();
    // Prisoner v5 loses its prediction row; an exam the manifest does not know is predicted.
    let table = &preds[0].table;
    let mut edited = RegionTable::new(table.regions().to_vec());
    for (exam, row) in table.rows().filter(|(e, _)| e.as_str() != "v5") {
        edited.insert(exam.clone(), row.to_vec());
    }
    edited.insert(ExamId::new("x1").unwrap(), vec![Some(0.5); 6]);
    preds[0].table = edited;
    let settings = SurvivalSettings {
        covariates: vec![Covariate::Age, Covariate::parse("fin")],
        km_region: "fin".into(),
        ..SurvivalSettings::default()
    };
    let analysis = SurvivalAnalysis::compute(&manifest, &preds, &settings).unwrap();
    assert_eq!(analysis.full_model.n, 431);
    let listed: Vec<(String, Option<&str>, &DropReason)> = (analysis.dropped.iter())
        .map(|d| (d.item.to_string(), d.region.as_deref(), &d.reason))
        .collect();
    assert_eq!(
        listed,
        [
            ("x1".to_string(), None, &DropReason::NotInManifest),
            ("v5".to_string(), Some("fin"), &DropReason::NoPredictionRow),
        ]
    );
    let json = analysis.to_json();
    assert_eq!(json["dropped"][1]["item"]["exam"], "v5");
    assert!(
        analysis
            .notes
            .iter()
            .any(|n| n.contains("(not in the manifest): x1")),
        "{:?}",
        analysis.notes
    );
}
