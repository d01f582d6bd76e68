//! `compress quantize`: quantize any saved model folder the binary's registry restores, and
//! write a quantized folder that `forward`, `inspect` and `eval` read like any other.

use std::path::{Path, PathBuf};

use serde::Serialize;
use tch::{Kind, Tensor};

use super::affine::QScheme;
use super::observer::Calibration;
use super::store::save_quantized;
use super::weights::{quantize_weights, WeightQuant};
use crate::models::ModelRegistry;
use crate::{ensure_config, Error, Result};

/// The quantization method.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// int8 weights, one symmetric scale per output channel; activations quantized at run time
    /// (torch.ao's dynamic quantization; `deepfield_core::quant::int8` runs linear and LSTM
    /// layers in int8).
    DynamicInt8,
    /// Post-training weight quantization at `--bits`, calibrated by `--calibrate`.
    Ptq,
}

/// How `--calibrate` picks the weights' clipping range.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalibrationArg {
    Minmax,
    Percentile,
    Mse,
    Entropy,
}

/// Arguments of `compress quantize`.
#[derive(clap::Args, Debug, Clone)]
pub struct QuantizeArgs {
    /// The model folder.
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    #[arg(long, value_enum)]
    pub method: Method,
    /// Bits per weight (2..=8; dynamic-int8 takes 8 only).
    #[arg(long, default_value_t = 8)]
    pub bits: u32,
    /// One scale per output channel (always on for dynamic-int8).
    #[arg(long)]
    pub per_channel: bool,
    /// Weight calibration for ptq (percentile: 99.99%; entropy: 2048 bins, TensorRT's KL).
    #[arg(long, value_enum, default_value = "minmax")]
    pub calibrate: CalibrationArg,
    /// A safetensors file with an input batch (`input`, as `forward` reads it) and optionally
    /// `labels` (class indices): the float and quantized outputs are compared on it.
    #[arg(long, value_name = "FILE")]
    pub calibration: Option<PathBuf>,
    /// The quantized model folder to write (atomically).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// What `compress quantize` did.
#[derive(Debug, Clone, Serialize)]
pub struct QuantizeReport {
    pub method: Method,
    pub bits: u32,
    pub weights: usize,
    pub bytes_before: u64,
    pub bytes_after: u64,
    /// On the calibration batch: the largest output difference, the share of equal arg-max
    /// predictions, and accuracy before/after when labels were given.
    pub max_output_change: Option<f64>,
    pub argmax_agreement: Option<f64>,
    pub accuracy_before: Option<f64>,
    pub accuracy_after: Option<f64>,
}

fn file_len(p: &Path) -> Result<u64> {
    Ok(std::fs::metadata(p).map_err(|e| Error::io(p, e))?.len())
}

fn accuracy(logits: &Tensor, labels: &Tensor) -> f64 {
    logits
        .argmax(-1, false)
        .eq_tensor(&labels.to_kind(Kind::Int64))
        .to_kind(Kind::Double)
        .mean(Kind::Double)
        .double_value(&[])
}

impl QuantizeArgs {
    /// The weight quantization these arguments ask for.
    pub fn spec(&self) -> Result<WeightQuant> {
        let scheme = match self.method {
            Method::DynamicInt8 => {
                ensure_config!(
                    self.bits == 8,
                    "compress quantize: dynamic-int8 stores 8-bit weights, got --bits {}",
                    self.bits
                );
                QScheme::weights(8).per_channel()
            }
            Method::Ptq => QScheme {
                per_channel: self.per_channel,
                ..QScheme::weights(self.bits)
            },
        };
        scheme.validate()?;
        let calibration = match (self.method, self.calibrate) {
            (Method::DynamicInt8, _) | (_, CalibrationArg::Minmax) => Calibration::MinMax,
            (_, CalibrationArg::Percentile) => Calibration::Percentile { percent: 99.99 },
            (_, CalibrationArg::Mse) => Calibration::Mse,
            (_, CalibrationArg::Entropy) => Calibration::Entropy { bins: 2048 },
        };
        calibration.validate(&scheme)?;
        Ok(WeightQuant {
            scheme,
            calibration,
            ..Default::default()
        })
    }

    /// Quantize the model and write the folder.
    pub fn run(&self, models: &ModelRegistry) -> Result<QuantizeReport> {
        let spec = self.spec()?;
        ensure_config!(
            self.out != self.model,
            "compress quantize: --out must differ from --model ({})",
            self.model.display()
        );
        let restored = models.restore(&self.model, tch::Device::Cpu)?;
        let batch = match &self.calibration {
            Some(p) => {
                let tensors = crate::checkpoint::read_tensors(p)?;
                let x = crate::checkpoint::pick_named(&tensors, &["input"], p)?;
                let labels = tensors
                    .into_iter()
                    .find(|(n, _)| n == "labels")
                    .map(|(_, t)| t);
                Some((x, labels))
            }
            None => None,
        };
        let run = |x: &Tensor| -> Result<Tensor> {
            let ds = crate::data::TensorDataset::new(x.shallow_clone(), x.zeros_like())?;
            crate::train::predict(&restored.model, &ds, 256)
        };
        let before = batch.as_ref().map(|(x, _)| run(x)).transpose()?;
        let weights = quantize_weights(&restored.vs, &spec)?;
        ensure_config!(
            !weights.is_empty(),
            "compress quantize: the `{}` model has no weight matrices to quantize",
            restored.kind
        );
        let after = batch.as_ref().map(|(x, _)| run(x)).transpose()?;
        let method = match self.method {
            Method::DynamicInt8 => "dynamic-int8",
            Method::Ptq => "ptq",
        };
        save_quantized(&self.model, &self.out, &restored.vs, &weights, method)?;
        // The folder must give back exactly the quantized model.
        if let (Some((x, _)), Some(a)) = (&batch, &after) {
            let back = models.restore(&self.out, tch::Device::Cpu)?;
            let ds = crate::data::TensorDataset::new(x.shallow_clone(), x.zeros_like())?;
            let y = crate::train::predict(&back.model, &ds, 256)?;
            let d = (y - a).abs().max().double_value(&[]);
            ensure_config!(
                d <= 1e-5,
                "compress quantize: the written folder's outputs differ by {d} from the quantized model"
            );
        }
        let w = crate::checkpoint::weights_path;
        let labels = batch.as_ref().and_then(|(_, l)| l.as_ref());
        let pair = before.as_ref().zip(after.as_ref());
        Ok(QuantizeReport {
            method: self.method,
            bits: spec.scheme.bits,
            weights: weights.len(),
            bytes_before: file_len(&w(&self.model))?,
            bytes_after: file_len(&w(&self.out))?,
            max_output_change: pair.map(|(b, a)| (a - b).abs().max().double_value(&[])),
            argmax_agreement: pair.filter(|(b, _)| b.dim() == 2).map(|(b, a)| {
                b.argmax(-1, false)
                    .eq_tensor(&a.argmax(-1, false))
                    .to_kind(Kind::Double)
                    .mean(Kind::Double)
                    .double_value(&[])
            }),
            accuracy_before: before.as_ref().zip(labels).map(|(b, l)| accuracy(b, l)),
            accuracy_after: after.as_ref().zip(labels).map(|(a, l)| accuracy(a, l)),
        })
    }
}

/// Print a report's lines.
pub fn print(r: &QuantizeReport, out: &Path) {
    println!(
        "{} weights quantized ({:?}, {} bits): model.safetensors {} -> {} bytes ({:.2}x smaller)",
        r.weights,
        r.method,
        r.bits,
        r.bytes_before,
        r.bytes_after,
        r.bytes_before as f64 / r.bytes_after.max(1) as f64
    );
    if let (Some(d), Some(a)) = (r.max_output_change, r.argmax_agreement) {
        println!(
            "calibration batch: max output change {d:.4}, arg-max agreement {:.2}%",
            a * 100.0
        );
    }
    if let (Some(b), Some(a)) = (r.accuracy_before, r.accuracy_after) {
        println!("accuracy {:.2}% -> {:.2}%", b * 100.0, a * 100.0);
    }
    println!("quantized model written to {}", out.display());
}
