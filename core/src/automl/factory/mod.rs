//! NN-Factory: "Generative Model for Models: Rapid DNN Customization for Diverse Tasks and
//! Resource Constraints", Xu, Li, Liu, Sun, Cao, Li, Wen & Liu (arXiv:2308.15003, 2023).
//!
//! **What it does:** one modular supernet is trained once; for an edge scenario — a task (a
//! subset of the classes) and a resource budget — an assembler picks which modules to keep and
//! hands out a compact model in seconds, without training.
//!
//! **Here:** [`SupernetConfig`] / [`Supernet`] is a CNN whose stages have elastic width (the
//! first channels of every convolution, OFA-style) and elastic depth (the first residual blocks
//! of a stage), with one head row per class as the class-specific components; it is trained
//! once with the sandwich rule and in-place distillation ([`train_supernet`]), so every
//! architecture inside it works. [`assemble`] takes a task and a [`Budget`] (parameters or
//! FLOPs, counted as [`crate::profile`] counts them), picks an architecture and copies the
//! slices into a stand-alone [`FactoryNet`] (registry kind `factory_net`), saved and restored
//! like every other model. No batch norm, so no statistics need recalibrating after slicing.
//!
//! **Differs:** the paper's assembler is a trained generative model emitting module masks
//! from task and sparsity; ours searches the fitting architectures and scores a short list on
//! a few task examples through the supernet. The paper's modules are ResNet/MobileNet blocks on
//! ImageNet-scale data; ours a small CNN on MNIST/Fashion-MNIST (see the `nn-factory`
//! reproduction for the numbers).

pub mod assemble;
#[cfg(feature = "cli")]
pub mod cli;
pub mod compact;
pub mod net;
pub mod supernet;
pub mod task;

pub use assemble::{
    assemble, candidates, materialise, profiled_cost, Assembled, AssemblyOptions, AssemblyReport,
    Budget,
};
pub use compact::{FactoryNet, FactoryNetConfig};
pub use net::{Arch, Cost};
pub use supernet::{train_supernet, Supernet, SupernetConfig, SupernetTraining};
pub use task::{accuracy, model_accuracy, task_data};
