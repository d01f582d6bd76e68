//! Quantized model folders: `compress quantize` writes int8 / packed 4-bit weights with scales
//! and zero points; the folder restores through the registry to exactly the quantized model and
//! is ≥ 3.5× (8 bits) or ≥ 6× (4 bits) smaller; bad requests are clear errors.

use deepfield_core::models::{save_model, ModelRegistry};
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::quant::cli::{CalibrationArg, Method, QuantizeArgs};
use deepfield_core::quant::store::info_of;
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::Forward;

fn args(dir: &std::path::Path, method: Method, bits: u32, out: &str) -> QuantizeArgs {
    QuantizeArgs {
        model: dir.join("fp32"),
        method,
        bits,
        per_channel: true,
        calibrate: CalibrationArg::Minmax,
        calibration: Some(dir.join("batch.safetensors")),
        out: dir.join(out),
    }
}

#[test]
fn quantized_folders_restore_smaller_and_close() {
    deepfield_core::seed(0);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Odd sizes exercise the nibble packing's padding.
    let config = MlpConfig::new(33, [255, 127], 5);
    let vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).unwrap();
    save_model(&dir.join("fp32"), &vs, &config, None::<&()>).unwrap();
    let x = Tensor::randn([64, 33], (Kind::Float, Device::Cpu));
    let labels = model.predict(&x, None).argmax(-1, false);
    deepfield_core::checkpoint::write_tensors(
        &dir.join("batch.safetensors"),
        &[("input", &x), ("labels", &labels)],
    )
    .unwrap();
    let reg = ModelRegistry::with_core();

    let r8 = args(dir, Method::DynamicInt8, 8, "int8").run(&reg).unwrap();
    let ratio8 = r8.bytes_before as f64 / r8.bytes_after as f64;
    assert!(ratio8 > 3.5, "8-bit folder only {ratio8:.2}x smaller");
    assert_eq!(r8.weights, 3);
    assert_eq!(r8.accuracy_before, Some(1.0));
    assert!(r8.accuracy_after.unwrap() > 0.9, "{r8:?}");
    let d8 = r8.max_output_change.unwrap();
    assert!(d8 > 0.0 && d8 < 0.05, "{d8}");

    let r4 = args(dir, Method::Ptq, 4, "int4").run(&reg).unwrap();
    let ratio4 = r4.bytes_before as f64 / r4.bytes_after as f64;
    assert!(ratio4 > 6.0, "4-bit folder only {ratio4:.2}x smaller");
    assert!(r4.max_output_change.unwrap() > 2.0 * d8, "{r4:?}");

    // Restored through the registry: 4-bit weights, at most 16 values per row.
    let back = reg.restore(&dir.join("int4"), Device::Cpu).unwrap();
    assert_eq!(back.kind, "mlp");
    let w = back.vs.variables()["hidden.0.weight"].shallow_clone();
    for row in [0, 100, 254] {
        let distinct = w.get(row).unique_dim(0, false, false, false).0.size()[0];
        assert!(distinct <= 16, "row {row}: {distinct} values");
    }
    let info = info_of(&dir.join("int4")).unwrap().unwrap();
    assert_eq!(info.method, "ptq");
    assert!(info.tensors["out.weight"].packed);
    assert!(info_of(&dir.join("fp32")).unwrap().is_none());
    // `inspect` reads the quantized folder.
    let text = deepfield_core::repro::cli::inspect(&reg, &dir.join("int8")).unwrap();
    assert!(text.contains("hidden.0.weight.qscale"), "{text}");
}

#[test]
fn bad_requests_are_clear_errors() {
    deepfield_core::seed(0);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = MlpConfig::new(4, [8], 2);
    let vs = VarStore::new(Device::Cpu);
    let _ = config.init(&vs.root()).unwrap();
    save_model(&dir.join("fp32"), &vs, &config, None::<&()>).unwrap();
    let reg = ModelRegistry::with_core();
    let mut a = args(dir, Method::Ptq, 0, "q");
    a.calibration = None;
    let e = a.run(&reg).unwrap_err().to_string();
    assert!(e.contains("bits must be 2..=8"), "{e}");
    a.bits = 4;
    a.method = Method::DynamicInt8;
    let e = a.run(&reg).unwrap_err().to_string();
    assert!(e.contains("dynamic-int8 stores 8-bit"), "{e}");
    a.method = Method::Ptq;
    a.out = a.model.clone();
    assert!(a
        .run(&reg)
        .unwrap_err()
        .to_string()
        .contains("--out must differ"));
    a.out = dir.join("q");
    a.model = dir.join("missing");
    assert!(a.run(&reg).is_err());
    assert!(!dir.join("q").exists(), "no half-written output");
    a.model = dir.join("fp32");
    a.calibration = Some(dir.join("nope.safetensors"));
    let e = a.run(&reg).unwrap_err().to_string();
    assert!(e.contains("nope.safetensors"), "{e}");
    assert!(!dir.join("q").exists());
}
