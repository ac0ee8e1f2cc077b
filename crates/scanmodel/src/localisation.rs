//! The figures of a localisation ([`crate::localise`]): per task, the mean attention shares over
//! the exams with a lesion, shown as a table ([`Localisation`]), and the per-exam table they are
//! the means of. The per-exam table is a wide table (`exam_id`, then `task:measure` columns, a
//! row per exam measured, empty where the task holds no lesion), so the tables of sharded runs
//! (`--shard i/n`) join with [`uptake_core::shard_merge::merge_tables`] and
//! [`Localisation::of_exams`] gives the figures of the whole cohort again.

use std::collections::BTreeMap;

use serde::Serialize;
use uptake_core::RegionTable;

/// The measures of a task against region maps, in their column order.
const REGION_MEASURES: [&str; 4] = [
    "attention_in_box",
    "box_share",
    "attention_near_lesions",
    "near_lesions_share",
];

/// The measures of a task against lesion masks, in their column order.
const MASK_MEASURES: [&str; 2] = ["attention_near_lesions", "near_lesions_share"];

/// Mean attention shares of one task region over the exams where it holds a lesion.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct RegionLocalisation {
    /// The task region.
    pub region: String,
    /// Exams where the region holds a lesion.
    pub positive_exams: usize,
    /// Share of the region's attention inside its bounding box.
    pub attention_in_box: f64,
    /// Share of the exam's voxels inside the box.
    pub box_share: f64,
    /// Share of the region's attention near its lesions.
    pub attention_near_lesions: f64,
    /// Share of the exam's voxels near the lesions.
    pub near_lesions_share: f64,
}

impl RegionLocalisation {
    /// Attention in the box over the box's share of voxels (1 = no better than uniform; 0 when
    /// the box holds no voxel).
    pub fn box_ratio(&self) -> f64 {
        ratio(self.attention_in_box, self.box_share)
    }

    /// Attention near the lesions over their share of voxels (as [`Self::box_ratio`]).
    pub fn lesion_ratio(&self) -> f64 {
        ratio(self.attention_near_lesions, self.near_lesions_share)
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// The unweighted mean of the four shares over regions, the whole body (`full`) left out.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionalMean {
    /// Regions averaged.
    pub regions: usize,
    /// Mean of [`RegionLocalisation::attention_in_box`].
    pub attention_in_box: f64,
    /// Mean of [`RegionLocalisation::box_share`].
    pub box_share: f64,
    /// Mean of [`RegionLocalisation::attention_near_lesions`].
    pub attention_near_lesions: f64,
    /// Mean of [`RegionLocalisation::near_lesions_share`].
    pub near_lesions_share: f64,
}

impl RegionalMean {
    /// The mean over `rows` without `full`; `None` when no other region is there.
    pub fn of(rows: &[RegionLocalisation]) -> Option<Self> {
        let regional: Vec<&RegionLocalisation> =
            rows.iter().filter(|r| r.region != "full").collect();
        if regional.is_empty() {
            return None;
        }
        let k = regional.len() as f64;
        let mean =
            |f: fn(&RegionLocalisation) -> f64| regional.iter().map(|r| f(r)).sum::<f64>() / k;
        Some(Self {
            regions: regional.len(),
            attention_in_box: mean(|r| r.attention_in_box),
            box_share: mean(|r| r.box_share),
            attention_near_lesions: mean(|r| r.attention_near_lesions),
            near_lesions_share: mean(|r| r.near_lesions_share),
        })
    }
}

/// Mean attention share of one task near the masked lesions, over the exams with a lesion.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct MaskLocalisation {
    /// The task.
    pub region: String,
    /// Exams whose mask holds a lesion.
    pub exams: usize,
    /// Share of the task's attention within the margin of the masked voxels.
    pub attention_near_lesions: f64,
    /// Share of the exam's voxels there (what uniform attention would give).
    pub near_lesions_share: f64,
}

impl MaskLocalisation {
    /// Attention near the lesions over their share of voxels (1 = no better than uniform).
    pub fn ratio(&self) -> f64 {
        ratio(self.attention_near_lesions, self.near_lesions_share)
    }
}

/// The rows of [`crate::localise::localise_store`]; shown as the table `uptake localise` prints, written as a
/// JSON array of rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Localisation {
    /// Per task region, against the region maps.
    Regions(Vec<RegionLocalisation>),
    /// Per task, against the lesion masks.
    Masks(Vec<MaskLocalisation>),
}

/// The table: per region, attention in its box and near its lesions against the uniform share
/// (and the regional mean); or, against lesion masks, per task near the lesions.
impl std::fmt::Display for Localisation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Regions(rows) => write_region_table(f, rows),
            Self::Masks(rows) => write_mask_table(f, rows),
        }
    }
}

fn write_region_table(
    f: &mut std::fmt::Formatter<'_>,
    rows: &[RegionLocalisation],
) -> std::fmt::Result {
    write!(
        f,
        "{:<28} {:>5} {:>22} {:>26}",
        "region", "pos", "in box (share, x)", "near lesions (share, x)"
    )?;
    for r in rows {
        write!(
            f,
            "\n{:<28} {:>5} {:>6.3} ({:.3}, {:>4.1}x) {:>10.3} ({:.3}, {:>4.1}x)",
            r.region,
            r.positive_exams,
            r.attention_in_box,
            r.box_share,
            r.box_ratio(),
            r.attention_near_lesions,
            r.near_lesions_share,
            r.lesion_ratio(),
        )?;
    }
    if let Some(mean) = RegionalMean::of(rows) {
        write!(
            f,
            "\nmean over {} regions (without full): attention in box {:.3} vs share {:.3}; near lesions {:.3} vs share {:.3}",
            mean.regions,
            mean.attention_in_box,
            mean.box_share,
            mean.attention_near_lesions,
            mean.near_lesions_share,
        )?;
    }
    Ok(())
}

fn write_mask_table(
    f: &mut std::fmt::Formatter<'_>,
    rows: &[MaskLocalisation],
) -> std::fmt::Result {
    write!(
        f,
        "{:<28} {:>5} {:>26}",
        "task", "exams", "near lesions (share, x)"
    )?;
    for r in rows {
        write!(
            f,
            "\n{:<28} {:>5} {:>10.3} ({:.3}, {:>4.1}x)",
            r.region,
            r.exams,
            r.attention_near_lesions,
            r.near_lesions_share,
            r.ratio(),
        )?;
    }
    Ok(())
}

/// The columns of a per-exam table against region maps: for each task,
/// `task:attention_in_box`, `task:box_share`, `task:attention_near_lesions`,
/// `task:near_lesions_share`.
pub(crate) fn region_columns(tasks: &[String]) -> Vec<String> {
    columns(tasks, &REGION_MEASURES)
}

/// The columns of a per-exam table against lesion masks: for each task,
/// `task:attention_near_lesions`, `task:near_lesions_share`.
pub(crate) fn mask_columns(tasks: &[String]) -> Vec<String> {
    columns(tasks, &MASK_MEASURES)
}

fn columns(tasks: &[String], measures: &[&str]) -> Vec<String> {
    (tasks.iter())
        .flat_map(|t| measures.iter().map(move |m| format!("{t}:{m}")))
        .collect()
}

/// The tasks of a per-exam table whose columns are `measures` for each task, in order.
fn tasks_of(table: &RegionTable, measures: &[&str]) -> Option<Vec<String>> {
    let names = table.regions();
    if names.is_empty() || !names.len().is_multiple_of(measures.len()) {
        return None;
    }
    let tasks: Vec<String> = (names.iter().step_by(measures.len()))
        .map(|c| {
            c.rsplit_once(':')
                .map_or(c.as_str(), |(t, _)| t)
                .to_string()
        })
        .collect();
    (columns(&tasks, measures) == names).then_some(tasks)
}

impl Localisation {
    /// The figures of a per-exam table (as [`crate::localise::localise_store`] gives, or the
    /// merge of sharded runs' tables): per task, the means over the rows where it holds a
    /// lesion. `None` when the table's columns are not those of a per-exam table.
    pub fn of_exams(table: &RegionTable) -> Option<Self> {
        if tasks_of(table, &REGION_MEASURES).is_some() {
            return Some(Self::Regions(region_means(table)));
        }
        tasks_of(table, &MASK_MEASURES).map(|_| Self::Masks(mask_means(table)))
    }
}

/// Per task with a lesion in at least one row of a per-exam table of [`region_columns`], in
/// task name order: the means over those rows (a task region without a box adds 0 to the box's
/// shares).
pub(crate) fn region_means(table: &RegionTable) -> Vec<RegionLocalisation> {
    let tasks = tasks_of(table, &REGION_MEASURES).unwrap_or_default();
    let mut sums: BTreeMap<&str, RegionLocalisation> = BTreeMap::new();
    for (_, row) in table.rows() {
        for (task, v) in tasks.iter().zip(row.chunks(REGION_MEASURES.len())) {
            let Some(near) = v[2] else { continue };
            let r = sums.entry(task).or_insert_with(|| RegionLocalisation {
                region: task.clone(),
                ..Default::default()
            });
            r.positive_exams += 1;
            r.attention_near_lesions += near;
            r.near_lesions_share += v[3].unwrap_or(0.0);
            r.attention_in_box += v[0].unwrap_or(0.0);
            r.box_share += v[1].unwrap_or(0.0);
        }
    }
    let mean = |mut r: RegionLocalisation| {
        let k = r.positive_exams.max(1) as f64;
        r.attention_in_box /= k;
        r.box_share /= k;
        r.attention_near_lesions /= k;
        r.near_lesions_share /= k;
        r
    };
    sums.into_values().map(mean).collect()
}

/// Per task of a per-exam table of [`mask_columns`], in task order: the means over the rows
/// with a lesion.
pub(crate) fn mask_means(table: &RegionTable) -> Vec<MaskLocalisation> {
    let tasks = tasks_of(table, &MASK_MEASURES).unwrap_or_default();
    let mut rows: Vec<MaskLocalisation> = (tasks.iter())
        .map(|t| MaskLocalisation {
            region: t.clone(),
            ..Default::default()
        })
        .collect();
    for (_, values) in table.rows() {
        for (r, v) in rows.iter_mut().zip(values.chunks(MASK_MEASURES.len())) {
            if let Some(near) = v[0] {
                r.exams += 1;
                r.attention_near_lesions += near;
                r.near_lesions_share += v[1].unwrap_or(0.0);
            }
        }
    }
    for r in &mut rows {
        let k = r.exams.max(1) as f64;
        r.attention_near_lesions /= k;
        r.near_lesions_share /= k;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(region: &str, in_box: f64, near: f64) -> RegionLocalisation {
        RegionLocalisation {
            region: region.into(),
            positive_exams: 3,
            attention_in_box: in_box,
            box_share: 0.10,
            attention_near_lesions: near,
            near_lesions_share: 0.01,
        }
    }

    #[test]
    fn the_table_reports_attention_against_uniform_share() {
        let text = Localisation::Regions(vec![row("lungs", 0.30, 0.02)]).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("region"), "{text}");
        assert!(
            lines[1].starts_with("lungs")
                && lines[1].ends_with("3  0.300 (0.100,  3.0x)      0.020 (0.010,  2.0x)"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("mean over 1 regions (without full): attention in box 0.300"),
            "{text}"
        );
    }

    #[test]
    fn the_mask_table_reports_attention_near_lesions_against_uniform_share() {
        let rows = vec![MaskLocalisation {
            region: "full".into(),
            exams: 2,
            attention_near_lesions: 0.06,
            near_lesions_share: 0.02,
        }];
        let text = Localisation::Masks(rows).to_string();
        let last = text.lines().last().unwrap();
        assert!(
            last.starts_with("full") && last.ends_with("2      0.060 (0.020,  3.0x)"),
            "{text}"
        );
    }

    #[test]
    fn the_json_of_a_localisation_is_the_array_of_its_rows() {
        let json = serde_json::to_value(Localisation::Regions(vec![row("lungs", 0.3, 0.02)]));
        assert_eq!(json.unwrap()[0]["positive_exams"], 3);
    }

    #[test]
    fn ratios_compare_attention_with_the_uniform_share() {
        let r = row("lungs", 0.30, 0.02);
        assert!((r.box_ratio() - 3.0).abs() < 1e-12);
        assert!((r.lesion_ratio() - 2.0).abs() < 1e-12);
        let empty = RegionLocalisation::default();
        assert_eq!(empty.box_ratio(), 0.0);
    }

    #[test]
    fn the_regional_mean_leaves_the_whole_body_out() {
        let rows = [
            row("full", 0.9, 0.9),
            row("lungs", 0.3, 0.02),
            row("liver", 0.5, 0.04),
        ];
        let mean = RegionalMean::of(&rows).unwrap();
        assert_eq!(mean.regions, 2);
        assert!((mean.attention_in_box - 0.4).abs() < 1e-12);
        assert!((mean.attention_near_lesions - 0.03).abs() < 1e-12);
        assert_eq!(RegionalMean::of(&rows[..1]), None);
    }

    fn exam(id: &str) -> uptake_core::ExamId {
        uptake_core::ExamId::new(id).unwrap()
    }

    #[test]
    fn the_figures_are_the_means_of_the_per_exam_table_over_the_exams_with_a_lesion() {
        let tasks = ["lungs".to_string(), "liver".to_string()];
        let mut table = RegionTable::new(region_columns(&tasks));
        let none = [None; 4];
        let lungs = |a: f64, b: f64| [Some(a), Some(0.1), Some(b), Some(0.01)];
        table.insert(exam("A"), [lungs(0.2, 0.02), none].concat());
        table.insert(exam("B"), [lungs(0.4, 0.04), none].concat());
        table.insert(exam("C"), [none, none].concat());
        assert_eq!(
            table.regions()[..2],
            ["lungs:attention_in_box", "lungs:box_share"]
        );
        let Some(Localisation::Regions(rows)) = Localisation::of_exams(&table) else {
            panic!("a per-exam table of region maps");
        };
        assert_eq!(rows.len(), 1, "liver holds no lesion");
        assert_eq!(rows[0].positive_exams, 2);
        assert!((rows[0].attention_in_box - 0.3).abs() < 1e-12);
        assert!((rows[0].attention_near_lesions - 0.03).abs() < 1e-12);
    }

    #[test]
    fn the_mask_figures_keep_every_task_and_count_the_exams_with_a_lesion() {
        let tasks = ["full".to_string(), "liver".to_string()];
        let mut table = RegionTable::new(mask_columns(&tasks));
        table.insert(exam("A"), vec![Some(0.06), Some(0.02), None, None]);
        table.insert(exam("B"), vec![None; 4]);
        let Some(Localisation::Masks(rows)) = Localisation::of_exams(&table) else {
            panic!("a per-exam table of lesion masks");
        };
        assert_eq!((rows[0].exams, rows[1].exams), (1, 0));
        assert!((rows[0].ratio() - 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_table_of_other_columns_is_no_per_exam_table() {
        let labels = RegionTable::new(vec!["liver".into(), "lungs".into()]);
        assert_eq!(Localisation::of_exams(&labels), None);
        let mut columns = region_columns(&["lungs".to_string()]);
        columns.swap(0, 1);
        assert_eq!(Localisation::of_exams(&RegionTable::new(columns)), None);
    }
}
