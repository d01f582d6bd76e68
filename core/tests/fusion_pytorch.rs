//! Type-A fusion's cross-attention against `torch.nn.MultiheadAttention` on the same weights.
//!
//! Reference values: `core/tests/fixtures/cross_attention_torch.json`, written by
//! `core/tests/fixtures/gen_cross_attention.py` (torch 2.13, seeded weights with non-zero
//! biases, queries `[2, 3, 8]` over keys/values `[2, 4, 8]`, two heads, the second row's last two
//! keys padded). Tolerance: float32 in a different order, 1e-5 absolute on outputs and weights.

use deepfield_core::nn::capture::Capture;
use deepfield_core::nn::fusion::CrossAttention;
use serde::Deserialize;
use tch::{nn, Device, Tensor};

#[derive(Deserialize)]
struct Flat {
    shape: Vec<i64>,
    values: Vec<f32>,
}

impl Flat {
    fn tensor(&self) -> Tensor {
        Tensor::from_slice(&self.values).view(self.shape.as_slice())
    }
}

#[derive(Deserialize)]
struct Fixture {
    d: i64,
    heads: i64,
    params: std::collections::BTreeMap<String, Flat>,
    q: Flat,
    kv: Flat,
    mask: Vec<Vec<bool>>,
    out: Flat,
    weights: Flat,
}

#[test]
fn cross_attention_matches_torch_multihead_attention() {
    let text = include_str!("fixtures/cross_attention_torch.json");
    let f: Fixture = serde_json::from_str(text).unwrap();
    let vs = nn::VarStore::new(Device::Cpu);
    let attn = CrossAttention::new(&vs.root(), f.d, f.heads, 0.0).unwrap();
    let vars = vs.variables();
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort();
    let mut want: Vec<&String> = f.params.keys().collect();
    want.sort();
    assert_eq!(names, want, "parameter names are PyTorch's");
    tch::no_grad(|| {
        for (k, v) in &f.params {
            vars[k].shallow_clone().copy_(&v.tensor());
        }
    });
    let mask: Vec<bool> = f.mask.concat();
    let mask = Tensor::from_slice(&mask).view([f.mask.len() as i64, -1]);
    let cap = Capture::all();
    let out = cap
        .run(|| attn.forward(&f.q.tensor(), &f.kv.tensor(), Some(&mask), false))
        .unwrap();
    let diff = (&out - f.out.tensor()).abs().max().double_value(&[]);
    assert!(diff < 1e-5, "output differs from torch by {diff}");
    let w = cap
        .activation("weights")
        .expect("attention weights captured");
    let diff = (&w - f.weights.tensor()).abs().max().double_value(&[]);
    assert!(diff < 1e-5, "weights differ from torch by {diff}");
}
