//! `uptake localise`: does a region's attention fall where the lesions are? For a cohort with
//! image truth (the synthetic cohort's `regions.json` per exam), it measures, on every exam
//! where a task region truly holds a lesion, the share of that region's attention inside (a) the
//! region's bounding box and (b) 30 mm around its lesions, and compares each with the share of
//! the exam's voxels there (what uniform attention would give). The measurement is
//! [`uptake_scanmodel::localise`]; this prints its table.

use std::path::PathBuf;

use anyhow::Context;
use uptake_core::{ExamList, Manifest};
use uptake_scanmodel::StoreSource;
use uptake_scanmodel::data::VolumeSource;
use uptake_scanmodel::localise::{
    LocaliseInputs, LocaliseSettings, MaskLocalisation, RegionLocalisation, RegionalMean, localise,
    localise_masks,
};

use crate::common::{Bars, Global, load_ontology};

type Backend = uptake_scanmodel::DefaultBackend;

#[derive(clap::Args, Debug)]
pub struct LocaliseArgs {
    /// Run directory of a trained scan model.
    #[arg(long, value_name = "RUN")]
    pub model: PathBuf,
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Cohort manifest with a `regions_path` column (`uptake synth cohort` writes one).
    #[arg(long, value_name = "CSV", required_unless_present = "lesion_masks")]
    pub manifest: Option<PathBuf>,
    /// Measure against the lesion masks stored with the exams (public NIfTI datasets ingested
    /// with `uptake ingest --nifti-dir`) instead of the manifest's region maps.
    #[arg(long, conflicts_with = "manifest")]
    pub lesion_masks: bool,
    /// Exams to measure: ids separated by commas, or @FILE with one id per line; default:
    /// every exam in the store. Use held-out exams.
    #[arg(long, value_name = "IDS|@FILE")]
    pub exams: Option<ExamList>,
    /// Also write the figures as JSON here.
    #[arg(long, value_name = "JSON")]
    pub out: Option<PathBuf>,
}

pub fn run(args: LocaliseArgs, global: &Global) -> anyhow::Result<()> {
    let ontology = load_ontology(global)?;
    let source = StoreSource::open(&args.store)?;
    let exams = match &args.exams {
        Some(list) => list.read()?,
        None => source.exam_ids(),
    };
    if args.lesion_masks {
        return run_masks(&args, &source, &exams, global);
    }
    let manifest = Manifest::read(args.manifest.as_deref().context("give --manifest")?)?;
    manifest.require("regions_path")?;
    let inputs = LocaliseInputs {
        source: &source,
        manifest: &manifest,
        exams: &exams,
    };
    let rows = localise::<Backend>(
        &args.model,
        &inputs,
        &ontology,
        &LocaliseSettings::default(),
        &Bars::new(global.quiet),
        &Default::default(),
    )?;
    println!("{}", table(&rows));
    if let Some(out) = &args.out {
        uptake_core::json::write_json(out, &rows)
            .with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}

/// `--lesion-masks`: attention near the masked lesions, per task.
fn run_masks(
    args: &LocaliseArgs,
    source: &StoreSource,
    exams: &[uptake_core::ExamId],
    global: &Global,
) -> anyhow::Result<()> {
    let masks = uptake_imaging::ExamStore::open(&args.store)?;
    let rows = localise_masks::<Backend>(
        &args.model,
        source,
        &masks,
        exams,
        &LocaliseSettings::default(),
        &Bars::new(global.quiet),
        &Default::default(),
    )?;
    println!("{}", mask_table(&rows));
    if let Some(out) = &args.out {
        uptake_core::json::write_json(out, &rows)
            .with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}

/// The table of `uptake localise --lesion-masks`.
fn mask_table(rows: &[MaskLocalisation]) -> String {
    let mut s = format!(
        "{:<28} {:>5} {:>26}\n",
        "task", "exams", "near lesions (share, x)"
    );
    for r in rows {
        s.push_str(&format!(
            "{:<28} {:>5} {:>10.3} ({:.3}, {:>4.1}x)\n",
            r.region,
            r.exams,
            r.attention_near_lesions,
            r.near_lesions_share,
            r.ratio(),
        ));
    }
    s.trim_end().to_string()
}

/// The table `uptake localise` prints.
fn table(rows: &[RegionLocalisation]) -> String {
    let mut s = format!(
        "{:<28} {:>5} {:>22} {:>26}\n",
        "region", "pos", "in box (share, x)", "near lesions (share, x)"
    );
    for r in rows {
        s.push_str(&format!(
            "{:<28} {:>5} {:>6.3} ({:.3}, {:>4.1}x) {:>10.3} ({:.3}, {:>4.1}x)\n",
            r.region,
            r.positive_exams,
            r.attention_in_box,
            r.box_share,
            r.box_ratio(),
            r.attention_near_lesions,
            r.near_lesions_share,
            r.lesion_ratio(),
        ));
    }
    if let Some(mean) = RegionalMean::of(rows) {
        s.push_str(&format!(
            "mean over {} regions (without full): attention in box {:.3} vs share {:.3}; near lesions {:.3} vs share {:.3}",
            mean.regions,
            mean.attention_in_box,
            mean.box_share,
            mean.attention_near_lesions,
            mean.near_lesions_share,
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reports_attention_against_uniform_share() {
        let rows = vec![RegionLocalisation {
            region: "lungs".into(),
            positive_exams: 3,
            attention_in_box: 0.30,
            box_share: 0.10,
            attention_near_lesions: 0.02,
            near_lesions_share: 0.01,
        }];
        let text = table(&rows);
        assert!(
            text.contains("lungs") && text.contains("3.0x") && text.contains("2.0x"),
            "{text}"
        );
        assert!(text.contains("mean over 1 regions"), "{text}");
    }

    #[test]
    fn the_mask_table_reports_attention_near_lesions_against_uniform_share() {
        let rows = vec![MaskLocalisation {
            region: "full".into(),
            exams: 2,
            attention_near_lesions: 0.06,
            near_lesions_share: 0.02,
        }];
        let text = mask_table(&rows);
        assert!(
            text.contains("full") && text.contains("0.060 (0.020,  3.0x)"),
            "{text}"
        );
    }
}
