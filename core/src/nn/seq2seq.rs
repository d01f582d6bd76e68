//! Encoder–decoder LSTM for multi-step forecasting (the "ED-LSTM" of the AMD kinetic-test
//! paper; Sutskever, Vinyals & Le 2014; Cho et al. 2014).
//!
//! An encoder LSTM reads the observed window; a decoder LSTM produces `horizon` steps, each
//! mapped to `output` targets by a time-distributed linear layer `proj`. Two decoders
//! ([`Seq2SeqDecoder`]):
//!
//! * `repeat` — the Keras `LSTM → RepeatVector → LSTM(return_sequences) → TimeDistributed(Dense)`
//!   model: the encoder's final top-layer hidden state is repeated `horizon` times as the
//!   decoder's input; the decoder starts from a zero state.
//! * `autoregressive` — the decoder starts from the encoder's final `(h, c)` (all layers) and is
//!   fed its own previous prediction (free running, no teacher forcing). The first input is the
//!   last observed value of the target variables, found in the input features listed in
//!   `target_features`, or zeros when that list is empty.
//!
//! Padded windows: with a mask (`[B, T]`, true at real steps, padding at the end), the encoder
//! state is taken at each sequence's last real step (packed sequences), so padding does not
//! change the forecast.

use serde::{Deserialize, Serialize};
use tch::nn::{Init, Linear};
use tch::{nn, Device, Kind, Tensor};

use super::capture::{child, name_of, tap};
use super::init::{linear, LinearInit};
use super::rnn::Fused;
use super::{check_dropout, check_mask_rows, dropout, forward_by};
use crate::{ensure_config, ensure_input, Result};

/// How the decoder is driven; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Seq2SeqDecoder {
    /// Encoder summary repeated `horizon` times as the decoder input (Keras `RepeatVector`).
    #[default]
    Repeat,
    /// Decoder fed its previous prediction, starting from the last observed targets.
    Autoregressive,
}

/// Encoder–decoder LSTM configuration.
///
/// Parameters (PyTorch `nn.LSTM` / `nn.Linear` names): `encoder.weight_ih_l{k}`,
/// `encoder.weight_hh_l{k}`, `encoder.bias_ih_l{k}`, `encoder.bias_hh_l{k}`, the same under
/// `decoder.`, and `proj.weight|bias`.
///
/// Capture points ([`super::capture`]): the encoder's final hidden state `[layers, B, hidden]`
/// under `encoder`, the decoder's outputs under `decoder` (`[B, horizon, hidden]`; the
/// autoregressive decoder records one `[B, 1, hidden]` per step, in order) and the forecast
/// under `proj` (per step for the autoregressive decoder).
///
/// Defaults: one layer of 64 units, no dropout, a one-target one-step forecast with the
/// `repeat` decoder (the common Keras ED-LSTM layout).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Seq2SeqConfig {
    /// Input features per observed step.
    pub input: i64,
    /// LSTM hidden units (encoder and decoder).
    pub hidden: i64,
    /// Stacked LSTM layers (encoder and decoder).
    pub layers: i64,
    /// Forecast steps.
    pub horizon: i64,
    /// Targets per forecast step.
    pub output: i64,
    /// Dropout between stacked LSTM layers (PyTorch `nn.LSTM` semantics), on the decoder's
    /// input summary (`repeat`) and on the decoder outputs before `proj`.
    pub dropout: f64,
    /// How the decoder is driven.
    pub decoder: Seq2SeqDecoder,
    /// For the `autoregressive` decoder: the input feature holding each of the `output` targets
    /// (length `output`); their last observed values start the decoder. Empty = start from zeros.
    pub target_features: Vec<i64>,
    /// Initialisation of `proj` (default: PyTorch's `nn.Linear`); the LSTMs are initialised
    /// like PyTorch's.
    pub init: LinearInit,
}

impl Default for Seq2SeqConfig {
    fn default() -> Self {
        Seq2SeqConfig {
            input: 1,
            hidden: 64,
            layers: 1,
            horizon: 1,
            output: 1,
            dropout: 0.0,
            decoder: Seq2SeqDecoder::Repeat,
            target_features: Vec::new(),
            init: LinearInit::Torch,
        }
    }
}

impl Seq2SeqConfig {
    /// A config with the given sizes and the other fields at their defaults.
    pub fn new(input: i64, hidden: i64, horizon: i64, output: i64) -> Self {
        Seq2SeqConfig {
            input,
            hidden,
            horizon,
            output,
            ..Default::default()
        }
    }

    /// Check sizes, dropout and target features.
    pub fn validate(&self) -> Result<()> {
        let name = "seq2seq";
        ensure_config!(
            self.input > 0,
            "{name}: input must be > 0, got {}",
            self.input
        );
        ensure_config!(
            self.hidden > 0,
            "{name}: hidden must be > 0, got {}",
            self.hidden
        );
        ensure_config!(
            self.layers > 0,
            "{name}: layers must be > 0, got {}",
            self.layers
        );
        ensure_config!(
            self.horizon > 0,
            "{name}: horizon must be > 0, got {}",
            self.horizon
        );
        ensure_config!(
            self.output > 0,
            "{name}: output must be > 0, got {}",
            self.output
        );
        if !self.target_features.is_empty() {
            ensure_config!(
                self.target_features.len() as i64 == self.output,
                "{name}: target_features must list one input feature per output ({}), got {:?}",
                self.output,
                self.target_features
            );
            ensure_config!(
                self.target_features
                    .iter()
                    .all(|&f| (0..self.input).contains(&f)),
                "{name}: target_features must be input feature indices in 0..{}, got {:?}",
                self.input,
                self.target_features
            );
        }
        check_dropout(name, self.dropout)
    }

    /// Create the parameters under `path` (PyTorch initialisation: U(±1/√hidden) for the LSTMs;
    /// `proj` by [`init`](Self#structfield.init)).
    pub fn init(&self, path: &nn::Path) -> Result<Seq2Seq> {
        self.validate()?;
        let decoder_input = match self.decoder {
            Seq2SeqDecoder::Repeat => self.hidden,
            Seq2SeqDecoder::Autoregressive => self.output,
        };
        let target_features = if self.target_features.is_empty() {
            None
        } else {
            Some(Tensor::from_slice(&self.target_features).f_to_device(path.device())?)
        };
        Ok(Seq2Seq {
            encoder: Lstm::new(
                &(path / "encoder"),
                self.input,
                self.hidden,
                self.layers,
                self.dropout,
            )?,
            decoder: Lstm::new(
                &(path / "decoder"),
                decoder_input,
                self.hidden,
                self.layers,
                self.dropout,
            )?,
            proj: linear(&(path / "proj"), self.hidden, self.output, self.init)?,
            target_features,
            names: [
                child(&name_of(path), "encoder"),
                child(&name_of(path), "decoder"),
                child(&name_of(path), "proj"),
            ],
            config: self.clone(),
        })
    }
}

/// A stacked unidirectional LSTM over PyTorch-named flat weights, run through libtorch's fused
/// `lstm` op (so dropout follows the `train` flag of each call).
#[derive(Debug)]
struct Lstm {
    /// Per layer: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` (the order `at::lstm` expects).
    weights: Vec<Tensor>,
    hidden: i64,
    layers: i64,
    dropout: f64,
}

impl Lstm {
    fn new(path: &nn::Path, input: i64, hidden: i64, layers: i64, dropout: f64) -> Result<Self> {
        let bound = 1.0 / (hidden as f64).sqrt();
        let init = Init::Uniform {
            lo: -bound,
            up: bound,
        };
        let mut weights = Vec::with_capacity(4 * layers as usize);
        for k in 0..layers {
            let in_k = if k == 0 { input } else { hidden };
            weights.push(path.f_var(&format!("weight_ih_l{k}"), &[4 * hidden, in_k], init)?);
            weights.push(path.f_var(&format!("weight_hh_l{k}"), &[4 * hidden, hidden], init)?);
            weights.push(path.f_var(&format!("bias_ih_l{k}"), &[4 * hidden], init)?);
            weights.push(path.f_var(&format!("bias_hh_l{k}"), &[4 * hidden], init)?);
        }
        Ok(Lstm {
            weights,
            hidden,
            layers,
            dropout,
        })
    }

    fn zeros(&self, b: i64, kind: Kind, device: Device) -> Result<Tensor> {
        Ok(Tensor::f_zeros(
            [self.layers, b, self.hidden],
            (kind, device),
        )?)
    }

    /// `xs` `[B, T, in]`, optional `(h, c)` `[layers, B, hidden]` (zeros if `None`) ->
    /// (outputs `[B, T, hidden]`, `h`, `c`).
    fn run(
        &self,
        xs: &Tensor,
        state: Option<(&Tensor, &Tensor)>,
        train: bool,
    ) -> Result<(Tensor, Tensor, Tensor)> {
        let (h, c) = match state {
            Some((h, c)) => (h.shallow_clone(), c.shallow_clone()),
            None => {
                let z = self.zeros(xs.size()[0], xs.kind(), xs.device())?;
                (z.shallow_clone(), z)
            }
        };
        self.fused(&self.weights.iter().collect::<Vec<_>>(), train)
            .lstm(xs, None, &h, &c)
    }

    /// The settings of the fused LSTM call over `params` (this encoder's weights).
    fn fused<'a>(&self, params: &'a [&'a Tensor], train: bool) -> Fused<'a> {
        Fused {
            params,
            layers: self.layers,
            dropout: self.dropout,
            train,
            bidirectional: false,
        }
    }

    /// Final `(h, c)` `[layers, B, hidden]` of each sequence of `xs` `[B, T, in]` at its own
    /// length (`lengths` `[B]` int64, 1..=T): a packed-sequence run.
    fn final_state_packed(
        &self,
        xs: &Tensor,
        lengths: &Tensor,
        train: bool,
    ) -> Result<(Tensor, Tensor)> {
        let lengths = lengths.f_to_device(Device::Cpu)?;
        let (sorted, order) = lengths.f_sort(0, true)?;
        let sorted_xs = xs.f_index_select(0, &order.f_to_device(xs.device())?)?;
        let (data, batch_sizes) = sorted_xs.f_internal_pack_padded_sequence(&sorted, true)?;
        let z = self.zeros(xs.size()[0], xs.kind(), xs.device())?;
        let (_, h, c) = self
            .fused(&self.weights.iter().collect::<Vec<_>>(), train)
            .lstm(&data, Some(&batch_sizes), &z, &z)?;
        let inverse = order.f_argsort(0, false)?.f_to_device(xs.device())?;
        Ok((
            h.f_index_select(1, &inverse)?,
            c.f_index_select(1, &inverse)?,
        ))
    }
}

/// An encoder–decoder LSTM forecaster; see [`Seq2SeqConfig`].
#[derive(Debug)]
pub struct Seq2Seq {
    encoder: Lstm,
    decoder: Lstm,
    proj: Linear,
    /// `[output]` int64 indices into the input features, for the autoregressive start.
    target_features: Option<Tensor>,
    /// Capture names: encoder state, decoder outputs, forecast.
    names: [String; 3],
    config: Seq2SeqConfig,
}

impl Seq2Seq {
    /// The config this model was built from.
    pub fn config(&self) -> &Seq2SeqConfig {
        &self.config
    }

    /// Run the encoder: its final `(h, c)` (`[layers, B, hidden]`, at each sequence's last real
    /// step) and the input at that step (`[B, input]`).
    fn encode(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> Result<(Tensor, Tensor, Tensor)> {
        let (b, t, f) = xs.size3()?;
        match mask {
            None => {
                let (_, h, c) = self.encoder.run(xs, None, train)?;
                Ok((h, c, xs.f_select(1, t - 1)?))
            }
            Some(mask) => {
                let lengths = check_prefix_mask(mask, b, t)?;
                let (h, c) = self.encoder.final_state_packed(xs, &lengths, train)?;
                let last = lengths.f_sub_scalar(1)?.f_to_device(xs.device())?;
                let index = last.f_view([b, 1, 1])?.f_expand([b, 1, f], false)?;
                Ok((h, c, xs.f_gather(1, &index, false)?.f_squeeze_dim(1)?))
            }
        }
    }

    /// The forward pass, with invalid inputs reported as errors.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, input]`
    /// * `mask`: `[B, T]` bool (or 0/1), true at real steps, padding only at the end, at least
    ///   one real step per sequence
    /// * returns `[B, horizon, output]`
    pub fn try_forward(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let c = &self.config;
        let size = xs.size();
        ensure_input!(
            size.len() == 3 && size[1] > 0 && size[2] == c.input,
            "seq2seq: expected input [B, T > 0, {}], got {size:?}",
            c.input
        );
        let b = size[0];
        let (h, cell, last) = self.encode(xs, mask, train)?;
        let h = tap(&self.names[0], h);
        let p = c.dropout;
        let decoded = match c.decoder {
            Seq2SeqDecoder::Repeat => {
                let summary = dropout(h.f_select(0, c.layers - 1)?, p, train);
                let repeated = summary
                    .f_unsqueeze(1)?
                    .f_expand([b, c.horizon, c.hidden], false)?
                    .f_contiguous()?;
                let (out, _, _) = self.decoder.run(&repeated, None, train)?;
                let out = tap(&self.names[1], out);
                tap(
                    &self.names[2],
                    dropout(out, p, train).f_linear(&self.proj.ws, self.proj.bs.as_ref())?,
                )
            }
            Seq2SeqDecoder::Autoregressive => {
                let mut prev = match &self.target_features {
                    Some(idx) => last.f_index_select(1, idx)?,
                    None => Tensor::f_zeros([b, c.output], (xs.kind(), xs.device()))?,
                };
                let (mut h, mut cell) = (h, cell);
                let mut steps = Vec::with_capacity(c.horizon as usize);
                for _ in 0..c.horizon {
                    let (out, h_next, c_next) =
                        self.decoder
                            .run(&prev.f_unsqueeze(1)?, Some((&h, &cell)), train)?;
                    let out = tap(&self.names[1], out);
                    let y = tap(
                        &self.names[2],
                        dropout(out.f_squeeze_dim(1)?, p, train)
                            .f_linear(&self.proj.ws, self.proj.bs.as_ref())?,
                    );
                    steps.push(y.shallow_clone());
                    (prev, h, cell) = (y, h_next, c_next);
                }
                Tensor::f_stack(&steps, 1)?
            }
        };
        Ok(decoded)
    }
}

/// Check a `[B, T]` mask with at least one real step per row and padding only at the end;
/// return the lengths (`[B]` int64).
fn check_prefix_mask(mask: &Tensor, b: i64, t: i64) -> Result<Tensor> {
    let (mask, lengths) = check_mask_rows("seq2seq", mask, b, t)?;
    let steps = Tensor::f_arange(t, (Kind::Int64, mask.device()))?;
    let prefix = steps
        .f_unsqueeze(0)?
        .f_lt_tensor(&lengths.f_unsqueeze(1)?)?;
    ensure_input!(
        prefix.f_equal(&mask)?,
        "seq2seq: padding must come after the real steps of each sequence"
    );
    Ok(lengths)
}

forward_by! {
    /// See [`Seq2Seq::try_forward`].
    ///
    /// # Shapes
    /// * `xs`: `[B, T, input]`, `mask`: `[B, T]` bool (true = real step, padding at the end)
    /// * returns `[B, horizon, output]`
    Seq2Seq => try_forward(xs, mask, train)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Forward;
    use crate::rng::Rng;
    use tch::nn::{OptimizerConfig, VarStore};

    use crate::testing::max_abs_diff;

    #[test]
    fn shapes_and_parameter_names() {
        for decoder in [Seq2SeqDecoder::Repeat, Seq2SeqDecoder::Autoregressive] {
            let vs = VarStore::new(Device::Cpu);
            let mut c = Seq2SeqConfig::new(3, 8, 5, 2);
            c.layers = 2;
            c.decoder = decoder;
            let m = c.init(&vs.root()).unwrap();
            let xs = Tensor::randn([4, 7, 3], (Kind::Float, Device::Cpu));
            assert_eq!(m.predict(&xs, None).size(), vec![4, 5, 2]);
            assert_eq!(m.forward_t(&xs, None, true).size(), vec![4, 5, 2]);
            let vars = vs.variables();
            let mut names: Vec<String> = vars.keys().cloned().collect();
            names.sort();
            let mut expected = vec!["proj.bias".to_string(), "proj.weight".to_string()];
            for part in ["encoder", "decoder"] {
                for k in 0..2 {
                    for w in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] {
                        expected.push(format!("{part}.{w}_l{k}"));
                    }
                }
            }
            expected.sort();
            assert_eq!(names, expected);
            assert_eq!(vars["encoder.weight_ih_l0"].size(), vec![32, 3]);
            assert_eq!(vars["encoder.weight_ih_l1"].size(), vec![32, 8]);
            let decoder_in = if decoder == Seq2SeqDecoder::Repeat {
                8
            } else {
                2
            };
            assert_eq!(vars["decoder.weight_ih_l0"].size(), vec![32, decoder_in]);
            assert_eq!(vars["proj.weight"].size(), vec![2, 8]);
        }
    }

    /// The fused op with PyTorch's gate order (i, f, g, o) on a hand-computable one-unit LSTM.
    #[test]
    fn lstm_matches_hand_computation() {
        let vs = VarStore::new(Device::Cpu);
        let lstm = Lstm::new(&vs.root(), 1, 1, 1, 0.0).unwrap();
        tch::no_grad(|| {
            lstm.weights[0]
                .shallow_clone()
                .copy_(&Tensor::from_slice(&[0.5f32, -0.5, 1.0, 2.0]).view([4, 1]));
            let _ = lstm.weights[1].shallow_clone().zero_();
            let _ = lstm.weights[2].shallow_clone().zero_();
            let _ = lstm.weights[3].shallow_clone().zero_();
        });
        let (out, h, c) = lstm
            .run(&Tensor::from_slice(&[1.0f32]).view([1, 1, 1]), None, false)
            .unwrap();
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        let c_hand = sig(0.5) * 1f64.tanh(); // c0 = 0, so the forget gate does not matter.
        let h_hand = sig(2.0) * c_hand.tanh();
        assert!((c.double_value(&[0, 0, 0]) - c_hand).abs() < 1e-6);
        assert!((h.double_value(&[0, 0, 0]) - h_hand).abs() < 1e-6);
        assert!((out.double_value(&[0, 0, 0]) - h_hand).abs() < 1e-6);
    }

    #[test]
    fn padding_does_not_change_the_forecast() {
        tch::manual_seed(3);
        for decoder in [Seq2SeqDecoder::Repeat, Seq2SeqDecoder::Autoregressive] {
            let vs = VarStore::new(Device::Cpu);
            let mut c = Seq2SeqConfig::new(2, 6, 3, 1);
            c.layers = 2;
            c.decoder = decoder;
            c.target_features = vec![1];
            let m = c.init(&vs.root()).unwrap();
            let short = Tensor::randn([1, 4, 2], (Kind::Float, Device::Cpu));
            let long = Tensor::randn([1, 7, 2], (Kind::Float, Device::Cpu));
            let pad = Tensor::full([1, 3, 2], 9.0, (Kind::Float, Device::Cpu));
            // The short sequence first, so the packed path has to reorder the batch.
            let batch = Tensor::cat(&[&Tensor::cat(&[&short, &pad], 1), &long], 0);
            let mask =
                Tensor::from_slice(&[1i64, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]).view([2, 7]);
            let y = m.predict(&batch, Some(&mask));
            assert!(
                max_abs_diff(&y.get(0), &m.predict(&short, None).get(0)) < 1e-5,
                "{decoder:?}"
            );
            assert!(
                max_abs_diff(&y.get(1), &m.predict(&long, None).get(0)) < 1e-5,
                "{decoder:?}"
            );
            // Without the mask the padding does change the forecast (the test can fail).
            assert!(max_abs_diff(&m.predict(&batch, None).get(0), &y.get(0)) > 1e-4);
        }
    }

    #[test]
    fn autoregressive_starts_from_the_last_observed_target() {
        // With the encoder blind to its inputs (zero input weights), the forecast depends on
        // the window only through the decoder's start value: the last observed target
        // (feature 0), not feature 1.
        let vs = VarStore::new(Device::Cpu);
        let mut c = Seq2SeqConfig::new(2, 4, 2, 1);
        c.decoder = Seq2SeqDecoder::Autoregressive;
        c.target_features = vec![0];
        let m = c.init(&vs.root()).unwrap();
        tch::no_grad(|| {
            let _ = vs.variables()["encoder.weight_ih_l0"]
                .shallow_clone()
                .zero_();
        });
        let xs = Tensor::randn([1, 3, 2], (Kind::Float, Device::Cpu));
        let other_target = xs.copy();
        let _ = other_target.get(0).get(2).get(0).fill_(5.0);
        let other_feature = xs.copy();
        let _ = other_feature.get(0).get(2).get(1).fill_(5.0);
        let y = m.predict(&xs, None);
        assert!(max_abs_diff(&m.predict(&other_target, None), &y) > 1e-4);
        assert!(max_abs_diff(&m.predict(&other_feature, None), &y) < 1e-7);
    }

    #[test]
    fn invalid_inputs_and_configs_are_errors() {
        let vs = VarStore::new(Device::Cpu);
        let m = Seq2SeqConfig::new(2, 4, 3, 1).init(&vs.root()).unwrap();
        let xs = Tensor::randn([2, 4, 2], (Kind::Float, Device::Cpu));
        assert!(m.try_forward(&xs, None, false).is_ok());
        assert!(m
            .try_forward(
                &Tensor::randn([2, 4, 3], (Kind::Float, Device::Cpu)),
                None,
                false
            )
            .is_err());
        assert!(m
            .try_forward(
                &Tensor::randn([2, 0, 2], (Kind::Float, Device::Cpu)),
                None,
                false
            )
            .is_err());
        let holes = Tensor::from_slice(&[1i64, 0, 1, 1, 1, 1, 1, 1]).view([2, 4]);
        assert!(m.try_forward(&xs, Some(&holes), false).is_err());
        let empty = Tensor::from_slice(&[0i64, 0, 0, 0, 1, 1, 1, 1]).view([2, 4]);
        assert!(m.try_forward(&xs, Some(&empty), false).is_err());
        assert!(m
            .try_forward(
                &xs,
                Some(&Tensor::ones([2, 3], (Kind::Bool, Device::Cpu))),
                false
            )
            .is_err());

        let root = vs.root();
        assert!(Seq2SeqConfig::new(0, 4, 3, 1).init(&root).is_err());
        assert!(Seq2SeqConfig::new(2, 4, 0, 1).init(&root).is_err());
        let mut c = Seq2SeqConfig::new(2, 4, 3, 1);
        c.target_features = vec![2];
        assert!(c.validate().is_err());
        c.target_features = vec![0, 1];
        assert!(c.validate().is_err());
        c.target_features = vec![1];
        assert!(c.validate().is_ok());
        c.dropout = -0.1;
        assert!(c.validate().is_err());
        let json = r#"{"hidden": 8, "decoder": "autoregressive"}"#;
        let parsed: Seq2SeqConfig = serde_json::from_str(json).unwrap();
        assert_eq!(parsed.decoder, Seq2SeqDecoder::Autoregressive);
        assert_eq!(parsed.horizon, 1);
    }

    /// Windows of `sin(0.4 t + phase)`: 12 observed steps, the next 4 as targets.
    fn sine_windows(rng: &mut Rng, n: usize) -> (Tensor, Tensor) {
        let (t_in, t_out) = (12usize, 4usize);
        let mut x = Vec::with_capacity(n * t_in);
        let mut y = Vec::with_capacity(n * t_out);
        for _ in 0..n {
            let phase = rng.uniform() * std::f64::consts::TAU;
            for t in 0..t_in + t_out {
                let v = (0.4 * t as f64 + phase).sin() as f32;
                if t < t_in {
                    x.push(v);
                } else {
                    y.push(v);
                }
            }
        }
        (
            Tensor::from_slice(&x).view([n as i64, t_in as i64, 1]),
            Tensor::from_slice(&y).view([n as i64, t_out as i64, 1]),
        )
    }

    /// Both decoders learn to continue a sine wave: held-out MSE < 0.002 (the series' variance
    /// is 0.5; about 1.5e-4 is reached) after 120 full-batch Adam steps.
    #[test]
    fn learns_a_sine_continuation() {
        let mut rng = Rng::new(11);
        let (x_train, y_train) = sine_windows(&mut rng, 64);
        let (x_test, y_test) = sine_windows(&mut rng, 32);
        for decoder in [Seq2SeqDecoder::Repeat, Seq2SeqDecoder::Autoregressive] {
            tch::manual_seed(0);
            let vs = VarStore::new(Device::Cpu);
            let mut c = Seq2SeqConfig::new(1, 16, 4, 1);
            c.decoder = decoder;
            c.target_features = vec![0];
            let m = c.init(&vs.root()).unwrap();
            let mut opt = nn::Adam::default().build(&vs, 0.02).unwrap();
            let before = m
                .predict(&x_test, None)
                .mse_loss(&y_test, tch::Reduction::Mean)
                .double_value(&[]);
            for _ in 0..120 {
                let loss = m
                    .forward_t(&x_train, None, true)
                    .mse_loss(&y_train, tch::Reduction::Mean);
                opt.backward_step(&loss);
            }
            let after = m
                .predict(&x_test, None)
                .mse_loss(&y_test, tch::Reduction::Mean)
                .double_value(&[]);
            assert!(
                after < 0.002,
                "{decoder:?}: test MSE {after} (before training {before})"
            );
            assert!(before > 0.1, "{decoder:?}: untrained MSE {before}");
        }
    }
}
