//! Step 2 of ingestion: which PET and which CT of an exam's series, by a documented,
//! deterministic policy (docs/imaging.md, "Series selection"), unless the user names them.
//!
//! 1. Left out whatever their Modality: derived images (ImageType DERIVED or SECONDARY, MIP,
//!    projections, reformats, secondary captures), localizers, PET without attenuation
//!    correction, other modalities.
//! 2. The PET, narrowing the candidates criterion by criterion: attenuation correction stated
//!    (CorrectedImage ATTN) over assumed; axial; whole body (z coverage within 5 % of the
//!    longest); standard reconstruction over resolution recovery (PSF, TrueX, HD, Q.Clear,
//!    SharpIR...: their SUVmax is not comparable); more slices.
//! 3. The CT, among those of the PET's study (or, when paired, of the same patient and day):
//!    axial; overlap with the PET (within 5 % of the most); the PET's FrameOfReferenceUID (the
//!    attenuation CT); acquired nearest the PET (within 2 minutes of the nearest).
//! 4. Still tied: the lowest SeriesNumber, then SeriesInstanceUID, with a warning.
//!
//! Every series left out gets its reason; the chosen ones get the criteria that decided.

use crate::discover::Series;
use crate::record::Skipped;

/// A series named by the user: its SeriesInstanceUID, or a SeriesDescription pattern
/// (case-insensitive, `*` any characters, `?` one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPattern(String);

impl SeriesPattern {
    /// The pattern; `None` when empty.
    pub fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty()).then(|| Self(text.to_string()))
    }

    /// True for the series of that UID, or one whose description matches.
    pub fn matches(&self, series: &Series) -> bool {
        series.series_uid == self.0
            || glob(
                &self.0.to_lowercase().chars().collect::<Vec<_>>(),
                &series
                    .description()
                    .to_lowercase()
                    .chars()
                    .collect::<Vec<_>>(),
            )
    }
}

impl std::fmt::Display for SeriesPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn glob(pattern: &[char], text: &[char]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some('*'), _) => {
            glob(&pattern[1..], text) || (!text.is_empty() && glob(pattern, &text[1..]))
        }
        (Some('?'), Some(_)) => glob(&pattern[1..], &text[1..]),
        (Some(p), Some(t)) if p == t => glob(&pattern[1..], &text[1..]),
        _ => false,
    }
}

/// Which studies a PET and a CT may come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StudyPairing {
    /// The same StudyInstanceUID.
    #[default]
    SameStudy,
    /// The same study, else another study of the same PatientID and StudyDate.
    SamePatientAndDay,
}

/// How [`choose_series`] chooses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesSelection {
    /// The PET to take (the policy chooses among the series it matches).
    pub pet: Option<SeriesPattern>,
    /// The CT to take; a CT named here may come from another study of the same patient and day.
    pub ct: Option<SeriesPattern>,
    /// Which studies the CT may come from.
    pub pairing: StudyPairing,
}

impl SeriesSelection {
    /// The series named by `pet` and `ct` (a SeriesInstanceUID or a SeriesDescription
    /// pattern; empty or absent: the policy chooses), the CT from the studies `pairing` allows.
    pub fn new(pet: Option<&str>, ct: Option<&str>, pairing: StudyPairing) -> Self {
        Self {
            pet: pet.and_then(SeriesPattern::new),
            ct: ct.and_then(SeriesPattern::new),
            pairing,
        }
    }
}

/// Why a series was not usable, or no series was.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SelectionError {
    /// No usable series of a modality.
    #[error("no {modality} series{detail}")]
    Missing {
        /// The modality looked for.
        modality: &'static str,
        /// The series left out, and why.
        detail: String,
    },
    /// The PET and every CT belong to different studies.
    #[error(
        "PET and CT come from different studies (PET study {pet_study}, CT study {ct_study}); \
         pair them with --pair-studies or the manifest's ct_series column if they are one exam"
    )]
    DifferentStudies {
        /// The PET's StudyInstanceUID.
        pet_study: String,
        /// A CT's StudyInstanceUID.
        ct_study: String,
    },
}

/// The PET and CT series chosen for one exam, and why.
#[derive(Debug, Clone)]
pub struct ExamSeries {
    /// The PET.
    pub pet: Series,
    /// The CT.
    pub ct: Series,
    /// Why this PET: the criteria that decided.
    pub pet_choice: String,
    /// Why this CT.
    pub ct_choice: String,
    /// The other series, and why they were not chosen.
    pub skipped: Vec<Skipped>,
    /// Non-fatal problems.
    pub warnings: Vec<String>,
}

/// A ranking criterion: a score (higher is better) and the margin within which scores tie.
struct Criterion<'a> {
    preferred: &'static str,
    score: Box<dyn Fn(&Series) -> f64 + 'a>,
    margin: f64,
}

fn criterion<'a>(
    preferred: &'static str,
    margin: f64,
    score: impl Fn(&Series) -> f64 + 'a,
) -> Criterion<'a> {
    Criterion {
        preferred,
        score: Box::new(score),
        margin,
    }
}

/// Candidates, the series left out and the warnings, as the policy goes.
struct Choice {
    skipped: Vec<Skipped>,
    warnings: Vec<String>,
}

fn skip(s: &Series, reason: impl Into<String>) -> Skipped {
    Skipped {
        what: format!("{} series {}", s.modality, s.label()),
        reason: reason.into(),
    }
}

const DERIVED_TYPES: [&str; 7] = [
    "DERIVED",
    "SECONDARY",
    "MIP",
    "PROJECTION IMAGE",
    "REFORMATTED",
    "MPR",
    "SCREEN SAVE",
];
const DERIVED_WORDS: [&str; 6] = [
    "mip",
    "mpr",
    "reformat",
    "screen save",
    "screenshot",
    "capture",
];
const SECONDARY_CAPTURE_CLASS: &str = "1.2.840.10008.5.1.4.1.1.7";
const RESOLUTION_RECOVERY: [&str; 10] = [
    "psf", "truex", "true x", "hd", "q.clear", "qclear", "bsrem", "sharpir", "vpfxs", "vphd",
];

/// Why a series is a derived image, if it is.
fn derived(s: &Series) -> Option<String> {
    let h = &s.slices[0];
    if let Some(t) = h
        .image_type
        .iter()
        .find(|t| DERIVED_TYPES.contains(&t.to_ascii_uppercase().as_str()))
    {
        return Some(format!(
            "derived image (ImageType {}: {t})",
            h.image_type.join("\\")
        ));
    }
    if h.sop_class_uid
        .as_deref()
        .is_some_and(|c| c.starts_with(SECONDARY_CAPTURE_CLASS))
    {
        return Some("secondary capture (SOPClassUID)".into());
    }
    let desc = s.description().to_lowercase();
    words(&desc)
        .find(|w| DERIVED_WORDS.iter().any(|d| w.starts_with(d)))
        .map(|_| format!("derived image (SeriesDescription {:?})", s.description()))
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .filter(|w| !w.is_empty())
}

fn is_resolution_recovery(s: &Series) -> bool {
    let h = &s.slices[0];
    let text = format!(
        "{} {}",
        s.description(),
        h.reconstruction.as_deref().unwrap_or("")
    )
    .to_lowercase();
    words(&text).any(|w| RESOLUTION_RECOVERY.contains(&w))
}

fn is_axial(s: &Series) -> bool {
    s.slices[0]
        .image_orientation
        .is_some_and(|o| o[0].abs() > 0.99 && o[4].abs() > 0.99)
}

/// Stated attenuation correction: `Some(true)` ATTN, `Some(false)` stated without ATTN, `None`
/// not stated.
fn attenuation_corrected(s: &Series) -> Option<bool> {
    s.slices[0]
        .corrected_image
        .as_ref()
        .map(|c| c.iter().any(|v| v.eq_ignore_ascii_case("ATTN")))
}

fn is_localizer(s: &Series) -> bool {
    s.slices.len() < 2
        || s.slices[0]
            .image_type
            .iter()
            .any(|t| t.eq_ignore_ascii_case("LOCALIZER"))
}

/// When the series started: SeriesDate/Time, else its earliest acquisition, in seconds.
fn start_s(s: &Series) -> Option<f64> {
    let key = |t: &crate::suv::DicomDateTime| t.days.unwrap_or(0) as f64 * 86_400.0 + t.seconds;
    s.slices[0].series_time.as_ref().map(key).or_else(|| {
        s.slices
            .iter()
            .filter_map(|h| h.acquisition.as_ref().map(key))
            .reduce(f64::min)
    })
}

fn overlap_mm(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.1.min(b.1) - a.0.max(b.0)).max(0.0)
}

/// Narrows `candidates` criterion by criterion; the winner, and the criteria that decided.
fn rank(
    mut candidates: Vec<Series>,
    criteria: &[Criterion<'_>],
    override_note: Option<String>,
    choice: &mut Choice,
) -> (Series, String) {
    let mut decided: Vec<&str> = Vec::new();
    let mut losers: Vec<(Series, String)> = Vec::new();
    for c in criteria {
        if candidates.len() < 2 {
            break;
        }
        let best = candidates
            .iter()
            .map(|s| (c.score)(s))
            .fold(f64::NEG_INFINITY, f64::max);
        let (keep, drop): (Vec<Series>, Vec<Series>) = candidates
            .into_iter()
            .partition(|s| (c.score)(s) >= best - c.margin);
        if !drop.is_empty() {
            decided.push(c.preferred);
        }
        losers.extend(drop.into_iter().map(|s| (s, c.preferred.to_string())));
        candidates = keep;
    }
    candidates.sort_by(|a, b| {
        (a.slices[0].series_number.unwrap_or(i64::MAX), &a.series_uid)
            .cmp(&(b.slices[0].series_number.unwrap_or(i64::MAX), &b.series_uid))
    });
    let winner = candidates.remove(0);
    if !candidates.is_empty() {
        decided.push("the lowest SeriesNumber, then SeriesInstanceUID (a tie)");
        choice.warnings.push(format!(
            "{} {} series are equally ranked by the policy; {} was taken by SeriesNumber/UID: name one with --{}-series or the manifest",
            candidates.len() + 1,
            winner.modality,
            winner.series_uid,
            if winner.modality == "PT" { "pet" } else { "ct" },
        ));
        losers.extend(candidates.into_iter().map(|s| (s, "tie".to_string())));
    }
    for (s, why) in losers {
        let reason = match why.as_str() {
            "tie" => format!(
                "equally ranked; {} was taken by SeriesNumber/UID",
                winner.series_uid
            ),
            _ => format!("{} was chosen: {why}", winner.series_uid),
        };
        choice.skipped.push(skip(&s, reason));
    }
    let mut why = match decided.as_slice() {
        [] => format!("the only usable {} series", winner.modality),
        d => format!("preferred: {}", d.join("; ")),
    };
    if let Some(note) = override_note {
        why = format!("{note}; {why}");
    }
    (winner, why)
}

/// Keeps the series `pattern` matches (all when `None`); the rest are skipped.
fn named(
    series: Vec<Series>,
    pattern: Option<&SeriesPattern>,
    flag: &str,
    choice: &mut Choice,
) -> (Vec<Series>, Option<String>) {
    let Some(p) = pattern else {
        return (series, None);
    };
    let (keep, drop): (Vec<Series>, Vec<Series>) = series.into_iter().partition(|s| p.matches(s));
    for s in drop {
        choice
            .skipped
            .push(skip(&s, format!("not the series asked for ({flag} {p})")));
    }
    (keep, Some(format!("asked for ({flag} {p})")))
}

/// Sorts series into PET and CT candidates; everything else is skipped with the reason.
fn usable(all: Vec<Series>, choice: &mut Choice) -> (Vec<Series>, Vec<Series>) {
    let (mut pets, mut cts) = (Vec::new(), Vec::new());
    for s in all {
        if let Some(why) = derived(&s) {
            choice.skipped.push(skip(&s, why));
            continue;
        }
        match s.modality.as_str() {
            "PT" => match attenuation_corrected(&s) {
                Some(false) => {
                    let c = s.slices[0].corrected_image.clone().unwrap_or_default();
                    choice.skipped.push(skip(
                        &s,
                        format!(
                            "not attenuation corrected (CorrectedImage {})",
                            c.join("\\")
                        ),
                    ))
                }
                _ => pets.push(s),
            },
            "CT" if is_localizer(&s) => choice.skipped.push(skip(&s, "localizer or single slice")),
            "CT" => cts.push(s),
            other => choice
                .skipped
                .push(skip(&s, format!("modality {other} is not used"))),
        }
    }
    (pets, cts)
}

/// Picks the PET and CT among the series of one exam (its folder, or one study), by the policy
/// of this module and `settings`.
pub fn choose_series(
    all: Vec<Series>,
    settings: &SeriesSelection,
) -> Result<ExamSeries, SelectionError> {
    let mut choice = Choice {
        skipped: Vec::new(),
        warnings: Vec::new(),
    };
    let (pets, cts) = usable(all, &mut choice);
    let (pets, pet_note) = named(pets, settings.pet.as_ref(), "--pet-series", &mut choice);
    if pets.is_empty() {
        return Err(SelectionError::Missing {
            modality: "attenuation-corrected PET",
            detail: crate::record::skipped_summary(&choice.skipped),
        });
    }
    let extent = |s: &Series| {
        let (lo, hi) = s.z_span_mm();
        (hi - lo).max(0.0)
    };
    let longest = pets.iter().map(extent).fold(0.0, f64::max);
    let pet_criteria = [
        criterion(
            "attenuation correction stated (CorrectedImage ATTN)",
            0.0,
            |s| f64::from(attenuation_corrected(s) == Some(true)),
        ),
        criterion("axial", 0.0, |s| f64::from(is_axial(s))),
        criterion(
            "whole body (z coverage within 5 % of the longest)",
            0.05 * longest,
            extent,
        ),
        criterion(
            "standard reconstruction (not PSF / resolution recovery)",
            0.0,
            |s| f64::from(!is_resolution_recovery(s)),
        ),
        criterion("more slices", 0.0, |s| s.slices.len() as f64),
    ];
    let (pet, pet_choice) = rank(pets, &pet_criteria, pet_note, &mut choice);
    if attenuation_corrected(&pet).is_none() {
        choice.warnings.push(format!(
            "PET series {} has no CorrectedImage (0028,0051); assumed attenuation corrected",
            pet.label()
        ));
    }
    let cts = same_study_cts(&pet, cts, settings, &mut choice)?;
    let (cts, ct_note) = named(cts, settings.ct.as_ref(), "--ct-series", &mut choice);
    if cts.is_empty() {
        return Err(SelectionError::Missing {
            modality: "CT",
            detail: crate::record::skipped_summary(&choice.skipped),
        });
    }
    let (ct, mut ct_choice) = choose_ct(&pet, cts, ct_note, &mut choice);
    if ct.study_uid != pet.study_uid {
        ct_choice.push_str(&format!(
            "; from study {} (paired with the PET's study by patient and day)",
            ct.study_uid
        ));
    }
    if pet.slices[0].frame_of_reference_uid.is_some()
        && pet.slices[0].frame_of_reference_uid != ct.slices[0].frame_of_reference_uid
    {
        choice.warnings.push(
            "PET and CT have different FrameOfReferenceUIDs; aligned by patient coordinates".into(),
        );
    }
    Ok(ExamSeries {
        pet,
        ct,
        pet_choice,
        ct_choice,
        skipped: choice.skipped,
        warnings: choice.warnings,
    })
}

fn choose_ct(
    pet: &Series,
    cts: Vec<Series>,
    note: Option<String>,
    choice: &mut Choice,
) -> (Series, String) {
    let pet_z = pet.z_span_mm();
    let pet_frame = pet.slices[0].frame_of_reference_uid.clone();
    let pet_start = start_s(pet);
    let best_overlap = cts
        .iter()
        .map(|c| overlap_mm(c.z_span_mm(), pet_z))
        .fold(0.0, f64::max);
    let ct_criteria = [
        criterion("axial", 0.0, |s| f64::from(is_axial(s))),
        criterion(
            "overlaps the PET most (within 5 %)",
            0.05 * best_overlap,
            |s| overlap_mm(s.z_span_mm(), pet_z),
        ),
        criterion(
            "the PET's FrameOfReferenceUID (the attenuation CT)",
            0.0,
            |s| f64::from(pet_frame.is_some() && s.slices[0].frame_of_reference_uid == pet_frame),
        ),
        criterion(
            "acquired nearest the PET (within 2 minutes)",
            120.0,
            |s| match (start_s(s), pet_start) {
                (Some(c), Some(p)) => -(c - p).abs(),
                _ => f64::MIN,
            },
        ),
    ];
    rank(cts, &ct_criteria, note, choice)
}

/// The CTs the PET may be paired with: its study's, or with pairing (or a CT named by the user)
/// those of the same patient and day; the others are skipped.
fn same_study_cts(
    pet: &Series,
    cts: Vec<Series>,
    settings: &SeriesSelection,
    choice: &mut Choice,
) -> Result<Vec<Series>, SelectionError> {
    let patient_day = |s: &Series| {
        let h = &s.slices[0];
        (h.patient_id.clone(), h.study_date.clone())
    };
    let pairable = settings.pairing == StudyPairing::SamePatientAndDay || settings.ct.is_some();
    let (same, other): (Vec<Series>, Vec<Series>) = cts.into_iter().partition(|c| {
        c.study_uid == pet.study_uid
            || (pairable && patient_day(c) == patient_day(pet) && patient_day(pet).0.is_some())
    });
    if same.is_empty()
        && let Some(first) = other.first()
    {
        return Err(SelectionError::DifferentStudies {
            pet_study: pet.study_uid.clone(),
            ct_study: first.study_uid.clone(),
        });
    }
    for c in other {
        let why = format!("from another study ({})", c.study_uid);
        choice.skipped.push(skip(&c, why));
    }
    Ok(same)
}
