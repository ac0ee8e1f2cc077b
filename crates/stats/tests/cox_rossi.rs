//! The Cox model reproduces the published fit of the Rossi et al. (1980) recidivism data
//! (432 released prisoners, weeks to re-arrest), as printed by R's `coxph` (Efron ties) in
//! Fox & Weisberg, "Cox Proportional-Hazards Regression for Survival Data in R", and by
//! lifelines' `CoxPHFitter` documentation. The fixture `tests/fixtures/rossi.csv` is
//! `lifelines/datasets/rossi.csv` from the lifelines 0.30.3 wheel on PyPI (MIT licence).

use uptake_core::manifest::Split;
use uptake_core::{ExamId, Manifest, ManifestEntry, RegionTable};
use uptake_stats::survival::{SurvivalData, Ties, fit_cox, harrell_c};
use uptake_stats::{Covariate, PredictionFile, SurvivalAnalysis, SurvivalSettings};

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
    let risk = full.linear_predictor(&data.x);
    let c = harrell_c(&data.time, &data.event, &risk).unwrap();
    // lifelines reports a concordance of 0.64 for this fit.
    assert!((c - 0.64).abs() < 0.01, "{c}");
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
    // The test split is a copy of the fit split: the full model's concordance as lifelines'.
    assert!((analysis.harrell_c_full.unwrap() - 0.64).abs() < 0.01);
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
