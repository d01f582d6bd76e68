//! Multimodal fusion: two or more core encoders ("modalities") joined by one of the four fusion
//! types of Wadekar et al. 2024, "The Evolution of Multimodal Model Architectures"
//! (arXiv:2405.17927), or by late fusion as the baseline.
//!
//! | type | survey's name | here |
//! | --- | --- | --- |
//! | A | deep fusion, standard cross-attention inside the model | [`FusionKind::CrossAttention`]: every modality's tokens attend to the other modalities' tokens (`nn.MultiheadAttention`), residual + layer norm + feed-forward, per layer |
//! | B | deep fusion, custom layers | [`FusionKind::Gated`] (gated multimodal unit, Arevalo et al. 2017) and [`FusionKind::Film`] (feature-wise linear modulation, Perez et al. 2018) |
//! | C | early fusion of modality-specific encoder outputs at the input | [`FusionKind::Early`]: encoder outputs concatenated at the input of a shared MLP or LSTM trunk |
//! | D | early fusion of tokenised modalities | [`FusionKind::Tokens`]: modality tokens + a learned modality embedding, one shared Transformer encoder ([`crate::nn::transformer`]) |
//! | — | late fusion | [`FusionKind::Late`]: one head per modality, the mean of their log-probabilities |
//!
//! A modality ([`ModalityConfig`]) is any core model ([`ModelSpec`](crate::nn::spec::ModelSpec))
//! mapping its input to a `[B, D]` vector or a `[B, T, D]` token sequence, plus a name, its
//! input shape and a linear projection to the common width `d_model`.
//!
//! **One tensor in.** The model implements [`Forward`] on a *packed* batch
//! `[B, Σ_m numel(input_shape_m)]` (each modality's input flattened, in config order;
//! [`pack`] builds it), so the registry's `models`/`inspect`/`forward` commands and core's
//! [`Trainer`](crate::train::Trainer) use it as any other model. A modality whose packed slice
//! is all NaN in a row is *missing* in that row.
//!
//! **Missing modalities** ([`MissingPolicy`]): a missing modality's tokens are replaced by a
//! learned placeholder (`modalities.<name>.placeholder`, `[d_model]`), or masked out (attention
//! key masks, zero vectors, excluded gates); late fusion always averages over the present
//! modalities only. `modality_dropout` drops modalities at random per training example (never
//! all of one example) so a model learns not to lean on one of them.
//!
//! Parameters: `modalities.<name>.encoder.*` (the encoder's own names),
//! `modalities.<name>.proj.weight|bias`, `modalities.<name>.placeholder`, `fusion.*` (per type,
//! see each builder) and `head.hidden.{i}.*`, `head.out.*` (an MLP; late fusion has
//! `fusion.heads.<name>.*` instead). Capture points: `modalities.<name>` (the projected
//! tokens `[B, T, d_model]` after missing-modality handling), `fusion` (the fused vector that
//! enters the head) and the head's own.

mod config;
mod cross_attention;
mod early;
mod gated;
mod late;
mod missing;
mod modality;
mod model;
mod tokens;

#[cfg(test)]
mod tests;

pub use config::{FusionConfig, FusionKind, MissingPolicy};
pub use cross_attention::{CrossAttention, CrossAttentionConfig};
pub use early::{EarlyConfig, Trunk};
pub use missing::pack;
pub use modality::{Modality, ModalityConfig};
pub use model::FusionModel;
pub use tokens::TokenFusionConfig;

use tch::Tensor;

/// One modality's projected tokens `x [B, T, d]` and which of them are real (`mask [B, T]`
/// bool; `None` = all).
#[derive(Debug)]
pub struct Tokens {
    /// `[B, T, d_model]`.
    pub x: Tensor,
    /// `[B, T]` bool, true at real tokens; `None` when every token is real.
    pub mask: Option<Tensor>,
}

impl Tokens {
    /// The masked mean over tokens, `[B, d]` (a row with no real token gives zeros).
    pub fn pooled(&self) -> crate::Result<Tensor> {
        match &self.mask {
            None => Ok(self.x.f_mean_dim(1, false, None)?),
            Some(m) => {
                let w = m.f_to_kind(self.x.kind())?.f_unsqueeze(-1)?;
                let n = w.f_sum_dim_intlist(1, false, None)?.f_clamp_min(1.0)?;
                Ok(self
                    .x
                    .f_mul(&w)?
                    .f_sum_dim_intlist(1, false, None)?
                    .f_div(&n)?)
            }
        }
    }
}
