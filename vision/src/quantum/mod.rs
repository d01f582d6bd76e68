//! Hybrid quantum layers, simulated exactly as complex state vectors in libtorch.
//!
//! The layers of "Let the Quantum Creep In" (the `quantum-creep` reproduction): an n-qubit
//! register is a complex vector of 2ⁿ amplitudes (`ComplexFloat` for training, `ComplexDouble`
//! for checks); a parametrised gate is `exp(i·H(θ))` with `H(θ) = Σₚ θₚ Pₚ` over the 4ⁿ − 1
//! non-identity Pauli strings ([`pauli`]) and trainable *real* θ, so `H` is Hermitian and the gate
//! unitary; classical data enters as a Hermitian matrix, either as an observable
//! ([`quanv::FlippedQuanv`]) or as the generator of a unitary ([`reupload::ReUploadingLinear`]).
//! Outputs are exact expectation values (no shot noise), real, and differentiable: gradients flow
//! through `matrix_exp` (and the spectral decomposition of [`spectral`]) to the parameters and
//! to the input.

pub mod net;
pub mod pauli;
pub mod quanv;
pub mod reupload;
pub mod spectral;

use tch::Kind;

/// The complex kind that pairs with a real parameter kind (`Double` → `ComplexDouble`, anything
/// else → `ComplexFloat`).
pub fn complex_of(real: Kind) -> Kind {
    match real {
        Kind::Double => Kind::ComplexDouble,
        _ => Kind::ComplexFloat,
    }
}

/// The real kind of a complex kind's parts (`ComplexDouble`/`Double` → `Double`, anything else
/// → `Float`).
pub fn real_of(kind: Kind) -> Kind {
    match kind {
        Kind::ComplexDouble | Kind::Double => Kind::Double,
        _ => Kind::Float,
    }
}
