//! The model registry: every core kind saved through `save_model` and restored through the
//! registry gives identical outputs; errors for unknown kinds, bad configs, duplicate kinds and
//! mismatched types; old-style checkpoints (kind only in `config.json`) still restore.

use std::path::Path;

use deepfield_core::checkpoint::{self, META_CONFIG, META_FORMAT, META_KIND};
use deepfield_core::models::{restore_model, save_model, ModelConfig, ModelRegistry};
use deepfield_core::nn::autoencoder::AutoencoderConfig;
use deepfield_core::nn::cnn::{CnnClassifierConfig, ConvBlockConfig, PoolConfig};
use deepfield_core::nn::cnn_lstm::CnnLstmConfig;
use deepfield_core::nn::mlp::{Mlp, MlpConfig};
use deepfield_core::nn::rnn::{Cell, Pooling, RnnConfig, SequenceClassifierConfig};
use deepfield_core::nn::seq2seq::Seq2SeqConfig;
use deepfield_core::nn::spec::ModelSpec;
use deepfield_core::nn::transformer::TransformerEncoderConfig;
use deepfield_core::tch::{self, nn, nn::VarStore, Device, Kind, Tensor};
use deepfield_core::{Error, Forward, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.size(), b.size());
    (a - b).abs().max().double_value(&[])
}

/// Build `config` with seed `seed`, run a few training-mode passes (so batch-norm statistics
/// move away from their initial values), save it, restore it through the registry and typed,
/// and compare eval-mode outputs on `x`.
fn round_trip<C: ModelConfig + PartialEq + std::fmt::Debug>(
    reg: &ModelRegistry,
    config: C,
    x: &Tensor,
    seed: i64,
) where
    C::Model: Forward,
{
    let dir = tempfile::tempdir().unwrap();
    tch::manual_seed(seed);
    let vs = VarStore::new(Device::Cpu);
    let model = config.build(&vs.root()).unwrap();
    tch::no_grad(|| {
        for _ in 0..3 {
            let _ = model.try_forward_t(x, None, true).unwrap();
        }
    });
    let want = model.predict(x, None);
    let metrics = json!({"loss": 0.25, "kind": C::KIND});
    save_model(dir.path(), &vs, &config, Some(&metrics)).unwrap();

    // The weights file records kind and config; config.json records the kind too.
    let meta = checkpoint::read_metadata(&checkpoint::weights_path(dir.path())).unwrap();
    assert_eq!(meta[META_KIND], C::KIND);
    assert_eq!(meta[META_FORMAT], "deepfield");
    let stored: serde_json::Value = serde_json::from_str(&meta[META_CONFIG]).unwrap();
    assert_eq!(
        stored,
        serde_json::to_value(&config).unwrap(),
        "{}",
        C::KIND
    );
    let config_json: serde_json::Value = checkpoint::load(dir.path()).unwrap();
    assert_eq!(config_json["kind"], C::KIND);
    assert_eq!(config_json["config"], stored);
    assert_eq!(checkpoint::read_metrics(dir.path()).unwrap(), metrics);

    // A fresh model with another seed differs, so equality below comes from the checkpoint.
    tch::manual_seed(seed + 1000);
    let other_vs = VarStore::new(Device::Cpu);
    let other = reg
        .build(C::KIND, &stored, &other_vs.root())
        .unwrap()
        .predict(x, None);
    assert!(
        max_abs_diff(&want, &other) > 0.0,
        "{}: two seeds gave the same model",
        C::KIND
    );

    let restored = reg.restore(dir.path(), Device::Cpu).unwrap();
    assert_eq!(restored.kind, C::KIND);
    assert_eq!(restored.config, stored);
    assert_eq!(restored.vs.len(), vs.len(), "{}", C::KIND);
    let got = restored.model.predict(x, None);
    assert_eq!(
        max_abs_diff(&want, &got),
        0.0,
        "{}: registry restore",
        C::KIND
    );

    let (config2, vs2, model2) = restore_model::<C>(dir.path(), Device::Cpu).unwrap();
    assert_eq!(config2, config);
    assert_eq!(vs2.len(), vs.len());
    let got2 = model2.predict(x, None);
    assert_eq!(
        max_abs_diff(&want, &got2),
        0.0,
        "{}: typed restore",
        C::KIND
    );
}

fn randn(shape: &[i64]) -> Tensor {
    Tensor::randn(shape, (Kind::Float, Device::Cpu))
}

#[test]
fn every_core_kind_round_trips_with_identical_outputs() {
    let reg = ModelRegistry::with_core();
    tch::manual_seed(0);

    round_trip(&reg, MlpConfig::new(7, [5], 2), &randn(&[4, 7]), 1);

    let mut cnn = CnnClassifierConfig::default();
    cnn.stack.input = 3;
    cnn.stack.blocks[0].batch_norm = true;
    cnn.head_hidden = vec![8];
    cnn.output = 4;
    round_trip(&reg, cnn, &randn(&[4, 3, 32]), 2);

    let rnn = SequenceClassifierConfig {
        rnn: RnnConfig::new(Cell::Gru, 13, 8, true),
        pooling: Pooling::Attention,
        attention_hidden: 6,
        output: 3,
        ..Default::default()
    };
    round_trip(&reg, rnn, &randn(&[4, 9, 13]), 3);

    let cnn_lstm = CnnLstmConfig {
        input: 5,
        conv: vec![ConvBlockConfig::new(6, 3).with_pool(PoolConfig::max(2))],
        hidden: 7,
        output: 2,
        ..Default::default()
    };
    round_trip(&reg, cnn_lstm, &randn(&[4, 12, 5]), 4);

    let transformer = TransformerEncoderConfig {
        input: Some(6),
        d_model: 16,
        heads: 2,
        layers: 2,
        feedforward: 32,
        max_len: 32,
        output: Some(2),
        ..Default::default()
    };
    round_trip(&reg, transformer, &randn(&[4, 9, 6]), 5);

    let seq2seq = Seq2SeqConfig::new(3, 8, 4, 2);
    round_trip(&reg, seq2seq, &randn(&[4, 9, 3]), 6);

    let vae = AutoencoderConfig {
        input: 10,
        hidden: vec![8],
        latent: 3,
        variational: true,
        ..Default::default()
    };
    round_trip(&reg, vae, &randn(&[4, 10]), 7);
}

fn error_text(r: Result<impl Sized>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unknown_kind_and_malformed_configs_are_errors() {
    let reg = ModelRegistry::with_core();
    let vs = VarStore::new(Device::Cpu);
    let e = error_text(reg.build("gcn", &json!({}), &vs.root()));
    assert!(
        e.contains(
            "unknown model kind `gcn` (known kinds: autoencoder, cnn, cnn_lstm, factory_net, \
             factory_supernet, fusion, mamba, mlp, rnn, seq2seq, spiking_mlp, transformer)"
        ),
        "{e}"
    );

    let e = error_text(reg.build("mlp", &json!({"input": "eight"}), &vs.root()));
    assert!(
        e.starts_with("invalid config: the config of model `mlp` has a setting of the wrong type"),
        "{e}"
    );
    assert!(e.contains("string \"eight\""), "{e}");

    let e = error_text(reg.build("rnn", &json!([1, 2]), &vs.root()));
    assert!(e.contains("model `rnn`"), "{e}");

    // Deserializes, but does not validate.
    let e = error_text(reg.build("mlp", &json!({"input": 0}), &vs.root()));
    assert!(
        e.contains("model `mlp`: mlp: input must be > 0, got 0"),
        "{e}"
    );
    assert!(
        vs.variables().is_empty(),
        "a rejected config created variables"
    );

    // A good config builds, with the defaults filled in.
    let m = reg
        .build("mlp", &json!({"input": 3, "output": 2}), &vs.root())
        .unwrap();
    assert_eq!(m.predict(&randn(&[5, 3]), None).size(), vec![5, 2]);
    assert_eq!(vs.variables()["hidden.1.weight"].size(), vec![64, 64]);
}

/// A model defined outside core (as a domain crate would): an MLP whose output is scaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ScaledMlpConfig {
    mlp: MlpConfig,
    scale: f64,
}

struct ScaledMlp {
    mlp: Mlp,
    scale: f64,
}

impl Forward for ScaledMlp {
    fn try_forward_t(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        Ok(self.mlp.try_forward_t(xs, mask, train)? * self.scale)
    }
}

impl ModelConfig for ScaledMlpConfig {
    const KIND: &'static str = "test.scaled_mlp";
    const DESCRIPTION: &'static str = "an MLP times a constant";
    type Model = ScaledMlp;

    fn validate(&self) -> Result<()> {
        deepfield_core::ensure_config!(self.scale != 0.0, "scaled_mlp: scale must not be 0");
        Ok(())
    }

    fn build(&self, path: &nn::Path) -> Result<ScaledMlp> {
        Ok(ScaledMlp {
            mlp: self.mlp.init(&(path / "mlp"))?,
            scale: self.scale,
        })
    }
}

/// The `register` function a domain crate exposes.
fn register(reg: &mut ModelRegistry) -> Result<()> {
    reg.register::<ScaledMlpConfig>()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BadName;

impl ModelConfig for BadName {
    const KIND: &'static str = "Bad Name";
    const DESCRIPTION: &'static str = "";
    type Model = Mlp;
    fn build(&self, path: &nn::Path) -> Result<Mlp> {
        MlpConfig::default().init(path)
    }
}

#[test]
fn domain_models_register_and_duplicates_are_errors() {
    let mut reg = ModelRegistry::with_core();
    register(&mut reg).unwrap();
    assert!(reg
        .kinds()
        .contains(&("test.scaled_mlp", "an MLP times a constant")));
    let kinds: Vec<&str> = reg.kinds().iter().map(|(k, _)| *k).collect();
    let mut sorted = kinds.clone();
    sorted.sort_unstable();
    assert_eq!(kinds, sorted);
    assert_eq!(kinds.len(), ModelRegistry::with_core().kinds().len() + 1);

    let e = error_text(register(&mut reg));
    assert!(
        e.contains("model kind `test.scaled_mlp` is already registered (an MLP times a constant)"),
        "{e}"
    );
    let e = error_text(reg.register::<MlpConfig>());
    assert!(e.contains("model kind `mlp` is already registered"), "{e}");
    let e = error_text(reg.register::<BadName>());
    assert!(e.contains("model kind `Bad Name`"), "{e}");
    assert_eq!(
        reg.kinds().len(),
        ModelRegistry::with_core().kinds().len() + 1
    );

    // Its own validate runs, named by kind.
    let vs = VarStore::new(Device::Cpu);
    let e = error_text(reg.build(
        "test.scaled_mlp",
        &json!({"mlp": {"input": 2, "output": 1}, "scale": 0.0}),
        &vs.root(),
    ));
    assert!(
        e.contains("model `test.scaled_mlp`: scaled_mlp: scale must not be 0"),
        "{e}"
    );

    // Round trip through the registry; a registry without it names the missing kind.
    let config = ScaledMlpConfig {
        mlp: MlpConfig::new(4, [3], 2),
        scale: -2.5,
    };
    let x = randn(&[3, 4]);
    round_trip(&reg, config.clone(), &x, 11);

    let dir = tempfile::tempdir().unwrap();
    let vs = VarStore::new(Device::Cpu);
    config.build(&vs.root()).unwrap();
    save_model::<_, ()>(dir.path(), &vs, &config, None).unwrap();
    let e = error_text(ModelRegistry::with_core().restore(dir.path(), Device::Cpu));
    assert!(
        e.contains("holds a model of kind `test.scaled_mlp`, which is not registered"),
        "{e}"
    );
    let e = error_text(ModelRegistry::new().restore(dir.path(), Device::Cpu));
    assert!(e.contains("(known kinds: none)"), "{e}");
}

#[test]
fn typed_restore_checks_the_kind() {
    let dir = tempfile::tempdir().unwrap();
    let vs = VarStore::new(Device::Cpu);
    let config = MlpConfig::new(3, [4], 2);
    config.init(&vs.root()).unwrap();
    save_model(dir.path(), &vs, &config, Some(&json!({"loss": 1.0}))).unwrap();
    let e = error_text(restore_model::<AutoencoderConfig>(dir.path(), Device::Cpu));
    assert!(
        e.contains("holds a `mlp` model, not a `autoencoder` model"),
        "{e}"
    );
    assert!(e.contains(&dir.path().display().to_string()), "{e}");

    // Saving again without metrics removes the stale metrics file.
    save_model::<_, ()>(dir.path(), &vs, &config, None).unwrap();
    assert!(!dir.path().join(checkpoint::METRICS_FILE).exists());

    // A config that does not validate is not saved.
    let bad = MlpConfig::new(0, [4], 2);
    let other = tempfile::tempdir().unwrap();
    let e = error_text(save_model::<_, ()>(other.path(), &vs, &bad, None));
    assert!(e.contains("model `mlp`: mlp: input must be > 0"), "{e}");
    assert!(!checkpoint::weights_path(other.path()).exists());
}

/// Write weights the way deepfield did before this registry: tch's writer, no metadata.
fn write_old_weights(dir: &Path, vs: &VarStore) {
    let named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    Tensor::write_safetensors(&named, checkpoint::weights_path(dir)).unwrap();
}

#[test]
fn old_style_checkpoints_restore_through_the_registry() {
    let reg = ModelRegistry::with_core();
    let x = randn(&[4, 10]);

    // config.json is a ModelSpec (`"model"` tag), the weights carry no metadata.
    let dir = tempfile::tempdir().unwrap();
    let ae = AutoencoderConfig::new(10, [6], 2);
    tch::manual_seed(21);
    let vs = VarStore::new(Device::Cpu);
    let model = ae.init(&vs.root()).unwrap();
    write_old_weights(dir.path(), &vs);
    deepfield_core::fsutil::write_json(
        &dir.path().join(checkpoint::CONFIG_FILE),
        &ModelSpec::Autoencoder(ae.clone()),
    )
    .unwrap();
    assert!(
        checkpoint::read_metadata(&checkpoint::weights_path(dir.path()))
            .unwrap()
            .is_empty()
    );
    let restored = reg.restore(dir.path(), Device::Cpu).unwrap();
    assert_eq!(restored.kind, "autoencoder");
    assert_eq!(restored.config["latent"], 2);
    assert!(restored.config.get("model").is_none());
    assert_eq!(
        max_abs_diff(&model.predict(&x, None), &restored.model.predict(&x, None)),
        0.0
    );
    let (typed, _, typed_model) =
        restore_model::<AutoencoderConfig>(dir.path(), Device::Cpu).unwrap();
    assert_eq!(typed, ae);
    assert_eq!(
        max_abs_diff(&model.predict(&x, None), &typed_model.predict(&x, None)),
        0.0
    );

    // config.json with a flat `"kind"` field, saved through the old `checkpoint::save`.
    let dir = tempfile::tempdir().unwrap();
    let mlp = MlpConfig::new(10, [4], 3);
    let vs = VarStore::new(Device::Cpu);
    let model = mlp.init(&vs.root()).unwrap();
    let mut flat = serde_json::to_value(&mlp).unwrap();
    flat["kind"] = json!("mlp");
    checkpoint::save::<_, ()>(dir.path(), &vs, &flat, None).unwrap();
    let restored = reg.restore(dir.path(), Device::Cpu).unwrap();
    assert_eq!(restored.kind, "mlp");
    assert_eq!(
        max_abs_diff(&model.predict(&x, None), &restored.model.predict(&x, None)),
        0.0
    );

    // Neither a kind nor a tag: a clear error.
    let dir = tempfile::tempdir().unwrap();
    checkpoint::save::<_, ()>(dir.path(), &vs, &mlp, None).unwrap();
    let e = error_text(reg.restore(dir.path(), Device::Cpu));
    assert!(e.contains("names no model kind"), "{e}");
    assert!(matches!(
        reg.restore(&dir.path().join("absent"), Device::Cpu),
        Err(Error::Io { .. })
    ));
}
