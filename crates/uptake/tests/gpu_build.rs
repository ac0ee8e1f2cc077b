//! The `gpu` build (burn's CUDA backend) keeps compiling. CI has no GPU, so it checks the build
//! and cannot run it: `cargo check -p uptake --features gpu`, offline (scripts/setup fetches
//! every crate of Cargo.lock, the CUDA ones included), in a target folder of its own
//! (target/gpu-check) so that it never waits for the lock of the build running this test.

use std::path::Path;
use std::process::Command;

#[test]
fn the_workspace_compiles_with_the_gpu_feature() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let check = Command::new(cargo)
        .args(["check", "-p", "uptake", "--features", "gpu", "--offline"])
        .arg("--target-dir")
        .arg(workspace.join("target/gpu-check"))
        .current_dir(&workspace)
        .output()
        .expect("cargo runs");
    assert!(
        check.status.success(),
        "`cargo check -p uptake --features gpu` failed ({}):\n{}",
        check.status,
        String::from_utf8_lossy(&check.stderr)
    );
}
