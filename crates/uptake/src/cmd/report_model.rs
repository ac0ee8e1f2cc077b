//! `uptake report-model train|evaluate|cv` and `uptake bench report-model`: the BERT mention
//! classifier (crate uptake-textmodel) beside the regex and rules labellers (uptake-labels).

use std::path::PathBuf;

use anyhow::Context;
use uptake_textmodel::DefaultTrainBackend;
use uptake_textmodel::bench::{BenchSettings, run_bench_on};
use uptake_textmodel::cv::CvSettings;
use uptake_textmodel::evaluate::CompareSettings;
use uptake_textmodel::pretrain::{self, PretrainOptions};
use uptake_textmodel::steps::{self as files, Corpus, EvaluateFiles, FineTuneFiles};
use uptake_textmodel::train::{TrainOptions, epoch_summary};

use crate::common::{DeviceArgs, Global, load_ontology};
use crate::train_progress::TrainProgress;

#[derive(clap::Subcommand, Debug)]
pub enum ReportModelCommand {
    /// Fine-tune a BERT checkpoint folder on hand-labelled mentions (resumes an interrupted run).
    Train(TrainArgs),
    /// Mention-level AUROC, F1, sensitivity, specificity of a trained model, beside the regex
    /// and rules labellers on the same mentions.
    Evaluate(EvaluateArgs),
    /// k-fold cross-validation over a mention file: model vs rules vs regex.
    Cv(CvArgs),
    /// Learn a domain WordPiece vocabulary on training reports and write a base model folder
    /// that uses it (new pieces replace [unusedX] and non-ASCII entries).
    Vocab(VocabArgs),
    /// Domain pre-training by masked language modelling (15 %: 80/10/10) on report text
    /// (resumes an interrupted run in the same --out).
    Pretrain(PretrainArgs),
}

/// The text a vocabulary or a pre-training run learns from.
#[derive(clap::Args, Debug)]
pub struct CorpusArgs {
    /// Training reports (JSONL or CSV, as `uptake tag` reads them). Never the test reports.
    #[arg(long, required_unless_present = "sentences")]
    pub reports: Option<PathBuf>,
    /// Or the sentences of a mention file (JSONL).
    #[arg(long)]
    pub sentences: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct PretrainArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    #[command(flatten)]
    pub folders: FolderArgs,
    #[arg(long, default_value_t = 1)]
    pub epochs: usize,
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    /// Word pieces per window ([CLS] and [SEP] included).
    #[arg(long, default_value_t = 128)]
    pub max_len: usize,
    #[arg(long, default_value_t = 5e-5)]
    pub lr: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// The base model folder and the output folder of a run.
#[derive(clap::Args, Debug)]
pub struct FolderArgs {
    /// Base model folder (Hugging Face BERT: config.json, model.safetensors, tokenizer.json or vocab.txt).
    #[arg(long)]
    pub base: PathBuf,
    /// Output folder (an interrupted run in it resumes).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct VocabArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    #[command(flatten)]
    pub folders: FolderArgs,
    /// WordPieces to learn.
    #[arg(long, default_value_t = 3000)]
    pub size: usize,
    /// Print word-piece counts of these sentences (mention JSONL) with the base and the new vocabulary.
    #[arg(long)]
    pub compare_on: Option<PathBuf>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct TrainOptionArgs {
    /// Fraction of sentences held out for early stopping.
    #[arg(long, default_value_t = 0.1)]
    pub val_split: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Most epochs (the paper: 85).
    #[arg(long, default_value_t = 85)]
    pub epochs: usize,
    /// Mentions sampled with replacement per epoch (the paper: 100).
    #[arg(long, default_value_t = 100)]
    pub mentions_per_epoch: usize,
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    /// Adam learning rate, halved every --halve-every epochs.
    #[arg(long, default_value_t = 1.37e-4)]
    pub lr: f64,
    #[arg(long, default_value_t = 20)]
    pub halve_every: usize,
    /// Stop after this many epochs without a better validation AUROC.
    #[arg(long, default_value_t = 10)]
    pub patience: usize,
    /// Keep the embeddings and this many bottom encoder layers frozen (faster on a CPU).
    #[arg(long, default_value_t = 0)]
    pub frozen_layers: usize,
    /// Share of sampled sentences whose mentions are swapped for other training mentions'
    /// text (labels kept), so the model judges the context, not the region word.
    #[arg(long, default_value_t = 0.0)]
    pub swap_mentions: f64,
    /// Share of sampled sentences joined to another training sentence ("...; ...",
    /// "..., while ..."), labels kept, so the model learns where a negation's scope ends.
    #[arg(long, default_value_t = 0.0)]
    pub join_sentences: f64,
}

impl CorpusArgs {
    fn corpus(self) -> Corpus {
        let (reports, sentences) = (self.reports, self.sentences);
        Corpus { reports, sentences }
    }
}

impl TrainOptionArgs {
    fn options(&self) -> TrainOptions {
        TrainOptions {
            val_split: self.val_split,
            seed: self.seed,
            epochs: self.epochs,
            mentions_per_epoch: self.mentions_per_epoch,
            batch_size: self.batch_size,
            learning_rate: self.lr,
            halve_every: self.halve_every,
            patience: self.patience,
            frozen_layers: self.frozen_layers,
            swap_mentions: self.swap_mentions,
            join_sentences: self.join_sentences,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Hand-labelled mentions (JSONL, shared/data/mentions.jsonl format).
    #[arg(long)]
    pub mentions: PathBuf,
    #[command(flatten)]
    pub folders: FolderArgs,
    #[command(flatten)]
    pub train: TrainOptionArgs,
    #[command(flatten)]
    pub device: DeviceArgs,
}

impl TrainArgs {
    fn files(&self) -> FineTuneFiles {
        let (base, out) = (self.folders.base.clone(), self.folders.out.clone());
        FineTuneFiles {
            mentions: self.mentions.clone(),
            base,
            out,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct EvaluateArgs {
    #[arg(long)]
    pub mentions: PathBuf,
    /// A trained report model folder; more than once for the mean of several (a seed
    /// ensemble).
    #[arg(long, required = true)]
    pub model: Vec<PathBuf>,
    /// A score at or above this is an abnormal call.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// Write the figures as JSON here too.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write every mention's score by each labeller here (CSV, one row per mention, no report
    /// text: `line` is the sentence's line in --mentions), for error analysis.
    #[arg(long)]
    pub scores: Option<PathBuf>,
    /// Write the reliability diagram here (reliability.svg, .png and its bins as .csv).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `train`'s arguments (--out: the fold models and cv.json) and the folds.
#[derive(clap::Args, Debug)]
pub struct CvArgs {
    #[command(flatten)]
    pub run: TrainArgs,
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
}

pub fn run(command: ReportModelCommand, global: &Global) -> anyhow::Result<()> {
    match command {
        ReportModelCommand::Train(args) => run_train(args, global),
        ReportModelCommand::Evaluate(args) => run_evaluate(args),
        ReportModelCommand::Cv(args) => run_cv(args, global),
        ReportModelCommand::Vocab(args) => run_vocab(args),
        ReportModelCommand::Pretrain(args) => run_pretrain(args, global),
    }
}

fn run_train(args: TrainArgs, global: &Global) -> anyhow::Result<()> {
    let mut bar = TrainProgress::new("train", global.quiet);
    let show = &mut |event| bar.show(event, |r| Some(epoch_summary(r)));
    let info = (args.files())
        .train(&args.train.options(), args.device.device, show)
        .with_context(|| format!("training on {}", args.mentions.display()))?;
    bar.finish();
    if !global.quiet {
        eprintln!("{info} saved in {}", args.folders.out.display());
    }
    Ok(())
}

fn run_evaluate(args: EvaluateArgs) -> anyhow::Result<()> {
    let files = EvaluateFiles {
        mentions: args.mentions,
        models: args.model,
        compare: CompareSettings::at_threshold(args.threshold),
        json: args.json,
        scores: args.scores,
        out: args.out,
    };
    let evaluation = files::evaluate_files(&files)
        .with_context(|| format!("scoring {}", files.mentions.display()))?;
    print!("{evaluation}");
    Ok(())
}

fn run_cv(args: CvArgs, global: &Global) -> anyhow::Result<()> {
    let settings = CvSettings {
        folds: args.folds,
        train: args.run.train.options(),
        compare: CompareSettings::at_threshold(args.threshold),
    };
    let mut bar: Option<TrainProgress> = None;
    let result = (args.run.files())
        .cross_validate(&settings, args.run.device.device, &mut |e| {
            if let Some(what) = e.fold_started() {
                let done = bar.replace(TrainProgress::new(&what, global.quiet));
                done.into_iter().for_each(TrainProgress::finish);
            }
            if let Some(b) = bar.as_mut() {
                b.show(e.event, |_| None);
            }
        })
        .with_context(|| format!("cross-validating on {}", args.run.mentions.display()))?;
    bar.into_iter().for_each(TrainProgress::finish);
    print!("{result}");
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// A report model folder (a trained one; a base BERT gets a random head for timing).
    #[arg(long)]
    pub model: PathBuf,
    /// Sentences to label: a hand-labelled mention file (its spans are used as the mentions).
    #[arg(long)]
    pub mentions: PathBuf,
    /// Reports file to tag and label end to end (reports/s); optional.
    #[arg(long)]
    pub reports: Option<PathBuf>,
    /// Base model to time one fine-tuning epoch of 100 mentions on (skipped if absent).
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// A Python with torch + transformers: also run the same model in HF transformers on PyTorch
    /// (crates/textmodel/scripts/bench_torch.py) in this run, for comparison.
    #[arg(long)]
    pub torch_python: Option<PathBuf>,
    /// Times to repeat the labelling run (the best is reported).
    #[arg(long, default_value_t = 2)]
    pub repeats: usize,
    #[command(flatten)]
    pub device: DeviceArgs,
}

pub fn bench(args: BenchArgs, global: &Global) -> anyhow::Result<()> {
    let tagger = uptake_reports::Tagger::new(&load_ontology(global)?)?;
    let settings = BenchSettings {
        model: args.model,
        mentions: args.mentions,
        reports: args.reports,
        base: args.base,
        torch_python: args.torch_python,
        repeats: args.repeats,
    };
    let report = run_bench_on(args.device.device, &settings, &tagger)?;
    print!("{report}");
    Ok(())
}

fn run_pretrain(args: PretrainArgs, global: &Global) -> anyhow::Result<()> {
    let options = PretrainOptions {
        epochs: args.epochs,
        batch_size: args.batch_size,
        max_len: args.max_len,
        learning_rate: args.lr,
        seed: args.seed,
        ..Default::default()
    };
    let (corpus, base, out) = (args.corpus.corpus(), args.folders.base, args.folders.out);
    let run = files::PretrainFiles { corpus, base, out };
    let mut bar = TrainProgress::new("pretrain", global.quiet);
    let show = &mut |event| bar.show(event, |r| Some(pretrain::epoch_summary(r)));
    let pretrained = run.pretrain::<DefaultTrainBackend>(&options, &Default::default(), show)?;
    bar.finish();
    print!("{pretrained}");
    Ok(())
}

fn run_vocab(args: VocabArgs) -> anyhow::Result<()> {
    let vocab = files::VocabFiles {
        corpus: args.corpus.corpus(),
        base: args.folders.base,
        out: args.folders.out,
        size: args.size,
        compare_on: args.compare_on,
    };
    print!("{}", files::build_vocab_files(&vocab)?);
    Ok(())
}
