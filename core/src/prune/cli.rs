//! `compress prune`: prune any saved model folder and write the pruned folder.

use std::path::PathBuf;

use super::export::{prune_model, PruneRequest};
use super::Method;
use crate::models::ModelRegistry;
use crate::Result;

/// How `--method` chooses the weights to zero.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodArg {
    /// Per layer, the smallest |w| (torch `l1_unstructured`).
    L1,
    /// Over all chosen layers at once, the smallest |w| (torch `global_unstructured`).
    Global,
    /// Whole output channels/neurons of smallest Ln norm (torch `ln_structured`, dim 0).
    Channels,
}

/// Arguments of `compress prune`.
#[derive(clap::Args, Debug, Clone)]
pub struct PruneArgs {
    /// The model folder (any kind this binary's registry restores).
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// How weights are chosen.
    #[arg(long, value_enum, default_value = "l1")]
    pub method: MethodArg,
    /// Fraction of the chosen weights set to zero, in [0, 1).
    #[arg(long)]
    pub sparsity: f64,
    /// Norm order of `--method channels` (1 or 2).
    #[arg(long, default_value_t = 1)]
    pub norm: i64,
    /// Only variables matching these comma-separated patterns (`*` any text)
    /// [default: every weight of rank >= 2; biases and norms stay].
    #[arg(long, value_name = "PATTERN")]
    pub layers: Option<String>,
    /// The pruned model folder (written atomically).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Remove the zeroed channels: a physically smaller `mlp` or `cnn` model.
    #[arg(long)]
    pub physical: bool,
    /// A safetensors input batch (`input`) for accuracy before and after.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Labels for `--input` (safetensors `labels`) [default: a `labels` tensor in the input file].
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
}

impl PruneArgs {
    /// The request these arguments describe.
    pub fn request(&self) -> PruneRequest {
        PruneRequest {
            model: self.model.clone(),
            method: match self.method {
                MethodArg::L1 => Method::L1,
                MethodArg::Global => Method::Global,
                MethodArg::Channels => Method::Channels(self.norm),
            },
            sparsity: self.sparsity,
            layers: self.layers.clone(),
            out: self.out.clone(),
            physical: self.physical,
            input: self.input.clone(),
            labels: self.labels.clone(),
        }
    }

    /// Prune, write the folder, print non-zeros (and accuracy) before and after.
    pub fn run(&self, models: &ModelRegistry) -> Result<()> {
        let s = prune_model(models, &self.request())?;
        println!(
            "{} `{}` layers pruned to {:.2}% sparsity",
            s.layers.len(),
            s.kind,
            100.0 * s.layer_sparsity
        );
        println!(
            "non-zeros {} -> {} ({:.2}x fewer); values {} -> {}",
            s.nonzero_before,
            s.nonzero_after,
            s.nonzero_before as f64 / s.nonzero_after.max(1) as f64,
            s.params_before,
            s.params_after
        );
        for (layer, before, after) in s.widths.iter().filter(|w| w.1 != w.2) {
            println!("  {layer}: {before} -> {after} channels");
        }
        if let (Some(b), Some(a)) = (s.accuracy_before, s.accuracy_after) {
            println!("accuracy {:.4} -> {:.4}", b, a);
        }
        println!("pruned model written to {}", self.out.display());
        Ok(())
    }
}
