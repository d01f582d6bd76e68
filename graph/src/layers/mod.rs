//! Graph layers, built like core's layers: a serde config, `init(path)` creating parameters under
//! PyTorch Geometric's names (`lin.weight`, `att_src`, …), and a `forward` over node features and
//! a [`MessageGraph`].
//!
//! Node features may be a **sparse** COO tensor (bag-of-words inputs) or a dense one: every layer
//! applies its linear map first (`X·Wᵀ`, a sparse–dense product when `X` is sparse) and
//! aggregates afterwards, which is exact because aggregation is linear.

pub mod gat;
pub mod gcn;
pub mod gin;
pub mod sage;

use deepfield_core::tch::{nn, Tensor};

pub use gat::{GatConfig, GatConv, GatInit};
pub use gcn::{GcnConfig, GcnConv};
pub use gin::{GinConfig, GinConv};
pub use sage::{SageConfig, SageConv};

use crate::adjacency::MessageGraph;

/// A GNN layer over a message graph.
pub trait GraphLayer: std::fmt::Debug {
    /// `x` `[N, in]` (dense or sparse) → `[N, out]`.
    fn forward(&self, x: &Tensor, g: &MessageGraph, train: bool) -> Tensor;
    /// Output width.
    fn out_dim(&self) -> i64;
}

/// Glorot-uniform weight `[out, inp]` named `name` (PyG's default for GNN linear maps).
pub fn glorot(p: &nn::Path, name: &str, out: i64, inp: i64) -> Tensor {
    let a = (6.0 / (out + inp) as f64).sqrt();
    p.var(name, &[out, inp], nn::Init::Uniform { lo: -a, up: a })
}

/// `x · wᵀ` for a dense or sparse (COO) 2-D `x`; the sparse product costs `nnz × out`.
pub fn linear(x: &Tensor, w: &Tensor) -> Tensor {
    if x.is_sparse() {
        crate::adjacency::spmm(x, &w.tr())
    } else {
        x.mm(&w.tr())
    }
}

/// Dropout that also works on sparse COO features (it drops stored values).
pub fn dropout(x: &Tensor, p: f64, train: bool) -> Tensor {
    if !train || p <= 0.0 {
        return x.shallow_clone();
    }
    if x.is_sparse() {
        let x = if x.is_coalesced() {
            x.shallow_clone()
        } else {
            x.coalesce()
        };
        let vals = x.values().dropout(p, true);
        Tensor::sparse_coo_tensor_indices_size(
            &x.indices(),
            &vals,
            x.size(),
            (vals.kind(), vals.device()),
            true,
        )
    } else {
        x.dropout(p, true)
    }
}

/// Non-linearity between layers: core's one activation enum ([`deepfield_core::nn::Activation`],
/// with PReLU per channel or shared), under the name graph configs have always used.
pub use deepfield_core::nn::Activation as Act;

/// An activation with its parameters (PReLU's slope `p/weight`): core's
/// [`deepfield_core::nn::ActivationLayer`], built with `Activation::new(p, act, dim)`.
pub use deepfield_core::nn::ActivationLayer as Activation;

#[cfg(test)]
mod tests {
    use super::*;
    use deepfield_core::tch::{Device, Kind};

    #[test]
    fn prelu_uses_its_slope_and_sparse_dropout_keeps_shape() {
        let vs = nn::VarStore::new(Device::Cpu);
        let a = Activation::new(&vs.root(), Act::Prelu, 2);
        let y = a.apply(&Tensor::from_slice(&[-4.0f32, 2.0]).view([1, 2]));
        assert_eq!(
            Vec::<f32>::try_from(y.flatten(0, -1)).unwrap(),
            vec![-1.0, 2.0]
        );
        // Shared: one slope for every channel.
        let s = Activation::new(&(vs.root() / "shared"), Act::PreluShared, 3);
        assert_eq!(
            vs.variables().get("shared.weight").map(|w| w.size()),
            Some(vec![1])
        );
        let y = s.apply(&Tensor::from_slice(&[-4.0f32, 2.0, -8.0]).view([1, 3]));
        assert_eq!(
            Vec::<f32>::try_from(y.flatten(0, -1)).unwrap(),
            vec![-1.0, 2.0, -2.0]
        );
        let x = Tensor::eye(4, (Kind::Float, Device::Cpu)).to_sparse_sparse_dim(2);
        let d = dropout(&x, 0.5, true);
        assert!(d.is_sparse());
        assert_eq!(d.size(), vec![4, 4]);
    }
}
