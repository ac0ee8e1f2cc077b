//! The converted Kinetics-400 I3D weights give, in this encoder, the activations numpy computes
//! from the original checkpoint (fixture `tests/fixtures/i3d_stem.json`, written once by
//! `scripts/convert-i3d.py --fixture`). Needs `scripts/setup` (scripts/setup.d/21-i3d.sh).

use burn::tensor::{Tensor, TensorData};
use uptake_scanmodel::CpuBackend as B;
use uptake_scanmodel::config::{EncoderConfig, HeadKind, ModelConfig};
use uptake_scanmodel::i3d::Pass;
use uptake_scanmodel::init::Init;
use uptake_scanmodel::init::initialise;
use uptake_scanmodel::kinetics::default_path;
use uptake_scanmodel::model::ScanModel;

#[derive(serde::Deserialize)]
struct Fixture {
    input_shape: [usize; 3],
    positions: Vec<[usize; 3]>,
    values: Vec<Vec<f32>>,
}

fn fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/i3d_stem.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn weights() -> std::path::PathBuf {
    let path = default_path();
    assert!(
        path.exists(),
        "Kinetics I3D weights missing at {}: run scripts/setup (scripts/setup.d/21-i3d.sh)",
        path.display()
    );
    path
}

/// The fixture's grey input: sin(0.37 z + 0.91 y) * cos(0.53 x) * 0.8.
fn grey(shape: [usize; 3]) -> Vec<f32> {
    let [t, h, w] = shape;
    let mut v = Vec::with_capacity(t * h * w);
    for z in 0..t {
        for y in 0..h {
            for x in 0..w {
                v.push(
                    ((0.37 * z as f64 + 0.91 * y as f64).sin() * (0.53 * x as f64).cos() * 0.8)
                        as f32,
                );
            }
        }
    }
    v
}

fn model(in_channels: usize) -> ScanModel<B> {
    let config = ModelConfig {
        encoder: EncoderConfig {
            in_channels,
            ..EncoderConfig::full()
        },
        head: HeadKind::Attention,
        regions: vec!["full".into()],
        in_plane: 224,
        slice_step: 1,
        position_bins: 0,
    };
    let m = ScanModel::<B>::new(&config, &Default::default());
    initialise(m, &Init::Kinetics(weights()), &config).unwrap()
}

fn stem_output(model: &ScanModel<B>, channels: usize, f: &Fixture) -> (Vec<f32>, [usize; 5]) {
    let g = grey(f.input_shape);
    let data: Vec<f32> = (0..channels).flat_map(|_| g.iter().copied()).collect();
    let [t, h, w] = f.input_shape;
    let x = Tensor::<B, 5>::from_data(
        TensorData::new(data, [1, channels, t, h, w]),
        &Default::default(),
    );
    let y = model.encoder.stem_conv(x, &Pass::inference());
    let dims = y.dims();
    (y.into_data().to_vec::<f32>().unwrap(), dims)
}

fn assert_matches_fixture(out: &[f32], dims: [usize; 5], f: &Fixture) {
    let [_, c, d, h, w] = dims;
    assert_eq!(c, 64);
    for (p, expected) in f.positions.iter().zip(&f.values) {
        for (ch, e) in expected.iter().enumerate() {
            let got = out[((ch * d + p[0]) * h + p[1]) * w + p[2]];
            assert!(
                (got - e).abs() <= 1e-3 + 1e-3 * e.abs(),
                "position {p:?} channel {ch}: {got} vs numpy {e}"
            );
        }
    }
}

#[test]
fn rgb_encoder_with_kinetics_weights_reproduces_the_numpy_stem_activations() {
    let f = fixture();
    let (out, dims) = stem_output(&model(3), 3, &f);
    assert_matches_fixture(&out, dims, &f);
}

#[test]
fn ct_pet_encoder_gives_the_rgb_response_to_a_grey_video_when_both_channels_are_equal() {
    let f = fixture();
    let (out, dims) = stem_output(&model(2), 2, &f);
    assert_matches_fixture(&out, dims, &f);
}
