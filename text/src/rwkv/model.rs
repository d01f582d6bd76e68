//! The RWKV language model and its spiking variant: embedding (binary in SpikeGPT) → layer
//! norm → blocks → layer norm → linear head, with a parallel form over whole sequences
//! ([`RwkvLm::logits_with`], training and evaluation) and a recurrent form one token at a time
//! ([`RwkvLm::step`], generation). Each block is
//!
//! ```text
//! x = x + SN(TimeMix(LN₁(x)))      x = x + SN(ChannelMix(LN₂(x)))      x = dropout(x)
//! ```
//!
//! where `SN` is a layer of LIF neurons along the tokens in SpikeGPT (official `Block`: `lif1`,
//! `lif2`) and the identity in the non-spiking twin (plain RWKV). The twin has exactly the same
//! parameters (the neurons have none).

use tch::nn::{self, Module};
use tch::{Kind, Tensor};

use deepfield_core::profile::counter;
use deepfield_core::spiking::LifState;

use super::config::RwkvConfig;
use super::mix::{ChannelMix, ChannelMixState, TimeMix, TimeMixState};
use super::spike::{linear, Activity, SpikeLayer};
use crate::{Error, Result};

/// One block (time mixing, channel mixing, their norms and neurons).
#[derive(Debug)]
pub struct Block {
    ln1: nn::LayerNorm,
    ln2: nn::LayerNorm,
    att: TimeMix,
    ffn: ChannelMix,
    att_spikes: Option<SpikeLayer>,
    ffn_spikes: Option<SpikeLayer>,
}

/// The recurrent state of one block.
#[derive(Debug)]
pub struct BlockState {
    pub att: TimeMixState,
    pub ffn: ChannelMixState,
    pub att_lif: Option<LifState>,
    pub ffn_lif: Option<LifState>,
}

fn layer_norm(path: nn::Path, c: i64) -> nn::LayerNorm {
    nn::layer_norm(path, vec![c], Default::default())
}

impl Block {
    fn new(path: &nn::Path, config: &RwkvConfig, layer: i64) -> Result<Self> {
        let c = config.n_embd;
        let name = deepfield_core::nn::capture::name_of(path);
        let neurons = |what: &str| -> Result<Option<SpikeLayer>> {
            config
                .spiking
                .as_ref()
                .map(|s| SpikeLayer::new(s, &(path / what), c, format!("{name}.{what}")))
                .transpose()
        };
        Ok(Block {
            ln1: layer_norm(path / "ln1", c),
            ln2: layer_norm(path / "ln2", c),
            att: TimeMix::new(&(path / "att"), config, layer)?,
            ffn: ChannelMix::new(&(path / "ffn"), config, layer)?,
            att_spikes: neurons("lif1")?,
            ffn_spikes: neurons("lif2")?,
        })
    }

    fn fire(
        layer: &Option<SpikeLayer>,
        y: Tensor,
        state: &mut Option<LifState>,
        rec: &mut Option<&mut Activity>,
    ) -> Result<Tensor> {
        match layer {
            Some(s) => s.seq(&y, state, rec),
            None => Ok(y),
        }
    }

    fn seq(&self, x: &Tensor, rec: &mut Option<&mut Activity>) -> Result<Tensor> {
        let y = self.att.seq(&self.ln1.forward(x), rec)?;
        let x = x + Self::fire(&self.att_spikes, y, &mut None, rec)?;
        let y = self.ffn.seq(&self.ln2.forward(&x), rec)?;
        Ok(&x + Self::fire(&self.ffn_spikes, y, &mut None, rec)?)
    }

    fn step(
        &self,
        x: &Tensor,
        state: &mut BlockState,
        rec: &mut Option<&mut Activity>,
    ) -> Result<Tensor> {
        let y = self.att.step(&self.ln1.forward(x), &mut state.att, rec)?;
        let s = Self::fire(&self.att_spikes, y.unsqueeze(1), &mut state.att_lif, rec)?;
        let x = x + s.squeeze_dim(1);
        let y = self.ffn.step(&self.ln2.forward(&x), &mut state.ffn, rec)?;
        let s = Self::fire(&self.ffn_spikes, y.unsqueeze(1), &mut state.ffn_lif, rec)?;
        Ok(x + s.squeeze_dim(1))
    }
}

/// The recurrent state of a whole model: one [`BlockState`] per block.
#[derive(Debug)]
pub struct RwkvState {
    pub blocks: Vec<BlockState>,
}

/// An RWKV language model, spiking (SpikeGPT) or not; see the [module docs](self).
#[derive(Debug)]
pub struct RwkvLm {
    config: RwkvConfig,
    emb: Tensor,
    ln0: nn::LayerNorm,
    blocks: Vec<Block>,
    ln_out: nn::LayerNorm,
    head: Tensor,
}

impl RwkvLm {
    /// Build under `path`: `emb.weight`, `ln0`, `blocks.{i}.…`, `ln_out`, `head.weight`.
    pub fn new(path: &nn::Path, config: &RwkvConfig) -> Result<Self> {
        config.validate()?;
        let (v, c) = (config.vocab_size, config.n_embd);
        let blocks = (0..config.n_layer)
            .map(|i| Block::new(&(path / "blocks" / i), config, i))
            .collect::<Result<Vec<_>>>()?;
        Ok(RwkvLm {
            emb: (path / "emb").f_var(
                "weight",
                &[v, c],
                nn::Init::Randn {
                    mean: 0.0,
                    stdev: 1.0,
                },
            )?,
            ln0: layer_norm(path / "ln0", c),
            blocks,
            ln_out: layer_norm(path / "ln_out", c),
            head: (path / "head").f_var(
                "weight",
                &[v, c],
                deepfield_core::nn::torch_linear_init(c),
            )?,
            config: config.clone(),
        })
    }

    /// The model's configuration.
    pub fn config(&self) -> &RwkvConfig {
        &self.config
    }

    /// The device of the parameters.
    pub fn device(&self) -> tch::Device {
        self.head.device()
    }

    /// Whether this is the spiking variant.
    pub fn spiking(&self) -> bool {
        self.config.spiking.is_some()
    }

    fn check_ids(&self, ids: &Tensor) -> Result<()> {
        if ids.kind() != Kind::Int64 || ids.numel() == 0 {
            return Err(Error::input(format!(
                "rwkv: expected non-empty int64 token ids, got {:?} of {:?}",
                ids.size(),
                ids.kind()
            )));
        }
        let lo = ids.min().int64_value(&[]);
        let hi = ids.max().int64_value(&[]);
        if lo < 0 || hi >= self.config.vocab_size {
            return Err(Error::input(format!(
                "rwkv: token ids must be in 0..{}, got {lo}..={hi}",
                self.config.vocab_size
            )));
        }
        Ok(())
    }

    /// Embedding (binarised in SpikeGPT) and the first layer norm.
    fn embed(&self, ids: &Tensor) -> Tensor {
        let e = Tensor::embedding(&self.emb, ids, -1, false, false);
        counter::embedding("emb", ids, &self.emb, &e);
        let e = match &self.config.spiking {
            Some(s) if s.binary_embedding => s.surrogate().spike(&e),
            _ => e,
        };
        self.ln0.forward(&e)
    }

    fn head(&self, x: &Tensor, rec: &mut Option<&mut Activity>) -> Result<Tensor> {
        linear("head", &self.head, &self.ln_out.forward(x), false, rec)
    }

    /// Logits `[B, T, V]` of the ids `[B, T]` in the parallel form (from a zero state),
    /// counting spikes and operations into `rec` when given.
    pub fn logits_with(
        &self,
        ids: &Tensor,
        train: bool,
        mut rec: Option<&mut Activity>,
    ) -> Result<Tensor> {
        if ids.dim() != 2 {
            return Err(Error::input(format!(
                "rwkv: expected token ids [B, T], got {:?}",
                ids.size()
            )));
        }
        self.check_ids(ids)?;
        if let Some(r) = rec.as_deref_mut() {
            r.tokens += ids.numel() as f64;
        }
        let mut x = self.embed(ids);
        for b in &self.blocks {
            x = b.seq(&x, &mut rec)?.dropout(self.config.dropout, train);
        }
        self.head(&x, &mut rec)
    }

    /// The state before the first token, for a batch of `batch` sequences.
    pub fn zero_state(&self, batch: i64) -> RwkvState {
        RwkvState {
            blocks: self
                .blocks
                .iter()
                .map(|b| BlockState {
                    att: b.att.zero_state(batch),
                    ffn: b.ffn.zero_state(batch),
                    att_lif: None,
                    ffn_lif: None,
                })
                .collect(),
        }
    }

    /// The recurrent form: logits `[B, V]` of the next token after the ids `[B]`, advancing
    /// `state` by one token (evaluation mode).
    pub fn step(
        &self,
        ids: &Tensor,
        state: &mut RwkvState,
        mut rec: Option<&mut Activity>,
    ) -> Result<Tensor> {
        if ids.dim() != 1 || state.blocks.len() != self.blocks.len() {
            return Err(Error::input(format!(
                "rwkv step: expected ids [B] and a state of {} blocks, got {:?} and {}",
                self.blocks.len(),
                ids.size(),
                state.blocks.len()
            )));
        }
        self.check_ids(ids)?;
        if let Some(r) = rec.as_deref_mut() {
            r.tokens += ids.numel() as f64;
        }
        let mut x = self.embed(ids);
        for (b, s) in self.blocks.iter().zip(state.blocks.iter_mut()) {
            x = b.step(&x, s, &mut rec)?;
        }
        self.head(&x, &mut rec)
    }
}

impl deepfield_core::Forward for RwkvLm {
    /// Logits `[B, T, V]` of token ids `[B, T]` (the parallel form).
    fn try_forward_t(
        &self,
        xs: &Tensor,
        _mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        Ok(self.logits_with(xs, train, None)?)
    }
}
