//! The packed input (every modality flattened side by side), missing modalities marked by NaN,
//! and modality dropout.

use tch::{Kind, Tensor};

use super::FusionConfig;
use crate::{ensure_input, Error, Result};

/// Pack per-modality batches into the one tensor [`FusionModel`](super::FusionModel) takes:
/// `[B, Σ_m numel(input_shape_m)]`, float, modality `m`'s input flattened into its slice;
/// `None` (a modality missing from the whole batch) fills its slice with NaN. At least one
/// modality must be given; every given batch must have the modality's shape and the same `B`.
pub fn pack(config: &FusionConfig, inputs: &[Option<&Tensor>]) -> Result<Tensor> {
    ensure_input!(
        inputs.len() == config.modalities.len(),
        "fusion pack: {} inputs for {} modalities",
        inputs.len(),
        config.modalities.len()
    );
    let first = inputs
        .iter()
        .flatten()
        .next()
        .ok_or_else(|| Error::Input("fusion pack: every modality is missing".into()))?;
    let b = first.size().first().copied().unwrap_or(0);
    let device = first.device();
    let mut parts = Vec::with_capacity(inputs.len());
    for (m, x) in config.modalities.iter().zip(inputs) {
        let part = match x {
            Some(x) => {
                let size = x.size();
                ensure_input!(
                    size.len() == m.input_shape.len() + 1
                        && size[0] == b
                        && size[1..] == m.input_shape[..],
                    "fusion pack: modality `{}` expects [{b}, {:?}], got {:?}",
                    m.name,
                    m.input_shape,
                    size
                );
                x.f_to_kind(Kind::Float)?.f_reshape([b, m.numel()])?
            }
            None => Tensor::f_full([b, m.numel()], f64::NAN, (Kind::Float, device))?,
        };
        parts.push(part);
    }
    Ok(Tensor::f_cat(&parts, 1)?)
}

/// Split a packed batch: each modality's input `[B, ..input_shape]` (NaN replaced by 0) and
/// `present [B, M]` bool (false where a modality's slice is all NaN). A slice partly NaN, or a
/// row with every modality missing, is an error.
pub(super) fn unpack(config: &FusionConfig, xs: &Tensor) -> Result<(Vec<Tensor>, Tensor)> {
    let width = config.packed_width();
    let size = xs.size();
    ensure_input!(
        size.len() == 2 && size[1] == width,
        "fusion: expected a packed input [B, {width}] ({}), got {:?}",
        config
            .modalities
            .iter()
            .map(|m| format!("{} {:?}", m.name, m.input_shape))
            .collect::<Vec<_>>()
            .join(" + "),
        size
    );
    let b = size[0];
    let mut inputs = Vec::with_capacity(config.modalities.len());
    let mut present = Vec::with_capacity(config.modalities.len());
    let mut start = 0;
    for m in &config.modalities {
        let n = m.numel();
        let part = xs.f_narrow(1, start, n)?;
        start += n;
        let nan = part.f_isnan()?;
        let all = nan.f_all_dim(1, false)?;
        let any = nan.f_any_dim(1, false)?;
        let partial = any.f_logical_and(&all.f_logical_not()?)?;
        ensure_input!(
            !bool::try_from(partial.f_any()?)?,
            "fusion: modality `{}` is partly NaN in some row (a missing modality must be all NaN)",
            m.name
        );
        let mut shape = vec![b];
        shape.extend_from_slice(&m.input_shape);
        inputs.push(
            part.f_nan_to_num(0.0, None, None)?
                .f_reshape(shape.as_slice())?,
        );
        present.push(all.f_logical_not()?);
    }
    let present = Tensor::f_stack(&present, 1)?;
    ensure_input!(
        bool::try_from(present.f_any_dim(1, false)?.f_all()?)?,
        "fusion: some row has every modality missing"
    );
    Ok((inputs, present))
}

/// Drop each present modality with probability `p` (training), keeping every row's present set
/// whole when the draw would drop all of it. `present`: `[B, M]` bool.
pub(super) fn modality_dropout(present: &Tensor, p: f64) -> Result<Tensor> {
    if p <= 0.0 {
        return Ok(present.shallow_clone());
    }
    let keep = Tensor::f_rand(present.size(), (Kind::Float, present.device()))?.f_ge(p)?;
    let dropped = present.f_logical_and(&keep)?;
    let none_left = dropped.f_any_dim(1, true)?.f_logical_not()?;
    Ok(dropped.f_where_self(&none_left.f_logical_not()?, present)?)
}
