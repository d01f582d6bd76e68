//! One call to libtorch's fused multi-layer LSTM or GRU, batch-first or over packed data.

use tch::Tensor;

use crate::Result;

/// The settings of one call to libtorch's fused multi-layer LSTM or GRU (biases on).
#[derive(Clone, Copy)]
pub(crate) struct Fused<'a> {
    pub params: &'a [&'a Tensor],
    pub layers: i64,
    pub dropout: f64,
    pub train: bool,
    pub bidirectional: bool,
}

/// `$batch_first` over a batch-first `$input`, or `$packed` over packed data when
/// `$batch_sizes` is given, with the settings of `$p` (a [`Fused`]) and the initial state `$hx`.
macro_rules! fused_call {
    ($p:expr, $input:expr, $batch_sizes:expr, $hx:expr, $batch_first:ident, $packed:ident) => {{
        let p = $p;
        match $batch_sizes {
            None => $input.$batch_first(
                $hx,
                p.params,
                true,
                p.layers,
                p.dropout,
                p.train,
                p.bidirectional,
                true,
            )?,
            Some(bs) => Tensor::$packed(
                $input,
                bs,
                $hx,
                p.params,
                true,
                p.layers,
                p.dropout,
                p.train,
                p.bidirectional,
            )?,
        }
    }};
}

impl Fused<'_> {
    /// The LSTM over a batch-first `input`, or over packed data when `batch_sizes` is given:
    /// `(outputs, h_n, c_n)`.
    pub(crate) fn lstm(
        &self,
        input: &Tensor,
        batch_sizes: Option<&Tensor>,
        h0: &Tensor,
        c0: &Tensor,
    ) -> Result<(Tensor, Tensor, Tensor)> {
        Ok(fused_call!(
            self,
            input,
            batch_sizes,
            &[h0, c0],
            f_lstm,
            f_lstm_data
        ))
    }

    /// The GRU, as [`lstm`](Self::lstm): `(outputs, h_n)`.
    pub(crate) fn gru(
        &self,
        input: &Tensor,
        batch_sizes: Option<&Tensor>,
        h0: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        Ok(fused_call!(self, input, batch_sizes, h0, f_gru, f_gru_data))
    }
}
