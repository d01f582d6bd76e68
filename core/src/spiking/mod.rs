//! Spiking neural networks: leaky integrate-and-fire neurons (plain and adaptive, soft or hard
//! reset, learnable time constants) trained by backpropagation through time with surrogate
//! gradients, input encodings, spike-rate statistics and an energy proxy, a spiking MLP usable
//! with core's [`crate::train::Trainer`], and HLOP's Hebbian subspaces and gradient projection
//! for continual learning.
//!
//! | file | what |
//! | --- | --- |
//! | [`surrogate`] | fast-sigmoid, arctan and triangle surrogate gradients (detach construction) |
//! | [`neuron`] | LIF / adaptive LIF layers, state reset per sequence |
//! | [`encode`] | direct, rate and latency encodings |
//! | [`mlp`] | the spiking MLP builder (BPTT over T steps) |
//! | [`stats`] | spike rates per layer and network, synaptic operations vs MACs |
//! | [`task`] | the spiking MNIST / Fashion-MNIST check |
//! | [`hebbian`] | Oja's subspace rule, top principal subspace and principal angles |
//! | [`hlop`] | HLOP as a training callback for any core model's linear/conv layers |

pub mod cnn;
pub mod encode;
pub mod hebbian;
pub mod hlop;
pub mod mlp;
pub mod neuron;
pub mod stats;
pub mod surrogate;
pub mod task;

pub use cnn::{SpikingCnn, SpikingCnnConfig};
pub use encode::Encoding;
pub use hebbian::{principal_angles, top_subspace, HebbianConfig, HebbianSubspace};
pub use hlop::{Hlop, HlopConfig, HlopLayer, LayerKind};
pub use mlp::{Readout, SpikingMlp, SpikingMlpConfig};
pub use neuron::{Adaptation, Lif, LifConfig, LifState, Reset};
pub use stats::{EnergyProxy, SpikeStats};
pub use surrogate::Surrogate;
