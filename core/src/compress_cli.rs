//! `compress`: the model-compression commands every binary shares, on any model folder its
//! registry restores.

use crate::models::ModelRegistry;
use crate::Result;

/// The `compress` subcommands.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Compress {
    /// Prune a model's weights (magnitude, global or channels) into a new model folder.
    Prune(crate::prune::cli::PruneArgs),
}

impl Compress {
    /// Run the subcommand with the binary's model registry.
    pub fn run(&self, models: &ModelRegistry) -> Result<()> {
        match self {
            Compress::Prune(args) => args.run(models),
        }
    }
}
