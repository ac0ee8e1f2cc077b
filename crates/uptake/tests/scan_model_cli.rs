//! `uptake train`, `predict`, `finetune` and `localise` as real processes: a tiny network
//! trained for one epoch on a small synthetic cohort's image truth, then used.

mod cohort_fixture;

use cohort_fixture::{
    EXAMS, autopet_store, cohort, exam_ids, fails, manifest, ok, s, scratch, store,
};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const BIN: &str = "scan_model_cli";

/// The cohort's image truth (0/1 per task region) as training labels.
fn labels() -> PathBuf {
    cohort(BIN).join("truth.csv")
}

/// `uptake train --store --labels --out out`, the tiny network for one epoch, then `extra`.
fn train_args(out: &Path, extra: &[&str]) -> Vec<String> {
    let (store, labels) = (store(BIN), labels());
    let mut args: Vec<String> = [
        "train",
        "--store",
        s(store),
        "--labels",
        s(&labels),
        "--out",
        s(out),
        "--size",
        "tiny",
        "--epochs",
        "1",
        "--seed",
        "1",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

/// `uptake train` of the tiny network for one epoch into `out`, with `extra` options.
fn train(out: &Path, extra: &[&str]) -> (String, String) {
    let args = train_args(out, extra);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The run every test of this file uses: the default task selection.
fn run() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = scratch(&format!("{BIN}/run"));
        train(&out, &[]);
        out
    })
}

/// A run's task regions (its `config.json`).
fn regions_of(run: &Path) -> Vec<String> {
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    config["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

/// A CSV file as rows of cells.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Share of exams whose label for `region` is 1, in the truth table.
fn prevalence(region: &str) -> f64 {
    let rows = csv_rows(&labels());
    let col = rows[0].iter().position(|c| c == region).unwrap();
    let positive = rows[1..].iter().filter(|r| r[col] == "1").count();
    positive as f64 / (rows.len() - 1) as f64
}

#[test]
fn train_by_default_learns_the_regions_with_a_label_prevalence_of_ten_percent_or_more() {
    let regions = regions_of(run());
    assert!(!regions.is_empty());
    let header = &csv_rows(&labels())[0];
    for region in &header[1..] {
        let kept = regions.contains(region);
        assert_eq!(kept, prevalence(region) >= 0.1, "{region}");
    }
    for file in ["best.safetensors", "state.json", "metrics.jsonl"] {
        assert!(run().join(file).is_file(), "{file}");
    }
}

#[test]
fn train_with_regions_tasks_learns_all_30_task_regions() {
    let out = scratch(&format!("{BIN}/run-tasks"));
    let first = &exam_ids(BIN)[0];
    train(&out, &["--regions", "tasks", "--validation-exams", first]);
    let regions = regions_of(&out);
    assert_eq!(regions.len(), 30);
    assert_eq!(&regions[..2], ["full", "head_neck"]);
    let split: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("train.json")).unwrap()).unwrap();
    assert_eq!(split["validation_exams"], serde_json::json!([first]));
}

#[test]
fn train_refuses_a_region_that_is_no_task_region_and_a_label_source_without_its_file() {
    let out = scratch(&format!("{BIN}/run-bad"));
    let refused = |extra: &[&str]| {
        let args = train_args(&out, extra);
        fails(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let err = refused(&["--regions", "liver,spleen"]);
    assert!(err.contains("`spleen` is not a task region"), "{err}");
    let err = refused(&["--label-source", "hand"]);
    assert!(err.contains("--hand-labels is required"), "{err}");
}

#[test]
fn predict_writes_a_probability_per_exam_and_region() {
    let out = scratch(&format!("{BIN}/predict")).join("pred.csv");
    ok(&[
        "-q",
        "predict",
        "--model",
        s(run()),
        "--store",
        s(store(BIN)),
        "--out",
        s(&out),
    ]);
    let rows = csv_rows(&out);
    let regions = regions_of(run());
    assert_eq!(rows[0][0], "exam_id");
    assert_eq!(&rows[0][1..], &regions[..]);
    assert_eq!(rows.len(), 1 + EXAMS);
    let exams: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(exams, exam_ids(BIN));
    for row in &rows[1..] {
        for cell in &row[1..] {
            let p: f64 = cell.parse().unwrap();
            assert!((0.0..=1.0).contains(&p), "{cell}");
        }
    }
}

#[test]
fn predict_reads_an_exam_list_from_an_at_file_and_refuses_a_bare_file_name() {
    let dir = scratch(&format!("{BIN}/predict-list"));
    let list = dir.join("held-out.txt");
    let ids = exam_ids(BIN);
    std::fs::write(&list, format!("{}\n\n{}\n", ids[1], ids[3])).unwrap();
    let out = dir.join("pred.csv");
    let at_list = format!("@{}", list.display());
    let (model, store) = (run(), store(BIN));
    let args = [
        "-q",
        "predict",
        "--model",
        s(model),
        "--store",
        s(store),
        "--out",
        s(&out),
        "--exams",
    ];
    ok(&[&args[..], &[at_list.as_str()]].concat());
    let exams: Vec<String> = csv_rows(&out)[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(exams, [ids[1].clone(), ids[3].clone()]);
    let err = fails(&[&args[..], &[s(&list)]].concat());
    assert!(err.contains(&format!("write `{at_list}`")), "{err}");
}

/// `uptake finetune` from the shared run for one epoch into `out`, with `extra` options.
fn finetune(out: &Path, extra: &[&str]) -> String {
    let args = [
        "finetune",
        "--from",
        s(run()),
        "--store",
        s(store(BIN)),
        "--out",
        s(out),
        "--epochs",
        "1",
        "--seed",
        "2",
    ];
    ok(&[&args[..], extra].concat()).1
}

/// The epochs of a run's metrics.
fn epochs(run: &Path) -> usize {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .count()
}

#[test]
fn finetune_trains_a_summary_code_head_from_the_manifest() {
    let out = scratch(&format!("{BIN}/ft-summary"));
    let manifest = manifest(BIN);
    finetune(
        &out,
        &["--target", "summary-code", "--manifest", s(&manifest)],
    );
    assert_eq!(regions_of(&out), ["summary_code"]);
    assert_eq!(epochs(&out), 1);
}

#[test]
fn finetune_trains_a_mortality_head_for_the_horizon_in_days() {
    let out = scratch(&format!("{BIN}/ft-mortality"));
    let manifest = manifest(BIN);
    finetune(
        &out,
        &[
            "--target",
            "mortality",
            "--days",
            "365",
            "--manifest",
            s(&manifest),
        ],
    );
    assert_eq!(regions_of(&out), ["mortality_365d"]);
    let err = fails(&[
        "finetune", "--from", "r", "--store", "s", "--out", "o", "--days", "x",
    ]);
    assert!(err.contains("--days"), "{err}");
}

#[test]
fn finetune_on_regions_trains_one_single_task_run_per_region() {
    let out = scratch(&format!("{BIN}/ft-regions"));
    let labels = labels();
    finetune(&out, &["--regions", "liver,full", "--labels", s(&labels)]);
    assert_eq!(regions_of(&out.join("liver")), ["liver"]);
    assert_eq!(regions_of(&out.join("full")), ["full"]);
    assert_eq!(epochs(&out.join("full")), 1);
}

/// One row of the localisation JSON.
#[derive(serde::Deserialize, Debug)]
struct Row {
    region: String,
    positive_exams: usize,
    attention_in_box: f64,
    box_share: f64,
    attention_near_lesions: f64,
    near_lesions_share: f64,
}

#[test]
fn localise_prints_and_writes_the_attention_shares_of_each_region_with_lesions() {
    let dir = scratch(&format!("{BIN}/localise"));
    let json = dir.join("loc.json");
    let manifest = manifest(BIN);
    let (stdout, _) = ok(&[
        "-q",
        "localise",
        "--model",
        s(run()),
        "--store",
        s(store(BIN)),
        "--manifest",
        s(&manifest),
        "--out",
        s(&json),
    ]);
    let rows: Vec<Row> = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let regions = regions_of(run());
    // `full` holds every lesion, so every exam with a lesion counts for it.
    let full = rows.iter().find(|r| r.region == "full").expect("full");
    assert!(full.positive_exams >= 1 && full.positive_exams <= EXAMS);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("region") && lines[0].contains("in box (share, x)"));
    assert_eq!(lines.len(), 1 + rows.len() + 1, "{stdout}");
    for (row, line) in rows.iter().zip(&lines[1..]) {
        assert!(regions.contains(&row.region), "{}", row.region);
        for share in [
            row.attention_in_box,
            row.box_share,
            row.attention_near_lesions,
            row.near_lesions_share,
        ] {
            assert!((0.0..=1.0 + 1e-9).contains(&share), "{row:?}");
        }
        let expected = format!(
            "{:<28} {:>5} {:>6.3} ({:.3},",
            row.region, row.positive_exams, row.attention_in_box, row.box_share
        );
        assert!(line.starts_with(&expected), "{line} vs {expected}");
    }
    let regional: Vec<&Row> = rows.iter().filter(|r| r.region != "full").collect();
    let mean = regional.iter().map(|r| r.box_share).sum::<f64>() / regional.len() as f64;
    let last = lines.last().unwrap();
    assert!(
        last.starts_with(&format!("mean over {} regions", regional.len()))
            && last.contains(&format!("vs share {mean:.3}")),
        "{last}"
    );
}

#[test]
fn localise_measures_attention_against_the_lesion_masks_of_a_nifti_dataset() {
    let dir = scratch(&format!("{BIN}/localise-masks"));
    autopet_store(&dir, &["-q"]);
    let store = dir.join("store");
    let (stdout, _) = ok(&[
        "-q",
        "localise",
        "--model",
        s(run()),
        "--store",
        s(&store),
        "--lesion-masks",
    ]);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("task") && lines[0].contains("near lesions (share, x)"));
    let regions = regions_of(run());
    assert_eq!(lines.len(), 1 + regions.len(), "{stdout}");
    for (line, region) in lines[1..].iter().zip(&regions) {
        // Every task counts the exams whose masks hold a lesion (the cohort's abnormal ones).
        assert!(line.starts_with(&format!("{region:<28} ")), "{line}");
        let exams: usize = line[28..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&exams), "{line}");
    }
}

#[test]
fn predictions_of_three_shards_merge_into_the_unsharded_predictions_value_for_value() {
    let dir = scratch(&format!("{BIN}/shards"));
    let predict = |out: &Path, extra: &[&str]| {
        let (model, store, out) = (s(run()), s(store(BIN)), s(out));
        let mut args = vec![
            "-q", "predict", "--model", model, "--store", store, "--out", out,
        ];
        args.extend(extra);
        ok(&args);
    };
    let whole = dir.join("whole.csv");
    predict(&whole, &[]);
    let parts: Vec<PathBuf> = (0..3).map(|i| dir.join(format!("part-{i}.csv"))).collect();
    for (i, part) in parts.iter().enumerate() {
        predict(part, &["--shard", &format!("{i}/3")]);
    }
    let sizes: Vec<usize> = parts.iter().map(|p| csv_rows(p).len() - 1).collect();
    assert_eq!(sizes.iter().sum::<usize>(), EXAMS, "{sizes:?}");
    let list = dir.join("exams.txt");
    std::fs::write(&list, exam_ids(BIN).join("\n")).unwrap();
    let at_list = format!("@{}", list.display());
    let merged = dir.join("merged.csv");
    let mut merge = vec!["merge", "--exams", &at_list, "--out", s(&merged)];
    merge.extend(parts.iter().map(|p| s(p)));
    let (_, stderr) = ok(&merge);
    assert!(stderr.contains(&format!("{EXAMS} exams x")), "{stderr}");
    assert_eq!(csv_rows(&merged), csv_rows(&whole));

    // A shard given twice, or missing, is refused and nothing is written.
    let refused = dir.join("refused.csv");
    let (a, b) = (s(&parts[0]), s(&parts[1]));
    let twice = fails(&["merge", "--out", s(&refused), a, b, a]);
    assert!(twice.contains("is given twice"), "{twice}");
    let missing = fails(&["merge", "--exams", &at_list, "--out", s(&refused), a, b]);
    assert!(
        missing.contains("expected exam(s) are in no shard"),
        "{missing}"
    );
    assert!(!refused.exists());
}

/// A CSV file's header, then its rows in exam order.
fn sorted_rows(path: &Path) -> Vec<Vec<String>> {
    let mut rows = csv_rows(path);
    rows[1..].sort();
    rows
}

#[test]
fn labels_and_localisation_of_three_shards_merge_into_the_unsharded_outputs_value_for_value() {
    let dir = scratch(&format!("{BIN}/label-localise-shards"));
    let list = dir.join("exams.txt");
    std::fs::write(&list, exam_ids(BIN).join("\n")).unwrap();
    let at_list = format!("@{}", list.display());
    let (reports, manifest) = (cohort(BIN).join("reports.jsonl"), manifest(BIN));
    let label = ["-q", "label", "--reports", s(&reports), "--out"];
    let (model, store) = (s(run()), s(store(BIN)));
    let localise = [
        "-q",
        "localise",
        "--model",
        model,
        "--store",
        store,
        "--manifest",
        s(&manifest),
        "--per-exam",
    ];
    for (name, command) in [("labels", &label[..]), ("localisation", &localise[..])] {
        let whole = dir.join(format!("{name}.csv"));
        let (whole_stdout, _) = ok(&[command, &[s(&whole)]].concat());
        let parts: Vec<PathBuf> = (0..3)
            .map(|i| dir.join(format!("{name}-{i}.csv")))
            .collect();
        for (i, part) in parts.iter().enumerate() {
            ok(&[command, &[s(part), "--shard", &format!("{i}/3")]].concat());
        }
        let sizes: Vec<usize> = parts.iter().map(|p| csv_rows(p).len() - 1).collect();
        assert_eq!(sizes.iter().sum::<usize>(), EXAMS, "{name}: {sizes:?}");
        let merged = dir.join(format!("{name}-merged.csv"));
        let mut merge = vec!["merge", "--exams", &at_list, "--out", s(&merged)];
        merge.extend(parts.iter().map(|p| s(p)));
        let (merged_stdout, _) = ok(&merge);
        assert_eq!(sorted_rows(&merged), sorted_rows(&whole), "{name}");
        // The localisation's figures of the merged shards are those of the whole run.
        assert_eq!(merged_stdout, whole_stdout, "{name}");
        let missing = fails(&[
            "merge",
            "--exams",
            &at_list,
            "--out",
            s(&merged),
            s(&parts[0]),
        ]);
        assert!(missing.contains("in no shard"), "{missing}");
    }
}
