//! The encoder against an independent implementation: hidden states of all-MiniLM-L6-v2 for a
//! fixed sentence, computed once with numpy (scripts/minilm_reference.py) and committed as
//! tests/fixtures/minilm_reference.json. Needs the weights that `scripts/setup` fetches.

use std::path::PathBuf;
use uptake_textmodel::ReportModel;

fn minilm_dir() -> PathBuf {
    let cache = std::env::var_os("UPTAKE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/uptake")
        });
    let dir = cache.join("models/all-MiniLM-L6-v2");
    assert!(
        dir.join("model.safetensors").is_file(),
        "all-MiniLM-L6-v2 is not in {}: run scripts/setup (scripts/setup.d/20-minilm.sh) first",
        dir.display()
    );
    dir
}

#[derive(serde::Deserialize)]
struct Fixture {
    sentence: String,
    input_ids: Vec<u32>,
    positions: Vec<usize>,
    hidden: Vec<Vec<f64>>,
}

#[test]
fn minilm_hidden_states_match_the_numpy_reference_to_1e_4() {
    let fixture: Fixture = serde_json::from_str(include_str!("fixtures/minilm_reference.json"))
        .expect("fixture parses");
    let model = ReportModel::load(&minilm_dir()).expect("MiniLM loads");
    assert!(
        !model.has_head(),
        "the base checkpoint has no classification head"
    );
    let (ids, hidden) = model.hidden_states(&fixture.sentence).unwrap();
    assert_eq!(
        ids, fixture.input_ids,
        "same word pieces as the reference tokenizer"
    );
    let mut worst = 0f64;
    for (&p, expected) in fixture.positions.iter().zip(&fixture.hidden) {
        for (a, b) in hidden[p].iter().zip(expected) {
            worst = worst.max((*a as f64 - b).abs());
        }
    }
    eprintln!("largest absolute difference from the numpy reference: {worst:.2e}");
    assert!(worst < 1e-4, "largest difference {worst}");
}
