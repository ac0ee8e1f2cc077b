//! `uptake bench ...`: speed figures. Benchmarks print numbers; tests never time anything.

use crate::common::Global;

#[derive(clap::Subcommand, Debug)]
pub enum Bench {}

pub fn run(bench: Bench, _global: &Global) -> anyhow::Result<()> {
    match bench {}
}
