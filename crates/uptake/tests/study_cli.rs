//! `uptake study plan|run|status|report` as real processes: the tiny plan of a small synthetic
//! cohort end to end, and a run killed mid-plan that resumes without redoing finished runs.

mod cohort_fixture;

use cohort_fixture::{GRID, fails, ok, s, scratch};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const BIN: &str = "study_cli";

/// An eight-exam cohort ingested onto the test grid, once: (cohort folder, store).
fn cohort() -> &'static (PathBuf, PathBuf) {
    static COHORT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    COHORT.get_or_init(|| {
        let dir = scratch(&format!("{BIN}/cohort"));
        let synth = [
            "-q", "synth", "cohort", "--n", "8", "--small", "--seed", "5",
        ];
        ok(&[&synth[..], &["--lesion-scale", "2", "--out", s(&dir)]].concat());
        let store = dir.join("store");
        let manifest = dir.join("manifest.csv");
        let ingest = [
            "-q",
            "ingest",
            "--manifest",
            s(&manifest),
            "--out",
            s(&store),
        ];
        ok(&[&ingest[..], &GRID].concat());
        (dir, store)
    })
}

/// `uptake study plan --preset tiny` into a fresh folder `name`, on the image truth as weak
/// labels: the plan file.
fn tiny_plan(name: &str) -> PathBuf {
    let (dir, store) = cohort();
    let plan = scratch(&format!("{BIN}/{name}")).join("plan.toml");
    let (labels, manifest) = (dir.join("truth.csv"), dir.join("manifest.csv"));
    let (out, _) = ok(&[
        "study",
        "plan",
        "--store",
        s(store),
        "--labels",
        s(&labels),
        "--manifest",
        s(&manifest),
        "--preset",
        "tiny",
        "--out",
        s(&plan),
    ]);
    assert!(out.contains("6 runs"), "{out}");
    plan
}

fn run_json(plan: &Path, run: &str) -> PathBuf {
    plan.parent()
        .unwrap()
        .join("runs")
        .join(run)
        .join("run.json")
}

#[test]
fn the_tiny_plan_runs_end_to_end_and_its_report_names_every_experiment() {
    let plan = tiny_plan("end-to-end");
    let (out, err) = ok(&["study", "run", "--plan", s(&plan), "--jobs", "2"]);
    assert!(out.contains("6 finished, 0 skipped"), "{out}\n{err}");
    let (status, _) = ok(&["study", "status", "--plan", s(&plan)]);
    assert!(status.contains("6 of 6 runs done"), "{status}");
    let (out, _) = ok(&["study", "report", "--plan", s(&plan)]);
    let html = std::fs::read_to_string(plan.with_file_name("report.html")).unwrap();
    for experiment in ["weak", "sum-heads", "rare-from-multi-task"] {
        assert!(
            html.contains(experiment),
            "{experiment} not in the report\n{out}"
        );
    }
    assert!(html.contains("weak vs sum-heads"), "{out}");
    assert!(html.contains("paired permutation test over seeds"));
    // The nested Cox models of the weak model's every-exam predictions, and its worklist.
    assert!(html.contains("<h2>Survival</h2>"), "{out}");
    assert!(html.contains("<h2>Worklist triage</h2>"), "{out}");
    the_report_draws_its_figures_beside_their_numbers(&plan, &out);
    // A second run finds everything done.
    let (again, _) = ok(&["study", "run", "--plan", s(&plan)]);
    assert!(again.contains("0 finished, 6 skipped"), "{again}");
}

/// The rows of `<stem>.csv` below its header `columns`, after checking that `<stem>.svg` and
/// `<stem>.png` exist beside it.
fn figure_rows(stem: &Path, columns: &str) -> Vec<Vec<String>> {
    for ext in ["svg", "png"] {
        let file = stem.with_extension(ext);
        assert!(file.is_file(), "{} is missing", file.display());
    }
    let text = std::fs::read_to_string(stem.with_extension("csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(columns));
    lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The tiny plan's figures (`out`: what `study report` printed): the differences of its
/// comparison, one row per seed pair with both AUROCs; the rare-region starts; a worklist
/// per plan region.
fn the_report_draws_its_figures_beside_their_numbers(plan: &Path, out: &str) {
    let report = plan.with_file_name("report");
    let name = "weak-vs-sum-heads";
    let columns = "region,seed,auroc_a,auroc_b,difference,p";
    let rows = figure_rows(
        &report.join("differences").join(name).join("differences"),
        columns,
    );
    let comparison = json(&report.join("compare").join(name).join("comparison.json"));
    let mut expected = Vec::new();
    for r in comparison["regions"].as_array().unwrap() {
        let (a, b) = (
            r["a_per_seed"].as_array().unwrap(),
            r["b_per_seed"].as_array().unwrap(),
        );
        for (seed, (a, b)) in a.iter().zip(b).enumerate() {
            if let (Some(a), Some(b)) = (a.as_f64(), b.as_f64()) {
                expected.push((r["region"].as_str().unwrap().to_string(), seed, a - b));
            }
        }
    }
    assert_eq!(rows.len(), expected.len(), "{rows:?}");
    for (row, (region, seed, difference)) in rows.iter().zip(&expected) {
        assert_eq!((&row[0], &row[1]), (region, &seed.to_string()));
        assert!(
            (row[4].parse::<f64>().unwrap() - difference).abs() < 1e-5,
            "{row:?}"
        );
    }
    let stem = report.join("rare-regions/comparison/rare_regions");
    let rows = figure_rows(&stem, "start,region,seed,auroc");
    // One row per seed and rare region with an AUROC, as the evaluation of that start.
    let per_seed = report.join("evaluation/rare-from-multi-task/per_seed.csv");
    let per_seed = std::fs::read_to_string(per_seed).unwrap();
    let mut expected: Vec<(String, String)> = (per_seed.lines().skip(1))
        .map(|l| l.split(',').map(String::from).collect::<Vec<_>>())
        .filter(|cells| !cells[4].is_empty())
        .map(|cells| (cells[1].clone(), cells[4].clone()))
        .collect();
    let mut drawn: Vec<(String, String)> = (rows.iter())
        .map(|r| (r[1].clone(), r[3].clone()))
        .collect();
    expected.sort();
    drawn.sort();
    assert_eq!(drawn, expected);
    assert!(
        rows.iter().all(|r| r[0] == "rare-from-multi-task"),
        "{rows:?}"
    );
    // `full` and the two most prevalent regions; a worklist each, or the reason it is missing.
    let text = std::fs::read_to_string(plan).unwrap();
    let regions: toml::Value = toml::from_str(&text).unwrap();
    let regions = regions["worklist_regions"].as_array().unwrap();
    assert_eq!(regions[0].as_str(), Some("full"));
    for region in regions.iter().map(|r| r.as_str().unwrap()) {
        let stem = report.join("worklist/weak").join(region).join("worklist");
        let missing = format!("not in the report: worklist of weak for {region}: ");
        assert!(
            stem.with_extension("svg").is_file() || out.contains(&missing),
            "{region}"
        );
    }
    assert!(
        report.join("worklist/weak/full/worklist.csv").is_file(),
        "{out}"
    );
    assert_eq!(regions.len(), 3, "{text}");
}

#[test]
fn the_labelling_comparison_runs_and_its_report_section_scores_regex_and_rules() {
    let (dir, store) = cohort();
    let plan = scratch(&format!("{BIN}/labelling")).join("plan.toml");
    let (truth, reports) = (dir.join("truth.csv"), dir.join("reports.jsonl"));
    let (labels, hand) = (s(&truth), s(&truth));
    let args = [
        "--labels",
        labels,
        "--hand-labels",
        hand,
        "--reports",
        s(&reports),
    ];
    let tail = ["--preset", "tiny", "--out", s(&plan)];
    ok(&[&["study", "plan", "--store", s(store)][..], &args, &tail].concat());
    let (out, _) = ok(&["study", "run", "--plan", s(&plan), "--only", "labelling"]);
    assert!(out.contains("1 finished"), "{out}");
    let run = plan.with_file_name("runs").join("labelling-s0");
    assert!(run.join("labels-regex.csv").exists() && run.join("labels-rules.csv").exists());
    ok(&["study", "report", "--plan", s(&plan)]);
    let html = std::fs::read_to_string(plan.with_file_name("report.html")).unwrap();
    assert!(html.contains("labelling: the labelling methods against the hand labels"));
    assert!(html.contains("<td>rules</td>") && html.contains("<td>regex</td>"));
    let csv = plan
        .with_file_name("report")
        .join("labels/labelling/f1-difference.csv");
    assert!(std::fs::read_to_string(csv).unwrap().contains(",rules,0,"));
}

#[test]
fn an_edited_plan_reruns_exactly_the_runs_whose_settings_changed_and_says_so() {
    let plan = tiny_plan("edited");
    ok(&["study", "run", "--plan", s(&plan), "--only", "sum-heads"]);
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replace("head = \"sum\"", "head = \"multi-head\""),
    )
    .unwrap();
    let (status, _) = ok(&["study", "status", "--plan", s(&plan)]);
    assert!(status.contains("stale settings"), "{status}");
    let (out, err) = ok(&["study", "run", "--plan", s(&plan), "--only", "sum-heads"]);
    assert!(out.contains("2 finished, 0 skipped"), "{out}");
    assert!(
        err.contains("running sum-heads-s0 again: its settings changed"),
        "{err}"
    );
}

#[test]
fn emit_jobs_writes_a_slurm_array_task_per_run_each_running_its_run_id() {
    let plan = tiny_plan("jobs");
    let script = plan.with_file_name("jobs.sh");
    ok(&[
        "study",
        "run",
        "--plan",
        s(&plan),
        "--emit-jobs",
        s(&script),
    ]);
    let text = std::fs::read_to_string(&script).unwrap();
    let first = "STAGE_0=('weak-s0' 'weak-s1' 'sum-heads-s0' 'sum-heads-s1')";
    assert!(text.contains(first), "{text}");
    assert!(text.contains("STAGE_1=('rare-from-multi-task-s0' 'rare-from-multi-task-s1')"));
    let task = "study run --plan \"$PLAN\" --run-id \"${ids[$SLURM_ARRAY_TASK_ID]}\"";
    assert!(text.contains(task), "{text}");
    assert!(text.contains("--array=0-3"), "{text}");
    assert!(text.contains("--dependency=afterany:$job"), "{text}");
    assert!(
        !plan.with_file_name("runs").exists(),
        "emitting jobs runs nothing"
    );
}

#[test]
fn a_run_folder_of_another_plan_is_refused_and_the_other_runs_go_on() {
    let plan = tiny_plan("foreign");
    let folder = plan.with_file_name("runs").join("weak-s0");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("model.txt"), "someone else's").unwrap();
    let out = cohort_fixture::uptake(&["study", "run", "--plan", s(&plan), "--only", "weak"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("refusing to reuse it"), "{err}");
    assert!(err.contains("runs failed: weak-s0"), "{err}");
    assert!(is_done(&plan, "weak-s1"), "{err}");
    assert!(folder.join("model.txt").exists());
}

/// Whether the run's record says it is done.
fn is_done(plan: &Path, run: &str) -> bool {
    std::fs::read_to_string(run_json(plan, run)).is_ok_and(|t| t.contains("\"done\""))
}

#[test]
fn a_run_killed_mid_plan_resumes_without_redoing_finished_runs() {
    let plan = tiny_plan("resume");
    let mut child = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["study", "run", "--plan", s(&plan), "--only", "weak"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !is_done(&plan, "weak-s0") {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "weak-s0 never finished"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let record = std::fs::read_to_string(run_json(&plan, "weak-s0")).unwrap();
    let modified = std::fs::metadata(run_json(&plan, "weak-s0"))
        .unwrap()
        .modified()
        .unwrap();
    let (out, err) = ok(&["study", "run", "--plan", s(&plan), "--only", "weak"]);
    assert!(err.contains("skipped weak-s0 (done)"), "{err}");
    assert!(out.contains("1 skipped"), "{out}");
    assert!(!err.contains("running weak-s0"), "{err}");
    assert_eq!(
        std::fs::read_to_string(run_json(&plan, "weak-s0")).unwrap(),
        record
    );
    let again = std::fs::metadata(run_json(&plan, "weak-s0"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(again, modified);
    assert!(is_done(&plan, "weak-s1"));
}

/// The header of a run's predictions.
fn predicted_regions(plan: &Path, run: &str) -> String {
    let path = plan
        .with_file_name("runs")
        .join(run)
        .join("predictions.csv");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().next().unwrap().to_string()
}

#[test]
fn every_seed_of_a_learning_curve_share_learns_the_regions_of_all_training_exams() {
    let plan = tiny_plan("curve");
    let mut text = std::fs::read_to_string(&plan).unwrap();
    text.push_str(
        "\n[[experiments]]\nkind = \"learning-curve\"\nname = \"curve\"\nfractions = [0.5]\n",
    );
    std::fs::write(&plan, text).unwrap();
    ok(&[
        "study",
        "run",
        "--plan",
        s(&plan),
        "--only",
        "curve",
        "--jobs",
        "2",
    ]);
    ok(&[
        "study",
        "run",
        "--plan",
        s(&plan),
        "--only",
        "weak",
        "--jobs",
        "2",
    ]);
    let header = predicted_regions(&plan, "weak-s0");
    assert_eq!(predicted_regions(&plan, "curve-50pct-s0"), header);
    assert_eq!(predicted_regions(&plan, "curve-50pct-s1"), header);
    let (out, _) = ok(&["study", "report", "--plan", s(&plan)]);
    assert!(!out.contains("curve-50pct: region"), "{out}");
    // The learning curve's figure: a row per seed of the share, its macro AUROC.
    let report = plan.with_file_name("report");
    let stem = report.join("learning-curve/curve/learning_curve");
    let rows = figure_rows(&stem, "share,model,seed,auroc");
    let evaluation = json(&report.join("evaluation/curve-50pct/evaluation.json"));
    let macro_auroc = &evaluation["macro_over_seeds"][0];
    assert_eq!(macro_auroc[0], "auroc");
    let expected: Vec<Vec<String>> = (macro_auroc[1]["per_seed"].as_array().unwrap().iter())
        .enumerate()
        .filter_map(|(seed, a)| {
            Some(vec![
                "0.5".into(),
                "curve-50pct".into(),
                seed.to_string(),
                format!("{:.6}", a.as_f64()?),
            ])
        })
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn a_gpu_asked_of_a_cpu_build_is_refused_before_any_run_starts() {
    let plan = tiny_plan("cuda");
    let err = fails(&["study", "run", "--plan", s(&plan), "--device", "cuda"]);
    assert!(
        err.contains("built without GPU support") && err.contains("--features gpu"),
        "{err}"
    );
    assert!(!plan.parent().unwrap().join("runs").exists(), "nothing ran");
}
