//! The learning check of docs/scan-model.md: trains on a phantom cohort's weak labels and
//! prints held-out AUROC and attention mass inside the true region.
//!
//! cargo run -p uptake-scanmodel --example learn -- WIDTH BLOCKS IN_PLANE EXAMS EPOCHS LR SIDE RUN_DIR

use uptake_scanmodel::config::{EncoderConfig, HeadKind, ModelConfig};
use uptake_scanmodel::phantom::{TASKS, learning_check};
use uptake_scanmodel::train::TrainOptions;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: learn WIDTH BLOCKS IN_PLANE EXAMS EPOCHS LR SIDE RUN_DIR (e.g. 0.125 2 32 120 6 1e-3 32 /tmp/run)";
    if args.len() != 8 {
        eprintln!("{usage}");
        return std::process::ExitCode::from(2);
    }
    let parsed = (|| -> Option<_> {
        Some((
            args[0].parse::<f32>().ok()?,
            args[1].parse::<usize>().ok()?,
            args[2].parse::<usize>().ok()?,
            args[3].parse::<usize>().ok()?,
            args[4].parse::<usize>().ok()?,
            args[5].parse::<f64>().ok()?,
            args[6].parse::<usize>().ok()?,
        ))
    })();
    let Some((width, blocks, in_plane, exams, epochs, lr, side)) = parsed else {
        eprintln!("{usage}");
        return std::process::ExitCode::from(2);
    };
    let config = ModelConfig {
        encoder: EncoderConfig::small(width, blocks),
        head: HeadKind::Attention,
        regions: TASKS.iter().map(|t| t.0.to_string()).collect(),
        in_plane,
        slice_step: 1,
        position_bins: 0,
    };
    let options = TrainOptions {
        epochs,
        learning_rate: lr,
        seed: 1,
        ..TrainOptions::default()
    };
    let dir = std::path::PathBuf::from(&args[7]);
    match learning_check::<uptake_scanmodel::CpuTrainBackend>(
        &config,
        exams,
        60,
        [side; 3],
        &options,
        &dir,
        false,
        &Default::default(),
    ) {
        Ok(report) => {
            println!("{report}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
