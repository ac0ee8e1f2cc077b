//! The label model fitted on a report set (its tagged mentions are the unlabelled data), or on
//! the sentences of a mention file read without their labels.

use crate::label_model::{LabelModel, LabelModelError, LabelModelSettings};
use crate::scorer::{MentionScorer, ScoreError, SentenceMentions};
use crate::weak::sentence_mentions;
use uptake_core::{LabelledSentence, Progress};
use uptake_reports::{Report, TaggedSentence, Tagger};

/// The findings and impression sentences of `reports` that hold at least one mention, in
/// report order.
pub fn mention_sentences(tagger: &Tagger, reports: &[Report]) -> Vec<TaggedSentence> {
    reports
        .iter()
        .flat_map(|r| tagger.tag_report(r))
        .filter(|t| !t.mentions.is_empty())
        .collect()
}

impl LabelModel {
    /// Tags `reports` and fits the model on their mentions (and on `hand`, hand-labelled
    /// sentences). Each report's sentences go to the labellers as one batch, as labelling
    /// the report asks for them. Labelling the same reports afterwards (`WeakLabeller` with
    /// this model as its scorer) reuses the labellers' scores: each sentence is scored once.
    pub fn fit_reports(
        tagger: &Tagger,
        labellers: Vec<Box<dyn MentionScorer>>,
        reports: &[Report],
        hand: &[LabelledSentence],
        settings: &LabelModelSettings,
        progress: &dyn Progress,
    ) -> Result<LabelModel, LabelModelError> {
        let tagged: Vec<Vec<TaggedSentence>> =
            reports.iter().map(|r| tagger.tag_report(r)).collect();
        let ontology = tagger.ontology();
        let batches: Vec<Vec<SentenceMentions<'_>>> = tagged
            .iter()
            .map(|report| {
                report
                    .iter()
                    .map(|t| sentence_mentions(t, ontology))
                    .collect()
            })
            .collect();
        LabelModel::fit_batches(ontology, labellers, &batches, hand, settings, progress)
    }

    /// Fits the model on the mentions of `sentences` (a mention file) as if they were
    /// unlabelled: their labels are not read. `hand` are hand-labelled sentences that anchor
    /// the fit, as in [`LabelModel::fit`].
    pub fn fit_unlabelled_sentences(
        ontology: &uptake_ontology::Ontology,
        labellers: Vec<Box<dyn MentionScorer>>,
        sentences: &[LabelledSentence],
        hand: &[LabelledSentence],
        settings: &LabelModelSettings,
        progress: &dyn Progress,
    ) -> Result<LabelModel, LabelModelError> {
        let batch = sentences
            .iter()
            .enumerate()
            .map(|(i, s)| SentenceMentions::from_labelled(s, i))
            .collect::<Result<Vec<_>, ScoreError>>()
            .map_err(|source| LabelModelError::Score {
                set: "unlabelled",
                source,
            })?;
        LabelModel::fit(ontology, labellers, &batch, hand, settings, progress)
    }
}
