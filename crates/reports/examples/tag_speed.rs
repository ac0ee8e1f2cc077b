//! Development helper: where tagging time goes. `cargo run --release -p uptake-reports --example tag_speed FILE.jsonl`
use std::time::Instant;
use uptake_ontology::Ontology;
use uptake_reports::*;

fn main() {
    let path = std::env::args().nth(1).expect("reports file");
    let reports = read_reports(std::path::Path::new(&path)).unwrap().reports;
    let t = Tagger::new(&Ontology::builtin()).unwrap();
    let now = Instant::now();
    let mut sents = Vec::new();
    for r in &reports {
        for sec in split_sections(&r.text) {
            if sec.kind.is_tagged() {
                for s in split_sentences(&r.text, sec.start..sec.end) {
                    sents.push(r.text[s.start..s.end].to_string());
                }
            }
        }
    }
    let split = now.elapsed().as_secs_f64();
    let now = Instant::now();
    let mut n = 0;
    for s in &sents {
        n += t.tag_sentence(s).len();
    }
    let tag = now.elapsed().as_secs_f64();
    println!(
        "{} reports {} sentences {} mentions: split {:.3}s tag {:.3}s -> {:.0} reports/s",
        reports.len(),
        sents.len(),
        n,
        split,
        tag,
        reports.len() as f64 / (split + tag)
    );
}
