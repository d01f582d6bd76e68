//! The recurrent cell kinds and the recurrent layer's configuration and parameters.

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use super::super::capture::{child, name_or};
use super::super::check_dropout;
use super::Rnn;
use crate::{ensure_config, Result};

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
    pub(super) fn gates(self) -> i64 {
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
