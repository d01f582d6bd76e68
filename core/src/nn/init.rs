//! Initialisation of linear layers as an explicit, serialised config field (burn's
//! `LinearConfig { initializer }`): every core config with linear layers has an
//! `init: LinearInit` field, so the distribution a model starts from is visible in its
//! `config.json` and testable, not a hidden library default.
//!
//! | [`LinearInit`] | weight | bias | where it comes from |
//! |---|---|---|---|
//! | `torch` (default) | U(±1/√fan_in) | U(±1/√fan_in) | PyTorch `nn.Linear` (`kaiming_uniform_(a=√5)`) |
//! | `kaiming_uniform` | U(±√6/√fan_in) (Kaiming, ReLU gain √2) | U(±1/√fan_in) | tch's `nn::linear(.., Default::default())` |
//! | `glorot` | U(±√(6/(fan_in + fan_out))) | 0 | Glorot & Bengio 2010 (Keras `Dense`) |
//!
//! `kaiming_uniform` reproduces tch's default draw for draw (bias drawn before weight, as tch
//! does), so models trained before initialisation became a config field are recovered exactly
//! by setting it. `torch` and `glorot` draw the weight first, then the bias, in PyTorch's order.
//!
//! Other layers: convolutions ([`super::cnn`]) are initialised like PyTorch's `nn.Conv1d/2d`
//! (weight and bias U(±1/√fan_in), fan_in = in_channels · kernel size), LSTM/GRU weights
//! ([`super::rnn`], [`super::seq2seq`]) like PyTorch's `nn.LSTM/GRU` (all weights and biases
//! U(±1/√hidden)), and the Transformer like `nn.TransformerEncoderLayer`. tch's own `nn::lstm`
//! would differ (its default is Kaiming-uniform input weights, orthogonal recurrent weights and
//! zero biases); core does not use it.

use serde::{Deserialize, Serialize};
use tch::nn::{self, Init, Linear};

use crate::{ensure_config, Result};

/// How a linear layer's weight and bias are drawn; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinearInit {
    /// PyTorch's `nn.Linear`: weight and bias U(±1/√fan_in).
    #[default]
    Torch,
    /// tch's default: weight Kaiming-uniform with ReLU gain, U(±√(6/fan_in)) — √6 ≈ 2.45 times
    /// PyTorch's bound — and bias U(±1/√fan_in); the same draws as
    /// `nn::linear(path, in, out, Default::default())`.
    KaimingUniform,
    /// Xavier/Glorot-uniform weight U(±√(6/(fan_in + fan_out))), zero bias.
    Glorot,
}

impl LinearInit {
    /// The weight's distribution for a `[fan_out, fan_in]` weight.
    pub fn weight(self, fan_in: i64, fan_out: i64) -> Init {
        match self {
            LinearInit::Torch => super::torch_linear_init(fan_in),
            LinearInit::KaimingUniform => nn::init::DEFAULT_KAIMING_UNIFORM,
            LinearInit::Glorot => {
                let bound = (6.0 / (fan_in + fan_out).max(1) as f64).sqrt();
                Init::Uniform {
                    lo: -bound,
                    up: bound,
                }
            }
        }
    }

    /// The bias's distribution.
    pub fn bias(self, fan_in: i64) -> Init {
        match self {
            LinearInit::Torch | LinearInit::KaimingUniform => super::torch_linear_init(fan_in),
            LinearInit::Glorot => Init::Const(0.0),
        }
    }
}

/// A linear layer `input → output` with parameters `path/weight` (`[output, input]`) and
/// `path/bias` (`[output]`), initialised by `init` (PyTorch `nn.Linear(input, output)`).
pub fn linear(path: &nn::Path, input: i64, output: i64, init: LinearInit) -> Result<Linear> {
    make(path, input, output, true, init)
}

/// A linear layer without bias (`nn.Linear(input, output, bias=False)`): only `path/weight`.
pub fn linear_no_bias(
    path: &nn::Path,
    input: i64,
    output: i64,
    init: LinearInit,
) -> Result<Linear> {
    make(path, input, output, false, init)
}

fn make(path: &nn::Path, input: i64, output: i64, bias: bool, init: LinearInit) -> Result<Linear> {
    ensure_config!(
        input > 0 && output > 0,
        "linear {}: sizes must be > 0, got {input} → {output}",
        super::capture::name_of(path)
    );
    let w = init.weight(input, output);
    let b = init.bias(input);
    Ok(match init {
        // tch's `nn::linear` creates the bias first.
        LinearInit::KaimingUniform => {
            let bs = bias.then(|| path.f_var("bias", &[output], b)).transpose()?;
            Linear {
                ws: path.f_var("weight", &[output, input], w)?,
                bs,
            }
        }
        LinearInit::Torch | LinearInit::Glorot => {
            let ws = path.f_var("weight", &[output, input], w)?;
            Linear {
                ws,
                bs: bias.then(|| path.f_var("bias", &[output], b)).transpose()?,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    fn layer(init: LinearInit, input: i64, output: i64) -> Linear {
        let vs = nn::VarStore::new(Device::Cpu);
        linear(&vs.root(), input, output, init).unwrap()
    }

    /// max |w| ≤ bound (and close to it), std within 3 % of bound/√3 (U(±b) has std b/√3).
    fn check_uniform(t: &tch::Tensor, bound: f64, what: &str) {
        let max = t.abs().max().double_value(&[]);
        assert!(
            max <= bound * (1.0 + 1e-6),
            "{what}: max |w| {max} > {bound}"
        );
        assert!(
            max > 0.98 * bound,
            "{what}: max |w| {max} far below {bound}"
        );
        let std = t.std(true).double_value(&[]);
        let want = bound / 3f64.sqrt();
        assert!(
            (std / want - 1.0).abs() < 0.03,
            "{what}: std {std}, expected {want}"
        );
        let mean = t.mean(Kind::Float).double_value(&[]);
        assert!(mean.abs() < 0.05 * bound, "{what}: mean {mean}");
    }

    // Draw-for-draw equality with tch's own layers needs re-seeding libtorch's global generator:
    // core/tests/init_seeded.rs, its own test binary.

    #[test]
    fn sample_statistics_match_each_init() {
        tch::manual_seed(0);
        let (fi, fo) = (512i64, 512i64);
        let torch = layer(LinearInit::Torch, fi, fo);
        let b = 1.0 / (fi as f64).sqrt();
        check_uniform(&torch.ws, b, "torch weight");
        let bs = torch.bs.as_ref().unwrap();
        assert!(bs.abs().max().double_value(&[]) <= b);

        let kaiming = layer(LinearInit::KaimingUniform, fi, fo);
        check_uniform(&kaiming.ws, 6f64.sqrt() * b, "kaiming weight");
        assert!(kaiming.bs.unwrap().abs().max().double_value(&[]) <= b);

        let glorot = layer(LinearInit::Glorot, fi, 256);
        check_uniform(
            &glorot.ws,
            (6.0 / (fi + 256) as f64).sqrt(),
            "glorot weight",
        );
        assert_eq!(glorot.bs.unwrap().abs().max().double_value(&[]), 0.0);

        // The bias distribution on a long vector (fan_in 400: bound 1/20).
        for init in [LinearInit::Torch, LinearInit::KaimingUniform] {
            let bias = nn::init::init(init.bias(400), &[262_144], Device::Cpu);
            check_uniform(&bias, 0.05, "bias");
        }
    }

    #[test]
    fn serde_names_and_default() {
        assert_eq!(LinearInit::default(), LinearInit::Torch);
        for (v, s) in [
            (LinearInit::Torch, "\"torch\""),
            (LinearInit::KaimingUniform, "\"kaiming_uniform\""),
            (LinearInit::Glorot, "\"glorot\""),
        ] {
            assert_eq!(serde_json::to_string(&v).unwrap(), s);
            assert_eq!(serde_json::from_str::<LinearInit>(s).unwrap(), v);
        }
        assert!(serde_json::from_str::<LinearInit>("\"xavier\"").is_err());
    }

    #[test]
    fn configs_saved_without_init_load_as_torch() {
        use crate::nn::spec::ModelSpec;
        for json in [
            r#"{"model": "mlp", "input": 8, "hidden": [4], "output": 1}"#,
            r#"{"model": "cnn", "output": 3}"#,
            r#"{"model": "rnn", "rnn": {"input": 2}, "pooling": "attention"}"#,
            r#"{"model": "cnn_lstm", "input": 3}"#,
            r#"{"model": "seq2seq", "input": 2, "hidden": 4}"#,
            r#"{"model": "autoencoder", "input": 5}"#,
        ] {
            let spec = ModelSpec::from_json(json).unwrap();
            let init = match &spec {
                ModelSpec::Mlp(c) => c.init,
                ModelSpec::Cnn(c) => c.init,
                ModelSpec::Rnn(c) => c.init,
                ModelSpec::CnnLstm(c) => c.init,
                ModelSpec::Seq2seq(c) => c.init,
                ModelSpec::Autoencoder(c) => c.init,
                ModelSpec::Transformer(_) => unreachable!(),
            };
            assert_eq!(init, LinearInit::Torch, "{json}");
            // …and the field is written out, so the saved config says what was used.
            let back = serde_json::to_string(&spec).unwrap();
            assert!(back.contains(r#""init":"torch""#), "{back}");
        }
        let att: crate::nn::attention::AttentionPoolingConfig =
            serde_json::from_str(r#"{"input": 4, "hidden": 2}"#).unwrap();
        assert_eq!(att.init, LinearInit::Torch);
        let mlp: crate::nn::mlp::MlpConfig =
            serde_json::from_str(r#"{"input": 4, "init": "kaiming_uniform"}"#).unwrap();
        assert_eq!(mlp.init, LinearInit::KaimingUniform);
    }

    #[test]
    fn bad_sizes_are_errors() {
        let vs = nn::VarStore::new(Device::Cpu);
        assert!(linear(&vs.root(), 0, 3, LinearInit::Torch).is_err());
        assert!(linear_no_bias(&vs.root(), 3, -1, LinearInit::Glorot).is_err());
    }
}
