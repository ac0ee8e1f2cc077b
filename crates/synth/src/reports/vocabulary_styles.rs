//! The words of the four later styles (European, organ-system template, abbreviated note,
//! narrative dictation), as data. As in `vocabulary`, a seeded choice picks by position:
//! append rather than reorder.

/// The clinical-history header of European reports.
pub(super) const EUROPEAN_HISTORY_HEADERS: [&str; 3] =
    ["Clinical details", "Clinical information", "Indication"];
/// The conclusion header of European reports.
pub(super) const EUROPEAN_CONCLUSION_HEADERS: [&str; 3] = ["Conclusion", "Opinion", "Conclusion"];

/// The title line of organ-system templates (before any header; never tagged).
pub(super) const TEMPLATE_TITLES: [&str; 3] = [
    "EXAM: PET/CT SKULL BASE TO MID-THIGH",
    "PROCEDURE: FDG PET/CT, SKULL BASE TO THIGH",
    "NM PET/CT TUMOR IMAGING, SKULL BASE TO MID-THIGH",
];
/// Organ-system headers of templates, one set per institution (in body-part order).
pub(super) const TEMPLATE_HEADERS: [[&str; 4]; 3] = [
    ["HEAD/NECK", "CHEST", "ABDOMEN/PELVIS", "MUSCULOSKELETAL"],
    ["NECK", "THORAX", "ABDOMEN AND PELVIS", "BONES"],
    [
        "HEAD AND NECK",
        "CHEST",
        "ABDOMEN/PELVIS",
        "MUSCULOSKELETAL",
    ],
];
/// What a template says under a body part without findings.
pub(super) const TEMPLATE_EMPTY: [&str; 3] = [
    "No abnormal hypermetabolic activity.",
    "No suspicious FDG uptake.",
    "Unremarkable.",
];

/// The headers of abbreviated notes: history, technique, comparison, findings/impression.
pub(super) const ABBREVIATED_HEADERS: [[&str; 4]; 3] = [
    ["Hx", "Tech", "Comp", "Findings/Impression"],
    [
        "Indication",
        "Technique",
        "Comparison",
        "FINDINGS/IMPRESSION",
    ],
    ["HX", "TECH", "COMPARISON", "FINDINGS AND IMPRESSION"],
];

/// Abbreviations of terse notes: (long form, short form), replaced as whole words in this
/// order (longer phrases first). A capitalised long form becomes a capitalised short form.
pub(super) const ABBREVIATIONS: [(&str, &str); 36] = [
    ("right upper lobe", "RUL"),
    ("right middle lobe", "RML"),
    ("right lower lobe", "RLL"),
    ("left upper lobe", "LUL"),
    ("left lower lobe", "LLL"),
    ("lymph nodes", "LNs"),
    ("lymph node", "LN"),
    ("supraclavicular", "supraclav"),
    ("mediastinal", "mediast"),
    ("paratracheal", "paratrach"),
    ("retroperitoneal", "RP"),
    ("inguinal", "ing"),
    ("external iliac", "ext iliac"),
    ("internal iliac", "int iliac"),
    ("vertebral body", "VB"),
    ("metastatic disease", "mets"),
    ("metastatic involvement", "mets"),
    ("metastases", "mets"),
    ("metastasis", "met"),
    ("hypermetabolic", "hypermet"),
    ("consistent with", "c/w"),
    ("compatible with", "c/w"),
    ("in keeping with", "c/w"),
    ("concerning for", "c/f"),
    ("status post", "s/p"),
    ("history of", "h/o"),
    ("without", "w/o"),
    ("with", "w/"),
    ("bilateral", "b/l"),
    ("left", "L"),
    ("right", "R"),
    ("measuring", "meas"),
    ("physiologic", "phys"),
    ("disease", "dz"),
    ("evidence", "evid"),
    ("the", ""),
];

/// Node stations a narrative may call negative in one long list: (adjective, the task
/// regions it covers). A station is listed only when no reported lesion lies below them.
pub(super) const NARRATIVE_STATIONS: [(&str, &[&str]); 9] = [
    ("cervical", &["cervical_lymph_node"]),
    ("supraclavicular", &["supraclavicular_lymph_node"]),
    ("axillary", &["axillary_lymph_node"]),
    ("mediastinal", &["thoracic_lymph_node"]),
    ("hilar", &["thoracic_lymph_node"]),
    ("retroperitoneal", &["abdominal_lymph_node"]),
    ("mesenteric", &["abdominal_lymph_node"]),
    ("iliac", &["iliac_lymph_node"]),
    ("inguinal", &["inguinal_lymph_node"]),
];
/// Long negations of node stations: the negation far before the list's last item, or after
/// the whole list. `{list}` is "cervical, axillary and hilar".
pub(super) const NARRATIVE_STATION_NEGATIONS: [&str; 4] = [
    "There is no evidence of hypermetabolic {list} lymphadenopathy.",
    "I do not see any FDG-avid {list} lymph nodes.",
    "The {list} nodal stations are free of hypermetabolic disease.",
    "Specifically, the {list} lymph nodes demonstrate no abnormal uptake.",
];
/// Organs a narrative may call negative in one long list: (name, the regions or sites it
/// covers).
pub(super) const NARRATIVE_ORGANS: [(&str, &[&str]); 7] = [
    ("liver", &["liver"]),
    ("spleen", &["spleen"]),
    ("pancreas", &["pancreas"]),
    ("adrenal glands", &["adrenal"]),
    ("kidneys", &["kidney"]),
    ("thyroid", &["thyroid"]),
    ("lungs", &["lungs"]),
];
/// Long negations of organs, the negation after the list.
pub(super) const NARRATIVE_ORGAN_NEGATIONS: [&str; 3] = [
    "The {list} appear unremarkable on both the PET and CT components.",
    "The {list} demonstrate physiologic activity only, with no focal abnormality.",
    "On review of the {list}, there is no focal hypermetabolic abnormality.",
];
/// How a dictation moves on to the next finding.
pub(super) const NARRATIVE_CONNECTORS: [&str; 4] = ["Elsewhere, ", "In addition, ", "Also, ", ""];
/// Hedged findings as a dictation words them: still abnormal by the label rules.
pub(super) const NARRATIVE_HEDGES: [&str; 4] = [
    "There is mild uptake in the {n} ({suv}), which I suspect may represent early involvement, although this is not definite.",
    "Low-grade activity in the {n} ({suv}) could possibly reflect disease, and I would recommend attention on follow-up.",
    "I am uncertain about a subtle focus in the {n} ({suv}); malignancy cannot be excluded.",
    "The {n} shows slightly asymmetric uptake ({suv}), possibly representing early disease.",
];
/// The comparison sentence of a dictation without a prior.
pub(super) const NARRATIVE_NO_PRIOR: [&str; 2] = [
    "No prior imaging is available for comparison.",
    "This is the baseline study.",
];
/// Impressions that summarise disease without naming a region (`{disease}`: "consistent with
/// metastatic disease").
pub(super) const SUMMARY_IMPRESSIONS: [&str; 3] = [
    "Hypermetabolic disease as described above, {disease}.",
    "FDG-avid findings as detailed above, {disease}.",
    "Active disease as above, {disease}.",
];
/// Impressions that summarise hedged findings without naming a region (`{advice}`).
pub(super) const SUMMARY_HEDGED: [&str; 2] = [
    "Indeterminate uptake as described above; {advice}.",
    "Equivocal focus as above; {advice}.",
];
