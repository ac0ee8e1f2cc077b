//! Development helper: tagging recall on the starter mention set, with the misses.
//! `cargo run -p uptake-reports --example mentions_eval [FILE] [--misses] [--extras]`
use uptake_ontology::Ontology;
use uptake_reports::{Tagger, evaluate_mentions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            uptake_core::shared_dir()
                .expect("shared dir")
                .join("data/mentions.jsonl")
        });
    let o = Ontology::builtin();
    let t = Tagger::new(&o).unwrap();
    let sentences = uptake_core::mentions::read_mentions(&path).unwrap();
    let ev = evaluate_mentions(&t, &sentences);
    if args.iter().any(|a| a == "--misses") {
        for m in &ev.misses {
            let s = &sentences[m.sentence];
            let span = uptake_core::mentions::char_slice(&s.text, m.start, m.end).unwrap_or("");
            let found: Vec<String> = t
                .tag_sentence(&s.text)
                .iter()
                .map(|x| format!("{}={}", &s.text[x.start..x.end], o.name(x.region)))
                .collect();
            println!(
                "MISS [{span}] {} | {} | {}",
                m.region,
                found.join("; "),
                s.text
            );
        }
    }
    if args.iter().any(|a| a == "--extras") {
        for s in &sentences {
            for x in t.tag_sentence(&s.text) {
                let (cs, ce) = (
                    uptake_reports::char_offset(&s.text, x.start),
                    uptake_reports::char_offset(&s.text, x.end),
                );
                let hand: Vec<_> = s
                    .mentions
                    .iter()
                    .filter(|h| cs < h.end && h.start < ce)
                    .collect();
                let ok = hand
                    .iter()
                    .any(|h| o.id(&h.region).is_some_and(|hr| o.related(x.region, hr)));
                if !ok {
                    let what = if hand.is_empty() {
                        "EXTRA".to_string()
                    } else {
                        format!("WRONG(hand {})", hand[0].region)
                    };
                    println!(
                        "{what} [{}] {} | {}",
                        &s.text[x.start..x.end],
                        o.name(x.region),
                        s.text
                    );
                }
            }
        }
    }
    println!(
        "hand {} found {} recall {:.2}% (strict {:.2}%) tagged {} extra {} wrong-region {}",
        ev.hand,
        ev.found,
        100.0 * ev.recall(),
        100.0 * ev.strict_recall(),
        ev.tagged,
        ev.extra,
        ev.wrong_region
    );
}
