//! A spiking multi-layer perceptron trained by backpropagation through time with surrogate
//! gradients.
//!
//! Architecture as in snntorch's tutorial 5 (Eshraghian et al., Proc. IEEE 2023: 784-1000-10,
//! β = 0.95, T = 25) and HLOP's permuted-MNIST network (Xiao et al., ICLR 2024: two hidden
//! layers of 800): linear → LIF for every hidden layer, then a linear readout. Each layer is run
//! over all `T` steps before the next (one large matrix product per layer and a cheap
//! element-wise recurrence), which is the same computation as stepping the whole network in
//! time because the network is feed-forward. Under direct encoding the first layer's current is
//! computed once. The readout is either the mean over time of the output layer's current
//! (`mean-current`, the rate decoding of HLOP/DSR) or the mean membrane of a leaky,
//! non-spiking output integrator (`leaky-membrane`).
//!
//! Parameters: `hidden.{i}.weight|bias`, `lif.{i}.beta_logit` (learnable β only) and
//! `out.weight|bias`, like [`crate::nn::mlp::Mlp`]. Capture points ([`crate::nn::capture`]):
//! `input` (the time-averaged encoded input) and `hidden.{i}` (each hidden layer's firing rate,
//! `[B, width]`) — the input activity of every weight layer, as HLOP needs.

use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

use super::encode::Encoding;
use super::neuron::{Lif, LifConfig};
use super::stats::{EnergyProxy, LayerOps, LayerSpikes, SpikeStats};
use crate::nn::capture::{name_of, tap};
use crate::nn::init::{linear, LinearInit};
use crate::nn::Forward;
use crate::profile::counter;
use crate::{ensure_config, ensure_input, Result};

/// How the output layer's activity becomes logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Readout {
    /// Mean over time of the output current (= the linear readout of the last firing rates).
    #[default]
    MeanCurrent,
    /// Mean over time of a leaky integrator's membrane (same β as the hidden neurons, no reset).
    LeakyMembrane,
}

/// Spiking MLP configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpikingMlpConfig {
    /// Input features (images are flattened).
    pub input: i64,
    /// Widths of the spiking hidden layers.
    pub hidden: Vec<i64>,
    /// Classes.
    pub output: i64,
    /// Time steps T of every forward pass.
    pub steps: usize,
    pub encoding: Encoding,
    pub neuron: LifConfig,
    pub readout: Readout,
    pub init: LinearInit,
}

impl Default for SpikingMlpConfig {
    /// snntorch tutorial 5: 784-1000-10, β 0.95, T 25 (here with direct encoding).
    fn default() -> Self {
        SpikingMlpConfig {
            input: 784,
            hidden: vec![1000],
            output: 10,
            steps: 25,
            encoding: Encoding::Direct,
            neuron: LifConfig::default(),
            readout: Readout::MeanCurrent,
            init: LinearInit::Torch,
        }
    }
}

impl SpikingMlpConfig {
    /// Sizes and T, other fields at their defaults.
    pub fn new(input: i64, hidden: impl Into<Vec<i64>>, output: i64, steps: usize) -> Self {
        SpikingMlpConfig {
            input,
            hidden: hidden.into(),
            output,
            steps,
            ..Default::default()
        }
    }

    /// Check sizes, T, the encoding and the neurons.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.input > 0 && self.output > 0,
            "spiking mlp: input and output must be > 0, got {} and {}",
            self.input,
            self.output
        );
        ensure_config!(
            !self.hidden.is_empty() && self.hidden.iter().all(|&h| h > 0),
            "spiking mlp: needs at least one hidden layer, all > 0, got {:?}",
            self.hidden
        );
        ensure_config!(
            self.steps > 0 && self.steps <= 10_000,
            "spiking mlp: steps must be in 1..=10000, got {}",
            self.steps
        );
        self.encoding.validate()?;
        self.neuron.validate()
    }

    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<SpikingMlp> {
        self.validate()?;
        let mut layers = Vec::new();
        let mut lifs = Vec::new();
        let mut names = Vec::new();
        let mut d = self.input;
        for (i, &h) in self.hidden.iter().enumerate() {
            let p = path / "hidden" / i;
            layers.push(linear(&p, d, h, self.init)?);
            lifs.push(self.neuron.init(&(path / "lif" / i), h)?);
            names.push(name_of(&p));
            d = h;
        }
        let out = linear(&(path / "out"), d, self.output, self.init)?;
        Ok(SpikingMlp {
            layers,
            lifs,
            out,
            names,
            input_name: name_of(&(path / "input")),
            out_name: name_of(&(path / "out")),
            config: self.clone(),
        })
    }
}

/// A spiking MLP; see [`SpikingMlpConfig`].
#[derive(Debug)]
pub struct SpikingMlp {
    layers: Vec<nn::Linear>,
    lifs: Vec<Lif>,
    out: nn::Linear,
    names: Vec<String>,
    input_name: String,
    out_name: String,
    config: SpikingMlpConfig,
}

/// What one forward pass produced: logits and, per hidden layer, its spikes `[T, B, width]`.
struct Run {
    logits: Tensor,
    input_events: Option<Tensor>,
    spikes: Vec<Tensor>,
}

impl SpikingMlp {
    pub fn config(&self) -> &SpikingMlpConfig {
        &self.config
    }

    /// The LIF layers (β, time constants).
    pub fn neurons(&self) -> &[Lif] {
        &self.lifs
    }

    /// `(weight variable name, capture name of its input)` of every weight layer, in order — what
    /// [`crate::spiking::hlop::HlopLayer`]s of this model are made from.
    pub fn weight_layers(&self) -> Vec<(String, String)> {
        let mut v = Vec::new();
        let mut input = self.input_name.clone();
        for n in &self.names {
            v.push((format!("{n}.weight"), input));
            input = n.clone();
        }
        v.push((format!("{}.weight", self.out_name), input));
        v
    }

    fn flat_input(&self, xs: &Tensor) -> Result<Tensor> {
        let x = if xs.dim() > 2 {
            xs.flatten(1, -1)
        } else {
            xs.shallow_clone()
        };
        ensure_input!(
            x.dim() == 2 && x.size()[1] == self.config.input,
            "spiking mlp: expected [B, {}] inputs (or images of that many pixels), got {:?}",
            self.config.input,
            xs.size()
        );
        Ok(x.to_kind(Kind::Float))
    }

    fn run(&self, xs: &Tensor) -> Result<Run> {
        let c = &self.config;
        let x = self.flat_input(xs)?;
        let t = c.steps as i64;
        let b = x.size()[0];
        let first = &self.layers[0];
        let (mut cur, input_events) = if c.encoding.is_constant() {
            let _ = tap(&self.input_name, x.shallow_clone());
            let z = x.f_linear(&first.ws, first.bs.as_ref())?;
            counter::linear(&self.names[0], &x, &first.ws, first.bs.as_ref(), &z);
            (z.unsqueeze(0).expand([t, b, z.size()[1]], false), None)
        } else {
            let seq = c.encoding.encode(&x, c.steps)?;
            let _ = tap(&self.input_name, seq.mean_dim(0, false, Kind::Float));
            let z = seq.f_linear(&first.ws, first.bs.as_ref())?;
            counter::linear(&self.names[0], &seq, &first.ws, first.bs.as_ref(), &z);
            (z, Some(seq))
        };
        let mut spikes = Vec::with_capacity(self.lifs.len());
        for (i, lif) in self.lifs.iter().enumerate() {
            let mut state = lif.zero_state(&cur.get(0));
            let mut outs = Vec::with_capacity(c.steps);
            for step in 0..t {
                outs.push(lif.step(&cur.get(step), &mut state)?);
            }
            let s = Tensor::f_stack(&outs, 0)?;
            let _ = tap(&self.names[i], s.mean_dim(0, false, Kind::Float));
            if let Some(next) = self.layers.get(i + 1) {
                cur = s.f_linear(&next.ws, next.bs.as_ref())?;
                counter::linear(&self.names[i + 1], &s, &next.ws, next.bs.as_ref(), &cur);
            }
            spikes.push(s);
        }
        let last = spikes.last().map(Tensor::shallow_clone).unwrap_or(cur);
        let logits = match c.readout {
            Readout::MeanCurrent => {
                let m = last.mean_dim(0, false, Kind::Float);
                let y = m.f_linear(&self.out.ws, self.out.bs.as_ref())?;
                counter::linear(&self.out_name, &m, &self.out.ws, self.out.bs.as_ref(), &y);
                y
            }
            Readout::LeakyMembrane => {
                let z = last.f_linear(&self.out.ws, self.out.bs.as_ref())?;
                counter::linear(
                    &self.out_name,
                    &last,
                    &self.out.ws,
                    self.out.bs.as_ref(),
                    &z,
                );
                let mut u = z.get(0).zeros_like();
                let mut acc = u.zeros_like();
                for step in 0..t {
                    u = u * c.neuron.beta + z.get(step);
                    acc += &u;
                }
                acc / t as f64
            }
        };
        Ok(Run {
            logits,
            input_events,
            spikes,
        })
    }

    /// Logits and the spike statistics of the batch `xs` (no gradients).
    pub fn forward_stats(&self, xs: &Tensor) -> Result<(Tensor, SpikeStats)> {
        tch::no_grad(|| {
            let run = self.run(xs)?;
            let stats = self.stats(&run)?;
            Ok((run.logits, stats))
        })
    }

    fn stats(&self, run: &Run) -> Result<SpikeStats> {
        let c = &self.config;
        let t = c.steps as f64;
        let b = run.logits.size()[0].max(1) as f64;
        let mut layers = Vec::new();
        let (mut total, mut neurons) = (0.0, 0.0);
        for ((s, name), lif) in run.spikes.iter().zip(&self.names).zip(&self.lifs) {
            let sum = s.sum(Kind::Double).double_value(&[]);
            let n = lif.size() as f64;
            total += sum;
            neurons += n;
            layers.push(LayerSpikes {
                name: name.clone(),
                neurons: lif.size(),
                rate: sum / (b * t * n),
                spikes_per_sample: sum / b,
            });
        }
        let mut ops = Vec::new();
        let widths: Vec<i64> = c.hidden.iter().copied().chain([c.output]).collect();
        let mut fan_in = c.input as f64;
        for (i, &w) in widths.iter().enumerate() {
            let w = w as f64;
            let name = self.names.get(i).unwrap_or(&self.out_name).clone();
            let twin_macs = fan_in * w;
            let (sops, macs) = if i == 0 {
                match &run.input_events {
                    Some(ev) => (ev.sum(Kind::Double).double_value(&[]) / b * w, 0.0),
                    None => (0.0, t * twin_macs),
                }
            } else {
                (layers[i - 1].spikes_per_sample * w, 0.0)
            };
            ops.push(LayerOps {
                name,
                sops,
                macs,
                twin_macs,
            });
            fan_in = w;
        }
        Ok(SpikeStats {
            steps: c.steps,
            samples: b as usize,
            layers,
            network_rate: total / (b * t * neurons.max(1.0)),
            energy: EnergyProxy::new(ops),
        })
    }
}

impl Forward for SpikingMlp {
    /// # Shapes
    /// * `xs`: `[B, input]` or `[B, C, H, W]` with `C·H·W = input`
    /// * returns logits `[B, output]`
    fn try_forward_t(&self, xs: &Tensor, _mask: Option<&Tensor>, _train: bool) -> Result<Tensor> {
        Ok(self.run(xs)?.logits)
    }
}
