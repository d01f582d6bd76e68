//! PyTorch interop: a deepfield checkpoint loads into the equivalent `torch.nn.Module` with
//! `safetensors.torch.load_file` + `load_state_dict(strict=True)` and gives the same outputs in
//! eval mode, to 1e-5 (script: `tests/python/load_checkpoint.py`).
//!
//! Needs the Python environment of `cargo xtask setup` (torch, safetensors); fails, never
//! skips, without it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use deepfield_core::checkpoint;
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::nn::rnn::{Cell, Pooling, RnnConfig, SequenceClassifierConfig};
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::testing::{assert_close, read_safetensors};
use deepfield_core::Forward;

const SETUP_HINT: &str = "run `cargo xtask setup` to install deepfield's Python environment \
                          (or set DEEPFIELD_PYTHON to a python with torch and safetensors)";

fn python() -> PathBuf {
    deepfield_core::python::interpreter()
        .unwrap_or_else(|| panic!("no Python interpreter for the PyTorch comparison: {SETUP_HINT}"))
}

/// Run `load_checkpoint.py` for `model` on the checkpoint folder `dir` with the named `inputs`;
/// return the tensors PyTorch wrote.
fn torch_outputs(model: &str, dir: &Path, inputs: &[(&str, &Tensor)]) -> HashMap<String, Tensor> {
    let input_path = dir.join("input.safetensors");
    let output_path = dir.join("output.safetensors");
    checkpoint::write_tensors(&input_path, inputs).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/load_checkpoint.py");
    let py = python();
    let out = Command::new(&py)
        .arg(&script)
        .arg(model)
        .args([dir, &input_path, &output_path])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; {SETUP_HINT}", py.display()));
    assert!(
        out.status.success(),
        "{} failed ({}):\n{}\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    read_safetensors(&output_path).into_iter().collect()
}

/// Eval mode is deterministic and differs from train mode (so dropout is really there).
fn check_eval_mode(model: &impl Forward, x: &Tensor, mask: Option<&Tensor>) -> Tensor {
    let y = model.predict(x, mask);
    assert!(y.equal(&model.predict(x, mask)));
    assert!(
        !y.equal(&model.forward_t(x, mask, true)),
        "dropout had no effect in train mode"
    );
    y
}

#[test]
fn mlp_checkpoint_matches_pytorch() {
    deepfield_core::seed(0);
    let mut config = MlpConfig::new(8, [32, 16], 3);
    config.dropout = 0.3;
    let vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).unwrap();
    let x = Tensor::randn([5, 8], (Kind::Float, Device::Cpu));
    let y = check_eval_mode(&model, &x, None);

    let dir = tempfile::tempdir().unwrap();
    checkpoint::save(
        dir.path(),
        &vs,
        &config,
        Some(&serde_json::json!({"loss": 1.0})),
    )
    .unwrap();
    let torch = torch_outputs("mlp", dir.path(), &[("input", &x)]);
    assert_eq!(torch["output"].size(), vec![5, 3]);
    // deepfield and PyTorch MLP outputs
    assert_close(&y, &torch["output"], 1e-5);
}

/// A 2-layer BiLSTM classifier loads into `torch.nn.LSTM(batch_first=True)` and gives the same
/// logits on a padded batch (PyTorch packs it) and on the unpadded batch.
#[test]
fn lstm_classifier_checkpoint_matches_pytorch() {
    deepfield_core::seed(1);
    let config = SequenceClassifierConfig {
        rnn: RnnConfig {
            layers: 2,
            dropout: 0.2,
            ..RnnConfig::new(Cell::Lstm, 5, 6, true)
        },
        pooling: Pooling::Last,
        head_hidden: vec![8],
        output: 3,
        dropout: 0.3,
        ..Default::default()
    };
    let vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).unwrap();
    let (b, t) = (4, 7);
    let x = Tensor::randn([b, t, 5], (Kind::Float, Device::Cpu));
    let lengths = Tensor::from_slice(&[7i64, 3, 5, 1]);
    let mask = Tensor::arange(t, (Kind::Int64, Device::Cpu))
        .unsqueeze(0)
        .lt_tensor(&lengths.unsqueeze(1));
    let y = check_eval_mode(&model, &x, Some(&mask));
    let y_full = model.predict(&x, None);

    let dir = tempfile::tempdir().unwrap();
    checkpoint::save::<_, ()>(dir.path(), &vs, &config, None).unwrap();
    let torch = torch_outputs(
        "sequence_classifier",
        dir.path(),
        &[("input", &x), ("mask", &mask)],
    );
    assert_eq!(torch["output"].size(), vec![b, 3]);
    // padded batch, then unpadded batch: deepfield against PyTorch
    assert_close(&y, &torch["output"], 1e-5);
    assert_close(&y_full, &torch["output_full"], 1e-5);
}
