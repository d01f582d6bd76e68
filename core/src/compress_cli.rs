//! `compress`: the model-compression commands every binary shares, as nested subcommands, on
//! any model folder its registry restores.

use crate::models::ModelRegistry;
use crate::Result;

/// `compress <tool>`.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Compress {
    /// Prune a model's weights (magnitude, global or channels) into a new model folder.
    Prune(crate::prune::cli::PruneArgs),
    /// Quantize a saved model's weights (int8 dynamic, or post-training at 2..8 bits) into a
    /// model folder that `forward`/`inspect` run; prints the file sizes before and after.
    Quantize(crate::quant::cli::QuantizeArgs),
}

impl Compress {
    /// Run the command on models of `models`.
    pub fn run(&self, models: &ModelRegistry) -> Result<()> {
        match self {
            Compress::Prune(args) => args.run(models),
            Compress::Quantize(args) => {
                let r = args.run(models)?;
                crate::quant::cli::print(&r, &args.out);
                Ok(())
            }
        }
    }
}
