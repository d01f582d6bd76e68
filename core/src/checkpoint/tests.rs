use super::*;
use crate::nn::mlp::{Mlp, MlpConfig};
use crate::Forward;
use tch::Kind;

fn mlp(seed: i64) -> (VarStore, Mlp) {
    tch::manual_seed(seed);
    let vs = VarStore::new(Device::Cpu);
    let m = MlpConfig::new(8, [16, 4], 3).init(&vs.root()).unwrap();
    (vs, m)
}

fn same_weights(a: &VarStore, b: &VarStore) -> bool {
    let (a, b) = (a.variables(), b.variables());
    a.len() == b.len() && a.iter().all(|(n, t)| b.get(n).is_some_and(|u| t.equal(u)))
}

fn message(e: Error) -> String {
    match e {
        Error::Checkpoint { message, .. } => message,
        other => panic!("expected Error::Checkpoint, got {other:?}"),
    }
}

#[test]
fn save_load_round_trip_is_bitwise() {
    let dir = tempfile::tempdir().unwrap();
    let (vs, m) = mlp(1);
    let config = m.config().clone();
    let metrics = serde_json::json!({"accuracy": 0.75, "epochs": 3});
    save(dir.path(), &vs, &config, Some(&metrics)).unwrap();

    let names = tensor_names(&weights_path(dir.path())).unwrap();
    assert_eq!(
        names,
        vec![
            ("hidden.0.bias".to_string(), vec![16]),
            ("hidden.0.weight".to_string(), vec![16, 8]),
            ("hidden.1.bias".to_string(), vec![4]),
            ("hidden.1.weight".to_string(), vec![4, 16]),
            ("out.bias".to_string(), vec![3]),
            ("out.weight".to_string(), vec![3, 4]),
        ]
    );

    let loaded: MlpConfig = load(dir.path()).unwrap();
    assert_eq!(loaded, config);
    assert_eq!(read_metrics(dir.path()).unwrap(), metrics);

    let (mut vs2, m2) = mlp(2);
    assert!(
        !same_weights(&vs, &vs2),
        "different seeds must give different weights"
    );
    load_weights(&weights_path(dir.path()), &mut vs2).unwrap();
    assert!(same_weights(&vs, &vs2));
    let x = Tensor::randn([5, 8], (Kind::Float, Device::Cpu));
    assert!(m.predict(&x, None).equal(&m2.predict(&x, None)));
    // Loaded variables stay trainable leaves.
    assert!(vs2.trainable_variables().iter().all(|t| t.requires_grad()));

    // restore = load config + build + load weights.
    let (c3, vs3, m3) = restore(dir.path(), Device::Cpu, |c: &MlpConfig, p| c.init(p)).unwrap();
    assert_eq!(c3, config);
    assert!(same_weights(&vs, &vs3));
    assert!(m.predict(&x, None).equal(&m3.predict(&x, None)));

    // Saving again without metrics removes the stale metrics file.
    save::<_, ()>(dir.path(), &vs, &config, None).unwrap();
    assert!(!dir.path().join(METRICS_FILE).exists());
    assert!(read_metrics(dir.path()).is_err());
}

#[test]
fn dtype_is_converted_to_the_variable_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.safetensors");
    let (mut vs64, _) = mlp(3);
    vs64.double();
    save_weights(&p, &vs64).unwrap();
    let (mut vs32, _) = mlp(4);
    load_weights(&p, &mut vs32).unwrap();
    let v64 = vs64.variables();
    for (name, t) in vs32.variables() {
        assert_eq!(t.kind(), Kind::Float, "{name}");
        assert!(t.equal(&v64[&name].to_kind(Kind::Float)), "{name}");
    }
}

#[test]
fn mismatches_list_every_problem_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.safetensors");
    let (vs, _) = mlp(5);
    let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    named.retain(|(n, _)| n != "out.bias"); // missing
    for (n, t) in named.iter_mut() {
        if n == "hidden.0.weight" {
            *t = Tensor::zeros([16, 9], (Kind::Float, Device::Cpu)); // wrong shape
        }
    }
    named.push((
        "extra.weight".into(),
        Tensor::zeros([2, 2], (Kind::Float, Device::Cpu)),
    ));
    Tensor::write_safetensors(&named, &p).unwrap();

    let (mut vs2, _) = mlp(6);
    let before: Vec<(String, Tensor)> = vs2
        .variables()
        .into_iter()
        .map(|(n, t)| (n, t.copy()))
        .collect();
    let msg = message(load_weights(&p, &mut vs2).unwrap_err());
    assert!(
        msg.contains("missing tensor `out.bias` (model shape [3])"),
        "{msg}"
    );
    assert!(
        msg.contains("shape mismatch for `hidden.0.weight`: model [16, 8], file [16, 9]"),
        "{msg}"
    );
    assert!(
        msg.contains("unexpected tensor `extra.weight` (file shape [2, 2])"),
        "{msg}"
    );
    let after = vs2.variables();
    assert!(
        before.iter().all(|(n, t)| after[n].equal(t)),
        "a failed load changed the model"
    );
}

#[test]
fn interrupted_write_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(WEIGHTS_FILE);
    let (vs, _) = mlp(7);
    let r = fsutil::write_atomic_with(&p, |tmp| {
        save_weights(tmp, &vs)?;
        assert!(tmp.exists());
        Err(Error::input("simulated crash"))
    });
    assert!(r.is_err());
    assert!(!p.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "temp file left behind"
    );

    // A VarStore whose dtype safetensors cannot store fails cleanly, leaving nothing.
    let vs_c = VarStore::new(Device::Cpu);
    let _z = vs_c.root().add(
        "z",
        Tensor::zeros([2], (Kind::ComplexHalf, Device::Cpu)),
        false,
    );
    let msg = message(save_weights(&p, &vs_c).unwrap_err());
    assert!(
        msg.contains("tensor `z`: dtype ComplexHalf cannot be stored"),
        "{msg}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn bad_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vs, _) = mlp(8);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("json", br#"{"hidden": [16, 4]}"#.to_vec()),
        (
            "huge_len",
            [u64::MAX.to_le_bytes().to_vec(), b"{}".to_vec()].concat(),
        ),
        (
            "bad_json",
            [5u64.to_le_bytes().to_vec(), b"{oops".to_vec()].concat(),
        ),
        ("short_data", {
            let h = br#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#;
            [
                (h.len() as u64).to_le_bytes().to_vec(),
                h.to_vec(),
                vec![0; 8],
            ]
            .concat()
        }),
        ("overflow_shape", {
            let h =
                br#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}}"#;
            [(h.len() as u64).to_le_bytes().to_vec(), h.to_vec()].concat()
        }),
    ];
    for (name, bytes) in cases {
        let p = dir.path().join(format!("{name}.safetensors"));
        std::fs::write(&p, bytes).unwrap();
        let e = load_weights(&p, &mut vs).unwrap_err();
        assert!(
            e.to_string().contains("not a safetensors file"),
            "{name}: {e}"
        );
        assert!(tensor_names(&p).is_err(), "{name}");
    }
    assert!(matches!(
        load_weights(&dir.path().join("absent.safetensors"), &mut vs),
        Err(Error::Io { .. })
    ));
    let e = load::<MlpConfig>(dir.path()).unwrap_err();
    assert!(e.to_string().contains("no config.json"), "{e}");
}

#[test]
fn write_tensors_then_read_tensors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.safetensors");
    let a = Tensor::arange(6, (Kind::Double, Device::Cpu)).view([2, 3]);
    let b = Tensor::from_slice(&[1i64, -2, 3]);
    write_tensors(&p, &[("b", &b), ("a", &a.tr())]).unwrap(); // a.tr() is not contiguous
    let got = read_tensors(&p).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, "a");
    assert_eq!(got[0].1.kind(), Kind::Double);
    assert!(got[0].1.equal(&a.tr()));
    assert_eq!(got[1].0, "b");
    assert!(got[1].1.equal(&b));
}

/// Only runs where CUDA is available: a CPU-saved file loads into a CUDA VarStore.
#[test]
fn cpu_file_loads_into_cuda_var_store() {
    if !tch::Cuda::is_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.safetensors");
    let (vs, _) = mlp(9);
    save_weights(&p, &vs).unwrap();
    tch::manual_seed(10);
    let mut vs_gpu = VarStore::new(Device::Cuda(0));
    MlpConfig::new(8, [16, 4], 3).init(&vs_gpu.root()).unwrap();
    load_weights(&p, &mut vs_gpu).unwrap();
    let cpu = vs.variables();
    for (name, t) in vs_gpu.variables() {
        assert_eq!(t.device(), Device::Cuda(0));
        assert!(t.to_device(Device::Cpu).equal(&cpu[&name]), "{name}");
    }
}

/// A safetensors file from a hand-written header and data bytes.
fn raw_safetensors(path: &Path, header: &str, data: &[u8]) {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn overlapping_or_holed_offsets_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.safetensors");
    // Two F32 [2] tensors sharing bytes 4..8.
    raw_safetensors(
        &p,
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
        &[0u8; 12],
    );
    let msg = message(read_tensors(&p).unwrap_err());
    assert!(
        msg.contains("tensor `b`") && msg.contains("overlap"),
        "{msg}"
    );
    // A hole between the tensors.
    raw_safetensors(
        &p,
        r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
        &[0u8; 12],
    );
    let msg = message(read_tensors(&p).unwrap_err());
    assert!(msg.contains("hole"), "{msg}");
    // Bytes after the last tensor.
    raw_safetensors(
        &p,
        r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
        &[0u8; 8],
    );
    let msg = message(read_tensors(&p).unwrap_err());
    assert!(msg.contains("cover 4 of the 8"), "{msg}");
}

#[test]
fn non_finite_weights_are_rejected_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.safetensors");
    let (vs, _) = mlp(3);
    let vars = vs.variables();
    let mut named: Vec<(String, Tensor)> =
        vars.iter().map(|(n, t)| (n.clone(), t.copy())).collect();
    for (n, t) in named.iter_mut() {
        if n == "hidden.0.weight" {
            let _ = t.get(0).get(1).fill_(f64::NAN);
            let _ = t.get(2).get(3).fill_(f64::INFINITY);
        }
    }
    let refs: Vec<(&str, &Tensor)> = named.iter().map(|(n, t)| (n.as_str(), t)).collect();
    write_tensors(&p, &refs).unwrap();
    let (mut other, _) = mlp(4);
    let before: std::collections::BTreeMap<String, Tensor> = other
        .variables()
        .into_iter()
        .map(|(n, t)| (n, t.copy()))
        .collect();
    let msg = message(load_weights(&p, &mut other).unwrap_err());
    assert!(
        msg.contains("`hidden.0.weight` holds 2 non-finite values"),
        "{msg}"
    );
    // Nothing was loaded.
    let after = other.variables();
    assert!(before.iter().all(|(n, t)| t.equal(&after[n])));
}

#[test]
fn long_mismatch_lists_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.safetensors");
    let extra: Vec<(String, Tensor)> = (0..500)
        .map(|i| {
            (
                format!("unrelated.layer_{i:03}.weight"),
                Tensor::zeros([2], (Kind::Float, Device::Cpu)),
            )
        })
        .collect();
    let refs: Vec<(&str, &Tensor)> = extra.iter().map(|(n, t)| (n.as_str(), t)).collect();
    write_tensors(&p, &refs).unwrap();
    let (mut vs, _) = mlp(5);
    let msg = message(load_weights(&p, &mut vs).unwrap_err());
    assert!(msg.contains("(506 problems)"), "{msg}");
    assert!(
        msg.chars().count() < 1200,
        "{} characters: {msg}",
        msg.chars().count()
    );
    assert!(msg.contains("… and 498 more"), "{msg}");
}

#[test]
fn save_replaces_the_folder_as_one_unit_and_keeps_other_files() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("model");
    let (vs, m) = mlp(6);
    save(&dir, &vs, m.config(), Some(&serde_json::json!({"r2": 0.5}))).unwrap();
    std::fs::write(dir.join("scaler.json"), "[1, 2]").unwrap();
    // A leftover of a killed save is removed; the next save keeps the domain's extra file and
    // drops the old metrics when none are given.
    std::fs::create_dir_all(root.path().join(".model.partial")).unwrap();
    let (vs2, m2) = mlp(7);
    save(&dir, &vs2, m2.config(), None::<&()>).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["model"]);
    let mut inside: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    inside.sort();
    assert_eq!(inside, ["config.json", "model.safetensors", "scaler.json"]);
    let (mut back, _) = mlp(8);
    load_weights(&weights_path(&dir), &mut back).unwrap();
    assert!(same_weights(&back, &vs2));
}
