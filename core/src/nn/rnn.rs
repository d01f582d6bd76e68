//! Recurrent layers (LSTM, Hochreiter & Schmidhuber 1997; GRU, Cho et al. 2014) over padded,
//! variable-length batches, masked pooling over time, and a recurrent sequence classifier (the
//! BiLSTM of the cough-classification papers: MFCC frames in, class logits out).
//!
//! [`Rnn`] holds its weights exactly like PyTorch's `nn.LSTM` / `nn.GRU` (`weight_ih_l0`,
//! `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `…_reverse`, same shapes, same gate order), so a
//! checkpoint loads into `torch.nn.LSTM(batch_first=True)`. Without a mask it is one fused libtorch
//! call over all layers (as PyTorch eager); with a mask it packs the batch like
//! `pack_padded_sequence`, so padding never reaches a real step in either direction.
//!
//! Initialisation: PyTorch's `nn.LSTM`/`nn.GRU` rule, every weight and bias U(±1/√hidden)
//! (tch's `nn::lstm` instead draws Kaiming-uniform input weights, orthogonal recurrent weights
//! and zero biases; it is not used here). The classifier's head and attention take their
//! initialisation from [`SequenceClassifierConfig::init`](SequenceClassifierConfig#structfield.init).
//!
//! Capture points ([`super::capture`]): the top layer's outputs `[B, T, hidden × dirs]` under
//! the layer's path (`rnn`, `lstm`, …; `rnn` at the root), its `last` summary under `rnn.last`,
//! and with stacked layers each lower layer's outputs under `rnn.l0`, `rnn.l1`, …. Lower layers
//! are only visible layer by layer, so inside a capture session a stacked RNN runs one libtorch
//! call per layer (the same values; outside a session it stays one fused call).

use serde::{Deserialize, Serialize};
use tch::{nn, Device, Kind, Tensor};

use super::attention::{bool_mask, AttentionPooling, AttentionPoolingConfig};
use super::capture::{self, child, name_or, tap};
use super::init::LinearInit;
use super::mlp::{Mlp, MlpConfig};
use super::{check_dropout, check_sequences, dropout, forward_by, Forward};
use crate::{ensure_config, ensure_input, Result};

/// The settings of one call to libtorch's fused multi-layer LSTM or GRU (biases on).
#[derive(Clone, Copy)]
pub(crate) struct Fused<'a> {
    pub params: &'a [&'a Tensor],
    pub layers: i64,
    pub dropout: f64,
    pub train: bool,
    pub bidirectional: bool,
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
        let (p, hx) = (self, [h0, c0]);
        Ok(match batch_sizes {
            None => input.f_lstm(
                &hx,
                p.params,
                true,
                p.layers,
                p.dropout,
                p.train,
                p.bidirectional,
                true,
            )?,
            Some(bs) => Tensor::f_lstm_data(
                input,
                bs,
                &hx,
                p.params,
                true,
                p.layers,
                p.dropout,
                p.train,
                p.bidirectional,
            )?,
        })
    }

    /// The GRU, as [`lstm`](Self::lstm): `(outputs, h_n)`.
    pub(crate) fn gru(
        &self,
        input: &Tensor,
        batch_sizes: Option<&Tensor>,
        h0: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let p = self;
        Ok(match batch_sizes {
            None => input.f_gru(
                h0,
                p.params,
                true,
                p.layers,
                p.dropout,
                p.train,
                p.bidirectional,
                true,
            )?,
            Some(bs) => Tensor::f_gru_data(
                input,
                bs,
                h0,
                p.params,
                true,
                p.layers,
                p.dropout,
                p.train,
                p.bidirectional,
            )?,
        })
    }
}

/// Which recurrent cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// Long short-term memory (4 gates: input, forget, cell, output — PyTorch's order).
    #[default]
    Lstm,
    /// Gated recurrent unit (3 gates: reset, update, new — PyTorch's order).
    Gru,
}

impl Cell {
    fn gates(self) -> i64 {
        match self {
            Cell::Lstm => 4,
            Cell::Gru => 3,
        }
    }
}

/// Recurrent layer configuration (PyTorch `nn.LSTM`/`nn.GRU` with `batch_first=True`).
///
/// The default is a one-layer bidirectional LSTM with 64 hidden units over 13 features (13 MFCCs),
/// the cough-classification setting; note that PyTorch's own default is unidirectional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RnnConfig {
    /// LSTM or GRU.
    pub cell: Cell,
    /// Features per time step `F`.
    pub input: i64,
    /// Hidden units per direction `H`.
    pub hidden: i64,
    /// Stacked layers.
    pub layers: i64,
    /// Run a second, backward layer and concatenate (`[fwd, bwd]`) its outputs.
    pub bidirectional: bool,
    /// Dropout on the outputs of every layer but the last (PyTorch's `dropout`; no effect with one
    /// layer).
    pub dropout: f64,
}

impl Default for RnnConfig {
    fn default() -> Self {
        RnnConfig {
            cell: Cell::Lstm,
            input: 13,
            hidden: 64,
            layers: 1,
            bidirectional: true,
            dropout: 0.0,
        }
    }
}

impl RnnConfig {
    /// A one-layer config with the given cell and sizes.
    pub fn new(cell: Cell, input: i64, hidden: i64, bidirectional: bool) -> Self {
        RnnConfig {
            cell,
            input,
            hidden,
            layers: 1,
            bidirectional,
            dropout: 0.0,
        }
    }

    /// 2 when bidirectional, else 1.
    pub fn directions(&self) -> i64 {
        if self.bidirectional {
            2
        } else {
            1
        }
    }

    /// Features of each output step: `hidden × directions`.
    pub fn output_size(&self) -> i64 {
        self.hidden * self.directions()
    }

    /// Check sizes and dropout.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.input > 0, "rnn: input must be > 0, got {}", self.input);
        ensure_config!(
            self.hidden > 0,
            "rnn: hidden must be > 0, got {}",
            self.hidden
        );
        ensure_config!(
            self.layers > 0,
            "rnn: layers must be > 0, got {}",
            self.layers
        );
        check_dropout("rnn", self.dropout)
    }

    /// Create the parameters under `path`, initialised like PyTorch (uniform in ±1/√hidden).
    pub fn init(&self, path: &nn::Path) -> Result<Rnn> {
        self.validate()?;
        let gate = self.cell.gates() * self.hidden;
        let bound = 1.0 / (self.hidden as f64).sqrt();
        let init = nn::Init::Uniform {
            lo: -bound,
            up: bound,
        };
        let dirs = self.directions();
        let mut weights = Vec::with_capacity((self.layers * dirs * 4) as usize);
        for layer in 0..self.layers {
            let input = if layer == 0 {
                self.input
            } else {
                self.output_size()
            };
            for dir in 0..dirs {
                let sfx = if dir == 1 { "_reverse" } else { "" };
                weights.push(path.f_var(
                    &format!("weight_ih_l{layer}{sfx}"),
                    &[gate, input],
                    init,
                )?);
                weights.push(path.f_var(
                    &format!("weight_hh_l{layer}{sfx}"),
                    &[gate, self.hidden],
                    init,
                )?);
                weights.push(path.f_var(&format!("bias_ih_l{layer}{sfx}"), &[gate], init)?);
                weights.push(path.f_var(&format!("bias_hh_l{layer}{sfx}"), &[gate], init)?);
            }
        }
        if path.device().is_cuda() && tch::Cuda::cudnn_is_available() {
            // As PyTorch's `flatten_parameters`: re-seat the weights as views of one contiguous
            // buffer, so cuDNN does not copy them on every call. The variables keep the buffer alive.
            let mode = match self.cell {
                Cell::Lstm => 2,
                Cell::Gru => 3,
            };
            let _flat = tch::no_grad(|| {
                Tensor::f_internal_cudnn_rnn_flatten_weight(
                    &weights,
                    4,
                    self.input,
                    mode,
                    self.hidden,
                    0,
                    self.layers,
                    true,
                    self.bidirectional,
                )
            })?;
        }
        let name = name_or(path, "rnn");
        let mut names = vec![name.clone(), child(&name, "last")];
        names.extend((0..self.layers - 1).map(|l| child(&name, &format!("l{l}"))));
        Ok(Rnn {
            weights,
            names: names.into_boxed_slice(),
            config: self.clone(),
        })
    }
}

/// An LSTM or GRU over batch-first, right-padded sequences; see [`RnnConfig`].
#[derive(Debug)]
pub struct Rnn {
    /// PyTorch's `_flat_weights` order: per layer, per direction `w_ih, w_hh, b_ih, b_hh`.
    weights: Vec<Tensor>,
    /// Capture names: the outputs, `last`, then the lower layers' outputs (`l0`, …).
    names: Box<[String]>,
    config: RnnConfig,
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

impl Forward for Rnn {
    /// # Shapes
    /// * `xs`: `[B, T, input]`, `mask`: `[B, T]`
    /// * returns the outputs `[B, T, hidden × dirs]` of [`Rnn::f_forward_seq`]
    fn try_forward_t(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> crate::Result<Tensor> {
        self.f_forward_seq(xs, mask, train)
            .map(|(outputs, _)| outputs)
    }
}

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

/// The summary [`Rnn`] returns as `last`, taken from its `outputs`: the output at each row's last
/// real step; when `bidirectional`, only the forward half (`[..H/2]`) comes from the last real
/// step and the backward half (`[H/2..]`) from step 0.
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

/// How a [`SequenceClassifier`] summarises the recurrent outputs over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// [`mean_pool`] over real steps.
    Mean,
    /// [`max_pool`] over real steps.
    Max,
    /// The final states `[fwd at last real step, bwd at first step]` (the classic BiLSTM
    /// classifier).
    #[default]
    Last,
    /// [`AttentionPooling`] over real steps (parameters `pool.*`).
    Attention,
}

/// A recurrent sequence classifier (or regressor): [`Rnn`] → pooling over time → dropout →
/// [`Mlp`] head. Parameters: `rnn.*` (PyTorch `nn.LSTM` names), `pool.*` (attention only),
/// `head.hidden.{i}.*`, `head.out.*`.
///
/// Capture points: the [`Rnn`]'s (`rnn`, `rnn.last`, `rnn.l{i}`), the pooled summary under
/// `pool` (with attention pooling: [`AttentionPooling`]'s `pool` and `pool.weights`), and the
/// head's (`head.hidden.{i}`, `head.out`).
///
/// The default is a one-layer BiLSTM(64) over 13 MFCCs, final-state pooling, a linear head to 2
/// classes (the cough-classification BiLSTM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SequenceClassifierConfig {
    /// The recurrent layer.
    pub rnn: RnnConfig,
    /// Summary over time.
    pub pooling: Pooling,
    /// Width of the attention projection ([`Pooling::Attention`] only).
    pub attention_hidden: i64,
    /// Hidden widths of the head (ReLU); empty gives a linear head.
    pub head_hidden: Vec<i64>,
    /// Output features (classes or targets).
    pub output: i64,
    /// Dropout on the pooled vector and after each head hidden layer.
    pub dropout: f64,
    /// Initialisation of the head's and the attention's linear layers (default: PyTorch's
    /// `nn.Linear`); the recurrent layer is always initialised like PyTorch's.
    pub init: LinearInit,
}

impl Default for SequenceClassifierConfig {
    fn default() -> Self {
        SequenceClassifierConfig {
            rnn: RnnConfig::default(),
            pooling: Pooling::Last,
            attention_hidden: 64,
            head_hidden: Vec::new(),
            output: 2,
            dropout: 0.0,
            init: LinearInit::Torch,
        }
    }
}

impl SequenceClassifierConfig {
    fn head(&self) -> MlpConfig {
        MlpConfig {
            input: self.rnn.output_size(),
            hidden: self.head_hidden.clone(),
            output: self.output,
            dropout: self.dropout,
            init: self.init,
            ..Default::default()
        }
    }

    fn attention(&self) -> AttentionPoolingConfig {
        AttentionPoolingConfig {
            init: self.init,
            ..AttentionPoolingConfig::new(self.rnn.output_size(), self.attention_hidden)
        }
    }

    /// Check every part.
    pub fn validate(&self) -> Result<()> {
        self.rnn.validate()?;
        if self.pooling == Pooling::Attention {
            self.attention().validate()?;
        }
        check_dropout("sequence classifier", self.dropout)?;
        self.head().validate()
    }

    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<SequenceClassifier> {
        self.validate()?;
        let rnn = self.rnn.init(&(path / "rnn"))?;
        let attention = match self.pooling {
            Pooling::Attention => Some(self.attention().init(&(path / "pool"))?),
            _ => None,
        };
        let head = self.head().init(&(path / "head"))?;
        Ok(SequenceClassifier {
            rnn,
            attention,
            head,
            pool_name: child(&capture::name_of(path), "pool").into_boxed_str(),
            config: self.clone(),
        })
    }
}

/// A recurrent sequence classifier; see [`SequenceClassifierConfig`].
#[derive(Debug)]
pub struct SequenceClassifier {
    rnn: Rnn,
    attention: Option<AttentionPooling>,
    head: Mlp,
    /// Capture name of the pooled summary (mean, max and last pooling).
    pool_name: Box<str>,
    config: SequenceClassifierConfig,
}

impl SequenceClassifier {
    /// The config this model was built from.
    pub fn config(&self) -> &SequenceClassifierConfig {
        &self.config
    }

    /// The recurrent layer.
    pub fn rnn(&self) -> &Rnn {
        &self.rnn
    }

    /// The pooled summary `[B, hidden × dirs]` fed to the head, and the attention weights `[B, T]`
    /// when pooling is [`Pooling::Attention`].
    pub fn f_pooled(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let (outputs, last) = self.rnn.f_forward_seq(xs, mask, train)?;
        Ok(match (self.config.pooling, &self.attention) {
            (Pooling::Attention, Some(att)) => {
                let (pooled, weights) = att.f_forward_weights(&outputs, mask)?;
                (pooled, Some(weights))
            }
            (Pooling::Mean, _) => (tap(&self.pool_name, mean_pool(&outputs, mask)?), None),
            (Pooling::Max, _) => (tap(&self.pool_name, max_pool(&outputs, mask)?), None),
            _ => (tap(&self.pool_name, last), None),
        })
    }

    /// The forward pass, with errors instead of panics.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, input]`, `mask`: `[B, T]` right-padded (`None`: all steps real)
    /// * returns `[B, output]`
    pub fn f_forward_t(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let (pooled, _) = self.f_pooled(xs, mask, train)?;
        let pooled = dropout(pooled, self.config.dropout, train);
        self.head.try_forward_t(&pooled, None, train)
    }
}

forward_by! {
    /// # Shapes
    /// * `xs`: `[B, T, input]`, `mask`: `[B, T]` right-padded (`None`: all steps real)
    /// * returns `[B, output]`
    SequenceClassifier => f_forward_t(xs, mask, train)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::HashMap;

    use crate::nn::test_util::{self, cpu, mask_from_lengths};

    use crate::testing::max_abs_diff as max_diff;

    #[test]
    fn shapes_and_pytorch_parameter_names() {
        let vs = nn::VarStore::new(Device::Cpu);
        let mut cfg = RnnConfig::new(Cell::Lstm, 5, 7, true);
        cfg.layers = 2;
        let rnn = cfg.init(&vs.root()).unwrap();
        let mut names: Vec<String> = vs.variables().into_keys().collect();
        names.sort();
        // sorted(torch.nn.LSTM(5, 7, num_layers=2, bidirectional=True).state_dict())
        let mut expected: Vec<String> = Vec::new();
        for l in 0..2 {
            for sfx in ["", "_reverse"] {
                for w in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] {
                    expected.push(format!("{w}_l{l}{sfx}"));
                }
            }
        }
        expected.sort();
        assert_eq!(names, expected);
        let vars = vs.variables();
        assert_eq!(vars["weight_ih_l0"].size(), [28, 5]);
        assert_eq!(vars["weight_ih_l1_reverse"].size(), [28, 14]);
        assert_eq!(vars["weight_hh_l1"].size(), [28, 7]);
        assert_eq!(vars["bias_hh_l0_reverse"].size(), [28]);

        let xs = Tensor::randn([3, 6, 5], cpu());
        let (out, last) = rnn.forward_seq(&xs, None, false);
        assert_eq!(out.size(), [3, 6, 14]);
        assert_eq!(last.size(), [3, 14]);
        // Unpadded: `last` is the forward output at T-1 and the backward output at 0.
        assert!(max_diff(&last, &last_step(&out, None, true).unwrap()) < 1e-6);

        let vs = nn::VarStore::new(Device::Cpu);
        let gru = RnnConfig::new(Cell::Gru, 5, 4, false)
            .init(&(vs.root() / "enc"))
            .unwrap();
        assert_eq!(vs.variables()["enc.weight_hh_l0"].size(), [12, 4]);
        let (out, last) = gru.forward_seq(&xs, None, false);
        assert_eq!(out.size(), [3, 6, 4]);
        assert!(max_diff(&last, &out.select(1, 5)) < 1e-6);
    }

    /// PyTorch's `nn.LSTM`/`nn.GRU` init: every weight and bias U(±1/√hidden).
    #[test]
    fn init_is_pytorchs() {
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let mut cfg = RnnConfig::new(Cell::Lstm, 300, 100, true);
        cfg.layers = 2;
        cfg.init(&vs.root()).unwrap();
        let bound = 0.1;
        let all: Vec<Tensor> = vs.variables().values().map(|t| t.flatten(0, -1)).collect();
        let all = Tensor::cat(&all, 0);
        let max = all.abs().max().double_value(&[]);
        assert!(max <= bound && max > 0.99 * bound, "max {max}");
        let std = all.std(true).double_value(&[]);
        assert!((std * 3f64.sqrt() / bound - 1.0).abs() < 0.03, "std {std}");
    }

    /// A padded batch gives, at real steps and in `last`, exactly what each sequence gives alone.
    #[test]
    fn padding_never_leaks() {
        for cell in [Cell::Lstm, Cell::Gru] {
            tch::manual_seed(7);
            let vs = nn::VarStore::new(Device::Cpu);
            let mut cfg = RnnConfig::new(cell, 3, 5, true);
            cfg.layers = 2;
            cfg.dropout = 0.3; // inactive in eval mode
            let rnn = cfg.init(&vs.root()).unwrap();
            let lengths = [4i64, 7, 1, 5];
            let t = 7;
            // Padding filled with large garbage, so any leak shows.
            let xs = Tensor::randn([4, t, 3], cpu()) * 10.0;
            let mask = mask_from_lengths(&lengths, t);
            let (out, last) = rnn.forward_seq(&xs, Some(&mask), false);
            assert_eq!(out.size(), [4, t, 10]);
            for (i, &len) in lengths.iter().enumerate() {
                let alone = xs.narrow(0, i as i64, 1).narrow(1, 0, len);
                let (out1, last1) = rnn.forward_seq(&alone, None, false);
                let real = out.narrow(0, i as i64, 1).narrow(1, 0, len);
                assert!(
                    max_diff(&real, &out1) < 1e-5,
                    "{cell:?} row {i}: outputs differ"
                );
                assert!(
                    max_diff(&last.narrow(0, i as i64, 1), &last1) < 1e-5,
                    "{cell:?} row {i}: last differs"
                );
                if len < t {
                    let pad = out.narrow(0, i as i64, 1).narrow(1, len, t - len);
                    assert_eq!(
                        pad.abs().max().double_value(&[]),
                        0.0,
                        "{cell:?} row {i}: padding not zero"
                    );
                }
            }
            // last_step() over the outputs agrees with the returned `last`.
            assert!(max_diff(&last, &last_step(&out, Some(&mask), true).unwrap()) < 1e-6);
        }
    }

    /// The packed path trains: gradients reach the weights, and padded inputs get none.
    #[test]
    fn packed_path_backward() {
        tch::manual_seed(11);
        let vs = nn::VarStore::new(Device::Cpu);
        let mut cfg = RnnConfig::new(Cell::Gru, 3, 4, true);
        cfg.layers = 2;
        let rnn = cfg.init(&vs.root()).unwrap();
        let xs = Tensor::randn([3, 5, 3], cpu()).set_requires_grad(true);
        let mask = mask_from_lengths(&[2, 5, 3], 5);
        let (out, last) = rnn.forward_seq(&xs, Some(&mask), true);
        (out.sum(Kind::Float) + last.sum(Kind::Float)).backward();
        let g = xs.grad();
        let pad = g.masked_select(&mask.logical_not().unsqueeze(-1).expand([3, 5, 3], false));
        assert_eq!(pad.numel(), 5 * 3);
        assert_eq!(pad.abs().max().double_value(&[]), 0.0);
        assert!(g.abs().sum(Kind::Float).double_value(&[]) > 0.0);
        for (name, var) in vs.variables() {
            let gn = var.grad().abs().sum(Kind::Float).double_value(&[]);
            assert!(gn.is_finite() && gn > 0.0, "{name}: gradient {gn}");
        }
    }

    #[test]
    fn empty_rows_and_bad_masks() {
        let vs = nn::VarStore::new(Device::Cpu);
        let rnn = RnnConfig::new(Cell::Lstm, 2, 3, true)
            .init(&vs.root())
            .unwrap();
        let xs = Tensor::randn([2, 4, 2], cpu());
        let mask = mask_from_lengths(&[3, 0], 4);
        let (out, last) = rnn.f_forward_seq(&xs, Some(&mask), false).unwrap();
        assert_eq!(out.get(1).abs().max().double_value(&[]), 0.0);
        assert_eq!(last.get(1).abs().max().double_value(&[]), 0.0);
        assert!(last.get(0).abs().max().double_value(&[]) > 0.0);
        // A 0/1 float mask works like a bool one.
        let (out_f, _) = rnn
            .f_forward_seq(&xs, Some(&mask.to_kind(Kind::Float)), false)
            .unwrap();
        assert!(max_diff(&out, &out_f) < 1e-7);
        // Left padding, wrong shapes, wrong feature count: errors, not panics.
        let left = mask_from_lengths(&[3, 4], 4).flip([1]);
        assert!(rnn.f_forward_seq(&xs, Some(&left), false).is_err());
        assert!(rnn
            .f_forward_seq(&xs, Some(&mask.narrow(1, 0, 3)), false)
            .is_err());
        assert!(rnn
            .f_forward_seq(&Tensor::randn([2, 4, 3], cpu()), None, false)
            .is_err());
        assert!(rnn
            .f_forward_seq(&Tensor::randn([2, 4], cpu()), None, false)
            .is_err());
        assert!(RnnConfig::new(Cell::Gru, 0, 3, false)
            .init(&vs.root())
            .is_err());
        let c = RnnConfig {
            dropout: 1.0,
            ..Default::default()
        };
        assert!(c.validate().is_err());
    }

    #[test]
    fn pooling_helpers() {
        // outputs [1, 3, 2]: steps (1, -1), (3, 5), (100, 100) with the last one padded.
        let out = Tensor::from_slice(&[1.0f32, -1.0, 3.0, 5.0, 100.0, 100.0]).view([1, 3, 2]);
        let mask = mask_from_lengths(&[2], 3);
        let v = |t: Tensor| Vec::<f32>::try_from(t.view([-1])).unwrap();
        assert_eq!(v(mean_pool(&out, Some(&mask)).unwrap()), [2.0, 2.0]);
        assert_eq!(v(max_pool(&out, Some(&mask)).unwrap()), [3.0, 5.0]);
        assert_eq!(v(last_step(&out, Some(&mask), false).unwrap()), [3.0, 5.0]);
        // bidirectional: forward half at the last real step, backward half at step 0.
        assert_eq!(v(last_step(&out, Some(&mask), true).unwrap()), [3.0, -1.0]);
        assert_eq!(
            v(mean_pool(&out, None).unwrap()),
            [104.0 / 3.0, 104.0 / 3.0]
        );
        assert_eq!(v(max_pool(&out, None).unwrap()), [100.0, 100.0]);
        assert_eq!(v(last_step(&out, None, false).unwrap()), [100.0, 100.0]);
        let empty = mask_from_lengths(&[0], 3);
        assert_eq!(v(mean_pool(&out, Some(&empty)).unwrap()), [0.0, 0.0]);
        assert_eq!(v(max_pool(&out, Some(&empty)).unwrap()), [0.0, 0.0]);
        assert_eq!(v(last_step(&out, Some(&empty), true).unwrap()), [0.0, 0.0]);
        assert!(mean_pool(&out, Some(&mask_from_lengths(&[2, 2], 3))).is_err());
    }

    #[test]
    fn sequence_classifier_shapes_names_and_padding_invariance() {
        for pooling in [
            Pooling::Last,
            Pooling::Mean,
            Pooling::Max,
            Pooling::Attention,
        ] {
            tch::manual_seed(3);
            let vs = nn::VarStore::new(Device::Cpu);
            let cfg = SequenceClassifierConfig {
                rnn: RnnConfig::new(Cell::Lstm, 4, 6, true),
                pooling,
                attention_hidden: 5,
                head_hidden: vec![8],
                output: 3,
                dropout: 0.2,
                init: LinearInit::Glorot,
            };
            let model = cfg.init(&vs.root()).unwrap();
            let names: Vec<String> = vs.variables().into_keys().collect();
            assert!(names.contains(&"rnn.weight_ih_l0_reverse".to_string()));
            assert!(names.contains(&"head.hidden.0.weight".to_string()));
            assert!(names.contains(&"head.out.bias".to_string()));
            assert_eq!(
                names.iter().any(|n| n.starts_with("pool.")),
                pooling == Pooling::Attention,
                "{names:?}"
            );

            let xs = Tensor::randn([3, 5, 4], cpu());
            let mask = mask_from_lengths(&[5, 2, 3], 5);
            let y = model.forward_t(&xs, Some(&mask), true);
            assert_eq!(y.size(), [3, 3]);
            let y = model.predict(&xs, Some(&mask));
            let y1 = model.predict(&xs.narrow(0, 1, 1).narrow(1, 0, 2), None);
            assert!(max_diff(&y.narrow(0, 1, 1), &y1) < 1e-5, "{pooling:?}");
        }
        let default = SequenceClassifierConfig::default();
        assert!(default.rnn.bidirectional && default.rnn.cell == Cell::Lstm);
        let cfg: SequenceClassifierConfig =
            serde_json::from_str(r#"{"rnn": {"input": 2}, "pooling": "attention"}"#).unwrap();
        assert_eq!(cfg.pooling, Pooling::Attention);
        assert!(cfg.rnn.bidirectional);
        assert!(SequenceClassifierConfig {
            output: 0,
            ..Default::default()
        }
        .validate()
        .is_err());
    }

    fn tensor_from_json(v: &Value) -> Tensor {
        test_util::tensor_from_json(v, "data")
    }

    /// Outputs and final states against PyTorch (`core/scripts/gen_rnn_fixture.py`).
    #[test]
    fn matches_pytorch_reference() {
        let fixture: Value = crate::testing::read_json(&crate::fixture!("rnn_reference.json"));
        let xs = tensor_from_json(&fixture["input"]);
        let lengths: Vec<i64> = fixture["lengths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect();
        let mask = mask_from_lengths(&lengths, xs.size()[1]);
        for (name, cell) in [("lstm", Cell::Lstm), ("gru", Cell::Gru)] {
            let case = &fixture[name];
            let cfg = RnnConfig {
                cell,
                input: case["input_size"].as_i64().unwrap(),
                hidden: case["hidden_size"].as_i64().unwrap(),
                layers: case["num_layers"].as_i64().unwrap(),
                bidirectional: case["bidirectional"].as_bool().unwrap(),
                dropout: 0.0,
            };
            let vs = nn::VarStore::new(Device::Cpu);
            let rnn = cfg.init(&vs.root()).unwrap();
            let torch_names: Vec<String> = case["state_dict_keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect();
            let mut ours: Vec<String> = vs.variables().into_keys().collect();
            let mut theirs = torch_names.clone();
            ours.sort();
            theirs.sort();
            assert_eq!(ours, theirs, "{name}: parameter names");
            let weights: HashMap<String, Tensor> = torch_names
                .iter()
                .map(|k| (k.clone(), tensor_from_json(&case["weights"][k.as_str()])))
                .collect();
            tch::no_grad(|| {
                for (k, mut var) in vs.variables() {
                    var.copy_(&weights[&k]);
                }
            });
            for (key, m) in [("full", None), ("packed", Some(&mask))] {
                let expected = &case[key];
                let (out, last) = rnn.forward_seq(&xs, m, false);
                let d_out = max_diff(&out, &tensor_from_json(&expected["output"]));
                let d_last = max_diff(&last, &tensor_from_json(&expected["last"]));
                assert!(d_out < 1e-5, "{name} {key}: outputs differ by {d_out}");
                assert!(d_last < 1e-5, "{name} {key}: last differs by {d_last}");
            }
        }
    }
}
