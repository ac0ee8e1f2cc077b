//! Development helper: where tagging time goes. `cargo run --release -p uptake-reports --example tag_speed FILE.jsonl`
use uptake_ontology::Ontology;
use uptake_reports::{measure_tagging, read_reports};

fn main() {
    let path = std::env::args().nth(1).expect("reports file");
    let reports = read_reports(std::path::Path::new(&path)).unwrap().reports;
    let speed = measure_tagging(&Ontology::builtin(), &reports).unwrap();
    println!(
        "{} reports {} sentences {} mentions: split {:.3}s, split + tag {:.3}s -> {:.0} reports/s",
        speed.reports,
        speed.sentences,
        speed.mentions,
        speed.splitting.as_secs_f64(),
        speed.tagging.as_secs_f64(),
        speed.reports_per_second()
    );
}
