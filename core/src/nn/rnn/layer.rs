//! The built recurrent layer: fused, layer-by-layer and packed forward passes.

use tch::Tensor;

use super::super::attention::bool_mask;
use super::super::capture::{self, tap};
use super::super::{check_sequences, dropout, forward_by};
use super::{mask_lengths, Cell, Fused, RnnConfig};
use crate::{ensure_input, Result};

/// An LSTM or GRU over batch-first, right-padded sequences; see [`RnnConfig`].
#[derive(Debug)]
pub struct Rnn {
    /// PyTorch's `_flat_weights` order: per layer, per direction `w_ih, w_hh, b_ih, b_hh`.
    pub(super) weights: Vec<Tensor>,
    /// Capture names: the outputs, `last`, then the lower layers' outputs (`l0`, …).
    pub(super) names: Box<[String]>,
    pub(super) config: RnnConfig,
}

impl Rnn {
    /// The config this layer was built from.
    pub fn config(&self) -> &RnnConfig {
        &self.config
    }

    /// Run the layer over a (possibly padded) batch.
    ///
    /// With a mask, each sequence is processed as if it were alone and unpadded: outputs at real
    /// steps, and `last`, do not depend on the padding (the batch is packed, as PyTorch's
    /// `pack_padded_sequence`). A row with no real step gives zero outputs and a zero `last`.
    /// Without a mask (or when no row is padded) it is one fused call over all layers.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, input]`
    /// * `mask`: `[B, T]` bool (or 0/1), true at real steps; right padding only (each row is
    ///   `true…true false…false`)
    /// * returns `(outputs [B, T, hidden × dirs], last [B, hidden × dirs])`: `outputs` are the top
    ///   layer's, zero at padded steps; `last` is `[fwd, bwd]` with the forward state at each
    ///   sequence's last real step and the backward state at its first step (PyTorch's `h_n` of
    ///   the top layer).
    pub fn f_forward_seq(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> Result<(Tensor, Tensor)> {
        let size = check_sequences("rnn", xs, self.config.input)?;
        ensure_input!(
            size[0] > 0 && size[1] > 0,
            "rnn: empty batch or sequence, input {:?}",
            size
        );
        let (out, last) = self.run(xs, mask, train)?;
        if crate::profile::is_recording() {
            let c = &self.config;
            let op = match c.cell {
                Cell::Lstm => "lstm",
                Cell::Gru => "gru",
            };
            let weights: Vec<&Tensor> = self.weights.iter().collect();
            let shape = (c.input, c.hidden, c.layers, c.directions());
            crate::profile::counter::rnn(&self.names[0], op, xs, &weights, shape, &out);
        }
        Ok((tap(&self.names[0], out), tap(&self.names[1], last)))
    }

    fn run(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<(Tensor, Tensor)> {
        let size = xs.size();
        let Some(mask) = mask else {
            return self.run_fused(xs, train);
        };
        ensure_input!(
            mask.size() == size[..2],
            "rnn: mask must be [B, T] = {:?}, got {:?}",
            &size[..2],
            mask.size()
        );
        let mask = bool_mask(mask)?;
        let lengths = mask_lengths(&mask)?;
        let lens = Vec::<i64>::try_from(&lengths)?;
        if lens.iter().all(|&l| l == size[1]) {
            return self.run_fused(xs, train);
        }
        self.run_packed(xs, &mask, &lengths, lens.contains(&0), train)
    }

    /// [`f_forward_seq`](Self::f_forward_seq), panicking on bad input.
    ///
    /// # Panics
    /// If `xs` or `mask` have the wrong shape or kind, or the mask is not right-padded.
    pub fn forward_seq(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> (Tensor, Tensor) {
        self.f_forward_seq(xs, mask, train)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn zero_state(&self, batch: i64, layers: i64, xs: &Tensor) -> Result<Tensor> {
        let c = &self.config;
        Ok(Tensor::f_zeros(
            [layers * c.directions(), batch, c.hidden],
            (xs.kind(), xs.device()),
        )?)
    }

    /// Whether to run layer by layer, so that lower layers can be captured.
    fn layerwise(&self) -> bool {
        self.config.layers > 1 && capture::is_active()
    }

    /// The weights of layer `l` (all directions).
    fn layer_params(&self, l: i64) -> Vec<&Tensor> {
        let per = 4 * self.config.directions() as usize;
        let l = l as usize;
        self.weights[l * per..(l + 1) * per].iter().collect()
    }

    /// libtorch's fused LSTM/GRU over `layers` layers: over a batch-first `input`, or over packed
    /// data when `batch_sizes` is given. Returns `(outputs, h_n)`.
    fn cell(
        &self,
        input: &Tensor,
        batch_sizes: Option<&Tensor>,
        h0: &Tensor,
        params: &[&Tensor],
        layers: i64,
        train: bool,
    ) -> Result<(Tensor, Tensor)> {
        let c = &self.config;
        let fused = Fused {
            params,
            layers,
            dropout: c.dropout,
            train,
            bidirectional: c.bidirectional,
        };
        match c.cell {
            Cell::Lstm => {
                let (out, h_n, _c_n) = fused.lstm(input, batch_sizes, h0, h0)?;
                Ok((out, h_n))
            }
            Cell::Gru => fused.gru(input, batch_sizes, h0),
        }
    }

    /// One fused call over all layers and directions (the speed path); layer by layer inside a
    /// capture session, with dropout between layers as libtorch applies it.
    fn run_fused(&self, xs: &Tensor, train: bool) -> Result<(Tensor, Tensor)> {
        self.run_layers(xs, None, xs, train, |name, out| Ok(tap(name, out)))
    }

    /// All layers over `input` (batch-first, or packed when `batch_sizes` is given; `xs` is the
    /// batch it came from): one fused call, or layer by layer inside a capture session, where
    /// `between(name, out)` turns a lower layer's output (dropout applied) into the next
    /// layer's input and taps it. Returns the top layer's outputs and its `[B, H × dirs]` state.
    fn run_layers(
        &self,
        input: &Tensor,
        batch_sizes: Option<&Tensor>,
        xs: &Tensor,
        train: bool,
        between: impl Fn(&str, Tensor) -> Result<Tensor>,
    ) -> Result<(Tensor, Tensor)> {
        let c = &self.config;
        let b = xs.size()[0];
        if !self.layerwise() {
            let h0 = self.zero_state(b, c.layers, xs)?;
            let params: Vec<&Tensor> = self.weights.iter().collect();
            let (out, h_n) = self.cell(input, batch_sizes, &h0, &params, c.layers, train)?;
            return Ok((out, self.top_state(&h_n, c.layers)?));
        }
        let h0 = self.zero_state(b, 1, xs)?;
        let mut h = input.shallow_clone();
        for (l, name) in self.names[2..].iter().enumerate() {
            let params = self.layer_params(l as i64);
            let (out, _) = self.cell(&h, batch_sizes, &h0, &params, 1, train)?;
            h = between(name, dropout(out, c.dropout, train))?;
        }
        let params = self.layer_params(c.layers - 1);
        let (out, h_n) = self.cell(&h, batch_sizes, &h0, &params, 1, train)?;
        Ok((out, self.top_state(&h_n, 1)?))
    }

    /// Pack (sorted by decreasing length), run, unpack and restore the batch order.
    fn run_packed(
        &self,
        xs: &Tensor,
        mask: &Tensor,
        lengths: &Tensor,
        any_empty: bool,
        train: bool,
    ) -> Result<(Tensor, Tensor)> {
        let device = xs.device();
        let t = xs.size()[1];
        // Packing needs lengths ≥ 1; empty rows run one (padded) step and are zeroed below.
        let (sorted, order) = lengths.f_clamp_min(1)?.f_sort(0, true)?;
        let unorder = order.f_argsort(0, false)?.f_to_device(device)?;
        let order = order.f_to_device(device)?;
        let (data, batch_sizes) = xs
            .f_index_select(0, &order)?
            .f_internal_pack_padded_sequence(&sorted, true)?;
        // Packed data back to `[B, T, H]` in batch order, padding (and empty rows) zero.
        let unpack = |packed: &Tensor| -> Result<Tensor> {
            let (out, _) =
                Tensor::f_internal_pad_packed_sequence(packed, &batch_sizes, true, 0.0, t)?;
            let out = out.f_index_select(0, &unorder)?;
            Ok(if any_empty {
                out.f_masked_fill(&mask.f_logical_not()?.f_unsqueeze(-1)?, 0.0)?
            } else {
                out
            })
        };
        // Lower layers' outputs are tapped in batch order, then packed again (the same values)
        // for the next layer.
        let (out, last) = self.run_layers(&data, Some(&batch_sizes), xs, train, |name, out| {
            let seen = tap(name, unpack(&out)?);
            Ok(seen
                .f_index_select(0, &order)?
                .f_internal_pack_padded_sequence(&sorted, true)?
                .0)
        })?;
        let out = unpack(&out)?;
        let mut last = last.f_index_select(0, &unorder)?;
        if any_empty {
            let empty = mask.f_any_dim(1, true)?.f_logical_not()?;
            last = last.f_masked_fill(&empty, 0.0)?;
        }
        Ok((out, last))
    }

    /// `[fwd, bwd]` of the top layer from `h_n [layers × dirs, B, H]` → `[B, H × dirs]`.
    fn top_state(&self, h_n: &Tensor, layers: i64) -> Result<Tensor> {
        let c = &self.config;
        let dirs = c.directions();
        let top = h_n.f_narrow(0, (layers - 1) * dirs, dirs)?;
        let b = top.size()[1];
        Ok(top.f_permute([1, 0, 2])?.f_reshape([b, dirs * c.hidden])?)
    }
}

impl Rnn {
    /// The outputs of [`f_forward_seq`](Self::f_forward_seq) alone.
    fn f_outputs(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        Ok(self.f_forward_seq(xs, mask, train)?.0)
    }
}

forward_by! {
    /// # Shapes
    /// * `xs`: `[B, T, input]`, `mask`: `[B, T]`
    /// * returns the outputs `[B, T, hidden × dirs]` of [`Rnn::f_forward_seq`]
    Rnn => f_outputs(xs, mask, train)
}
