//! The impression: the abnormal findings of each body part in one item, each hedged finding
//! with advice, or a negative statement; then resolved disease and brown fat.

use super::described::Described;
use super::draft::Draft;
use super::group::GROUPS;
use super::phrases::{disease_phrase, join_list, lesion_noun, pick};
use super::vocabulary::{HEDGED_ADVICE, IMPRESSION_AVID, NEGATIVE_IMPRESSIONS};
use super::vocabulary_styles::{SUMMARY_HEDGED, SUMMARY_IMPRESSIONS};
use crate::catalogue::Kind;
use crate::spec::{ExamSpec, Lookalike, ReportedAs};
use rand::Rng;

/// The impression items. `resolved` names prior disease the findings call resolved.
pub(super) fn impression_items(
    spec: &ExamSpec,
    reported: &[&Described],
    resolved: Option<&str>,
    rng: &mut (impl Rng + ?Sized),
) -> Vec<String> {
    let mut items = Vec::new();
    for &group in &GROUPS {
        let abnormal: Vec<String> = reported
            .iter()
            .filter(|d| d.group == group && d.is_abnormal())
            .map(|d| match d.def.kind {
                Kind::Node => d.name.clone(),
                kind => format!("{} {}", d.name, lesion_noun(kind, rng)),
            })
            .collect();
        if !abnormal.is_empty() {
            let names: Vec<&str> = abnormal.iter().map(String::as_str).collect();
            let adj = pick(rng, &IMPRESSION_AVID);
            items.push(format!(
                "{adj} {}, {}.",
                join_list(&names),
                disease_phrase(&spec.patient.indication, rng)
            ));
        }
        for d in reported
            .iter()
            .filter(|d| d.group == group && d.lesion.reported_as == ReportedAs::Hedged)
        {
            items.push(format!(
                "Indeterminate uptake in the {}; {}.",
                d.name,
                pick(rng, &HEDGED_ADVICE)
            ));
        }
    }
    if items.is_empty() {
        items.push(pick(rng, &NEGATIVE_IMPRESSIONS).to_string());
    }
    if let Some(name) = resolved {
        items.push(format!("Resolution of the previously seen {name}."));
    }
    if spec.lookalikes.contains(&Lookalike::BrownFat) && rng.random_bool(0.4) {
        items.push("Physiologic brown fat uptake.".to_string());
    }
    items
}

/// The impression items of the later styles: four times in ten, when the report describes
/// disease, a summary that names no region ("Hypermetabolic disease as described above"), as
/// many real impressions do; the regions are then only in the findings.
pub(super) fn items_or_summary(draft: &Draft, rng: &mut (impl Rng + ?Sized)) -> Vec<String> {
    let abnormal = draft.reported.iter().any(|d| d.is_abnormal());
    let hedged = draft
        .reported
        .iter()
        .any(|d| d.lesion.reported_as == ReportedAs::Hedged);
    if !(abnormal || hedged) || !rng.random_bool(0.4) {
        return draft.impression.clone();
    }
    let mut items = Vec::new();
    if abnormal {
        let disease = disease_phrase(&draft.spec.patient.indication, rng);
        items.push(pick(rng, &SUMMARY_IMPRESSIONS).replace("{disease}", disease));
    }
    if hedged {
        let advice = pick(rng, &HEDGED_ADVICE);
        items.push(pick(rng, &SUMMARY_HEDGED).replace("{advice}", advice));
    }
    items
}
