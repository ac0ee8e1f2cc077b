//! The run report: one self-contained HTML page (no network: figures are embedded as data URIs)
//! assembled from the `summary.json` files the analysis commands write with `--out DIR`.
//!
//! Layout of a run folder (each command's `--out` points at one sub-folder):
//! ```text
//! RUN/labels/<name>/summary.json      label quality (uptake evaluate of weak labels vs hand labels)
//! RUN/evaluation/<name>/summary.json  scan-model performance (uptake evaluate of predictions)
//! RUN/compare/<name>/summary.json     model comparisons (uptake compare)
//! RUN/worklist/<name>/summary.json    worklist triage (uptake worklist)
//! RUN/survival/<name>/summary.json    survival analysis (uptake survival)
//! ```
//! Any other top-level folder becomes a section named after it. Figures listed in a summary are
//! files beside it (SVG preferred, PNG accepted).
//!
//! The report reads only regular files inside the run folder: every summary and figure path is
//! resolved (links included) and refused, by name, when it lies outside the run folder, so a
//! summary naming `../../secret.txt` or `/etc/hostname` never ends up embedded in the page. The
//! page is never written over one of the files it read, a link or a special file.

use base64::Engine;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use uptake_core::output_guard::{OutputGuardError, check_output};

/// The file every analysis command writes into its `--out` folder.
pub const SUMMARY_FILE: &str = "summary.json";

/// A table of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportTable {
    /// Caption above the table.
    pub caption: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
}

/// A figure of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportFigure {
    /// Caption under the figure.
    pub caption: String,
    /// File name relative to the summary's folder.
    pub file: String,
}

/// What one command contributes to the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPart {
    /// `evaluation`, `comparison`, `worklist`, `survival`.
    pub kind: String,
    /// Heading of the part.
    pub title: String,
    /// Notes shown above the tables.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Tables.
    #[serde(default)]
    pub tables: Vec<ReportTable>,
    /// Figures (files beside the summary).
    #[serde(default)]
    pub figures: Vec<ReportFigure>,
}

/// A report that cannot be built or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The run folder is not a folder.
    #[error("{path} is not a folder")]
    NotADir {
        /// The path given.
        path: PathBuf,
    },
    /// A folder or summary cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A summary is not valid.
    #[error("{path}: not a valid summary file: {source}")]
    Json {
        /// The summary.
        path: PathBuf,
        /// What the parser said.
        source: serde_json::Error,
    },
    /// No summary below the run folder.
    #[error(
        "{path}: no {SUMMARY_FILE} found below it (write them with `--out RUN/<section>/<name>`)"
    )]
    Empty {
        /// The run folder.
        path: PathBuf,
    },
    /// A figure named by a summary is missing.
    #[error("{summary}: figure {file} is missing: {source}")]
    MissingFigure {
        /// The summary.
        summary: PathBuf,
        /// The figure file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// A summary or figure resolves to a path outside the run folder.
    #[error(
        "{summary}: {file} resolves to {resolved}, outside the run folder {run}: refusing to read it"
    )]
    OutsideRun {
        /// The summary naming it (or the summary itself).
        summary: PathBuf,
        /// The name as written.
        file: String,
        /// Where it resolves to.
        resolved: PathBuf,
        /// The run folder, resolved.
        run: PathBuf,
    },
    /// A figure is not a regular file (a folder, a device, a pipe).
    #[error("{summary}: figure {file} is not a regular file")]
    NotAFile {
        /// The summary naming it.
        summary: PathBuf,
        /// The name as written.
        file: String,
    },
    /// A summary or the page cannot be written.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The page would replace one of the files it was built from, a link or a special file.
    #[error(transparent)]
    Output(#[from] OutputGuardError),
}

impl ReportPart {
    /// Writes `DIR/summary.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, ReportError> {
        let path = dir.join(SUMMARY_FILE);
        uptake_core::json::write_json(&path, self).map_err(|e| ReportError::Write {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(path)
    }
}

/// Section order and titles of the known folders (`study`, `differences`, `balance`,
/// `rare-regions`, `learning-curve` and `mortality` are written by the study report).
const SECTIONS: [(&str, &str); 11] = [
    ("study", "Plan"),
    ("labels", "Label quality"),
    ("evaluation", "Scan-model performance"),
    ("compare", "Comparisons"),
    ("differences", "AUROC differences per region"),
    ("balance", "Multi- vs single-task against class balance"),
    ("rare-regions", "Rare regions"),
    ("learning-curve", "Learning curve"),
    ("worklist", "Worklist triage"),
    ("mortality", "Mortality"),
    ("survival", "Survival"),
];

fn find_summaries(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), ReportError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ReportError::Io {
        path: dir.into(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() && depth < 4 {
            find_summaries(&p, depth + 1, out)?;
        } else if p.file_name().is_some_and(|n| n == SUMMARY_FILE) {
            out.push(p);
        }
    }
    Ok(())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The parts below one top-level folder of the run (`key`; empty for RUN itself).
struct Section {
    key: String,
    parts: Vec<(PathBuf, ReportPart)>,
}

impl Section {
    fn title(&self) -> String {
        match SECTIONS.iter().find(|(s, _)| *s == self.key) {
            Some((_, t)) => t.to_string(),
            None if self.key.is_empty() => "Results".to_string(),
            None => self.key.clone(),
        }
    }
}

/// A path named by `summary` (as `file`) resolved, links included; refused unless it is a
/// regular file inside `run` (already resolved).
fn inside_run(run: &Path, summary: &Path, file: &str, path: &Path) -> Result<PathBuf, ReportError> {
    let resolved = std::fs::canonicalize(path).map_err(|source| ReportError::MissingFigure {
        summary: summary.to_path_buf(),
        file: file.to_string(),
        source,
    })?;
    if !resolved.starts_with(run) {
        return Err(ReportError::OutsideRun {
            summary: summary.to_path_buf(),
            file: file.to_string(),
            resolved,
            run: run.to_path_buf(),
        });
    }
    if !resolved.is_file() {
        return Err(ReportError::NotAFile {
            summary: summary.to_path_buf(),
            file: file.to_string(),
        });
    }
    Ok(resolved)
}

/// The run folder, resolved.
fn resolved_run(run: &Path) -> Result<PathBuf, ReportError> {
    std::fs::canonicalize(run).map_err(|source| ReportError::Io {
        path: run.into(),
        source,
    })
}

/// Reads every summary below `run`, grouped by the first folder below it, known sections
/// first in their fixed order, then the others by name.
fn read_sections(run: &Path) -> Result<Vec<Section>, ReportError> {
    let mut summaries = Vec::new();
    find_summaries(run, 0, &mut summaries)?;
    if summaries.is_empty() {
        return Err(ReportError::Empty { path: run.into() });
    }
    let resolved = resolved_run(run)?;
    let mut sections: Vec<Section> = Vec::new();
    for path in summaries {
        let name = path.display().to_string();
        inside_run(&resolved, &path, &name, &path)?;
        let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Io {
            path: path.clone(),
            source,
        })?;
        let part: ReportPart = serde_json::from_str(&text).map_err(|source| ReportError::Json {
            path: path.clone(),
            source,
        })?;
        let rel = path.strip_prefix(run).unwrap_or(&path);
        let key = match rel.components().count() {
            0 | 1 => String::new(),
            _ => rel
                .components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        match sections.iter_mut().find(|s| s.key == key) {
            Some(s) => s.parts.push((path, part)),
            None => sections.push(Section {
                key,
                parts: vec![(path, part)],
            }),
        }
    }
    let rank = |k: &str| {
        SECTIONS
            .iter()
            .position(|(s, _)| *s == k)
            .unwrap_or(SECTIONS.len())
    };
    sections.sort_by(|a, b| rank(&a.key).cmp(&rank(&b.key)).then(a.key.cmp(&b.key)));
    Ok(sections)
}

/// Builds the HTML page of a run folder.
pub fn build_report(run: &Path, title: &str) -> Result<String, ReportError> {
    Ok(build_page(run, title)?.0)
}

/// The HTML page of a run folder, and every file it was built from (resolved).
fn build_page(run: &Path, title: &str) -> Result<(String, Vec<PathBuf>), ReportError> {
    if !run.is_dir() {
        return Err(ReportError::NotADir { path: run.into() });
    }
    let sections = read_sections(run)?;
    let resolved = resolved_run(run)?;
    let mut inputs: Vec<PathBuf> = (sections.iter())
        .flat_map(|s| s.parts.iter().map(|(p, _)| p.clone()))
        .collect();
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\n\
body{{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222}}\n\
h1{{border-bottom:2px solid #336}}h2{{margin-top:2em;color:#336}}\n\
table{{border-collapse:collapse;margin:1em 0;font-size:0.9em}}\n\
th,td{{border:1px solid #ccc;padding:3px 8px;text-align:right}}th{{background:#eef}}\n\
td:first-child,th:first-child{{text-align:left}}\n\
figure{{margin:1em 0}}figure img{{max-width:100%;border:1px solid #ddd}}\n\
.note{{color:#844;font-size:0.9em}}nav a{{margin-right:1em}}\n</style></head><body>\n<h1>{t}</h1>\n<p>Run folder: <code>{run}</code></p>\n<nav>",
        t = esc(title),
        run = esc(&run.display().to_string())
    );
    for (i, section) in sections.iter().enumerate() {
        let _ = write!(html, "<a href=\"#s{i}\">{}</a>", esc(&section.title()));
    }
    html.push_str("</nav>\n");
    for (i, section) in sections.iter().enumerate() {
        let _ = writeln!(
            html,
            "<section id=\"s{i}\"><h2>{}</h2>",
            esc(&section.title())
        );
        for (path, part) in &section.parts {
            inputs.extend(render_part(&mut html, &resolved, path, part)?);
        }
        html.push_str("</section>\n");
    }
    html.push_str("</body></html>\n");
    Ok((html, inputs))
}

/// One part: its heading, notes, tables and embedded figures; returns the figure files read.
fn render_part(
    html: &mut String,
    run: &Path,
    path: &Path,
    part: &ReportPart,
) -> Result<Vec<PathBuf>, ReportError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let _ = writeln!(html, "<h3>{}</h3>", esc(&part.title));
    for note in &part.notes {
        let _ = writeln!(html, "<p class=\"note\">{}</p>", esc(note));
    }
    for table in &part.tables {
        let _ = write!(
            html,
            "<table><caption>{}</caption><tr>",
            esc(&table.caption)
        );
        for c in &table.columns {
            let _ = write!(html, "<th>{}</th>", esc(c));
        }
        html.push_str("</tr>\n");
        for row in &table.rows {
            html.push_str("<tr>");
            for cell in row {
                let _ = write!(html, "<td>{}</td>", esc(cell));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</table>\n");
    }
    let mut read = Vec::new();
    for fig in &part.figures {
        let file = inside_run(run, path, &fig.file, &dir.join(&fig.file))?;
        let bytes = std::fs::read(&file).map_err(|source| ReportError::MissingFigure {
            summary: path.to_path_buf(),
            file: fig.file.clone(),
            source,
        })?;
        read.push(file);
        let mime = if fig.file.ends_with(".svg") {
            "image/svg+xml"
        } else {
            "image/png"
        };
        let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let _ = writeln!(
            html,
            "<figure><img alt=\"{c}\" src=\"data:{mime};base64,{data}\"><figcaption>{c}</figcaption></figure>",
            c = esc(&fig.caption)
        );
    }
    Ok(read)
}

/// Builds the report of the run folder `run` and writes it to `out` atomically; refuses an
/// `out` that is one of the files the page was built from, a link or a special file.
pub fn write_report(run: &Path, out: &Path, title: &str) -> Result<(), ReportError> {
    let (html, inputs) = build_page(run, title)?;
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    check_output(out, &inputs)?;
    uptake_core::write_atomic(out, |w| std::io::Write::write_all(w, html.as_bytes())).map_err(
        |e| ReportError::Write {
            path: out.to_path_buf(),
            message: e.to_string(),
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(title: &str) -> ReportPart {
        ReportPart {
            kind: "evaluation".into(),
            title: title.into(),
            notes: vec!["liver: AUROC undefined <no positives>".into()],
            tables: vec![ReportTable {
                caption: "metrics".into(),
                columns: vec!["region".into(), "auroc".into()],
                rows: vec![vec!["chest".into(), "0.850".into()]],
            }],
            figures: vec![],
        }
    }

    #[test]
    fn sections_follow_the_run_layout_in_a_fixed_order() {
        let dir = tempfile::tempdir().unwrap();
        part("Scan model")
            .write(&dir.path().join("evaluation/scan"))
            .unwrap();
        part("Regex labels")
            .write(&dir.path().join("labels/regex"))
            .unwrap();
        let html = build_report(dir.path(), "Run").unwrap();
        let labels = html.find("<h2>Label quality</h2>").unwrap();
        let scan = html.find("<h2>Scan-model performance</h2>").unwrap();
        assert!(labels < scan);
        assert!(html.contains("Regex labels") && html.contains("<td>0.850</td>"));
        assert!(html.contains("&lt;no positives&gt;"), "text is escaped");
    }

    #[test]
    fn the_study_sections_have_titles_and_the_plan_comes_first() {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["rare-regions/comparison", "evaluation/weak", "study/plan"] {
            part(folder).write(&dir.path().join(folder)).unwrap();
        }
        let html = build_report(dir.path(), "Run").unwrap();
        let at = |h: &str| html.find(&format!("<h2>{h}</h2>")).unwrap();
        assert!(at("Plan") < at("Scan-model performance"));
        assert!(at("Scan-model performance") < at("Rare regions"));
    }

    #[test]
    fn an_empty_run_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            build_report(dir.path(), "Run"),
            Err(ReportError::Empty { .. })
        ));
    }

    #[test]
    fn a_figure_outside_the_run_folder_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        let run = dir.path().join("run");
        let absolute = dir.path().join("secret.txt").display().to_string();
        for file in ["../../../secret.txt", &absolute] {
            let mut p = part("x");
            p.figures = vec![ReportFigure {
                caption: "leak".into(),
                file: file.into(),
            }];
            p.write(&run.join("evaluation/a")).unwrap();
            let err = build_report(&run, "Run").unwrap_err();
            assert!(matches!(err, ReportError::OutsideRun { .. }), "{err}");
            let text = err.to_string();
            assert!(
                text.contains(file) && text.contains("outside the run folder"),
                "{text}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_inside_the_run_folder_to_a_file_outside_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        let run = dir.path().join("run");
        let mut p = part("x");
        p.figures = vec![ReportFigure {
            caption: "leak".into(),
            file: "fig.svg".into(),
        }];
        p.write(&run.join("evaluation/a")).unwrap();
        let link = run.join("evaluation/a/fig.svg");
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), link).unwrap();
        let err = build_report(&run, "Run").unwrap_err().to_string();
        assert!(
            err.contains("fig.svg resolves to") && err.contains("secret.txt"),
            "{err}"
        );
    }

    #[test]
    fn the_page_is_never_written_over_a_summary_it_read() {
        let dir = tempfile::tempdir().unwrap();
        let summary = part("x").write(&dir.path().join("evaluation/a")).unwrap();
        let before = std::fs::read_to_string(&summary).unwrap();
        let err = write_report(dir.path(), &summary, "Run").unwrap_err();
        assert!(err.to_string().contains("is the input"), "{err}");
        assert_eq!(std::fs::read_to_string(&summary).unwrap(), before);
    }

    #[test]
    fn a_missing_figure_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = part("x");
        p.figures.push(ReportFigure {
            caption: "roc".into(),
            file: "roc.svg".into(),
        });
        p.write(&dir.path().join("evaluation/a")).unwrap();
        let err = build_report(dir.path(), "Run").unwrap_err().to_string();
        assert!(err.contains("roc.svg"), "{err}");
    }
}
