use super::*;
use uptake_core::NoProgress;
use uptake_ontology::Ontology;

/// `n` reports whose findings read `sentence`, after a history that mentions the term too
/// (history is never counted).
fn corpus(n: usize, sentence: &str) -> Vec<Report> {
    (0..n)
        .map(|i| {
            let text = format!("HISTORY: Zorblax ligament.\nFINDINGS: Normal study. {sentence}");
            Report::new(&format!("E{i}"), text)
        })
        .collect()
}

fn suggest(reports: &[Report], min_count: usize) -> TermSuggestions {
    let tagger = Tagger::new(&Ontology::builtin()).unwrap();
    suggest_terms(
        reports,
        &tagger,
        &SuggestSettings { min_count },
        &NoProgress,
    )
}

fn count_of(s: &TermSuggestions, term: &str) -> Option<usize> {
    s.terms.iter().find(|t| t.term == term).map(|t| t.count)
}

#[test]
fn an_unmatched_term_is_suggested_and_a_matched_one_is_not() {
    let reports = corpus(35, "Avid zorblax ligament abutting the liver.");
    let s = suggest(&reports, 35);
    // Findings and impression only: the history's "Zorblax ligament" is not counted.
    assert_eq!(count_of(&s, "zorblax ligament"), Some(35));
    assert_eq!(count_of(&s, "zorblax"), Some(35));
    assert_eq!(count_of(&s, "liver"), None);
    assert!(s.terms.iter().all(|t| !t.term.contains("liver")));
    let term = s
        .terms
        .iter()
        .find(|t| t.term == "zorblax ligament")
        .unwrap();
    let ids: Vec<String> = term.examples.iter().map(|e| e.to_string()).collect();
    // Sentence 1 of each report ("Normal study." is sentence 0).
    assert_eq!(ids, ["E0:1", "E1:1", "E2:1"]);
    assert_eq!((s.reports, s.sentences, s.min_count), (35, 70, 35));
}

#[test]
fn a_term_needs_min_count_occurrences() {
    let reports = corpus(34, "Avid zorblax ligament.");
    assert_eq!(count_of(&suggest(&reports, 35), "zorblax ligament"), None);
    assert_eq!(
        count_of(&suggest(&reports, 34), "zorblax ligament"),
        Some(34)
    );
}

#[test]
fn three_word_terms_keep_inner_stop_words_and_never_start_or_end_with_one() {
    let s = suggest(&corpus(3, "Thickening of zorblax noted."), 3);
    let terms: Vec<&str> = s.terms.iter().map(|t| t.term.as_str()).collect();
    assert!(terms.contains(&"thickening of zorblax"), "{terms:?}");
    assert!(terms.contains(&"zorblax noted"), "{terms:?}");
    assert!(
        !terms
            .iter()
            .any(|t| t.starts_with("of ") || t.ends_with(" of") || *t == "of")
    );
    assert!(!terms.iter().any(|t| t.split(' ').count() > 3));
    assert!(
        !terms.contains(&"normal study thickening"),
        "n-grams stop at a sentence end"
    );
}

#[test]
fn words_overlapping_a_match_and_punctuation_end_a_phrase() {
    // "liver" and the side word "left" are matched: "zorblax liver", "liver quintal" and
    // "quintal left" are not terms, nor is "quintal zorblax" across the comma.
    let s = suggest(&corpus(2, "Zorblax liver quintal left, zorblax."), 2);
    let terms: Vec<&str> = (s.terms.iter().map(|t| t.term.as_str()))
        .filter(|t| {
            ["zorblax", "quintal", "liver", "left"]
                .iter()
                .any(|w| t.contains(w))
        })
        .collect();
    assert_eq!(terms, ["zorblax", "quintal"]);
    assert_eq!(s.terms[0].count, 4);
    // One example per sentence even where the term occurs twice in it.
    assert_eq!(s.terms[0].examples.len(), 2);
}

#[test]
fn the_snippet_parses_as_toml_and_each_entry_once_uncommented() {
    let s = suggest(&corpus(2, "Zorb-lax quintal ligament."), 2);
    let snippet = s.to_toml();
    assert!(snippet.parse::<toml::Table>().unwrap().is_empty());
    let uncommented: String = (snippet.lines())
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| l.starts_with("[[") || l.contains(" = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let table: toml::Table = uncommented.parse().unwrap();
    let regions = table["region"].as_array().unwrap();
    assert_eq!(regions.len(), s.terms.len());
    let entry = (regions.iter())
        .find(|r| r["name"].as_str() == Some("zorb_lax_quintal_ligament"))
        .unwrap();
    assert_eq!(entry["display"].as_str(), Some("Zorb-lax quintal ligament"));
    assert_eq!(entry["parents"][0].as_str(), Some("full"));
    let re = regex::Regex::new(entry["patterns"][0].as_str().unwrap()).unwrap();
    assert!(re.is_match("zorb-lax   quintal ligament"));
    assert!(snippet.contains("# \"zorb-lax quintal ligament\": 2 times, e.g. E0:1, E1:1\n"));
}
