//! Several seeds' prediction tables combined into one: the mean (the ensemble, the worklist
//! order) or the median (the study's survival covariates).

use crate::resample::percentile_sorted;
use uptake_core::RegionTable;

/// The per-exam mean of several prediction tables over the exams present in all of them; a
/// cell is empty unless every table has a value. `None` when no exam is in every table.
pub(crate) fn mean_table(tables: &[&RegionTable], regions: &[String]) -> Option<RegionTable> {
    combine_tables(tables, regions, |vals| {
        vals.iter().sum::<f64>() / vals.len() as f64
    })
}

/// The per-exam median of several prediction tables, as [`mean_table`].
pub(crate) fn median_table(tables: &[&RegionTable], regions: &[String]) -> Option<RegionTable> {
    combine_tables(tables, regions, |vals| {
        let mut v = vals.to_vec();
        v.sort_by(f64::total_cmp);
        percentile_sorted(&v, 0.5)
    })
}

fn combine_tables(
    tables: &[&RegionTable],
    regions: &[String],
    combine: impl Fn(&[f64]) -> f64,
) -> Option<RegionTable> {
    let first = tables.first()?;
    let cols: Vec<Vec<Option<usize>>> = tables
        .iter()
        .map(|t| regions.iter().map(|r| t.region_index(r)).collect())
        .collect();
    let mut out = RegionTable::new(regions.to_vec());
    let mut vals = Vec::with_capacity(tables.len());
    for exam in first.exams() {
        let rows: Option<Vec<&[Option<f64>]>> = tables.iter().map(|t| t.row(exam)).collect();
        let Some(rows) = rows else { continue };
        let row = (0..regions.len())
            .map(|j| {
                vals.clear();
                for (k, r) in rows.iter().enumerate() {
                    vals.push(cols[k][j].and_then(|c| r[c])?);
                }
                Some(combine(&vals))
            })
            .collect();
        out.insert(exam.clone(), row);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::inline::table;
    use uptake_core::ExamId;

    #[test]
    fn the_mean_covers_exams_in_every_table_and_empties_partial_cells() {
        let a = table("exam_id,chest,liver\ne1,0.2,0.4\ne2,0.5,\n");
        let b = table("exam_id,chest,liver\ne1,0.6,0.8\n");
        let regions = vec!["chest".to_string(), "liver".to_string()];
        let m = mean_table(&[&a, &b], &regions).unwrap();
        let e1 = ExamId::new("e1").unwrap();
        assert_eq!(m.len(), 1);
        assert!((m.get(&e1, "chest").unwrap() - 0.4).abs() < 1e-12);
        let m = mean_table(&[&a], &regions).unwrap();
        assert_eq!(m.get(&ExamId::new("e2").unwrap(), "liver"), None);
    }

    #[test]
    fn the_median_of_three_seeds_is_the_middle_value() {
        let t = |v: &str| table(&format!("exam_id,full\ne1,{v}\n"));
        let (a, b, c) = (t("0.9"), t("0.1"), t("0.3"));
        let m = median_table(&[&a, &b, &c], &["full".to_string()]).unwrap();
        assert_eq!(m.get(&ExamId::new("e1").unwrap(), "full"), Some(0.3));
    }

    #[test]
    fn no_common_exam_gives_nothing() {
        let a = table("exam_id,full\ne1,0.9\n");
        let b = table("exam_id,full\ne2,0.9\n");
        assert!(mean_table(&[&a, &b], &["full".to_string()]).is_none());
    }
}
