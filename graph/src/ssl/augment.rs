//! Graph augmentations of the contrastive / non-contrastive methods: feature-column masking,
//! random edge dropping and row shuffling (DGI's corruption). Randomness comes from libtorch's
//! generator, seeded by [`deepfield_core::seed`].

use deepfield_core::tch::{Kind, Tensor};
use serde::{Deserialize, Serialize};

use crate::adjacency::MessageGraph;
use crate::Result;

/// The two augmented views of GRACE and BGRL: view `i` drops every edge with probability
/// `drop_edge[i]` and masks every feature column with probability `drop_feature[i]`. Flattened
/// into the methods' configs (the fields keep their names there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwoViews {
    pub drop_edge: [f64; 2],
    pub drop_feature: [f64; 2],
}

impl TwoViews {
    /// Views with edge drop rates `drop_edge` and feature mask rates `drop_feature`.
    pub fn new(drop_edge: [f64; 2], drop_feature: [f64; 2]) -> Self {
        TwoViews {
            drop_edge,
            drop_feature,
        }
    }

    /// Draw both views of `(x, g)`: the two edge drops, then the two feature masks (the order
    /// of the random draws).
    pub fn draw(&self, x: &Tensor, g: &MessageGraph) -> Result<[(Tensor, MessageGraph); 2]> {
        let (g1, g2) = (
            drop_edges(g, self.drop_edge[0])?,
            drop_edges(g, self.drop_edge[1])?,
        );
        let (x1, x2) = (
            mask_features(x, self.drop_feature[0]),
            mask_features(x, self.drop_feature[1]),
        );
        Ok([(x1, g1), (x2, g2)])
    }
}

/// Zero every feature column with probability `p` (the same columns for every node).
pub fn mask_features(x: &Tensor, p: f64) -> Tensor {
    if p <= 0.0 {
        return x.shallow_clone();
    }
    let f = x.size()[1];
    let keep = Tensor::empty([f], (Kind::Float, x.device())).bernoulli_float_(1.0 - p);
    if x.is_sparse() {
        let x = x.coalesce();
        let idx = x.indices();
        let vals = x.values() * keep.index_select(0, &idx.get(1));
        Tensor::sparse_coo_tensor_indices_size(
            &idx,
            &vals,
            x.size(),
            (Kind::Float, x.device()),
            true,
        )
    } else {
        x * keep.unsqueeze(0)
    }
}

/// Drop every directed edge with probability `p`.
pub fn drop_edges(g: &MessageGraph, p: f64) -> Result<MessageGraph> {
    let keep = Tensor::empty([g.n_edges()], (Kind::Float, g.device()))
        .bernoulli_float_(1.0 - p)
        .to_kind(Kind::Bool);
    g.drop_edges(&keep)
}

/// Rows of `x` in the order `perm` (row `i` of the result is row `perm[i]` of `x`).
pub fn permute_rows(x: &Tensor, perm: &Tensor) -> Tensor {
    if x.is_sparse() {
        let x = x.coalesce();
        let idx = x.indices();
        // Entry (r, c) moves to row inv[r], where perm[inv[r]] = r.
        let inv = perm.argsort(0, false);
        let rows = inv.index_select(0, &idx.get(0));
        let new_idx = Tensor::stack(&[rows, idx.get(1)], 0);
        Tensor::sparse_coo_tensor_indices_size(
            &new_idx,
            &x.values(),
            x.size(),
            (Kind::Float, x.device()),
            false,
        )
        .coalesce()
    } else {
        x.index_select(0, perm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deepfield_core::tch::Device;

    #[test]
    fn sparse_and_dense_row_permutation_agree() {
        let d = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 2.0, 3.0, 0.0]).view([3, 2]);
        let perm = Tensor::from_slice(&[2i64, 0, 1]);
        let a = permute_rows(&d, &perm);
        let b = permute_rows(&d.to_sparse_sparse_dim(2), &perm).to_dense(None, false);
        assert_eq!(
            Vec::<f32>::try_from(a.flatten(0, -1)).unwrap(),
            vec![3.0, 0.0, 1.0, 0.0, 0.0, 2.0]
        );
        assert!(a.equal(&b));
        let m = mask_features(&d.to_sparse_sparse_dim(2), 0.0);
        assert!(m.to_dense(None, false).equal(&d));
        let _ = Device::Cpu;
    }
}
