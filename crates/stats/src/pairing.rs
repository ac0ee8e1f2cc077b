//! Which exams an analysis of several prediction files uses: the same exams in every file
//! (paired seeds, paired models), or, when asked, the exams all files share with the others
//! listed as dropped.

use crate::dropped::{DropReason, Dropped};
use crate::evaluate::Aligned;
use std::collections::HashSet;
use uptake_core::ExamId;

/// Which exams a comparison, a worklist or a triage order of several prediction files uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExamSet {
    /// Every file must predict the same exams (per region); otherwise an error names a file,
    /// the file it differs from and an exam only one of them has.
    #[default]
    Same,
    /// Per region, the exams every file predicts; the others are listed as dropped
    /// (`--intersection`).
    Intersection,
}

impl ExamSet {
    /// [`ExamSet::Intersection`] when `intersection` holds (an `--intersection` flag), else
    /// [`ExamSet::Same`].
    pub fn intersection_if(intersection: bool) -> Self {
        if intersection {
            Self::Intersection
        } else {
            Self::Same
        }
    }
}

/// Prediction files that predict different exams, without `ExamSet::Intersection`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{file} and {other} predict different exams for `{region}` ({n_file} vs {n_other}; e.g. `{example}` is in {file} only): paired seeds and models need the same exams; use --intersection to keep the {common} exams every file has and list the others"
)]
pub struct UnpairedExams {
    /// The region.
    pub region: String,
    /// A file with an exam another lacks.
    pub file: String,
    /// Its exams (for the region).
    pub n_file: usize,
    /// A file lacking that exam.
    pub other: String,
    /// Its exams.
    pub n_other: usize,
    /// The exam.
    pub example: ExamId,
    /// Exams every file has.
    pub common: usize,
}

/// The exams of one file for one region, and the file's name.
pub(crate) struct ExamsOf<'a> {
    pub file: &'a str,
    pub exams: &'a [ExamId],
}

/// The exams every file has, or the first difference (as an error) when `exam_set` is `Same`;
/// with `Intersection`, the others are returned as dropped from `region`.
pub(crate) fn common_exams(
    region: &str,
    files: &[ExamsOf<'_>],
    exam_set: ExamSet,
) -> Result<(HashSet<ExamId>, Vec<Dropped>), UnpairedExams> {
    let sets: Vec<HashSet<&ExamId>> = files.iter().map(|f| f.exams.iter().collect()).collect();
    let mut common: HashSet<ExamId> = match sets.first() {
        Some(first) => first.iter().map(|e| (*e).clone()).collect(),
        None => HashSet::new(),
    };
    common.retain(|e| sets.iter().all(|s| s.contains(e)));
    let mut dropped = Vec::new();
    for (k, f) in files.iter().enumerate() {
        let Some(extra) = f.exams.iter().find(|e| !common.contains(*e)) else {
            continue;
        };
        if exam_set == ExamSet::Same {
            let lacking = (sets.iter().position(|s| !s.contains(extra))).unwrap_or(k);
            return Err(UnpairedExams {
                region: region.to_string(),
                file: f.file.to_string(),
                n_file: sets[k].len(),
                other: files[lacking].file.to_string(),
                n_other: sets[lacking].len(),
                example: extra.clone(),
                common: common.len(),
            });
        }
        dropped.extend(
            (f.exams.iter())
                .filter(|e| !common.contains(*e))
                .map(|e| Dropped::exam(e, f.file, Some(region), DropReason::NotInEveryFile)),
        );
    }
    Ok((common, dropped))
}

/// Restricts every region of the aligned files to the exams all of them have (see
/// [`ExamSet`]); returns the exams left out.
pub(crate) fn pair_aligned(
    aligned: &mut [Aligned],
    exam_set: ExamSet,
) -> Result<Vec<Dropped>, UnpairedExams> {
    let mut dropped = Vec::new();
    let regions = aligned
        .first()
        .map(|a| a.regions.clone())
        .unwrap_or_default();
    for (i, region) in regions.iter().enumerate() {
        let files: Vec<ExamsOf> = (aligned.iter())
            .map(|a| ExamsOf {
                file: &a.matching.pred_file,
                exams: &a.exams[i],
            })
            .collect();
        let (common, left_out) = common_exams(region, &files, exam_set)?;
        if left_out.is_empty() {
            continue;
        }
        dropped.extend(left_out);
        for a in aligned.iter_mut() {
            let keep: Vec<bool> = a.exams[i].iter().map(|e| common.contains(e)).collect();
            let mut k = keep.iter();
            a.exams[i].retain(|_| *k.next().unwrap_or(&false));
            let mut k = keep.iter();
            a.probs[i].retain(|_| *k.next().unwrap_or(&false));
            let mut k = keep.iter();
            a.labels[i].retain(|_| *k.next().unwrap_or(&false));
        }
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_intersection_is_used_only_when_asked_for() {
        assert_eq!(ExamSet::intersection_if(true), ExamSet::Intersection);
        assert_eq!(ExamSet::intersection_if(false), ExamSet::Same);
    }

    fn ids(list: &[&str]) -> Vec<ExamId> {
        list.iter().map(|e| ExamId::new(e).unwrap()).collect()
    }

    #[test]
    fn different_exams_are_refused_naming_both_files_and_an_exam() {
        let (a, b) = (ids(&["e1", "e2", "e3"]), ids(&["e1"]));
        let files = [
            ExamsOf {
                file: "a.csv",
                exams: &a,
            },
            ExamsOf {
                file: "b.csv",
                exams: &b,
            },
        ];
        let err = common_exams("chest", &files, ExamSet::Same).unwrap_err();
        assert_eq!((err.n_file, err.n_other, err.common), (3, 1, 1));
        assert_eq!((err.file.as_str(), err.other.as_str()), ("a.csv", "b.csv"));
        assert_eq!(err.example.as_str(), "e2");
        let (common, dropped) = common_exams("chest", &files, ExamSet::Intersection).unwrap();
        assert_eq!(common.len(), 1);
        let names: Vec<String> = dropped.iter().map(|d| d.item.to_string()).collect();
        assert_eq!(names, ["e2", "e3"]);
        assert_eq!(dropped[0].reason, DropReason::NotInEveryFile);
    }
}
