//! The four compared architectures at (approximately) equal parameter counts: Mamba (the
//! reference size), and a GRU, an LSTM and a Transformer encoder whose width is chosen so that
//! their parameter count is the closest to Mamba's.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::Device;

use crate::models::save_model;
use crate::nn::rnn::{Cell, Pooling, RnnConfig, SequenceClassifierConfig};
use crate::nn::ssm::MambaConfig;
use crate::nn::transformer::{self, TransformerEncoderConfig};
use crate::nn::Forward;
use crate::{ensure_config, Result};

/// An architecture of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    Mamba,
    Gru,
    Lstm,
    Transformer,
}

impl Arch {
    /// Every architecture, Mamba first.
    pub const ALL: [Arch; 4] = [Arch::Mamba, Arch::Gru, Arch::Lstm, Arch::Transformer];

    /// The name in tables and plots.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Mamba => "mamba",
            Arch::Gru => "gru",
            Arch::Lstm => "lstm",
            Arch::Transformer => "transformer",
        }
    }
}

/// The sizes: Mamba's explicitly, the baselines' matched to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelSizes {
    /// Mamba's width.
    pub d_model: i64,
    /// Mamba blocks and Transformer layers.
    pub layers: i64,
    /// Mamba's state size (paper: 16; 8 here by default, for the CPU budget).
    pub d_state: i64,
    /// Chunk length of Mamba's parallel scan.
    pub chunk: i64,
    /// Transformer heads (its width is searched over multiples of this).
    pub heads: i64,
    /// GRU and LSTM layers.
    pub rnn_layers: i64,
}

impl Default for ModelSizes {
    fn default() -> Self {
        ModelSizes {
            d_model: 16,
            layers: 2,
            d_state: 8,
            chunk: 16,
            heads: 4,
            rnn_layers: 1,
        }
    }
}

impl ModelSizes {
    /// Check the sizes.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.d_model > 0
                && self.layers > 0
                && self.d_state > 0
                && self.heads > 0
                && self.rnn_layers > 0,
            "mamba: model sizes must be > 0"
        );
        crate::nn::ssm::scan::check_chunk(self.chunk)
    }
}

/// A built-able config of one architecture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ArchConfig {
    Mamba(MambaConfig),
    Rnn(SequenceClassifierConfig),
    Transformer(TransformerEncoderConfig),
}

impl ArchConfig {
    /// Build under the root of `vs`.
    pub fn build(&self, vs: &VarStore) -> Result<Box<dyn Forward>> {
        let p = vs.root();
        Ok(match self {
            ArchConfig::Mamba(c) => Box::new(c.init(&p)?),
            ArchConfig::Rnn(c) => Box::new(c.init(&p)?),
            ArchConfig::Transformer(c) => Box::new(c.init(&p)?),
        })
    }

    /// Save the trained model into the checkpoint folder `dir` through the model registry.
    pub fn save(&self, dir: &Path, vs: &VarStore, metrics: &serde_json::Value) -> Result<()> {
        match self {
            ArchConfig::Mamba(c) => save_model(dir, vs, c, Some(metrics)),
            ArchConfig::Rnn(c) => save_model(dir, vs, c, Some(metrics)),
            ArchConfig::Transformer(c) => save_model(dir, vs, c, Some(metrics)),
        }
    }

    /// Trainable parameters (built once on the CPU).
    pub fn params(&self) -> Result<i64> {
        let vs = VarStore::new(Device::Cpu);
        let _m = self.build(&vs)?;
        Ok(vs
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum())
    }
}

fn mamba(s: &ModelSizes, input: i64, output: i64) -> ArchConfig {
    let mut c = MambaConfig::new(input, s.d_model, s.layers, Some(output));
    c.block.d_state = s.d_state;
    c.block.chunk = s.chunk;
    ArchConfig::Mamba(c)
}

fn rnn(cell: Cell, s: &ModelSizes, input: i64, output: i64, hidden: i64) -> ArchConfig {
    ArchConfig::Rnn(SequenceClassifierConfig {
        rnn: RnnConfig {
            layers: s.rnn_layers,
            ..RnnConfig::new(cell, input, hidden, false)
        },
        pooling: Pooling::Last,
        output,
        ..Default::default()
    })
}

fn encoder(s: &ModelSizes, input: i64, output: i64, width: i64, max_len: i64) -> ArchConfig {
    ArchConfig::Transformer(TransformerEncoderConfig {
        dropout: 0.0,
        norm_first: true,
        max_len,
        pooling: transformer::Pooling::Mean,
        ..TransformerEncoderConfig::new(Some(input), width, s.heads, s.layers, Some(output))
    })
}

/// The config of `arch` for `input` features per step, `output` outputs and sequences of up to
/// `max_len` steps; a baseline's width is the one (of 4 … 256) whose parameter count is the
/// closest to Mamba's.
pub fn config(
    arch: Arch,
    s: &ModelSizes,
    input: i64,
    output: i64,
    max_len: i64,
) -> Result<ArchConfig> {
    let reference = mamba(s, input, output);
    if arch == Arch::Mamba {
        return Ok(reference);
    }
    let target = reference.params()?;
    let make = |w: i64| match arch {
        Arch::Gru => rnn(Cell::Gru, s, input, output, w),
        Arch::Lstm => rnn(Cell::Lstm, s, input, output, w),
        _ => encoder(s, input, output, w, max_len),
    };
    let step = if arch == Arch::Transformer {
        s.heads
    } else {
        1
    };
    let mut best: Option<(i64, ArchConfig)> = None;
    let mut w = step.max(4);
    while w <= 256 {
        let c = make(w);
        let gap = (c.params()? - target).abs();
        if best.as_ref().is_none_or(|(g, _)| gap < *g) {
            best = Some((gap, c));
        }
        w += step;
    }
    best.map(|(_, c)| c)
        .ok_or_else(|| crate::Error::config("mamba: no baseline width"))
}
