//! The survival cohort: a manifest of exams with follow-up, joined with scan-model predictions
//! into a Cox design matrix.
//!
//! Manifest (CSV, one row per exam): `exam_id`, `patient_id`, and the follow-up either as
//! `time_days` + `event` (1 died, 0 censored) or as ISO dates `study_date`, `death_date` (empty if
//! alive) and `censor_date` (last contact). Covariate columns: `age` (years), `sex` (F/M),
//! `indication` (free category), `summary_code` (1 normal, 2 benign, 4 suspicious, 9 cannot
//! tell; binarised as abnormal = code > 1, as in the study). An optional `split` column assigns
//! exams to `train`/`valid`/`test`; without it, patients are split by a seeded hash (60/20/20),
//! so every exam of a patient lands in the same split.

use crate::survival::SurvivalData;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use uptake_core::{ExamId, RegionTable};

#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a valid CSV file: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{path}: missing column `{column}`")]
    MissingColumn { path: PathBuf, column: String },
    #[error("{path}, line {line}, exam `{exam}`: {message}")]
    BadValue {
        path: PathBuf,
        line: u64,
        exam: String,
        message: String,
    },
    #[error(
        "unknown covariate `{0}` (use age, sex, indication, summary_code, regions, or a region column of the prediction file)"
    )]
    UnknownCovariate(String),
    #[error("no exam of split `{split}` has both follow-up and predictions")]
    EmptySplit { split: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct CohortExam {
    pub exam_id: ExamId,
    pub patient_id: String,
    pub time_days: f64,
    pub died: bool,
    pub age: Option<f64>,
    pub sex_male: Option<bool>,
    pub indication: Option<String>,
    pub summary_code: Option<u32>,
    pub split: String,
}

pub use uptake_core::date::days_from_iso;

/// The split of a patient from a seeded FNV-1a hash: train 60 %, valid 20 %, test 20 %.
pub fn hash_split(patient_id: &str, seed: u64) -> &'static str {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in patient_id.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    match h % 10 {
        0..=5 => "train",
        6 | 7 => "valid",
        _ => "test",
    }
}

pub fn read_manifest(path: &Path, split_seed: u64) -> Result<Vec<CohortExam>, CohortError> {
    let p = || path.to_path_buf();
    let file = std::fs::File::open(path).map_err(|source| CohortError::Io { path: p(), source })?;
    let mut rdr = csv::Reader::from_reader(file);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|source| CohortError::Csv { path: p(), source })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |n: &str| header.iter().position(|h| h == n);
    let need = |n: &str| {
        col(n).ok_or_else(|| CohortError::MissingColumn {
            path: p(),
            column: n.into(),
        })
    };
    let exam_col = need("exam_id")?;
    let patient_col = need("patient_id")?;
    let by_days = col("time_days").is_some();
    let (time_col, event_col) = if by_days {
        (need("time_days")?, Some(need("event")?))
    } else {
        (need("study_date")?, None)
    };
    let (death_col, censor_col) = if by_days {
        (None, None)
    } else {
        (Some(need("death_date")?), Some(need("censor_date")?))
    };
    let (age_col, sex_col, ind_col, code_col, split_col) = (
        col("age"),
        col("sex"),
        col("indication"),
        col("summary_code"),
        col("split"),
    );
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|source| CohortError::Csv { path: p(), source })?;
        let line = rec.position().map(|x| x.line()).unwrap_or(0);
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
        let opt = |c: Option<usize>| c.map(get).filter(|s| !s.is_empty());
        let exam_raw = get(exam_col).to_string();
        let bad = |message: String| CohortError::BadValue {
            path: p(),
            line,
            exam: exam_raw.clone(),
            message,
        };
        let exam_id = ExamId::new(&exam_raw).ok_or_else(|| bad("empty exam_id".into()))?;
        let patient_id = get(patient_col).to_string();
        if patient_id.is_empty() {
            return Err(bad("empty patient_id".into()));
        }
        let (time_days, died) = if by_days {
            let t: f64 = get(time_col)
                .parse()
                .map_err(|_| bad(format!("time_days `{}` is not a number", get(time_col))))?;
            let e = match get(event_col.expect("set with time_days")) {
                "1" | "true" => true,
                "0" | "false" => false,
                other => return Err(bad(format!("event `{other}` must be 0 or 1"))),
            };
            (t, e)
        } else {
            let date = |c: usize, what: &str| {
                days_from_iso(get(c))
                    .ok_or_else(|| bad(format!("{what} `{}` is not a YYYY-MM-DD date", get(c))))
            };
            let study = date(time_col, "study_date")?;
            match opt(death_col) {
                Some(_) => (
                    (date(death_col.expect("checked"), "death_date")? - study) as f64,
                    true,
                ),
                None => (
                    (date(censor_col.expect("checked"), "censor_date")? - study) as f64,
                    false,
                ),
            }
        };
        if time_days.is_nan() || time_days < 0.0 {
            return Err(bad(format!("follow-up of {time_days} days is negative")));
        }
        let age = opt(age_col)
            .map(|a| {
                a.parse::<f64>()
                    .map_err(|_| bad(format!("age `{a}` is not a number")))
            })
            .transpose()?;
        let sex_male = match opt(sex_col).map(|s| s.to_ascii_lowercase()) {
            None => None,
            Some(s) if s == "m" || s == "male" => Some(true),
            Some(s) if s == "f" || s == "female" => Some(false),
            Some(s) => return Err(bad(format!("sex `{s}` must be F or M"))),
        };
        let summary_code = opt(code_col)
            .map(|c| {
                c.parse::<u32>()
                    .map_err(|_| bad(format!("summary_code `{c}` is not 1, 2, 4 or 9")))
            })
            .transpose()?;
        let split = opt(split_col)
            .map(str::to_string)
            .unwrap_or_else(|| hash_split(&patient_id, split_seed).to_string());
        out.push(CohortExam {
            exam_id,
            patient_id,
            time_days,
            died,
            age,
            sex_male,
            indication: opt(ind_col).map(str::to_string),
            summary_code,
            split,
        });
    }
    Ok(out)
}

/// Covariate columns, and which named group each belongs to (for importance = Wald chi2 - df).
#[derive(Debug, Clone)]
pub struct Design {
    pub data: SurvivalData,
    pub exams: Vec<ExamId>,
    /// (group name, column names), e.g. ("indication", ["indication=lymphoma", ...]).
    pub groups: Vec<(String, Vec<String>)>,
    /// Exams dropped for a missing covariate or prediction.
    pub dropped: usize,
}

/// Builds the design matrix of one split. `indication` is one-hot with the most frequent level
/// of `levels_from` (the fit split) as reference, so fit and test share columns.
pub fn design(
    exams: &[CohortExam],
    split: &str,
    pred: &RegionTable,
    covariates: &[String],
    levels_from: &[CohortExam],
) -> Result<Design, CohortError> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for e in levels_from {
        if let Some(i) = &e.indication {
            *counts.entry(i.as_str()).or_default() += 1;
        }
    }
    let mut levels: Vec<(&str, usize)> = counts.into_iter().collect();
    levels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let ind_levels: Vec<String> = levels.iter().skip(1).map(|(l, _)| l.to_string()).collect();
    for c in covariates {
        match c.as_str() {
            "age" => groups.push(("age".into(), vec!["age".into()])),
            "sex" => groups.push(("sex".into(), vec!["sex_male".into()])),
            "summary_code" => {
                groups.push(("summary_code".into(), vec!["summary_code_abnormal".into()]))
            }
            "indication" => groups.push((
                "indication".into(),
                ind_levels
                    .iter()
                    .map(|l| format!("indication={l}"))
                    .collect(),
            )),
            "regions" => {
                for r in pred.regions() {
                    groups.push((r.clone(), vec![r.clone()]));
                }
            }
            r if pred.region_index(r).is_some() => groups.push((r.into(), vec![r.into()])),
            other => return Err(CohortError::UnknownCovariate(other.into())),
        }
    }
    let names: Vec<String> = groups
        .iter()
        .flat_map(|(_, cols)| cols.iter().cloned())
        .collect();
    let mut data = SurvivalData {
        time: vec![],
        event: vec![],
        x: vec![],
        names: names.clone(),
    };
    let mut kept = Vec::new();
    let mut dropped = 0;
    for e in exams.iter().filter(|e| e.split == split) {
        let row: Option<Vec<f64>> = names
            .iter()
            .map(|n| match n.as_str() {
                "age" => e.age,
                "sex_male" => e.sex_male.map(|m| m as u8 as f64),
                "summary_code_abnormal" => e.summary_code.map(|c| (c > 1) as u8 as f64),
                n if n.starts_with("indication=") => e
                    .indication
                    .as_ref()
                    .map(|i| (i == &n["indication=".len()..]) as u8 as f64),
                region => pred.get(&e.exam_id, region),
            })
            .collect();
        match row {
            Some(r) => {
                data.time.push(e.time_days);
                data.event.push(e.died);
                data.x.push(r);
                kept.push(e.exam_id.clone());
            }
            None => dropped += 1,
        }
    }
    if kept.is_empty() {
        return Err(CohortError::EmptySplit {
            split: split.into(),
        });
    }
    Ok(Design {
        data,
        exams: kept,
        groups,
        dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_count_days() {
        assert_eq!(days_from_iso("1970-01-01"), Some(0));
        assert_eq!(
            days_from_iso("2000-03-01").unwrap() - days_from_iso("2000-02-28").unwrap(),
            2
        );
        assert_eq!(days_from_iso("2021-13-01"), None);
    }

    #[test]
    fn the_hash_split_is_seeded_and_roughly_sixty_twenty_twenty() {
        let ids: Vec<String> = (0..1000).map(|i| format!("p{i}")).collect();
        let count = |s: &str, seed| ids.iter().filter(|i| hash_split(i, seed) == s).count();
        let train = count("train", 1);
        assert!((500..700).contains(&train), "{train}");
        assert_eq!(hash_split("p1", 1), hash_split("p1", 1));
        assert!(ids.iter().any(|i| hash_split(i, 1) != hash_split(i, 2)));
    }

    #[test]
    fn manifest_with_dates_gives_follow_up_and_events() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(
            &path,
            "exam_id,patient_id,study_date,death_date,censor_date,age,sex,indication,summary_code,split\n\
             e1,p1,2020-01-01,2020-03-01,,61,M,lymphoma,4,valid\n\
             e2,p2,2020-01-01,,2021-01-01,50,F,melanoma,1,test\n",
        )
        .unwrap();
        let m = read_manifest(&path, 0).unwrap();
        assert_eq!((m[0].time_days, m[0].died), (60.0, true));
        assert_eq!((m[1].time_days, m[1].died), (366.0, false));
        assert_eq!(m[1].sex_male, Some(false));
        assert_eq!(m[0].split, "valid");
    }

    #[test]
    fn a_bad_date_names_file_line_and_exam() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(
            &path,
            "exam_id,patient_id,study_date,death_date,censor_date\ne7,p1,2020-01-xx,,2021-01-01\n",
        )
        .unwrap();
        let err = read_manifest(&path, 0).unwrap_err().to_string();
        assert!(
            err.contains("m.csv") && err.contains("line 2") && err.contains("e7"),
            "{err}"
        );
    }
}
