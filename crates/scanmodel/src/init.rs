//! How a new run's network starts: random weights, Kinetics-400 I3D weights, a PyTorch I3D
//! checkpoint, or another run's weights. [`Init`] is parsed once from its command-line
//! argument, by what the argument names: a word, a file (told apart by its first bytes) or a
//! run folder.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use burn::tensor::backend::Backend;

use crate::checkpoint::{
    Coverage, NamedTensors, load_named, named_tensors, read_safetensors, with_prefix,
};
use crate::config::ModelConfig;
use crate::error::{Result, ScanModelError};
use crate::model::ScanModel;
use crate::run::{RunPaths, read_config};

/// How the encoder (and heads) start.
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// Random weights (seeded by the run's seed).
    Random,
    /// Converted Kinetics-400 weights (see [`crate::kinetics`]).
    Kinetics(PathBuf),
    /// A PyTorch I3D checkpoint, `.pt` / `.pth` (see [`crate::torch`]).
    Torch(PathBuf),
    /// The encoder of another run's best checkpoint (fine-tuning); heads start fresh.
    EncoderFrom(PathBuf),
    /// Another run's best checkpoint as a warm start: the encoder, and the heads too where that
    /// run has the same tasks, head kind and position prior. The input grid (`in_plane`, `slice_step`) may
    /// differ, since no weight depends on it: a model trained cheaply on a coarse grid can
    /// continue on a finer one.
    Run(PathBuf),
}

/// An `--init` argument that names no initialisation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "`{given}`: {problem}; expected random, kinetics, a PyTorch I3D checkpoint (.pt/.pth), \
     Kinetics weights (.safetensors) or the folder of a run"
)]
pub struct BadInit {
    /// The argument.
    pub given: String,
    /// What it is instead.
    pub problem: String,
}

impl FromStr for Init {
    type Err = BadInit;

    /// `random`, `kinetics` (the weights `scripts/setup` converted), or a path: a file is a
    /// PyTorch checkpoint (a zip archive or a legacy pickle) or Kinetics weights
    /// (safetensors), by its first bytes; a folder is a run (it has `config.json`).
    fn from_str(s: &str) -> std::result::Result<Self, BadInit> {
        let bad = |problem: &str| BadInit {
            given: s.to_string(),
            problem: problem.to_string(),
        };
        match s {
            "random" => return Ok(Self::Random),
            "kinetics" => return Ok(Self::Kinetics(crate::kinetics::default_path())),
            _ => {}
        }
        let path = PathBuf::from(s);
        let meta = std::fs::metadata(&path).map_err(|_| bad("no such file or folder"))?;
        if meta.is_dir() {
            return match RunPaths::new(&path).config().is_file() {
                true => Ok(Self::Run(path)),
                false => Err(bad("a folder without config.json, so not a run")),
            };
        }
        let mut head = [0u8; 9];
        let n = std::io::Read::read(
            &mut std::fs::File::open(&path).map_err(|_| bad("unreadable"))?,
            &mut head,
        )
        .map_err(|_| bad("unreadable"))?;
        match file_kind(&head[..n]) {
            Some(FileKind::Torch) => Ok(Self::Torch(path)),
            Some(FileKind::Safetensors) => Ok(Self::Kinetics(path)),
            None => Err(bad(
                "a file that is neither a PyTorch checkpoint nor safetensors",
            )),
        }
    }
}

enum FileKind {
    Torch,
    Safetensors,
}

/// What a file's first bytes say it is: a zip archive (`torch.save` since 1.6) or a pickle
/// (protocol 2+, the legacy format) is a PyTorch checkpoint; an 8-byte header length and a
/// JSON object is safetensors.
fn file_kind(head: &[u8]) -> Option<FileKind> {
    if head.starts_with(b"PK\x03\x04") || head.first() == Some(&0x80) {
        return Some(FileKind::Torch);
    }
    (head.len() == 9 && head[8] == b'{').then_some(FileKind::Safetensors)
}

impl Init {
    /// The default for a network: Kinetics where it applies (full width, and the weights at
    /// `kinetics` exist), random otherwise.
    pub fn default_for(config: &ModelConfig, kinetics: PathBuf) -> Self {
        if config.encoder.width == 1.0 && kinetics.exists() {
            Self::Kinetics(kinetics)
        } else {
            Self::Random
        }
    }

    /// The initialisation asked for, `None` being the default for the network
    /// ([`Init::default_for`]); Kinetics weights are read from `kinetics`, by default
    /// [`crate::kinetics::default_path`].
    pub fn resolve(choice: Option<Init>, kinetics: Option<PathBuf>, config: &ModelConfig) -> Self {
        let path = kinetics.unwrap_or_else(crate::kinetics::default_path);
        match choice {
            Some(Init::Kinetics(_)) => Init::Kinetics(path),
            Some(init) => init,
            None => Init::default_for(config, path),
        }
    }

    /// The run whose weights this starts from, if any.
    pub(crate) fn source_run(&self) -> Option<&Path> {
        match self {
            Self::Run(run) | Self::EncoderFrom(run) => Some(run),
            _ => None,
        }
    }
}

/// Applies an initialisation to a freshly built model.
pub fn initialise<B: Backend>(
    model: ScanModel<B>,
    init: &Init,
    config: &ModelConfig,
) -> Result<ScanModel<B>> {
    match init {
        Init::Random => Ok(model),
        Init::Kinetics(path) => from_kinetics(model, path, config),
        Init::Torch(path) => Ok(crate::torch::load_encoder(model, path)?.0),
        Init::EncoderFrom(run) => from_run(model, run, config, Heads::Fresh),
        Init::Run(run) => from_run(model, run, config, Heads::FromRunWhereSame),
    }
}

fn from_kinetics<B: Backend>(
    model: ScanModel<B>,
    path: &Path,
    config: &ModelConfig,
) -> Result<ScanModel<B>> {
    if config.encoder.width != 1.0 {
        return Err(ScanModelError::Config(format!(
            "Kinetics weights fit the full-width encoder only (width 1.0, this one {}); use --init random",
            config.encoder.width
        )));
    }
    if !path.exists() {
        return Err(ScanModelError::file(
            path,
            "Kinetics I3D weights not found: run scripts/setup (scripts/setup.d/21-i3d.sh)",
        ));
    }
    let file = read_safetensors(path)?;
    let tensors = crate::kinetics::encoder_tensors(&file, config.encoder.in_channels, path)?;
    load_encoder(model, &tensors, path)
}

/// Whether a run's heads come along.
enum Heads {
    Fresh,
    FromRunWhereSame,
}

fn from_run<B: Backend>(
    model: ScanModel<B>,
    run: &Path,
    config: &ModelConfig,
    heads: Heads,
) -> Result<ScanModel<B>> {
    let source = read_config(run)?;
    if source.encoder != config.encoder {
        return Err(ScanModelError::ConfigMismatch {
            path: RunPaths::new(run).config(),
            what: format!(
                "encoder {:?} there, {:?} here",
                source.encoder, config.encoder
            ),
        });
    }
    let weights = RunPaths::new(run).weights()?;
    let file = read_safetensors(&weights)?;
    let same_heads = source.regions == config.regions
        && source.head == config.head
        && source.position_bins == config.position_bins;
    let tensors = match heads {
        Heads::FromRunWhereSame if same_heads => file,
        _ => with_prefix(&file, "encoder.", "encoder."),
    };
    load_encoder(model, &tensors, &weights)
}

/// Loads those of the given tensors the model has; every encoder tensor must be among them.
fn load_encoder<B: Backend>(
    model: ScanModel<B>,
    tensors: &NamedTensors,
    path: &Path,
) -> Result<ScanModel<B>> {
    let wanted = named_tensors::<B, _>(&model);
    let missing: Vec<&String> = wanted
        .keys()
        .filter(|k| k.starts_with("encoder.") && !tensors.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(ScanModelError::ConfigMismatch {
            path: path.to_path_buf(),
            what: format!(
                "{} encoder tensors missing, first {}",
                missing.len(),
                missing[0]
            ),
        });
    }
    let relevant: NamedTensors = tensors
        .iter()
        .filter(|(k, _)| wanted.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    load_named::<B, _>(model, &relevant, Coverage::Partial, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_name_the_random_and_kinetics_starts() {
        assert_eq!("random".parse::<Init>().unwrap(), Init::Random);
        assert!(matches!(
            "kinetics".parse::<Init>().unwrap(),
            Init::Kinetics(_)
        ));
    }

    #[test]
    fn a_file_is_told_apart_by_its_first_bytes_not_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("weights.bin");
        std::fs::write(&zip, b"PK\x03\x04rest").unwrap();
        assert_eq!(
            zip.to_str().unwrap().parse::<Init>().unwrap(),
            Init::Torch(zip.clone())
        );
        let st = dir.path().join("i3d.pt");
        std::fs::write(&st, b"\x10\0\0\0\0\0\0\0{\"a\":1}").unwrap();
        assert_eq!(
            st.to_str().unwrap().parse::<Init>().unwrap(),
            Init::Kinetics(st.clone())
        );
        let text = dir.path().join("notes.pt");
        std::fs::write(&text, b"hello").unwrap();
        let err = text
            .to_str()
            .unwrap()
            .parse::<Init>()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("neither a PyTorch checkpoint nor safetensors"),
            "{err}"
        );
    }

    #[test]
    fn a_folder_is_a_run_only_with_its_config() {
        let dir = tempfile::tempdir().unwrap();
        let arg = dir.path().to_str().unwrap();
        let err = arg.parse::<Init>().unwrap_err().to_string();
        assert!(err.contains("without config.json"), "{err}");
        std::fs::write(dir.path().join("config.json"), "{}").unwrap();
        assert_eq!(
            arg.parse::<Init>().unwrap(),
            Init::Run(dir.path().to_path_buf())
        );
        let err = "imagenet".parse::<Init>().unwrap_err().to_string();
        assert!(err.contains("`imagenet`: no such file or folder"), "{err}");
    }
}
