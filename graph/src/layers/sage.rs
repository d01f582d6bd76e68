//! GraphSAGE with mean aggregation. Paper: William L. Hamilton, Rex Ying & Jure Leskovec,
//! "Inductive Representation Learning on Large Graphs", NeurIPS 2017:
//! `h'_i = W_l · mean_{j ∈ N(i)} h_j + b + W_r · h_i` (PyG `SAGEConv`, root weight on).

use deepfield_core::tch::{nn, Tensor};
use serde::{Deserialize, Serialize};

use super::{glorot, linear, GraphLayer};
use crate::adjacency::{spmm, MessageGraph};
use crate::error::{ensure_cfg, Result};

/// GraphSAGE layer configuration. Parameters: `lin_l.weight`, `lin_l.bias` (neighbours),
/// `lin_r.weight` (the node itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SageConfig {
    pub input: i64,
    pub output: i64,
}

impl SageConfig {
    /// `input → output`.
    pub fn new(input: i64, output: i64) -> Self {
        SageConfig { input, output }
    }

    /// Create the parameters under `p`.
    pub fn init(&self, p: &nn::Path) -> Result<SageConv> {
        ensure_cfg!(
            self.input > 0 && self.output > 0,
            "sage: sizes must be > 0, got {} → {}",
            self.input,
            self.output
        );
        let l = p / "lin_l";
        Ok(SageConv {
            w_l: glorot(&l, "weight", self.output, self.input),
            b_l: l.zeros("bias", &[self.output]),
            w_r: glorot(&(p / "lin_r"), "weight", self.output, self.input),
            output: self.output,
        })
    }
}

/// A GraphSAGE-mean layer.
#[derive(Debug)]
pub struct SageConv {
    w_l: Tensor,
    b_l: Tensor,
    w_r: Tensor,
    output: i64,
}

impl GraphLayer for SageConv {
    /// # Shapes
    /// `x` `[N, in]` dense or sparse → `[N, out]`.
    fn forward(&self, x: &Tensor, g: &MessageGraph, _train: bool) -> Tensor {
        spmm(&g.mean, &linear(x, &self.w_l)) + &self.b_l + linear(x, &self.w_r)
    }

    fn out_dim(&self) -> i64 {
        self.output
    }
}
