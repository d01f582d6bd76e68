//! core::prune: masks equal torch.nn.utils.prune's on the same weights (fixture
//! `tests/fixtures/prune/prune_reference.safetensors`, written by `gen_prune_fixture.py`), masks
//! survive optimizer steps and checkpoint round trips, the gradual schedule reaches its target,
//! a physically smaller model computes what the masked one does, and bad requests are refused.

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_core::data::TensorDataset;
use deepfield_core::models::{save_model, ModelRegistry};
use deepfield_core::nn::cnn::{CnnClassifierConfig, ConvStackConfig, PoolConfig};
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::prune::export::{nonzeros, physical_model, prune_model, PruneRequest};
use deepfield_core::prune::magnitude::prune;
use deepfield_core::prune::{GradualConfig, Masks, Method, PruneCallback};
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::testing::read_safetensors;
use deepfield_core::train::{Task, TrainConfig, Trainer};
use deepfield_core::Forward;

fn fixture() -> BTreeMap<String, Tensor> {
    read_safetensors(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/prune/prune_reference.safetensors"),
    )
}

const LAYERS: [&str; 3] = ["conv", "fc1", "fc2"];

#[test]
fn masks_equal_torch_prune() {
    let fx = fixture();
    let vs = VarStore::new(Device::Cpu);
    for l in LAYERS {
        let _ = (&vs.root() / l).var_copy("weight", &fx[&format!("w.{l}")]);
    }
    let names: Vec<String> = LAYERS.iter().map(|l| format!("{l}.weight")).collect();
    for (tag, method, amount) in [
        ("l1", Method::L1, 0.3),
        ("global", Method::Global, 0.6),
        ("ln1", Method::Channels(1), 0.5),
        ("ln2", Method::Channels(2), 0.4),
    ] {
        let masks = prune(&vs, &names, method, amount, None).unwrap();
        for l in LAYERS {
            let want = &fx[&format!("{tag}.{l}")];
            let got = masks.get(&format!("{l}.weight")).unwrap();
            assert_eq!(got.size(), want.size(), "{tag} {l}");
            let differ = got.ne_tensor(want).sum(Kind::Int64).int64_value(&[]);
            assert_eq!(
                differ, 0,
                "{tag} {l}: {differ} mask values differ from torch"
            );
        }
    }
    // Global pruning leaves the layers at different sparsities (one threshold), unlike l1.
    let g = prune(&vs, &names, Method::Global, 0.6, None)
        .unwrap()
        .counts_by_name();
    let s: Vec<f64> = g.values().map(|c| c.sparsity()).collect();
    assert!(s.iter().any(|x| (x - 0.6).abs() > 0.02), "{s:?}");
}

fn toy_data(n: i64) -> TensorDataset {
    deepfield_core::seed(3);
    let x = Tensor::randn([n, 8], (Kind::Float, Device::Cpu));
    let y = x
        .narrow(1, 0, 4)
        .sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
        .gt(0.0)
        .to_kind(Kind::Int64);
    TensorDataset::new(x, y).unwrap()
}

/// `epochs` of Adam in batches of 32 with the pruning callback.
fn fit(
    model: &dyn Forward,
    vs: &mut VarStore,
    data: &TensorDataset,
    epochs: usize,
    cb: &mut PruneCallback,
) -> deepfield_core::train::History {
    let t = Trainer::new(
        TrainConfig {
            epochs,
            batch_size: 32,
            progress: false,
            ..Default::default()
        },
        Task::classification(2),
    )
    .unwrap();
    t.fit_callbacks(
        model,
        vs,
        data,
        None,
        |o, b| Ok(o.cross_entropy_for_logits(&b.y)),
        &mut [cb],
    )
    .unwrap()
}

#[test]
fn masks_persist_across_steps_and_checkpoints() {
    let data = toy_data(256);
    let config = MlpConfig::new(8, [32], 2);
    let mut vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).unwrap();
    let names = vec!["hidden.0.weight".to_string(), "out.weight".to_string()];
    let masks = prune(&vs, &names, Method::L1, 0.75, None).unwrap();
    let before = masks.counts();
    assert_eq!(before.kept, (8 * 32 + 32 * 2) / 4);
    let mut cb = PruneCallback::fixed(masks.clone());
    let h = fit(&model, &mut vs, &data, 3, &mut cb);
    let losses = h.train_losses();
    assert!(losses[2] < losses[0], "{losses:?}");
    // Every pruned weight is still exactly zero after 24 Adam steps; kept ones moved.
    let vars = vs.variables();
    for (n, m) in masks.iter() {
        let w = &vars[n];
        let leaked = w
            .abs()
            .f_mul(&m.logical_not())
            .unwrap()
            .sum(Kind::Float)
            .double_value(&[]);
        assert_eq!(leaked, 0.0, "{n}");
        assert_eq!(
            w.count_nonzero(None::<i64>).int64_value(&[]),
            m.count_nonzero(None::<i64>).int64_value(&[])
        );
    }
    // Round trip: weights and masks file in a model folder, restored by the registry.
    let dir = tempfile::tempdir().unwrap();
    save_model(dir.path(), &vs, &config, None::<&()>).unwrap();
    masks.save(&Masks::path_in(dir.path())).unwrap();
    let r = ModelRegistry::with_core()
        .restore(dir.path(), Device::Cpu)
        .unwrap();
    let back = Masks::load_from_dir(dir.path(), &r.vs).unwrap().unwrap();
    assert_eq!(back.names(), masks.names());
    for (n, m) in masks.iter() {
        assert!(back.get(n).unwrap().equal(m), "{n}");
    }
    assert_eq!(nonzeros(&r.vs), nonzeros(&vs));
    // A mask of another shape, or of no variable, is refused naming the file.
    let bad = dir.path().join("bad.safetensors");
    deepfield_core::checkpoint::write_tensors(
        &bad,
        &[("out.weight", &Tensor::ones([3], (Kind::Uint8, Device::Cpu)))],
    )
    .unwrap();
    let e = Masks::load(&bad, &r.vs).unwrap_err().to_string();
    assert!(e.contains("bad.safetensors") && e.contains("shape"), "{e}");
}

#[test]
fn gradual_schedule_reaches_its_target_monotonically() {
    let data = toy_data(256);
    let mut vs = VarStore::new(Device::Cpu);
    let model = MlpConfig::new(8, [32], 2).init(&vs.root()).unwrap();
    let names = deepfield_core::prune::select::select(&vs, None).unwrap();
    // 8 steps per epoch, 4 epochs = 32 steps; prune at 2, 6, 10, 14, 18.
    let schedule = GradualConfig::ramp(0.8, 2, 4, 4);
    let mut cb = PruneCallback::gradual(&vs, names, Method::Global, schedule.clone()).unwrap();
    fit(&model, &mut vs, &data, 4, &mut cb);
    let steps: Vec<usize> = cb.log.iter().map(|(t, _)| *t).collect();
    assert_eq!(steps, [2, 6, 10, 14, 18]);
    let s: Vec<f64> = cb.log.iter().map(|(_, s)| *s).collect();
    assert!(
        (s[1] - 0.8 * (1.0 - 0.75f64.powi(3))).abs() < 1e-12,
        "{s:?}"
    );
    assert!((cb.masks.counts().sparsity() - 0.8).abs() < 0.01);
    let (total, nz) = nonzeros(&vs);
    // Only the two biases (34 values) are outside the masks.
    assert!(nz <= (total - 34) / 5 + 1 + 34, "{nz} of {total}");
    assert!(PruneCallback::gradual(&vs, vec!["nope".into()], Method::L1, schedule).is_err());
}

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

#[test]
fn physical_equals_masked() {
    let reg = ModelRegistry::with_core();
    deepfield_core::seed(5);
    // An MLP and a conv stack with batch norm and a hidden head layer.
    let mlp = serde_json::to_value(MlpConfig::new(6, [16, 12], 3)).unwrap();
    let mut cnn = CnnClassifierConfig {
        stack: ConvStackConfig::new(2, 1, [8, 10], 3),
        head_hidden: vec![12],
        output: 4,
        ..Default::default()
    };
    cnn.stack.blocks[0] = cnn.stack.blocks[0]
        .clone()
        .with_batch_norm(true)
        .with_pool(PoolConfig::max(2));
    let cnn = serde_json::to_value(cnn).unwrap();
    for (kind, config, x, widths) in [
        (
            "mlp",
            mlp,
            Tensor::randn([5, 6], (Kind::Float, Device::Cpu)),
            vec![8, 6],
        ),
        (
            "cnn",
            cnn,
            Tensor::randn([5, 1, 10, 10], (Kind::Float, Device::Cpu)),
            vec![4, 5, 6],
        ),
    ] {
        let vs = VarStore::new(Device::Cpu);
        let model = reg.build(kind, &config, &vs.root()).unwrap();
        // Batch-norm statistics away from 0/1, so a zeroed scale and shift matter.
        tch::no_grad(|| {
            for (n, mut v) in vs.variables() {
                if n.contains("running_") {
                    v.copy_(&(Tensor::rand_like(&v) + 0.5));
                }
            }
        });
        let names: Vec<String> = deepfield_core::prune::select::select(&vs, None)
            .unwrap()
            .into_iter()
            .filter(|n| !n.ends_with("out.weight"))
            .collect();
        let masks = prune(&vs, &names, Method::Channels(2), 0.5, None).unwrap();
        masks.apply(&vs).unwrap();
        let masked = model.forward_t(&x, None, false);
        let p = physical_model(&reg, kind, &config, &vs).unwrap();
        let (small_config, small_vs, small, w) = (p.config, p.vs, p.model, p.widths);
        let after: Vec<i64> = w.iter().map(|(_, _, a)| *a).collect();
        assert_eq!(after, widths, "{kind}: {w:?}");
        let out = small.forward_t(&x, None, false);
        assert!(
            max_diff(&out, &masked) < 1e-5,
            "{kind}: {}",
            max_diff(&out, &masked)
        );
        assert!(nonzeros(&small_vs).0 < nonzeros(&vs).0);
        assert_ne!(small_config, config);
        // Without the masks the outputs differ (the test can fail).
        let full = reg
            .build(kind, &config, &VarStore::new(Device::Cpu).root())
            .unwrap();
        assert!(max_diff(&full.forward_t(&x, None, false), &masked) > 1e-3);
    }
    let e = physical_model(
        &reg,
        "rnn",
        &serde_json::json!({}),
        &VarStore::new(Device::Cpu),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("`rnn`"), "{e}");
}

#[test]
fn prune_model_writes_a_folder_the_registry_restores_and_refuses_bad_requests() {
    let reg = ModelRegistry::with_core();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("model");
    let config = MlpConfig::new(8, [32, 16], 2);
    let vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).unwrap();
    save_model(&src, &vs, &config, None::<&()>).unwrap();
    let data = toy_data(64);
    let input = dir.path().join("x.safetensors");
    deepfield_core::checkpoint::write_tensors(&input, &[("input", &data.x), ("labels", &data.y)])
        .unwrap();
    let req = |method, sparsity, physical: bool, out: &str| PruneRequest {
        model: src.clone(),
        method,
        sparsity,
        layers: None,
        out: dir.path().join(out),
        physical,
        input: Some(input.clone()),
        labels: None,
    };
    let s = prune_model(&reg, &req(Method::L1, 0.9, false, "sparse")).unwrap();
    assert_eq!(s.layers.len(), 3);
    assert!((s.layer_sparsity - 0.9).abs() < 0.01);
    assert!(s.nonzero_after * 5 < s.nonzero_before, "{s:?}");
    assert_eq!(s.params_after, s.params_before);
    let acc =
        deepfield_core::prune::export::accuracy(&model, Device::Cpu, &data.x, &data.y).unwrap();
    assert_eq!(s.accuracy_before, Some(acc));
    let r = reg
        .restore(&dir.path().join("sparse"), Device::Cpu)
        .unwrap();
    assert_eq!(nonzeros(&r.vs).1, s.nonzero_after);
    assert!(Masks::load_from_dir(&dir.path().join("sparse"), &r.vs)
        .unwrap()
        .is_some());

    // Channels pruned on top of the sparse model keep its zeros (masks multiply).
    let on_top = PruneRequest {
        model: dir.path().join("sparse"),
        ..req(Method::Channels(1), 0.5, false, "sparse-channels")
    };
    let s2 = prune_model(&reg, &on_top).unwrap();
    assert!(s2.layer_sparsity > 0.9, "{s2:?}");
    assert!(s2.nonzero_after < s.nonzero_after, "{s2:?}");
    let s = prune_model(&reg, &req(Method::Channels(1), 0.5, true, "small")).unwrap();
    assert!(s.params_after < s.params_before);
    assert_eq!(s.widths.iter().map(|w| w.2).collect::<Vec<_>>(), [16, 8]);
    let r = reg.restore(&dir.path().join("small"), Device::Cpu).unwrap();
    assert_eq!(r.config["hidden"], serde_json::json!([16, 8]));
    let again =
        deepfield_core::prune::export::accuracy(r.model.as_ref(), Device::Cpu, &data.x, &data.y)
            .unwrap();
    assert_eq!(s.accuracy_after, Some(again));

    for (r, what) in [
        (
            req(Method::L1, 1.0, false, "a"),
            "sparsity must be in [0, 1)",
        ),
        (
            req(Method::L1, -0.5, false, "b"),
            "sparsity must be in [0, 1)",
        ),
        (req(Method::L1, 0.5, true, "c"), "--method channels"),
        (
            PruneRequest {
                layers: Some("conv*".into()),
                ..req(Method::L1, 0.5, false, "d")
            },
            "no weight of the model matches `conv*`",
        ),
        (
            PruneRequest {
                out: src.clone(),
                ..req(Method::L1, 0.5, false, "e")
            },
            "model folder itself",
        ),
    ] {
        let out = r.out.clone();
        let e = prune_model(&reg, &r).unwrap_err().to_string();
        assert!(e.contains(what), "{e}");
        assert!(out == src || !out.exists(), "{}", out.display());
    }
}
