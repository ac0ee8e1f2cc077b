//! The HTML report renders its figures in a real browser (headless Chromium, no network).
//!
//! Needs Debian's chromium (scripts/setup.d/30-chromium.sh installs it; `UPTAKE_CHROMIUM`
//! overrides the path). The test fails, never skips, when it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use uptake_stats::plots;
use uptake_stats::report::{ReportFigure, ReportPart, ReportTable, build_report};
use uptake_stats::survival::{KmGroup, kaplan_meier};

fn chromium() -> PathBuf {
    let path = PathBuf::from(
        std::env::var("UPTAKE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
    );
    assert!(
        path.exists(),
        "{} not found: run scripts/setup (scripts/setup.d/30-chromium.sh installs Debian's chromium) or set UPTAKE_CHROMIUM",
        path.display()
    );
    path
}

fn write_run(run: &Path) {
    let eval = run.join("evaluation/scan");
    let rows = vec![
        plots::AurocRow {
            region: "chest".into(),
            mean: 0.86,
            ci: Some((0.84, 0.88)),
            per_seed: vec![0.85, 0.87, 0.86],
        },
        plots::AurocRow {
            region: "liver".into(),
            mean: 0.9,
            ci: Some((0.88, 0.91)),
            per_seed: vec![0.89, 0.9, 0.91],
        },
    ];
    plots::auroc_by_region(&eval.join("auroc"), "AUROC", &rows).unwrap();
    ReportPart {
        kind: "evaluation".into(),
        title: "Scan model".into(),
        notes: vec![],
        tables: vec![ReportTable {
            caption: "metrics".into(),
            columns: vec!["region".into(), "AUROC".into()],
            rows: vec![vec!["chest".into(), "0.860".into()]],
        }],
        figures: vec![ReportFigure {
            caption: "AUROC per region".into(),
            file: "auroc.svg".into(),
        }],
    }
    .write(&eval)
    .unwrap();
    let surv = run.join("survival/cox");
    let km = kaplan_meier(
        &[1.0, 2.0, 3.0, 3.0, 4.0, 5.0],
        &[true, false, true, true, false, true],
        0.95,
    );
    let all = KmGroup {
        label: "all".into(),
        steps: km,
    };
    plots::kaplan_meier_curves(&surv.join("km"), "KM", &[all]).unwrap();
    ReportPart {
        kind: "survival".into(),
        title: "Survival".into(),
        notes: vec![],
        tables: vec![],
        // The PNG variant, to check both embeddings.
        figures: vec![ReportFigure {
            caption: "Kaplan-Meier".into(),
            file: "km.png".into(),
        }],
    }
    .write(&surv)
    .unwrap();
}

#[test]
fn headless_chromium_renders_every_figure_of_the_report_with_a_size() {
    let browser = chromium();
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    write_run(&run);
    let html = build_report(&run, "test run").unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page must not reference the network"
    );
    // A probe appended to a copy of the page records, after load, how many images decoded with
    // a non-zero natural and laid-out size.
    let probe = "<script>window.addEventListener('load',()=>{const im=[...document.images];\
        const ok=im.filter(i=>i.complete&&i.naturalWidth>0&&i.getBoundingClientRect().width>0&&i.getBoundingClientRect().height>0);\
        document.body.setAttribute('data-rendered',ok.length+'/'+im.length);});</script>";
    let page = dir.path().join("report.html");
    std::fs::write(&page, html.replace("</body>", &format!("{probe}</body>"))).unwrap();
    let profile = dir.path().join("profile");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dom.contains("data-rendered=\"2/2\""),
        "not every figure rendered: {}",
        &dom[..dom.len().min(600)]
    );
    assert!(dom.contains("Scan-model performance") && dom.contains("Survival"));
}
