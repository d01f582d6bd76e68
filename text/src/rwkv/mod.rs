//! RWKV blocks and SpikeGPT, their spiking variant.
//!
//! Paper: Zhu, Zhao, Li & Eshraghian, "SpikeGPT: Generative Pre-trained Language Model with
//! Spiking Neural Networks" (2023, arXiv:2302.13939), built on RWKV (Peng et al. 2023; the
//! v2/v4 RWKV code SpikeGPT's `src/model.py` derives from).
//!
//! Reproduced: token shift, time mixing with the WKV recurrence — computed in parallel over a
//! sequence for training and recurrently, token by token, for generation, both giving the same
//! outputs — and channel mixing; SpikeGPT's spiking parts: a binary embedding and LIF neurons
//! (τ = 2, threshold 1, hard reset, arctan surrogate α = 2, from core's
//! [`deepfield_core::spiking`]) after each sub-layer, running along the token axis so that
//! their membranes are part of the recurrent state; optionally spiking neurons as the
//! channel-mixing activation (the paper's spiking feed-forward network). The non-spiking twin is
//! the same model without neurons (same parameters).
//!
//! What differs: the official parallel WKV is a CUDA kernel that loops over time inside each
//! (batch, channel) thread; here it is a masked softmax over all (t, i) pairs (exact, stable,
//! `O(T²)` memory) — fine for the short contexts a CPU trains; the spiking reset is detached as
//! in snntorch (spikingjelly's `detach_reset=False` lets a gradient through the reset); the
//! models are far smaller than the paper's 46M and 216M.
//!
//! | file | what |
//! | --- | --- |
//! | [`config`] | [`RwkvConfig`], [`SpikingConfig`] |
//! | [`wkv`] | the WKV operator, parallel and recurrent |
//! | [`spike`] | LIF neurons along tokens, spike and operation counts ([`Activity`]) |
//! | [`mix`] | time mixing and channel mixing |
//! | [`model`] | blocks and the language model [`RwkvLm`] |

pub mod config;
pub mod mix;
pub mod model;
pub mod spike;
pub mod wkv;

pub use config::{RwkvConfig, SpikingConfig};
pub use model::{RwkvLm, RwkvState};
pub use spike::Activity;
