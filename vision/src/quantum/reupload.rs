//! The data re-uploading linear layer of "Let the Quantum Creep In": a classical vector enters
//! an n-qubit register as the generator of a unitary, alternating with trainable
//! special-unitary gates, and the output is the probabilities of the first basis states.
//!
//! The input `x` (`in_dim` ≤ 4ⁿ values) is zero-padded to 4ⁿ, reshaped to a 2ⁿ × 2ⁿ matrix `D`
//! and symmetrised, `S = (D + Dᵀ)/2`; the data unitary is `U_x = exp(i·S/L)` for `L`
//! re-uploadings. From `|+⟩^⊗n` the circuit applies `L` times `U_x` followed by the trainable gate
//! `G_l = exp(i·Σₚ θ_l,ₚ Pₚ)` (4ⁿ − 1 real θ per layer), and returns
//! `pₖ = |⟨k|ψ⟩|²` for `k < out_dim` plus a real bias (the repository's
//! `DataReUploadingLinear`, observables `|k⟩⟨k|`, weights and bias N(0, 1)). Exact state-vector
//! simulation: one 2ⁿ × 2ⁿ data unitary per sample (7 qubits: 128 × 128), the layer's dominant
//! cost, computed by the spectral decomposition of `S` ([`super::spectral`]; the same unitary as
//! `matrix_exp(i·S/L)`, several times cheaper to differentiate).

use tch::nn::{self, Init};
use tch::Tensor;

use super::pauli;
use crate::{Error, Result};

/// A data re-uploading layer; see the [module docs](self).
#[derive(Debug)]
pub struct ReUploadingLinear {
    /// `[L, 4ⁿ − 1]` real Pauli coefficients of the trainable gates.
    pub params: Tensor,
    /// `[out_dim]` real bias.
    pub bias: Tensor,
    pub in_dim: i64,
    pub out_dim: i64,
    pub n_qubits: usize,
    pub reps: i64,
}

impl ReUploadingLinear {
    /// Create `path/params` `[reps, 4ⁿ − 1]` and `path/bias` `[out_dim]`, both N(0, 1).
    /// Needs `in_dim ≤ 4ⁿ` and `out_dim ≤ 2ⁿ`.
    pub fn new(
        path: &nn::Path,
        in_dim: i64,
        out_dim: i64,
        n_qubits: usize,
        reps: i64,
    ) -> Result<Self> {
        let d = 1i64 << n_qubits.min(16);
        if !(1..=8).contains(&n_qubits)
            || in_dim < 1
            || in_dim > d * d
            || out_dim < 1
            || out_dim > d
            || reps < 1
        {
            return Err(Error::config(format!(
                "re-uploading layer: need 1..=8 qubits, 1 <= in_dim <= 4^n, 1 <= out_dim <= 2^n \
                 and reps >= 1; got {n_qubits} qubits, in_dim {in_dim}, out_dim {out_dim}, reps {reps}"
            )));
        }
        let normal = Init::Randn {
            mean: 0.0,
            stdev: 1.0,
        };
        Ok(ReUploadingLinear {
            params: path.f_var("params", &[reps, pauli::n_generators(n_qubits)], normal)?,
            bias: path.f_var("bias", &[out_dim], normal)?,
            in_dim,
            out_dim,
            n_qubits,
            reps,
        })
    }

    /// The data unitaries `exp(i·S/L)`: `x` `[B, in_dim]` → `[B, 2ⁿ, 2ⁿ]` complex.
    pub fn data_unitary(&self, xs: &Tensor) -> Result<Tensor> {
        let d = 1i64 << self.n_qubits;
        let b = xs.size()[0];
        let padded = xs.f_constant_pad_nd([0, d * d - self.in_dim])?;
        let m = padded.f_reshape([b, d, d])?;
        let s = m.f_add(&m.f_transpose(-1, -2)?)?.f_div_scalar(2.0)?;
        super::spectral::expi_symmetric(&s, 1.0 / self.reps as f64)
    }

    /// The final states `[B, 2ⁿ]` complex.
    pub fn states(&self, xs: &Tensor) -> Result<Tensor> {
        let size = xs.size();
        if size.len() != 2 || size[1] != self.in_dim {
            return Err(Error::input(format!(
                "re-uploading layer: expected [B, {}], got {size:?}",
                self.in_dim
            )));
        }
        let d = 1i64 << self.n_qubits;
        let u = self.data_unitary(xs)?;
        let gates = pauli::su_gate(&self.params, self.n_qubits)?; // [L, d, d]
        let amp = 1.0 / (d as f64).sqrt();
        let mut psi = Tensor::f_full(
            [size[0], d, 1],
            amp,
            (super::real_of(u.kind()), xs.device()),
        )?
        .f_to_kind(u.kind())?;
        for l in 0..self.reps {
            psi = u.f_matmul(&psi)?;
            psi = gates.f_get(l)?.f_matmul(&psi)?;
        }
        Ok(psi.f_squeeze_dim(-1)?)
    }

    /// Run the layer.
    ///
    /// # Shapes
    /// `xs` `[B, in_dim]` real → `[B, out_dim]`: probabilities of `|0⟩…|out_dim−1⟩` (each in
    /// [0, 1], summing to at most 1) plus the bias.
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let psi = self.states(xs)?;
        let probs = psi.f_abs()?.f_square()?.f_narrow(1, 0, self.out_dim)?;
        Ok(probs.f_add(&self.bias)?)
    }
}
