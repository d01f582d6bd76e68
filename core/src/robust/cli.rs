//! `attack`: one implementation behind every domain binary's `attack` command. It restores any
//! registered model, reads a batch (`input`, or the file's only tensor, as `forward` reads it)
//! and its labels, runs one attack and writes atomically into `--out`:
//!
//! * `attack.json` — what ran (model kind, method, ε, steps, step size, restarts, bounds) and
//!   the clean and robust accuracy;
//! * `adversarial.safetensors` — `input` (the adversarial examples, shaped like the input),
//!   `labels`, `clean_prediction` and `adversarial_prediction`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::accuracy::attack_batches;
use super::{AttackConfig, Method, RobustAccuracy};
use crate::models::ModelRegistry;
use crate::{Error, Forward, Result};

/// Arguments of `attack`.
#[derive(Debug, Clone, clap::Args)]
pub struct AttackArgs {
    /// The model folder.
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// safetensors file with the inputs (`input` or its only tensor), batch first.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// The labels: a safetensors file (`labels` or its only tensor) or a text file with one
    /// class index per line.
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// The attack.
    #[arg(long, value_enum, default_value = "pgd")]
    pub method: Method,
    /// Radius of the threat ball (L∞ or L2 by method).
    #[arg(long)]
    pub eps: f64,
    /// Iterations (PGD, APGD).
    #[arg(long, default_value_t = 10)]
    pub steps: usize,
    /// PGD step size (default 2.5·eps/steps).
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Runs per example, each keeping the first that fooled the model.
    #[arg(long, default_value_t = 1)]
    pub restarts: usize,
    /// PGD without the random start.
    #[arg(long)]
    pub no_random_start: bool,
    /// Valid input range `lo,hi`.
    #[arg(long, value_delimiter = ',', default_values_t = [0.0, 1.0])]
    pub bounds: Vec<f64>,
    /// Do not clamp inputs to a range (features without natural bounds).
    #[arg(long, conflicts_with = "bounds")]
    pub unbounded: bool,
    /// Seed of the random starts.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Examples attacked at once.
    #[arg(long, default_value_t = 256)]
    pub batch_size: usize,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// What `attack.json` records.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttackReport {
    pub model: PathBuf,
    pub kind: String,
    pub input: PathBuf,
    pub attack: AttackConfig,
    /// The PGD step size used.
    pub alpha: f64,
    pub accuracy: RobustAccuracy,
}

impl AttackArgs {
    /// The attack these arguments describe.
    pub fn config(&self) -> Result<AttackConfig> {
        let bounds = if self.unbounded {
            None
        } else {
            match self.bounds[..] {
                [lo, hi] => Some([lo, hi]),
                _ => return Err(Error::input("attack: --bounds takes two numbers lo,hi")),
            }
        };
        let cfg = AttackConfig {
            method: self.method,
            eps: self.eps,
            alpha: self.alpha,
            steps: self.steps,
            random_start: !self.no_random_start,
            restarts: self.restarts,
            bounds,
            seed: Some(self.seed),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Run the attack with the models of `registry`.
    pub fn run(&self, registry: &ModelRegistry) -> Result<AttackReport> {
        let attack = self.config()?;
        let x = read_named(&self.input, "input")?;
        if !matches!(x.kind(), Kind::Float | Kind::Double) {
            return Err(Error::input(format!(
                "{}: the input is {:?}; attacks need a floating-point input",
                self.input.display(),
                x.kind()
            )));
        }
        let y = read_labels(&self.labels)?;
        let n = x.size().first().copied().unwrap_or(0);
        if y.size() != [n] {
            return Err(Error::input(format!(
                "{}: {} labels for {n} inputs in {}",
                self.labels.display(),
                y.size().iter().product::<i64>(),
                self.input.display()
            )));
        }
        let restored = registry.restore(&self.model, crate::device())?;
        let device = restored.vs.device();
        let model: &dyn Forward = &*restored.model;
        let (x, y) = (x.to_device(device), y.to_device(device));
        let f = super::forward_fn(model, None);
        let (mut advs, mut preds) = (Vec::new(), Vec::new());
        let accuracy = attack_batches(&f, &x, &y, &attack, self.batch_size, |adv, logits| {
            advs.push(adv.to_device(Device::Cpu));
            preds.push(logits.f_argmax(-1, false)?.to_device(Device::Cpu));
            Ok(())
        })?;
        let clean_pred = tch::no_grad(|| -> Result<Tensor> {
            let mut out = Vec::new();
            for b in x.split(self.batch_size.max(1) as i64, 0) {
                out.push(model.try_forward_t(&b, None, false)?.f_argmax(-1, false)?);
            }
            Ok(Tensor::f_cat(&out, 0)?.to_device(Device::Cpu))
        })?;
        let adv = Tensor::f_cat(&advs, 0)?;
        let adv_pred = Tensor::f_cat(&preds, 0)?;
        let report = AttackReport {
            model: self.model.clone(),
            kind: restored.kind.clone(),
            input: self.input.clone(),
            alpha: attack.step_size(),
            attack,
            accuracy,
        };
        let labels = y.to_device(Device::Cpu);
        crate::fsutil::write_dir_atomic(&self.out, |dir| {
            crate::checkpoint::write_tensors(
                &dir.join("adversarial.safetensors"),
                &[
                    ("input", &adv),
                    ("labels", &labels),
                    ("clean_prediction", &clean_pred),
                    ("adversarial_prediction", &adv_pred),
                ],
            )?;
            crate::fsutil::write_json(&dir.join("attack.json"), &report)
        })?;
        Ok(report)
    }
}

/// The tensor `name` of a safetensors file, or its only tensor.
fn read_named(path: &Path, name: &str) -> Result<Tensor> {
    crate::checkpoint::read_named(path, &[name])
}

/// Labels from a safetensors file or a text file of one class index per line.
fn read_labels(path: &Path) -> Result<Tensor> {
    let is_st = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("safetensors"));
    let y = if is_st {
        read_named(path, "labels")?
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
        let mut ys = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            ys.push(line.parse::<i64>().map_err(|_| {
                Error::input(format!(
                    "{} line {}: `{line}` is not a class index",
                    path.display(),
                    i + 1
                ))
            })?);
        }
        Tensor::from_slice(&ys)
    };
    if matches!(
        y.kind(),
        Kind::Float | Kind::Double | Kind::Half | Kind::BFloat16
    ) || y.dim() != 1
    {
        return Err(Error::input(format!(
            "{}: labels must be a 1-D tensor of class indices, got {:?} {:?}",
            path.display(),
            y.kind(),
            y.size()
        )));
    }
    Ok(y.to_kind(Kind::Int64))
}
