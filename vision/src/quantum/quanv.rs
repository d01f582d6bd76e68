//! The "flipped quanvolution" of "Let the Quantum Creep In": a 3×3 convolution whose kernels are
//! two-qubit quantum states and whose data is the observable.
//!
//! For each (output channel o, input channel c) pair a trainable 2-qubit state
//! `|ψ_oc⟩ = exp(i·Σₚ θ_oc,ₚ Pₚ)|00⟩` (15 real θ, [`super::pauli`]) is measured against the
//! Hermitian observable made from the 3×3 patch `X` of channel c: `X` zero-padded to 4×4 (`X̃`)
//! and symmetrised, `H = (X̃ + X̃ᵀ)/2`. The output is the mean over input channels of the exact
//! expectation `⟨ψ_oc|H|ψ_oc⟩` plus a real bias per output channel (the repository's
//! `FlippedQuanv3x3`, with weights and biases drawn N(0, 1) as there).
//!
//! Because `⟨ψ|H|ψ⟩ = Σ_ab X̃_ab Re(ψ̄_a ψ_b)` is bilinear in the state and linear in the patch,
//! the expectation over every patch at once is a convolution with the kernel
//! `K_oc = Re(ψ̄ ψᵀ)[0..3, 0..3] / C_in`: the layer simulates the states as complex vectors
//! (`matrix_exp` of the Hermitian generator) and evaluates all expectations exactly with one
//! `conv2d` instead of a loop over patches. [`FlippedQuanv::expectation`] computes the same
//! numbers patch by patch as `ψ† H ψ`, and the tests check the two agree.

use tch::nn::{self, Init};
use tch::Tensor;

use super::pauli;
use crate::{Error, Result};

/// Qubits of each kernel state (a 4×4 observable holds a 3×3 patch).
const QUBITS: usize = 2;
/// Patch size.
pub const KERNEL: i64 = 3;

/// A flipped-quanvolution layer; see the [module docs](self).
#[derive(Debug)]
pub struct FlippedQuanv {
    /// `[C_out, C_in, 15]` real Pauli coefficients of the kernel states.
    pub weight: Tensor,
    /// `[C_out]` real bias.
    pub bias: Tensor,
    pub in_channels: i64,
    pub out_channels: i64,
    pub stride: i64,
    pub padding: i64,
}

impl FlippedQuanv {
    /// Create the parameters `path/weight` `[C_out, C_in, 15]` and `path/bias` `[C_out]`, both
    /// N(0, 1) as in the paper's repository.
    pub fn new(
        path: &nn::Path,
        in_channels: i64,
        out_channels: i64,
        stride: i64,
        padding: i64,
    ) -> Result<Self> {
        if in_channels < 1 || out_channels < 1 || stride < 1 || padding < 0 {
            return Err(Error::config(format!(
                "flipped quanvolution: channels and stride must be >= 1 and padding >= 0, got \
                 {in_channels} → {out_channels}, stride {stride}, padding {padding}"
            )));
        }
        let normal = Init::Randn {
            mean: 0.0,
            stdev: 1.0,
        };
        let m = pauli::n_generators(QUBITS);
        Ok(FlippedQuanv {
            weight: path.f_var("weight", &[out_channels, in_channels, m], normal)?,
            bias: path.f_var("bias", &[out_channels], normal)?,
            in_channels,
            out_channels,
            stride,
            padding,
        })
    }

    /// The kernel states `exp(iH(θ))|00⟩`: `[C_out, C_in, 4]` complex.
    pub fn states(&self) -> Result<Tensor> {
        let u = pauli::su_gate(&self.weight, QUBITS)?;
        Ok(u.f_select(-1, 0)?)
    }

    /// The equivalent real convolution kernel `Re(ψ̄ψᵀ)[0..3, 0..3] / C_in`: `[C_out, C_in, 3, 3]`.
    pub fn kernel(&self) -> Result<Tensor> {
        let psi = self.states()?;
        let (re, im) = (psi.f_real()?, psi.f_imag()?);
        let outer =
            |v: &Tensor| -> Result<Tensor> { Ok(v.f_unsqueeze(-1)?.f_mul(&v.f_unsqueeze(-2)?)?) };
        let k = outer(&re)?.f_add(&outer(&im)?)?;
        let k = k.f_narrow(-2, 0, KERNEL)?.f_narrow(-1, 0, KERNEL)?;
        Ok(k.f_div_scalar(self.in_channels as f64)?)
    }

    /// Run the layer.
    ///
    /// # Shapes
    /// `xs` `[B, C_in, H, W]` real (the parameters' kind) → `[B, C_out, H', W']` with
    /// `H' = (H + 2·padding − 3) / stride + 1`.
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let size = xs.size();
        if size.len() != 4 || size[1] != self.in_channels {
            return Err(Error::input(format!(
                "flipped quanvolution: expected [B, {}, H, W], got {size:?}",
                self.in_channels
            )));
        }
        if size[2] + 2 * self.padding < KERNEL || size[3] + 2 * self.padding < KERNEL {
            return Err(Error::input(format!(
                "flipped quanvolution: the image {size:?} is smaller than the 3×3 patch"
            )));
        }
        let k = self.kernel()?;
        Ok(xs.f_conv2d(
            &k,
            Some(&self.bias),
            [self.stride; 2],
            [self.padding; 2],
            [1, 1],
            1,
        )?)
    }

    /// The layer's output for single patches, computed directly as `ψ† H ψ`: `patches`
    /// `[N, C_in, 3, 3]` → `[N, C_out]`. The reference the convolution is checked against.
    pub fn expectation(&self, patches: &Tensor) -> Result<Tensor> {
        let psi = self.states()?; // [O, C, 4]
        let h = patch_observable(patches)?; // [N, C, 4, 4]
        let ckind = psi.kind();
        let h = h.f_to_kind(ckind)?.f_unsqueeze(1)?; // [N, 1, C, 4, 4]
        let col = psi.f_unsqueeze(-1)?; // [O, C, 4, 1]
        let hpsi = h.f_matmul(&col)?; // [N, O, C, 4, 1]
        let e = col
            .f_conj()?
            .f_mul(&hpsi)?
            .f_sum_dim_intlist([-2, -1].as_slice(), false, None)?; // [N, O, C]
        let e = e.f_real()?.f_mean_dim([-1].as_slice(), false, None)?;
        Ok(e.f_add(&self.bias)?)
    }
}

/// The Hermitian observable of 3×3 patches: zero-padded to 4×4 and symmetrised,
/// `(X̃ + X̃ᵀ)/2`: `[…, 3, 3]` → `[…, 4, 4]` real.
pub fn patch_observable(patches: &Tensor) -> Result<Tensor> {
    let p = patches.f_constant_pad_nd([0, 1, 0, 1])?;
    Ok(p.f_add(&p.f_transpose(-1, -2)?)?.f_div_scalar(2.0)?)
}
