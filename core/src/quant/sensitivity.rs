//! Mixed precision from a sensitivity scan (survey §5.1; HAWQ ranks layers by Hessian traces,
//! we rank them by the measured metric drop, the simplest sensitivity): each weight alone is
//! quantized to the low bit width, the metric measured and the weight restored; then the least
//! sensitive weights (drop per parameter) go to the low width until the average bits per
//! parameter reach the target.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;

use super::affine::QScheme;
use super::observer::{calibrate, Calibration};
use super::weights::select;
use crate::{ensure_config, Result};

/// One weight's sensitivity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerSensitivity {
    pub name: String,
    pub params: i64,
    /// Metric with every weight in floating point minus the metric with this one quantized
    /// (higher-is-better metrics: positive is worse).
    pub drop: f64,
}

/// Quantize each weight of `vs` (under `layers`, empty: all) alone with `scheme` and measure
/// `eval` (higher is better) each time; the weights are restored afterwards.
pub fn scan(
    vs: &VarStore,
    layers: &[String],
    scheme: QScheme,
    calibration: Calibration,
    mut eval: impl FnMut() -> Result<f64>,
) -> Result<Vec<LayerSensitivity>> {
    let base = eval()?;
    let mut out = Vec::new();
    for (name, var) in select(vs, layers)? {
        let saved = var.detach().copy();
        let p = calibrate(calibration, scheme, &var)?;
        let deq = p.dequantize(&p.quantize(&var)?)?;
        tch::no_grad(|| var.shallow_clone().f_copy_(&deq))?;
        let metric = eval();
        tch::no_grad(|| var.shallow_clone().f_copy_(&saved))?;
        out.push(LayerSensitivity {
            name,
            params: var.numel() as i64,
            drop: base - metric?,
        });
    }
    Ok(out)
}

/// Bits per weight: the least sensitive weights (drop per parameter) at `low` bits, the rest
/// at `high`, as many at `low` as keep the parameter-weighted average at most `average` bits.
pub fn allocate(
    sens: &[LayerSensitivity],
    low: u32,
    high: u32,
    average: f64,
) -> Result<BTreeMap<String, u32>> {
    ensure_config!(
        low < high && f64::from(low) <= average && average <= f64::from(high),
        "mixed precision: need low < high and low <= average <= high bits, got {low}, {high}, {average}"
    );
    let total: i64 = sens.iter().map(|s| s.params).sum();
    let mut order: Vec<&LayerSensitivity> = sens.iter().collect();
    order.sort_by(|a, b| {
        let ka = a.drop / a.params.max(1) as f64;
        let kb = b.drop / b.params.max(1) as f64;
        ka.total_cmp(&kb)
    });
    let mut bits: BTreeMap<String, u32> = sens.iter().map(|s| (s.name.clone(), high)).collect();
    let mut sum = f64::from(high) * total as f64;
    for s in order {
        if sum / (total.max(1) as f64) <= average {
            break;
        }
        bits.insert(s.name.clone(), low);
        sum -= f64::from(high - low) * s.params as f64;
    }
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::mlp::MlpConfig;
    use crate::Forward;
    use tch::{Device, Kind, Tensor};

    #[test]
    fn scan_measures_each_weight_alone_and_restores_it() {
        tch::manual_seed(0);
        let vs = VarStore::new(Device::Cpu);
        let m = MlpConfig::new(16, [64], 4).init(&vs.root()).unwrap();
        let x = Tensor::randn([32, 16], (Kind::Float, Device::Cpu));
        let want = m.predict(&x, None);
        let before = vs.variables()["hidden.0.weight"].copy();
        // Metric: minus the output error against the float model (0 when unchanged).
        let eval = || {
            Ok(-(m.predict(&x, None) - &want)
                .square()
                .mean(Kind::Double)
                .double_value(&[]))
        };
        let sens = scan(&vs, &[], QScheme::weights(2), Calibration::MinMax, eval).unwrap();
        let names: Vec<&str> = sens.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["hidden.0.weight", "out.weight"]);
        assert_eq!((sens[0].params, sens[1].params), (1024, 256));
        assert!(sens.iter().all(|s| s.drop > 0.0), "{sens:?}");
        assert!(
            vs.variables()["hidden.0.weight"].equal(&before),
            "weights restored"
        );
        let bits = allocate(&sens, 2, 8, 7.0).unwrap();
        assert_eq!(bits.len(), 2);
        assert!(scan(
            &vs,
            &["nope".into()],
            QScheme::weights(4),
            Calibration::MinMax,
            eval
        )
        .is_err());
    }

    #[test]
    fn allocation_sends_insensitive_layers_low() {
        let s = |name: &str, params, drop| LayerSensitivity {
            name: name.into(),
            params,
            drop,
        };
        let sens = [s("a", 100, 0.5), s("b", 100, 0.01), s("c", 100, 0.1)];
        let bits = allocate(&sens, 4, 8, 6.0).unwrap();
        // 8-bit average 8; b to 4 bits gives 6.67, c too gives 5.33 <= 6.
        assert_eq!(bits["a"], 8);
        assert_eq!(bits["b"], 4);
        assert_eq!(bits["c"], 4);
        assert_eq!(allocate(&sens, 4, 8, 8.0).unwrap()["b"], 8);
        assert!(allocate(&sens, 8, 4, 6.0).is_err());
    }
}
