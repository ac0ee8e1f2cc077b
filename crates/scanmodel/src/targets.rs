//! Whole-body targets from the cohort manifest (fine-tuning baselines of method section 3):
//! the radiologist's summary code (abnormal = code > 1) and death within N days of a patient's
//! last scan.

use std::collections::BTreeMap;
use std::path::Path;

use uptake_core::{ExamId, RegionTable};

use crate::error::{Result, ScanModelError};

/// One manifest row (the columns this module needs).
#[derive(Debug, Clone)]
pub struct ManifestRow {
    pub exam_id: ExamId,
    pub patient_id: String,
    pub study_day: i64,
    pub summary_code: Option<u8>,
    pub death_day: Option<i64>,
    pub censor_day: Option<i64>,
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn parse_day(s: &str) -> Option<i64> {
    uptake_core::date::days_from_iso(s)
}

pub fn read_manifest(path: &Path) -> Result<Vec<ManifestRow>> {
    let mut rdr =
        csv::Reader::from_path(path).map_err(|e| ScanModelError::file(path, e.to_string()))?;
    let header = rdr
        .headers()
        .map_err(|e| ScanModelError::file(path, e.to_string()))?
        .clone();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let need = |name: &str| {
        col(name).ok_or_else(|| ScanModelError::file(path, format!("no `{name}` column")))
    };
    let (c_exam, c_patient, c_date) = (need("exam_id")?, need("patient_id")?, need("study_date")?);
    let (c_code, c_death, c_censor) = (col("summary_code"), col("death_date"), col("censor_date"));
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| ScanModelError::file(path, format!("line {line}: {e}")))?;
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let exam_id = ExamId::new(rec.get(c_exam).unwrap_or(""))
            .ok_or_else(|| ScanModelError::file(path, format!("line {line}: empty exam_id")))?;
        let date = |c: Option<usize>, what: &str| -> Result<Option<i64>> {
            match get(c) {
                None => Ok(None),
                Some(s) => parse_day(s).map(Some).ok_or_else(|| {
                    ScanModelError::file(
                        path,
                        format!("line {line}, exam {exam_id}: bad {what} `{s}` (want YYYY-MM-DD)"),
                    )
                }),
            }
        };
        let study_day = date(Some(c_date), "study_date")?.ok_or_else(|| {
            ScanModelError::file(path, format!("line {line}, exam {exam_id}: no study_date"))
        })?;
        let summary_code = match get(c_code) {
            None => None,
            Some(s) => Some(s.parse::<u8>().map_err(|_| {
                ScanModelError::file(
                    path,
                    format!("line {line}, exam {exam_id}: bad summary_code `{s}`"),
                )
            })?),
        };
        rows.push(ManifestRow {
            patient_id: rec.get(c_patient).unwrap_or("").trim().to_string(),
            study_day,
            summary_code,
            death_day: date(c_death, "death_date")?,
            censor_day: date(c_censor, "censor_date")?,
            exam_id,
        });
    }
    Ok(rows)
}

/// `summary_code`: 1 when the code is above 1 (benign, suspicious, cannot tell), 0 for normal.
pub fn summary_code_table(rows: &[ManifestRow]) -> RegionTable {
    let mut t = RegionTable::new(vec!["summary_code".into()]);
    for r in rows {
        t.insert(
            r.exam_id.clone(),
            vec![r.summary_code.map(|c| if c > 1 { 1.0 } else { 0.0 })],
        );
    }
    t
}

/// `mortality_<days>d` for each patient's last exam: 1 when death came within `days` of it,
/// 0 when the patient was known alive (death or censoring later) past `days`, unknown
/// otherwise. Earlier exams of a patient are left out.
pub fn mortality_table(rows: &[ManifestRow], days: i64) -> RegionTable {
    let mut last: BTreeMap<&str, &ManifestRow> = BTreeMap::new();
    for r in rows {
        let e = last.entry(r.patient_id.as_str()).or_insert(r);
        if r.study_day > e.study_day {
            *e = r;
        }
    }
    let mut t = RegionTable::new(vec![format!("mortality_{days}d")]);
    for r in last.values() {
        let label = match (r.death_day, r.censor_day) {
            (Some(d), _) if d - r.study_day <= days => Some(1.0),
            (Some(_), _) => Some(0.0),
            (None, Some(c)) if c - r.study_day > days => Some(0.0),
            _ => None,
        };
        t.insert(r.exam_id.clone(), vec![label]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_the_epoch() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2000-03-01"), Some(11017));
        assert_eq!(parse_day("2000-13-01"), None);
    }

    fn row(
        exam: &str,
        patient: &str,
        day: i64,
        death: Option<i64>,
        censor: Option<i64>,
    ) -> ManifestRow {
        ManifestRow {
            exam_id: ExamId::new(exam).unwrap(),
            patient_id: patient.into(),
            study_day: day,
            summary_code: Some(1),
            death_day: death,
            censor_day: censor,
        }
    }

    #[test]
    fn mortality_uses_the_last_scan_and_leaves_short_follow_up_unknown() {
        let rows = vec![
            row("a1", "p1", 0, Some(200), None),
            row("a2", "p1", 150, Some(200), None), // last scan of p1: died 50 days later
            row("b1", "p2", 0, None, Some(400)),   // alive at 400 days
            row("c1", "p3", 0, None, Some(30)),    // followed 30 days only
        ];
        let t = mortality_table(&rows, 90);
        assert_eq!(
            t.get(&ExamId::new("a2").unwrap(), "mortality_90d"),
            Some(1.0)
        );
        assert!(t.row(&ExamId::new("a1").unwrap()).is_none());
        assert_eq!(
            t.get(&ExamId::new("b1").unwrap(), "mortality_90d"),
            Some(0.0)
        );
        assert_eq!(t.get(&ExamId::new("c1").unwrap(), "mortality_90d"), None);
    }

    #[test]
    fn summary_code_above_one_is_abnormal() {
        let mut rows = vec![row("a", "p", 0, None, None), row("b", "q", 0, None, None)];
        rows[1].summary_code = Some(4);
        let t = summary_code_table(&rows);
        assert_eq!(t.get(&ExamId::new("a").unwrap(), "summary_code"), Some(0.0));
        assert_eq!(t.get(&ExamId::new("b").unwrap(), "summary_code"), Some(1.0));
    }
}
