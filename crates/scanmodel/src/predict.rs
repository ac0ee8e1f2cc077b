//! Prediction (per-region probabilities), attention maps and saliency maps on the exam's grid.

use std::path::{Path, PathBuf};

use burn::backend::Autodiff;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use uptake_core::{ExamId, Progress, RegionTable};

use crate::checkpoint::load_module;
use crate::config::ModelConfig;
use crate::data::{Augment, ModelVolume, Prepared, VolumeSource, batch, prepare};
use crate::error::{Result, ScanModelError};
use crate::guided::guided_relu;
use crate::i3d::Pass;
use crate::maps::{
    coronal_mip, features_to_exam, network_to_exam, overlay, write_nifti, write_png,
};
use crate::model::ScanModel;
use crate::run::{RunPaths, read_config};
use uptake_training::{BackendJob, Device};

/// Reads a run's configuration and its best checkpoint (the last one when no best exists).
pub fn load_run<B: Backend>(run: &Path, device: &B::Device) -> Result<(ModelConfig, ScanModel<B>)> {
    let config = read_config(run)?;
    let weights = RunPaths::new(run).weights()?;
    let model = load_module::<B, _>(ScanModel::new(&config, device), &weights)?;
    Ok((config, model))
}

/// One exam's forward pass in inference mode: probabilities and attention (tasks x voxels).
pub struct ExamPrediction {
    /// One probability per task.
    pub probabilities: Vec<f32>,
    /// Per task, the attention over the feature grid (row-major in `grid`).
    pub attention: Vec<f32>,
    /// The feature grid: [slices, rows, cols].
    pub grid: [usize; 3],
}

/// One forward pass over prepared exams (one batch), in inference mode.
pub fn predict_prepared<B: Backend>(
    model: &ScanModel<B>,
    items: &[&Prepared],
    device: &B::Device,
) -> Vec<ExamPrediction> {
    let b = batch(items);
    let x = Tensor::<B, 5>::from_data(TensorData::new(b.data, b.shape), device);
    let out = model.forward(x, &b.valid_slices, &Pass::inference());
    let t = out.logits.dims()[1];
    let n = out.attention.dims()[2];
    let p = burn::tensor::activation::sigmoid(out.logits)
        .into_data()
        .to_vec::<f32>()
        .unwrap_or_default();
    let a = out
        .attention
        .into_data()
        .to_vec::<f32>()
        .unwrap_or_default();
    (0..items.len())
        .map(|i| ExamPrediction {
            probabilities: p[i * t..(i + 1) * t].to_vec(),
            attention: a[i * t * n..(i + 1) * t * n].to_vec(),
            grid: out.grid,
        })
        .collect()
}

/// Probabilities for `exams` as a wide region table (columns = the model's tasks). With
/// `test_views` > 0 each probability is the mean over the whole exam and that many fixed crops
/// ([`Augment::test_view`]). `progress` advances by one per exam.
pub fn predict_table<B: Backend>(
    model: &ScanModel<B>,
    config: &ModelConfig,
    source: &dyn VolumeSource,
    exams: &[ExamId],
    test_views: usize,
    progress: &dyn Progress,
    device: &B::Device,
) -> Result<RegionTable> {
    let mut table = RegionTable::new(config.regions.clone());
    progress.start("predict", exams.len() as u64);
    let views: Vec<Option<Augment>> = std::iter::once(None)
        .chain((0..test_views).map(|k| Some(Augment::test_view(k, config.in_plane))))
        .collect();
    for exam in exams {
        let volume = source.load(exam)?;
        let mut sum = vec![0.0f64; config.regions.len()];
        for view in &views {
            let prepared = prepare(&volume, config, *view)?;
            let pred = predict_prepared(model, &[&prepared], device).remove(0);
            for (s, p) in sum.iter_mut().zip(&pred.probabilities) {
                *s += *p as f64;
            }
        }
        let n = views.len() as f64;
        table.insert(exam.clone(), sum.iter().map(|s| Some(s / n)).collect());
        progress.advance(1);
    }
    progress.finish();
    Ok(table)
}

/// Saliency of task `task` with respect to the input, on the network grid (slices, s, s):
/// max over the two channels of |d logit / d input|. `guided`: guided backpropagation.
pub fn saliency<B: Backend>(
    model: &ScanModel<Autodiff<B>>,
    prepared: &Prepared,
    task: usize,
    guided: bool,
    device: &B::Device,
) -> Vec<f32> {
    let b = batch(&[prepared]);
    let x = Tensor::<Autodiff<B>, 5>::from_data(TensorData::new(b.data, b.shape), device)
        .require_grad();
    let guided_fn = |t: Tensor<Autodiff<B>, 5>| guided_relu(t);
    let plain_fn = |t: Tensor<Autodiff<B>, 5>| burn::tensor::activation::relu(t);
    let pass = Pass {
        train: false,
        relu: if guided { &guided_fn } else { &plain_fn },
        plain_relu: !guided,
    };
    let out = model.forward(x.clone(), &b.valid_slices, &pass);
    let logit = out.logits.slice([0..1, task..task + 1]).sum();
    let grads = logit.backward();
    let [_, _, depth, s, _] = b.shape;
    let g = match x.grad(&grads) {
        Some(g) => g
            .abs()
            .max_dim(1)
            .into_data()
            .to_vec::<f32>()
            .unwrap_or_default(),
        None => vec![0.0; depth * s * s],
    };
    g[..prepared.slices * s * s].to_vec()
}

/// Files written for one exam and task.
#[derive(Debug, Clone)]
pub struct WrittenMaps {
    /// Attention (NIfTI).
    pub attention: PathBuf,
    /// Plain-gradient saliency (NIfTI).
    pub saliency: PathBuf,
    /// Guided-backprop saliency (NIfTI).
    pub guided: PathBuf,
    /// The PNG overlay.
    pub overlay: PathBuf,
}

/// Writes, for every task, attention, plain-gradient and guided-backprop saliency on the exam's
/// grid as NIfTI, and a PNG: coronal PET MIP with the attention, and the slice of maximal
/// guided saliency with PET over CT and the saliency.
pub fn write_maps<B: Backend>(
    model: &ScanModel<Autodiff<B>>,
    config: &ModelConfig,
    volume: &ModelVolume,
    dir: &Path,
    device: &B::Device,
) -> Result<Vec<WrittenMaps>> {
    let prepared = prepare(volume, config, None)?;
    let inference = burn::module::AutodiffModule::valid(model);
    let pred = predict_prepared::<B>(&inference, &[&prepared], device).remove(0);
    let exam_dir = dir.join(volume.exam_id.as_str());
    std::fs::create_dir_all(&exam_dir).map_err(|e| ScanModelError::io(&exam_dir, e))?;
    let n = pred.grid.iter().product::<usize>();
    let shape = volume.shape;
    let net_shape = [prepared.slices, config.in_plane, config.in_plane];
    let mut written = Vec::new();
    for (t, task) in config.regions.iter().enumerate() {
        let att = features_to_exam(
            &pred.attention[t * n..(t + 1) * n],
            pred.grid,
            config,
            shape,
        );
        let plain = network_to_exam(
            &saliency(model, &prepared, t, false, device),
            net_shape,
            config,
            shape,
        );
        let guided = network_to_exam(
            &saliency(model, &prepared, t, true, device),
            net_shape,
            config,
            shape,
        );
        let files = WrittenMaps {
            attention: exam_dir.join(format!("{task}_attention.nii")),
            saliency: exam_dir.join(format!("{task}_saliency.nii")),
            guided: exam_dir.join(format!("{task}_guided.nii")),
            overlay: exam_dir.join(format!("{task}.png")),
        };
        write_nifti(
            &files.attention,
            &att,
            shape,
            volume.spacing_mm,
            volume.origin_mm,
        )?;
        write_nifti(
            &files.saliency,
            &plain,
            shape,
            volume.spacing_mm,
            volume.origin_mm,
        )?;
        write_nifti(
            &files.guided,
            &guided,
            shape,
            volume.spacing_mm,
            volume.origin_mm,
        )?;
        write_overlay(&files.overlay, volume, &att, &guided)?;
        written.push(files);
    }
    Ok(written)
}

/// The PNG of one task: the coronal PET MIP with the attention, and the slice of maximal guided
/// saliency with PET over CT and the saliency.
fn write_overlay(
    path: &Path,
    volume: &ModelVolume,
    attention: &[f32],
    guided: &[f32],
) -> Result<()> {
    let shape = volume.shape;
    let [d, h, w] = shape;
    let panel_mip = overlay(
        &coronal_mip(&volume.ct, shape),
        &coronal_mip(&volume.pet, shape),
        Some(&coronal_mip(attention, shape)),
        d,
        w,
    );
    let z = (0..d)
        .max_by(|&a, &b| {
            let m = |z: usize| {
                guided[z * h * w..(z + 1) * h * w]
                    .iter()
                    .cloned()
                    .fold(0.0f32, f32::max)
            };
            m(a).total_cmp(&m(b))
        })
        .unwrap_or(0);
    let sl = |v: &[f32]| v[z * h * w..(z + 1) * h * w].to_vec();
    let panel_slice = overlay(&sl(&volume.ct), &sl(&volume.pet), Some(&sl(guided)), h, w);
    write_png(path, &[(panel_mip, d, w), (panel_slice, h, w)])
}

/// Attention of task `task` resampled to the exam grid (sums to one).
pub fn attention_on_exam<B: Backend>(
    model: &ScanModel<B>,
    config: &ModelConfig,
    volume: &ModelVolume,
    task: usize,
    device: &B::Device,
) -> Result<Vec<f32>> {
    let prepared = prepare(volume, config, None)?;
    let pred = predict_prepared(model, &[&prepared], device).remove(0);
    let n = pred.grid.iter().product::<usize>();
    Ok(features_to_exam(
        &pred.attention[task * n..(task + 1) * n],
        pred.grid,
        config,
        volume.shape,
    ))
}

/// How [`predict_run`] predicts.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct PredictSettings {
    /// Average each exam's probabilities over the whole exam and this many fixed crops of the
    /// training crop's size (centre, then corners): test-time augmentation, N+1 passes.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0, value_name = "N",
        value_parser = uptake_core::cli::within(0..=64)))]
    pub test_views: usize,
    /// Also write attention and saliency maps (NIfTI) and PNG overlays here, for every exam.
    #[cfg_attr(feature = "cli", arg(long = "maps", value_name = "DIR"))]
    pub maps_dir: Option<PathBuf>,
}

/// Predictions for `exams` from a run directory's best weights, as a wide table (`exam_id` +
/// one probability per task), and the maps of every exam where `settings` asks for them.
/// `progress` reports the stages `predict` and `maps`, one unit per exam.
pub fn predict_run<B: Backend>(
    run: &Path,
    source: &dyn VolumeSource,
    exams: &[ExamId],
    settings: &PredictSettings,
    progress: &dyn Progress,
    device: &B::Device,
) -> Result<RegionTable> {
    let (config, model) = load_run::<Autodiff<B>>(run, device)?;
    let inference = burn::module::AutodiffModule::valid(&model);
    let table = predict_table(
        &inference,
        &config,
        source,
        exams,
        settings.test_views,
        progress,
        device,
    )?;
    if let Some(dir) = &settings.maps_dir {
        progress.start("maps", exams.len() as u64);
        for exam in exams {
            let volume = source.load(exam)?;
            write_maps(&model, &config, &volume, dir, device)?;
            progress.advance(1);
        }
        progress.finish();
    }
    Ok(table)
}

/// [`predict_run`] on `device`, chosen at run time: the CPU, or a CUDA GPU in a build with the
/// `gpu` feature (a GPU this build or machine lacks is [`ScanModelError::Device`]).
pub fn predict_on(
    device: Device,
    run: &Path,
    source: &dyn VolumeSource,
    exams: &[ExamId],
    settings: &PredictSettings,
    progress: &dyn Progress,
) -> Result<RegionTable> {
    let job = PredictJob {
        run,
        source,
        exams,
        settings,
        progress,
    };
    uptake_training::run_on(&[device], job)?
}

/// [`predict_on`]'s work, for the backend of its device.
struct PredictJob<'a> {
    run: &'a Path,
    source: &'a dyn VolumeSource,
    exams: &'a [ExamId],
    settings: &'a PredictSettings,
    progress: &'a dyn Progress,
}

impl BackendJob for PredictJob<'_> {
    type Output = Result<RegionTable>;

    fn run<B: Backend>(self, devices: &[B::Device]) -> Self::Output {
        let (run, source, exams) = (self.run, self.source, self.exams);
        predict_run::<B>(
            run,
            source,
            exams,
            self.settings,
            self.progress,
            &devices[0],
        )
    }
}

/// A prediction as `uptake predict` asks for it: a run's model on some exams (all of the
/// store's by default), written as a wide CSV.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct PredictRequest {
    /// Run directory (its best checkpoint is used).
    #[cfg_attr(feature = "cli", arg(long = "model", value_name = "RUN"))]
    pub run: PathBuf,
    /// Exams to predict: ids separated by commas, or @FILE with one id per line; default:
    /// every exam in the store.
    #[cfg_attr(feature = "cli", arg(long, value_name = "IDS|@FILE"))]
    pub exams: Option<uptake_core::ExamList>,
    /// Output CSV (wide: exam_id + one probability column per region).
    #[cfg_attr(feature = "cli", arg(long, value_name = "CSV"))]
    pub out: PathBuf,
    /// Test-time views and maps.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub settings: PredictSettings,
    /// Only shard i of n of the exams (a cluster job array; `uptake merge` joins the parts).
    #[cfg_attr(feature = "cli", arg(long, value_name = "i/n"))]
    pub shard: Option<uptake_imaging::Shard>,
    /// `cpu`, `cuda` or `cuda:N` (a build with `--features gpu`).
    #[cfg_attr(feature = "cli", arg(long, default_value = "cpu"))]
    pub device: Device,
}

/// What [`PredictRequest::run`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicted {
    /// The probabilities (also in `request.out`).
    pub table: RegionTable,
    /// The CSV.
    pub out: PathBuf,
    /// The maps' folder, where asked for.
    pub maps_dir: Option<PathBuf>,
}

impl PredictRequest {
    /// Predicts with [`predict_on`] and writes the table.
    pub fn run(&self, source: &dyn VolumeSource, progress: &dyn Progress) -> Result<Predicted> {
        let exams = match &self.exams {
            Some(list) => list.read()?,
            None => source.exam_ids(),
        };
        let shard = |e: &ExamId| self.shard.is_none_or(|s| s.contains(e));
        let exams: Vec<ExamId> = exams.into_iter().filter(shard).collect();
        let (run, settings) = (&self.run, &self.settings);
        let table = predict_on(self.device, run, source, &exams, settings, progress)?;
        table.write_csv(&self.out)?;
        Ok(Predicted {
            table,
            out: self.out.clone(),
            maps_dir: self.settings.maps_dir.clone(),
        })
    }
}

/// `N exams x R regions -> OUT`, and where the maps are.
impl std::fmt::Display for Predicted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, regions) = (self.table.len(), self.table.regions().len());
        write!(f, "{n} exams x {regions} regions -> {}", self.out.display())?;
        if let Some(dir) = &self.maps_dir {
            write!(
                f,
                "\nattention, saliency and guided-backprop maps (NIfTI) and overlays (PNG) in {}",
                dir.display()
            )?;
        }
        Ok(())
    }
}
