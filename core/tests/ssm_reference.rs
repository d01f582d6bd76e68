//! core::nn::ssm against a plain-PyTorch selective scan (`tests/fixtures/gen_ssm_reference.py`,
//! float64): the bare scan (parallel and sequential), one Mamba block (parallel, sequential and
//! recurrent steps) and a 2-block model, to 1e-9 in float64 and 1e-4 in float32; the two scans'
//! gradients agree; a saved model restores through the model registry; bad configs are errors.

use std::collections::BTreeMap;

use deepfield_core::models::{self, ModelRegistry};
use deepfield_core::nn::ssm::{selective_scan, MambaBlockConfig, MambaConfig, Scan, SsmPooling};
use deepfield_core::tch::nn::VarStore;
use deepfield_core::tch::{Device, Kind, Tensor};
use deepfield_core::Forward;
use serde_json::{json, Value};

const TOL64: f64 = 1e-9;
const TOL32: f64 = 1e-4;

fn fixture() -> Value {
    deepfield_core::testing::read_json(&deepfield_core::fixture!("ssm_reference.json"))
}

fn tensor(v: &Value) -> Tensor {
    let shape: Vec<i64> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    let data: Vec<f64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    Tensor::from_slice(&data).reshape(&shape)
}

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a.to_kind(Kind::Double) - b.to_kind(Kind::Double))
        .abs()
        .max()
        .double_value(&[])
}

/// Copy the fixture's weights into `vs` by name; the names must be exactly the same.
fn load(vs: &VarStore, weights: &Value) {
    let w: BTreeMap<String, Tensor> = weights
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), tensor(v)))
        .collect();
    let mut vars = vs.variables();
    let mut ours: Vec<&String> = vars.keys().collect();
    ours.sort();
    assert_eq!(
        ours,
        w.keys().collect::<Vec<_>>(),
        "parameter names differ from mamba_ssm's"
    );
    deepfield_core::tch::no_grad(|| {
        for (k, t) in &w {
            vars.get_mut(k).unwrap().copy_(t);
        }
    });
}

fn block_config(c: &Value) -> MambaBlockConfig {
    MambaBlockConfig {
        d_model: c["d_model"].as_i64().unwrap(),
        d_state: c["d_state"].as_i64().unwrap(),
        expand: c["expand"].as_i64().unwrap(),
        d_conv: c["d_conv"].as_i64().unwrap(),
        dt_rank: Some(c["dt_rank"].as_i64().unwrap()),
        chunk: 4,
        ..Default::default()
    }
}

#[test]
fn both_scans_match_the_pytorch_loop() {
    let f = &fixture()["scan"];
    let [u, delta, a, b, c, d, h0] =
        ["u", "delta", "A", "B", "C", "D", "h0"].map(|k| tensor(&f[k]));
    let (want_y, want_h) = (tensor(&f["y"]), tensor(&f["h"]));
    for (scan, chunk) in [
        (Scan::Sequential, 1),
        (Scan::Parallel, 1),
        (Scan::Parallel, 4),
        (Scan::Parallel, 5),
        (Scan::Parallel, 64),
    ] {
        let (y, h) =
            selective_scan(&u, &delta, &a, &b, &c, Some(&d), Some(&h0), scan, chunk).unwrap();
        assert_eq!(y.size(), want_y.size());
        let (ey, eh) = (max_diff(&y, &want_y), max_diff(&h, &want_h));
        assert!(
            ey < TOL64 && eh < TOL64,
            "{scan:?}/{chunk}: y {ey:e}, h {eh:e}"
        );
        // float32 inputs.
        let f32s = |t: &Tensor| t.to_kind(Kind::Float);
        let (y, _) = selective_scan(
            &f32s(&u),
            &f32s(&delta),
            &f32s(&a),
            &f32s(&b),
            &f32s(&c),
            Some(&f32s(&d)),
            Some(&f32s(&h0)),
            scan,
            chunk,
        )
        .unwrap();
        assert!(max_diff(&y, &want_y) < TOL32, "{scan:?}/{chunk} f32");
    }
}

#[test]
fn block_matches_the_pytorch_mixer_in_every_mode() {
    let f = &fixture()["block"];
    let cfg = block_config(&f["config"]);
    let mut vs = VarStore::new(Device::Cpu);
    let block = cfg.init(&vs.root()).unwrap();
    vs.double();
    load(&vs, &f["weights"]);
    let (x, want) = (tensor(&f["x"]), tensor(&f["y"]));
    for scan in [Scan::Parallel, Scan::Sequential] {
        let e = max_diff(&block.forward_with(&x, scan).unwrap(), &want);
        assert!(e < TOL64, "{scan:?}: {e:e}");
    }
    let mut st = block.zero_state(x.size()[0], Kind::Double).unwrap();
    let steps: Vec<Tensor> = (0..x.size()[1])
        .map(|t| block.step(&mut st, &x.select(1, t)).unwrap())
        .collect();
    let e = max_diff(&Tensor::stack(&steps, 1), &want);
    assert!(e < TOL64, "recurrent steps: {e:e}");
    vs.float();
    let e = max_diff(&block.forward(&x.to_kind(Kind::Float)).unwrap(), &want);
    assert!(e < TOL32, "float32: {e:e}");
}

fn reference_model(f: &Value) -> (VarStore, deepfield_core::nn::ssm::Mamba, MambaConfig) {
    let c = &f["config"];
    let cfg = MambaConfig {
        input: c["input"].as_i64().unwrap(),
        layers: c["layers"].as_i64().unwrap(),
        block: block_config(c),
        output: Some(c["output"].as_i64().unwrap()),
        pooling: SsmPooling::None,
        ..Default::default()
    };
    let mut vs = VarStore::new(Device::Cpu);
    let m = cfg.init(&vs.root()).unwrap();
    vs.double();
    load(&vs, &f["weights"]);
    (vs, m, cfg)
}

#[test]
fn model_matches_and_recurrent_inference_equals_the_parallel_pass() {
    let f = &fixture()["model"];
    let (_vs, m, _) = reference_model(f);
    let (x, want) = (tensor(&f["x"]), tensor(&f["y"]));
    let y = m.try_forward(&x, None, false).unwrap();
    assert_eq!(y.size(), want.size());
    assert!(
        max_diff(&y, &want) < TOL64,
        "model: {:e}",
        max_diff(&y, &want)
    );
    let mut st = m.zero_state(x.size()[0], Kind::Double).unwrap();
    let steps: Vec<Tensor> = (0..x.size()[1])
        .map(|t| m.step(&mut st, &x.select(1, t)).unwrap())
        .collect();
    assert!(max_diff(&Tensor::stack(&steps, 1), &want) < TOL64);
    // On random inputs, longer than the fixture, with a chunk that does not divide L.
    deepfield_core::tch::manual_seed(11);
    let xr = Tensor::randn([3, 50, 3], (Kind::Double, Device::Cpu));
    let yp = m
        .forward_scan(&xr, None, false, Some(Scan::Parallel))
        .unwrap();
    let ys = m
        .forward_scan(&xr, None, false, Some(Scan::Sequential))
        .unwrap();
    let mut st = m.zero_state(3, Kind::Double).unwrap();
    let steps: Vec<Tensor> = (0..50)
        .map(|t| m.step(&mut st, &xr.select(1, t)).unwrap())
        .collect();
    assert!(max_diff(&yp, &ys) < TOL64);
    assert!(max_diff(&yp, &Tensor::stack(&steps, 1)) < TOL64);
}

#[test]
fn gradients_of_both_scans_agree() {
    let f = &fixture()["scan"];
    let leaves =
        || ["u", "delta", "A", "B", "C", "D"].map(|k| tensor(&f[k]).set_requires_grad(true));
    let grads = |scan: Scan| {
        let [u, delta, a, b, c, d] = leaves();
        let (y, h) = selective_scan(&u, &delta, &a, &b, &c, Some(&d), None, scan, 4).unwrap();
        (y.square().sum(Kind::Double) + h.sum(Kind::Double)).backward();
        [u, delta, a, b, c, d].map(|t| t.grad())
    };
    let (gp, gs) = (grads(Scan::Parallel), grads(Scan::Sequential));
    for (i, (p, s)) in gp.iter().zip(&gs).enumerate() {
        assert!(
            p.defined() && p.abs().sum(Kind::Double).double_value(&[]) > 0.0,
            "input {i}: no gradient"
        );
        assert!(
            max_diff(p, s) < 1e-9,
            "input {i}: gradients differ by {:e}",
            max_diff(p, s)
        );
    }
}

#[test]
fn a_saved_model_restores_through_the_registry() {
    let f = &fixture()["model"];
    let (vs, m, cfg) = reference_model(f);
    let mut vs32 = VarStore::new(Device::Cpu);
    let m32 = cfg.init(&vs32.root()).unwrap();
    vs32.copy(&vs).unwrap();
    vs32.float();
    let _ = m;
    let dir = tempfile::tempdir().unwrap();
    models::save_model(
        dir.path(),
        &vs32,
        &cfg,
        Some(&json!({"note": "fixture weights"})),
    )
    .unwrap();
    let restored = ModelRegistry::with_core()
        .restore(dir.path(), Device::Cpu)
        .unwrap();
    assert_eq!(restored.kind, "mamba");
    let x = tensor(&f["x"]).to_kind(Kind::Float);
    let a = m32.predict(&x, None);
    let b = restored.model.predict(&x, None);
    assert!(a.equal(&b));
    assert!(max_diff(&b, &tensor(&f["y"])) < TOL32);
}

#[test]
fn bad_configs_are_errors_naming_the_field() {
    let reg = ModelRegistry::with_core();
    let vs = VarStore::new(Device::Cpu);
    for (cfg, needle) in [
        (json!({"block": {"d_state": 0}}), "d_state"),
        (json!({"block": {"chunk": 0}}), "chunk"),
        (json!({"layers": 0}), "layers"),
        (json!({"block": {"dt_min": 0.5}}), "dt_min"),
        (json!({"pooling": "max"}), "unknown choice `max`"),
    ] {
        let e = match reg.build("mamba", &cfg, &vs.root()) {
            Ok(_) => panic!("{cfg} was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(needle), "{cfg}: {e}");
    }
}
