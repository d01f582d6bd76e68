//! The S6 layer: a selective state-space model whose `Δ`, `B` and `C` are functions of the input
//! (Gu & Dao 2023, Algorithm 2), over `D` independent channels of `N` state dimensions each.
//!
//! Parameters (the names of `mamba_ssm.modules.mamba_simple.Mamba`, whose mixer holds them
//! beside its own): `x_proj.weight` `[R + 2N, D]` (no bias) giving `(δ, B, C)` per step,
//! `dt_proj.weight` `[D, R]` and `dt_proj.bias` `[D]` (`Δ = softplus(dt_proj(δ))`, the low-rank
//! `R = dt_rank` projection of §3.6), `A_log` `[D, N]` (`A = −exp(A_log)`, diagonal) and `D` `[D]`
//! (the skip).
//!
//! Initialisation as the paper's code: `A` S4D-real, `A[d, n] = −(n + 1)`; `D = 1`;
//! `dt_proj.weight ~ U(±dt_scale / √R)`; `dt_proj.bias = softplus⁻¹(Δ₀)` with `Δ₀` log-uniform in
//! `[dt_min, dt_max]` (floored at `dt_init_floor`), so the initial step sizes span
//! `[10⁻³, 10⁻¹]`; `x_proj` by [`LinearInit`].

use serde::{Deserialize, Serialize};
use tch::nn::{self, Init, Linear};
use tch::{Kind, Tensor};

use super::super::init::{linear_no_bias, LinearInit};
use super::scan::{check_chunk, scan_step, selective_scan, Scan};
use crate::{ensure_config, ensure_input, Result};

/// S6 configuration; defaults from the paper (`d_state` 16, `Δ₀ ∈ [10⁻³, 10⁻¹]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct S6Config {
    /// Channels `D` (in a Mamba block: `expand · d_model`).
    pub d_inner: i64,
    /// State dimensions per channel `N` (paper: 16).
    pub d_state: i64,
    /// Rank `R` of the `Δ` projection (paper: `⌈d_model / 16⌉`).
    pub dt_rank: i64,
    /// Smallest initial step size (paper: 0.001).
    pub dt_min: f64,
    /// Largest initial step size (paper: 0.1).
    pub dt_max: f64,
    /// Floor of the initial step sizes (paper's code: 1e-4).
    pub dt_init_floor: f64,
    /// Scale of `dt_proj.weight`'s init bound `dt_scale / √R` (paper's code: 1).
    pub dt_scale: f64,
    /// Initialisation of `x_proj`.
    pub init: LinearInit,
    /// How the recurrence is evaluated in [`S6::forward`].
    pub scan: Scan,
    /// Chunk length of the parallel scan.
    pub chunk: i64,
}

impl Default for S6Config {
    fn default() -> Self {
        S6Config {
            d_inner: 128,
            d_state: 16,
            dt_rank: 4,
            dt_min: 1e-3,
            dt_max: 1e-1,
            dt_init_floor: 1e-4,
            dt_scale: 1.0,
            init: LinearInit::Torch,
            scan: Scan::Parallel,
            chunk: 64,
        }
    }
}

impl S6Config {
    /// Check sizes and the step-size range.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("d_inner", self.d_inner),
            ("d_state", self.d_state),
            ("dt_rank", self.dt_rank),
        ] {
            ensure_config!(v > 0, "s6: {name} must be > 0, got {v}");
        }
        ensure_config!(
            self.dt_min > 0.0 && self.dt_min <= self.dt_max && self.dt_max.is_finite(),
            "s6: need 0 < dt_min <= dt_max, got dt_min {} and dt_max {}",
            self.dt_min,
            self.dt_max
        );
        ensure_config!(
            self.dt_init_floor > 0.0 && self.dt_scale > 0.0 && self.dt_scale.is_finite(),
            "s6: dt_init_floor and dt_scale must be > 0, got {} and {}",
            self.dt_init_floor,
            self.dt_scale
        );
        check_chunk(self.chunk)
    }

    /// Create the parameters under `path` (`x_proj`, `dt_proj`, `A_log`, `D`).
    pub fn init(&self, path: &nn::Path) -> Result<S6> {
        self.validate()?;
        let (d, n, r) = (self.d_inner, self.d_state, self.dt_rank);
        let x_proj = linear_no_bias(&(path / "x_proj"), d, r + 2 * n, self.init)?;
        let dp = path / "dt_proj";
        let bound = self.dt_scale / (r as f64).sqrt();
        let dt_weight = dp.f_var(
            "weight",
            &[d, r],
            Init::Uniform {
                lo: -bound,
                up: bound,
            },
        )?;
        let dt_bias = dp.f_var_copy("bias", &self.dt_bias_init(path.device())?)?;
        let a = Tensor::f_arange_start(1.0, (n + 1) as f64, (Kind::Float, path.device()))?
            .f_log()?
            .f_unsqueeze(0)?
            .f_repeat([d, 1])?;
        let a_log = path.f_var_copy("A_log", &a)?;
        let skip = path.f_var("D", &[d], Init::Const(1.0))?;
        Ok(S6 {
            x_proj,
            dt_weight,
            dt_bias,
            a_log,
            skip,
            config: self.clone(),
        })
    }

    /// `softplus⁻¹(Δ₀)`, `Δ₀ = exp(U(log dt_min, log dt_max))` floored: `[d_inner]`.
    fn dt_bias_init(&self, device: tch::Device) -> Result<Tensor> {
        let (lo, hi) = (self.dt_min.ln(), self.dt_max.ln());
        let dt = Tensor::f_rand([self.d_inner], (Kind::Float, device))?
            .f_mul_scalar(hi - lo)?
            .f_add_scalar(lo)?
            .f_exp()?
            .f_clamp_min(self.dt_init_floor)?;
        // softplus⁻¹(y) = y + log(1 − exp(−y)) = y + log(−expm1(−y)).
        Ok(dt.f_add(&dt.f_neg()?.f_expm1()?.f_neg()?.f_log()?)?)
    }
}

/// The S6 layer; see the [module docs](self) and [`S6Config`].
#[derive(Debug)]
pub struct S6 {
    x_proj: Linear,
    dt_weight: Tensor,
    dt_bias: Tensor,
    a_log: Tensor,
    skip: Tensor,
    config: S6Config,
}

/// The input-dependent parameters of a selective scan: `Δ` (positive), `B`, `C`.
pub struct Selection {
    /// `[…, D]`.
    pub delta: Tensor,
    /// `[…, N]`.
    pub b: Tensor,
    /// `[…, N]`.
    pub c: Tensor,
}

impl S6 {
    /// The config this layer was built from.
    pub fn config(&self) -> &S6Config {
        &self.config
    }

    /// `A = −exp(A_log)`, `[D, N]`.
    pub fn a(&self) -> Result<Tensor> {
        Ok(self.a_log.f_exp()?.f_neg()?)
    }

    /// The skip `D`, `[D]`.
    pub fn skip(&self) -> &Tensor {
        &self.skip
    }

    /// `Δ`, `B`, `C` from the input, for any leading shape `[…, D]`.
    pub fn selection(&self, x: &Tensor) -> Result<Selection> {
        let c = &self.config;
        let dbl = x.f_linear(&self.x_proj.ws, None::<&Tensor>)?;
        let parts = dbl.f_split_with_sizes([c.dt_rank, c.d_state, c.d_state], -1)?;
        let [dt, b, cc]: [Tensor; 3] = parts
            .try_into()
            .map_err(|_| crate::Error::input("s6: x_proj split"))?;
        let delta = dt
            .f_linear(&self.dt_weight, Some(&self.dt_bias))?
            .f_softplus()?;
        Ok(Selection { delta, b, c: cc })
    }

    /// The layer over whole sequences, from state `h0` (`None`: zeros).
    ///
    /// # Shapes
    /// * `x`: `[B, L, D]`, `h0`: `[B, D, N]`
    /// * returns `(y [B, L, D], h_L [B, D, N])`
    pub fn forward(&self, x: &Tensor, h0: Option<&Tensor>) -> Result<(Tensor, Tensor)> {
        self.forward_with(x, h0, self.config.scan)
    }

    /// [`forward`](Self::forward) with the given scan instead of the configured one.
    pub fn forward_with(
        &self,
        x: &Tensor,
        h0: Option<&Tensor>,
        scan: Scan,
    ) -> Result<(Tensor, Tensor)> {
        let size = super::super::check_sequences("s6", x, self.config.d_inner)?;
        ensure_input!(
            size[0] > 0 && size[1] > 0,
            "s6: empty batch or sequence, input {size:?}"
        );
        let s = self.selection(x)?;
        selective_scan(
            x,
            &s.delta,
            &self.a()?,
            &s.b,
            &s.c,
            Some(&self.skip),
            h0,
            scan,
            self.config.chunk,
        )
    }

    /// One recurrent step.
    ///
    /// # Shapes
    /// * `h`: `[B, D, N]`, `x`: `[B, D]`
    /// * returns `(y [B, D], h' [B, D, N])`
    pub fn step(&self, h: &Tensor, x: &Tensor) -> Result<(Tensor, Tensor)> {
        let s = self.selection(x)?;
        scan_step(h, x, &s.delta, &self.a()?, &s.b, &s.c, Some(&self.skip))
    }
}
