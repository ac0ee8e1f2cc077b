//! `uptake demo`: the whole pipeline on a fresh synthetic cohort (`uptake_pipeline::demo`),
//! printing the command line equivalent to each step before it runs, then a summary.

use crate::common::{Bars, Global};
use crate::train_progress::TrainProgress;
use std::path::PathBuf;
use uptake_core::Progress;
use uptake_pipeline::demo::{
    CommandLine, DemoObserver, DemoSettings, ReportModelChoice, TrainEvent, epoch_line, run_demo,
};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to write the demo's cohort, labels, models and report (created; replaced pieces
    /// are rebuilt, finished ones reused where the steps allow it).
    #[arg(long, default_value = "uptake-demo")]
    pub out: PathBuf,
    /// Seed for every random choice of the demo.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Exams in the synthetic cohort (small resolution). A quarter are held out for testing.
    #[arg(long, default_value_t = DemoSettings::default().exams as u32,
        value_parser = clap::value_parser!(u32).range(20..=100_000))]
    pub exams: u32,
    /// Scan-model training epochs (tiny network on a 32 x 32 grid). It starts to learn after
    /// about 5 epochs of the default cohort; fewer show the pipeline only.
    #[arg(long, default_value_t = DemoSettings::default().scan_epochs as u32,
        value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub scan_epochs: u32,
    /// Skip the BERT report model even when its weights are set up (faster).
    #[arg(long)]
    pub no_report_model: bool,
}

impl Args {
    pub fn settings(&self) -> DemoSettings {
        let defaults = DemoSettings::default();
        DemoSettings {
            out: self.out.clone(),
            seed: self.seed,
            exams: self.exams as usize,
            scan_epochs: self.scan_epochs as usize,
            report_model: match self.no_report_model {
                true => ReportModelChoice::Skip,
                false => defaults.report_model,
            },
        }
    }
}

/// Prints steps, command lines and notes on stdout, progress on stderr.
struct Printer {
    bars: Bars,
    training: Option<TrainProgress>,
    quiet: bool,
}

impl DemoObserver for Printer {
    fn step(&mut self, title: &str) {
        println!("\n== {title}");
    }

    fn command(&mut self, line: &CommandLine) {
        println!("$ {line}");
    }

    fn note(&mut self, text: &str) {
        println!("({text})");
    }

    fn progress(&self) -> &dyn Progress {
        &self.bars
    }

    fn training(&mut self, event: TrainEvent<()>) {
        let quiet = self.quiet;
        self.training
            .get_or_insert_with(|| TrainProgress::new("train", quiet))
            .show(event, |record| Some(epoch_line(record)));
    }

    fn training_done(&mut self) {
        if let Some(bar) = self.training.take() {
            bar.finish();
        }
    }
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<()> {
    let mut printer = Printer {
        bars: Bars::new(global.quiet),
        training: None,
        quiet: global.quiet,
    };
    let summary = run_demo(&args.settings(), &mut printer)?;
    print!("{summary}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_line_the_demo_prints_parses_as_an_uptake_command() {
        for no_report_model in [false, true] {
            let args = Args {
                out: "demo out".into(),
                seed: 3,
                exams: 40,
                scan_epochs: 2,
                no_report_model,
            };
            let lines = uptake_pipeline::demo::command_lines(&args.settings());
            assert!(lines.len() >= 15, "{} lines", lines.len());
            for line in lines {
                let argv = std::iter::once("uptake".to_string()).chain(line.args().to_vec());
                if let Err(e) = <crate::Cli as clap::Parser>::try_parse_from(argv) {
                    panic!("`{line}` does not parse: {e}");
                }
            }
        }
    }
}
