//! The weak-labelling pipeline in one call: a report's findings and impression are split into
//! sentences, the tagger finds the region mentions, a [`MentionScorer`] gives each mention
//! P(abnormal), and an [`Aggregation`] (noisy-OR by default) combines them per region up the
//! ontology. Modelled on a tokenizer pipeline: each stage is a part you can swap (the
//! ontology's tagger, the scorer, the aggregation).

use crate::aggregate::{Aggregation, ScoredMention, region_probabilities};
use crate::scorer::{MentionScorer, ScoreError, SentenceMentions};
use std::io::Write;
use std::path::Path;
use uptake_core::shard::Shard;
use uptake_core::{AtomicWriteError, ExamId, Progress, RegionTable, write_atomic};
use uptake_ontology::{Ontology, RegionId, RegionSelection, SelectionError};
use uptake_reports::{Report, SectionLayout, TaggedSentence, Tagger, TaggerError};

/// Labels reports: tagger, then scorer, then aggregation up the ontology.
#[derive(Debug)]
pub struct WeakLabeller {
    tagger: Tagger,
    scorer: Box<dyn MentionScorer>,
    aggregation: Aggregation,
}

/// One report's weak labels.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportLabels {
    probabilities: Vec<f64>,
    mentions: Vec<ScoredMention>,
    layout: SectionLayout,
}

impl ReportLabels {
    /// P(abnormal) of a region: the aggregation (noisy-OR by default) of the mentions of it and
    /// of every region below it; 0 without any.
    pub fn probability(&self, region: RegionId) -> f64 {
        self.probabilities[region.index()]
    }

    /// The scored mentions, in report order.
    pub fn mentions(&self) -> &[ScoredMention] {
        &self.mentions
    }

    /// How the report's sections were found ([`SectionLayout::Fallback`]: no findings or
    /// impression header).
    pub fn layout(&self) -> SectionLayout {
        self.layout
    }
}

/// What [`WeakLabeller::label_reports`] writes (with the `cli` feature: `uptake label`'s
/// `--regions` and `--shard`).
///
/// A shard's table joins the other shards' with `uptake_core::shard_merge::merge_tables`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct LabelSettings {
    /// Columns: `all` ontology regions, the 30 `tasks`, or a comma-separated list of region
    /// names (each once).
    #[cfg_attr(feature = "cli", arg(long, default_value = "all"))]
    pub regions: RegionSelection,
    /// Only the reports of shard i of n of the exams (a cluster job array; `uptake merge` joins
    /// the shards' tables; the combined method still fits on every report).
    #[cfg_attr(feature = "cli", arg(long, value_name = "I/N"))]
    pub shard: Option<Shard>,
}

/// Counts of a labelled report set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelCounts {
    /// Reports labelled (rows).
    pub reports: usize,
    /// Mentions scored.
    pub mentions: usize,
    /// Reports without any mention (rows of zeros).
    pub reports_without_mentions: usize,
    /// Reports with headers but no findings or impression section, tagged outside history,
    /// technique and comparison instead ([`SectionLayout::Fallback`]).
    pub reports_fell_back: usize,
}

/// A reason to look at a report's labels by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// The report yielded no mention: its row is all zeros.
    NoMention,
    /// No findings or impression header was found; the report fell back.
    FellBack,
}

impl LabelCounts {
    /// The share of reports (0 to 1) with this problem; 0 for no reports.
    pub fn share(&self, problem: Coverage) -> f64 {
        let n = match problem {
            Coverage::NoMention => self.reports_without_mentions,
            Coverage::FellBack => self.reports_fell_back,
        };
        n as f64 / self.reports.max(1) as f64
    }

    /// A loud warning for each problem above `share` of the reports (the labels of those
    /// exams are probably all 0); `ids` is where their exam ids were written.
    pub fn warnings(&self, share: f64, ids: &Path) -> Vec<String> {
        let problems = [
            (
                Coverage::NoMention,
                self.reports_without_mentions,
                "yielded no region mention (rows of 0)",
            ),
            (
                Coverage::FellBack,
                self.reports_fell_back,
                "had no findings or impression header and fell back to tagging their whole text outside history, technique and comparison",
            ),
        ];
        problems
            .into_iter()
            .filter(|&(problem, _, _)| self.share(problem) > share)
            .map(|(problem, n, what)| {
                format!(
                    "WARNING: {:.1} % of the reports ({n} of {}) {what}. Their labels may be wrong; check their section headers (--sections FILE) and texts. Exam ids: {}",
                    100.0 * self.share(problem),
                    self.reports,
                    ids.display()
                )
            })
            .collect()
    }
}

/// A report that fell back or yielded no mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlaggedReport {
    /// The exam.
    pub exam_id: ExamId,
    /// Whether its sections fell back ([`SectionLayout::Fallback`]).
    pub fell_back: bool,
    /// Its mentions (0: a row of zeros).
    pub mentions: usize,
}

/// The weak labels of a report set: one row per report, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct WeakLabels {
    /// P(abnormal) per region (columns) per exam (rows).
    pub table: RegionTable,
    /// What was labelled.
    pub counts: LabelCounts,
    /// The reports that fell back or yielded no mention, in report order.
    pub flagged: Vec<FlaggedReport>,
}

impl WeakLabels {
    /// One line on what was labelled: counts, where the flagged ids went (`ids`), the
    /// `scorer`, the table written (`out`) and its columns.
    pub fn summary(&self, scorer: &str, out: &Path, ids: &Path) -> String {
        let c = &self.counts;
        format!(
            "{} exams ({} without any mention, {} fell back to tagging outside history, technique and comparison; ids in {}), {} mentions labelled with `{scorer}` -> {} ({} region columns)",
            c.reports,
            c.reports_without_mentions,
            c.reports_fell_back,
            ids.display(),
            c.mentions,
            out.display(),
            self.table.regions().len()
        )
    }

    /// Writes [`WeakLabels::flagged`] as CSV (`exam_id,fell_back,mentions`; a header only when
    /// none), atomically.
    pub fn write_flagged(&self, path: &Path) -> Result<(), AtomicWriteError> {
        write_atomic(path, |w| {
            writeln!(w, "exam_id,fell_back,mentions")?;
            for f in &self.flagged {
                writeln!(w, "{},{},{}", f.exam_id, u8::from(f.fell_back), f.mentions)?;
            }
            Ok(())
        })
    }
}

/// Why reports could not be labelled.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    /// The selected regions do not fit the ontology.
    #[error(transparent)]
    Regions(#[from] SelectionError),
    /// The scorer failed on one report's mentions.
    #[error("exam `{exam}`: cannot score its mentions")]
    Score {
        /// The report's exam.
        exam: ExamId,
        /// What the scorer said.
        source: ScoreError,
    },
}

/// The scorer's view of a tagged sentence: its text, mention spans and their regions.
pub(crate) fn sentence_mentions<'a>(
    t: &'a TaggedSentence,
    ontology: &'a Ontology,
) -> SentenceMentions<'a> {
    SentenceMentions::new(&t.text, t.mentions.iter().map(|m| m.span).collect())
        .with_regions(t.mentions.iter().map(|m| ontology.name(m.region)).collect())
}

impl WeakLabeller {
    /// A labeller from a tagger and a scorer (see [`crate::LabellingMethod::scorer`]), with the
    /// default aggregation.
    pub fn new(tagger: Tagger, scorer: Box<dyn MentionScorer>) -> Self {
        Self {
            tagger,
            scorer,
            aggregation: Aggregation::default(),
        }
    }

    /// The same labeller combining mentions per region with `aggregation`.
    pub fn with_aggregation(mut self, aggregation: Aggregation) -> Self {
        self.aggregation = aggregation;
        self
    }

    /// How mentions are combined per region.
    pub fn aggregation(&self) -> Aggregation {
        self.aggregation
    }

    /// A labeller that tags with the regions of `ontology`.
    pub fn for_ontology(
        ontology: &Ontology,
        scorer: Box<dyn MentionScorer>,
    ) -> Result<Self, TaggerError> {
        Ok(Self::new(Tagger::new(ontology)?, scorer))
    }

    /// The ontology the labels are over.
    pub fn ontology(&self) -> &Ontology {
        self.tagger.ontology()
    }

    /// The scorer's name ("rules", "model+rules"...).
    pub fn scorer_name(&self) -> &str {
        self.scorer.name()
    }

    /// One report's weak labels. Its mentions are scored in one batch.
    pub fn label_report(&mut self, report: &Report) -> Result<ReportLabels, LabelError> {
        let tagged = self.tagger.tag(report);
        let (tagged, layout) = (tagged.sentences, tagged.layout);
        let ontology = self.tagger.ontology();
        let batch: Vec<SentenceMentions<'_>> = tagged
            .iter()
            .map(|t| sentence_mentions(t, ontology))
            .collect();
        let scores = self
            .scorer
            .score(&batch)
            .map_err(|source| LabelError::Score {
                exam: report.exam_id.clone(),
                source,
            })?;
        let mentions: Vec<ScoredMention> = tagged
            .iter()
            .zip(&scores)
            .enumerate()
            .flat_map(|(sentence, (t, ps))| {
                t.mentions
                    .iter()
                    .zip(ps)
                    .map(move |(m, &probability)| ScoredMention {
                        region: m.region,
                        probability,
                        sentence,
                    })
            })
            .collect();
        Ok(ReportLabels {
            probabilities: region_probabilities(ontology, &mentions, self.aggregation),
            mentions,
            layout,
        })
    }

    /// The weak-label table of `reports`: one row per report in order, one column per
    /// selected region. Reports `progress` per report.
    pub fn label_reports(
        &mut self,
        reports: &[Report],
        settings: &LabelSettings,
        progress: &dyn Progress,
    ) -> Result<WeakLabels, LabelError> {
        let ontology = self.tagger.ontology();
        let columns = settings.regions.resolve(ontology)?;
        let names = columns.iter().map(|&id| ontology.name(id).to_string());
        let mut table = RegionTable::new(names.collect());
        let mut counts = LabelCounts::default();
        let mut flagged = Vec::new();
        let selected = |r: &&Report| Shard::selects(settings.shard.as_ref(), &r.exam_id);
        progress.start("labelling", reports.iter().filter(selected).count() as u64);
        for report in reports.iter().filter(selected) {
            let labels = self.label_report(report)?;
            let fell_back = labels.layout == SectionLayout::Fallback;
            counts.reports += 1;
            counts.mentions += labels.mentions.len();
            counts.reports_without_mentions += usize::from(labels.mentions.is_empty());
            counts.reports_fell_back += usize::from(fell_back);
            if fell_back || labels.mentions.is_empty() {
                flagged.push(FlaggedReport {
                    exam_id: report.exam_id.clone(),
                    fell_back,
                    mentions: labels.mentions.len(),
                });
            }
            let row = columns.iter().map(|&id| Some(labels.probability(id)));
            table.insert(report.exam_id.clone(), row.collect());
            progress.advance(1);
        }
        progress.finish();
        Ok(WeakLabels {
            table,
            counts,
            flagged,
        })
    }
}
