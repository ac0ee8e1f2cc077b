//! Which lesions a report names, and in which words: each lesion's wording is fixed once so
//! the findings and the impression agree.

use super::group::{Group, group_of};
use super::phrases::name_for;
use crate::catalogue::{SITES, SiteDef, find_site};
use crate::spec::{ExamSpec, Lesion, ReportedAs};
use rand::Rng;

/// A lesion the report describes, with its wording fixed once so findings and impression agree.
pub(super) struct Described<'a> {
    /// The lesion.
    pub(super) lesion: &'a Lesion,
    /// Its site in the catalogue.
    pub(super) def: &'static SiteDef,
    /// The noun phrase naming the site, e.g. "left axillary lymph node", "T11 vertebral body".
    pub(super) name: String,
    /// The body part it is written under.
    pub(super) group: Group,
}

impl Described<'_> {
    /// Whether the report describes it as abnormal (not hedged, not missed).
    pub(super) fn is_abnormal(&self) -> bool {
        self.lesion.reported_as == ReportedAs::Abnormal
    }
}

/// Every lesion of the spec, one per site and side: several lesions at one site are written
/// once, as the most clearly reported of them. Missed lesions are named too (the names draw
/// from `rng`) but never written.
pub(super) fn describe<'a>(
    spec: &'a ExamSpec,
    rng: &mut (impl Rng + ?Sized),
) -> Vec<Described<'a>> {
    let mut described: Vec<Described> = Vec::new();
    let rank = |l: &Lesion| match l.reported_as {
        ReportedAs::Abnormal => 0,
        ReportedAs::Hedged => 1,
        ReportedAs::Missed => 2,
    };
    let mut lesions: Vec<&Lesion> = spec.lesions.iter().collect();
    lesions.sort_by_key(|l| rank(l));
    for lesion in lesions {
        let Some(def) =
            find_site(&lesion.site).or_else(|| SITES.iter().find(|d| d.region == lesion.region))
        else {
            continue;
        };
        if described
            .iter()
            .any(|d| d.lesion.site == lesion.site && d.lesion.side == lesion.side)
        {
            continue;
        }
        let name = name_for(def, lesion.side, rng);
        described.push(Described {
            lesion,
            def,
            name,
            group: group_of(&lesion.region),
        });
    }
    described
}
