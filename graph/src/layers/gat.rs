//! Graph attention. Paper: Petar Veličković, Guillem Cucurull, Arantxa Casanova, Adriana Romero,
//! Pietro Liò & Yoshua Bengio, "Graph Attention Networks", ICLR 2018:
//! `α_ij = softmax_j LeakyReLU(a_srcᵀ W h_j + a_dstᵀ W h_i)` over `j ∈ N(i) ∪ {i}`,
//! `h'_i = ‖_heads Σ_j α_ij W h_j` (or the mean over heads), computed edge-wise with
//! `index_select` / `index_add` (never a dense N×N attention matrix).

use deepfield_core::tch::{nn, Kind, Tensor};
use serde::{Deserialize, Serialize};

use super::{glorot, linear, GraphLayer};
use crate::adjacency::MessageGraph;
use crate::error::{ensure_cfg, Result};

/// How a GAT layer's weights start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatInit {
    /// PyTorch Geometric's `GATConv`: Glorot-uniform projection and attention vectors.
    #[default]
    Pyg,
    /// DGL's `GATConv` (and GraphMAE's copy of it): Xavier-normal with ReLU gain √2 for the
    /// projection and the attention vectors.
    Dgl,
}

/// GAT layer configuration. Parameters (PyG `GATConv`): `lin.weight` `[heads·out, in]`,
/// `att_src`, `att_dst` `[1, heads, out]`, `bias` `[heads·out]` (concat) or `[out]` (mean).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatConfig {
    pub input: i64,
    /// Channels per head.
    pub output: i64,
    pub heads: i64,
    /// Concatenate heads (hidden layers) or average them (output layer).
    pub concat: bool,
    /// LeakyReLU slope of the attention logits (paper: 0.2).
    pub negative_slope: f64,
    /// Dropout on the attention coefficients (paper: 0.6 on Cora).
    pub attn_dropout: f64,
    /// Weight initialisation.
    #[serde(default)]
    pub init: GatInit,
}

impl GatConfig {
    /// `heads` heads of `output` channels, concatenated, slope 0.2, no attention dropout.
    pub fn new(input: i64, output: i64, heads: i64) -> Self {
        GatConfig {
            input,
            output,
            heads,
            concat: true,
            negative_slope: 0.2,
            attn_dropout: 0.0,
            init: GatInit::Pyg,
        }
    }

    /// Create the parameters under `p`.
    pub fn init(&self, p: &nn::Path) -> Result<GatConv> {
        ensure_cfg!(
            self.input > 0 && self.output > 0 && self.heads > 0,
            "gat: sizes and heads must be > 0, got {} → {}×{}",
            self.input,
            self.heads,
            self.output
        );
        ensure_cfg!(
            (0.0..1.0).contains(&self.attn_dropout),
            "gat: attention dropout {} not in [0, 1)",
            self.attn_dropout
        );
        let (h, c) = (self.heads, self.output);
        // Fans as torch's xavier init computes them: [heads·out, in] for the projection, and
        // (heads·out, out) for the [1, heads, out] attention vectors.
        let (weight, att) = match self.init {
            GatInit::Pyg => {
                let a = (6.0 / (h + c) as f64).sqrt();
                let w = glorot(&(p / "lin"), "weight", h * c, self.input);
                (w, nn::Init::Uniform { lo: -a, up: a })
            }
            GatInit::Dgl => {
                let normal = |fan_in: i64, fan_out: i64| nn::Init::Randn {
                    mean: 0.0,
                    stdev: 2f64.sqrt() * (2.0 / (fan_in + fan_out) as f64).sqrt(),
                };
                let w = (p / "lin").var("weight", &[h * c, self.input], normal(self.input, h * c));
                (w, normal(h * c, c))
            }
        };
        Ok(GatConv {
            weight,
            att_src: p.var("att_src", &[1, h, c], att),
            att_dst: p.var("att_dst", &[1, h, c], att),
            bias: p.zeros("bias", &[if self.concat { h * c } else { c }]),
            cfg: self.clone(),
        })
    }
}

/// A multi-head GAT layer.
#[derive(Debug)]
pub struct GatConv {
    weight: Tensor,
    att_src: Tensor,
    att_dst: Tensor,
    bias: Tensor,
    cfg: GatConfig,
}

impl GatConv {
    /// Attention coefficients `[E + N, heads]` over the edges plus self-loops, and the layer
    /// output; exposed for tests.
    pub fn forward_with_attention(
        &self,
        x: &Tensor,
        g: &MessageGraph,
        train: bool,
    ) -> (Tensor, Tensor) {
        let (h, c, n) = (self.cfg.heads, self.cfg.output, g.n as i64);
        let xw = linear(x, &self.weight).view([n, h, c]);
        let a_src = (&xw * &self.att_src).sum_dim_intlist(-1, false, Kind::Float); // [N, H]
        let a_dst = (&xw * &self.att_dst).sum_dim_intlist(-1, false, Kind::Float);
        let loops = Tensor::arange(n, (Kind::Int64, g.device()));
        let src = Tensor::cat(&[&g.src, &loops], 0);
        let dst = Tensor::cat(&[&g.dst, &loops], 0);
        let e = (a_src.index_select(0, &src) + a_dst.index_select(0, &dst))
            .leaky(self.cfg.negative_slope);
        let (alpha, alpha_d) = self.edge_softmax(e, &dst, n, train);
        let msg = xw.index_select(0, &src) * alpha_d.unsqueeze(-1); // [E+N, H, C]
        let out = Tensor::zeros([n, h, c], (Kind::Float, g.device())).index_add(0, &dst, &msg);
        let out = if self.cfg.concat {
            out.view([n, h * c])
        } else {
            out.mean_dim(1, false, Kind::Float)
        };
        (out + &self.bias, alpha)
    }

    /// Softmax of the edge logits `e` `[E, H]` over the incoming edges of every target node
    /// (`dst` in `0..n`), and the same coefficients after attention dropout.
    fn edge_softmax(&self, e: Tensor, dst: &Tensor, n: i64, train: bool) -> (Tensor, Tensor) {
        let h = self.cfg.heads;
        // (libtorch prints once that index_reduce is "beta"; tch exposes no other scatter-max.)
        let max = Tensor::full([n, h], f64::NEG_INFINITY, (Kind::Float, e.device())).index_reduce(
            0,
            dst,
            &e.detach(),
            "amax",
            true,
        );
        let ex = (e - max.index_select(0, dst)).exp();
        let denom = Tensor::zeros([n, h], (Kind::Float, ex.device())).index_add(0, dst, &ex);
        let alpha = ex / (denom.index_select(0, dst) + 1e-16);
        let alpha_d = if train && self.cfg.attn_dropout > 0.0 {
            alpha.dropout(self.cfg.attn_dropout, true)
        } else {
            alpha.shallow_clone()
        };
        (alpha, alpha_d)
    }

    /// The layer's output at the distinct nodes `targets` `[R]` only: `[R, out]`, equal to
    /// `forward(x, g, train).index_select(0, targets)` up to rounding. It aggregates the inputs
    /// before projecting them (`Σ_j α_ij W x_j = W Σ_j α_ij x_j`, with the attention logits taken
    /// through `Wᵀa`), so only the target rows are projected and messages carry `in` channels
    /// instead of `heads·out`: the cheap way to run a wide decoder (GraphMAE reconstructs 1433
    /// features of the masked nodes only).
    pub fn forward_targets(
        &self,
        x: &Tensor,
        g: &MessageGraph,
        targets: &Tensor,
        train: bool,
    ) -> Tensor {
        let (h, c, n, inp) = (self.cfg.heads, self.cfg.output, g.n as i64, self.cfg.input);
        let dev = g.device();
        let x = if x.is_sparse() {
            x.to_dense(None, false)
        } else {
            x.shallow_clone()
        };
        let w = self.weight.view([h, c, inp]);
        let v_src = (&w * self.att_src.view([h, c, 1])).sum_dim_intlist(1, false, Kind::Float);
        let v_dst = (&w * self.att_dst.view([h, c, 1])).sum_dim_intlist(1, false, Kind::Float);
        let r = targets.size()[0];
        let local = Tensor::arange(r, (Kind::Int64, dev));
        // Position of every node among the targets (-1 elsewhere); keep edges into a target.
        let pos = Tensor::full([n], -1, (Kind::Int64, dev)).index_copy(0, targets, &local);
        let pos_dst = pos.index_select(0, &g.dst);
        let keep = pos_dst.ge(0).nonzero().squeeze_dim(1);
        let src = Tensor::cat(&[&g.src.index_select(0, &keep), targets], 0);
        let dst = Tensor::cat(&[&pos_dst.index_select(0, &keep), &local], 0);
        let a_src = x.mm(&v_src.tr()); // [N, H]
        let a_dst = x.index_select(0, targets).mm(&v_dst.tr()); // [R, H]
        let e = (a_src.index_select(0, &src) + a_dst.index_select(0, &dst))
            .leaky(self.cfg.negative_slope);
        let (_, alpha_d) = self.edge_softmax(e, &dst, r, train);
        let msg = x.index_select(0, &src).unsqueeze(1) * alpha_d.unsqueeze(-1); // [E', H, in]
        let agg = Tensor::zeros([r, h, inp], (Kind::Float, dev)).index_add(0, &dst, &msg);
        // [H, R, in] × [H, in, C] → [R, H, C]
        let out = agg.transpose(0, 1).bmm(&w.transpose(1, 2)).transpose(0, 1);
        let out = if self.cfg.concat {
            out.reshape([r, h * c])
        } else {
            out.mean_dim(1, false, Kind::Float)
        };
        out + &self.bias
    }
}

/// LeakyReLU as an extension so the attention code reads top-down.
trait LeakyRelu {
    fn leaky(&self, slope: f64) -> Tensor;
}

impl LeakyRelu for Tensor {
    fn leaky(&self, slope: f64) -> Tensor {
        self.maximum(&(self * slope))
    }
}

impl GraphLayer for GatConv {
    /// # Shapes
    /// `x` `[N, in]` dense or sparse → `[N, heads·out]` (concat) or `[N, out]` (mean).
    fn forward(&self, x: &Tensor, g: &MessageGraph, train: bool) -> Tensor {
        self.forward_with_attention(x, g, train).0
    }

    fn out_dim(&self) -> i64 {
        if self.cfg.concat {
            self.cfg.heads * self.cfg.output
        } else {
            self.cfg.output
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deepfield_core::tch::Device;

    fn std(t: &Tensor) -> f64 {
        t.std(true).double_value(&[])
    }

    #[test]
    fn initialisations_have_the_libraries_scales() {
        let vs = nn::VarStore::new(Device::Cpu);
        let mut c = GatConfig::new(1433, 128, 4);
        let pyg = c.init(&(vs.root() / "pyg")).unwrap();
        c.init = GatInit::Dgl;
        let dgl = c.init(&(vs.root() / "dgl")).unwrap();
        // Glorot-uniform: std √(2/(fan_in + fan_out)); DGL: √2 times that, normal.
        let glorot = |fi: f64, fo: f64| (2.0 / (fi + fo)).sqrt();
        // The sample s.d. of n values is off by about 1/√(2n) relative: the tolerance is four
        // times that (the weights: 733 k values; the attention vectors: 1 024), since the
        // draws are unseeded (other tests share libtorch's generator).
        let close = |got: f64, want: f64, n: f64| (got / want - 1.0).abs() < 4.0 / (2.0 * n).sqrt();
        let n_w = 1433.0 * 512.0;
        assert!(close(std(&pyg.weight), glorot(1433.0, 512.0), n_w));
        assert!(close(
            std(&dgl.weight),
            2f64.sqrt() * glorot(1433.0, 512.0),
            n_w
        ));
        // Attention vectors [1, 4, 128]: torch's fans are (4·128, 128).
        let att = Tensor::cat(&[&dgl.att_src, &dgl.att_dst], 0);
        assert!(close(std(&att), 2f64.sqrt() * glorot(512.0, 128.0), 1024.0));
        // PyG's Glorot-uniform attention is √2 narrower than DGL's normal: told apart.
        let pyg_att = Tensor::cat(&[&pyg.att_src, &pyg.att_dst], 0);
        assert!(!close(
            std(&pyg_att),
            2f64.sqrt() * glorot(512.0, 128.0),
            1024.0
        ));
        assert!(dgl.bias.abs().max().double_value(&[]) == 0.0);
    }
}
