//! Helpers shared by the unit tests of the layers in [`crate::nn`].

use serde_json::Value;
use tch::{Device, Kind, Tensor};

/// `(Kind::Float, Device::Cpu)`, the options of the random inputs of the tests.
pub(crate) fn cpu() -> (Kind, Device) {
    (Kind::Float, Device::Cpu)
}

/// A `[B, t]` bool mask, true on the first `lengths[b]` steps of row `b` (right padding).
pub(crate) fn mask_from_lengths(lengths: &[i64], t: i64) -> Tensor {
    let rows: Vec<Tensor> = lengths
        .iter()
        .map(|&l| Tensor::arange(t, (Kind::Int64, Device::Cpu)).lt(l))
        .collect();
    Tensor::stack(&rows, 0)
}

/// A float tensor from a fixture object `{"shape": [..], <values>: [..]}`, the flat values
/// under the key `values`.
pub(crate) fn tensor_from_json(v: &Value, values: &str) -> Tensor {
    let shape: Vec<i64> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_i64().unwrap())
        .collect();
    let data: Vec<f32> = v[values]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    Tensor::from_slice(&data).view(shape.as_slice())
}
