use super::*;
use uptake_ontology::Ontology;

fn tagger() -> Tagger {
    Tagger::new(&Ontology::builtin()).unwrap()
}

/// (text, region) of each mention of a sentence.
fn tag(t: &Tagger, s: &str) -> Vec<(String, String)> {
    t.tag_sentence(s)
        .into_iter()
        .map(|m| {
            (
                s[m.start..m.end].to_string(),
                t.ontology().name(m.region).to_string(),
            )
        })
        .collect()
}

fn regions(t: &Tagger, s: &str) -> Vec<String> {
    tag(t, s).into_iter().map(|(_, r)| r).collect()
}

#[test]
fn smoke() {
    let t = tagger();
    println!(
        "{:?}",
        tag(
            &t,
            "Hypermetabolic left axillary and supraclavicular lymph nodes."
        )
    );
}
