//! Black-box probing: a zoo model's outputs on a batch of images, with nothing of the model
//! used but its forward pass (what a model zoo behind an inference API gives).

use tch::{Device, Kind, Tensor};

use super::zoo::{Zoo, ZooEntry};
use crate::{Error, Forward, Result};

/// Images `[N, …]` reshaped to `[N, input_shape…]` of `entry`; an error says what the model
/// takes when the values per example differ.
pub fn reshape_for(entry: &ZooEntry, images: &Tensor) -> Result<Tensor> {
    let n = images.size().first().copied().unwrap_or(0);
    let per = if n > 0 { images.numel() as i64 / n } else { 0 };
    let want = Zoo::input_len(entry);
    if n == 0 || per != want {
        return Err(Error::input(format!(
            "zoo model {} takes {:?} values per example ({want}); the data has {:?} ({per} \
             per example)",
            entry.id,
            entry.input_shape,
            images.size()
        )));
    }
    let mut shape = vec![n];
    shape.extend(&entry.input_shape);
    Ok(images.f_reshape(shape.as_slice())?)
}

/// The model's outputs (logits) on `images`, evaluation mode, in batches of 512, as `f32`
/// `[N, outputs]` on the CPU.
pub fn outputs(model: &dyn Forward, entry: &ZooEntry, images: &Tensor) -> Result<Tensor> {
    let x = reshape_for(entry, images)?;
    let device = crate::device();
    let n = x.size()[0];
    let mut parts = Vec::new();
    tch::no_grad(|| -> Result<()> {
        let mut start = 0;
        while start < n {
            let len = (n - start).min(512);
            let b = x.f_narrow(0, start, len)?.f_to_device(device)?;
            let out = model.try_forward_t(&b, None, false)?;
            parts.push(out.f_to_device(Device::Cpu)?.f_to_kind(Kind::Float)?);
            start += len;
        }
        Ok(())
    })?;
    let out = Tensor::f_cat(&parts, 0)?;
    if out.dim() != 2 || out.size()[1] != entry.outputs {
        return Err(Error::input(format!(
            "zoo model {}: expected [N, {}] outputs, got {:?}",
            entry.id,
            entry.outputs,
            out.size()
        )));
    }
    Ok(out)
}

/// Accuracy (%) of `logits` `[N, C]` against `labels` `[N]`.
pub fn accuracy(logits: &Tensor, labels: &Tensor) -> Result<f64> {
    let n = labels.size().first().copied().unwrap_or(0).max(1) as f64;
    let hits = logits
        .f_argmax(-1, false)?
        .f_eq_tensor(&labels.f_to_device(logits.device())?)?
        .f_sum(Kind::Double)?
        .f_double_value(&[])?;
    Ok(100.0 * hits / n)
}

/// A `[N, C]` tensor as rows of `f64`.
pub fn rows(t: &Tensor) -> Result<Vec<Vec<f64>>> {
    let c = t.size().get(1).copied().unwrap_or(0) as usize;
    let flat: Vec<f64> = Vec::<f64>::try_from(t.f_to_kind(Kind::Double)?.f_flatten(0, -1)?)?;
    Ok(flat.chunks(c.max(1)).map(<[f64]>::to_vec).collect())
}
