//! Additive attention pooling (Bahdanau et al. 2015, "Neural machine translation by jointly
//! learning to align and translate"; as a pooling unit: Yang et al. 2016, "Hierarchical attention
//! networks") and the masked softmax it rests on.
//!
//! A score `s_t = vᵀ tanh(W x_t + b)` per time step, softmax over the real (unpadded) steps, and the
//! weighted sum `Σ_t a_t x_t`. The weights `a_t` are returned as well: Deep SNP reads them to
//! localise a breakpoint, the sequence classifiers use the pooled vector.

use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

use super::capture::{child, name_or, tap};
use super::init::{linear, linear_no_bias, LinearInit};
use super::{check_sequences, forward_by};
use crate::{ensure_config, ensure_input, Result};

/// Additive attention pooling configuration. Parameters are named `proj.weight|bias` (the
/// `W x + b` projection, PyTorch `nn.Linear(input, hidden)`) and `score.weight` (the vector `v`,
/// `nn.Linear(hidden, 1, bias=False)`; a bias would cancel in the softmax).
///
/// Capture points ([`super::capture`]): the pooled vector under the layer's path (`pool`; `attention`
/// at the root) and the attention weights under `pool.weights`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttentionPoolingConfig {
    /// Features per time step `D` (e.g. `2 × hidden` after a BiLSTM).
    pub input: i64,
    /// Width of the attention projection (Yang et al. 2016 use 100; 64 here by default).
    pub hidden: i64,
    /// Initialisation of `proj` and `score` (default: PyTorch's `nn.Linear`).
    pub init: LinearInit,
}

impl Default for AttentionPoolingConfig {
    fn default() -> Self {
        AttentionPoolingConfig {
            input: 128,
            hidden: 64,
            init: LinearInit::Torch,
        }
    }
}

impl AttentionPoolingConfig {
    /// A config with the given sizes.
    pub fn new(input: i64, hidden: i64) -> Self {
        AttentionPoolingConfig {
            input,
            hidden,
            ..Default::default()
        }
    }

    /// Check sizes.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.input > 0,
            "attention pooling: input must be > 0, got {}",
            self.input
        );
        ensure_config!(
            self.hidden > 0,
            "attention pooling: hidden must be > 0, got {}",
            self.hidden
        );
        Ok(())
    }

    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<AttentionPooling> {
        self.validate()?;
        let proj = linear(&(path / "proj"), self.input, self.hidden, self.init)?;
        let score = linear_no_bias(&(path / "score"), self.hidden, 1, self.init)?;
        let name = name_or(path, "attention");
        Ok(AttentionPooling {
            proj,
            score,
            names: Box::new([child(&name, "weights"), name]),
            config: self.clone(),
        })
    }
}

/// Additive attention pooling; see [`AttentionPoolingConfig`].
#[derive(Debug)]
pub struct AttentionPooling {
    proj: nn::Linear,
    score: nn::Linear,
    /// Capture names of the weights and of the pooled vector.
    names: Box<[String; 2]>,
    config: AttentionPoolingConfig,
}

impl AttentionPooling {
    /// The config this layer was built from.
    pub fn config(&self) -> &AttentionPoolingConfig {
        &self.config
    }

    /// Pool a sequence and return the attention weights.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, input]`
    /// * `mask`: `[B, T]`, true (or non-zero) at real steps; `None` means all steps are real
    /// * returns `(pooled [B, input], weights [B, T])`; the weights sum to 1 over each row's real
    ///   steps and are exactly 0 at padded ones (a row with no real step gets all-zero weights and
    ///   a zero vector).
    pub fn f_forward_weights(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Tensor)> {
        let size = check_sequences("attention pooling", xs, self.config.input)?;
        if let Some(m) = mask {
            ensure_input!(
                m.size() == size[..2],
                "attention pooling: mask must be [B, T] = {:?}, got {:?}",
                &size[..2],
                m.size()
            );
        }
        let hidden = xs
            .f_linear(&self.proj.ws, self.proj.bs.as_ref())?
            .f_tanh()?;
        let scores = hidden
            .f_linear::<&Tensor>(&self.score.ws, None)?
            .f_squeeze_dim(-1)?;
        let weights = tap(&self.names[0], masked_softmax(&scores, mask, -1)?);
        let pooled = weights.f_unsqueeze(1)?.f_bmm(xs)?.f_squeeze_dim(1)?;
        if crate::profile::is_recording() {
            use crate::profile::counter;
            let name = &self.names[1];
            counter::linear(name, xs, &self.proj.ws, self.proj.bs.as_ref(), &hidden);
            counter::linear(name, &hidden, &self.score.ws, None, &scores);
            counter::matmul(name, &weights.f_unsqueeze(1)?, xs, &pooled);
        }
        Ok((tap(&self.names[1], pooled), weights))
    }

    /// [`f_forward_weights`](Self::f_forward_weights), panicking on bad input.
    ///
    /// # Panics
    /// If `xs` or `mask` have the wrong shape.
    pub fn forward_weights(&self, xs: &Tensor, mask: Option<&Tensor>) -> (Tensor, Tensor) {
        self.f_forward_weights(xs, mask)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

impl AttentionPooling {
    /// The pooled vector of [`f_forward_weights`](Self::f_forward_weights) alone (no dropout:
    /// `train` changes nothing).
    fn f_pooled(&self, xs: &Tensor, mask: Option<&Tensor>, _train: bool) -> Result<Tensor> {
        Ok(self.f_forward_weights(xs, mask)?.0)
    }
}

forward_by! {
    /// # Shapes
    /// * `xs`: `[B, T, input]`, `mask`: `[B, T]`
    /// * returns the pooled `[B, input]`
    AttentionPooling => f_pooled(xs, mask, train)
}

/// `mask` as a bool tensor (a float/int mask counts non-zero entries as true).
pub(crate) fn bool_mask(mask: &Tensor) -> Result<Tensor> {
    if mask.kind() == Kind::Bool {
        Ok(mask.shallow_clone())
    } else {
        Ok(mask.f_ne(0)?)
    }
}

/// Softmax of `scores` along `dim` over the positions where `mask` is true.
///
/// Masked positions get probability exactly 0; a slice with no true position gets all zeros
/// (not NaN) and no NaN gradient. `mask` must broadcast to `scores` (usually the same shape);
/// `None` is a plain softmax.
pub fn masked_softmax(scores: &Tensor, mask: Option<&Tensor>, dim: i64) -> Result<Tensor> {
    let Some(mask) = mask else {
        return Ok(scores.f_softmax(dim, None::<Kind>)?);
    };
    let mask = bool_mask(mask)?;
    let padded = mask.f_logical_not()?;
    // Only slices with at least one real position get -inf fills: an all-padded slice keeps its
    // finite scores (so softmax and its gradient stay finite) and is zeroed below.
    let has_real = mask.f_any_dim(dim, true)?;
    let fill = padded.f_logical_and(&has_real)?;
    let probs = scores
        .f_masked_fill(&fill, f64::NEG_INFINITY)?
        .f_softmax(dim, None::<Kind>)?;
    Ok(probs.f_masked_fill(&padded, 0.0)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_util::mask_from_lengths;
    use tch::Device;

    #[test]
    fn masked_softmax_values() {
        let scores = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 100.0]).view([1, 4]);
        let mask = Tensor::from_slice(&[true, true, false, false]).view([1, 4]);
        let p = masked_softmax(&scores, Some(&mask), 1).unwrap();
        let v: Vec<f32> = Vec::try_from(p.view([-1])).unwrap();
        // softmax([1, 2]) = [1/(1+e), e/(1+e)]
        let e = std::f32::consts::E;
        assert!((v[0] - 1.0 / (1.0 + e)).abs() < 1e-6, "{v:?}");
        assert!((v[1] - e / (1.0 + e)).abs() < 1e-6, "{v:?}");
        assert_eq!(&v[2..], &[0.0, 0.0]);
        // No mask: a plain softmax.
        let p = masked_softmax(&scores, None, 1).unwrap();
        assert!((p.sum(Kind::Float).double_value(&[]) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn masked_softmax_all_padded_row_is_zero_with_finite_gradient() {
        let scores = Tensor::from_slice(&[0.5f32, -1.0, 2.0, 0.0])
            .view([2, 2])
            .set_requires_grad(true);
        let mask = Tensor::from_slice(&[1.0f32, 1.0, 0.0, 0.0]).view([2, 2]);
        let p = masked_softmax(&scores, Some(&mask), 1).unwrap();
        let v: Vec<f32> = Vec::try_from(p.view([-1])).unwrap();
        assert!((v[0] + v[1] - 1.0).abs() < 1e-6);
        assert_eq!(&v[2..], &[0.0, 0.0]);
        (&p * Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]).view([2, 2]))
            .sum(Kind::Float)
            .backward();
        let g: Vec<f32> = Vec::try_from(scores.grad().view([-1])).unwrap();
        assert!(g.iter().all(|x| x.is_finite()), "{g:?}");
        assert_eq!(&g[2..], &[0.0, 0.0]);
    }

    #[test]
    fn pooling_weights_sum_to_one_and_ignore_padding() {
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let att = AttentionPoolingConfig::new(4, 8).init(&vs.root()).unwrap();
        let mut names: Vec<String> = vs.variables().into_keys().collect();
        names.sort();
        assert_eq!(names, ["proj.bias", "proj.weight", "score.weight"]);

        let xs = Tensor::randn([3, 5, 4], (Kind::Float, Device::Cpu));
        let mask = mask_from_lengths(&[5, 3, 1], 5);
        let (pooled, w) = att.forward_weights(&xs, Some(&mask));
        assert_eq!(pooled.size(), [3, 4]);
        assert_eq!(w.size(), [3, 5]);
        let sums: Vec<f32> = Vec::try_from(w.sum_dim_intlist(1, false, Kind::Float)).unwrap();
        for s in sums {
            assert!((s - 1.0).abs() < 1e-6);
        }
        let wv: Vec<Vec<f32>> = Vec::try_from(&w).unwrap();
        assert_eq!(&wv[1][3..], &[0.0, 0.0]);
        assert_eq!(&wv[2][1..], &[0.0, 0.0, 0.0, 0.0]);
        assert_eq!(wv[2][0], 1.0);
        // A single real step pools to that step exactly.
        let diff = (pooled.get(2) - xs.get(2).get(0))
            .abs()
            .max()
            .double_value(&[]);
        assert!(diff < 1e-6);
        // Changing padded values changes nothing.
        let noisy = &xs
            + Tensor::randn([3, 5, 1], (Kind::Float, Device::Cpu))
                * mask.logical_not().unsqueeze(-1);
        let (pooled2, w2) = att.forward_weights(&noisy, Some(&mask));
        assert!((pooled2 - &pooled).abs().max().double_value(&[]) < 1e-6);
        assert!((w2 - &w).abs().max().double_value(&[]) < 1e-6);
    }

    #[test]
    fn bad_shapes_and_config_are_errors() {
        let vs = nn::VarStore::new(Device::Cpu);
        assert!(AttentionPoolingConfig::new(0, 4).init(&vs.root()).is_err());
        assert!(AttentionPoolingConfig::new(4, 0).init(&vs.root()).is_err());
        let att = AttentionPoolingConfig::new(4, 8).init(&vs.root()).unwrap();
        let xs = Tensor::zeros([2, 3, 5], (Kind::Float, Device::Cpu));
        assert!(att.f_forward_weights(&xs, None).is_err());
        let xs = Tensor::zeros([2, 3, 4], (Kind::Float, Device::Cpu));
        let bad_mask = Tensor::ones([2, 4], (Kind::Bool, Device::Cpu));
        assert!(att.f_forward_weights(&xs, Some(&bad_mask)).is_err());
    }
}
