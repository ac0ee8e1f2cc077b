//! `uptake report-model train|evaluate|cv` and `uptake bench report-model`: the BERT mention
//! classifier (crate uptake-textmodel) beside the regex and rules labellers (uptake-labels).

use anyhow::Context;
use uptake_textmodel::DefaultTrainBackend;
use uptake_textmodel::bench::{BenchSettings, run_bench_on};
use uptake_textmodel::cv::CvSettings;
use uptake_textmodel::pretrain::{self, PretrainOptions};
use uptake_textmodel::steps::{
    self as files, EvaluateFiles, FineTuneFiles, PretrainFiles, VocabFiles,
};
use uptake_textmodel::train::{TrainOptions, epoch_summary};

use crate::common::{DeviceArgs, Global, load_ontology};
use crate::train_progress::TrainProgress;

#[derive(clap::Subcommand, Debug)]
pub enum ReportModelCommand {
    /// Fine-tune a BERT checkpoint folder on hand-labelled mentions (resumes an interrupted run).
    Train(TrainArgs),
    /// Mention-level AUROC, F1, sensitivity, specificity of a trained model, beside the regex
    /// and rules labellers on the same mentions.
    Evaluate(EvaluateFiles),
    /// k-fold cross-validation over a mention file: model vs rules vs regex.
    Cv(CvArgs),
    /// Learn a domain WordPiece vocabulary on training reports and write a base model folder
    /// that uses it (new pieces replace [unusedX] and non-ASCII entries).
    Vocab(VocabFiles),
    /// Domain pre-training by masked language modelling (15 %: 80/10/10) on report text
    /// (resumes an interrupted run in the same --out).
    Pretrain(PretrainArgs),
}

#[derive(clap::Args, Debug)]
pub struct PretrainArgs {
    #[command(flatten)]
    pub files: PretrainFiles,
    #[command(flatten)]
    pub options: PretrainOptions,
}

#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub files: FineTuneFiles,
    #[command(flatten)]
    pub train: TrainOptions,
    #[command(flatten)]
    pub device: DeviceArgs,
}

/// `train`'s files (--out: the fold models and cv.json), the folds and the comparison.
#[derive(clap::Args, Debug)]
pub struct CvArgs {
    #[command(flatten)]
    pub files: FineTuneFiles,
    #[command(flatten)]
    pub settings: CvSettings,
    #[command(flatten)]
    pub device: DeviceArgs,
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
    let info = (args.files)
        .train(&args.train, args.device.device, show)
        .with_context(|| format!("training on {}", args.files.mentions.display()))?;
    bar.finish();
    if !global.quiet {
        eprintln!("{info} saved in {}", args.files.folders.out.display());
    }
    Ok(())
}

fn run_evaluate(files: EvaluateFiles) -> anyhow::Result<()> {
    let evaluation = files::evaluate_files(&files)
        .with_context(|| format!("scoring {}", files.mentions.display()))?;
    print!("{evaluation}");
    Ok(())
}

fn run_cv(args: CvArgs, global: &Global) -> anyhow::Result<()> {
    let mut bar = TrainProgress::new("cv", global.quiet);
    let result = (args.files)
        .cross_validate(&args.settings, args.device.device, &mut |e| {
            bar.show_fold(e)
        })
        .with_context(|| format!("cross-validating on {}", args.files.mentions.display()))?;
    bar.finish();
    print!("{result}");
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub settings: BenchSettings,
    #[command(flatten)]
    pub device: DeviceArgs,
}

pub fn bench(args: BenchArgs, global: &Global) -> anyhow::Result<()> {
    let tagger = uptake_reports::Tagger::new(&load_ontology(global)?)?;
    let report = run_bench_on(args.device.device, &args.settings, &tagger)?;
    print!("{report}");
    Ok(())
}

fn run_pretrain(args: PretrainArgs, global: &Global) -> anyhow::Result<()> {
    let mut bar = TrainProgress::new("pretrain", global.quiet);
    let show = &mut |event| bar.show(event, |r| Some(pretrain::epoch_summary(r)));
    let run = &args.files;
    let pretrained =
        run.pretrain::<DefaultTrainBackend>(&args.options, &Default::default(), show)?;
    bar.finish();
    print!("{pretrained}");
    Ok(())
}

fn run_vocab(files: VocabFiles) -> anyhow::Result<()> {
    print!("{}", files::build_vocab_files(&files)?);
    Ok(())
}
