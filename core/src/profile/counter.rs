//! What one layer costs, counted from the shapes of a traced forward pass: multiply-accumulates
//! (MACs), floating-point operations (FLOPs), parameters, bytes read and written, and their
//! ratio, the arithmetic intensity.
//!
//! Conventions (they differ between tools, so they are stated): one MAC is one multiply and
//! one add; FLOPs count both (2 per MAC) plus the bias additions and the element-wise work of
//! normalisations, activations, pooling and softmax. fvcore's "flops" are our MACs (it counts
//! one fused multiply-add as one flop, and only the matrix products and convolutions); thop's
//! `MACs` likewise, though thop adds the bias to a convolution's count. Bytes are what an
//! ideal kernel moves: every input, weight and output once (activation memory is the output
//! bytes), at each tensor's element size.
//!
//! Each op helper (`conv`, `linear`, …) does nothing outside a recording session (one
//! thread-local check), so layers call it unconditionally after computing their output.

use serde::{Deserialize, Serialize};
use tch::Tensor;

use super::recorder::{is_recording, record};

/// The cost of one layer call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerCost {
    /// The layer's parameter path (`stack.blocks.0`, `rnn`, …).
    pub name: String,
    /// What it computes (`conv2d`, `linear`, `lstm`, `batch_norm`, …).
    pub op: String,
    /// The shapes of its tensor inputs.
    pub inputs: Vec<Vec<i64>>,
    /// The shape of its output.
    pub output: Vec<i64>,
    pub macs: u64,
    pub flops: u64,
    /// Its parameters (weights, biases, affine scales; not running statistics).
    pub params: u64,
    /// Bytes of inputs and weights read.
    pub bytes_read: u64,
    /// Bytes of output written (the activation memory the layer adds).
    pub bytes_written: u64,
}

impl LayerCost {
    /// A layer of `op` named `name` with no cost yet (set the fields, then [`record`]).
    pub fn new(name: &str, op: &str) -> Self {
        LayerCost {
            name: name.to_string(),
            op: op.to_string(),
            inputs: Vec::new(),
            output: Vec::new(),
            macs: 0,
            flops: 0,
            params: 0,
            bytes_read: 0,
            bytes_written: 0,
        }
    }

    /// FLOPs per byte moved (0 for a layer that moves nothing).
    pub fn intensity(&self) -> f64 {
        let bytes = self.bytes_read + self.bytes_written;
        if bytes == 0 {
            0.0
        } else {
            self.flops as f64 / bytes as f64
        }
    }

    /// Set inputs (read), output (written) and parameter tensors (read, counted as params).
    fn tensors(mut self, inputs: &[&Tensor], params: &[&Tensor], output: &Tensor) -> Self {
        self.inputs = inputs.iter().map(|t| t.size()).collect();
        self.output = output.size();
        self.params = params.iter().map(|t| numel(t)).sum();
        self.bytes_read = inputs.iter().chain(params).map(|t| bytes(t)).sum();
        self.bytes_written = bytes(output);
        self
    }

    fn cost(mut self, macs: u64, extra_flops: u64) -> Self {
        self.macs = macs;
        self.flops = 2 * macs + extra_flops;
        self
    }
}

/// Elements of `t`.
pub fn numel(t: &Tensor) -> u64 {
    t.size().iter().product::<i64>().max(0) as u64
}

/// Bytes of `t`'s elements.
pub fn bytes(t: &Tensor) -> u64 {
    numel(t) * t.kind().elt_size_in_bytes() as u64
}

/// A convolution of any dimension and groups: `weight` `[C_out, C_in/groups, k…]`, output `y`.
/// MACs = outputs × C_in/groups × Πk.
pub fn conv(name: &str, x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, y: &Tensor) {
    if !is_recording() {
        return;
    }
    let w = weight.size();
    let per_output: i64 = w[1..].iter().product();
    let out = numel(y);
    let op = format!("conv{}d", w.len().saturating_sub(2));
    let mut params = vec![weight];
    params.extend(bias);
    let bias_adds = if bias.is_some() { out } else { 0 };
    record(
        LayerCost::new(name, &op)
            .tensors(&[x], &params, y)
            .cost(out * per_output.max(0) as u64, bias_adds),
    );
}

/// A fully connected layer `y = x Wᵀ + b`, `weight` `[out, in]`. MACs = outputs × in.
pub fn linear(name: &str, x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, y: &Tensor) {
    if !is_recording() {
        return;
    }
    let fan_in = weight.size().last().copied().unwrap_or(0).max(0) as u64;
    let out = numel(y);
    let mut params = vec![weight];
    params.extend(bias);
    let bias_adds = if bias.is_some() { out } else { 0 };
    record(
        LayerCost::new(name, "linear")
            .tensors(&[x], &params, y)
            .cost(out * fan_in, bias_adds),
    );
}

/// A normalisation (`batch_norm`, `layer_norm`, …) with affine `params`: about 5 FLOPs per
/// element (statistics, subtract, scale, shift; in evaluation batch norm folds to 2).
pub fn norm(name: &str, op: &str, x: &Tensor, params: &[&Tensor], y: &Tensor) {
    if !is_recording() {
        return;
    }
    let per = if op == "batch_norm" { 2 } else { 5 };
    record(
        LayerCost::new(name, op)
            .tensors(&[x], params, y)
            .cost(0, per * numel(y)),
    );
}

/// A pooling of `window` elements per output: one FLOP per element of each window.
pub fn pool(name: &str, op: &str, x: &Tensor, window: i64, y: &Tensor) {
    if !is_recording() {
        return;
    }
    record(
        LayerCost::new(name, op)
            .tensors(&[x], &[], y)
            .cost(0, numel(y) * window.max(1) as u64),
    );
}

/// An element-wise op (activation, residual addition, …): `per_element` FLOPs per output.
pub fn elementwise(name: &str, op: &str, inputs: &[&Tensor], y: &Tensor, per_element: u64) {
    if !is_recording() {
        return;
    }
    record(
        LayerCost::new(name, op)
            .tensors(inputs, &[], y)
            .cost(0, per_element * numel(y)),
    );
}

/// A recurrent layer stack over `x` `[B, T, input]` (batch first): `gates` = 4 for an LSTM, 3
/// for a GRU; per step, layer and direction the gates cost `B × gates·H × (in + H)` MACs plus
/// about 10 element-wise FLOPs per hidden unit. `weights` are the layers' parameters.
pub fn rnn(
    name: &str,
    op: &str,
    x: &Tensor,
    weights: &[&Tensor],
    (input, hidden, layers, directions): (i64, i64, i64, i64),
    y: &Tensor,
) {
    if !is_recording() {
        return;
    }
    let gates = if op == "gru" { 3 } else { 4 };
    let s = x.size();
    let (b, t) = (
        s.first().copied().unwrap_or(0),
        s.get(1).copied().unwrap_or(1),
    );
    let mut macs = 0i64;
    for l in 0..layers {
        let fan_in = if l == 0 { input } else { hidden * directions };
        macs += directions * t * b * gates * hidden * (fan_in + hidden);
    }
    let elementwise = layers * directions * t * b * hidden * 10;
    record(
        LayerCost::new(name, op)
            .tensors(&[x], weights, y)
            .cost(macs.max(0) as u64, elementwise.max(0) as u64),
    );
}

/// Scaled dot-product attention: `q` `[…, Lq, d]`, `k` `[…, Lk, d]`, `v` `[…, Lk, dv]`, output
/// `y`; MACs = `… × Lq × Lk × (d + dv)` (scores and the weighted sum), plus ~5 FLOPs per score
/// for scaling and the softmax.
pub fn attention(name: &str, q: &Tensor, k: &Tensor, v: &Tensor, y: &Tensor) {
    if !is_recording() {
        return;
    }
    let (qs, ks, vs) = (q.size(), k.size(), v.size());
    let n = qs.len();
    if n < 2 || ks.len() < 2 || vs.is_empty() {
        return;
    }
    let batch: i64 = qs[..n - 2].iter().product();
    let (lq, d, lk, dv) = (qs[n - 2], qs[n - 1], ks[ks.len() - 2], vs[vs.len() - 1]);
    let scores = (batch * lq * lk).max(0) as u64;
    record(
        LayerCost::new(name, "attention")
            .tensors(&[q, k, v], &[], y)
            .cost(scores * (d + dv).max(0) as u64, 5 * scores),
    );
}

/// A dense matrix product `y = a b` (batched as `matmul`): MACs = outputs × inner dimension.
pub fn matmul(name: &str, a: &Tensor, b: &Tensor, y: &Tensor) {
    if !is_recording() {
        return;
    }
    let inner = a.size().last().copied().unwrap_or(0).max(0) as u64;
    record(
        LayerCost::new(name, "matmul")
            .tensors(&[a, b], &[], y)
            .cost(numel(y) * inner, 0),
    );
}

/// A sparse × dense product (graph propagation `Â X`): `nnz` stored entries times the dense
/// operand's columns MACs; reads the entries (value and two indices each) and `x`.
pub fn spmm(name: &str, nnz: u64, x: &Tensor, y: &Tensor) {
    if !is_recording() {
        return;
    }
    let cols = x.size().last().copied().unwrap_or(0).max(0) as u64;
    let mut c = LayerCost::new(name, "spmm")
        .tensors(&[x], &[], y)
        .cost(nnz * cols, 0);
    c.bytes_read += nnz * (4 + 2 * 8);
    record(c);
}

/// An embedding lookup: no arithmetic; reads the selected rows, writes them.
pub fn embedding(name: &str, indices: &Tensor, table: &Tensor, y: &Tensor) {
    if !is_recording() {
        return;
    }
    let mut c = LayerCost::new(name, "embedding").tensors(&[indices], &[], y);
    c.params = numel(table);
    c.bytes_read = bytes(indices) + bytes(y);
    record(c);
}
