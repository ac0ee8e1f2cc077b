//! Fine-tuning: single-task heads on the encoder of a trained run, one run per task of a
//! [`FinetuneTarget`], each keeping its best epoch by validation AUROC.

use std::path::{Path, PathBuf};

use crate::config::ModelConfig;
use crate::error::Result;
use crate::init::Init;
use crate::request::PlannedRun;
use crate::run::read_config;
use crate::targets::{FinetuneTarget, TargetTable};
use crate::train::{Targets, TrainOptions, TrainSettings};

/// What `uptake finetune` fine-tunes.
#[derive(Debug, Clone, PartialEq)]
pub struct FinetuneSettings {
    /// The run whose encoder every head starts from.
    pub from: PathBuf,
    /// What the heads learn.
    pub target: FinetuneTarget,
    /// How each run trains.
    pub options: TrainOptions,
}

/// One single-task run of a fine-tuning.
#[derive(Debug, Clone)]
pub struct FinetuneRun {
    /// Its task.
    pub task: String,
    /// The run: the base run's network with this task's head; its folder is the output
    /// folder itself for one task, else a folder per task in it.
    pub run: PlannedRun,
}

impl FinetuneSettings {
    /// The runs of this fine-tuning into `out`, in task order (reads the base run's
    /// configuration and the target's labels).
    pub fn runs(&self, out: &Path) -> Result<Vec<FinetuneRun>> {
        let base = read_config(&self.from)?;
        let TargetTable { table, tasks } = self.target.table()?;
        let run = |task: &String| -> Result<FinetuneRun> {
            let settings = TrainSettings {
                config: ModelConfig {
                    regions: vec![task.clone()],
                    ..base.clone()
                },
                options: self.options.clone(),
                init: Init::EncoderFrom(self.from.clone()),
                validation_exams: None,
            };
            let run = PlannedRun {
                targets: Targets::from_table(&table, &settings.config.regions)?,
                settings,
                out: match tasks.len() {
                    1 => out.to_path_buf(),
                    _ => out.join(task),
                },
            };
            Ok(FinetuneRun {
                task: task.clone(),
                run,
            })
        };
        tasks.iter().map(run).collect()
    }
}

/// `fine-tuning `TASK` from BASE into OUT`.
impl std::fmt::Display for FinetuneRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let from = self
            .run
            .settings
            .init
            .source_run()
            .unwrap_or(Path::new("?"));
        write!(
            f,
            "fine-tuning `{}` from {} into {}",
            self.task,
            from.display(),
            self.run.out.display()
        )
    }
}
