//! `uptake report`: one HTML page from the folders the analysis commands write.

mod analysis_support;

use analysis_support::{chest_worklist, ok, perfect_chest, text, uptake};

#[test]
fn the_page_holds_the_tables_and_figures_of_each_section() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let run = dir.path().join("run");
    let eval = run.join("evaluation/scan");
    let worklist = run.join("worklist/chest");
    ok(&[
        "evaluate",
        "--pred",
        &pred,
        "--truth",
        &truth,
        "--title",
        "Scan model",
        "--out",
        eval.to_str().unwrap(),
    ]);
    chest_worklist(&pred, &truth, &["--out", worklist.to_str().unwrap()]);
    let html = run.join("report.html");
    let out = ok(&[
        "report",
        "--run",
        run.to_str().unwrap(),
        "--out",
        html.to_str().unwrap(),
        "--title",
        "Test run",
    ]);
    assert_eq!(out.trim(), html.display().to_string());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<title>Test run</title>"));
    let perf = page.find("<h2>Scan-model performance</h2>").unwrap();
    let triage = page.find("<h2>Worklist triage</h2>").unwrap();
    assert!(perf < triage);
    assert!(page.contains("<h3>Scan model</h3>"));
    // The evaluation's chest row and the worklist's table.
    assert!(
        page.contains("<tr><td>chest</td><td>10</td><td>4</td><td>1.000</td>"),
        "chest row missing"
    );
    assert!(page.contains("<td>fraction unread at 95 % sensitivity</td><td>0.600</td>"));
    // Figures are embedded, not linked.
    assert_eq!(page.matches("src=\"data:image/svg+xml;base64,").count(), 3);
}

#[test]
fn a_folder_without_summaries_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let o = uptake(&[
        "report",
        "--run",
        dir.path().to_str().unwrap(),
        "--out",
        html.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no summary.json found"), "{}", text(&o));
    assert!(!html.exists());
}

/// A run folder with one evaluation; returns (run, its summary.json).
fn one_evaluation(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (pred, truth) = perfect_chest(dir);
    let run = dir.join("run");
    let eval = run.join("evaluation/scan");
    let out = eval.to_str().unwrap();
    ok(&["evaluate", "--pred", &pred, "--truth", &truth, "--out", out]);
    (run.clone(), eval.join("summary.json"))
}

#[test]
fn a_figure_outside_the_run_folder_is_refused_by_name_and_not_embedded() {
    let dir = tempfile::tempdir().unwrap();
    let (run, summary) = one_evaluation(dir.path());
    std::fs::write(dir.path().join("secret.txt"), "the secret").unwrap();
    let html = dir.path().join("r.html");
    let absolute = dir.path().join("secret.txt").display().to_string();
    for file in ["../../../secret.txt", absolute.as_str()] {
        let text_in = std::fs::read_to_string(&summary).unwrap();
        let mut part: serde_json::Value = serde_json::from_str(&text_in).unwrap();
        part["figures"][0]["file"] = file.into();
        std::fs::write(&summary, part.to_string()).unwrap();
        let o = uptake(&[
            "report",
            "--run",
            run.to_str().unwrap(),
            "--out",
            html.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        let t = text(&o);
        assert!(
            t.contains(&format!("{file} resolves to")) && t.contains("outside the run folder"),
            "{t}"
        );
        assert!(!html.exists());
    }
}

#[test]
fn the_page_never_replaces_a_summary_or_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let (run, summary) = one_evaluation(dir.path());
    let before = std::fs::read_to_string(&summary).unwrap();
    let report = |out: &str| uptake(&["report", "--run", run.to_str().unwrap(), "--out", out]);
    let o = report(summary.to_str().unwrap());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("is the input"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), before);
    #[cfg(unix)]
    {
        let link = dir.path().join("page.html");
        std::os::unix::fs::symlink(dir.path().join("elsewhere.html"), &link).unwrap();
        let o = report(link.to_str().unwrap());
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o).contains("is a symbolic link"), "{}", text(&o));
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}
