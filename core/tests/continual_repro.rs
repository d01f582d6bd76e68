//! `continual --quick`: split MNIST (5 tasks) and permuted MNIST (3 tasks) with small MLPs and
//! short training, every scenario and method. Asserts the orderings that hold with margin under
//! the fixed seed: replay beats fine-tuning by a clear margin in class-incremental split MNIST,
//! fine-tuning forgets in Class-IL (ACC near the last task's share) while Task-IL keeps most of
//! it, joint training is the upper bound, and the results folder is complete.

use deepfield_core::continual::Scenario;
use deepfield_core::repro::continual::{Continual, Method};
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::assert_results;

#[test]
fn quick_continual_replay_beats_fine_tuning_in_class_il() {
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("continual", out.path().join("continual"));
    let m = Typed(Continual)
        .run_typed(&opts)
        .expect("continual --quick");
    assert_eq!(m.cells.len(), 2 * 3 * 8);
    let acc = |p: &str, s: Scenario, k: Method| m.cell(p, s, k).unwrap().acc_mean;
    let split = "split-mnist";
    let (ft, replay, joint) = (
        acc(split, Scenario::ClassIl, Method::FineTune),
        acc(split, Scenario::ClassIl, Method::Replay),
        acc(split, Scenario::ClassIl, Method::Joint),
    );
    eprintln!("class-IL split: fine-tune {ft:.3} replay {replay:.3} joint {joint:.3}");
    assert!(replay > ft + 0.25, "replay {replay} vs fine-tune {ft}");
    assert!(ft < 0.35, "fine-tuning should forget in Class-IL: {ft}");
    assert!(
        joint > 0.8 && joint >= replay - 0.02,
        "joint {joint}, replay {replay}"
    );
    let task_ft = acc(split, Scenario::TaskIl, Method::FineTune);
    assert!(
        task_ft > ft + 0.3,
        "Task-IL fine-tune {task_ft} vs Class-IL {ft}"
    );
    // Forgetting shows as negative backward transfer for fine-tuning, much less for replay.
    let bwt = |k| m.cell(split, Scenario::ClassIl, k).unwrap().bwt_mean;
    assert!(bwt(Method::FineTune) < -0.6, "{}", bwt(Method::FineTune));
    assert!(bwt(Method::Replay) > bwt(Method::FineTune) + 0.3);
    let perm = acc("permuted-mnist", Scenario::DomainIl, Method::Joint);
    assert!(perm > 0.6, "permuted joint {perm}");
    assert_results(
        &opts.out,
        &[
            "metrics.json",
            "report.md",
            "config.json",
            "model/",
            "curves_split-mnist_class.png",
            "heatmap_split-mnist_class_replay.png",
        ],
    );
}
