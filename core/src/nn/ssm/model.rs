//! A Mamba sequence model: input projection → `layers` residual blocks
//! `h ← h + MambaBlock(Norm(h))` (pre-norm, as the paper's `Block`) → final norm `norm_f` →
//! pooling over time → linear head. The backbone's names follow `mamba_ssm`'s
//! `MixerModel` (`layers.{i}.norm`, `layers.{i}.mixer.*`, `norm_f`); the token embedding is
//! replaced by a linear `input_proj` from real-valued features (pixels, series values).
//!
//! Capture points ([`crate::nn::capture`]): every block's residual output `[B, L, d_model]`
//! under `layers.{i}`, the pooled vector under `pool`, the head's output under `head`.

use serde::{Deserialize, Serialize};
use tch::nn::{self, Linear};
use tch::{Kind, Tensor};

use super::super::capture::{child, name_of, tap};
use super::super::init::{linear, LinearInit};
use super::super::{check_dropout, check_mask_rows, check_sequences, dropout, forward_by};
use super::block::{BlockState, MambaBlock, MambaBlockConfig};
use super::norm::{Norm, NormKind};
use super::scan::Scan;
use crate::{ensure_config, ensure_input, Result};

/// How per-step outputs become one vector per sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SsmPooling {
    /// The output at each sequence's last real step (the model is causal, so it has seen the
    /// whole sequence there).
    #[default]
    Last,
    /// Mean over real steps.
    Mean,
    /// No pooling: one output per step.
    None,
}

/// Mamba sequence model configuration. Defaults: two blocks of width 64 with the paper's block
/// defaults, RMSNorm (ε 1e-5), last-step pooling, a head to one output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MambaConfig {
    /// Features per time step (linearly projected to `d_model`, parameters `input_proj.*`).
    pub input: i64,
    /// Residual blocks.
    pub layers: i64,
    /// Every block's config (its `d_model` is the model width).
    pub block: MambaBlockConfig,
    /// The norm before every block and at the end.
    pub norm: NormKind,
    /// The norms' ε (paper's code: 1e-5).
    pub norm_eps: f64,
    /// Rescale every block's `out_proj` init by `1/√layers` (the paper's
    /// `rescale_prenorm_residual`).
    pub rescale_out_proj: bool,
    /// Dropout on each block's output before the residual sum (paper: none).
    pub dropout: f64,
    /// Summary over time.
    pub pooling: SsmPooling,
    /// Output features of the linear `head`; `None`: no head.
    pub output: Option<i64>,
    /// Initialisation of `input_proj` and `head`.
    pub init: LinearInit,
}

impl Default for MambaConfig {
    fn default() -> Self {
        MambaConfig {
            input: 1,
            layers: 2,
            block: MambaBlockConfig::default(),
            norm: NormKind::Rms,
            norm_eps: 1e-5,
            rescale_out_proj: true,
            dropout: 0.0,
            pooling: SsmPooling::Last,
            output: Some(1),
            init: LinearInit::Torch,
        }
    }
}

impl MambaConfig {
    /// A model with `input` features per step, width `d_model`, `layers` blocks and a head to
    /// `output` features; the paper's block defaults otherwise.
    pub fn new(input: i64, d_model: i64, layers: i64, output: Option<i64>) -> Self {
        MambaConfig {
            input,
            layers,
            block: MambaBlockConfig::new(d_model),
            output,
            ..Default::default()
        }
    }

    /// The model width.
    pub fn d_model(&self) -> i64 {
        self.block.d_model
    }

    /// Output features per sequence (or per step): `output`, or `d_model` without a head.
    pub fn output_size(&self) -> i64 {
        self.output.unwrap_or(self.block.d_model)
    }

    /// Every block's config as built (with the residual rescaling applied).
    pub fn block_config(&self) -> MambaBlockConfig {
        MambaBlockConfig {
            out_proj_scale: if self.rescale_out_proj {
                self.layers.max(1) as f64
            } else {
                1.0
            },
            ..self.block.clone()
        }
    }

    /// Check every part.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.input > 0,
            "mamba: input must be > 0, got {}",
            self.input
        );
        ensure_config!(
            self.layers > 0,
            "mamba: layers must be > 0, got {}",
            self.layers
        );
        ensure_config!(
            self.norm_eps > 0.0 && self.norm_eps.is_finite(),
            "mamba: norm_eps must be > 0, got {}",
            self.norm_eps
        );
        if let Some(o) = self.output {
            ensure_config!(
                o > 0,
                "mamba: output must be > 0 (or null for no head), got {o}"
            );
        }
        check_dropout("mamba", self.dropout)?;
        self.block_config().validate()
    }

    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<Mamba> {
        self.validate()?;
        let d = self.d_model();
        let input_proj = linear(&(path / "input_proj"), self.input, d, self.init)?;
        let bc = self.block_config();
        let lp = path / "layers";
        let mut blocks = Vec::with_capacity(self.layers as usize);
        let base = name_of(path);
        for i in 0..self.layers {
            let p = &lp / i;
            blocks.push(Layer {
                norm: Norm::new(&(&p / "norm"), self.norm, d, self.norm_eps)?,
                mixer: bc.init(&(&p / "mixer"))?,
                name: child(&base, &format!("layers.{i}")),
            });
        }
        let norm_f = Norm::new(&(path / "norm_f"), self.norm, d, self.norm_eps)?;
        let head = match self.output {
            Some(o) => Some(linear(&(path / "head"), d, o, self.init)?),
            None => None,
        };
        Ok(Mamba {
            input_proj,
            blocks,
            norm_f,
            head,
            pool_name: child(&base, "pool"),
            head_name: child(&base, "head"),
            config: self.clone(),
        })
    }
}

#[derive(Debug)]
struct Layer {
    norm: Norm,
    mixer: MambaBlock,
    name: String,
}

/// A Mamba sequence model; see [`MambaConfig`].
#[derive(Debug)]
pub struct Mamba {
    input_proj: Linear,
    blocks: Vec<Layer>,
    norm_f: Norm,
    head: Option<Linear>,
    pool_name: String,
    head_name: String,
    config: MambaConfig,
}

/// The recurrent state of a [`Mamba`] model: one [`BlockState`] per block.
#[derive(Debug)]
pub struct MambaState {
    /// Per block, in order.
    pub blocks: Vec<BlockState>,
}

impl Mamba {
    /// The config this model was built from.
    pub fn config(&self) -> &MambaConfig {
        &self.config
    }

    /// The blocks, in order.
    pub fn blocks(&self) -> impl Iterator<Item = &MambaBlock> {
        self.blocks.iter().map(|l| &l.mixer)
    }

    /// The per-step hidden states after the final norm, `[B, L, d_model]`.
    pub fn hidden(&self, xs: &Tensor, train: bool, scan: Option<Scan>) -> Result<Tensor> {
        let mut h = xs.f_linear(&self.input_proj.ws, self.input_proj.bs.as_ref())?;
        for layer in &self.blocks {
            let n = layer.norm.forward(&h)?;
            let m = match scan {
                Some(s) => layer.mixer.forward_with(&n, s)?,
                None => layer.mixer.forward(&n)?,
            };
            h = tap(
                &layer.name,
                h.f_add(&dropout(m, self.config.dropout, train))?,
            );
        }
        self.norm_f.forward(&h)
    }

    /// The forward pass, with invalid inputs reported as errors.
    ///
    /// # Shapes
    /// * `xs`: `[B, L, input]`; `mask`: `[B, L]` bool (or 0/1), true at real steps, right padding
    /// * returns `[B, output]` when pooled, `[B, L, output]` with pooling `none`
    ///   (`output` = `d_model` without a head)
    pub fn try_forward(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        self.forward_scan(xs, mask, train, None)
    }

    /// [`try_forward`](Self::try_forward) with every block's scan set to `scan` (`None`: the
    /// configured one).
    pub fn forward_scan(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
        scan: Option<Scan>,
    ) -> Result<Tensor> {
        let size = check_sequences("mamba", xs, self.config.input)?;
        let (b, l) = (size[0], size[1]);
        ensure_input!(
            b > 0 && l > 0,
            "mamba: empty batch or sequence, input {size:?}"
        );
        let mask = match mask {
            Some(m) => Some(check_mask_rows("mamba", m, b, l)?),
            None => None,
        };
        // Zero padded steps so that no padding value (even NaN) reaches the real ones.
        let xs = match &mask {
            Some((m, _)) => xs.f_masked_fill(
                &m.f_to_device(xs.device())?
                    .f_logical_not()?
                    .f_unsqueeze(-1)?,
                0.0,
            )?,
            None => xs.shallow_clone(),
        };
        let h = self.hidden(&xs, train, scan)?;
        let d = self.config.d_model();
        let pooled = match (self.config.pooling, &mask) {
            (SsmPooling::None, _) => h,
            (SsmPooling::Last, None) => h.f_select(1, l - 1)?,
            (SsmPooling::Last, Some((_, lengths))) => {
                let idx = lengths
                    .f_to_device(h.device())?
                    .f_sub_scalar(1)?
                    .f_view([b, 1, 1])?
                    .f_expand([b, 1, d], false)?;
                h.f_gather(1, &idx, false)?.f_squeeze_dim(1)?
            }
            (SsmPooling::Mean, None) => h.f_mean_dim(1, false, None::<Kind>)?,
            (SsmPooling::Mean, Some((m, _))) => {
                let w = m
                    .f_to_device(h.device())?
                    .f_to_kind(h.kind())?
                    .f_unsqueeze(-1)?;
                h.f_mul(&w)?
                    .f_sum_dim_intlist(1, false, None::<Kind>)?
                    .f_div(&w.f_sum_dim_intlist(1, false, None::<Kind>)?)?
            }
        };
        let pooled = tap(&self.pool_name, pooled);
        match &self.head {
            Some(head) => Ok(tap(
                &self.head_name,
                pooled.f_linear(&head.ws, head.bs.as_ref())?,
            )),
            None => Ok(pooled),
        }
    }

    /// A zero state (empty history) for `batch` sequences.
    pub fn zero_state(&self, batch: i64, kind: Kind) -> Result<MambaState> {
        Ok(MambaState {
            blocks: self
                .blocks
                .iter()
                .map(|l| l.mixer.zero_state(batch, kind))
                .collect::<Result<_>>()?,
        })
    }

    /// Recurrent inference, one step: the head's output for the sequence seen so far (what
    /// [`try_forward`](Self::try_forward) gives at this step with pooling `none`, or for the
    /// prefix with pooling `last`), updating `state`. Constant time and memory per step.
    ///
    /// # Shapes
    /// * `x`: `[B, input]`; `state` from [`zero_state`](Self::zero_state)
    /// * returns `[B, output]` (`d_model` without a head)
    pub fn step(&self, state: &mut MambaState, x: &Tensor) -> Result<Tensor> {
        let size = x.size();
        ensure_input!(
            size.len() == 2 && size[1] == self.config.input,
            "mamba step: expected input [B, {}], got {size:?}",
            self.config.input
        );
        ensure_input!(
            state.blocks.len() == self.blocks.len(),
            "mamba step: the state has {} blocks, the model {}",
            state.blocks.len(),
            self.blocks.len()
        );
        let mut h = x.f_linear(&self.input_proj.ws, self.input_proj.bs.as_ref())?;
        for (layer, st) in self.blocks.iter().zip(state.blocks.iter_mut()) {
            let n = layer.norm.forward(&h)?;
            h = h.f_add(&layer.mixer.step(st, &n)?)?;
        }
        let h = self.norm_f.forward(&h)?;
        match &self.head {
            Some(head) => Ok(h.f_linear(&head.ws, head.bs.as_ref())?),
            None => Ok(h),
        }
    }
}

forward_by! {
    /// See [`Mamba::try_forward`].
    ///
    /// # Shapes
    /// * `xs`: `[B, L, input]`, `mask`: `[B, L]` bool (true = real step, right padding)
    /// * returns `[B, output]` when pooled, `[B, L, output]` with pooling `none`
    Mamba => try_forward(xs, mask, train)
}
