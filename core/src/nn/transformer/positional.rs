//! The sinusoidal positional encoding.

use tch::{Device, Tensor};

use super::super::check_sequences;

use crate::{ensure_config, ensure_input, Result};

/// The sinusoidal positional encoding of Vaswani et al. (2017), section 3.5:
/// `PE(pos, 2i) = sin(pos / 10000^(2i / d))`, `PE(pos, 2i + 1) = cos(pos / 10000^(2i / d))`.
/// No trainable parameters; odd `d_model` is allowed (the last column is a sine).
#[derive(Debug)]
pub struct PositionalEncoding {
    /// `[max_len, d_model]`.
    table: Tensor,
}

impl PositionalEncoding {
    /// The table for positions `0..max_len`, on `device`.
    pub fn new(d_model: i64, max_len: i64, device: Device) -> Result<Self> {
        ensure_config!(
            d_model > 0,
            "positional encoding: d_model must be > 0, got {d_model}"
        );
        ensure_config!(
            max_len > 0,
            "positional encoding: max_len must be > 0, got {max_len}"
        );
        let mut values = Vec::with_capacity((max_len * d_model) as usize);
        for pos in 0..max_len {
            for j in 0..d_model {
                let two_i = (j - j % 2) as f64;
                let angle = pos as f64 / 10000f64.powf(two_i / d_model as f64);
                values.push(if j % 2 == 0 { angle.sin() } else { angle.cos() } as f32);
            }
        }
        let table = Tensor::from_slice(&values)
            .f_view([max_len, d_model])?
            .f_to_device(device)?;
        Ok(PositionalEncoding { table })
    }

    /// The `[max_len, d_model]` table.
    pub fn table(&self) -> &Tensor {
        &self.table
    }

    /// The longest sequence covered.
    pub fn max_len(&self) -> i64 {
        self.table.size()[0]
    }

    /// Add the encoding of positions `0..T` to `xs`.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, d_model]`, `T <= max_len`
    /// * returns `[B, T, d_model]`
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let (max_len, d) = (self.table.size()[0], self.table.size()[1]);
        let size = check_sequences("positional encoding", xs, d)?;
        ensure_input!(
            size[1] <= max_len,
            "positional encoding: sequence of {} steps is longer than max_len {max_len}",
            size[1]
        );
        let pe = self.table.f_narrow(0, 0, size[1])?.f_to_kind(xs.kind())?;
        Ok(xs.f_add(&pe)?)
    }
}
