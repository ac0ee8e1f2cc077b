//! `uptake report-model train|evaluate|cv` and `uptake bench report-model`: the BERT mention
//! classifier (crate uptake-textmodel) beside the regex and rules labellers (uptake-labels).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use uptake_core::LabelledSentence;
use uptake_labels::evaluate::{
    BinaryMetrics, MentionEvaluation, binary_metrics, evaluate_scores, score_labelled,
};
use uptake_labels::{MentionScorer, RegexLabeller, RulesLabeller, mean_scores};
use uptake_stats::resample::{StatisticCi, bootstrap_statistic_ci};
use uptake_textmodel::ReportModel;
use uptake_textmodel::train::{TrainEvent, TrainOptions, train};

use crate::common::{Global, progress};

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
    #[arg(long)]
    pub base: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
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

#[derive(clap::Args, Debug)]
pub struct VocabArgs {
    #[command(flatten)]
    pub corpus: CorpusArgs,
    #[arg(long)]
    pub base: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
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
    /// Base model folder (Hugging Face BERT: config.json, model.safetensors, tokenizer.json or vocab.txt).
    #[arg(long)]
    pub base: PathBuf,
    /// Output model folder.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub train: TrainOptionArgs,
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
}

#[derive(clap::Args, Debug)]
pub struct CvArgs {
    #[arg(long)]
    pub mentions: PathBuf,
    #[arg(long)]
    pub base: PathBuf,
    /// Folder for the fold models and cv.json (an interrupted run resumes).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    #[command(flatten)]
    pub train: TrainOptionArgs,
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

/// Trains with a progress bar showing loss and validation AUROC.
fn train_with_bar(
    mentions: &Path,
    base: &Path,
    out: &Path,
    options: &TrainOptions,
    quiet: bool,
) -> anyhow::Result<()> {
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut loss_avg = None::<f64>;
    let mut last_auroc = String::from("-");
    let info = train(mentions, base, out, options, &mut |event| match event {
        TrainEvent::Start { first_epoch, epochs, batches_per_epoch, train_sentences, val_sentences } => {
            let b = progress(((epochs + 1 - first_epoch) * batches_per_epoch) as u64, "train", quiet);
            b.println(format!(
                "training on {train_sentences} sentences, validating on {val_sentences}; epochs {first_epoch}..={epochs}"
            ));
            bar = Some(b);
        }
        TrainEvent::Batch { epoch, loss } => {
            let avg = loss_avg.map_or(loss, |a| 0.9 * a + 0.1 * loss);
            loss_avg = Some(avg);
            if let Some(b) = &bar {
                b.inc(1);
                b.set_prefix(format!("epoch {epoch} loss {avg:.4} val AUROC {last_auroc}"));
            }
        }
        TrainEvent::Epoch(m) => {
            last_auroc = m.val_auroc.map_or("-".into(), |a| format!("{a:.3}"));
        }
        TrainEvent::EarlyStop { epoch } => {
            if let Some(b) = &bar {
                b.println(format!("early stop after epoch {epoch}"));
            }
        }
    })
    .with_context(|| format!("training on {}", mentions.display()))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if !quiet {
        eprintln!(
            "best epoch {} (validation AUROC {}) saved in {}",
            info.epoch,
            info.val_auroc.map_or("n/a".into(), |a| format!("{a:.3}")),
            out.display()
        );
    }
    Ok(())
}

fn run_train(args: TrainArgs, global: &Global) -> anyhow::Result<()> {
    train_with_bar(
        &args.mentions,
        &args.base,
        &args.out,
        &args.train.options(),
        global.quiet,
    )
}

fn fmt(v: Option<f64>) -> String {
    v.map_or("   -  ".into(), |v| format!("{v:6.3}"))
}

fn print_evaluations(evals: &[MentionEvaluation]) {
    println!(
        "{:<12} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "method", "n", "AUROC", "F1", "sens", "spec"
    );
    for e in evals {
        let m = &e.overall;
        println!(
            "{:<12} {:>6} {} {} {} {}",
            e.scorer,
            m.n,
            fmt(m.auroc),
            fmt(m.f1),
            fmt(m.sensitivity),
            fmt(m.specificity)
        );
    }
    println!("\nper region (AUROC / F1):");
    let regions: Vec<&String> = evals[0].per_region.keys().collect();
    print!("{:<30} {:>5}", "region", "n");
    for e in evals {
        print!(" {:>15}", e.scorer);
    }
    println!();
    for r in regions {
        print!("{:<30} {:>5}", r, evals[0].per_region[r].n);
        for e in evals {
            let m = &e.per_region[r];
            print!("   {} {}", fmt(m.auroc), fmt(m.f1));
        }
        println!();
    }
}

fn evaluation_json(e: &MentionEvaluation) -> serde_json::Value {
    let m = |m: &uptake_labels::evaluate::BinaryMetrics| {
        serde_json::json!({"n": m.n, "positives": m.positives, "auroc": m.auroc, "f1": m.f1,
            "sensitivity": m.sensitivity, "specificity": m.specificity, "precision": m.precision})
    };
    serde_json::json!({
        "method": e.scorer,
        "threshold": e.threshold,
        "overall": m(&e.overall),
        "per_region": e.per_region.iter().map(|(k, v)| (k.clone(), m(v))).collect::<serde_json::Map<_, _>>(),
    })
}

fn run_evaluate(args: EvaluateArgs) -> anyhow::Result<()> {
    let sentences = uptake_core::mentions::read_mentions(&args.mentions)?;
    let mut model = crate::common::report_model_scorer(&args.model)?;
    let model_scores = score_labelled(model.as_mut(), &sentences)?;
    let (names, all_scores) = beside_the_rules(model.name(), model_scores, &sentences)?;
    let evals = evaluations(&names, &all_scores, &sentences, args.threshold);
    print_evaluations(&evals);
    let against_rules =
        print_differences_from_rules(&names, &all_scores, &sentences, args.threshold);
    if let Some(path) = &args.scores {
        write_mention_scores(path, &sentences, &names, &all_scores)?;
    }
    if let Some(path) = &args.json {
        let value = serde_json::Value::Array(json_with_differences(&evals, &against_rules));
        uptake_core::write_atomic(path, |w| Ok(serde_json::to_writer_pretty(&mut *w, &value)?))?;
    }
    Ok(())
}

/// One labeller's scores of hand-labelled mentions: a vector per sentence, a score per mention.
type MentionScores = Vec<Vec<f64>>;

/// The figures of each labeller's scores.
fn evaluations(
    names: &[String],
    scores: &[MentionScores],
    sentences: &[LabelledSentence],
    threshold: f64,
) -> Vec<MentionEvaluation> {
    names
        .iter()
        .zip(scores)
        .map(|(name, scores)| evaluate_scores(name, sentences, scores, threshold))
        .collect()
}

/// Bootstrap resamples and confidence level of the differences from the rules.
const RESAMPLES: usize = 2000;
const LEVEL: f64 = 0.95;

/// A labeller's AUROC and F1 minus the rules', on the same mentions.
struct AgainstRules {
    auroc: Option<StatisticCi>,
    f1: Option<StatisticCi>,
}

/// AUROC and F1 of the labellers before "rules" in `names` minus those of the rules, with
/// percentile bootstrap intervals over whole sentences (a sentence's mentions share its
/// wording, so they are resampled together), printed and returned in the same order.
fn print_differences_from_rules(
    names: &[String],
    scores: &[MentionScores],
    sentences: &[LabelledSentence],
    threshold: f64,
) -> Vec<AgainstRules> {
    let Some(rules) = names.iter().position(|n| n == "rules") else {
        return Vec::new();
    };
    let labels: Vec<Vec<bool>> = sentences
        .iter()
        .map(|s| s.mentions.iter().map(|m| m.label == 1).collect())
        .collect();
    println!(
        "\nminus the rules, {:.0} % CI over {RESAMPLES} resamples of sentences:",
        LEVEL * 100.0
    );
    println!("{:<12} {:>24} {:>24}", "method", "AUROC", "F1");
    let show = |d: &Option<StatisticCi>| match d {
        Some(StatisticCi {
            estimate,
            ci: Some((lo, hi)),
            ..
        }) => format!("{estimate:+.3} ({lo:+.3}, {hi:+.3})"),
        Some(d) => format!("{:+.3}", d.estimate),
        None => "-".into(),
    };
    let n = sentences.len();
    (0..rules)
        .map(|k| {
            let ci = |pick: fn(&BinaryMetrics) -> Option<f64>| {
                let statistic = |idx: &[usize]| {
                    difference(idx, &scores[k], &scores[rules], &labels, threshold, pick)
                };
                bootstrap_statistic_ci(n, statistic, LEVEL, RESAMPLES, 0)
            };
            let d = AgainstRules {
                auroc: ci(|m| m.auroc),
                f1: ci(|m| m.f1),
            };
            println!(
                "{:<12} {:>24} {:>24}",
                names[k],
                show(&d.auroc),
                show(&d.f1)
            );
            d
        })
        .collect()
}

/// A figure of scores `a` minus the same figure of scores `b`, on the sentences `idx`.
fn difference(
    idx: &[usize],
    a: &[Vec<f64>],
    b: &[Vec<f64>],
    labels: &[Vec<bool>],
    threshold: f64,
    pick: fn(&BinaryMetrics) -> Option<f64>,
) -> Option<f64> {
    let (mut sa, mut sb, mut l) = (Vec::new(), Vec::new(), Vec::new());
    for &i in idx {
        sa.extend_from_slice(&a[i]);
        sb.extend_from_slice(&b[i]);
        l.extend_from_slice(&labels[i]);
    }
    let (ma, mb) = (
        binary_metrics(&sa, &l, threshold),
        binary_metrics(&sb, &l, threshold),
    );
    Some(pick(&ma)? - pick(&mb)?)
}

/// The evaluations as JSON, each labeller before the rules with its `minus_rules` differences.
fn json_with_differences(
    evals: &[MentionEvaluation],
    against_rules: &[AgainstRules],
) -> Vec<serde_json::Value> {
    evals
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let mut value = evaluation_json(e);
            if let Some(d) = against_rules.get(k) {
                value["minus_rules"] = serde_json::json!({
                    "auroc": d.auroc, "f1": d.f1, "level": LEVEL, "resamples_of_sentences": RESAMPLES,
                });
            }
            value
        })
        .collect()
}

/// The model's mention scores beside those of the model and the rules combined
/// (`--method model+rules`), the rules and the regex baseline, with their names.
fn beside_the_rules(
    model_name: &str,
    model_scores: MentionScores,
    sentences: &[LabelledSentence],
) -> anyhow::Result<(Vec<String>, Vec<MentionScores>)> {
    let rules = score_labelled(&mut RulesLabeller::builtin(), sentences)?;
    let regex = score_labelled(&mut RegexLabeller::new(), sentences)?;
    let combined = mean_scores(&[model_scores.clone(), rules.clone()]);
    let names = vec![
        model_name.to_string(),
        "model+rules".to_string(),
        "rules".to_string(),
        "regex".to_string(),
    ];
    Ok((names, vec![model_scores, combined, rules, regex]))
}

/// One row per hand-labelled mention: where it is, its label and each labeller's score.
fn write_mention_scores(
    path: &Path,
    sentences: &[LabelledSentence],
    names: &[String],
    scores: &[MentionScores],
) -> anyhow::Result<()> {
    uptake_core::write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let mut header = vec!["line", "id", "mention", "region", "start", "end", "label"];
        header.extend(names.iter().map(String::as_str));
        csv.write_record(&header)?;
        for (i, sentence) in sentences.iter().enumerate() {
            for (j, m) in sentence.mentions.iter().enumerate() {
                let mut row = vec![
                    (i + 1).to_string(),
                    sentence.id.clone().unwrap_or_default(),
                    j.to_string(),
                    m.region.clone(),
                    m.start.to_string(),
                    m.end.to_string(),
                    m.label.to_string(),
                ];
                row.extend(scores.iter().map(|s| format!("{:.6}", s[i][j])));
                csv.write_record(&row)?;
            }
        }
        csv.flush()?;
        Ok(())
    })?;
    Ok(())
}

fn run_cv(args: CvArgs, global: &Global) -> anyhow::Result<()> {
    if args.folds < 2 {
        bail!("--folds must be at least 2");
    }
    let sentences: Vec<LabelledSentence> = uptake_core::mentions::read_mentions(&args.mentions)?;
    let lines: Vec<String> = std::fs::read_to_string(&args.mentions)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    // Seeded fold assignment by sentence.
    let mut order: Vec<usize> = (0..sentences.len()).collect();
    {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.train.seed);
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
    }
    let fold_of: Vec<usize> = {
        let mut f = vec![0; sentences.len()];
        for (rank, &i) in order.iter().enumerate() {
            f[i] = rank % args.folds;
        }
        f
    };
    let mut model_scores: Vec<Vec<f64>> = vec![Vec::new(); sentences.len()];
    let mut folds_json = Vec::new();
    for fold in 0..args.folds {
        let dir = args.out.join(format!("fold-{fold}"));
        let train_file = dir.join("train.jsonl");
        let train_lines: String = (0..sentences.len())
            .filter(|&i| fold_of[i] != fold)
            .map(|i| lines[i].clone() + "\n")
            .collect();
        uptake_core::write_atomic(&train_file, |w| {
            std::io::Write::write_all(w, train_lines.as_bytes())
        })?;
        if !global.quiet {
            eprintln!("fold {}/{}", fold + 1, args.folds);
        }
        let model_dir = dir.join("model");
        train_with_bar(
            &train_file,
            &args.base,
            &model_dir,
            &args.train.options(),
            global.quiet,
        )?;
        let test: Vec<usize> = (0..sentences.len())
            .filter(|&i| fold_of[i] == fold)
            .collect();
        let test_sentences: Vec<LabelledSentence> =
            test.iter().map(|&i| sentences[i].clone()).collect();
        let mut model = ReportModel::load_trained(&model_dir)?;
        let scores = score_labelled(&mut model, &test_sentences)?;
        let (s, l): (Vec<f64>, Vec<bool>) = test_sentences
            .iter()
            .zip(&scores)
            .flat_map(|(t, sc)| t.mentions.iter().zip(sc).map(|(m, &p)| (p, m.label == 1)))
            .unzip();
        let m = binary_metrics(&s, &l, args.threshold);
        folds_json
            .push(serde_json::json!({"fold": fold, "mentions": m.n, "auroc": m.auroc, "f1": m.f1}));
        for (&i, sc) in test.iter().zip(scores) {
            model_scores[i] = sc;
        }
    }
    // Pooled out-of-fold predictions, beside the rule labellers on the same mentions.
    let (names, all_scores) = beside_the_rules("model", model_scores, &sentences)?;
    let evals = evaluations(&names, &all_scores, &sentences, args.threshold);
    println!(
        "{}-fold cross-validation, out-of-fold mention predictions pooled:",
        args.folds
    );
    print_evaluations(&evals);
    let against_rules =
        print_differences_from_rules(&names, &all_scores, &sentences, args.threshold);
    let value = serde_json::json!({
        "folds": args.folds,
        "options": args.train.options(),
        "base": args.base,
        "per_fold_model": folds_json,
        "pooled": json_with_differences(&evals, &against_rules),
    });
    uptake_core::write_atomic(&args.out.join("cv.json"), |w| {
        Ok(serde_json::to_writer_pretty(&mut *w, &value)?)
    })?;
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
}

pub fn bench(args: BenchArgs, global: &Global) -> anyhow::Result<()> {
    let sentences = uptake_core::mentions::read_mentions(&args.mentions)?;
    let mut model = ReportModel::load(&args.model)?;
    let n_mentions: usize = sentences.iter().map(|s| s.mentions.len()).sum();
    let mut best = f64::INFINITY;
    for _ in 0..args.repeats.max(1) {
        let t = Instant::now();
        let scores = score_labelled(&mut model, &sentences)?;
        best = best.min(t.elapsed().as_secs_f64());
        assert_eq!(scores.len(), sentences.len());
    }
    println!(
        "report model ({}): {} sentences, {} mentions in {:.2} s: {:.1} sentences/s, {:.1} mentions/s",
        args.model.display(),
        sentences.len(),
        n_mentions,
        best,
        sentences.len() as f64 / best,
        n_mentions as f64 / best
    );
    if let Some(python) = &args.torch_python {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../textmodel/scripts/bench_torch.py");
        let status = std::process::Command::new(python)
            .arg(&script)
            .arg(&args.model)
            .arg(&args.mentions)
            .arg(args.repeats.max(1).to_string())
            .status()
            .with_context(|| format!("running {} {}", python.display(), script.display()))?;
        if !status.success() {
            bail!("the PyTorch baseline failed ({status})");
        }
    }
    if let Some(path) = &args.reports {
        let ontology = crate::common::load_ontology(global)?;
        let tagger = uptake_reports::Tagger::new(&ontology)?;
        let t = Instant::now();
        let reports = uptake_reports::read_reports(path)?;
        let tagged: Vec<_> = reports
            .reports
            .iter()
            .flat_map(|r| tagger.tag_report(r))
            .collect();
        let batch: Vec<uptake_labels::SentenceMentions<'_>> = tagged
            .iter()
            .filter(|s| !s.mentions.is_empty())
            .map(|s| {
                uptake_labels::SentenceMentions::new(
                    &s.text,
                    s.mentions.iter().map(|m| m.span).collect(),
                )
            })
            .collect();
        let n: usize = batch.iter().map(|s| s.spans.len()).sum();
        MentionScorer::score(&mut model, &batch)?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "end to end (read, tag, score) {}: {} reports, {} mentions in {:.2} s: {:.2} reports/s, {:.1} mentions/s",
            path.display(),
            reports.len(),
            n,
            secs,
            reports.len() as f64 / secs,
            n as f64 / secs
        );
    }
    if let Some(base) = &args.base {
        let dir = tempfile_dir()?;
        let options = TrainOptions {
            epochs: 1,
            mentions_per_epoch: 100,
            val_split: 0.0,
            ..Default::default()
        };
        let t = Instant::now();
        train(&args.mentions, base, &dir, &options, &mut |_| {})?;
        println!(
            "fine-tuning, one epoch of 100 mentions (batch 16, all layers) from {}: {:.1} s",
            base.display(),
            t.elapsed().as_secs_f64()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir =
        std::env::temp_dir().join(format!("uptake-bench-report-model-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(dir)
}

/// Report texts and/or mention-file sentences.
fn training_texts(
    reports: Option<&PathBuf>,
    sentences: Option<&PathBuf>,
) -> anyhow::Result<Vec<String>> {
    let mut texts: Vec<String> = Vec::new();
    if let Some(path) = reports {
        texts.extend(
            uptake_reports::read_reports(path)?
                .reports
                .into_iter()
                .map(|r| r.text),
        );
    }
    if let Some(path) = sentences {
        texts.extend(
            uptake_core::mentions::read_mentions(path)?
                .into_iter()
                .map(|s| s.text),
        );
    }
    if texts.is_empty() {
        bail!("no training text: the reports / sentences files are empty");
    }
    Ok(texts)
}

fn run_pretrain(args: PretrainArgs, global: &Global) -> anyhow::Result<()> {
    use uptake_textmodel::pretrain::{PretrainEvent, PretrainOptions, pretrain};
    let texts = training_texts(args.corpus.reports.as_ref(), args.corpus.sentences.as_ref())?;
    let options = PretrainOptions {
        epochs: args.epochs,
        batch_size: args.batch_size,
        max_len: args.max_len,
        learning_rate: args.lr,
        seed: args.seed,
        ..Default::default()
    };
    let mut bar: Option<indicatif::ProgressBar> = None;
    let loss = pretrain(&texts, &args.base, &args.out, &options, &mut |e| match e {
        PretrainEvent::Start {
            first_epoch,
            windows,
            batches_per_epoch,
            epochs,
        } => {
            let b = progress(
                (batches_per_epoch * (epochs + 1).saturating_sub(first_epoch)) as u64,
                "pretrain",
                global.quiet,
            );
            b.println(format!(
                "{windows} windows of at most {} pieces",
                args.max_len
            ));
            if first_epoch > 1 {
                b.println(format!("resuming at epoch {first_epoch} of {epochs}"));
            }
            bar = Some(b);
        }
        PretrainEvent::Batch { epoch, loss } => {
            if let Some(b) = &bar {
                b.inc(1);
                b.set_prefix(format!("epoch {epoch} MLM loss {loss:.3}"));
            }
        }
        PretrainEvent::Epoch { epoch, mean_loss } => {
            if let Some(b) = &bar {
                b.println(format!("epoch {epoch}: mean MLM loss {mean_loss:.3}"));
            }
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    println!(
        "pre-trained on {} texts, final mean MLM loss {loss:.3} -> {}",
        texts.len(),
        args.out.display()
    );
    Ok(())
}

fn run_vocab(args: VocabArgs) -> anyhow::Result<()> {
    let texts = training_texts(args.corpus.reports.as_ref(), args.corpus.sentences.as_ref())?;
    let summary =
        uptake_textmodel::vocab::build_domain_vocab(&texts, &args.base, &args.out, args.size)?;
    println!(
        "learned {} pieces on {} texts: {} already in the base vocabulary, {} added in place of {} free slots -> {}",
        summary.learned,
        texts.len(),
        summary.kept,
        summary.added,
        summary.free_slots,
        args.out.display()
    );
    if let Some(path) = &args.compare_on {
        let sentences = uptake_core::mentions::read_mentions(path)?;
        let base = ReportModel::load(&args.base)?;
        let domain = ReportModel::load(&args.out)?;
        let (mut a, mut b) = (0usize, 0usize);
        for s in &sentences {
            a += base.tokens(&s.text)?.len();
            b += domain.tokens(&s.text)?.len();
        }
        println!(
            "word pieces on {} sentences of {}: base {a}, domain {b} ({:.1} % fewer; {:.2} vs {:.2} per sentence)",
            sentences.len(),
            path.display(),
            100.0 * (a as f64 - b as f64) / a.max(1) as f64,
            a as f64 / sentences.len().max(1) as f64,
            b as f64 / sentences.len().max(1) as f64
        );
    }
    Ok(())
}
