//! Writing the free-text report of an exam spec, in one of several institution styles.
//!
//! Everything the report says about a region follows the label semantics of shared/regions.md:
//! lesions reported as abnormal or hedged are described as such; missed lesions are not
//! described (a radiologist may even call their region negative); look-alikes, physiologic
//! activity, incidental non-avid findings and resolved prior disease are written as what they
//! are, so they are never abnormal; the clinical history names prior disease that is not a
//! finding.

use super::described::{Described, describe};
use super::draft::Draft;
use super::group::{Findings, GROUPS, Group, group_of};
use super::impression::impression_items;
use super::layout::assemble;
use super::phrases::{name_for, pick, random_side};
use super::sentences::{
    abnormal_sentence, contradicts, hedged_sentence, incidental_sentence, list_sentence,
    lookalike_sentence, narrative_hedge, physiologic_sentence, resolved_sentence,
};
use super::style::{ReportStyle, StyleMix};
use super::vocabulary::negatives;
use crate::catalogue::{SITES, find_site};
use crate::spec::{ExamSpec, ReportedAs, Side};
use rand::Rng;
use rand::seq::IndexedRandom;

/// Writes the report of an exam in a style of the realistic mix ([`StyleMix::Realistic`]).
/// The same spec and the same random state give the same text.
pub fn write_report<R: Rng + ?Sized>(spec: &ExamSpec, rng: &mut R) -> String {
    write_report_in(spec, &StyleMix::Realistic, rng)
}

/// Writes the report of an exam in a style drawn from `styles`. The same spec, mix and random
/// state give the same text.
pub fn write_report_in<R: Rng + ?Sized>(spec: &ExamSpec, styles: &StyleMix, rng: &mut R) -> String {
    let style = styles.pick(rng);
    let follow_up = rng.random_bool(0.55);
    let described = describe(spec, rng);
    let reported: Vec<&Described> = described
        .iter()
        .filter(|d| d.lesion.reported_as != ReportedAs::Missed)
        .collect();
    let mut findings = Findings::default();
    for &group in &GROUPS {
        let here: Vec<&Described> = reported
            .iter()
            .copied()
            .filter(|d| d.group == group)
            .collect();
        findings.extend(group, lesion_sentences(&here, spec, follow_up, style, rng));
        findings.extend(group, background_sentences(group, &reported, rng));
    }
    for &kind in &spec.lookalikes {
        let (group, s) = lookalike_sentence(kind, rng);
        findings.push(group, s);
    }
    let resolved_name = if follow_up && rng.random_bool(0.35) {
        resolved_prior(spec, &mut findings, rng)
    } else {
        None
    };
    findings.shuffle_openings(rng);
    let impression = impression_items(spec, &reported, resolved_name.as_deref(), rng);
    let draft = Draft {
        spec,
        follow_up,
        findings,
        impression,
        reported,
    };
    assemble(style, &draft, rng)
}

/// The sentences on the reported lesions of one body part: nodes on one side often as one list
/// ("left axillary and supraclavicular nodes"), the others one by one, and now and then a
/// comparison with a reference organ.
fn lesion_sentences(
    here: &[&Described],
    spec: &ExamSpec,
    follow_up: bool,
    style: ReportStyle,
    rng: &mut (impl Rng + ?Sized),
) -> Vec<String> {
    let listable = |d: &Described| d.def.list_adjective.is_some() && d.is_abnormal();
    let mut out = Vec::new();
    let mut done = vec![false; here.len()];
    for i in 0..here.len() {
        if done[i] || !listable(here[i]) {
            continue;
        }
        let mates: Vec<usize> = (i..here.len())
            .filter(|&j| {
                !done[j] && listable(here[j]) && here[j].lesion.side == here[i].lesion.side
            })
            .collect();
        if mates.len() >= 2 && rng.random_bool(0.6) {
            let members: Vec<&Described> = mates.iter().map(|&j| here[j]).collect();
            out.push(list_sentence(&members, rng));
            for j in mates {
                done[j] = true;
            }
        }
    }
    for (i, d) in here.iter().enumerate() {
        if done[i] {
            continue;
        }
        out.push(match d.lesion.reported_as {
            ReportedAs::Hedged if style == ReportStyle::Narrative => narrative_hedge(d, rng),
            ReportedAs::Hedged => hedged_sentence(d, rng),
            _ => abnormal_sentence(d, spec, follow_up, rng),
        });
    }
    if let Some(d) = here.iter().find(|d| d.is_abnormal())
        && rng.random_bool(0.2)
    {
        let s = match d.def.region {
            "retroperitoneal_lymph_node" => format!("The {} encases the aorta.", d.name),
            _ => format!(
                "Uptake in the {} is greater than the liver (SUVmean {:.1}).",
                d.name,
                rng.random_range(1.6..2.6)
            ),
        };
        if d.def.region != "liver" {
            out.push(s);
        }
    }
    out
}

/// What else a body part's findings say: up to two negatives that do not contradict a reported
/// lesion (a missed lesion's region may be called negative), physiologic activity and now and
/// then an incidental finding.
fn background_sentences(
    group: Group,
    reported: &[&Described],
    rng: &mut (impl Rng + ?Sized),
) -> Vec<String> {
    let mut out = Vec::new();
    let allowed: Vec<_> = negatives(group)
        .iter()
        .filter(|n| !contradicts(n.covers, reported))
        .collect();
    let n_negative = rng.random_range(0..=2.min(allowed.len()));
    for neg in allowed.choose_multiple(rng, n_negative) {
        out.push(neg.text.to_string());
    }
    if let Some(s) = physiologic_sentence(group, rng) {
        out.push(s.to_string());
    }
    if rng.random_bool(0.15) {
        out.push(incidental_sentence(group, rng));
    }
    out
}

/// Resolved prior disease at a site with nothing now; its name, when written.
fn resolved_prior(
    spec: &ExamSpec,
    findings: &mut Findings,
    rng: &mut (impl Rng + ?Sized),
) -> Option<String> {
    let def = pick(rng, SITES);
    let clash = spec
        .lesions
        .iter()
        .any(|l| find_site(&l.site).is_some_and(|d| d.site == def.site));
    if clash || !def.sex.is_none_or(|s| s == spec.patient.sex) {
        return None;
    }
    let side = if def.sided() {
        random_side(rng)
    } else {
        Side::Midline
    };
    let name = name_for(&def, side, rng);
    findings.push(group_of(def.region), resolved_sentence(&name, rng));
    Some(name)
}
