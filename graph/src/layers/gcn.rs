//! Graph convolution. Paper: Thomas N. Kipf & Max Welling, "Semi-Supervised Classification with
//! Graph Convolutional Networks", ICLR 2017: `H' = Â · H · W + b` with
//! `Â = D^-1/2 (A + I) D^-1/2`.

use deepfield_core::profile;
use deepfield_core::tch::{nn, Tensor};
use serde::{Deserialize, Serialize};

use super::{glorot, linear, GraphLayer};
use crate::adjacency::{spmm, MessageGraph};
use crate::error::{ensure_cfg, Result};

/// GCN layer configuration. Parameters: `lin.weight` `[out, in]`, `bias` `[out]` (PyG `GCNConv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GcnConfig {
    pub input: i64,
    pub output: i64,
    pub bias: bool,
}

impl GcnConfig {
    /// `input → output` with a bias.
    pub fn new(input: i64, output: i64) -> Self {
        GcnConfig {
            input,
            output,
            bias: true,
        }
    }

    /// Create the parameters under `p`.
    pub fn init(&self, p: &nn::Path) -> Result<GcnConv> {
        ensure_cfg!(
            self.input > 0 && self.output > 0,
            "gcn: sizes must be > 0, got {} → {}",
            self.input,
            self.output
        );
        Ok(GcnConv {
            weight: glorot(&(p / "lin"), "weight", self.output, self.input),
            bias: self.bias.then(|| p.zeros("bias", &[self.output])),
            output: self.output,
            name: deepfield_core::nn::capture::name_of(p),
        })
    }
}

/// A GCN layer.
#[derive(Debug)]
pub struct GcnConv {
    pub weight: Tensor,
    pub bias: Option<Tensor>,
    output: i64,
    /// Parameter path, the name its cost is profiled under.
    name: String,
}

impl GraphLayer for GcnConv {
    /// # Shapes
    /// `x` `[N, in]` dense or sparse → `[N, out]`.
    fn forward(&self, x: &Tensor, g: &MessageGraph, _train: bool) -> Tensor {
        let xw = linear(x, &self.weight);
        let h = spmm(&g.gcn, &xw);
        let out = match &self.bias {
            Some(b) => h + b,
            None => h,
        };
        if profile::is_recording() {
            let lin = deepfield_core::nn::capture::child(&self.name, "lin");
            profile::counter::linear(&lin, x, &self.weight, None, &xw);
            let nnz = g.gcn.internal_nnz().max(0) as u64;
            profile::counter::spmm(&self.name, nnz, &xw, &out);
        }
        out
    }

    fn out_dim(&self) -> i64 {
        self.output
    }
}
