//! Masked pooling of recurrent outputs over time, and the lengths of a padding mask.

use tch::{Device, Kind, Tensor};

use super::super::attention::bool_mask;
use crate::{ensure_input, Result};

/// Sequence lengths of a right-padded `[B, T]` mask, as a CPU `Int64` tensor `[B]` (the form
/// `pack_padded_sequence` wants). Errors unless every row is `true…true false…false`.
pub fn mask_lengths(mask: &Tensor) -> Result<Tensor> {
    ensure_input!(
        mask.dim() == 2,
        "mask must be [B, T], got {:?}",
        mask.size()
    );
    let mask = bool_mask(mask)?;
    let t = mask.size()[1];
    let lengths = mask.f_sum_dim_intlist(1, false, Kind::Int64)?;
    let steps = Tensor::f_arange(t, (Kind::Int64, mask.device()))?;
    let expected = steps
        .f_unsqueeze(0)?
        .f_lt_tensor(&lengths.f_unsqueeze(1)?)?;
    ensure_input!(
        expected.f_equal(&mask)?,
        "mask must be right-padded (each row true at its first steps, false after)"
    );
    Ok(lengths.f_to_device(Device::Cpu)?)
}

/// Check `outputs [B, T, H]` against an optional `[B, T]` mask; return the bool mask.
fn check_pool_input(what: &str, outputs: &Tensor, mask: Option<&Tensor>) -> Result<Option<Tensor>> {
    let size = outputs.size();
    ensure_input!(
        size.len() == 3,
        "{what}: expected outputs [B, T, H], got {:?}",
        size
    );
    match mask {
        None => Ok(None),
        Some(m) => {
            ensure_input!(
                m.size() == size[..2],
                "{what}: mask must be [B, T] = {:?}, got {:?}",
                &size[..2],
                m.size()
            );
            Ok(Some(bool_mask(m)?))
        }
    }
}

/// Mean over the real steps.
///
/// # Shapes
/// `outputs [B, T, H]`, `mask [B, T]` (`None`: all real) → `[B, H]`; a row with no real step → 0.
pub fn mean_pool(outputs: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
    let Some(mask) = check_pool_input("mean_pool", outputs, mask)? else {
        return Ok(outputs.f_mean_dim(1, false, None::<Kind>)?);
    };
    let m = mask.f_unsqueeze(-1)?;
    let sum = outputs
        .f_masked_fill(&m.f_logical_not()?, 0.0)?
        .f_sum_dim_intlist(1, false, None::<Kind>)?;
    let count = m
        .f_sum_dim_intlist(1, false, outputs.kind())?
        .f_clamp_min(1.0)?;
    Ok(sum.f_div(&count)?)
}

/// Maximum over the real steps.
///
/// # Shapes
/// `outputs [B, T, H]`, `mask [B, T]` (`None`: all real) → `[B, H]`; a row with no real step → 0.
pub fn max_pool(outputs: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
    let Some(mask) = check_pool_input("max_pool", outputs, mask)? else {
        return Ok(outputs.f_amax(1, false)?);
    };
    let max = outputs
        .f_masked_fill(&mask.f_logical_not()?.f_unsqueeze(-1)?, f64::NEG_INFINITY)?
        .f_amax(1, false)?;
    let empty = mask.f_any_dim(1, true)?.f_logical_not()?;
    Ok(max.f_masked_fill(&empty, 0.0)?)
}

/// The summary [`Rnn`](super::Rnn) returns as `last`, taken from its `outputs`: the output at
/// each row's last real step; when `bidirectional`, only the forward half (`[..H/2]`) comes
/// from the last real step and the backward half (`[H/2..]`) from step 0.
///
/// # Shapes
/// `outputs [B, T, H]`, `mask [B, T]` right-padded (`None`: all real) → `[B, H]`; a row with no
/// real step → 0.
pub fn last_step(outputs: &Tensor, mask: Option<&Tensor>, bidirectional: bool) -> Result<Tensor> {
    let mask = check_pool_input("last_step", outputs, mask)?;
    let (b, t, h) = outputs.size3()?;
    ensure_input!(
        !bidirectional || h % 2 == 0,
        "last_step: bidirectional outputs need an even feature size, got {h}"
    );
    let lengths = match &mask {
        Some(m) => m.f_sum_dim_intlist(1, false, Kind::Int64)?,
        None => Tensor::f_full([b], t, (Kind::Int64, outputs.device()))?,
    };
    let index = (lengths.f_sub_scalar(1)?.f_clamp_min(0)?)
        .f_view([b, 1, 1])?
        .f_expand([b, 1, h], false)?;
    let mut last = outputs.f_gather(1, &index, false)?.f_squeeze_dim(1)?;
    if bidirectional {
        let half = h / 2;
        let fwd = last.f_narrow(1, 0, half)?;
        let bwd = outputs.f_select(1, 0)?.f_narrow(1, half, half)?;
        last = Tensor::f_cat(&[fwd, bwd], 1)?;
    }
    if let Some(m) = &mask {
        last = last.f_masked_fill(&m.f_any_dim(1, true)?.f_logical_not()?, 0.0)?;
    }
    Ok(last)
}
