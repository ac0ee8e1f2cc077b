//! The survival cohort: the exams of a cohort [`Manifest`] with their follow-up, and the Cox
//! design matrix of one split joined with the scan model's predictions.
//!
//! Follow-up comes from the manifest's `time_days` + `event` columns, or else from its dates
//! (`study_date`, `death_date` empty while alive, `censor_date` the last contact). Covariates:
//! `age`, `sex` (male against female; other counts as missing), `indication` (one-hot),
//! `summary_code` (abnormal = any code above 1, as in the study), and region predictions.
//! Without a `split` cell, a patient's split comes from a seeded hash of `patient_id`
//! (60/20/20), so every exam of a patient lands in the same split.

use crate::survival::SurvivalData;
use std::collections::HashMap;
use uptake_core::manifest::{Sex, Split, SummaryCode};
use uptake_core::seeded::{FNV_OFFSET, fnv1a};
use uptake_core::{ExamId, Manifest, ManifestEntry, ManifestError, RegionTable};

/// A cohort that cannot be turned into survival data.
#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    /// The manifest lacks a column or a value, or a value is wrong.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A covariate that is neither known nor a prediction column.
    #[error(
        "unknown covariate `{0}` (use age, sex, indication, summary_code, regions, or a region column of the prediction file)"
    )]
    UnknownCovariate(String),
    /// No exam of the split can enter the model.
    #[error("no exam of split `{split}` has both follow-up and predictions")]
    EmptySplit {
        /// The split.
        split: &'static str,
    },
}

/// A covariate of the Cox models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Covariate {
    /// Age at the scan, in years.
    Age,
    /// Male (1) against female (0).
    Sex,
    /// The indication, one-hot against its most frequent level.
    Indication,
    /// Summary code above 1 (abnormal).
    SummaryCode,
    /// Every region column of the predictions.
    Regions,
    /// One region column of the predictions.
    Region(String),
}

impl Covariate {
    /// `age`, `sex`, `indication`, `summary_code`, `regions`; any other name is a region.
    pub fn parse(name: &str) -> Self {
        match name {
            "age" => Covariate::Age,
            "sex" => Covariate::Sex,
            "indication" => Covariate::Indication,
            "summary_code" => Covariate::SummaryCode,
            "regions" => Covariate::Regions,
            region => Covariate::Region(region.to_string()),
        }
    }

    /// The name [`Covariate::parse`] reads.
    pub fn name(&self) -> &str {
        match self {
            Covariate::Age => "age",
            Covariate::Sex => "sex",
            Covariate::Indication => "indication",
            Covariate::SummaryCode => "summary_code",
            Covariate::Regions => "regions",
            Covariate::Region(r) => r,
        }
    }
}

impl std::str::FromStr for Covariate {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Covariate::parse(s))
    }
}

/// One exam with its follow-up and covariates.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CohortExam {
    pub exam_id: ExamId,
    pub time_days: f64,
    pub died: bool,
    pub age_years: Option<f64>,
    pub sex: Option<Sex>,
    pub indication: Option<String>,
    pub summary_code: Option<SummaryCode>,
    pub split: Split,
}

/// The split of a patient from a seeded FNV-1a hash: train 60 %, valid 20 %, test 20 %.
pub(crate) fn hash_split(patient_id: &str, seed: u64) -> Split {
    match fnv1a(patient_id.bytes(), FNV_OFFSET ^ seed) % 10 {
        0..=5 => Split::Train,
        6 | 7 => Split::Valid,
        _ => Split::Test,
    }
}

/// The exams of the manifest with their follow-up; `split_seed` seeds the hash split of rows
/// without a `split` cell.
pub(crate) fn cohort_exams(
    manifest: &Manifest,
    split_seed: u64,
) -> Result<Vec<CohortExam>, CohortError> {
    manifest.require("patient_id")?;
    let by_days = manifest.has_column("time_days");
    let needed: &[&str] = if by_days {
        &["event"]
    } else {
        &["study_date", "death_date", "censor_date"]
    };
    for column in needed {
        manifest.require(column)?;
    }
    let mut exams = Vec::new();
    for e in manifest.entries() {
        let missing = |column: &str| manifest.missing_value(e, column);
        let patient = e
            .patient_id
            .as_deref()
            .ok_or_else(|| missing("patient_id"))?;
        let (time_days, died) = follow_up(manifest, e, by_days)?;
        check_ranges(manifest, e, time_days)?;
        exams.push(CohortExam {
            exam_id: e.exam_id.clone(),
            time_days,
            died,
            age_years: e.age_years,
            sex: e.sex,
            indication: e.indication.clone(),
            summary_code: e.summary_code,
            split: e.split.unwrap_or_else(|| hash_split(patient, split_seed)),
        });
    }
    Ok(exams)
}

/// The longest follow-up and the oldest age taken as real (150 years): larger values are typing
/// errors or unit mix-ups (seconds for days), and would overflow the Cox fit.
const MAX_YEARS: f64 = 150.0;

/// Follow-up in [0, 150 years] and age in [0, 150], else an error naming file, line and exam.
fn check_ranges(manifest: &Manifest, e: &ManifestEntry, time_days: f64) -> Result<(), CohortError> {
    let bad = |message: String| ManifestError::BadValue {
        path: manifest.path().to_path_buf(),
        line: e.line,
        exam: e.exam_id.to_string(),
        message,
    };
    if time_days < 0.0 {
        return Err(bad(format!("follow-up of {time_days} days is negative")).into());
    }
    let max_days = MAX_YEARS * 365.25;
    if time_days > max_days {
        let message = format!(
            "follow-up of {} days is longer than {MAX_YEARS} years",
            readable(time_days)
        );
        return Err(bad(message).into());
    }
    match e.age_years {
        Some(age) if !(0.0..=MAX_YEARS).contains(&age) => {
            let message = format!("age {} is outside 0 to {MAX_YEARS} years", readable(age));
            Err(bad(message).into())
        }
        _ => Ok(()),
    }
}

/// A number as written by people: plain, or in scientific notation when huge.
fn readable(value: f64) -> String {
    if value.abs() >= 1e9 {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

/// Days of follow-up and whether the patient died then.
fn follow_up(
    manifest: &Manifest,
    e: &ManifestEntry,
    by_days: bool,
) -> Result<(f64, bool), ManifestError> {
    let missing = |column: &str| manifest.missing_value(e, column);
    if by_days {
        let time = e.time_days.ok_or_else(|| missing("time_days"))?;
        return Ok((time, e.event.ok_or_else(|| missing("event"))?));
    }
    let study = e.study_day.ok_or_else(|| missing("study_date"))?;
    match e.death_day {
        Some(death) => Ok(((death - study) as f64, true)),
        None => {
            let censor = e.censor_day.ok_or_else(|| missing("censor_date"))?;
            Ok(((censor - study) as f64, false))
        }
    }
}

/// Design-matrix columns that one named covariate contributes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CovariateGroup {
    /// e.g. `indication`.
    pub name: String,
    /// e.g. `indication=lymphoma`, `indication=melanoma`.
    pub columns: Vec<String>,
}

/// An exam of a split left out of its design, and the first column it has no value for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Incomplete {
    pub exam: ExamId,
    pub column: String,
}

/// The Cox design of one split.
#[derive(Debug, Clone)]
pub(crate) struct Design {
    pub data: SurvivalData,
    /// The groups of columns (for importance = Wald chi2 - df).
    pub groups: Vec<CovariateGroup>,
    /// Exams dropped for a missing covariate or prediction.
    pub dropped: Vec<Incomplete>,
}

/// The design-matrix column groups of `covariates`. `indication` is one-hot with the most
/// frequent level of `levels_from` (the fit split) as reference, so fit and test share columns.
pub(crate) fn covariate_groups(
    covariates: &[Covariate],
    pred: &RegionTable,
    levels_from: &[&CohortExam],
) -> Result<Vec<CovariateGroup>, CohortError> {
    let one = |name: &str, column: &str| CovariateGroup {
        name: name.into(),
        columns: vec![column.into()],
    };
    let mut groups = Vec::new();
    for c in covariates {
        match c {
            Covariate::Age => groups.push(one("age", "age")),
            Covariate::Sex => groups.push(one("sex", "sex_male")),
            Covariate::SummaryCode => groups.push(one("summary_code", "summary_code_abnormal")),
            Covariate::Indication => groups.push(CovariateGroup {
                name: "indication".into(),
                columns: (indication_levels(levels_from).iter())
                    .map(|l| format!("indication={l}"))
                    .collect(),
            }),
            Covariate::Regions => groups.extend(pred.regions().iter().map(|r| one(r, r))),
            Covariate::Region(r) if pred.region_index(r).is_some() => groups.push(one(r, r)),
            Covariate::Region(other) => {
                return Err(CohortError::UnknownCovariate(other.clone()));
            }
        }
    }
    Ok(groups)
}

/// Every indication but the most frequent (ties by name), by decreasing frequency.
fn indication_levels(exams: &[&CohortExam]) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for i in exams.iter().filter_map(|e| e.indication.as_deref()) {
        *counts.entry(i).or_default() += 1;
    }
    let mut levels: Vec<(&str, usize)> = counts.into_iter().collect();
    levels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    levels.iter().skip(1).map(|(l, _)| l.to_string()).collect()
}

/// The design of the exams of `split`: one row per exam with every column known.
pub(crate) fn design(
    exams: &[CohortExam],
    split: Split,
    pred: &RegionTable,
    groups: &[CovariateGroup],
) -> Result<Design, CohortError> {
    let names: Vec<String> = groups.iter().flat_map(|g| g.columns.clone()).collect();
    let mut data = SurvivalData {
        time: vec![],
        event: vec![],
        x: vec![],
        names: names.clone(),
    };
    let mut dropped = Vec::new();
    for e in exams.iter().filter(|e| e.split == split) {
        let row: Vec<Option<f64>> = names.iter().map(|n| value(e, n, pred)).collect();
        match row.iter().position(Option::is_none) {
            None => {
                data.time.push(e.time_days);
                data.event.push(e.died);
                data.x.push(row.into_iter().flatten().collect());
            }
            Some(j) => dropped.push(Incomplete {
                exam: e.exam_id.clone(),
                column: names[j].clone(),
            }),
        }
    }
    if data.time.is_empty() {
        return Err(CohortError::EmptySplit {
            split: split.name(),
        });
    }
    Ok(Design {
        data,
        groups: groups.to_vec(),
        dropped,
    })
}

/// One design-matrix cell; `None` when unknown.
fn value(e: &CohortExam, column: &str, pred: &RegionTable) -> Option<f64> {
    let flag = |b: bool| f64::from(u8::from(b));
    match column {
        "age" => e.age_years,
        "sex_male" => match e.sex? {
            Sex::Male => Some(1.0),
            Sex::Female => Some(0.0),
            Sex::Other => None,
        },
        "summary_code_abnormal" => e.summary_code.map(|c| flag(c.is_abnormal())),
        n => match n.strip_prefix("indication=") {
            Some(level) => e.indication.as_ref().map(|i| flag(i == level)),
            None => pred.get(&e.exam_id, n),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn manifest(text: &str) -> (tempfile::TempDir, Manifest) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, text).unwrap();
        let m = Manifest::read(&path).unwrap();
        (dir, m)
    }

    #[test]
    fn the_hash_split_is_seeded_and_roughly_sixty_twenty_twenty() {
        let ids: Vec<String> = (0..1000).map(|i| format!("p{i}")).collect();
        let count = |s: Split, seed| ids.iter().filter(|i| hash_split(i, seed) == s).count();
        let train = count(Split::Train, 1);
        assert!((500..700).contains(&train), "{train}");
        assert_eq!(hash_split("p1", 1), hash_split("p1", 1));
        assert!(ids.iter().any(|i| hash_split(i, 1) != hash_split(i, 2)));
    }

    #[test]
    fn the_hash_split_is_the_fnv1a_hash_of_the_patient_xor_the_seed() {
        // FNV-1a of "a" is 0xaf63dc4c8601ec8c, which is 6 modulo 10: valid.
        assert_eq!(0xaf63_dc4c_8601_ec8c_u64 % 10, 6);
        assert_eq!(hash_split("a", 0), Split::Valid);
    }

    #[test]
    fn manifest_with_dates_gives_follow_up_and_events() {
        let (_dir, m) = manifest(
            "exam_id,patient_id,study_date,death_date,censor_date,age,sex,indication,summary_code,split\n\
             e1,p1,2020-01-01,2020-03-01,,61,M,lymphoma,4,valid\n\
             e2,p2,2020-01-01,,2021-01-01,50,F,melanoma,1,test\n",
        );
        let exams = cohort_exams(&m, 0).unwrap();
        assert_eq!((exams[0].time_days, exams[0].died), (60.0, true));
        assert_eq!((exams[1].time_days, exams[1].died), (366.0, false));
        assert_eq!(exams[1].sex, Some(Sex::Female));
        assert_eq!(exams[0].split, Split::Valid);
    }

    #[test]
    fn follow_up_in_days_is_read_directly() {
        let (_dir, m) = manifest("exam_id,patient_id,time_days,event\ne1,p1,12.5,1\n");
        let exams = cohort_exams(&m, 0).unwrap();
        assert_eq!((exams[0].time_days, exams[0].died), (12.5, true));
    }

    #[test]
    fn a_missing_censor_date_names_file_line_and_exam() {
        let (_dir, m) =
            manifest("exam_id,patient_id,study_date,death_date,censor_date\ne7,p1,2020-01-01,,\n");
        let err = cohort_exams(&m, 0).unwrap_err().to_string();
        assert!(
            err.contains("m.csv") && err.contains("line 2") && err.contains("e7"),
            "{err}"
        );
        assert!(err.contains("censor_date"), "{err}");
    }

    #[test]
    fn a_negative_follow_up_is_refused() {
        let (_dir, m) = manifest("exam_id,patient_id,time_days,event\ne1,p1,-3,0\n");
        let err = cohort_exams(&m, 0).unwrap_err().to_string();
        assert!(err.contains("negative") && err.contains("e1"), "{err}");
    }

    #[test]
    fn an_impossible_follow_up_or_age_is_refused_naming_line_and_exam() {
        let (_dir, m) =
            manifest("exam_id,patient_id,time_days,event,age\ne1,p1,10,0,50\ne2,p2,1e300,1,50\n");
        let err = cohort_exams(&m, 0).unwrap_err().to_string();
        assert!(
            err.contains("m.csv, line 3, exam `e2`") && err.contains("longer than 150 years"),
            "{err}"
        );
        let (_dir, m) = manifest("exam_id,patient_id,time_days,event,age\ne1,p1,10,0,-4\n");
        let err = cohort_exams(&m, 0).unwrap_err().to_string();
        assert!(err.contains("line 2, exam `e1`: age -4"), "{err}");
    }

    #[test]
    fn the_design_one_hot_encodes_indication_against_the_most_frequent_level() {
        let (_dir, m) = manifest(
            "exam_id,patient_id,time_days,event,indication,sex,split\n\
             e1,p1,5,1,lymphoma,M,valid\ne2,p2,6,0,lymphoma,F,valid\ne3,p3,7,1,melanoma,O,valid\n",
        );
        let exams = cohort_exams(&m, 0).unwrap();
        let pred =
            RegionTable::from_reader("exam_id,full\ne1,0.5\n".as_bytes(), Path::new("p")).unwrap();
        let levels: Vec<&CohortExam> = exams.iter().collect();
        let covariates = [Covariate::Indication, Covariate::Sex];
        let groups = covariate_groups(&covariates, &pred, &levels).unwrap();
        assert_eq!(groups[0].columns, ["indication=melanoma"]);
        let d = design(&exams, Split::Valid, &pred, &groups).unwrap();
        assert_eq!(d.data.x, vec![vec![0.0, 1.0], vec![0.0, 0.0]]);
        // e3's sex is `O`: missing for a male-vs-female covariate.
        let e3 = Incomplete {
            exam: ExamId::new("e3").unwrap(),
            column: "sex_male".into(),
        };
        assert_eq!(d.dropped, [e3]);
    }

    #[test]
    fn a_covariate_that_is_not_a_region_column_is_refused() {
        let pred = RegionTable::new(vec!["full".into()]);
        let err = covariate_groups(&[Covariate::parse("liver")], &pred, &[]).unwrap_err();
        assert!(matches!(err, CohortError::UnknownCovariate(c) if c == "liver"));
    }
}
