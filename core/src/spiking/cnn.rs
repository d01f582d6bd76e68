//! A spiking convolutional network: blocks of 3×3 convolution → LIF → 2×2 average pooling, then
//! spiking fully connected layers and a linear readout, trained by BPTT like
//! [`super::mlp::SpikingMlp`] (each layer runs over all `T` steps at once; under direct encoding
//! the first convolution is computed once). The layout follows HLOP's spiking CNN for split
//! CIFAR/MNIST-style tasks (conv–LIF–pool blocks and an FC head; Xiao et al., ICLR 2024), at a
//! size a CPU trains.
//!
//! Parameters: `blocks.{i}.weight|bias`, `fc.{j}.weight|bias`, `out.weight|bias` (and
//! `lif.*.beta_logit` when β is learnable). Capture points: `input` (the time-averaged input
//! image), `blocks.{i}` (each block's pooled firing rate `[B, C, H, W]`) and `fc.{j}` (rates).

use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

use super::encode::Encoding;
use super::hlop::{HlopLayer, LayerKind};
use super::neuron::{Lif, LifConfig};
use crate::nn::capture::{name_of, tap};
use crate::nn::init::{linear, LinearInit};
use crate::nn::Forward;
use crate::{ensure_config, ensure_input, Result};

/// Spiking CNN configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpikingCnnConfig {
    /// Input channels.
    pub channels: i64,
    /// Input height = width.
    pub size: i64,
    /// Output channels of each conv block (each halves the spatial size).
    pub blocks: Vec<i64>,
    /// Spiking fully connected widths after the blocks.
    pub fc: Vec<i64>,
    pub output: i64,
    pub steps: usize,
    pub encoding: Encoding,
    pub neuron: LifConfig,
}

impl Default for SpikingCnnConfig {
    /// MNIST-sized: 1×28×28 → 32 → 64 channels → FC 256 → 10, T = 6.
    fn default() -> Self {
        SpikingCnnConfig {
            channels: 1,
            size: 28,
            blocks: vec![32, 64],
            fc: vec![256],
            output: 10,
            steps: 6,
            encoding: Encoding::Direct,
            neuron: LifConfig::default(),
        }
    }
}

impl SpikingCnnConfig {
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.channels > 0 && self.size > 0 && self.output > 0,
            "spiking cnn: channels, size and output must be > 0"
        );
        ensure_config!(
            !self.blocks.is_empty() && self.blocks.iter().chain(&self.fc).all(|&c| c > 0),
            "spiking cnn: needs at least one conv block; all widths > 0, got {:?} and {:?}",
            self.blocks,
            self.fc
        );
        ensure_config!(
            self.size >> self.blocks.len() > 0,
            "spiking cnn: {} blocks halve a {}-pixel input to nothing",
            self.blocks.len(),
            self.size
        );
        ensure_config!(
            self.steps > 0 && self.steps <= 10_000,
            "spiking cnn: steps must be in 1..=10000"
        );
        self.encoding.validate()?;
        self.neuron.validate()
    }

    pub fn init(&self, path: &nn::Path) -> Result<SpikingCnn> {
        self.validate()?;
        let mut convs = Vec::new();
        let mut lifs = Vec::new();
        let mut names = Vec::new();
        let mut c = self.channels;
        let conv_cfg = nn::ConvConfig {
            padding: 1,
            ..Default::default()
        };
        for (i, &o) in self.blocks.iter().enumerate() {
            let p = path / "blocks" / i;
            convs.push(nn::conv2d(&p, c, o, 3, conv_cfg));
            lifs.push(self.neuron.init(&(path / "lif" / i), o)?);
            names.push(name_of(&p));
            c = o;
        }
        let mut d = c * (self.size >> self.blocks.len()).pow(2);
        let mut fcs = Vec::new();
        for (j, &h) in self.fc.iter().enumerate() {
            let p = path / "fc" / j;
            fcs.push(linear(&p, d, h, LinearInit::Torch)?);
            lifs.push(
                self.neuron
                    .init(&(path / "lif" / (self.blocks.len() + j)), h)?,
            );
            names.push(name_of(&p));
            d = h;
        }
        let out = linear(&(path / "out"), d, self.output, LinearInit::Torch)?;
        Ok(SpikingCnn {
            convs,
            fcs,
            lifs,
            out,
            names,
            input_name: name_of(&(path / "input")),
            out_name: name_of(&(path / "out")),
            config: self.clone(),
        })
    }
}

/// A spiking CNN; see [`SpikingCnnConfig`].
#[derive(Debug)]
pub struct SpikingCnn {
    convs: Vec<nn::Conv2D>,
    fcs: Vec<nn::Linear>,
    lifs: Vec<Lif>,
    out: nn::Linear,
    names: Vec<String>,
    input_name: String,
    out_name: String,
    config: SpikingCnnConfig,
}

/// Run `lif` over the `[T, B, …]` currents; returns the `[T, B, …]` spikes.
fn spike_over_time(lif: &Lif, cur: &Tensor) -> Result<Tensor> {
    let mut state = lif.zero_state(&cur.get(0));
    let outs = (0..cur.size()[0])
        .map(|t| lif.step(&cur.get(t), &mut state))
        .collect::<Result<Vec<_>>>()?;
    Ok(Tensor::f_stack(&outs, 0)?)
}

impl SpikingCnn {
    pub fn config(&self) -> &SpikingCnnConfig {
        &self.config
    }

    /// HLOP layers of every weight (convolutions with their stride and padding, then the linear
    /// layers), each reading its input's capture point.
    pub fn hlop_layers(&self) -> Vec<HlopLayer> {
        let mut v = Vec::new();
        let mut input = self.input_name.clone();
        for (i, n) in self.names.iter().enumerate() {
            let kind = if i < self.convs.len() {
                LayerKind::Conv2d {
                    stride: 1,
                    padding: 1,
                }
            } else {
                LayerKind::Linear
            };
            v.push(HlopLayer {
                weight: format!("{n}.weight"),
                input,
                kind,
            });
            input = n.clone();
        }
        v.push(HlopLayer::linear(
            format!("{}.weight", self.out_name),
            input,
        ));
        v
    }
}

impl Forward for SpikingCnn {
    /// # Shapes
    /// * `xs`: `[B, channels, size, size]`
    /// * returns logits `[B, output]`
    fn try_forward_t(&self, xs: &Tensor, _mask: Option<&Tensor>, _train: bool) -> Result<Tensor> {
        let c = &self.config;
        ensure_input!(
            xs.dim() == 4 && xs.size()[1..] == [c.channels, c.size, c.size],
            "spiking cnn: expected [B, {}, {}, {}] images, got {:?}",
            c.channels,
            c.size,
            c.size,
            xs.size()
        );
        let x = xs.to_kind(Kind::Float);
        let (t, b) = (c.steps as i64, x.size()[0]);
        let first = &self.convs[0];
        let mut cur = if c.encoding.is_constant() {
            let _ = tap(&self.input_name, x.shallow_clone());
            let z = x.apply(first);
            let mut shape = vec![t];
            shape.extend(z.size());
            z.unsqueeze(0).expand(&shape, false)
        } else {
            let seq = c.encoding.encode(&x, c.steps)?;
            let _ = tap(&self.input_name, seq.mean_dim(0, false, Kind::Float));
            seq.flatten(0, 1).apply(first).unflatten(0, [t, b])
        };
        for (i, lif) in self.lifs.iter().enumerate() {
            let s = spike_over_time(lif, &cur)?;
            let s = if i < self.convs.len() {
                s.flatten(0, 1)
                    .avg_pool2d([2, 2], [2, 2], [0, 0], false, true, None::<i64>)
                    .unflatten(0, [t, b])
            } else {
                s
            };
            let _ = tap(&self.names[i], s.mean_dim(0, false, Kind::Float));
            cur = if let Some(conv) = self.convs.get(i + 1) {
                s.flatten(0, 1).apply(conv).unflatten(0, [t, b])
            } else {
                let flat = if i < self.convs.len() {
                    s.flatten(2, -1)
                } else {
                    s
                };
                match self.fcs.get(i + 1 - self.convs.len()) {
                    Some(fc) => flat.f_linear(&fc.ws, fc.bs.as_ref())?,
                    None => flat,
                }
            };
        }
        Ok(cur
            .mean_dim(0, false, Kind::Float)
            .f_linear(&self.out.ws, self.out.bs.as_ref())?)
    }
}
