//! One modality: a core encoder, its input shape, and the projection to the common width.

use serde::{Deserialize, Serialize};
use tch::nn::Linear;
use tch::{nn, Kind, Tensor};

use super::Tokens;
use crate::nn::capture::{name_of, tap};
use crate::nn::init::{linear, LinearInit};
use crate::nn::spec::{DynModel, ModelSpec};
use crate::{ensure_config, ensure_input, Result};

/// One modality of a [`FusionConfig`](super::FusionConfig).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModalityConfig {
    /// Name (parameter path `modalities.<name>`): lowercase letters, digits and `_`.
    pub name: String,
    /// Shape of one example's input, batch excluded (`[1, 28, 28]` for an MNIST image,
    /// `[T, F]` for `T` frames of `F` features).
    pub input_shape: Vec<i64>,
    /// The encoder: any core model mapping `[B, ..input_shape]` to `[B, output]` or
    /// `[B, T, output]`.
    pub encoder: ModelSpec,
    /// Features of the encoder's output `D`.
    pub output: i64,
}

impl ModalityConfig {
    /// A modality.
    pub fn new(
        name: impl Into<String>,
        input_shape: impl Into<Vec<i64>>,
        encoder: ModelSpec,
        output: i64,
    ) -> Self {
        ModalityConfig {
            name: name.into(),
            input_shape: input_shape.into(),
            encoder,
            output,
        }
    }

    /// Values of one example's input.
    pub fn numel(&self) -> i64 {
        self.input_shape.iter().product()
    }

    /// Check name and sizes.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            !self.name.is_empty()
                && self
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "fusion: modality name `{}` must be non-empty lowercase letters, digits or `_`",
            self.name
        );
        ensure_config!(
            !self.input_shape.is_empty() && self.input_shape.iter().all(|&s| s > 0),
            "fusion: modality `{}`: input_shape must be non-empty with sizes > 0, got {:?}",
            self.name,
            self.input_shape
        );
        ensure_config!(
            self.output > 0,
            "fusion: modality `{}`: output must be > 0, got {}",
            self.name,
            self.output
        );
        Ok(())
    }
}

/// A built modality; see [`ModalityConfig`].
pub struct Modality {
    encoder: DynModel,
    proj: Linear,
    placeholder: Tensor,
    /// Capture name of the projected tokens.
    name: String,
    config: ModalityConfig,
}

impl std::fmt::Debug for Modality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Modality")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Modality {
    /// Build under `path` (`modalities.<name>`), projecting to `d_model`.
    pub(super) fn new(path: &nn::Path, config: &ModalityConfig, d_model: i64) -> Result<Self> {
        config.validate()?;
        let encoder = config.encoder.init(&(path / "encoder"))?;
        let proj = linear(&(path / "proj"), config.output, d_model, LinearInit::Torch)?;
        let placeholder = path.f_var(
            "placeholder",
            &[d_model],
            nn::Init::Randn {
                mean: 0.0,
                stdev: 0.02,
            },
        )?;
        Ok(Modality {
            encoder,
            proj,
            placeholder,
            name: name_of(path),
            config: config.clone(),
        })
    }

    /// The config.
    pub fn config(&self) -> &ModalityConfig {
        &self.config
    }

    /// The learned placeholder `[d_model]`.
    pub fn placeholder(&self) -> &Tensor {
        &self.placeholder
    }

    /// Encode and project one modality's input.
    ///
    /// # Shapes
    /// * `xs`: `[B, ..input_shape]`
    /// * returns `[B, T, d_model]` (`T = 1` for a vector encoder)
    pub fn encode(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let c = &self.config;
        let size = xs.size();
        ensure_input!(
            size.len() == c.input_shape.len() + 1 && size[1..] == c.input_shape[..],
            "fusion: modality `{}` expects [B, {:?}] input, got {:?}",
            c.name,
            c.input_shape,
            size
        );
        let h = self.encoder.try_forward_t(xs, None, train)?;
        ensure_input!(
            h.dim() == 2 || h.dim() == 3,
            "fusion: modality `{}`: the encoder returned {:?}, expected [B, D] or [B, T, D]",
            c.name,
            h.size()
        );
        let h = if h.dim() == 2 { h.f_unsqueeze(1)? } else { h };
        ensure_input!(
            h.size()[2] == c.output,
            "fusion: modality `{}`: the encoder returned {:?}, but the config says {} features",
            c.name,
            h.size(),
            c.output
        );
        Ok(h.f_linear(&self.proj.ws, self.proj.bs.as_ref())?)
    }

    /// Replace the tokens of missing rows: by the placeholder, or by zeros with a false mask.
    ///
    /// # Shapes
    /// * `x`: `[B, T, d]`, `present`: `[B]` bool
    pub(super) fn fill_missing(
        &self,
        x: Tensor,
        present: &Tensor,
        placeholder: bool,
    ) -> Result<Tokens> {
        let (b, t, _) = x.size3()?;
        let keep = present.f_view([b, 1, 1])?;
        if placeholder {
            let p = self.placeholder.f_to_kind(x.kind())?.f_view([1, 1, -1])?;
            let x = x.f_where_self(&keep, &p)?;
            return Ok(Tokens {
                x: tap(&self.name, x),
                mask: None,
            });
        }
        let x = x.f_where_self(&keep, &x.f_zeros_like()?)?;
        let mask = present
            .f_view([b, 1])?
            .f_expand([b, t], false)?
            .f_to_kind(Kind::Bool)?;
        Ok(Tokens {
            x: tap(&self.name, x),
            mask: Some(mask),
        })
    }
}
