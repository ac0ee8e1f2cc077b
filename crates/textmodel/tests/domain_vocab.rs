//! The domain vocabulary replaces free slots of a base vocabulary and the result still loads.

use uptake_textmodel::vocab::{PieceCounts, build_domain_vocab, count_pieces};
use uptake_textmodel::{BertConfig, Head, ReportModel, init_random_model};

#[test]
fn new_domain_pieces_take_free_slots_and_the_model_still_loads() {
    let mut vocab: Vec<String> = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        "[unused0]",
        "[unused1]",
        "é",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    vocab.extend("abcdefghijklmnopqrstuvwxyz".chars().map(|c| c.to_string()));
    vocab.extend(
        "abcdefghijklmnopqrstuvwxyz"
            .chars()
            .map(|c| format!("##{c}")),
    );
    vocab.extend(
        ["the", "liver", "in", "uptake"]
            .iter()
            .map(|s| s.to_string()),
    );
    let refs: Vec<&str> = vocab.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    init_random_model(
        &base,
        &BertConfig::tiny(vocab.len(), 8, 1, 2, 32),
        &refs,
        3,
        Head::Without,
    )
    .unwrap();
    let before = ReportModel::load(&base)
        .unwrap()
        .tokens("hypermetabolic uptake")
        .unwrap();
    assert!(
        before.len() > 5,
        "the base spells the word letter by letter: {before:?}"
    );

    let texts: Vec<String> = (0..50)
        .map(|_| "hypermetabolic uptake in the liver".to_string())
        .collect();
    let out = dir.path().join("domain");
    let summary = build_domain_vocab(&texts, &base, &out, 120).unwrap();
    assert_eq!(
        summary.free_slots, 3,
        "two [unusedX] and one non-ASCII entry"
    );
    assert_eq!(summary.added, 3);

    let domain = ReportModel::load(&out).unwrap();
    let after = domain.tokens("hypermetabolic uptake").unwrap();
    assert!(after.len() < before.len(), "{after:?} vs {before:?}");
    let counts = count_pieces(&["hypermetabolic uptake".to_string()], &base, &out).unwrap();
    assert_eq!(
        counts,
        PieceCounts {
            texts: 1,
            base: before.len(),
            domain: after.len()
        }
    );
    let new_vocab = std::fs::read_to_string(out.join("vocab.txt")).unwrap();
    let lines: Vec<&str> = new_vocab.lines().collect();
    assert_eq!(
        lines.len(),
        vocab.len(),
        "same size: the embedding matrix still fits"
    );
    assert_eq!(
        &lines[..5],
        &refs[..5],
        "special tokens stay where they were"
    );
    assert!(!lines.contains(&"[unused0]") && !lines.contains(&"é"));
}
