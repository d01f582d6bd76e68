//! The shared CLI commands: `forward` runs any registered saved model on a tensor file, and
//! `inspect` describes a model folder.

use deepfield_core::checkpoint;
use deepfield_core::models::{save_model, ModelConfig, ModelRegistry};
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::repro::cli::{forward_file, inspect};
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::Forward;

#[test]
fn forward_runs_a_saved_model_on_a_tensor_file_and_writes_csv_and_safetensors() {
    let dir = tempfile::tempdir().unwrap();
    let model_dir = dir.path().join("model");
    deepfield_core::seed(3);
    let vs = VarStore::new(Device::Cpu);
    let cfg = MlpConfig::new(5, [8], 3);
    let model = cfg.build(&vs.root()).unwrap();
    save_model(&model_dir, &vs, &cfg, None::<&()>).unwrap();

    let x = Tensor::randn([7, 5], (Kind::Float, Device::Cpu));
    let want = model.predict(&x, None);
    let input = dir.path().join("x.safetensors");
    checkpoint::write_tensors(&input, &[("input", &x)]).unwrap();
    let reg = ModelRegistry::with_core();

    let out = dir.path().join("y.safetensors");
    assert_eq!(forward_file(&reg, &model_dir, &input, &out).unwrap(), 7);
    let got = &checkpoint::read_tensors(&out).unwrap()[0].1;
    assert_eq!((got - &want).abs().max().double_value(&[]), 0.0);

    let csv = dir.path().join("y.csv");
    forward_file(&reg, &model_dir, &input, &csv).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,output_0,output_1,output_2");
    assert_eq!(lines.len(), 8);
    let row3: Vec<f64> = lines[4]
        .split(',')
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    let w3 = Vec::<f64>::try_from(want.get(3).to_kind(Kind::Double)).unwrap();
    for (a, b) in row3.iter().zip(&w3) {
        assert!((a - b).abs() < 1e-6, "{row3:?} vs {w3:?}");
    }

    // A file without `input` and with several tensors is a clear error naming the file.
    let two = dir.path().join("two.safetensors");
    checkpoint::write_tensors(&two, &[("a", &x), ("b", &x)]).unwrap();
    let e = forward_file(&reg, &model_dir, &two, &out)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("two.safetensors") && e.contains("`input`"),
        "{e}"
    );

    // An input of the wrong width is an error, not a panic.
    let narrow = dir.path().join("narrow.safetensors");
    let xn = Tensor::randn([2, 4], (Kind::Float, Device::Cpu));
    checkpoint::write_tensors(&narrow, &[("input", &xn)]).unwrap();
    assert!(forward_file(&reg, &model_dir, &narrow, &out).is_err());

    let text = inspect(&reg, &model_dir).unwrap();
    assert!(text.contains("model      mlp"), "{text}");
    assert!(text.contains("registered yes"), "{text}");
    assert!(text.contains("hidden.0.weight"), "{text}");
    // 5*8+8 + 8*3+3 parameters
    assert!(text.contains("(75 values)"), "{text}");
}
