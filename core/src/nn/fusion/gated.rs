//! Type B: custom fusion layers — the gated multimodal unit (Arevalo et al. 2017) and FiLM
//! (Perez et al. 2018). See [`FusionKind::Gated`](super::FusionKind::Gated) and
//! [`FusionKind::Film`](super::FusionKind::Film).

use tch::nn::Linear;
use tch::{nn, Tensor};

use super::Tokens;
use crate::nn::attention::masked_softmax;
use crate::nn::init::{linear, LinearInit};
use crate::Result;

/// The built gated multimodal unit: fused vector `[B, d]`.
#[derive(Debug)]
pub(super) struct GatedFusion {
    hidden: Vec<Linear>,
    gate: Linear,
    d: i64,
}

impl GatedFusion {
    pub(super) fn new(path: &nn::Path, names: &[&str], d: i64) -> Result<Self> {
        let hp = path / "hidden";
        let hidden = names
            .iter()
            .map(|n| linear(&(&hp / *n), d, d, LinearInit::Torch))
            .collect::<Result<Vec<_>>>()?;
        let m = names.len() as i64;
        let gate = linear(&(path / "gate"), m * d, m * d, LinearInit::Torch)?;
        Ok(GatedFusion { hidden, gate, d })
    }

    /// `present [B, M]` (bool) excludes missing modalities from the gates (mask policy);
    /// `None` gates every modality.
    pub(super) fn forward(&self, tokens: &[Tokens], present: Option<&Tensor>) -> Result<Tensor> {
        let v = tokens
            .iter()
            .map(Tokens::pooled)
            .collect::<Result<Vec<_>>>()?;
        let b = v[0].size()[0];
        let m = v.len() as i64;
        let h = v
            .iter()
            .zip(&self.hidden)
            .map(|(x, l)| Ok(x.f_linear(&l.ws, l.bs.as_ref())?.f_tanh()?))
            .collect::<Result<Vec<_>>>()?;
        let h = Tensor::f_stack(&h, 1)?; // [B, M, d]
        let z = Tensor::f_cat(&v, 1)?
            .f_linear(&self.gate.ws, self.gate.bs.as_ref())?
            .f_view([b, m, self.d])?;
        let mask = match present {
            Some(p) => Some(p.f_view([b, m, 1])?),
            None => None,
        };
        let z = masked_softmax(&z, mask.as_ref(), 1)?;
        Ok(z.f_mul(&h)?.f_sum_dim_intlist(1, false, None)?)
    }
}

/// The built FiLM layer: the primary modality's tokens modulated by the others, pooled `[B, d]`.
#[derive(Debug)]
pub(super) struct FilmFusion {
    film: Linear,
    primary: usize,
}

impl FilmFusion {
    pub(super) fn new(path: &nn::Path, m: usize, primary: usize, d: i64) -> Result<Self> {
        let film = linear(
            &(path / "film"),
            (m as i64 - 1) * d,
            2 * d,
            LinearInit::Torch,
        )?;
        Ok(FilmFusion { film, primary })
    }

    pub(super) fn forward(&self, tokens: &[Tokens]) -> Result<Tensor> {
        let ctx = tokens
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != self.primary)
            .map(|(_, t)| t.pooled())
            .collect::<Result<Vec<_>>>()?;
        let gb = Tensor::f_cat(&ctx, 1)?.f_linear(&self.film.ws, self.film.bs.as_ref())?;
        let parts = gb.f_chunk(2, 1)?;
        let (gamma, beta) = (parts[0].f_unsqueeze(1)?, parts[1].f_unsqueeze(1)?);
        let p = &tokens[self.primary];
        let x =
            p.x.f_mul(&gamma.f_add_scalar(1.0)?)?
                .f_add(&beta)?
                .f_relu()?;
        // Pooled over every token: a missing (zeroed) primary still carries `relu(β)`.
        Tokens { x, mask: None }.pooled()
    }
}
