//! The Mamba block (Gu & Dao 2023, Fig. 3; `mamba_simple.Mamba`): in-projection to `2·E·d`
//! (the branch `x` and the gate `z`), causal depthwise conv1d over time, SiLU, [`S6`],
//! `y ⊙ SiLU(z)`, out-projection back to `d`.
//!
//! Parameters (`mamba_simple.Mamba`'s state-dict names): `in_proj.weight` `[2·E·d, d]`,
//! `conv1d.weight` `[E·d, 1, d_conv]`, `conv1d.bias` `[E·d]`, the S6's `x_proj.weight`,
//! `dt_proj.weight|bias`, `A_log`, `D`, and `out_proj.weight` `[d, E·d]`. The projections have
//! no bias by default (the paper's `bias=False`); the conv is initialised like PyTorch's
//! `nn.Conv1d` (weight and bias U(±1/√d_conv)).

use serde::{Deserialize, Serialize};
use tch::nn::{self, Init, Linear};
use tch::{Kind, Tensor};

use super::super::init::{linear, linear_no_bias, LinearInit};
use super::s6::{S6Config, S6};
use super::scan::{check_chunk, Scan};
use crate::{ensure_config, ensure_input, Result};

/// Mamba block configuration; defaults from the paper (`d_state` 16, `expand` 2, `d_conv` 4,
/// `dt_rank = ⌈d_model / 16⌉`, `Δ₀ ∈ [10⁻³, 10⁻¹]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MambaBlockConfig {
    /// Model width `d`.
    pub d_model: i64,
    /// SSM state size `N` (paper: 16).
    pub d_state: i64,
    /// Expansion `E` of the inner width `E·d` (paper: 2).
    pub expand: i64,
    /// Kernel of the causal depthwise conv (paper: 4).
    pub d_conv: i64,
    /// Rank of the `Δ` projection; `None`: `⌈d_model / 16⌉` (paper).
    pub dt_rank: Option<i64>,
    /// Smallest initial step size (paper: 0.001).
    pub dt_min: f64,
    /// Largest initial step size (paper: 0.1).
    pub dt_max: f64,
    /// Bias in the conv (paper: yes).
    pub conv_bias: bool,
    /// Bias in the in- and out-projections (paper: no).
    pub bias: bool,
    /// Initialisation of the linear layers.
    pub init: LinearInit,
    /// Divide `out_proj`'s init bound by `√out_proj_scale` (the paper's code rescales it by
    /// `√n_layer` in a stack: GPT-2's pre-norm residual rescaling); 1 = PyTorch's default.
    pub out_proj_scale: f64,
    /// How the S6 recurrence is evaluated in the forward pass.
    pub scan: Scan,
    /// Chunk length of the parallel scan.
    pub chunk: i64,
}

impl Default for MambaBlockConfig {
    fn default() -> Self {
        MambaBlockConfig {
            d_model: 64,
            d_state: 16,
            expand: 2,
            d_conv: 4,
            dt_rank: None,
            dt_min: 1e-3,
            dt_max: 1e-1,
            conv_bias: true,
            bias: false,
            init: LinearInit::Torch,
            out_proj_scale: 1.0,
            scan: Scan::Parallel,
            chunk: 64,
        }
    }
}

impl MambaBlockConfig {
    /// A block of width `d_model` with the paper's other defaults.
    pub fn new(d_model: i64) -> Self {
        MambaBlockConfig {
            d_model,
            ..Default::default()
        }
    }

    /// The inner width `E·d`.
    pub fn d_inner(&self) -> i64 {
        self.expand * self.d_model
    }

    /// The `Δ` projection's rank (`⌈d_model / 16⌉` unless set).
    pub fn rank(&self) -> i64 {
        self.dt_rank.unwrap_or((self.d_model + 15) / 16)
    }

    /// The S6 layer's config.
    pub fn s6(&self) -> S6Config {
        S6Config {
            d_inner: self.d_inner(),
            d_state: self.d_state,
            dt_rank: self.rank(),
            dt_min: self.dt_min,
            dt_max: self.dt_max,
            init: self.init,
            scan: self.scan,
            chunk: self.chunk,
            ..Default::default()
        }
    }

    /// Check every size.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("d_model", self.d_model),
            ("expand", self.expand),
            ("d_conv", self.d_conv),
        ] {
            ensure_config!(v > 0, "mamba block: {name} must be > 0, got {v}");
        }
        ensure_config!(
            self.out_proj_scale >= 1.0 && self.out_proj_scale.is_finite(),
            "mamba block: out_proj_scale must be >= 1, got {}",
            self.out_proj_scale
        );
        check_chunk(self.chunk)?;
        self.s6().validate()
    }

    /// Create the parameters under `path`, in the order of `mamba_simple.Mamba`.
    pub fn init(&self, path: &nn::Path) -> Result<MambaBlock> {
        self.validate()?;
        let (d, di, k) = (self.d_model, self.d_inner(), self.d_conv);
        let proj = |p: &nn::Path, i, o| {
            if self.bias {
                linear(p, i, o, self.init)
            } else {
                linear_no_bias(p, i, o, self.init)
            }
        };
        let in_proj = proj(&(path / "in_proj"), d, 2 * di)?;
        let cp = path / "conv1d";
        let bound = 1.0 / (k as f64).sqrt();
        let u = Init::Uniform {
            lo: -bound,
            up: bound,
        };
        let conv_weight = cp.f_var("weight", &[di, 1, k], u)?;
        let conv_bias = if self.conv_bias {
            Some(cp.f_var("bias", &[di], u)?)
        } else {
            None
        };
        let s6 = self.s6().init(path)?;
        let mut out_proj = proj(&(path / "out_proj"), di, d)?;
        if self.out_proj_scale > 1.0 {
            let s = 1.0 / self.out_proj_scale.sqrt();
            let _scaled = tch::no_grad(|| out_proj.ws.f_mul_scalar_(s))?;
        }
        Ok(MambaBlock {
            in_proj,
            conv_weight,
            conv_bias,
            s6,
            out_proj,
            config: self.clone(),
        })
    }
}

/// A Mamba block; see [`MambaBlockConfig`].
#[derive(Debug)]
pub struct MambaBlock {
    in_proj: Linear,
    conv_weight: Tensor,
    conv_bias: Option<Tensor>,
    s6: S6,
    out_proj: Linear,
    config: MambaBlockConfig,
}

/// What a [`MambaBlock`] carries from one step to the next in recurrent inference.
#[derive(Debug)]
pub struct BlockState {
    /// The last `d_conv − 1` conv inputs, `[B, E·d, d_conv − 1]` (oldest first).
    pub conv: Tensor,
    /// The SSM state `[B, E·d, N]`.
    pub ssm: Tensor,
}

impl MambaBlock {
    /// The config this block was built from.
    pub fn config(&self) -> &MambaBlockConfig {
        &self.config
    }

    /// The block's S6 layer.
    pub fn s6(&self) -> &S6 {
        &self.s6
    }

    /// A zero state (an empty history) for `batch` sequences, in `kind` on the block's device.
    pub fn zero_state(&self, batch: i64, kind: Kind) -> Result<BlockState> {
        let c = &self.config;
        let dev = self.conv_weight.device();
        Ok(BlockState {
            conv: Tensor::f_zeros([batch, c.d_inner(), c.d_conv - 1], (kind, dev))?,
            ssm: Tensor::f_zeros([batch, c.d_inner(), c.d_state], (kind, dev))?,
        })
    }

    fn split_in(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let xz = x.f_linear(&self.in_proj.ws, self.in_proj.bs.as_ref())?;
        let di = self.config.d_inner();
        let parts = xz.f_split_with_sizes([di, di], -1)?;
        let [x, z]: [Tensor; 2] = parts
            .try_into()
            .map_err(|_| crate::Error::input("mamba block: in_proj split"))?;
        Ok((x, z))
    }

    /// The block over whole sequences, starting from an empty history.
    ///
    /// # Shapes
    /// * `x`: `[B, L, d_model]`
    /// * returns `[B, L, d_model]`
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_with(x, self.config.scan)
    }

    /// [`forward`](Self::forward) with the given scan instead of the configured one.
    pub fn forward_with(&self, x: &Tensor, scan: Scan) -> Result<Tensor> {
        let size = super::super::check_sequences("mamba block", x, self.config.d_model)?;
        let l = size[1];
        ensure_input!(
            size[0] > 0 && l > 0,
            "mamba block: empty batch or sequence, input {size:?}"
        );
        let (xi, z) = self.split_in(x)?;
        let k = self.config.d_conv;
        let xc = xi
            .f_transpose(1, 2)?
            .f_conv1d(
                &self.conv_weight,
                self.conv_bias.as_ref(),
                [1],
                [k - 1],
                [1],
                self.config.d_inner(),
            )?
            .f_narrow(2, 0, l)?
            .f_transpose(1, 2)?
            .f_silu()?;
        let (y, _) = self.s6.forward_with(&xc, None, scan)?;
        let y = y.f_mul(&z.f_silu()?)?;
        Ok(y.f_linear(&self.out_proj.ws, self.out_proj.bs.as_ref())?)
    }

    /// One recurrent step: the output for input `x_t`, updating `state`.
    ///
    /// # Shapes
    /// * `x`: `[B, d_model]`; `state` from [`zero_state`](Self::zero_state)
    /// * returns `[B, d_model]`
    pub fn step(&self, state: &mut BlockState, x: &Tensor) -> Result<Tensor> {
        let c = &self.config;
        let size = x.size();
        ensure_input!(
            size.len() == 2 && size[1] == c.d_model,
            "mamba block step: expected input [B, {}], got {size:?}",
            c.d_model
        );
        ensure_input!(
            state.ssm.size() == [size[0], c.d_inner(), c.d_state],
            "mamba block step: state is for batch {:?}, input {size:?}",
            state.ssm.size().first()
        );
        let (xi, z) = self.split_in(x)?;
        let window = Tensor::f_cat(&[&state.conv, &xi.f_unsqueeze(-1)?], 2)?; // [B, Di, k]
        let mut xc = window
            .f_mul(&self.conv_weight.f_squeeze_dim(1)?)?
            .f_sum_dim_intlist(-1, false, None::<Kind>)?;
        if let Some(b) = &self.conv_bias {
            xc = xc.f_add(b)?;
        }
        let xc = xc.f_silu()?;
        state.conv = window.f_narrow(2, 1, c.d_conv - 1)?;
        let (y, h) = self.s6.step(&state.ssm, &xc)?;
        state.ssm = h;
        let y = y.f_mul(&z.f_silu()?)?;
        Ok(y.f_linear(&self.out_proj.ws, self.out_proj.bs.as_ref())?)
    }
}
