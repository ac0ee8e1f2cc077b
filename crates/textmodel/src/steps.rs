//! Each report-model step from files to files, as the command line runs it: one call reads
//! the inputs, runs the step, writes the outputs and returns what to show (its `Display`).

use crate::calibration::Calibration;
use crate::corpus::{CorpusFiles, corpus_texts};
use crate::cv::{CrossValidation, CvSettings, FoldEvent, cross_validate_on};
use crate::error::ModelError;
use crate::evaluate::{CompareSettings, Comparison, compare_with_rules};
use crate::pretrain::{PretrainOptions, pretrain};
use crate::reliability::CalibrationFigures;
use crate::scorer::load_scorer;
use crate::train::{ModelInfo, TrainOptions, train_on};
use crate::vocab::{PieceCounts, VocabSummary, build_domain_vocab, count_pieces};
use burn::tensor::backend::AutodiffBackend;
use std::fmt;
use std::path::PathBuf;
use uptake_core::mentions::read_mentions;
use uptake_training::{Device, NoMetrics, OnEvent};

/// The base model folder a run starts from and the folder it writes.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct ModelFolders {
    /// Base model folder (Hugging Face BERT: config.json, model.safetensors, tokenizer.json or vocab.txt).
    #[cfg_attr(feature = "cli", arg(long))]
    pub base: PathBuf,
    /// Output folder (an interrupted run in it resumes).
    #[cfg_attr(feature = "cli", arg(long))]
    pub out: PathBuf,
}

/// The files of a fine-tuning run (and of a cross-validation).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct FineTuneFiles {
    /// Hand-labelled mentions (JSONL, shared/data/mentions.jsonl format).
    #[cfg_attr(feature = "cli", arg(long))]
    pub mentions: PathBuf,
    /// The base model and the output folder.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub folders: ModelFolders,
}

impl FineTuneFiles {
    /// Fine-tunes the base model on [`Self::mentions`] into the output folder on `device`
    /// ([`train_on`]).
    pub fn train(
        &self,
        options: &TrainOptions,
        device: Device,
        on_event: OnEvent<'_, NoMetrics>,
    ) -> Result<ModelInfo, ModelError> {
        let sentences = read_mentions(&self.mentions)?;
        train_on(
            device,
            &sentences,
            &self.folders.base,
            &self.folders.out,
            options,
            on_event,
        )
    }

    /// Cross-validates fine-tuning on [`Self::mentions`] on `device`, fold models and
    /// `cv.json` in [`Self::out`] ([`cross_validate_on`]).
    pub fn cross_validate(
        &self,
        settings: &CvSettings,
        device: Device,
        on_event: &mut dyn FnMut(FoldEvent),
    ) -> Result<CrossValidation, ModelError> {
        let sentences = read_mentions(&self.mentions)?;
        let (base, out) = (&self.folders.base, &self.folders.out);
        cross_validate_on(device, &sentences, base, out, settings, on_event)
    }
}

impl FoldEvent {
    /// `fold i/n` (counted from 1) when this event starts a fold's training, else `None`.
    pub fn fold_started(&self) -> Option<String> {
        matches!(self.event, uptake_training::TrainEvent::Started { .. })
            .then(|| format!("fold {}/{}", self.fold + 1, self.folds))
    }
}

/// An evaluation of trained models on a mention file, beside the rule labellers.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct EvaluateFiles {
    /// Hand-labelled mentions (JSONL).
    #[cfg_attr(feature = "cli", arg(long))]
    pub mentions: PathBuf,
    /// A trained report model folder; more than once for the mean of several (a seed
    /// ensemble).
    #[cfg_attr(
        feature = "cli",
        arg(long = "model", value_name = "MODEL", required = true)
    )]
    pub models: Vec<PathBuf>,
    /// Threshold and bootstrap of the comparison.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub compare: CompareSettings,
    /// Write the figures as JSON here too.
    #[cfg_attr(feature = "cli", arg(long))]
    pub json: Option<PathBuf>,
    /// Write every mention's score by each labeller here (CSV, one row per mention, no report
    /// text: `line` is the sentence's line in --mentions), for error analysis.
    #[cfg_attr(feature = "cli", arg(long))]
    pub scores: Option<PathBuf>,
    /// Write the reliability diagram here (reliability.svg, .png and its bins as .csv).
    #[cfg_attr(feature = "cli", arg(long))]
    pub out: Option<PathBuf>,
}

/// What an evaluation found: the comparison, each labeller's calibration and the files written.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The model beside the rule labellers.
    pub comparison: Comparison,
    /// Their expected calibration errors and reliability tables.
    pub calibration: CalibrationFigures,
    /// The reliability diagram's files, when an output folder was given.
    pub written: Vec<PathBuf>,
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.comparison, self.calibration)?;
        for path in &self.written {
            writeln!(f, "wrote {}", path.display())?;
        }
        Ok(())
    }
}

/// Scores [`EvaluateFiles::mentions`] with the models and the rules, writes the optional JSON,
/// scores and reliability files and returns the comparison with each labeller's calibration.
pub fn evaluate_files(files: &EvaluateFiles) -> Result<Evaluation, ModelError> {
    let sentences = read_mentions(&files.mentions)?;
    let mut model = load_scorer(&files.models)?;
    let comparison = compare_with_rules(model.as_mut(), &sentences, &files.compare)?;
    if let Some(path) = &files.scores {
        comparison.write_scores(path, &sentences)?;
    }
    if let Some(path) = &files.json {
        uptake_core::json::write_json(path, &comparison.to_json())?;
    }
    // The temperature is known for one model folder; an ensemble averages calibrated members.
    let temperature = match files.models.as_slice() {
        [dir] => Some(Calibration::read(dir)?.temperature),
        _ => None,
    };
    let calibration = CalibrationFigures::of(&comparison, &sentences, temperature);
    let written = match &files.out {
        Some(dir) => calibration.write(dir)?,
        None => Vec::new(),
    };
    Ok(Evaluation {
        comparison,
        calibration,
        written,
    })
}

/// The corpus files a vocabulary or a pre-training run learns from (at least one of them).
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct Corpus {
    /// Training reports (JSONL or CSV, as `uptake tag` reads them). Never the test reports.
    #[cfg_attr(feature = "cli", arg(long, required_unless_present = "sentences"))]
    pub reports: Option<PathBuf>,
    /// Or the sentences of a mention file (JSONL).
    #[cfg_attr(feature = "cli", arg(long))]
    pub sentences: Option<PathBuf>,
}

impl Corpus {
    /// The texts ([`corpus_texts`]).
    pub fn texts(&self) -> Result<Vec<String>, ModelError> {
        corpus_texts(CorpusFiles {
            reports: self.reports.as_deref(),
            sentences: self.sentences.as_deref(),
        })
    }
}

/// A domain vocabulary to learn.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct VocabFiles {
    /// The text it learns from.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub corpus: Corpus,
    /// The base model and the output folder.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub folders: ModelFolders,
    /// WordPieces to learn.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 3000))]
    pub size: usize,
    /// Print word-piece counts of these sentences (mention JSONL) with the base and the new vocabulary.
    #[cfg_attr(feature = "cli", arg(long))]
    pub compare_on: Option<PathBuf>,
}

/// What [`build_vocab_files`] did; shows as one line, and a second with the piece counts.
#[derive(Debug, Clone, PartialEq)]
pub struct VocabBuilt {
    /// The vocabulary's summary.
    pub summary: VocabSummary,
    /// Texts it learned on.
    pub texts: usize,
    /// The model folder written.
    pub out: PathBuf,
    /// Word pieces of [`VocabFiles::compare_on`] with the base and the new vocabulary.
    pub compared: Option<PieceCountsOn>,
}

/// Word-piece counts of the sentences of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct PieceCountsOn {
    /// The counts.
    pub counts: PieceCounts,
    /// The mention file counted.
    pub file: PathBuf,
}

/// Learns the vocabulary on the corpus, writes the model folder and counts pieces on
/// [`VocabFiles::compare_on`].
pub fn build_vocab_files(files: &VocabFiles) -> Result<VocabBuilt, ModelError> {
    let texts = files.corpus.texts()?;
    let summary = build_domain_vocab(&texts, &files.folders.base, &files.folders.out, files.size)?;
    let compared = match &files.compare_on {
        Some(file) => {
            let sentences = read_mentions(file)?;
            let texts: Vec<String> = sentences.into_iter().map(|s| s.text).collect();
            let counts = count_pieces(&texts, &files.folders.base, &files.folders.out)?;
            Some(PieceCountsOn {
                counts,
                file: file.clone(),
            })
        }
        None => None,
    };
    Ok(VocabBuilt {
        summary,
        texts: texts.len(),
        out: files.folders.out.clone(),
        compared,
    })
}

impl std::fmt::Display for VocabBuilt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let out = self.out.display();
        writeln!(f, "{} on {} texts -> {out}", self.summary, self.texts)?;
        if let Some(c) = &self.compared {
            writeln!(f, "{} ({})", c.counts, c.file.display())?;
        }
        Ok(())
    }
}

/// A pre-training run's files.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct PretrainFiles {
    /// The text it learns from.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub corpus: Corpus,
    /// The base model and the output folder.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub folders: ModelFolders,
}

/// What [`PretrainFiles::pretrain`] did; shows as one line.
#[derive(Debug, Clone, PartialEq)]
pub struct Pretrained {
    /// Texts of the corpus.
    pub texts: usize,
    /// The last epoch's mean MLM loss.
    pub loss: f64,
    /// The run folder.
    pub out: PathBuf,
}

impl PretrainFiles {
    /// Pre-trains the base model on the corpus into the output folder ([`pretrain`]).
    pub fn pretrain<B: AutodiffBackend>(
        &self,
        options: &PretrainOptions,
        device: &B::Device,
        on_event: OnEvent<'_, NoMetrics>,
    ) -> Result<Pretrained, ModelError> {
        let texts = self.corpus.texts()?;
        let loss = pretrain::<B>(
            &texts,
            &self.folders.base,
            &self.folders.out,
            options,
            device,
            on_event,
        )?;
        Ok(Pretrained {
            texts: texts.len(),
            loss,
            out: self.folders.out.clone(),
        })
    }
}

impl std::fmt::Display for Pretrained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, loss, out) = (self.texts, self.loss, self.out.display());
        writeln!(
            f,
            "pre-trained on {n} texts, final mean MLM loss {loss:.3} -> {out}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pretraining_run_shows_its_texts_loss_and_folder() {
        let run = Pretrained {
            texts: 12,
            loss: 2.34567,
            out: "runs/mlm".into(),
        };
        assert_eq!(
            run.to_string(),
            "pre-trained on 12 texts, final mean MLM loss 2.346 -> runs/mlm\n"
        );
    }

    #[test]
    fn a_vocabulary_shows_its_summary_and_the_piece_counts_on_the_compared_file() {
        let summary = VocabSummary {
            learned: 10,
            kept: 6,
            added: 4,
            free_slots: 20,
        };
        let built = VocabBuilt {
            summary,
            texts: 3,
            out: "domain".into(),
            compared: Some(PieceCountsOn {
                counts: PieceCounts {
                    texts: 2,
                    base: 10,
                    domain: 8,
                },
                file: "m.jsonl".into(),
            }),
        };
        let text = built.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].ends_with("free slots on 3 texts -> domain"),
            "{text}"
        );
        assert!(
            lines[0].starts_with("learned 10 pieces: 6 already"),
            "{text}"
        );
        assert!(
            lines[1].starts_with("word pieces on 2 sentences: base 10, domain 8 (20.0 % fewer")
        );
        assert!(lines[1].ends_with(" (m.jsonl)"), "{text}");
    }

    #[test]
    fn a_fold_event_names_its_fold_from_one_only_when_the_fold_starts() {
        let event = |event| FoldEvent {
            fold: 1,
            folds: 3,
            event,
        };
        let started = event(uptake_training::TrainEvent::Started {
            first_epoch: 1,
            epochs: 2,
            plan: uptake_training::DataPlan {
                train_examples: 4,
                validation_examples: 0,
                batches_per_epoch: 1,
            },
        });
        assert_eq!(started.fold_started().as_deref(), Some("fold 2/3"));
        let stop = uptake_training::TrainEvent::EarlyStop { epoch: 1 };
        assert_eq!(event(stop).fold_started(), None);
    }

    #[test]
    fn a_threshold_keeps_the_default_bootstrap() {
        let settings = CompareSettings::at_threshold(0.7);
        assert_eq!(settings.threshold, 0.7);
        let defaults = CompareSettings::default();
        assert_eq!(
            (settings.resamples, settings.level),
            (defaults.resamples, defaults.level)
        );
    }

    #[test]
    fn an_empty_corpus_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let sentences = dir.path().join("empty.jsonl");
        std::fs::write(&sentences, "").unwrap();
        let corpus = Corpus {
            reports: None,
            sentences: Some(sentences),
        };
        assert!(matches!(corpus.texts(), Err(ModelError::Training(_))));
    }
}
