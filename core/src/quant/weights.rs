//! Post-training quantization of a model's weights, for any model behind a `VarStore`: every
//! weight matrix or kernel (a variable whose last name component starts with `weight` and that
//! has at least 2 dimensions: linear, convolution and recurrent weights; biases and batch-norm
//! parameters stay `f32`) is calibrated, quantized to integer codes, and replaced in place by
//! its dequantized values, so the float model computes what the quantized one does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::Tensor;

use super::affine::{QParams, QScheme};
use super::observer::{calibrate, Calibration};
use crate::{ensure_config, Result};

/// Which weights to quantize, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WeightQuant {
    pub scheme: QScheme,
    pub calibration: Calibration,
    /// Only weights under these layer names (`hidden.0`, `rnn`): every one must exist.
    /// Empty: every weight.
    pub layers: Vec<String>,
    /// Bits for single weights (mixed precision), overriding `scheme.bits`.
    pub bits: BTreeMap<String, u32>,
}

impl Default for WeightQuant {
    fn default() -> Self {
        WeightQuant {
            scheme: QScheme::weights(8),
            calibration: Calibration::MinMax,
            layers: Vec::new(),
            bits: BTreeMap::new(),
        }
    }
}

/// One quantized weight.
#[derive(Debug)]
pub struct QuantizedWeight {
    pub name: String,
    /// Integer codes, `i64`, same shape as the weight.
    pub codes: Tensor,
    pub params: QParams,
}

/// Whether the variable `name` of shape `shape` is a quantizable weight.
pub fn is_weight(name: &str, shape: &[i64]) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    last.starts_with("weight") && shape.len() >= 2
}

/// The quantizable weights of `vs` selected by `layers` (see [`WeightQuant::layers`]), sorted
/// by name. A layer name matching no weight is an error listing the weights there are.
pub fn select(vs: &VarStore, layers: &[String]) -> Result<Vec<(String, Tensor)>> {
    let mut all: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(n, t)| is_weight(n, &t.size()))
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    if layers.is_empty() {
        return Ok(all);
    }
    let under = |n: &str, l: &str| n == l || n.starts_with(&format!("{l}."));
    for l in layers {
        ensure_config!(
            all.iter().any(|(n, _)| under(n, l)),
            "quantization: the model has no layer `{l}` with weights (weights: {})",
            all.iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(all
        .into_iter()
        .filter(|(n, _)| layers.iter().any(|l| under(n, l)))
        .collect())
}

/// Quantize the selected weights of `vs` in place (their values become the dequantized codes)
/// and return the codes and parameters.
pub fn quantize_weights(vs: &VarStore, spec: &WeightQuant) -> Result<Vec<QuantizedWeight>> {
    let chosen = select(vs, &spec.layers)?;
    for name in spec.bits.keys() {
        ensure_config!(
            chosen.iter().any(|(n, _)| n == name),
            "quantization: bits given for `{name}`, which is not a selected weight"
        );
    }
    let mut out = Vec::with_capacity(chosen.len());
    for (name, var) in chosen {
        let scheme = QScheme {
            bits: spec.bits.get(&name).copied().unwrap_or(spec.scheme.bits),
            ..spec.scheme
        };
        let params = calibrate(spec.calibration, scheme, &var)?;
        let codes = params.quantize(&var)?;
        let deq = params.dequantize(&codes)?;
        tch::no_grad(|| var.shallow_clone().f_copy_(&deq))?;
        out.push(QuantizedWeight {
            name,
            codes,
            params,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::mlp::MlpConfig;
    use crate::Forward;
    use tch::{Device, Kind};

    #[test]
    fn weights_are_quantized_in_place_and_layers_checked() {
        tch::manual_seed(0);
        let vs = VarStore::new(Device::Cpu);
        let m = MlpConfig::new(6, [32], 3).init(&vs.root()).unwrap();
        let x = Tensor::randn([16, 6], (Kind::Float, Device::Cpu));
        let before = m.predict(&x, None);
        let spec = WeightQuant {
            scheme: QScheme::weights(4).per_channel(),
            ..Default::default()
        };
        let q = quantize_weights(&vs, &spec).unwrap();
        let names: Vec<&str> = q.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["hidden.0.weight", "out.weight"]);
        // 4-bit per channel: at most 16 distinct values per row.
        let w = vs.variables()["hidden.0.weight"].shallow_clone();
        let distinct = w.get(0).unique_dim(0, false, false, false).0.size()[0];
        assert!(distinct <= 16, "{distinct}");
        let after = m.predict(&x, None);
        let d = (&after - &before).abs().max().double_value(&[]);
        assert!(d > 0.0 && d < 0.5, "{d}");
        let bad = WeightQuant {
            layers: vec!["conv9".into()],
            ..Default::default()
        };
        let e = quantize_weights(&vs, &bad).unwrap_err().to_string();
        assert!(
            e.contains("no layer `conv9`") && e.contains("hidden.0.weight"),
            "{e}"
        );
        let zero = WeightQuant {
            scheme: QScheme::weights(0),
            ..Default::default()
        };
        assert!(quantize_weights(&vs, &zero).is_err());
    }
}
