//! Report layouts the section splitter must know, so that no findings text is silently
//! dropped: combined headers, European "Report:"/"Conclusion:", organ-system templates,
//! unheaded bodies, and the fallback for everything else.

use std::sync::LazyLock;
use uptake_ontology::Ontology;
use uptake_reports::{
    Report, SectionKind, SectionLayout, SectionVocabulary, Tagger, split_sections,
};

static TAGGER: LazyLock<Tagger> = LazyLock::new(|| Tagger::new(&Ontology::builtin()).unwrap());

/// The regions tagged in a report's findings and impression.
fn tagged_regions(text: &str) -> Vec<String> {
    let o = TAGGER.ontology();
    TAGGER
        .tag_report(&Report::new("E1", text))
        .iter()
        .flat_map(|s| s.mentions.iter().map(|m| o.name(m.region).to_string()))
        .collect()
}

fn layout(text: &str) -> SectionLayout {
    SectionVocabulary::builtin().split(text).layout
}

/// (kind, trimmed body) of each section.
fn kinds(text: &str) -> Vec<(SectionKind, &str)> {
    split_sections(text)
        .into_iter()
        .map(|s| (s.kind, text[s.start..s.end].trim()))
        .collect()
}

#[test]
fn a_combined_findings_and_impression_header_is_tagged() {
    let text = "CLINICAL HISTORY: Lymphoma.\nTECHNIQUE: FDG PET/CT.\nFINDINGS AND IMPRESSION: Hypermetabolic left axillary nodes.";
    assert_eq!(tagged_regions(text), ["left_axillary_lymph_node"]);
    let text = "History: lymphoma.\nFindings/Impression:\n- Avid liver lesion.";
    assert_eq!(tagged_regions(text), ["liver"]);
}

#[test]
fn european_report_and_conclusion_headers_are_tagged() {
    let text = "Clinical details: melanoma.\n\nReport:\nAvid nodule in the right upper lobe.\n\nConclusion:\nMetastasis.";
    assert_eq!(
        kinds(text),
        [
            (SectionKind::History, "melanoma."),
            (
                SectionKind::Findings,
                "Avid nodule in the right upper lobe."
            ),
            (SectionKind::Impression, "Metastasis."),
        ]
    );
}

#[test]
fn organ_headers_straight_after_technique_open_the_findings_and_stay_in_the_text() {
    let text = "INDICATION: Lung cancer.\nTECHNIQUE: PET/CT.\nHEAD/NECK: No abnormal uptake.\nCHEST: Avid right upper lobe mass.\nABDOMEN/PELVIS: Unremarkable.\nIMPRESSION:\n1. Lung cancer.";
    let k = kinds(text);
    assert_eq!(k[2].0, SectionKind::Findings);
    assert!(
        k[2].1
            .starts_with("HEAD/NECK: No abnormal uptake.\nCHEST: Avid"),
        "{k:?}"
    );
    assert_eq!(
        k.len(),
        4,
        "one findings section: later organ headers are sub-headers"
    );
    assert!(tagged_regions(text).contains(&"right_upper_lobe".to_string()));
    assert_eq!(layout(text), SectionLayout::Headed);
}

#[test]
fn an_unheaded_body_after_the_history_is_tagged() {
    let text = "HISTORY: Breast cancer.\n\nThere is an avid left axillary node.\n\nIMPRESSION: Nodal disease.";
    assert_eq!(
        kinds(text)[1],
        (
            SectionKind::Findings,
            "There is an avid left axillary node."
        )
    );
    assert_eq!(kinds(text)[0], (SectionKind::History, "Breast cancer."));
}

#[test]
fn headers_without_findings_or_impression_fall_back_to_tagging_outside_the_front_matter() {
    let text = "PET/CT REPORT\nClinical history: right breast cancer.\nComparison: none.\nRECOMMENDATIONS: Avid right axillary node; biopsy.";
    let split = SectionVocabulary::builtin().split(text);
    assert_eq!(split.layout, SectionLayout::Fallback);
    let tagged: Vec<SectionKind> = split.sections.iter().map(|s| s.kind).collect();
    assert_eq!(
        tagged,
        [
            SectionKind::Findings,
            SectionKind::History,
            SectionKind::Comparison,
            SectionKind::Findings
        ]
    );
    assert_eq!(
        tagged_regions(text),
        ["right_axillary_lymph_node"],
        "never the history's breast"
    );
}

#[test]
fn a_report_without_any_header_is_one_unheaded_body() {
    assert_eq!(layout("Avid left axillary node."), SectionLayout::Unheaded);
}

#[test]
fn technique_sentences_are_never_findings() {
    for text in [
        "Report:\nFDG PET-CT skull base to upper thighs. Avid liver lesion.",
        "FINDINGS: PET images were acquired from the skull base to the mid-thigh. Avid liver lesion.",
        "Findings: Whole-body PET/CT from the vertex to the thighs. Avid liver lesion.",
    ] {
        assert_eq!(tagged_regions(text), ["liver"], "{text}");
    }
}

#[test]
fn a_user_sections_file_replaces_the_headers() {
    let vocabulary = SectionVocabulary::from_toml_str(
        "[[section]]\nkind = \"history\"\nheaders = ['anamnese']\n[[section]]\nkind = \"findings\"\nheaders = ['befund']\n",
        "my.toml",
    )
    .unwrap();
    let split = vocabulary.split("Anamnese: liver cancer.\nBefund: avid spleen.");
    assert_eq!(split.sections[1].kind, SectionKind::Findings);
    let tagger = Tagger::with_sections(&Ontology::builtin(), vocabulary).unwrap();
    let tagged = tagger.tag(&Report::new(
        "E1",
        "Anamnese: liver cancer.\nBefund: avid spleen.",
    ));
    assert_eq!(tagged.mention_count(), 1);
}

#[test]
fn a_header_matching_empty_text_is_refused_naming_file_and_pattern() {
    let err = SectionVocabulary::from_toml_str(
        "[[section]]\nkind = \"findings\"\nheaders = ['(?:report)?']\n",
        "my.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("my.toml") && err.contains("(?:report)?"),
        "{err}"
    );
}
