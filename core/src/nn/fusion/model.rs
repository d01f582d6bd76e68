//! The built fusion model and its forward pass: unpack → encode each modality → missing
//! modalities replaced → fusion block → head.

use tch::{nn, Tensor};

use super::config::{FusionConfig, FusionKind, MissingPolicy};
use super::cross_attention::CrossAttentionFusion;
use super::early::EarlyFusion;
use super::gated::{FilmFusion, GatedFusion};
use super::late::LateFusion;
use super::missing::{modality_dropout, unpack};
use super::modality::Modality;
use super::tokens::TokenFusion;
use super::Tokens;
use crate::nn::capture::{child, name_of, tap};
use crate::nn::mlp::{Mlp, MlpConfig};
use crate::nn::{dropout, forward_by, Forward};
use crate::{ensure_input, Result};

/// The fusion block of one type.
#[derive(Debug)]
enum Block {
    CrossAttention(CrossAttentionFusion),
    Gated(GatedFusion),
    Film(FilmFusion),
    Early(EarlyFusion),
    Tokens(Box<TokenFusion>),
    Late(LateFusion),
}

/// A multimodal classifier; see [`FusionConfig`] and the [module docs](super).
#[derive(Debug)]
pub struct FusionModel {
    modalities: Vec<Modality>,
    block: Block,
    /// `None` for late fusion.
    head: Option<Mlp>,
    fused_name: String,
    config: FusionConfig,
}

impl FusionModel {
    pub(super) fn new(path: &nn::Path, c: &FusionConfig) -> Result<Self> {
        let d = c.d_model;
        let mp = path / "modalities";
        let modalities = c
            .modalities
            .iter()
            .map(|m| Modality::new(&(&mp / m.name.as_str()), m, d))
            .collect::<Result<Vec<_>>>()?;
        let names: Vec<&str> = c.modalities.iter().map(|m| m.name.as_str()).collect();
        let m = names.len() as i64;
        let fp = path / "fusion";
        let (block, fused) = match &c.fusion {
            FusionKind::CrossAttention(a) => (
                Block::CrossAttention(CrossAttentionFusion::new(&fp, a, &names, d, c.dropout)?),
                m * d,
            ),
            FusionKind::Gated => (Block::Gated(GatedFusion::new(&fp, &names, d)?), d),
            FusionKind::Film { primary } => (
                Block::Film(FilmFusion::new(&fp, names.len(), *primary, d)?),
                d,
            ),
            FusionKind::Early(e) => (
                Block::Early(EarlyFusion::new(&fp, e, m, d, c.dropout)?),
                e.out_width(m, d),
            ),
            FusionKind::Tokens(t) => (
                Block::Tokens(Box::new(TokenFusion::new(&fp, t, m, d, c.dropout)?)),
                d,
            ),
            FusionKind::Late => (Block::Late(LateFusion::new(&fp, &names, d, c.classes)?), 0),
        };
        let head = match block {
            Block::Late(_) => None,
            _ => {
                let mut h = MlpConfig::new(fused, c.head_hidden.clone(), c.classes);
                h.dropout = c.dropout;
                Some(h.init(&(path / "head"))?)
            }
        };
        Ok(FusionModel {
            modalities,
            block,
            head,
            fused_name: child(&name_of(path), "fusion"),
            config: c.clone(),
        })
    }

    /// The config this model was built from.
    pub fn config(&self) -> &FusionConfig {
        &self.config
    }

    /// The built modalities, in config order.
    pub fn modalities(&self) -> &[Modality] {
        &self.modalities
    }

    /// The forward pass on a packed batch ([`super::pack`]); a modality whose slice of a row is
    /// all NaN is missing in that row.
    ///
    /// # Shapes
    /// * `xs`: `[B, Σ_m numel(input_shape_m)]`
    /// * returns logits `[B, classes]` (late fusion: mean log-probabilities)
    pub fn try_forward(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let (inputs, present) = unpack(&self.config, xs)?;
        self.forward_modalities(&inputs, &present, train)
    }

    /// The forward pass on separate modality batches.
    ///
    /// # Shapes
    /// * `inputs[m]`: `[B, ..input_shape_m]` (values of missing rows are ignored)
    /// * `present`: `[B, M]` bool, true where modality `m` is present in row `b`
    /// * returns logits `[B, classes]`
    pub fn forward_modalities(
        &self,
        inputs: &[Tensor],
        present: &Tensor,
        train: bool,
    ) -> Result<Tensor> {
        let c = &self.config;
        let m = self.modalities.len();
        ensure_input!(
            inputs.len() == m,
            "fusion: {} inputs for {m} modalities",
            inputs.len()
        );
        let b = inputs[0].size().first().copied().unwrap_or(0);
        ensure_input!(
            present.size() == [b, m as i64],
            "fusion: present must be [B={b}, M={m}], got {:?}",
            present.size()
        );
        let present = crate::nn::attention::bool_mask(present)?.f_to_device(inputs[0].device())?;
        let present = if train {
            modality_dropout(&present, c.modality_dropout)?
        } else {
            present
        };
        let placeholder = c.missing == MissingPolicy::Placeholder;
        let mut tokens = Vec::with_capacity(m);
        for (j, (modality, x)) in self.modalities.iter().zip(inputs).enumerate() {
            let t = modality.encode(x, train)?;
            tokens.push(modality.fill_missing(t, &present.f_select(1, j as i64)?, placeholder)?);
        }
        let gate_mask = (!placeholder).then_some(&present);
        let fused = match &self.block {
            Block::CrossAttention(f) => f.forward(&tokens, train)?,
            Block::Gated(f) => f.forward(&tokens, gate_mask)?,
            Block::Film(f) => f.forward(&tokens)?,
            Block::Early(f) => f.forward(&tokens, train)?,
            Block::Tokens(f) => f.forward(&tokens, train)?,
            Block::Late(f) => return f.forward(&tokens, &present, c.dropout, train),
        };
        let fused = tap(&self.fused_name, dropout(fused, c.dropout, train));
        match &self.head {
            Some(h) => h.try_forward_t(&fused, None, train),
            None => Ok(fused),
        }
    }

    /// Per-modality tokens after missing-modality handling (for inspection).
    pub fn tokens(&self, xs: &Tensor) -> Result<Vec<Tokens>> {
        let (inputs, present) = unpack(&self.config, xs)?;
        let placeholder = self.config.missing == MissingPolicy::Placeholder;
        self.modalities
            .iter()
            .zip(&inputs)
            .enumerate()
            .map(|(j, (modality, x))| {
                let t = modality.encode(x, false)?;
                modality.fill_missing(t, &present.f_select(1, j as i64)?, placeholder)
            })
            .collect()
    }
}

forward_by! {
    /// See [`FusionModel::try_forward`].
    ///
    /// # Shapes
    /// * `xs`: packed `[B, Σ_m numel(input_shape_m)]`; returns `[B, classes]`
    FusionModel => try_forward(xs, train)
}
