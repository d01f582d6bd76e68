//! Unit tests of the SSM layers: init ranges, shapes, scans against each other, recurrent
//! inference against the parallel forward pass, masks and bad input.

use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use super::*;
use crate::nn::Forward;

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

fn small_model(pooling: SsmPooling, output: Option<i64>) -> (VarStore, Mamba) {
    let vs = VarStore::new(Device::Cpu);
    let mut cfg = MambaConfig::new(3, 16, 2, output);
    cfg.block.chunk = 4;
    cfg.pooling = pooling;
    let m = cfg.init(&vs.root()).unwrap();
    (vs, m)
}

#[test]
fn init_follows_the_paper() {
    tch::manual_seed(1);
    let vs = VarStore::new(Device::Cpu);
    let cfg = MambaBlockConfig::new(64);
    assert_eq!((cfg.d_inner(), cfg.rank()), (128, 4));
    let _block = cfg.init(&vs.root()).unwrap();
    let v = vs.variables();
    let mut names: Vec<&str> = v.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "A_log",
            "D",
            "conv1d.bias",
            "conv1d.weight",
            "dt_proj.bias",
            "dt_proj.weight",
            "in_proj.weight",
            "out_proj.weight",
            "x_proj.weight"
        ]
    );
    assert_eq!(v["in_proj.weight"].size(), [256, 64]);
    assert_eq!(v["conv1d.weight"].size(), [128, 1, 4]);
    assert_eq!(v["x_proj.weight"].size(), [4 + 32, 128]);
    assert_eq!(v["dt_proj.weight"].size(), [128, 4]);
    // A = -(1..N) for every channel.
    let a = v["A_log"].exp();
    let want = Tensor::arange_start(1, 17, (Kind::Float, Device::Cpu)).expand([128, 16], false);
    assert!(max_diff(&a, &want) < 1e-5);
    assert_eq!(v["D"].min().double_value(&[]), 1.0);
    // softplus(bias) spans [1e-3, 1e-1], log-uniformly: mean of log10 ≈ −2.
    let dt = v["dt_proj.bias"].softplus();
    let (lo, hi) = (dt.min().double_value(&[]), dt.max().double_value(&[]));
    assert!(lo >= 0.999e-3 && hi <= 0.1001, "dt range {lo}..{hi}");
    assert!(lo < 2e-3 && hi > 0.05, "dt range too narrow {lo}..{hi}");
    let mean_log = dt.log10().mean(Kind::Float).double_value(&[]);
    assert!((mean_log + 2.0).abs() < 0.15, "mean log10 dt {mean_log}");
    let wmax = v["dt_proj.weight"].abs().max().double_value(&[]);
    assert!(wmax <= 0.5 && wmax > 0.4, "dt_proj bound 1/√4: {wmax}");
}

#[test]
fn out_proj_is_rescaled_in_a_stack() {
    tch::manual_seed(2);
    let vs = VarStore::new(Device::Cpu);
    let mut cfg = MambaConfig::new(2, 32, 4, Some(1));
    cfg.block.init = crate::nn::LinearInit::Torch;
    let _m = cfg.init(&vs.root()).unwrap();
    let w = &vs.variables()["layers.0.mixer.out_proj.weight"];
    let bound = 1.0 / 64f64.sqrt() / 2.0; // fan_in 64, 1/√layers = 1/2
    let max = w.abs().max().double_value(&[]);
    assert!(
        max <= bound * 1.0001 && max > 0.9 * bound,
        "{max} vs {bound}"
    );
}

#[test]
fn parallel_scan_equals_sequential_for_every_chunk() {
    tch::manual_seed(3);
    let opts = (Kind::Double, Device::Cpu);
    let (b, l, d, n) = (2, 37, 5, 3);
    let u = Tensor::randn([b, l, d], opts);
    let delta = Tensor::rand([b, l, d], opts) * 0.5;
    let a = -Tensor::rand([d, n], opts) * 3.0 - 0.1;
    let bm = Tensor::randn([b, l, n], opts);
    let cm = Tensor::randn([b, l, n], opts);
    let dd = Tensor::randn([d], opts);
    let h0 = Tensor::randn([b, d, n], opts);
    let (ys, hs) = selective_scan(
        &u,
        &delta,
        &a,
        &bm,
        &cm,
        Some(&dd),
        Some(&h0),
        Scan::Sequential,
        1,
    )
    .unwrap();
    for chunk in [1, 2, 3, 8, 16, 37, 64] {
        let (yp, hp) = selective_scan(
            &u,
            &delta,
            &a,
            &bm,
            &cm,
            Some(&dd),
            Some(&h0),
            Scan::Parallel,
            chunk,
        )
        .unwrap();
        assert_eq!(yp.size(), [b, l, d]);
        assert!(max_diff(&yp, &ys) < 1e-10, "chunk {chunk}: y differs");
        assert!(max_diff(&hp, &hs) < 1e-10, "chunk {chunk}: h differs");
    }
    // Running in two pieces, carrying the state, is the same as one run.
    let (y1, h1) = selective_scan(
        &u.narrow(1, 0, 20),
        &delta.narrow(1, 0, 20),
        &a,
        &bm.narrow(1, 0, 20),
        &cm.narrow(1, 0, 20),
        Some(&dd),
        Some(&h0),
        Scan::Parallel,
        8,
    )
    .unwrap();
    let (y2, h2) = selective_scan(
        &u.narrow(1, 20, 17),
        &delta.narrow(1, 20, 17),
        &a,
        &bm.narrow(1, 20, 17),
        &cm.narrow(1, 20, 17),
        Some(&dd),
        Some(&h1),
        Scan::Parallel,
        8,
    )
    .unwrap();
    assert!(max_diff(&Tensor::cat(&[y1, y2], 1), &ys) < 1e-10);
    assert!(max_diff(&h2, &hs) < 1e-10);
}

#[test]
fn long_chunks_with_large_steps_stay_finite() {
    // exp(ΔA) products over a 256-step chunk reach 1e-200; the doubling scan never divides.
    let opts = (Kind::Float, Device::Cpu);
    let (b, l, d, n) = (1, 256, 2, 4);
    let u = Tensor::ones([b, l, d], opts);
    let delta = Tensor::full([b, l, d], 2.0, opts);
    let a = -Tensor::arange_start(1, n + 1, opts).expand([d, n], false);
    let bm = Tensor::ones([b, l, n], opts);
    let cm = Tensor::ones([b, l, n], opts);
    let (yp, _) =
        selective_scan(&u, &delta, &a, &bm, &cm, None, None, Scan::Parallel, 256).unwrap();
    let (ys, _) =
        selective_scan(&u, &delta, &a, &bm, &cm, None, None, Scan::Sequential, 1).unwrap();
    assert!(yp.isfinite().all().int64_value(&[]) == 1);
    assert!(max_diff(&yp, &ys) < 1e-5);
}

#[test]
fn block_step_equals_forward() {
    tch::manual_seed(4);
    let mut vs = VarStore::new(Device::Cpu);
    let mut cfg = MambaBlockConfig::new(8);
    cfg.chunk = 4;
    let block = cfg.init(&vs.root()).unwrap();
    vs.double();
    let x = Tensor::randn([3, 11, 8], (Kind::Double, Device::Cpu));
    let y = block.forward(&x).unwrap();
    let mut st = block.zero_state(3, Kind::Double).unwrap();
    let steps: Vec<Tensor> = (0..11)
        .map(|t| block.step(&mut st, &x.select(1, t)).unwrap())
        .collect();
    assert!(max_diff(&Tensor::stack(&steps, 1), &y) < 1e-10);
    let ys = block.forward_with(&x, Scan::Sequential).unwrap();
    assert!(max_diff(&ys, &y) < 1e-10);
}

#[test]
fn model_step_equals_forward_and_shapes_hold() {
    tch::manual_seed(5);
    let (_vs, m) = small_model(SsmPooling::None, Some(4));
    let x = Tensor::randn([2, 9, 3], (Kind::Float, Device::Cpu));
    let y = m.try_forward(&x, None, false).unwrap();
    assert_eq!(y.size(), [2, 9, 4]);
    let mut st = m.zero_state(2, Kind::Float).unwrap();
    let steps: Vec<Tensor> = (0..9)
        .map(|t| m.step(&mut st, &x.select(1, t)).unwrap())
        .collect();
    assert!(max_diff(&Tensor::stack(&steps, 1), &y) < 1e-5);
    let (_vs, last) = small_model(SsmPooling::Last, Some(4));
    assert_eq!(last.try_forward(&x, None, false).unwrap().size(), [2, 4]);
    let (_vs, mean) = small_model(SsmPooling::Mean, None);
    assert_eq!(mean.try_forward(&x, None, false).unwrap().size(), [2, 16]);
}

#[test]
fn padding_does_not_change_real_steps() {
    tch::manual_seed(6);
    let (_vs, m) = small_model(SsmPooling::Last, Some(2));
    let x = Tensor::randn([2, 7, 3], (Kind::Float, Device::Cpu));
    let mask = Tensor::from_slice(&[1i64, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]).view([2, 7]);
    let padded = x.copy();
    let _ = padded.narrow(1, 4, 3).get(1).fill_(f64::NAN);
    let y = m.try_forward(&padded, Some(&mask), false).unwrap();
    let short = m
        .try_forward(&x.narrow(1, 0, 4).get(1).unsqueeze(0), None, false)
        .unwrap();
    assert!(max_diff(&y.get(1), &short.get(0)) < 1e-5);
    let full = m.try_forward(&x.get(0).unsqueeze(0), None, false).unwrap();
    assert!(max_diff(&y.get(0), &full.get(0)) < 1e-5);
}

#[test]
fn gradients_reach_every_parameter() {
    tch::manual_seed(7);
    let (vs, m) = small_model(SsmPooling::Last, Some(3));
    let x = Tensor::randn([4, 10, 3], (Kind::Float, Device::Cpu));
    let loss = m.forward_t(&x, None, true).square().sum(Kind::Float);
    loss.backward();
    for (name, v) in vs.variables() {
        let g = v.grad();
        assert!(g.defined(), "{name}: no gradient");
        let norm = g.norm().double_value(&[]);
        assert!(
            norm.is_finite() && norm > 0.0,
            "{name}: gradient norm {norm}"
        );
    }
}

#[test]
fn bad_configs_and_inputs_are_errors() {
    let vs = VarStore::new(Device::Cpu);
    let root = vs.root();
    let bad = [
        MambaConfig {
            input: 0,
            ..Default::default()
        },
        MambaConfig {
            layers: 0,
            ..Default::default()
        },
        MambaConfig {
            output: Some(0),
            ..Default::default()
        },
        MambaConfig {
            dropout: 1.0,
            ..Default::default()
        },
        MambaConfig {
            block: MambaBlockConfig {
                d_state: 0,
                ..Default::default()
            },
            ..Default::default()
        },
        MambaConfig {
            block: MambaBlockConfig {
                d_conv: 0,
                ..Default::default()
            },
            ..Default::default()
        },
        MambaConfig {
            block: MambaBlockConfig {
                chunk: 0,
                ..Default::default()
            },
            ..Default::default()
        },
        MambaConfig {
            block: MambaBlockConfig {
                dt_min: 0.2,
                dt_max: 0.1,
                ..Default::default()
            },
            ..Default::default()
        },
    ];
    for c in bad {
        let e = c.init(&root).unwrap_err();
        assert!(matches!(e, crate::Error::Config(_)), "{c:?}: {e}");
    }
    let (_vs, m) = small_model(SsmPooling::Last, Some(2));
    let e = m.try_forward(
        &Tensor::zeros([2, 5, 4], (Kind::Float, Device::Cpu)),
        None,
        false,
    );
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("expected input [B, T, 3]"));
    let mut st = m.zero_state(2, Kind::Float).unwrap();
    assert!(m
        .step(&mut st, &Tensor::zeros([3, 3], (Kind::Float, Device::Cpu)))
        .is_err());
    let z = Tensor::zeros([1, 4, 2], (Kind::Float, Device::Cpu));
    let a = Tensor::zeros([3, 2], (Kind::Float, Device::Cpu));
    assert!(selective_scan(&z, &z, &a, &z, &z, None, None, Scan::Parallel, 2).is_err());
}
