//! The safetensors files deepfield writes: `__metadata__`, files of the old writer
//! (`Tensor::write_safetensors`, no metadata), complex dtypes, and damaged files.

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_core::checkpoint::{self, FORMAT_NAME, META_COMPLEX128, META_FORMAT, META_VERSION};
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::{Error, Forward};

fn mlp_vs(seed: i64) -> VarStore {
    deepfield_core::tch::manual_seed(seed);
    let vs = VarStore::new(Device::Cpu);
    MlpConfig::new(6, [5], 3).init(&vs.root()).unwrap();
    vs
}

fn assert_same_vars(a: &VarStore, b: &VarStore) {
    let (a, b) = (a.variables(), b.variables());
    assert_eq!(a.len(), b.len());
    for (name, t) in &a {
        let u = &b[name];
        assert_eq!(t.kind(), u.kind(), "{name}");
        assert!(t.equal(u), "{name} differs");
    }
}

/// `fresh` differs from `vs` at `name` until the weights file `p` is loaded into it; then the
/// two are the same.
fn assert_loads_back(p: &Path, vs: &VarStore, fresh: &mut VarStore, name: &str) {
    assert!(!fresh.variables()[name].equal(&vs.variables()[name]));
    checkpoint::load_weights(p, fresh).unwrap();
    assert_same_vars(vs, fresh);
}

fn checkpoint_message(e: Error) -> String {
    match e {
        Error::Checkpoint { message, .. } => message,
        other => panic!("expected Error::Checkpoint, got {other:?}"),
    }
}

/// The JSON header of a safetensors file.
fn raw_header(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    serde_json::from_slice(&bytes[8..8 + n]).unwrap()
}

#[test]
fn metadata_is_written_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.safetensors");
    let vs = mlp_vs(1);
    let extra = BTreeMap::from([
        ("run".to_string(), "seed-1".to_string()),
        // The writer owns `format`: a caller's value is replaced.
        (META_FORMAT.to_string(), "pt".to_string()),
    ]);
    checkpoint::save_weights_with_metadata(&p, &vs, &extra).unwrap();

    let meta = checkpoint::read_metadata(&p).unwrap();
    let want = BTreeMap::from([
        (META_FORMAT.to_string(), FORMAT_NAME.to_string()),
        (
            META_VERSION.to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("run".to_string(), "seed-1".to_string()),
    ]);
    assert_eq!(meta, want);
    assert_eq!(raw_header(&p)["__metadata__"]["format"], "deepfield");

    // The safetensors crate (the reference reader) accepts the file.
    let bytes = std::fs::read(&p).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(st.len(), 4);

    // Plain save_weights carries format and version only; weights round-trip exactly.
    checkpoint::save_weights(&p, &vs).unwrap();
    assert_eq!(
        checkpoint::read_metadata(&p)
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        [META_VERSION, META_FORMAT]
    );
    let mut vs2 = mlp_vs(2);
    checkpoint::load_weights(&p, &mut vs2).unwrap();
    assert_same_vars(&vs, &vs2);
}

#[test]
fn old_files_without_metadata_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(checkpoint::WEIGHTS_FILE);
    let vs = mlp_vs(3);
    // Exactly how deepfield wrote weights before: tch's writer, no `__metadata__`.
    let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    Tensor::write_safetensors(&named, &p).unwrap();
    assert!(raw_header(&p).get("__metadata__").is_none());

    assert!(checkpoint::read_metadata(&p).unwrap().is_empty());
    assert_eq!(
        checkpoint::tensor_names(&p).unwrap(),
        vec![
            ("hidden.0.bias".to_string(), vec![5]),
            ("hidden.0.weight".to_string(), vec![5, 6]),
            ("out.bias".to_string(), vec![3]),
            ("out.weight".to_string(), vec![3, 5]),
        ]
    );
    let mut vs2 = mlp_vs(4);
    assert_loads_back(&p, &vs, &mut vs2, "out.weight");

    // A whole old checkpoint folder (config.json + weights) restores with `restore`.
    let config = MlpConfig::new(6, [5], 3);
    deepfield_core::fsutil::write_json(&dir.path().join(checkpoint::CONFIG_FILE), &config).unwrap();
    let (c, _vs3, m3) =
        checkpoint::restore(dir.path(), Device::Cpu, |c: &MlpConfig, p| c.init(p)).unwrap();
    assert_eq!(c, config);
    let x = Tensor::randn([2, 6], (Kind::Float, Device::Cpu));
    let direct =
        x.matmul(&vs.variables()["hidden.0.weight"].tr()) + &vs.variables()["hidden.0.bias"];
    let direct =
        direct.relu().matmul(&vs.variables()["out.weight"].tr()) + &vs.variables()["out.bias"];
    let diff = (m3.predict(&x, None) - direct)
        .abs()
        .max()
        .double_value(&[]);
    assert!(diff < 1e-6, "restored old checkpoint differs by {diff}");
}

/// A VarStore with real, complex64 and complex128 parameters.
fn complex_vs(seed: i64) -> VarStore {
    deepfield_core::tch::manual_seed(seed);
    let vs = VarStore::new(Device::Cpu);
    let root = vs.root();
    let _ = root.var(
        "theta",
        &[3],
        deepfield_core::tch::nn::Init::Uniform { lo: -1.0, up: 1.0 },
    );
    let c64 = Tensor::randn([2, 3], (Kind::ComplexFloat, Device::Cpu));
    let _ = root.add("u64", c64, true);
    let c128 = Tensor::randn([4], (Kind::ComplexDouble, Device::Cpu));
    let _ = root.add("u128", c128, true);
    vs
}

#[test]
fn complex_parameters_round_trip_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("q.safetensors");
    let vs = complex_vs(5);
    checkpoint::save_weights(&p, &vs).unwrap();

    // complex64 is safetensors' C64; complex128 is stored as view_as_real and listed.
    let header = raw_header(&p);
    assert_eq!(header["u64"]["dtype"], "C64");
    assert_eq!(header["u64"]["shape"], serde_json::json!([2, 3]));
    assert_eq!(header["u128"]["dtype"], "F64");
    assert_eq!(header["u128"]["shape"], serde_json::json!([4, 2]));
    let meta = checkpoint::read_metadata(&p).unwrap();
    assert_eq!(meta[META_COMPLEX128], r#"["u128"]"#);
    assert_eq!(
        checkpoint::tensor_names(&p).unwrap(),
        vec![
            ("theta".to_string(), vec![3]),
            ("u128".to_string(), vec![4]),
            ("u64".to_string(), vec![2, 3]),
        ]
    );

    let mut vs2 = complex_vs(6);
    assert_loads_back(&p, &vs, &mut vs2, "u128");
    assert_eq!(vs2.variables()["u128"].kind(), Kind::ComplexDouble);
    assert_eq!(vs2.variables()["u64"].kind(), Kind::ComplexFloat);

    // read_tensors gives the complex tensors back, bit for bit.
    let got = checkpoint::read_tensors(&p).unwrap();
    let vars = vs.variables();
    assert_eq!(got.len(), 3);
    for (name, t) in &got {
        assert_eq!(t.kind(), vars[name].kind(), "{name}");
        assert!(t.equal(&vars[name]), "{name}");
    }
}

#[test]
fn write_tensors_keeps_complex_values_and_resolves_conjugate_views() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("z.safetensors");
    let re = Tensor::from_slice(&[1.5f64, -2.0, 0.25]);
    let im = Tensor::from_slice(&[0.5f64, 3.0, -1.0]);
    let z = Tensor::complex(&re, &im); // complex128
    let zc = z.conj(); // a lazy conjugate view
    let z64 = Tensor::randn([2, 3], (Kind::ComplexFloat, Device::Cpu)).tr();
    assert!(!z64.is_contiguous());
    checkpoint::write_tensors(&p, &[("z", &z), ("zc", &zc), ("z64", &z64)]).unwrap();
    let got: BTreeMap<String, Tensor> = checkpoint::read_tensors(&p).unwrap().into_iter().collect();
    assert!(got["z"].equal(&z));
    assert_eq!(
        Vec::<f64>::try_from(got["zc"].imag().contiguous()).unwrap(),
        vec![-0.5, -3.0, 1.0]
    );
    assert_eq!(
        Vec::<f64>::try_from(got["zc"].real().contiguous()).unwrap(),
        vec![1.5, -2.0, 0.25]
    );
    assert_eq!(got["z64"].kind(), Kind::ComplexFloat);
    assert_eq!(got["z64"].size(), vec![3, 2]);
    assert!(got["z64"].equal(&z64));
}

#[test]
fn complex_and_real_do_not_mix_on_load() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("q.safetensors");
    let vs = complex_vs(7);
    checkpoint::save_weights(&p, &vs).unwrap();
    // Same names and shapes, but real.
    let mut real = VarStore::new(Device::Cpu);
    let _ = real.root().zeros("theta", &[3]);
    let _ = real.root().zeros("u64", &[2, 3]);
    let _ = real.root().zeros("u128", &[4]);
    let msg = checkpoint_message(checkpoint::load_weights(&p, &mut real).unwrap_err());
    assert!(
        msg.contains("dtype mismatch for `u128`: model Float, file ComplexDouble"),
        "{msg}"
    );
    assert!(
        msg.contains("dtype mismatch for `u64`: model Float, file ComplexFloat"),
        "{msg}"
    );
    assert!(!msg.contains("`theta`"), "{msg}");
    assert_eq!(
        real.variables()["u128"]
            .abs()
            .sum(Kind::Float)
            .double_value(&[]),
        0.0,
        "a failed load changed the model"
    );
}

fn with_header(header: &str, data: &[u8]) -> Vec<u8> {
    [
        (header.len() as u64).to_le_bytes().to_vec(),
        header.as_bytes().to_vec(),
        data.to_vec(),
    ]
    .concat()
}

#[test]
fn truncated_and_garbage_files_are_checkpoint_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.safetensors");
    let vs = mlp_vs(8);
    checkpoint::save_weights(&good, &vs).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated_data",
            bytes[..bytes.len() - 5].to_vec(),
            "data_offsets",
        ),
        (
            "truncated_header",
            bytes[..header_end - 10].to_vec(),
            "header length",
        ),
        ("truncated_len", bytes[..5].to_vec(), "only 5 bytes"),
        (
            "garbage_header",
            with_header("\u{1}garbage, not json\u{0}", &[0; 16]),
            "header is not a JSON object",
        ),
        (
            "random_bytes",
            (0..64u8).map(|i| i.wrapping_mul(37)).collect(),
            "not a safetensors file",
        ),
        (
            "metadata_not_strings",
            with_header(r#"{"__metadata__":{"format":3}}"#, &[]),
            "__metadata__ is not a map of strings",
        ),
        (
            "complex128_missing",
            with_header(r#"{"__metadata__":{"complex128":"[\"w\"]"}}"#, &[]),
            "names `w`, which is not in the file",
        ),
        (
            "complex128_wrong_dtype",
            with_header(
                r#"{"__metadata__":{"complex128":"[\"w\"]"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                &[0; 8],
            ),
            "listed in `complex128` but stored as F32 [2]",
        ),
        (
            "unknown_dtype",
            with_header(
                r#"{"w":{"dtype":"Q3","shape":[2],"data_offsets":[0,8]}}"#,
                &[0; 8],
            ),
            "unsupported dtype Q3",
        ),
    ];
    for (name, bytes, want) in cases {
        let p = dir.path().join(format!("{name}.safetensors"));
        std::fs::write(&p, bytes).unwrap();
        let mut target = mlp_vs(9);
        for result in [
            checkpoint::load_weights(&p, &mut target),
            checkpoint::read_tensors(&p).map(drop),
            checkpoint::tensor_names(&p).map(drop),
            checkpoint::read_metadata(&p).map(drop),
        ] {
            let e = result.unwrap_err();
            let text = e.to_string();
            assert!(text.contains(&p.display().to_string()), "{name}: {text}");
            let msg = checkpoint_message(e);
            assert!(msg.contains("not a safetensors file"), "{name}: {msg}");
            assert!(msg.contains(want), "{name}: {msg}");
        }
    }
}

#[test]
fn write_tensors_rejects_duplicate_and_reserved_names() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.safetensors");
    let a = Tensor::from_slice(&[1f32, 2.0]);
    let msg =
        checkpoint_message(checkpoint::write_tensors(&p, &[("a", &a), ("a", &a)]).unwrap_err());
    assert!(msg.contains("tensor name `a` given twice"), "{msg}");
    let msg =
        checkpoint_message(checkpoint::write_tensors(&p, &[("__metadata__", &a)]).unwrap_err());
    assert!(msg.contains("reserved"), "{msg}");
    assert!(!p.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
