//! Both permutation tests over seeds reproduce the study's direction and mean AUROCs on its
//! released rare-region and mortality predictions (shared/data/paper-predictions; the README
//! there lists the figures the paper printed).

use uptake_stats::paper_seeds::{PaperSeedSettings, PaperSeedTests, SeedComparison};

fn tests() -> PaperSeedTests {
    let shared = uptake_core::shared_dir()
        .expect("shared/ data folder not found beside the repository (set UPTAKE_SHARED_DIR)");
    let dir = shared.join("data/paper-predictions");
    PaperSeedTests::compute(&dir, &PaperSeedSettings::default()).unwrap()
}

fn find<'a>(t: &'a PaperSeedTests, task: &str, b: &str) -> &'a SeedComparison {
    (t.comparisons.iter())
        .find(|c| c.task == task && c.names.1 == b)
        .unwrap_or_else(|| panic!("no comparison {task} vs {b}"))
}

#[test]
fn the_multi_task_models_are_better_by_the_papers_mean_aurocs_and_both_tests() {
    let t = tests();
    assert_eq!(t.comparisons.len(), 4 + 4 * 2);
    let printed = [
        ("pancreas", "single-task Kinetics", 0.782, 0.559),
        ("kidney", "single-task Kinetics", 0.899, 0.635),
        ("adrenal", "single-task Kinetics", 0.779, 0.580),
        ("celiac_lymph_node", "single-task Kinetics", 0.781, 0.502),
        ("mortality 180 d", "no_pretrain", 0.759, 0.666),
    ];
    for (task, b, paper_a, paper_b) in printed {
        let c = find(&t, task, b);
        let (a_mean, b_mean) = c.means();
        assert!((a_mean - paper_a).abs() <= 0.001, "{task}: A {a_mean}");
        assert!((b_mean - paper_b).abs() <= 0.001, "{task}: B {b_mean}");
        assert_eq!((c.a_per_seed.len(), c.b_per_seed.len()), (5, 5), "{task}");
        // Every seed of the multi-task model beats every seed of the other here, so the study's
        // test is near its floor of 1/252 and the paired test near its floor of 1/32.
        assert!(c.separated(), "{task}");
        assert!(c.study.mean_difference > 0.0 && c.paired.mean_difference > 0.0);
        assert!(
            c.study.p_value < 0.05,
            "{task}: study p {}",
            c.study.p_value
        );
        assert!((c.study.p_value - 1.0 / 252.0).abs() < 0.002, "{task}");
        assert!(c.paired.p_value >= 1.0 / 32.0 - 0.005, "{task}");
        assert!(
            c.paired.p_value < 0.05,
            "{task}: paired p {}",
            c.paired.p_value
        );
    }
}

#[test]
fn neither_test_goes_below_its_floor_where_the_printed_p_values_do() {
    // The paper printed p = 0.0003 (celiac), 0.0022 (kidney), 0.0004 (adrenal).
    let t = tests();
    for task in ["celiac_lymph_node", "kidney", "adrenal"] {
        let c = find(&t, task, "single-task Kinetics");
        assert!(c.paired.p_value > 0.02, "{task}: {}", c.paired.p_value);
        assert!(c.study.p_value > 0.0025, "{task}: {}", c.study.p_value);
    }
}
