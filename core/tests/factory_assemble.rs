//! NN-Factory's assembler on a seeded (untrained) supernet: an assembled model holds exactly the
//! supernet's slices (its forward equals the supernet's forward of that architecture and those
//! classes), respects parameter and FLOP budgets, its counted cost equals what core::profile
//! records, it round-trips through the model registry, and bad budgets or tasks are clear errors.

use deepfield_core::automl::factory::{
    assemble, candidates, materialise, profiled_cost, task_data, Arch, AssemblyOptions, Budget,
    FactoryNetConfig, Supernet, SupernetConfig,
};
use deepfield_core::data::TensorDataset;
use deepfield_core::models::{restore_model, save_model, ModelConfig, ModelRegistry};
use deepfield_core::tch::nn::VarStore;
use deepfield_core::tch::{Device, Kind, Tensor};
use deepfield_core::testing::assert_err;
use deepfield_core::Forward;

fn supernet() -> (VarStore, Supernet) {
    deepfield_core::seed(7);
    let vs = VarStore::new(Device::Cpu);
    let s = SupernetConfig::default().build(&vs.root()).unwrap();
    (vs, s)
}

fn images(n: i64) -> Tensor {
    Tensor::rand([n, 1, 28, 28], (Kind::Float, Device::Cpu))
}

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

#[test]
fn assembled_weights_are_the_supernets_slices() {
    let (vs, sup) = supernet();
    let x = images(6);
    for (arch, classes) in [
        (
            Arch {
                widths: vec![4, 24, 48],
                depths: vec![1, 0, 2],
            },
            vec![7, 2, 5],
        ),
        (sup.config().smallest(), vec![0, 9]),
        (sup.config().largest(), (0..10).collect()),
    ] {
        let config = FactoryNetConfig {
            arch: arch.clone(),
            classes: classes.clone(),
            ..Default::default()
        };
        let (small_vs, small) = materialise(&vs, &config).unwrap();
        let want = sup.forward_arch(&x, &arch, Some(&classes)).unwrap();
        let got = small.try_forward_t(&x, None, false).unwrap();
        assert_eq!(got.size(), [6, classes.len() as i64]);
        assert!(max_diff(&got, &want) < 1e-5, "{arch:?}");
        // Really the supernet's numbers: the first conv slice, the class rows of the head.
        let sv = vs.variables();
        let cv = small_vs.variables();
        let w = &cv["stages.0.conv.weight"];
        assert_eq!(w.size(), [arch.widths[0], 1, 3, 3]);
        assert!(w.equal(&sv["stages.0.conv.weight"].narrow(0, 0, arch.widths[0])));
        let head = &cv["head.bias"];
        let rows = Tensor::from_slice(&classes);
        assert!(head.equal(&sv["head.bias"].index_select(0, &rows)));
        // The slices were copied, not shared.
        assert_eq!(
            small_vs.trainable_variables().len(),
            2 * (3 + arch.depths.iter().sum::<usize>()) + 2
        );
    }
    // The untrained largest architecture is not the smallest: the test can fail.
    let a = sup.forward_arch(&x, &sup.config().largest(), None).unwrap();
    let b = sup
        .forward_arch(&x, &sup.config().smallest(), None)
        .unwrap();
    assert!(max_diff(&a, &b) > 1e-3);
}

#[test]
fn counted_costs_equal_the_profiler_and_budgets_hold() {
    let (vs, sup) = supernet();
    for arch in [sup.config().smallest(), sup.config().largest()] {
        let config = FactoryNetConfig {
            arch,
            classes: vec![1, 3, 5, 7],
            ..Default::default()
        };
        let (svs, small) = materialise(&vs, &config).unwrap();
        let profiled = profiled_cost(&small, &svs, [1, 1, 28, 28]).unwrap();
        assert_eq!(profiled, config.cost(), "{config:?}");
    }
    // Largest, all classes: 160 + 2,320 + 4,640 + 9,248 + 18,496 + 2·36,928 + 650.
    let largest = sup.config().cost(&sup.config().largest(), 10);
    assert_eq!(largest.params, 109_370);
    let classes = [0i64, 1, 2, 3, 4];
    for budget in [
        Budget::Params(3_000),
        Budget::Params(20_000),
        Budget::Flops(400_000),
        Budget::Flops(3_000_000),
    ] {
        let a = assemble(
            &sup,
            &vs,
            &classes,
            budget,
            None,
            &AssemblyOptions::default(),
        )
        .unwrap();
        let used = budget.used(&a.report.cost);
        assert!(used <= budget.max(), "{budget:?}: {:?}", a.report);
        // Uses the budget well: at least 40 % of it (the choices are coarse).
        assert!(used * 10 >= budget.max() * 4, "{budget:?}: {:?}", a.report);
        assert_eq!(
            profiled_cost(&a.model, &a.vs, [1, 1, 28, 28]).unwrap(),
            a.report.cost
        );
        assert!(a.report.seconds < 5.0, "{:?}", a.report);
        let (fitting, maximal) = candidates(&sup, budget, 5).unwrap();
        assert!(maximal.len() <= fitting && !maximal.is_empty());
    }
    // A bigger budget never gives a smaller model.
    let p = |m| {
        assemble(
            &sup,
            &vs,
            &classes,
            Budget::Params(m),
            None,
            &Default::default(),
        )
        .unwrap()
        .report
        .cost
        .params
    };
    assert!(p(5_000) <= p(50_000));
}

#[test]
fn search_scores_candidates_on_task_examples() {
    let (vs, sup) = supernet();
    let x = images(40);
    let y = Tensor::from_slice(&[3i64, 8]).repeat([20]);
    let data = task_data(&TensorDataset::new(x, y).unwrap(), &[8, 3], 10).unwrap();
    // Labels renumbered to positions: 8 → 0, 3 → 1.
    assert_eq!(data.len(), 40);
    assert_eq!(i64::try_from(data.y.get(0)).unwrap(), 1);
    let opts = AssemblyOptions {
        search_top: 3,
        search_images: 16,
    };
    let a = assemble(
        &sup,
        &vs,
        &[8, 3],
        Budget::Params(30_000),
        Some(&data),
        &opts,
    )
    .unwrap();
    assert_eq!(a.report.scored, 3);
    assert!((0.0..=100.0).contains(&a.report.search_accuracy));
}

#[test]
fn bad_budgets_and_tasks_are_clear_errors() {
    let (vs, sup) = supernet();
    let o = AssemblyOptions::default();
    let small = sup.config().cost(&sup.config().smallest(), 3).params;
    let e = assert_err(
        assemble(&sup, &vs, &[0, 1, 2], Budget::Params(100), None, &o).map(|_| ()),
        &["budget of 100 parameters", "below the smallest model"],
    );
    assert!(e.contains(&small.to_string()), "{e}");
    assert_err(
        assemble(&sup, &vs, &[0, 1], Budget::Flops(0), None, &o).map(|_| ()),
        &["budget must be > 0"],
    );
    assert_err(
        assemble(&sup, &vs, &[0, 12], Budget::Params(9_000), None, &o).map(|_| ()),
        &["class 12", "outside"],
    );
    assert_err(
        assemble(&sup, &vs, &[4, 4], Budget::Params(9_000), None, &o).map(|_| ()),
        &["class 4 given twice"],
    );
    assert_err(
        assemble(&sup, &vs, &[4], Budget::Params(9_000), None, &o).map(|_| ()),
        &["at least 2 classes"],
    );
    let outside = Arch {
        widths: vec![16, 32, 128],
        depths: vec![1, 1, 1],
    };
    assert_err(
        sup.forward_arch(&images(1), &outside, None).map(|_| ()),
        &["not inside this supernet"],
    );
    assert_err(
        sup.forward_arch(&images(1).view([1, 28, 28]), &sup.config().largest(), None)
            .map(|_| ()),
        &["expected images"],
    );
}

#[test]
fn an_assembled_model_round_trips_through_the_registry() {
    let (vs, sup) = supernet();
    let a = assemble(
        &sup,
        &vs,
        &[9, 4, 1],
        Budget::Params(12_000),
        None,
        &AssemblyOptions::default(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m");
    save_model(&path, &a.vs, &a.config, Some(&a.report)).unwrap();
    let x = images(5);
    let want = a.model.try_forward_t(&x, None, false).unwrap();
    let r = ModelRegistry::with_core()
        .restore(&path, Device::Cpu)
        .unwrap();
    assert_eq!(r.kind, "factory_net");
    assert!(r.model.try_forward_t(&x, None, false).unwrap().equal(&want));
    let (config, _vs, model) = restore_model::<FactoryNetConfig>(&path, Device::Cpu).unwrap();
    assert_eq!(config, a.config);
    // Predictions name the original classes.
    let labels = model.predict_classes(&x).unwrap();
    let got: Vec<i64> = Vec::try_from(&labels).unwrap();
    assert!(got.iter().all(|c| [9, 4, 1].contains(c)), "{got:?}");
    // The supernet itself round-trips too.
    let spath = dir.path().join("s");
    save_model(&spath, &vs, sup.config(), None::<&()>).unwrap();
    let s = ModelRegistry::with_core()
        .restore(&spath, Device::Cpu)
        .unwrap();
    assert_eq!(s.kind, "factory_supernet");
    assert!(s
        .model
        .try_forward_t(&x, None, false)
        .unwrap()
        .equal(&sup.try_forward_t(&x, None, false).unwrap()));
}
