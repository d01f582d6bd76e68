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

mod classifier;
mod config;
mod fused;
mod layer;
mod pool;
#[cfg(test)]
mod tests;

pub use classifier::{Pooling, SequenceClassifier, SequenceClassifierConfig};
pub use config::{Cell, RnnConfig};
pub(crate) use fused::Fused;
pub use layer::Rnn;
pub use pool::{last_step, mask_lengths, max_pool, mean_pool};
