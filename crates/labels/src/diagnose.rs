//! What a labeller author needs to know after a label model fit: per task region and labeller,
//! how often it speaks, overlaps and conflicts with the others and how accurate the model
//! found it; and the sentences where the labellers disagree most, ranked.
//!
//! A labeller *speaks* on a mention when its probability is decisive (at most 0.1 or at least
//! 0.9); in between it abstains. Coverage is the share of mentions it speaks on; overlap the
//! share where it and another labeller speak; conflict the share where another speaking
//! labeller says the opposite (Snorkel's labelling-function summary, with abstaining read as
//! "not decisive").
//!
//! A mention's *conflict* is the evidence on the losing side: the log odds the fitted model
//! gives the labellers that disagree with the combined call, summed, each read from its own
//! table (a member of a joint view too, so that a view of rules x model whose members disagree
//! is disputed). Dissent of a labeller the model has learned to discount weighs little; two
//! trusted labellers at odds weigh much. A sentence ranks by its most conflicted mention.

use crate::fit_summary::FitSummary;
use crate::label_model::{HEADER_PROBABILITY, LabelModel};
use crate::rules::layout_headers;
use crate::scorer::{ScoreError, SentenceMentions};
use crate::weak::sentence_mentions;
use std::fmt::{self, Write as _};
use std::io::Write;
use std::path::{Path, PathBuf};
use uptake_core::{AtomicWriteError, ByteSpan, CharSpan, write_atomic};
use uptake_ontology::{Ontology, RegionId};
use uptake_reports::TaggedSentence;

/// A probability at most this far from 0 or 1 is a decisive vote.
const DECISIVE: f64 = 0.1;

/// One labeller in one task region (or `all`).
#[derive(Debug, Clone, PartialEq)]
pub struct LabellerRegion {
    /// The task region, or `all`.
    pub region: String,
    /// The labeller.
    pub labeller: String,
    /// Mentions of the region (and the regions below it that are not task regions).
    pub mentions: usize,
    /// Share of them where the labeller is decisive.
    pub coverage: f64,
    /// Share where it and at least one other labeller are decisive.
    pub overlap: f64,
    /// Share where it is decisive and another decisive labeller says the opposite.
    pub conflict: f64,
    /// Share where its call (>= 0.5) is the combined call.
    pub agrees_with_combined: f64,
    /// The sensitivity the label model learned for it there (`None` for `all`).
    pub learned_sensitivity: Option<f64>,
    /// The specificity the label model learned for it there (`None` for `all`).
    pub learned_specificity: Option<f64>,
}

/// One mention of a disputed sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct DisputedMention {
    /// Where it is in the sentence, in characters.
    pub span: CharSpan,
    /// The region it names.
    pub region: String,
    /// Each labeller's probability.
    pub votes: Vec<f64>,
    /// The label model's probability.
    pub combined: f64,
    /// Log odds on the losing side (see the module docs).
    pub conflict: f64,
}

/// A sentence where the labellers disagree. Its text is only for the HTML page written for
/// the user: never log it.
#[derive(Debug, Clone, PartialEq)]
pub struct DisputedSentence {
    /// `<exam>:<index>`, as `uptake tag` and `uptake annotate` name sentences.
    pub id: String,
    /// The sentence.
    pub text: String,
    /// Its mentions.
    pub mentions: Vec<DisputedMention>,
    /// The largest conflict of its mentions.
    pub conflict: f64,
}

/// The diagnostics of a fitted label model on a set of sentences.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostics {
    /// What the label model's fit saw and did.
    pub fit: FitSummary,
    /// The labellers, in the order of every `votes`.
    pub labellers: Vec<String>,
    /// Per task region (in ontology order, then `all`) and labeller.
    pub rows: Vec<LabellerRegion>,
    /// Every sentence with a mention, most disputed first (ties: in input order).
    pub ranking: Vec<DisputedSentence>,
}

/// Diagnoses `model` on `sentences` (tagged sentences; those without mentions are skipped).
/// The labellers score each sentence once (the fit's sentences come from the model's cache).
pub fn diagnose(
    model: &mut LabelModel,
    sentences: &[TaggedSentence],
) -> Result<Diagnostics, ScoreError> {
    let ontology = model.ontology().clone();
    let tagged: Vec<&TaggedSentence> = sentences
        .iter()
        .filter(|t| !t.mentions.is_empty())
        .collect();
    let batch: Vec<SentenceMentions<'_>> = tagged
        .iter()
        .map(|t| sentence_mentions(t, &ontology))
        .collect();
    let votes = model.votes(&batch)?;
    let mut ranking: Vec<DisputedSentence> = tagged
        .iter()
        .zip(&votes)
        .map(|(t, v)| disputed(model, &ontology, t, v))
        .collect();
    ranking.sort_by(|a, b| b.conflict.total_cmp(&a.conflict));
    let rows = labeller_rows(model, &ontology, &ranking);
    Ok(Diagnostics {
        fit: model.summary().clone(),
        labellers: model.labeller_names().to_vec(),
        rows,
        ranking,
    })
}

/// The combined call of a mention and its conflict: the evidence on the losing side.
fn call_and_conflict(model: &LabelModel, region: &str, votes: &[f64]) -> (f64, f64) {
    let combined = model.combine(Some(region), votes);
    let losing = (model.labeller_evidence(Some(region), votes).iter())
        .filter(|e| (**e > 0.0) != (combined >= 0.5))
        .map(|e| e.abs())
        .sum();
    (combined, losing)
}

fn disputed(
    model: &LabelModel,
    ontology: &Ontology,
    t: &TaggedSentence,
    votes: &[Vec<f64>],
) -> DisputedSentence {
    let spans: Vec<ByteSpan> = t.mentions.iter().map(|m| m.span).collect();
    let headers = layout_headers(&t.text, &spans);
    let mentions: Vec<DisputedMention> = t
        .mentions
        .iter()
        .zip(votes)
        .enumerate()
        .map(|(i, (m, v))| {
            let region = ontology.name(m.region);
            let (combined, losing) = match headers[i] {
                // Not fitted, not disputed: a header names no finding.
                true => (HEADER_PROBABILITY, 0.0),
                false => call_and_conflict(model, region, v),
            };
            DisputedMention {
                span: t.char_span(m),
                region: region.to_string(),
                votes: v.clone(),
                combined,
                conflict: losing,
            }
        })
        .collect();
    DisputedSentence {
        id: t.id(),
        text: t.text.clone(),
        conflict: mentions.iter().map(|m| m.conflict).fold(0.0, f64::max),
        mentions,
    }
}

/// The task region a mention counts under: its own region or its nearest task ancestor.
fn task_region(ontology: &Ontology, region: RegionId) -> Option<RegionId> {
    if ontology.region(region).task {
        return Some(region);
    }
    ontology
        .ancestors(region)
        .iter()
        .rev()
        .copied()
        .find(|&a| ontology.region(a).task)
}

fn labeller_rows(
    model: &LabelModel,
    ontology: &Ontology,
    ranking: &[DisputedSentence],
) -> Vec<LabellerRegion> {
    let mentions: Vec<(Option<RegionId>, &DisputedMention)> = ranking
        .iter()
        .flat_map(|s| &s.mentions)
        .map(|m| {
            (
                ontology
                    .id(&m.region)
                    .and_then(|r| task_region(ontology, r)),
                m,
            )
        })
        .collect();
    let mut rows = Vec::new();
    let groups = ontology
        .task_regions()
        .into_iter()
        .map(Some)
        .chain(std::iter::once(None));
    for group in groups {
        let of_group: Vec<&DisputedMention> = mentions
            .iter()
            .filter(|(r, _)| group.is_none() || *r == group)
            .map(|(_, m)| *m)
            .collect();
        for (j, name) in model.labeller_names().iter().enumerate() {
            let accuracy = group.map(|r| model.accuracy(j, r));
            let mut row = counts(&of_group, j);
            row.region = group.map_or("all".into(), |r| ontology.name(r).to_string());
            row.labeller = name.clone();
            row.learned_sensitivity = accuracy.map(|a| a.sensitivity);
            row.learned_specificity = accuracy.map(|a| a.specificity);
            rows.push(row);
        }
    }
    rows
}

/// Coverage, overlap, conflict and agreement of labeller `j` on `mentions`.
fn counts(mentions: &[&DisputedMention], j: usize) -> LabellerRegion {
    let decisive = |p: f64| p <= DECISIVE || p >= 1.0 - DECISIVE;
    let (mut covered, mut overlapping, mut conflicting, mut agreeing) = (0, 0, 0, 0);
    for m in mentions {
        let own = m.votes[j];
        agreeing += usize::from((own >= 0.5) == (m.combined >= 0.5));
        if !decisive(own) {
            continue;
        }
        covered += 1;
        let others: Vec<f64> = m
            .votes
            .iter()
            .enumerate()
            .filter(|&(k, &p)| k != j && decisive(p))
            .map(|(_, &p)| p)
            .collect();
        overlapping += usize::from(!others.is_empty());
        conflicting += usize::from(others.iter().any(|&p| (p >= 0.5) != (own >= 0.5)));
    }
    let share = |k: usize| k as f64 / mentions.len().max(1) as f64;
    LabellerRegion {
        region: String::new(),
        labeller: String::new(),
        mentions: mentions.len(),
        coverage: share(covered),
        overlap: share(overlapping),
        conflict: share(conflicting),
        agrees_with_combined: share(agreeing),
        learned_sensitivity: None,
        learned_specificity: None,
    }
}

/// The files [`Diagnostics::write_all`] writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosticFiles {
    /// The per region and labeller table (`labellers.csv`).
    pub table: PathBuf,
    /// The ranking of sentences for `uptake annotate --active` (`disputed.jsonl`, ids only).
    pub ranking: PathBuf,
    /// The most disputed sentences with their text (`disputed.html`, for the user's eyes).
    pub html: PathBuf,
}

/// Which file is which, and that the page holds report text.
impl fmt::Display for DiagnosticFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (table, html) = (self.table.display(), self.html.display());
        let ranking = self.ranking.display();
        writeln!(
            f,
            "wrote {table}, {ranking} (for `uptake annotate --active`)"
        )?;
        write!(f, "and {html} (report text: keep it private)")
    }
}

/// Sentences (their ids) the summary lists.
const SUMMARY_SENTENCES: usize = 10;

/// The fit, each labeller over all regions, and the ids of the most disputed sentences: no
/// report text, so it may be logged.
impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.fit)?;
        writeln!(
            f,
            "{:<24} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6}",
            "labeller", "mentions", "coverage", "overlap", "conflict", "agrees", "sens", "spec"
        )?;
        for r in self.rows.iter().filter(|r| r.region == "all") {
            let mean = |figure: fn(&LabellerRegion) -> Option<f64>| {
                self.mean_over_regions(&r.labeller, figure)
            };
            writeln!(
                f,
                "{:<24} {:>8} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>6.3} {:>6.3}",
                r.labeller,
                r.mentions,
                r.coverage,
                r.overlap,
                r.conflict,
                r.agrees_with_combined,
                mean(|r| r.learned_sensitivity),
                mean(|r| r.learned_specificity)
            )?;
        }
        write!(f, "most disputed sentences:")?;
        for s in self.ranking.iter().take(SUMMARY_SENTENCES) {
            write!(f, " {} ({:.2})", s.id, s.conflict)?;
        }
        Ok(())
    }
}

impl Diagnostics {
    /// The mean of a learned figure of `labeller` over the task regions with mentions.
    fn mean_over_regions(&self, labeller: &str, figure: fn(&LabellerRegion) -> Option<f64>) -> f64 {
        let values: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| r.labeller == labeller && r.mentions > 0)
            .filter_map(figure)
            .collect();
        values.iter().sum::<f64>() / values.len().max(1) as f64
    }

    /// Writes the table, the ranking and an HTML page of the `html_sentences` most disputed
    /// sentences into the folder `dir` (created if needed).
    pub fn write_all(
        &self,
        dir: &Path,
        html_sentences: usize,
    ) -> Result<DiagnosticFiles, AtomicWriteError> {
        let files = DiagnosticFiles {
            table: dir.join("labellers.csv"),
            ranking: dir.join("disputed.jsonl"),
            html: dir.join("disputed.html"),
        };
        self.write_table(&files.table)?;
        self.write_ranking(&files.ranking)?;
        self.write_html(&files.html, html_sentences)?;
        Ok(files)
    }

    /// Writes the per region and labeller table (CSV).
    pub fn write_table(&self, path: &Path) -> Result<(), AtomicWriteError> {
        let figure = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.4}"));
        write_atomic(path, |w| {
            writeln!(
                w,
                "region,labeller,mentions,coverage,overlap,conflict,agrees_with_combined,learned_sensitivity,learned_specificity"
            )?;
            for r in &self.rows {
                writeln!(
                    w,
                    "{},{},{},{:.4},{:.4},{:.4},{:.4},{},{}",
                    r.region,
                    r.labeller,
                    r.mentions,
                    r.coverage,
                    r.overlap,
                    r.conflict,
                    r.agrees_with_combined,
                    figure(r.learned_sensitivity),
                    figure(r.learned_specificity)
                )?;
            }
            Ok(())
        })
    }

    /// Writes the ranking in the predictions format `uptake annotate --active` takes (JSONL,
    /// most disputed first): each mention's `prob` is 0.5 + exp(-conflict) / 2, so that the
    /// tool's "closest to 0.5 first" order is the order of conflict. No sentence text.
    pub fn write_ranking(&self, path: &Path) -> Result<(), AtomicWriteError> {
        write_atomic(path, |w| {
            for s in &self.ranking {
                let mentions: Vec<serde_json::Value> = s
                    .mentions
                    .iter()
                    .map(|m| {
                        serde_json::json!({
                            "start": m.span.start,
                            "end": m.span.end,
                            "prob": 0.5 + 0.5 * (-m.conflict).exp(),
                            "conflict": m.conflict,
                        })
                    })
                    .collect();
                let line =
                    serde_json::json!({"id": s.id, "conflict": s.conflict, "mentions": mentions});
                writeln!(w, "{line}")?;
            }
            Ok(())
        })
    }

    /// Writes an HTML page of the `most` most disputed sentences with their text, each
    /// labeller's probability and the combined one: for the user's eyes only.
    pub fn write_html(&self, path: &Path, most: usize) -> Result<(), AtomicWriteError> {
        let mut page = String::from(
            "<!doctype html><meta charset=\"utf-8\"><title>Where the labellers disagree</title>\
<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}td,th{padding:2px 8px;text-align:right}\
mark{background:#fde68a}.s{margin:1.2em 0;border-top:1px solid #ccc;padding-top:.5em}</style>\
<h1>Where the labellers disagree most</h1>",
        );
        let _ = write!(
            page,
            "<p>{} sentences with mentions; the {} most disputed. Conflict: the log odds on the losing side.</p>",
            self.ranking.len(),
            most.min(self.ranking.len())
        );
        for (rank, s) in self.ranking.iter().take(most).enumerate() {
            self.html_sentence(&mut page, rank + 1, s);
        }
        write_atomic(path, |w| w.write_all(page.as_bytes()))
    }

    fn html_sentence(&self, page: &mut String, rank: usize, s: &DisputedSentence) {
        let _ = write!(
            page,
            "<div class=\"s\"><b>{rank}.</b> <code>{}</code> conflict {:.2}<p>{}</p><table><tr><th>mention</th><th>region</th>",
            escape(&s.id),
            s.conflict,
            highlighted(&s.text, &s.mentions)
        );
        for name in &self.labellers {
            let _ = write!(page, "<th>{}</th>", escape(name));
        }
        page.push_str("<th>combined</th><th>conflict</th></tr>");
        for m in &s.mentions {
            let text = m.span.slice(&s.text).unwrap_or("");
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td>",
                escape(text),
                escape(&m.region)
            );
            for v in &m.votes {
                let _ = write!(page, "<td>{v:.2}</td>");
            }
            let _ = write!(
                page,
                "<td><b>{:.2}</b></td><td>{:.2}</td></tr>",
                m.combined, m.conflict
            );
        }
        page.push_str("</table></div>");
    }
}

/// The sentence as HTML with its mentions marked.
fn highlighted(text: &str, mentions: &[DisputedMention]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut at = 0;
    for m in mentions {
        let (start, end) = (m.span.start.min(chars.len()), m.span.end.min(chars.len()));
        if start < at {
            continue;
        }
        out.push_str(&escape(&chars[at..start].iter().collect::<String>()));
        out.push_str("<mark>");
        out.push_str(&escape(&chars[start..end].iter().collect::<String>()));
        out.push_str("</mark>");
        at = end;
    }
    out.push_str(&escape(&chars[at..].iter().collect::<String>()));
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
