//! Hebbian learning of the principal subspace of an activity stream (HLOP's lateral neurons).
//!
//! `m` lateral neurons with weights `W` (`[m, n]`) see an input `x` (`[n]`), respond `y = W x`,
//! and feed back `x̂ = Wᵀ y`. The subspace rule (Oja, "Neural networks, principal components,
//! and subspaces", 1989)
//!
//! ```text
//! ΔW = η · y (x − x̂)ᵀ        (batch mean)
//! ```
//!
//! converges to an orthonormal basis of the top-`m` principal subspace of `E[x xᵀ]` (uncentred:
//! HLOP needs the span of the inputs themselves). As in HLOP's official code
//! (pkuxmq/HLOP-SNN, `modules/hlop_module.py`), updates are clipped to ±10, smoothed by momentum
//! 0.9, use η = 0.01 and several iterations per batch, and new neurons are added for each new
//! task while the earlier ones are kept fixed. HLOP's optional spiking quantisation of `y` is
//! not reproduced (the rate-valued form is used).
//!
//! [`top_subspace`] and [`principal_angles`] check a learned subspace against the SVD of the
//! same activity.

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::{ensure_config, ensure_input, Result};

/// Learning-rule settings (defaults: HLOP's official code).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HebbianConfig {
    /// Learning rate η.
    pub lr: f64,
    /// Momentum of the update (0: none).
    pub momentum: f64,
    /// Updates per batch of activity.
    pub iterations: usize,
    /// Element-wise clip of each update.
    pub clip: f64,
}

impl Default for HebbianConfig {
    fn default() -> Self {
        HebbianConfig {
            lr: 0.01,
            momentum: 0.9,
            iterations: 5,
            clip: 10.0,
        }
    }
}

impl HebbianConfig {
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.lr.is_finite() && self.lr > 0.0,
            "hebbian: lr must be finite and > 0, got {}",
            self.lr
        );
        ensure_config!(
            (0.0..1.0).contains(&self.momentum),
            "hebbian: momentum must be in [0, 1), got {}",
            self.momentum
        );
        ensure_config!(self.iterations > 0, "hebbian: iterations must be > 0");
        ensure_config!(
            self.clip.is_finite() && self.clip > 0.0,
            "hebbian: clip must be finite and > 0, got {}",
            self.clip
        );
        Ok(())
    }
}

/// Lateral Hebbian neurons learning a principal subspace of `n`-dimensional activity.
#[derive(Debug)]
pub struct HebbianSubspace {
    config: HebbianConfig,
    n: i64,
    /// `[m, n]`, no gradients.
    weight: Tensor,
    velocity: Tensor,
    /// The first `fixed` rows no longer learn (earlier tasks' subspaces).
    fixed: i64,
}

impl HebbianSubspace {
    /// No neurons yet, for `n`-dimensional activity.
    pub fn new(config: HebbianConfig, n: i64, device: Device) -> Result<Self> {
        config.validate()?;
        ensure_config!(n > 0, "hebbian: input dimension must be > 0, got {n}");
        let weight = Tensor::zeros([0, n], (Kind::Float, device));
        Ok(HebbianSubspace {
            config,
            n,
            velocity: weight.zeros_like(),
            weight,
            fixed: 0,
        })
    }

    /// Input dimension.
    pub fn input_dim(&self) -> i64 {
        self.n
    }

    /// Neurons (learned directions), fixed and learning.
    pub fn len(&self) -> i64 {
        self.weight.size()[0]
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Neurons kept fixed.
    pub fn fixed(&self) -> i64 {
        self.fixed
    }

    /// The weights `[m, n]`.
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// Add `k` learning neurons with orthonormal random weights (capped so that the total does
    /// not exceed `n`).
    pub fn add(&mut self, k: i64) -> Result<()> {
        ensure_config!(k >= 0, "hebbian: cannot add {k} neurons");
        let k = k.min(self.n - self.len());
        if k == 0 {
            return Ok(());
        }
        let opts = (Kind::Float, self.weight.device());
        let (q, _) = Tensor::f_linalg_qr(&Tensor::randn([self.n, k], opts), "reduced")?;
        let new = q.tr().contiguous();
        self.weight = Tensor::f_cat(&[&self.weight, &new], 0)?;
        self.velocity = Tensor::f_cat(&[&self.velocity, &new.zeros_like()], 0)?;
        Ok(())
    }

    /// Fix every neuron learned so far (the end of a task).
    pub fn merge(&mut self) {
        self.fixed = self.len();
    }

    /// `config.iterations` updates of the learning neurons on a batch of activity `x` (`[B, n]`).
    pub fn update(&mut self, x: &Tensor) -> Result<()> {
        ensure_input!(
            x.dim() == 2 && x.size()[1] == self.n,
            "hebbian: expected activity [B, {}], got {:?}",
            self.n,
            x.size()
        );
        let m = self.len();
        if m == self.fixed || x.size()[0] == 0 {
            return Ok(());
        }
        let c = self.config;
        let b = x.size()[0] as f64;
        tch::no_grad(|| -> Result<()> {
            let x = x.to_kind(Kind::Float).to_device(self.weight.device());
            let learn = m - self.fixed;
            for _ in 0..c.iterations {
                let y = x.f_matmul(&self.weight.tr())?;
                let xhat = y.f_matmul(&self.weight)?;
                let dw = y.narrow(1, self.fixed, learn).tr().f_matmul(&(&x - xhat))? / b;
                let dw = dw.clamp(-c.clip, c.clip);
                let mut v = self.velocity.narrow(0, self.fixed, learn);
                let step = &v * c.momentum + dw * (1.0 - c.momentum);
                v.copy_(&step);
                let mut w = self.weight.narrow(0, self.fixed, learn);
                let new_w = &w + step * c.lr;
                w.copy_(&new_w);
            }
            Ok(())
        })
    }

    /// An orthonormal basis (`[n, r]`) of the span of the fixed neurons' weights (`None` when no
    /// neuron is fixed): what later tasks' gradients are projected away from.
    pub fn fixed_basis(&self) -> Result<Option<Tensor>> {
        if self.fixed == 0 {
            return Ok(None);
        }
        let w = self.weight.narrow(0, 0, self.fixed);
        Ok(Some(orthonormal(&w.tr())?))
    }

    /// An orthonormal basis (`[n, m]`) of every neuron's weights.
    pub fn basis(&self) -> Result<Tensor> {
        orthonormal(&self.weight.tr())
    }
}

/// Orthonormal columns spanning the columns of `a` (`[n, k]`, k ≤ n) by a reduced QR.
pub fn orthonormal(a: &Tensor) -> Result<Tensor> {
    let (q, _) = Tensor::f_linalg_qr(&a.to_kind(Kind::Double), "reduced")?;
    Ok(q.to_kind(Kind::Float))
}

/// The top-`k` principal directions (`[n, k]`, orthonormal) of the uncentred second moment of
/// `x` (`[N, n]`): the right singular vectors of `x` with the largest singular values.
pub fn top_subspace(x: &Tensor, k: i64) -> Result<Tensor> {
    ensure_input!(
        x.dim() == 2,
        "top subspace: expected [N, n], got {:?}",
        x.size()
    );
    let n = x.size()[1];
    ensure_input!(
        k > 0 && k <= n,
        "top subspace: k must be in 1..={n}, got {k}"
    );
    let xd = x.to_kind(Kind::Double);
    let gram = xd.tr().f_matmul(&xd)?;
    let (_, vecs) = gram.f_linalg_eigh("L")?;
    // eigh sorts ascending: the last k columns, largest first.
    Ok(vecs.narrow(1, n - k, k).flip([1]).to_kind(Kind::Float))
}

/// Principal angles (degrees, ascending) between the column spans of `a` (`[n, p]`) and `b`
/// (`[n, q]`); `min(p, q)` angles.
pub fn principal_angles(a: &Tensor, b: &Tensor) -> Result<Vec<f64>> {
    ensure_input!(
        a.dim() == 2 && b.dim() == 2 && a.size()[0] == b.size()[0],
        "principal angles: expected [n, p] and [n, q], got {:?} and {:?}",
        a.size(),
        b.size()
    );
    let qa = orthonormal(a)?.to_kind(Kind::Double);
    let qb = orthonormal(b)?.to_kind(Kind::Double);
    let m = qa.tr().f_matmul(&qb)?;
    let small = if m.size()[0] <= m.size()[1] {
        m.f_matmul(&m.tr())?
    } else {
        m.tr().f_matmul(&m)?
    };
    let eig = small.f_linalg_eigvalsh("L")?;
    let mut cos: Vec<f64> = Vec::<f64>::try_from(eig.clamp(0.0, 1.0).sqrt())?;
    cos.sort_by(|x, y| y.total_cmp(x));
    Ok(cos
        .iter()
        .map(|c| c.clamp(0.0, 1.0).acos().to_degrees())
        .collect())
}
