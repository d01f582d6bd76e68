//! The Deep SNP network: a 1-D CNN over the LRR/BAF channels, an attention unit over the CNN's
//! positions, and a linear classifier of the attention-pooled features.
//!
//! Paper: Hamid Eghbal-zadeh, Lukas Fischer, Niko Popitsch, Florian Kromp, Sabine Taschner-Mandl,
//! Khaled Koutini, Teresa Gerber, Eva Bozsaky, Peter F. Ambros, Inge M. Ambros, Gerhard Widmer,
//! Bernhard A. Moser, "Deep SNP: An End-to-end Deep Neural Network with Attention-based
//! Localization for Break-point Detection in SNP Array Genomic data" (2018). The network is trained
//! only on window labels (breakpoint or not); the attention weights over positions, read at test
//! time, localise the breakpoint — no coordinates are used in training.
//!
//! Built from core pieces: [`ConvStack`] (conv → batch norm → ReLU → max-pool blocks) and
//! [`AttentionPooling`] (additive attention, Bahdanau et al. 2015). Parameters: `cnn.blocks.*`,
//! `attention.proj|score.*`, `head.weight|bias`.
//!
//! Capture points ([`deepfield_core::nn::capture`]): the conv blocks' feature maps
//! `cnn.blocks.{i}` `[B, C, T]`, the attention-pooled features `attention` `[B, C]`, the attention
//! weights `attention.weights` `[B, T]` (what localises a breakpoint) and the logits `head`.

use deepfield_core::nn::attention::{AttentionPooling, AttentionPoolingConfig};
use deepfield_core::nn::capture::{child, name_of, tap};
use deepfield_core::nn::cnn::{ConvBlockConfig, ConvStack, ConvStackConfig, PoolConfig};
use deepfield_core::nn::init::{linear, LinearInit};
use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use crate::{Error, Result};

/// Deep SNP configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeepSnpConfig {
    /// Convolution blocks over `[B, 2, L]` (LRR, BAF).
    pub cnn: ConvStackConfig,
    /// Width of the attention projection.
    pub attention_hidden: i64,
    /// Dropout on the pooled features.
    pub dropout: f64,
    /// Initialisation of the attention's and the head's linear layers (default: PyTorch's
    /// `nn.Linear`).
    pub init: LinearInit,
}

impl Default for DeepSnpConfig {
    /// Four blocks (16-32-32-32 filters), a stride-4 first convolution and max-pools 4·4·2: one
    /// attention position per 128 probes, receptive field ≈ 1,300 probes.
    fn default() -> Self {
        let mut b1 = ConvBlockConfig::new(16, 16)
            .with_batch_norm(true)
            .with_pool(PoolConfig::max(4));
        b1.stride = 4;
        DeepSnpConfig {
            cnn: ConvStackConfig {
                dims: 1,
                input: 2,
                blocks: vec![
                    b1,
                    ConvBlockConfig::new(32, 9)
                        .with_batch_norm(true)
                        .with_pool(PoolConfig::max(4)),
                    ConvBlockConfig::new(32, 9)
                        .with_batch_norm(true)
                        .with_pool(PoolConfig::max(2)),
                    ConvBlockConfig::new(32, 5).with_batch_norm(true),
                ],
            },
            attention_hidden: 32,
            dropout: 0.1,
            init: LinearInit::Torch,
        }
    }
}

impl DeepSnpConfig {
    /// The shortest window (in probes) the network takes: a shorter input shrinks below one
    /// position somewhere in the conv stack. 125 for the default network.
    pub fn min_probes(&self) -> Result<usize> {
        const LIMIT: usize = 1 << 24;
        let takes = |n: usize| self.cnn.output_shape(&[n as i64]).is_ok();
        if !takes(LIMIT) {
            return Err(Error::config(format!(
                "Deep SNP: the conv stack takes no window of up to {LIMIT} probes"
            )));
        }
        // Output sizes only grow with the input: bisect for the first size that works.
        let (mut lo, mut hi) = (0usize, LIMIT);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if takes(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<DeepSnp> {
        if self.cnn.input != 2 {
            return Err(Error::config(format!(
                "Deep SNP takes 2 input channels (LRR, BAF), got {}",
                self.cnn.input
            )));
        }
        deepfield_core::nn::check_dropout("deep snp", self.dropout)?;
        let cnn = self.cnn.init(&(path / "cnn"))?;
        let c = self.cnn.out_channels();
        let attention = AttentionPoolingConfig {
            init: self.init,
            ..AttentionPoolingConfig::new(c, self.attention_hidden)
        }
        .init(&(path / "attention"))?;
        let head = linear(&(path / "head"), c, 2, self.init)?;
        Ok(DeepSnp {
            cnn,
            attention,
            head,
            head_name: child(&name_of(path), "head"),
            config: self.clone(),
        })
    }
}

/// The Deep SNP model; see [`DeepSnpConfig`].
#[derive(Debug)]
pub struct DeepSnp {
    cnn: ConvStack,
    attention: AttentionPooling,
    head: nn::Linear,
    /// Capture name of the logits.
    head_name: String,
    config: DeepSnpConfig,
}

impl DeepSnp {
    /// The config.
    pub fn config(&self) -> &DeepSnpConfig {
        &self.config
    }

    /// Logits and attention weights.
    ///
    /// # Shapes
    /// * `xs`: `[B, 2, L]`
    /// * returns `(logits [B, 2], attention [B, T])`, `T` = the CNN's output length
    pub fn f_forward_attention(&self, xs: &Tensor, train: bool) -> Result<(Tensor, Tensor)> {
        let feats = self.cnn.f_forward_t(xs, train)?; // [B, C, T]
        let seq = feats.f_transpose(1, 2)?; // [B, T, C]
        let (pooled, weights) = self.attention.f_forward_weights(&seq, None)?;
        let pooled = deepfield_core::nn::dropout(pooled, self.config.dropout, train);
        Ok((
            tap(
                &self.head_name,
                pooled.f_linear(&self.head.ws, self.head.bs.as_ref())?,
            ),
            weights,
        ))
    }

    /// Probe index (within a window of `len` probes) of attention position `t` of `t_len`: the
    /// centre of the stretch of probes that position summarises.
    pub fn position_to_probe(t: usize, t_len: usize, len: usize) -> usize {
        (((t as f64 + 0.5) * len as f64 / t_len.max(1) as f64) as usize).min(len.saturating_sub(1))
    }
}

deepfield_core::forward_unmasked! {
    /// # Shapes
    /// `[B, 2, L]` → logits `[B, 2]`.
    DeepSnp, |m, xs, train| {
        let (logits, _weights) = m.f_forward_attention(xs, train)?;
        Ok(logits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn shapes_names_and_weights() {
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let m = DeepSnpConfig::default().init(&vs.root()).unwrap();
        let x = Tensor::randn([3, 2, 4000], (Kind::Float, Device::Cpu));
        let (logits, w) = m.f_forward_attention(&x, false).unwrap();
        assert_eq!(logits.size(), [3, 2]);
        assert_eq!(w.size(), [3, 31]);
        let s = w.sum_dim_intlist(1, false, Kind::Float);
        assert!((s - 1.0).abs().max().double_value(&[]) < 1e-5);
        let names = vs.variables();
        assert!(names.contains_key("cnn.blocks.0.conv.weight"));
        assert!(names.contains_key("attention.score.weight"));
        assert!(names.contains_key("head.weight"));
        assert!(m
            .f_forward_attention(
                &Tensor::zeros([1, 3, 4000], (Kind::Float, Device::Cpu)),
                false
            )
            .is_err());
        // Capture: conv maps, attention and logits, without changing the output.
        let cap = deepfield_core::nn::capture::Capture::all();
        let (logits2, w2) = cap.run(|| m.f_forward_attention(&x, false)).unwrap();
        assert!(logits2.equal(&logits) && w2.equal(&w));
        assert_eq!(
            cap.seen(),
            [
                "cnn.blocks.0",
                "cnn.blocks.1",
                "cnn.blocks.2",
                "cnn.blocks.3",
                "attention.weights",
                "attention",
                "head"
            ]
        );
        assert!(cap.activation("attention.weights").unwrap().equal(&w));
        assert_eq!(cap.activation("cnn.blocks.3").unwrap().size(), [3, 32, 31]);
        assert_eq!(DeepSnp::position_to_probe(0, 31, 4000), 64);
        assert_eq!(DeepSnp::position_to_probe(30, 31, 4000), 3935);
    }

    /// The documented minimum (help text, README): the default network takes 125 probes and no
    /// fewer; 124 fails in the conv stack (issue 6: chromosomes of 64–124 probes failed a file).
    #[test]
    fn min_probes_is_the_shortest_window_the_network_takes() {
        let cfg = DeepSnpConfig::default();
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let m = cfg.init(&vs.root()).unwrap();
        let run = |n: i64| {
            m.f_forward_attention(&Tensor::zeros([1, 2, n], (Kind::Float, Device::Cpu)), false)
        };
        assert_eq!(cfg.min_probes().unwrap(), 125);
        assert!(run(125).is_ok());
        let e = run(124).unwrap_err().to_string();
        assert!(e.contains("conv stack"), "{e}");
    }
}
