//! The Pauli basis of n-qubit Hermitian matrices and the parametrised special-unitary gate
//! `exp(i·Σₚ θₚ Pₚ)`.
//!
//! The 4ⁿ − 1 non-identity Pauli strings are ordered as `itertools.product("IXYZ", repeat=n)`
//! without the all-identity string (the order of the paper's repository), the first letter
//! acting on the most significant qubit (`kron(P₁, …, Pₙ)`). [`hermitian`] builds
//! `H(θ) = Σₚ θₚ Pₚ` without materialising the 4ⁿ matrices: the sum is a contraction of the
//! coefficient tensor `[4, …, 4]` with the 2×2 Pauli matrices one qubit at a time, O(n·4ⁿ)
//! work instead of O(16ⁿ) (for 7 qubits the explicit stack would be 16383 × 128 × 128 complex
//! numbers, 2 GiB).

use tch::{Device, Kind, Tensor};

use crate::{Error, Result};

/// The Pauli letters in basis order.
pub const LETTERS: [char; 4] = ['I', 'X', 'Y', 'Z'];

/// Number of trainable coefficients of an n-qubit special-unitary gate: 4ⁿ − 1.
pub fn n_generators(n_qubits: usize) -> i64 {
    4i64.pow(n_qubits as u32) - 1
}

fn check_qubits(n_qubits: usize) -> Result<()> {
    if !(1..=8).contains(&n_qubits) {
        return Err(Error::config(format!(
            "quantum: 1 to 8 qubits are simulated, got {n_qubits}"
        )));
    }
    Ok(())
}

/// The non-identity Pauli strings of `n_qubits` qubits in basis order (`IX`, `IY`, …, `ZZ`).
pub fn strings(n_qubits: usize) -> Vec<String> {
    let total = 4usize.pow(n_qubits as u32);
    (1..total)
        .map(|mut k| {
            let mut s = vec!['I'; n_qubits];
            for slot in s.iter_mut().rev() {
                *slot = LETTERS[k % 4];
                k /= 4;
            }
            s.into_iter().collect()
        })
        .collect()
}

/// The four 2×2 Pauli matrices as a `[4, 4]` complex tensor: row `p` (I, X, Y, Z) holds the
/// matrix flattened row-major (`[m₀₀, m₀₁, m₁₀, m₁₁]`).
fn basis(kind: Kind, device: Device) -> Result<Tensor> {
    let re = Tensor::from_slice(&[
        1.0f64, 0., 0., 1., // I
        0., 1., 1., 0., // X
        0., 0., 0., 0., // Y (imaginary)
        1., 0., 0., -1., // Z
    ]);
    let im = Tensor::from_slice(&[
        0.0f64, 0., 0., 0., //
        0., 0., 0., 0., //
        0., -1., 1., 0., // Y = [[0, -i], [i, 0]]
        0., 0., 0., 0.,
    ]);
    let real = crate::quantum::real_of(kind);
    let z = Tensor::f_complex(&re.f_to_kind(real)?, &im.f_to_kind(real)?)?;
    Ok(z.f_reshape([4, 4])?.f_to(device)?)
}

/// The explicit matrix of one Pauli string (`"XZ"` → X ⊗ Z), complex of `kind`.
pub fn matrix(string: &str, kind: Kind, device: Device) -> Result<Tensor> {
    check_qubits(string.chars().count())?;
    let b = basis(kind, device)?;
    let mut out: Option<Tensor> = None;
    for c in string.chars() {
        let p = LETTERS.iter().position(|&l| l == c).ok_or_else(|| {
            Error::input(format!(
                "Pauli string {string:?}: {c:?} is not I, X, Y or Z"
            ))
        })?;
        let m = b.f_get(p as i64)?.f_reshape([2, 2])?;
        out = Some(match out {
            None => m,
            Some(acc) => acc.f_kron(&m)?,
        });
    }
    out.ok_or_else(|| Error::input("empty Pauli string"))
}

/// `H(θ) = Σₚ θₚ Pₚ` for real coefficients `theta` `[…, 4ⁿ − 1]` (basis order): a complex
/// Hermitian, traceless `[…, 2ⁿ, 2ⁿ]` (complex of the coefficients' kind, see
/// [`super::complex_of`]). Differentiable in `theta`.
pub fn hermitian(theta: &Tensor, n_qubits: usize) -> Result<Tensor> {
    check_qubits(n_qubits)?;
    let size = theta.size();
    let m = n_generators(n_qubits);
    let Some((&last, lead)) = size.split_last() else {
        return Err(Error::input(
            "quantum: Pauli coefficients must have at least one dimension",
        ));
    };
    if last != m {
        return Err(Error::input(format!(
            "quantum: {n_qubits} qubits need {m} Pauli coefficients in the last dimension, got {size:?}"
        )));
    }
    let batch: i64 = lead.iter().product();
    let ckind = super::complex_of(theta.kind());
    let c = theta.f_reshape([batch, m])?;
    let c = Tensor::f_cat(&[c.f_zeros_like()?.f_narrow(1, 0, 1)?, c], 1)?.f_to_kind(ckind)?;
    let d = 1i64 << n_qubits;
    let rest = (m + 1) / 4;
    // [4(ab), 4(p)]: (ab, p) entry = P_p[a, b].
    let bt = basis(ckind, theta.device())?.f_tr()?;
    let mut x = c.f_reshape([batch, 4, rest])?;
    for _ in 0..n_qubits {
        // Contract this qubit's Pauli index, then rotate its (a, b) pair to the end.
        let y = bt.f_matmul(&x)?; // [B, 4(ab), rest]
        x = y.f_permute([0, 2, 1])?.f_reshape([batch, 4, rest])?;
    }
    // Now [B, (a₁b₁)(a₂b₂)…(aₙbₙ)] → [B, a₁…aₙ, b₁…bₙ].
    let n = n_qubits as i64;
    let mut shape = vec![batch];
    shape.extend(std::iter::repeat_n(2, 2 * n_qubits));
    let perm: Vec<i64> = std::iter::once(0)
        .chain((0..n).map(|k| 1 + 2 * k))
        .chain((0..n).map(|k| 2 + 2 * k))
        .collect();
    let h = x
        .f_reshape(shape)?
        .f_permute(perm)?
        .f_reshape([batch, d, d])?;
    let mut out_shape = lead.to_vec();
    out_shape.extend([d, d]);
    Ok(h.f_reshape(out_shape)?)
}

/// The gate `exp(i·H(θ))` ([`hermitian`]): unitary `[…, 2ⁿ, 2ⁿ]`, differentiable in `theta`.
pub fn su_gate(theta: &Tensor, n_qubits: usize) -> Result<Tensor> {
    let h = hermitian(theta, n_qubits)?;
    Ok(i_times(&h)?.f_linalg_matrix_exp()?)
}

/// `i·z` for a complex tensor.
pub fn i_times(z: &Tensor) -> Result<Tensor> {
    let re = z.f_real()?;
    let im = z.f_imag()?;
    Ok(Tensor::f_complex(&im.f_neg()?, &re)?)
}
