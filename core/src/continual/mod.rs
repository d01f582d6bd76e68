//! Continual learning: a model learns a sequence of tasks and is tested on all of them.
//!
//! * [`stream`]: task streams from any classification data set (permuted, split, rotated) under
//!   the three scenarios of van de Ven & Tolias (Task-IL, Domain-IL, Class-IL).
//! * [`metrics`]: the accuracy matrix `R[i][j]`, ACC, BWT, FWT and their plots.
//! * [`step`]: batches that carry their task, masked logits, iterations per task.
//! * strategies, each a [`crate::train::Callback`] of the one Trainer plus task-boundary hooks
//!   ([`Strategy`]): [`FineTune`], [`Joint`], [`Ewc`] (offline and online), [`Si`], [`Lwf`],
//!   [`ExperienceReplay`] (reservoir [`buffer`]), [`Agem`], and [`GenerativeReplay`] over any
//!   [`Generator`].
//! * [`run`]: train a model through a stream with a strategy and fill the accuracy matrix.

pub mod agem;
pub mod buffer;
pub mod ewc;
pub mod hlop;
pub mod lwf;
pub mod metrics;
pub mod replay;
pub mod run;
pub mod si;
pub mod step;
pub mod strategy;
pub mod stream;

pub use agem::{Agem, AgemConfig};
pub use buffer::ReservoirBuffer;
pub use ewc::{diagonal_fisher, Ewc, EwcConfig};
pub use hlop::{check_subspaces, HlopStrategy, SubspaceCheck};
pub use lwf::{Lwf, LwfConfig};
pub use metrics::{AccuracyMatrix, TransferMetrics};
pub use replay::{BufferGenerator, ExperienceReplay, GenerativeReplay, Generator, ReplayConfig};
pub use run::{run_stream, RunConfig, StreamResult};
pub use si::{Si, SiConfig};
pub use step::{ContinualStep, IterationSource, TaskBatch};
pub use strategy::{FineTune, Joint, Strategy, TaskContext};
pub use stream::{permuted, rotated, split, ContinualTask, Scenario, TaskStream};
