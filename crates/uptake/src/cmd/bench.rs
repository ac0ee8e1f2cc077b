//! `uptake bench ...`: speed figures. Benchmarks print numbers; tests never time anything.

use crate::common::Global;

#[derive(clap::Subcommand, Debug)]
pub enum Bench {
    /// AUROC, 1,000-resample bootstrap CIs and 10,000-iteration permutation tests for
    /// 26 regions x 5 seeds x 814 exams (two models).
    Analysis,
    /// Report model labelling throughput (sentences/s, mentions/s, reports/s) and one
    /// fine-tuning epoch of 100 mentions.
    ReportModel(crate::cmd::report_model::BenchArgs),
    /// Sectioning, sentence splitting and tagging of generated reports: reports/s on one core.
    Tagging(crate::cmd::tag::BenchArgs),
    /// Ingest one 250-slice PET/CT exam (CT 512x512, PET 128x128) into the store: seconds per
    /// exam, beside the same conversion in pydicom + numpy + scipy.
    Ingest(crate::cmd::imaging::BenchIngestArgs),
    /// Scan model training step (forward + backward + Adam): seconds and peak memory, for a
    /// network preset (--size small|full) on a 2 x slices x N x N input.
    ScanModel(crate::cmd::scan_model::BenchArgs),
    /// Labelling tool: milliseconds per saved label (journal append + fsync + atomic rewrite
    /// of the mention file) for a session of --sentences sentences.
    Annotate(crate::cmd::annotate::BenchArgs),
}

pub fn run(bench: Bench, global: &Global) -> anyhow::Result<()> {
    match bench {
        Bench::Analysis => {
            let bar = crate::common::Bars::new(global.quiet);
            let size = uptake_stats::bench::BenchSize::default();
            print!("{}", uptake_stats::bench::bench_analysis(size, &bar));
            Ok(())
        }
        Bench::ReportModel(args) => crate::cmd::report_model::bench(args, global),
        Bench::Tagging(args) => crate::cmd::tag::bench(args, global),
        Bench::Ingest(args) => crate::cmd::imaging::run_bench_ingest(args, global),
        Bench::ScanModel(args) => crate::cmd::scan_model::bench(args, global),
        Bench::Annotate(args) => crate::cmd::annotate::bench(args, global),
    }
}
