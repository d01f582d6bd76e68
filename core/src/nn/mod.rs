//! Layers and model builders.
//!
//! Every builder is a serde `*Config` (defaults documented, usually from a paper) with
//! `init(&self, path) -> Result<Model>`; the model's `forward` documents its shapes in a
//! `# Shapes` section. Every sub-layer gets its own named sub-path (`&p / "encoder" / "0"`), so
//! checkpoint names are stable and match the equivalent PyTorch `nn.Module` state dict.
//!
//! All models implement [`Forward`], the one interface the [`crate::train::Trainer`] calls.

pub mod activation;
pub mod attention;
pub mod autoencoder;
pub mod capture;
pub mod cnn;
pub mod cnn_lstm;
pub mod crf;
pub mod fusion;
pub mod init;
pub mod mlp;
pub mod rnn;
pub mod seq2seq;
pub mod spec;
pub mod ssm;
pub mod transformer;

#[cfg(test)]
pub(crate) mod test_util;

pub use activation::{Activation, ActivationLayer};

/// Refuse a learned-parameter activation (PReLU) in a builder that applies its activation as a
/// plain function (only the MLP and graph layers hold PReLU slopes).
pub(crate) fn check_stateless(name: &str, act: Activation) -> crate::Result<()> {
    crate::ensure_config!(
        !act.is_parametric(),
        "{name}: activation {act:?} has a learned slope, which only the MLP and the graph layers support; use leaky_relu or relu here"
    );
    Ok(())
}
pub use init::LinearInit;

use tch::Tensor;

/// The forward pass every deepfield model exposes.
pub trait Forward {
    /// Run the model; bad input (wrong shape, bad mask) is an error, never a panic. This is the
    /// one method a model implements, and the one the [`crate::train::Trainer`] calls.
    ///
    /// * `xs` — a batch of inputs, batch first.
    /// * `mask` — for padded sequences, `[B, T]` bool, true at real time steps; models that are
    ///   not sequence models ignore it.
    /// * `train` — training mode (dropout active, batch-norm statistics updated).
    fn try_forward_t(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> crate::Result<Tensor>;

    /// [`try_forward_t`](Self::try_forward_t) for inputs known to be well formed.
    ///
    /// # Panics
    /// On input `try_forward_t` rejects.
    fn forward_t(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Tensor {
        self.try_forward_t(xs, mask, train)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Inference: `forward_t(xs, mask, false)`.
    fn predict(&self, xs: &Tensor, mask: Option<&Tensor>) -> Tensor {
        self.forward_t(xs, mask, false)
    }
}

impl<T: Forward + ?Sized> Forward for Box<T> {
    fn try_forward_t(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> crate::Result<Tensor> {
        (**self).try_forward_t(xs, mask, train)
    }
}

/// Implement [`Forward`] for a model by calling one of its own methods: `Type =>
/// method(xs, mask, train)` passes the mask on, `Type => method(xs, train)` ignores it. Doc
/// comments before `Type` go on `try_forward_t`.
macro_rules! forward_by {
    ($(#[$doc:meta])* $ty:ty => $method:ident(xs, $(mask $comma:tt)? train)) => {
        impl $crate::nn::Forward for $ty {
            $(#[$doc])*
            fn try_forward_t(
                &self,
                xs: &tch::Tensor,
                mask: Option<&tch::Tensor>,
                train: bool,
            ) -> $crate::Result<tch::Tensor> {
                let _ = &mask; // unused when the method ignores the mask
                self.$method(xs, $(mask $comma)? train)
            }
        }
    };
}
pub(crate) use forward_by;

/// The size of `xs` once checked to be a `[B, T, features]` batch of sequences (`what` names
/// the layer in the error).
pub(crate) fn check_sequences(what: &str, xs: &Tensor, features: i64) -> crate::Result<Vec<i64>> {
    let size = xs.size();
    crate::ensure_input!(
        size.len() == 3 && size[2] == features,
        "{what}: expected input [B, T, {features}], got {size:?}"
    );
    Ok(size)
}

/// Check a `[B, T]` padding mask with at least one real step per row (`what` names the layer
/// in the error); return it as bool and its lengths (`[B]` int64).
pub(crate) fn check_mask_rows(
    what: &str,
    mask: &Tensor,
    b: i64,
    t: i64,
) -> crate::Result<(Tensor, Tensor)> {
    let size = mask.size();
    crate::ensure_input!(
        size == [b, t],
        "{what}: mask must be [B={b}, T={t}], got {size:?}"
    );
    let mask = attention::bool_mask(mask)?;
    let lengths = mask.f_sum_dim_intlist(1, false, tch::Kind::Int64)?;
    crate::ensure_input!(
        lengths.f_min()?.f_int64_value(&[])? > 0,
        "{what}: every sequence needs at least one real step (a mask row is all false)"
    );
    Ok((mask, lengths))
}

/// Apply dropout with probability `p` in training mode (no-op when `p == 0` or not training).
pub fn dropout(xs: Tensor, p: f64, train: bool) -> Tensor {
    if train && p > 0.0 {
        xs.dropout(p, true)
    } else {
        xs
    }
}

/// PyTorch's `nn.Linear` initialisation for weight and bias, U(±1/√fan_in) (tch's own default
/// weight init, Kaiming-uniform with ReLU gain, is √6 ≈ 2.45 times wider).
pub fn torch_linear_init(fan_in: i64) -> tch::nn::Init {
    let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
    tch::nn::Init::Uniform {
        lo: -bound,
        up: bound,
    }
}

/// Check a dropout probability.
pub fn check_dropout(name: &str, p: f64) -> crate::Result<()> {
    crate::ensure_config!(
        (0.0..1.0).contains(&p),
        "{name}: dropout must be in [0, 1), got {p}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torch_linear_init_has_pytorchs_bound() {
        let vs = tch::nn::VarStore::new(tch::Device::Cpu);
        let w = vs.root().var("w", &[256, 400], torch_linear_init(400));
        let bound = 1.0 / 20.0;
        let max = w.abs().max().double_value(&[]);
        assert!(max <= bound && max > 0.95 * bound, "max |w| {max}");
        // U(±b) has std b/√3.
        let std = w.std(true).double_value(&[]);
        assert!(
            (std / (bound / 3f64.sqrt()) - 1.0).abs() < 0.03,
            "std {std}"
        );
    }
}
