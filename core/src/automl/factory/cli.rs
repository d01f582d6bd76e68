//! `deepfield-core factory assemble|eval`: assemble a model from a saved supernet for your
//! classes and budget (no training), and run an assembled model on your own IDX images.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{assemble, AssemblyOptions, Budget, FactoryNetConfig, SupernetConfig};
use crate::models::{restore_model, save_model};
use crate::{Error, Result};

/// The `factory` commands.
#[derive(Subcommand, Debug, Clone)]
pub enum FactoryCommand {
    /// Assemble a compact model for a class subset under a parameter or FLOP budget from a
    /// trained supernet (`results/nn-factory/models/<dataset>-supernet`), without training.
    Assemble(AssembleArgs),
    /// Run an assembled model on IDX images (MNIST format, `.gz` or not): predictions as CSV,
    /// and accuracy on the images whose label is one of the model's classes when labels are given.
    Eval(FactoryEvalArgs),
}

/// `factory assemble`.
#[derive(Args, Debug, Clone)]
pub struct AssembleArgs {
    /// The supernet folder.
    #[arg(long)]
    pub supernet: PathBuf,
    /// The task's classes, comma separated (`0,3,5`).
    #[arg(long, value_delimiter = ',', required = true)]
    pub classes: Vec<i64>,
    /// Parameter budget.
    #[arg(long, conflicts_with = "flops", required_unless_present = "flops")]
    pub params: Option<u64>,
    /// FLOP budget (one image).
    #[arg(long)]
    pub flops: Option<u64>,
    /// Where the model goes.
    #[arg(long)]
    pub out: PathBuf,
}

/// `factory eval`.
#[derive(Args, Debug, Clone)]
pub struct FactoryEvalArgs {
    /// The assembled model folder.
    #[arg(long)]
    pub model: PathBuf,
    /// IDX image file `u8 [N, H, W]`.
    pub images: PathBuf,
    /// IDX label file `u8 [N]`.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Write `index,predicted_class` here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl FactoryCommand {
    /// Run the command.
    pub fn run(&self) -> Result<()> {
        let device = crate::device();
        match self {
            FactoryCommand::Assemble(a) => {
                let budget = match (a.params, a.flops) {
                    (Some(p), None) => Budget::Params(p),
                    (None, Some(f)) => Budget::Flops(f),
                    _ => return Err(Error::config("give exactly one of --params and --flops")),
                };
                let (_, vs, sup) = restore_model::<SupernetConfig>(&a.supernet, device)?;
                let asm = assemble(
                    &sup,
                    &vs,
                    &a.classes,
                    budget,
                    None,
                    &AssemblyOptions::default(),
                )?;
                save_model(&a.out, &asm.vs, &asm.config, Some(&asm.report))?;
                let r = &asm.report;
                println!(
                    "assembled widths {:?} blocks {:?}: {} parameters, {} FLOPs, in {:.3} s -> {}",
                    r.arch.widths,
                    r.arch.depths,
                    r.cost.params,
                    r.cost.flops,
                    r.seconds,
                    a.out.display()
                );
                Ok(())
            }
            FactoryCommand::Eval(e) => {
                let (config, _vs, model) = restore_model::<FactoryNetConfig>(&e.model, device)?;
                let labels = e.labels.clone().unwrap_or_default();
                let digits = if e.labels.is_some() {
                    crate::data::mnist::load_files(&e.images, &labels)?
                } else {
                    let x = crate::data::idx::read_idx(&e.images)?;
                    crate::ensure_input!(
                        x.dim() == 3,
                        "{}: expected IDX images u8 [N, H, W], got {:?}",
                        e.images.display(),
                        x.size()
                    );
                    let n = x.size()[0];
                    crate::data::mnist::Digits {
                        images: x.unsqueeze(1).to_kind(tch::Kind::Float) / 255.0,
                        labels: tch::Tensor::zeros([n], (tch::Kind::Int64, tch::Device::Cpu)),
                    }
                };
                let predicted = model.predict_classes(&digits.images.to_device(device))?;
                let predicted: Vec<i64> =
                    Vec::<i64>::try_from(&predicted.to_device(tch::Device::Cpu))?;
                if e.labels.is_some() {
                    let truth: Vec<i64> = Vec::<i64>::try_from(&digits.labels)?;
                    let (mut n, mut ok) = (0usize, 0usize);
                    for (p, t) in predicted.iter().zip(&truth) {
                        if config.classes.contains(t) {
                            n += 1;
                            ok += usize::from(p == t);
                        }
                    }
                    println!(
                        "accuracy {:.2} % on {n} images of the classes {:?} ({} images in all)",
                        100.0 * ok as f64 / n.max(1) as f64,
                        config.classes,
                        truth.len()
                    );
                }
                if let Some(out) = &e.out {
                    crate::fsutil::write_csv(
                        out,
                        ["index", "predicted_class"],
                        predicted
                            .iter()
                            .enumerate()
                            .map(|(i, p)| [i.to_string(), p.to_string()]),
                    )?;
                    println!("predictions written to {}", out.display());
                }
                println!("{} images", predicted.len());
                Ok(())
            }
        }
    }
}
