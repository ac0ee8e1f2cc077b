#!/usr/bin/env bash
# Every crate of Cargo.lock into cargo's cache, those of the `gpu` feature (burn's CUDA backend)
# included, which `cargo test --workspace` would not fetch: crates/uptake/tests/gpu_build.rs
# checks that build offline. Idempotent: nothing is downloaded when the cache holds them.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo fetch --locked
