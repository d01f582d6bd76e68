//! Message-passing structure of a (sub)graph: directed edge index tensors and the normalised
//! sparse adjacency matrices the layers multiply with — never a dense N×N matrix.
//!
//! * GCN (Kipf & Welling 2017): `Â = D^-1/2 (A + I) D^-1/2`, degrees counted at the target
//!   node including the self-loop (PyTorch Geometric's `gcn_norm`; for a symmetric graph this is
//!   exactly the symmetric normalisation).
//! * Row normalisation `D^-1 A` (mean of the neighbours, GraphSAGE), optionally with self-loops.
//! * Sum aggregation `A` (GIN).
//!
//! A matrix row is a target node, a column a source node: `out = Â · H` sends messages along
//! `src → dst`. Matrices are coalesced sparse COO tensors, multiplied by [`spmm`], which runs
//! the product as a weighted `embedding_bag` sum over each row's entries: libtorch's own COO
//! `mm` is 5–10× slower on the CPU, mostly in its backward pass.

use deepfield_core::tch::{Device, Kind, Tensor};

use crate::graph::Graph;
use crate::{GraphError, Result};

/// Which normalised adjacency to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// `D^-1/2 (A + I) D^-1/2`.
    Symmetric,
    /// `D^-1 A` (rows sum to 1; isolated nodes get a zero row).
    Row,
    /// `D^-1 (A + I)`.
    RowSelfLoops,
    /// `A` (unnormalised sum).
    Sum,
}

/// Directed edges plus the sparse adjacency matrices of one graph or sampled subgraph.
#[derive(Debug)]
pub struct MessageGraph {
    /// Number of nodes.
    pub n: usize,
    /// Source node of every directed edge (`[E]`, Int64), self-loops excluded.
    pub src: Tensor,
    /// Target node of every directed edge (`[E]`, Int64).
    pub dst: Tensor,
    /// `D^-1/2 (A + I) D^-1/2` as a sparse `[n, n]` tensor.
    pub gcn: Tensor,
    /// `D^-1 A` as a sparse `[n, n]` tensor.
    pub mean: Tensor,
    /// `A` as a sparse `[n, n]` tensor.
    pub sum: Tensor,
    device: Device,
}

/// Build the sparse `[n, n]` matrix of `norm` for directed edges `src → dst` (no self-loops).
pub fn normalized_adjacency(
    n: usize,
    src: &[i64],
    dst: &[i64],
    norm: Norm,
    device: Device,
) -> Result<Tensor> {
    if src.len() != dst.len() {
        return Err(GraphError::invalid(format!(
            "{} sources but {} targets",
            src.len(),
            dst.len()
        )));
    }
    if let Some(&bad) = src.iter().chain(dst).find(|&&v| v < 0 || v as usize >= n) {
        return Err(GraphError::invalid(format!(
            "edge endpoint {bad} outside the {n} nodes"
        )));
    }
    let loops = matches!(norm, Norm::Symmetric | Norm::RowSelfLoops);
    let mut rows: Vec<i64> = dst.to_vec();
    let mut cols: Vec<i64> = src.to_vec();
    if loops {
        rows.extend(0..n as i64);
        cols.extend(0..n as i64);
    }
    let mut deg = vec![0f32; n];
    for &r in &rows {
        deg[r as usize] += 1.0;
    }
    let vals: Vec<f32> = rows
        .iter()
        .zip(&cols)
        .map(|(&r, &c)| {
            let (dr, dc) = (deg[r as usize], deg[c as usize]);
            match norm {
                Norm::Symmetric => 1.0 / (dr.sqrt() * dc.max(1.0).sqrt()),
                Norm::Row | Norm::RowSelfLoops => 1.0 / dr,
                Norm::Sum => 1.0,
            }
        })
        .collect();
    let idx = Tensor::stack(&[Tensor::from_slice(&rows), Tensor::from_slice(&cols)], 0);
    let t = Tensor::f_sparse_coo_tensor_indices_size(
        &idx,
        &Tensor::from_slice(&vals),
        [n as i64, n as i64],
        (Kind::Float, Device::Cpu),
        false,
    )?
    .coalesce();
    Ok(t.to_device(device))
}

/// `A · H` for a coalesced sparse COO matrix `A` `[n, m]` and a dense `H` `[m, d]`, with
/// gradients for `H` (and for `A`'s values if they require them).
pub fn spmm(a: &Tensor, h: &Tensor) -> Tensor {
    let a = if a.is_coalesced() {
        a.shallow_clone()
    } else {
        a.coalesce()
    };
    let n = a.size()[0];
    let idx = a.indices();
    let counts = idx.get(0).bincount::<Tensor>(None, n);
    let offsets = counts.cumsum(0, Kind::Int64) - &counts;
    let (out, _, _, _) = Tensor::embedding_bag(
        h,
        &idx.get(1),
        &offsets,
        false,
        0,
        false,
        Some(a.values()),
        false,
    );
    out
}

impl MessageGraph {
    /// From directed edges `src → dst` over `n` nodes (self-loops in the input are dropped).
    pub fn from_directed(n: usize, edges: &[(usize, usize)], device: Device) -> Result<Self> {
        let (src, dst): (Vec<i64>, Vec<i64>) = edges
            .iter()
            .filter(|(a, b)| a != b)
            .map(|&(a, b)| (a as i64, b as i64))
            .unzip();
        Ok(MessageGraph {
            n,
            gcn: normalized_adjacency(n, &src, &dst, Norm::Symmetric, device)?,
            mean: normalized_adjacency(n, &src, &dst, Norm::Row, device)?,
            sum: normalized_adjacency(n, &src, &dst, Norm::Sum, device)?,
            src: Tensor::from_slice(&src).to_device(device),
            dst: Tensor::from_slice(&dst).to_device(device),
            device,
        })
    }

    /// From undirected edges: every edge is sent both ways.
    pub fn from_undirected(n: usize, edges: &[(usize, usize)], device: Device) -> Result<Self> {
        let both: Vec<(usize, usize)> = edges.iter().flat_map(|&(a, b)| [(a, b), (b, a)]).collect();
        Self::from_directed(n, &both, device)
    }

    /// The message graph of a whole [`Graph`].
    pub fn of(g: &Graph, device: Device) -> Result<Self> {
        Self::from_undirected(g.n_nodes(), &g.edges, device)
    }

    /// The same graph without the edges where `keep` is false (edge dropping augmentation;
    /// `keep` is a bool tensor over the directed edges).
    pub fn drop_edges(&self, keep: &Tensor) -> Result<Self> {
        let src = Vec::<i64>::try_from(self.src.masked_select(keep).to_device(Device::Cpu))?;
        let dst = Vec::<i64>::try_from(self.dst.masked_select(keep).to_device(Device::Cpu))?;
        let edges: Vec<(usize, usize)> = src
            .iter()
            .zip(&dst)
            .map(|(&s, &d)| (s as usize, d as usize))
            .collect();
        Self::from_directed(self.n, &edges, self.device)
    }

    /// Directed edges (both directions of an undirected edge count).
    pub fn n_edges(&self) -> i64 {
        self.src.size()[0]
    }

    /// The device the tensors live on.
    pub fn device(&self) -> Device {
        self.device
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_normalisation_rows_sum_to_one() {
        let a = normalized_adjacency(3, &[0, 1, 2], &[1, 2, 1], Norm::Row, Device::Cpu).unwrap();
        let d = a
            .to_dense(None, false)
            .sum_dim_intlist(1, false, Kind::Float);
        assert_eq!(Vec::<f32>::try_from(d).unwrap(), vec![0.0, 1.0, 1.0]);
        assert!(normalized_adjacency(2, &[0], &[5], Norm::Sum, Device::Cpu).is_err());
    }
}
