//! Graph isomorphism network layer. Paper: Keyulu Xu, Weihua Hu, Jure Leskovec & Stefanie
//! Jegelka, "How Powerful are Graph Neural Networks?", ICLR 2019:
//! `h'_i = MLP((1 + ε) h_i + Σ_{j ∈ N(i)} h_j)` with a two-layer MLP.

use deepfield_core::tch::{nn, Tensor};
use serde::{Deserialize, Serialize};

use super::{glorot, linear, GraphLayer};
use crate::adjacency::{spmm, MessageGraph};
use crate::error::{ensure_cfg, Result};

/// GIN layer configuration. Parameters: `nn.0.weight|bias`, `nn.2.weight|bias` (PyG
/// `GINConv(Sequential(Linear, ReLU, Linear))`) and `eps` when `train_eps`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GinConfig {
    pub input: i64,
    pub hidden: i64,
    pub output: i64,
    pub eps: f64,
    pub train_eps: bool,
}

impl GinConfig {
    /// `input → output` with an MLP hidden width equal to `output`, ε = 0 fixed.
    pub fn new(input: i64, output: i64) -> Self {
        GinConfig {
            input,
            hidden: output,
            output,
            eps: 0.0,
            train_eps: false,
        }
    }

    /// Create the parameters under `p`.
    pub fn init(&self, p: &nn::Path) -> Result<GinConv> {
        ensure_cfg!(
            self.input > 0 && self.hidden > 0 && self.output > 0,
            "gin: sizes must be > 0, got {} → {} → {}",
            self.input,
            self.hidden,
            self.output
        );
        let (l0, l2) = (p / "nn" / "0", p / "nn" / "2");
        Ok(GinConv {
            w0: glorot(&l0, "weight", self.hidden, self.input),
            b0: l0.zeros("bias", &[self.hidden]),
            w2: glorot(&l2, "weight", self.output, self.hidden),
            b2: l2.zeros("bias", &[self.output]),
            eps: if self.train_eps {
                p.var("eps", &[1], nn::Init::Const(self.eps))
            } else {
                Tensor::from(self.eps as f32).to_device(p.device())
            },
            output: self.output,
        })
    }
}

/// A GIN layer.
#[derive(Debug)]
pub struct GinConv {
    w0: Tensor,
    b0: Tensor,
    w2: Tensor,
    b2: Tensor,
    eps: Tensor,
    output: i64,
}

impl GraphLayer for GinConv {
    /// # Shapes
    /// `x` `[N, in]` dense or sparse → `[N, out]`. The MLP's first linear map is applied before
    /// the sum aggregation (exact: both are linear), so sparse inputs stay sparse.
    fn forward(&self, x: &Tensor, g: &MessageGraph, _train: bool) -> Tensor {
        let xw = linear(x, &self.w0);
        let h = spmm(&g.sum, &xw) + &xw * (&self.eps + 1.0) + &self.b0;
        linear(&h.relu(), &self.w2) + &self.b2
    }

    fn out_dim(&self) -> i64 {
        self.output
    }
}
