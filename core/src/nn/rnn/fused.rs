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

/// Call `$f` (libtorch's batch-first or packed LSTM/GRU) with the arguments `$pre`, the initial
/// state `$hx`, the settings of `$p` (a [`Fused`]; biases on) and the arguments `$post`: both
/// calls take the settings in the same order.
macro_rules! call_fused {
    ($f:path, [$($pre:expr),*], $hx:expr, $p:expr, [$($post:expr),*]) => {
        $f(
            $($pre,)*
            $hx,
            $p.params,
            true,
            $p.layers,
            $p.dropout,
            $p.train,
            $p.bidirectional
            $(, $post)*
        )
    };
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
        let hx = [h0, c0];
        Ok(match batch_sizes {
            None => call_fused!(Tensor::f_lstm, [input], &hx, self, [true])?,
            Some(bs) => call_fused!(Tensor::f_lstm_data, [input, bs], &hx, self, [])?,
        })
    }

    /// The GRU, as [`lstm`](Self::lstm): `(outputs, h_n)`.
    pub(crate) fn gru(
        &self,
        input: &Tensor,
        batch_sizes: Option<&Tensor>,
        h0: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        Ok(match batch_sizes {
            None => call_fused!(Tensor::f_gru, [input], h0, self, [true])?,
            Some(bs) => call_fused!(Tensor::f_gru_data, [input, bs], h0, self, [])?,
        })
    }
}
