//! Cost profiling of any model: FLOPs, MACs, parameters, activation memory and arithmetic
//! intensity per layer from a traced forward pass, measured latency, and a measured roofline
//! to set them against (Lavin 2024, "On the Efficiency of Convolutional Neural Networks":
//! the efficiency gap and the waterline).
//!
//! * [`recorder`]: the recording session; core's layers report their costs into it where
//!   they already run (next to their capture taps), and a domain's own layers call
//!   [`record`] or the op helpers of [`counter`].
//! * [`counter`]: what one layer costs, from shapes (conventions in its docs).
//! * [`roofline`]: peak FLOP/s (matrix-product probe) and memory bandwidth (copy probe).
//! * [`latency`]: timing a forward pass.
//! * [`report`]: a model's profile, totals and efficiency; the JSON a binary's `profile`
//!   command writes.
//! * [`example`]: the example input each registered kind profiles with
//!   ([`ModelConfig::example`](crate::models::ModelConfig::example)).
//!
//! ```no_run
//! # use deepfield_core::{profile, nn::mlp::MlpConfig, tch::{nn::VarStore, Device, Kind, Tensor}};
//! # fn main() -> deepfield_core::Result<()> {
//! let vs = VarStore::new(Device::Cpu);
//! let model = MlpConfig::new(8, [16], 3).init(&vs.root())?;
//! let x = Tensor::randn([4, 8], (Kind::Float, Device::Cpu));
//! let p = profile::profile_forward("mlp", &model, &vs, &x, &Default::default())?;
//! assert_eq!(p.macs, 4 * (8 * 16 + 16 * 3));
//! # Ok(()) }
//! ```

pub mod counter;
pub mod example;
pub mod latency;
pub mod recorder;
pub mod report;
pub mod roofline;

pub use counter::LayerCost;
pub use example::Example;
pub use latency::{Latency, LatencyOptions};
pub use recorder::{is_recording, record, Recorder};
pub use report::{
    profile_all, profile_config, profile_forward, profile_with, Efficiency, ModelProfile,
    ProfileFile,
};
pub use roofline::Roofline;
