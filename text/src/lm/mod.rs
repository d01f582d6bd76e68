//! The character-level language-model task: a text split 90/10 into training and validation
//! characters over a character vocabulary ([`data`]), training through core's Trainer
//! ([`train`]), validation bits per character with spike rates and operation counts ([`eval`]),
//! sampling in the recurrent form ([`generate`]), and the models as registry kinds
//! `text.spikegpt` / `text.rwkv` ([`kinds`]) that `deepfield-text eval lm` and
//! `eval generate` restore.

pub mod data;
pub mod eval;
pub mod generate;
pub mod kinds;
pub mod train;

pub use data::CharCorpus;
pub use eval::{bpc, eval_file, load, LmEvaluation, LoadedLm};
pub use generate::{generate, generate_parallel, generation_speed, GenerationSpeed, SampleOptions};
pub use kinds::{CharLmConfig, RwkvLmConfig, SpikeGptConfig};
pub use train::{train, LmTrainConfig, TrainedLm};
