//! PyTorch I3D checkpoints (.pt/.pth) give, in this encoder, the activations PyTorch computes
//! with the same weights. Fixtures: `tests/fixtures/torch_i3d_*`, written once by
//! `scripts/make-torch-fixture.py` (a reduced-width `InceptionI3d` with the study's key names).

use std::path::PathBuf;

use burn::tensor::{Tensor, TensorData};
use uptake_scanmodel::CpuBackend as B;
use uptake_scanmodel::config::{EncoderConfig, HeadKind, ModelConfig};
use uptake_scanmodel::i3d::Pass;
use uptake_scanmodel::init::Init;
use uptake_scanmodel::init::initialise;
use uptake_scanmodel::model::ScanModel;
use uptake_scanmodel::torch::load_encoder;

#[derive(serde::Deserialize)]
struct Output {
    shape: [usize; 4],
    values: Vec<f32>,
}

#[derive(serde::Deserialize)]
struct Expected {
    input_shape: [usize; 3],
    width: f32,
    flow_blocks2: Output,
    flow_blocks0: Output,
    rgb_grey_blocks0: Output,
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn expected() -> Expected {
    let text = std::fs::read_to_string(fixture("torch_i3d_expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn config(width: f32, mixed_blocks: usize) -> ModelConfig {
    ModelConfig {
        encoder: EncoderConfig::small(width, mixed_blocks),
        head: HeadKind::Attention,
        regions: vec!["full".into()],
        in_plane: 64,
        slice_step: 1,
        position_bins: 0,
    }
}

fn model(width: f32, mixed_blocks: usize) -> ScanModel<B> {
    ScanModel::<B>::new(&config(width, mixed_blocks), &Default::default())
}

/// The script's input: x[c, z, y, x] = sin(0.37 z + 0.91 y + 1.3 c) * cos(0.53 x - 0.2 c) * 0.8,
/// with `colour(c)` choosing the formula's c for each of the two channels.
fn input(shape: [usize; 3], colour: [usize; 2]) -> Tensor<B, 5> {
    let [t, h, w] = shape;
    let mut v = Vec::with_capacity(2 * t * h * w);
    for c in colour {
        let c = c as f64;
        for z in 0..t {
            for y in 0..h {
                for x in 0..w {
                    let (z, y, x) = (z as f64, y as f64, x as f64);
                    v.push(
                        ((0.37 * z + 0.91 * y + 1.3 * c).sin() * (0.53 * x - 0.2 * c).cos() * 0.8)
                            as f32,
                    );
                }
            }
        }
    }
    Tensor::from_data(TensorData::new(v, [1, 2, t, h, w]), &Default::default())
}

fn assert_output(model: &ScanModel<B>, x: Tensor<B, 5>, expected: &Output) {
    let y = model.encoder.forward(x, &Pass::inference());
    let [_, c, d, h, w] = y.dims();
    assert_eq!([c, d, h, w], expected.shape);
    let got = y.into_data().to_vec::<f32>().unwrap();
    let mut worst = 0.0f32;
    for (i, (g, e)) in got.iter().zip(&expected.values).enumerate() {
        let err = (g - e).abs();
        assert!(
            err <= 1e-4 + 1e-4 * e.abs(),
            "output {i}: {g} here, {e} in PyTorch"
        );
        worst = worst.max(err);
    }
    // The reference is not trivial: activations of order 1, not all zero.
    assert!(expected.values.iter().any(|v| *v > 1.0), "worst {worst}");
}

#[test]
fn flow_checkpoint_gives_pytorchs_encoder_activations() {
    let e = expected();
    let (m, report) = load_encoder(model(e.width, 2), &fixture("torch_i3d_flow.pt")).unwrap();
    assert_output(&m, input(e.input_shape, [0, 1]), &e.flow_blocks2);
    assert_eq!(report.prefix, "");
    assert_eq!(report.file_in_channels, 2);
    // stem 3 units + 2 blocks x 6 units, 5 tensors each
    assert_eq!(report.loaded, (3 + 2 * 6) * 5);
    assert!(report.unused.contains(&"logits.conv3d.weight".to_string()));
    assert!(report.unused.contains(&"logits.conv3d.bias".to_string()));
    assert!(
        report
            .unused
            .contains(&"Mixed_4b.b0.conv3d.weight".to_string())
    );
    assert!(!report.unused.iter().any(|k| k.starts_with("Mixed_3c")));
}

#[test]
fn legacy_file_with_module_prefix_under_state_dict_loads() {
    let e = expected();
    let (m, report) = load_encoder(model(e.width, 0), &fixture("torch_i3d_flow_stem.pth")).unwrap();
    assert_eq!(report.prefix, "module.");
    assert_output(&m, input(e.input_shape, [0, 1]), &e.flow_blocks0);
}

#[test]
fn rgb_checkpoint_adapted_to_ct_pet_gives_the_grey_video_response() {
    let e = expected();
    let (m, report) = load_encoder(model(e.width, 0), &fixture("torch_i3d_rgb_stem.pt")).unwrap();
    assert_eq!(report.prefix, "i3d.");
    assert_eq!(report.file_in_channels, 3);
    // CT = PET = the grey video PyTorch saw in all three colours.
    assert_output(&m, input(e.input_shape, [0, 0]), &e.rgb_grey_blocks0);
}

#[test]
fn init_torch_loads_the_file_when_training_starts() {
    let e = expected();
    let path = fixture("torch_i3d_flow_stem.pth");
    let m = initialise(model(e.width, 0), &Init::Torch(path), &config(e.width, 0)).unwrap();
    assert_output(&m, input(e.input_shape, [0, 1]), &e.flow_blocks0);
}

#[test]
fn mis_shaped_tensor_is_an_error_naming_the_file_the_key_and_both_shapes() {
    let err = load_encoder(model(0.125, 0), &fixture("torch_i3d_bad_shape.pt"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("torch_i3d_bad_shape.pt"), "{err}");
    assert!(err.contains("`Conv3d_2c_3x3.conv3d.weight`"), "{err}");
    assert!(err.contains("[24, 8, 1, 3, 3]"), "{err}");
    assert!(err.contains("[24, 8, 3, 3, 3]"), "{err}");
}

#[test]
fn checkpoint_of_another_width_says_to_choose_the_matching_width() {
    let err = load_encoder(model(0.25, 0), &fixture("torch_i3d_flow.pt"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains(
            "has 8 channels after Conv3d_1a_7x7, this encoder 16: choose the matching width"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "`Conv3d_1a_7x7.conv3d.weight` has shape [8, 2, 7, 7, 7] in the file, the encoder needs [16, 2, 7, 7, 7]"
        ),
        "{err}"
    );
}

#[test]
fn encoder_tensors_missing_from_the_file_are_listed_with_both_names() {
    // The stem-only checkpoint cannot fill an encoder with two Inception blocks.
    let err = load_encoder(model(0.125, 2), &fixture("torch_i3d_flow_stem.pth"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("torch_i3d_flow_stem.pth"), "{err}");
    assert!(
        err.contains("60 of the encoder's tensors are not in the file"),
        "{err}"
    );
    assert!(err.contains("key prefix `module.`"), "{err}");
    assert!(
        err.contains("`module.Mixed_3b.b0.bn.bias` (for encoder.mixed.0.b0.bn.beta)"),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_a_checkpoint_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weights.pt");
    std::fs::write(&path, "not a checkpoint\n").unwrap();
    let err = load_encoder(model(0.125, 0), &path)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("weights.pt"), "{err}");
    assert!(err.contains("not a readable PyTorch checkpoint"), "{err}");
}
