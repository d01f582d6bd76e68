//! core::spiking: surrogate gradients against finite differences, LIF dynamics on hand-computed
//! inputs, encodings' statistics, the spiking MLP's shapes/statistics/BPTT gradients, Hebbian
//! convergence to the top principal subspace, HLOP's projection, and bad inputs as errors.

use deepfield_core::data::TensorDataset;
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::nn::Forward;
use deepfield_core::spiking::hebbian::{
    principal_angles, top_subspace, HebbianConfig, HebbianSubspace,
};
use deepfield_core::spiking::hlop::{Hlop, HlopConfig, HlopLayer, INPUT};
use deepfield_core::spiking::{
    Adaptation, Encoding, LifConfig, Reset, SpikingMlpConfig, Surrogate,
};
use deepfield_core::train::{OptimizerConfig, Task, TrainConfig, Trainer};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

fn vec64(t: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(t.to_kind(Kind::Double).flatten(0, -1)).unwrap()
}

#[test]
fn surrogate_gradients_match_finite_differences_of_the_smoothed_function() {
    let surrogates = [
        Surrogate::FastSigmoid { slope: 25.0 },
        Surrogate::Arctan { alpha: 2.0 },
        Surrogate::Triangle { width: 0.7 },
    ];
    // avoid the triangle's kinks at ±w and the |x| kink at 0
    let xs: Vec<f64> = (0..40).map(|i| -1.95 + 0.1 * i as f64 + 0.0123).collect();
    for s in surrogates {
        let x = Tensor::from_slice(&xs).set_requires_grad(true);
        let y = s.spike(&x);
        assert_eq!(
            vec64(&y),
            xs.iter()
                .map(|&v| if v >= 0.0 { 1.0 } else { 0.0 })
                .collect::<Vec<_>>()
        );
        y.sum(Kind::Double).backward();
        let g = vec64(&x.grad());
        let h = 1e-6;
        let xd = Tensor::from_slice(&xs);
        let fd = vec64(&((s.smooth(&(&xd + h)) - s.smooth(&(&xd - h))) / (2.0 * h)));
        let closed = vec64(&s.derivative(&xd));
        for i in 0..xs.len() {
            assert!(
                (g[i] - fd[i]).abs() < 1e-6,
                "{s:?} at {}: autograd {} vs fd {}",
                xs[i],
                g[i],
                fd[i]
            );
            assert!(
                (g[i] - closed[i]).abs() < 1e-9,
                "{s:?} at {}: {} vs closed form {}",
                xs[i],
                g[i],
                closed[i]
            );
        }
        // the surrogate peaks at the threshold and decays away from it
        let peak = vec64(&s.derivative(&Tensor::from_slice(&[0.0f64, 0.5, 1.5])));
        assert!(peak[0] > peak[1] && peak[1] >= peak[2], "{s:?}: {peak:?}");
    }
    // fast sigmoid's known value: 1/(1+25·0.2)² = 1/36
    let d =
        vec64(&Surrogate::FastSigmoid { slope: 25.0 }.derivative(&Tensor::from_slice(&[0.2f64])));
    assert!((d[0] - 1.0 / 36.0).abs() < 1e-12);
}

fn run_lif(cfg: LifConfig, input: f64, steps: usize) -> (Vec<f64>, Vec<f64>) {
    let vs = VarStore::new(Device::Cpu);
    let lif = cfg.init(&vs.root(), 1).unwrap();
    let x = Tensor::from_slice(&[input as f32]).reshape([1, 1]);
    let mut st = lif.zero_state(&x);
    let (mut mem, mut spk) = (Vec::new(), Vec::new());
    for _ in 0..steps {
        let s = lif.step(&x, &mut st).unwrap();
        spk.push(vec64(&s)[0]);
        mem.push(vec64(&st.mem)[0]);
    }
    (mem, spk)
}

#[test]
fn lif_dynamics_match_hand_computed_values() {
    let base = LifConfig {
        beta: 0.5,
        threshold: 1.0,
        ..Default::default()
    };
    // soft reset, constant input 1.25 (all values exact in binary)
    let (mem, spk) = run_lif(base, 1.25, 5);
    assert_eq!(mem, vec![1.25, 0.875, 1.6875, 1.09375, 0.796875]);
    assert_eq!(spk, vec![1.0, 0.0, 1.0, 1.0, 0.0]);
    // hard reset, input 0.75
    let (mem, spk) = run_lif(
        LifConfig {
            reset: Reset::Hard,
            ..base
        },
        0.75,
        4,
    );
    assert_eq!(mem, vec![0.75, 1.125, 0.75, 1.125]);
    assert_eq!(spk, vec![0.0, 1.0, 0.0, 1.0]);
    // adaptive threshold (ρ = γ = 0.5): θ = 1, 1.5, 1.25, 1.625, 1.3125
    let alif = LifConfig {
        adaptation: Some(Adaptation {
            rho: 0.5,
            gamma: 0.5,
        }),
        ..base
    };
    let (mem, spk) = run_lif(alif, 1.25, 5);
    assert_eq!(spk, vec![1.0, 0.0, 1.0, 0.0, 1.0]);
    assert_eq!(mem, vec![1.25, 0.875, 1.6875, 1.09375, 1.796875]);
    // a fresh state per sequence: the same run twice gives the same spikes
    assert_eq!(run_lif(base, 1.25, 5).1, vec![1.0, 0.0, 1.0, 1.0, 0.0]);
}

#[test]
fn learnable_time_constants_get_gradients() {
    let vs = VarStore::new(Device::Cpu);
    let cfg = LifConfig {
        learn_beta: true,
        ..Default::default()
    };
    let lif = cfg.init(&(vs.root() / "lif"), 4).unwrap();
    let tau = lif.time_constants().unwrap();
    assert_eq!(tau.len(), 4);
    assert!((tau[0] - (-1.0 / 0.95f64.ln())).abs() < 1e-3, "{tau:?}");
    let x = Tensor::full([3, 4], 0.4, (Kind::Float, Device::Cpu));
    let mut st = lif.zero_state(&x);
    let mut total = Tensor::zeros([], (Kind::Float, Device::Cpu));
    for _ in 0..8 {
        total += lif.step(&x, &mut st).unwrap().sum(Kind::Float) + st.mem.sum(Kind::Float);
    }
    total.backward();
    let g = vs.variables()["lif.beta_logit"].grad();
    assert!(vec64(&g).iter().all(|v| v.abs() > 1e-6), "{:?}", vec64(&g));
}

#[test]
fn encodings_have_the_expected_statistics() {
    tch::manual_seed(3);
    let x = Tensor::from_slice(&[0.0f32, 0.1, 0.5, 0.9, 1.0]).reshape([1, 5]);
    let direct = Encoding::Direct.encode(&x, 7).unwrap();
    assert_eq!(direct.size(), vec![7, 1, 5]);
    assert_eq!(vec64(&direct.get(6)), vec64(&x));
    let rate = Encoding::Rate.encode(&x, 4000).unwrap();
    let mean = vec64(&rate.mean_dim(0, false, Kind::Float));
    for (m, want) in mean.iter().zip([0.0, 0.1, 0.5, 0.9, 1.0]) {
        assert!((m - want).abs() < 0.03, "rate mean {m} vs {want}");
    }
    assert!(vec64(&rate).iter().all(|v| *v == 0.0 || *v == 1.0));
    let lat = Encoding::Latency { threshold: 0.05 }
        .encode(&x, 11)
        .unwrap();
    let counts = vec64(&lat.sum_dim_intlist(0, false, Kind::Float));
    assert_eq!(counts, vec![0.0, 1.0, 1.0, 1.0, 1.0]);
    // first spike at round((1 − x)·10): 9, 5, 1, 0
    let when = vec64(&lat.argmax(0, false));
    assert_eq!(&when[1..], &[9.0, 5.0, 1.0, 0.0]);
    // bad inputs
    let e = Encoding::Rate
        .encode(&(x.shallow_clone() * 2.0), 5)
        .unwrap_err()
        .to_string();
    assert!(e.contains("[0, 1]"), "{e}");
    assert!(Encoding::Direct
        .encode(&x, 0)
        .unwrap_err()
        .to_string()
        .contains("steps"));
    assert!(Encoding::Latency { threshold: 1.5 }.validate().is_err());
}

#[test]
fn spiking_mlp_runs_bptt_and_reports_rates_and_energy() {
    tch::manual_seed(0);
    let vs = VarStore::new(Device::Cpu);
    let mut cfg = SpikingMlpConfig::new(20, [16, 12], 3, 5);
    cfg.neuron.learn_beta = true;
    let model = cfg.init(&vs.root()).unwrap();
    let x = Tensor::rand([4, 20], (Kind::Float, Device::Cpu)) * 3.0;
    let y = model.try_forward_t(&x, None, true).unwrap();
    assert_eq!(y.size(), vec![4, 3]);
    y.sum(Kind::Float).backward();
    for (name, v) in vs.variables() {
        let g = v.grad();
        assert!(
            g.defined() && g.abs().sum(Kind::Double).double_value(&[]) > 0.0,
            "{name} has no gradient"
        );
    }
    let (_, stats) = model.forward_stats(&x).unwrap();
    assert_eq!(stats.layers.len(), 2);
    assert_eq!(stats.steps, 5);
    assert!(stats.layers.iter().all(|l| (0.0..=1.0).contains(&l.rate)));
    assert!(stats.network_rate > 0.0);
    // twin MACs: 20·16 + 16·12 + 12·3; first layer under direct encoding: T × 20·16 MACs
    assert_eq!(stats.energy.twin_macs, (20 * 16 + 16 * 12 + 12 * 3) as f64);
    assert_eq!(stats.energy.macs, (5 * 20 * 16) as f64);
    let spikes0 = stats.layers[0].spikes_per_sample;
    assert!((stats.energy.layers[1].sops - spikes0 * 12.0).abs() < 1e-6);
    // layer pairs for HLOP
    let wl = model.weight_layers();
    assert_eq!(wl[0], ("hidden.0.weight".to_string(), "input".to_string()));
    assert_eq!(wl[2], ("out.weight".to_string(), "hidden.1".to_string()));
    // bad inputs
    let e = model
        .try_forward_t(
            &Tensor::zeros([2, 7], (Kind::Float, Device::Cpu)),
            None,
            false,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("[B, 20]"), "{e}");
    let e = SpikingMlpConfig {
        steps: 0,
        ..cfg.clone()
    }
    .validate()
    .unwrap_err()
    .to_string();
    assert!(e.contains("steps"), "{e}");
    let e = LifConfig {
        beta: 1.5,
        ..Default::default()
    }
    .validate()
    .unwrap_err()
    .to_string();
    assert!(e.contains("beta"), "{e}");
    assert!(Surrogate::FastSigmoid { slope: 0.0 }.validate().is_err());
}

/// Samples whose second moment has a clear top-`k` subspace: a random rotation of
/// independent coordinates with standard deviations `sd`.
fn structured(n: usize, sd: &[f64], rot: &Tensor) -> Tensor {
    let z = Tensor::randn([n as i64, sd.len() as i64], (Kind::Float, Device::Cpu))
        * Tensor::from_slice(sd).to_kind(Kind::Float);
    z.matmul(&rot.tr())
}

#[test]
fn hebbian_neurons_converge_to_the_top_principal_subspace() {
    tch::manual_seed(1);
    let d = 20;
    let (rot, _) = Tensor::linalg_qr(
        &Tensor::randn([d, d], (Kind::Float, Device::Cpu)),
        "reduced",
    );
    let mut sd = vec![0.1; d as usize];
    sd[..3].copy_from_slice(&[3.0, 2.5, 2.0]);
    let mut h = HebbianSubspace::new(HebbianConfig::default(), d, Device::Cpu).unwrap();
    h.add(3).unwrap();
    for _ in 0..400 {
        h.update(&structured(64, &sd, &rot)).unwrap();
    }
    let sample = structured(5000, &sd, &rot);
    let svd = top_subspace(&sample, 3).unwrap();
    let learned = h.weight().tr();
    let angles = principal_angles(&learned, &svd).unwrap();
    assert_eq!(angles.len(), 3);
    assert!(
        angles.iter().all(|a| *a < 3.0),
        "principal angles {angles:?} degrees"
    );
    // the rows end near-orthonormal (Oja's rule normalises)
    let gram = h.weight().matmul(&h.weight().tr()) - Tensor::eye(3, (Kind::Float, Device::Cpu));
    assert!(gram.abs().max().double_value(&[]) < 0.05);
    // against a random 3-d subspace the angles are large
    let random =
        principal_angles(&Tensor::randn([d, 3], (Kind::Float, Device::Cpu)), &svd).unwrap();
    assert!(random.last().copied().unwrap_or(0.0) > 45.0, "{random:?}");
    // fixed neurons stay fixed; new ones learn the next directions
    h.merge();
    let before = h.weight().copy();
    h.add(2).unwrap();
    let mut sd2 = sd.clone();
    sd2[3] = 1.5;
    sd2[4] = 1.2;
    for _ in 0..400 {
        h.update(&structured(64, &sd2, &rot)).unwrap();
    }
    assert_eq!(vec64(&h.weight().narrow(0, 0, 3)), vec64(&before));
    let top5 = top_subspace(&structured(5000, &sd2, &rot), 5).unwrap();
    let a5 = principal_angles(&h.weight().tr(), &top5).unwrap();
    assert!(a5.iter().all(|a| *a < 5.0), "{a5:?}");
    assert!(h
        .update(&Tensor::zeros([2, 7], (Kind::Float, Device::Cpu)))
        .unwrap_err()
        .to_string()
        .contains("[B, 20]"));
}

/// Two tasks on inputs in R^10: task 1 lives in a 3-d subspace A and is labelled by its first
/// coordinate; task 2 mixes A with a second subspace B and is labelled by B's first coordinate.
/// With HLOP (plain SGD) the first layer's response to task-1 inputs does not move while task 2
/// is learned; without it, it does, and task 1 is forgotten more.
#[test]
fn hlop_projection_keeps_earlier_inputs_responses() {
    let d = 10;
    let run = |with_hlop: bool| -> (f64, f64, f64) {
        tch::manual_seed(5);
        let (rot, _) = Tensor::linalg_qr(
            &Tensor::randn([d, d], (Kind::Float, Device::Cpu)),
            "reduced",
        );
        let sample = |sd: &[f64], label_dim: i64| {
            let z = Tensor::randn([512, d], (Kind::Float, Device::Cpu))
                * Tensor::from_slice(sd).to_kind(Kind::Float);
            let y = z.select(1, label_dim).gt(0.0).to_kind(Kind::Int64);
            TensorDataset::new(z.matmul(&rot.tr()), y).unwrap()
        };
        let t1 = sample(&[2.0, 1.5, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 0);
        let t2 = sample(&[1.0, 1.0, 1.0, 2.0, 1.5, 1.0, 0.0, 0.0, 0.0, 0.0], 3);
        let mut vs = VarStore::new(Device::Cpu);
        let model = MlpConfig::new(d, [32], 2).init(&vs.root()).unwrap();
        let trainer = Trainer::new(
            TrainConfig {
                epochs: 5,
                batch_size: 32,
                optimizer: OptimizerConfig::sgd(0.1, 0.0),
                progress: false,
                ..Default::default()
            },
            Task::classification(2),
        )
        .unwrap();
        let layers = vec![
            HlopLayer::linear("hidden.0.weight", INPUT),
            HlopLayer::linear("out.weight", "hidden.0"),
        ];
        let hebbian = HebbianConfig {
            lr: 0.05,
            ..Default::default()
        };
        let cfg = HlopConfig {
            hebbian,
            first: vec![3, 12],
            increment: vec![3, 8],
            ..Default::default()
        };
        let mut hlop = Hlop::new(cfg, layers, &vs).unwrap();
        let ce = |o: &Tensor, b: &deepfield_core::data::Batch| Ok(o.cross_entropy_for_logits(&b.y));
        if with_hlop {
            trainer
                .fit_callbacks(&model, &mut vs, &t1, None, ce, &mut [&mut hlop])
                .unwrap();
        } else {
            trainer.fit_with(&model, &mut vs, &t1, None, ce).unwrap();
        }
        let w = vs.variables()["hidden.0.weight"].copy();
        let acc1 = trainer.evaluate(&model, &vs, &t1).unwrap().metrics["accuracy"];
        assert!(acc1 > 0.9, "task 1 learned: {acc1}");
        if with_hlop {
            let angles = principal_angles(
                &hlop.subspaces()[0].weight().tr(),
                &top_subspace(&t1.x, 3).unwrap(),
            )
            .unwrap();
            assert!(
                angles.iter().all(|a| *a < 5.0),
                "layer-0 subspace vs SVD: {angles:?}"
            );
            trainer
                .fit_callbacks(&model, &mut vs, &t2, None, ce, &mut [&mut hlop])
                .unwrap();
            assert_eq!(hlop.tasks_done(), 2);
        } else {
            trainer.fit_with(&model, &mut vs, &t2, None, ce).unwrap();
        }
        let dw = vs.variables()["hidden.0.weight"].copy() - &w;
        let drift = dw.matmul(&t1.x.tr()).abs().max().double_value(&[]);
        let acc1_after = trainer.evaluate(&model, &vs, &t1).unwrap().metrics["accuracy"];
        let acc2 = trainer.evaluate(&model, &vs, &t2).unwrap().metrics["accuracy"];
        eprintln!("hlop {with_hlop}: drift {drift:.4} task1 {acc1:.3} -> {acc1_after:.3}, task2 {acc2:.3}");
        (drift, acc1 - acc1_after, acc2)
    };
    let (drift_hlop, forget_hlop, acc2_hlop) = run(true);
    let (drift_plain, forget_plain, acc2_plain) = run(false);
    assert!(
        drift_hlop < 0.05 * drift_plain,
        "response drift with HLOP {drift_hlop} vs without {drift_plain}"
    );
    assert!(forget_hlop.abs() < 0.01, "HLOP forgot {forget_hlop}");
    assert!(
        forget_plain > forget_hlop + 0.02,
        "plain forgot {forget_plain}, HLOP {forget_hlop}"
    );
    assert!(
        acc2_plain > 0.9 && acc2_hlop > 0.75,
        "task 2: plain {acc2_plain}, HLOP {acc2_hlop}"
    );
}

#[test]
fn hlop_rejects_unknown_layers_and_bad_settings() {
    let vs = VarStore::new(Device::Cpu);
    let _m = MlpConfig::new(4, [3], 2).init(&vs.root()).unwrap();
    let e = Hlop::new(
        HlopConfig {
            first: vec![1],
            increment: vec![1],
            ..Default::default()
        },
        vec![HlopLayer::linear("nope.weight", INPUT)],
        &vs,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("no variable `nope.weight`") && e.contains("hidden.0.weight"),
        "{e}"
    );
    let e = Hlop::new(
        HlopConfig::default(),
        vec![HlopLayer::linear("hidden.0.weight", INPUT)],
        &vs,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("one entry per projected layer"), "{e}");
    assert!(HebbianConfig {
        lr: -1.0,
        ..Default::default()
    }
    .validate()
    .is_err());
}

#[test]
fn spiking_cnn_trains_through_time_and_feeds_hlop_conv_layers() {
    use deepfield_core::nn::capture::Capture;
    use deepfield_core::spiking::SpikingCnnConfig;
    tch::manual_seed(2);
    let vs = VarStore::new(Device::Cpu);
    let cfg = SpikingCnnConfig {
        size: 8,
        blocks: vec![4, 6],
        fc: vec![10],
        steps: 3,
        ..Default::default()
    };
    let model = cfg.init(&vs.root()).unwrap();
    let x = Tensor::rand([2, 1, 8, 8], (Kind::Float, Device::Cpu)) * 4.0;
    let y = model.try_forward_t(&x, None, true).unwrap();
    assert_eq!(y.size(), vec![2, 10]);
    y.sum(Kind::Float).backward();
    assert!(
        vs.variables()["blocks.0.weight"]
            .grad()
            .abs()
            .sum(Kind::Double)
            .double_value(&[])
            > 0.0
    );
    let layers = model.hlop_layers();
    assert_eq!(layers.len(), 4);
    let cfg_h = HlopConfig {
        first: vec![3, 5, 8, 4],
        increment: vec![1, 1, 1, 1],
        ..Default::default()
    };
    let mut hlop = Hlop::new(cfg_h, layers, &vs).unwrap();
    hlop.begin_task().unwrap();
    let cap = Capture::all();
    let _ = tch::no_grad(|| cap.run(|| model.try_forward_t(&x, None, false))).unwrap();
    hlop.observe(&cap, &x).unwrap();
    // conv activity is per receptive field: c·3·3 dims
    assert_eq!(hlop.subspaces()[0].input_dim(), 9);
    assert_eq!(hlop.subspaces()[1].input_dim(), 4 * 9);
    assert_eq!(hlop.subspaces()[2].input_dim(), 6 * 2 * 2);
    hlop.end_task();
    hlop.begin_task().unwrap();
    let w = vs.variables()["blocks.1.weight"].shallow_clone();
    let mut g = w.grad();
    tch::no_grad(|| g.copy_(&Tensor::randn_like(&g)));
    hlop.project().unwrap();
    let q = hlop.subspaces()[1].fixed_basis().unwrap().unwrap();
    let resid = w
        .grad()
        .reshape([6, -1])
        .matmul(&q)
        .abs()
        .max()
        .double_value(&[]);
    assert!(
        resid < 1e-4,
        "projected gradient still has {resid} in the fixed subspace"
    );
    let e = model
        .try_forward_t(
            &Tensor::zeros([1, 1, 9, 9], (Kind::Float, Device::Cpu)),
            None,
            false,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("[B, 1, 8, 8]"), "{e}");
}

#[test]
fn spiking_mnist_check_rejects_missing_data_and_bad_configs() {
    use deepfield_core::spiking::task::{run_mnist_check, MnistCheckConfig};
    let dir = tempfile::tempdir().unwrap();
    let e = run_mnist_check(&MnistCheckConfig::quick(), dir.path(), Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("train-images-idx3-ubyte.gz"), "{e}");
    let mut bad = MnistCheckConfig::quick();
    bad.model.output = 5;
    let e = bad.validate().unwrap_err().to_string();
    assert!(e.contains("784 pixels to 10 classes"), "{e}");
}
