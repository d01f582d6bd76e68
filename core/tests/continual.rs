//! core::continual: stream generators, metric formulas, the EWC Fisher against a closed form,
//! the A-GEM projection, reservoir sampling, and bad inputs.

use deepfield_core::continual::agem::project;
use deepfield_core::continual::stream::{permute_features, task_permutation};
use deepfield_core::continual::{
    diagonal_fisher, permuted, split, AccuracyMatrix, ContinualStep, ReservoirBuffer, Scenario,
    TaskBatch,
};
use deepfield_core::data::TensorDataset;
use deepfield_core::nn::mlp::MlpConfig;
use tch::{nn::VarStore, Device, Kind, Tensor};

/// `n` samples of `f` features, sample i = i*1000 + feature index; labels i % classes.
fn toy(n: i64, f: i64, classes: i64) -> TensorDataset {
    let x = (Tensor::arange(n, (Kind::Float, Device::Cpu)).unsqueeze(1) * 1000.0
        + Tensor::arange(f, (Kind::Float, Device::Cpu)).unsqueeze(0))
    .view([n, f]);
    let y = Tensor::arange(n, (Kind::Int64, Device::Cpu)).remainder(classes);
    TensorDataset::new(x, y).unwrap()
}

#[test]
fn permutations_are_seeded_bijections_and_task0_is_identity() {
    let f = 784;
    let p0 = task_permutation(f, 7, 0, true);
    assert_eq!(p0, (0..f).collect::<Vec<_>>());
    let p1 = task_permutation(f, 7, 1, true);
    let p2 = task_permutation(f, 7, 2, true);
    assert_eq!(p1, task_permutation(f, 7, 1, true), "not seeded");
    assert_ne!(p1, p2);
    for p in [&p1, &p2] {
        let mut s = p.clone();
        s.sort_unstable();
        assert_eq!(s, (0..f).collect::<Vec<_>>(), "not a bijection");
        assert!(p.iter().enumerate().filter(|(i, v)| i == *v).count() < 20);
    }
    assert_ne!(task_permutation(f, 7, 0, false), p0);

    let (tr, te) = (toy(20, 12, 4), toy(8, 12, 4));
    let s = permuted(&tr, &te, 3, 5, true, Scenario::TaskIl).unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(s.outputs, 12);
    assert_eq!(s.tasks[2].classes, vec![8, 9, 10, 11]);
    // Labels are offset per task; inputs are the same values in a permuted order.
    let y2 = Vec::<i64>::try_from(&s.tasks[2].train.y).unwrap();
    assert!(y2.iter().all(|v| (8..12).contains(v)));
    let sorted = s.tasks[1].train.x.sort(1, false).0;
    assert!(sorted.allclose(&tr.x, 0.0, 0.0, false));
    assert!(!s.tasks[1].train.x.allclose(&tr.x, 0.0, 0.0, false));
    assert!(s.tasks[0].test.x.allclose(&te.x, 0.0, 0.0, false));
    let d = permuted(&tr, &te, 3, 5, true, Scenario::DomainIl).unwrap();
    assert_eq!(d.outputs, 4);
    assert_eq!(d.tasks[2].classes, vec![0, 1, 2, 3]);
    let x = Tensor::arange(24, (Kind::Float, Device::Cpu)).view([2, 3, 4]);
    let e = permute_features(&x, &[0, 1]).unwrap_err().to_string();
    assert!(e.contains("inputs with 12 features"), "{e}");
}

#[test]
fn split_tasks_cover_every_class_once_with_scenario_labels() {
    let (tr, te) = (toy(100, 5, 10), toy(40, 5, 10));
    let s = split(&tr, &te, 2, Scenario::ClassIl).unwrap();
    assert_eq!(s.len(), 5);
    assert_eq!(s.outputs, 10);
    let mut seen: Vec<i64> = s.tasks.iter().flat_map(|t| t.classes.clone()).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..10).collect::<Vec<_>>(), "classes covered once");
    let total: usize = s.tasks.iter().map(|t| t.train.len()).sum();
    assert_eq!(total, 100);
    for t in &s.tasks {
        let y = Vec::<i64>::try_from(&t.train.y).unwrap();
        assert!(y.iter().all(|v| t.classes.contains(v)));
    }
    // Masks: Class-IL trains over every class so far, Task-IL over the task's pair.
    assert_eq!(s.train_classes(2).unwrap(), (0..6).collect::<Vec<_>>());
    assert_eq!(s.eval_classes(4, 1).unwrap(), (0..10).collect::<Vec<_>>());
    let t = split(&tr, &te, 2, Scenario::TaskIl).unwrap();
    assert_eq!(t.train_classes(2).unwrap(), vec![4, 5]);
    assert_eq!(t.eval_classes(4, 1).unwrap(), vec![2, 3]);
    let m = t.train_masks(2, Device::Cpu).unwrap();
    assert_eq!(m.size(), vec![5, 10]);
    assert_eq!(Vec::<bool>::try_from(m.get(1)).unwrap()[2..4], [true, true]);
    let d = split(&tr, &te, 2, Scenario::DomainIl).unwrap();
    assert_eq!(d.outputs, 2);
    let y = Vec::<i64>::try_from(&d.tasks[3].train.y).unwrap();
    assert!(y.iter().all(|v| *v == 0 || *v == 1));
    // Bad inputs are errors naming the problem.
    let e = split(&tr, &te, 3, Scenario::ClassIl)
        .unwrap_err()
        .to_string();
    assert!(e.contains("divisible"), "{e}");
    let bad = TensorDataset::new(
        Tensor::zeros([4, 5], (Kind::Float, Device::Cpu)),
        Tensor::zeros([4], (Kind::Float, Device::Cpu)),
    )
    .unwrap();
    let e = split(&bad, &te, 2, Scenario::ClassIl)
        .unwrap_err()
        .to_string();
    assert!(e.contains("i64"), "{e}");
    let e = s.train_classes(9).unwrap_err().to_string();
    assert!(e.contains("out of range"), "{e}");
}

#[test]
fn metric_formulas_on_a_hand_made_matrix() {
    let r = vec![
        vec![0.9, 0.2, 0.1],
        vec![0.6, 0.8, 0.35],
        vec![0.5, 0.7, 0.95],
    ];
    let m = AccuracyMatrix::new(r, Some(vec![0.1, 0.15, 0.25])).unwrap();
    assert!((m.acc() - (0.5 + 0.7 + 0.95) / 3.0).abs() < 1e-12);
    assert!((m.bwt() - ((0.5 - 0.9) + (0.7 - 0.8)) / 2.0).abs() < 1e-12);
    assert!((m.fwt().unwrap() - ((0.2 - 0.15) + (0.35 - 0.25)) / 2.0).abs() < 1e-12);
    assert!((m.acc_after(1) - 0.7).abs() < 1e-12);
    assert!(AccuracyMatrix::new(vec![vec![0.5]], None)
        .unwrap()
        .fwt()
        .is_none());
    let e = AccuracyMatrix::new(vec![vec![0.5, 0.1]], None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("T×T"), "{e}");
    let e = AccuracyMatrix::new(vec![vec![1.5]], None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("[0, 1]"), "{e}");
}

#[test]
fn ewc_fisher_matches_the_closed_form_of_a_linear_softmax() {
    tch::manual_seed(3);
    let vs = VarStore::new(Device::Cpu);
    let model = MlpConfig::new(4, Vec::<i64>::new(), 3)
        .init(&vs.root())
        .unwrap();
    let x = Tensor::randn([6, 4], (Kind::Float, Device::Cpu));
    let y = Tensor::from_slice(&[0i64, 1, 2, 1, 0, 2]);
    let data = TaskBatch::new(
        x.shallow_clone(),
        y.shallow_clone(),
        Tensor::zeros([6], (Kind::Int64, Device::Cpu)),
    )
    .unwrap();
    let step = ContinualStep::new(&model, Tensor::ones([1, 3], (Kind::Bool, Device::Cpu)));
    let fisher = diagonal_fisher(&step, &vs, &data, 100, 0).unwrap();
    // Closed form: d CE / d W = (p − onehot) xᵀ, d CE / d b = p − onehot.
    let vars = vs.variables();
    let (w, b) = (&vars["out.weight"], &vars["out.bias"]);
    let p = (x.matmul(&w.tr()) + b).softmax(-1, Kind::Float).detach();
    let e = p - y.one_hot(3).to_kind(Kind::Float);
    let fw = (e.unsqueeze(2) * x.unsqueeze(1))
        .square()
        .mean_dim(0, false, Kind::Float);
    let fb = e.square().mean_dim(0, false, Kind::Float);
    let mut matched = 0;
    for f in &fisher {
        if f.size() == fw.size() {
            assert!(
                f.allclose(&fw, 1e-5, 1e-7, false),
                "weight Fisher {f} vs {fw}"
            );
            matched += 1;
        } else {
            assert!(
                f.allclose(&fb, 1e-5, 1e-7, false),
                "bias Fisher {f} vs {fb}"
            );
            matched += 1;
        }
    }
    assert_eq!(matched, 2);
    assert!(
        f64::try_from(fw.sum(Kind::Float)).unwrap() > 1e-3,
        "a Fisher of zeros would pass"
    );
}

#[test]
fn agem_projection_never_conflicts_with_the_reference_gradient() {
    tch::manual_seed(11);
    let mut projected = 0;
    for _ in 0..50 {
        let g = Tensor::randn([40], (Kind::Double, Device::Cpu));
        let r = Tensor::randn([40], (Kind::Double, Device::Cpu));
        let (p, applied) = project(&g, &r).unwrap();
        let applied = bool::try_from(applied).unwrap();
        let before = f64::try_from(g.dot(&r)).unwrap();
        let after = f64::try_from(p.dot(&r)).unwrap();
        assert!(after >= -1e-9, "projected gradient conflicts: {after}");
        assert_eq!(applied, before < 0.0);
        if applied {
            projected += 1;
            assert!(after.abs() < 1e-9, "projection lands on the boundary");
            // Only the component along r changed.
            let d = &p - &g;
            let cos = f64::try_from(d.dot(&r)).unwrap().abs()
                / (f64::try_from(d.norm()).unwrap() * f64::try_from(r.norm()).unwrap());
            assert!((cos - 1.0).abs() < 1e-9);
        } else {
            assert!(p.allclose(&g, 0.0, 0.0, false));
        }
    }
    assert!(
        projected > 10 && projected < 40,
        "{projected} of 50 projected"
    );
}

#[test]
fn reservoir_holds_capacity_and_samples_uniformly() {
    let mut counts = [0usize; 10];
    for trial in 0..100u64 {
        let mut buf = ReservoirBuffer::new(50, trial).unwrap();
        for t in 0..10i64 {
            let b = TaskBatch::new(
                Tensor::full([200, 2], t as f64, (Kind::Float, Device::Cpu)),
                Tensor::zeros([200], (Kind::Int64, Device::Cpu)),
                Tensor::full([200], t, (Kind::Int64, Device::Cpu)),
            )
            .unwrap();
            buf.add(&b).unwrap();
            assert!(buf.len() <= 50);
        }
        assert_eq!(buf.len(), 50);
        assert_eq!(buf.seen(), 2000);
        for &t in buf.tasks() {
            counts[t as usize] += 1;
        }
        // Stored inputs travel with their task id.
        let all = buf.all(Device::Cpu).unwrap().unwrap();
        assert!(all.x.select(1, 0).to_kind(Kind::Int64).equal(&all.task));
    }
    // 100 trials × 50 slots over 10 equal tasks: 500 each expected.
    for (t, &c) in counts.iter().enumerate() {
        assert!((400..=600).contains(&c), "task {t} held {c} times of 5000");
    }
    assert!(ReservoirBuffer::new(0, 0).is_err());
}
