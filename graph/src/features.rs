//! Sparse node features kept sparse: a CSR matrix in Rust (row pointers, column indices,
//! values), turned into a torch sparse COO tensor only for the rows a (sub)graph needs.
//!
//! Bag-of-words features such as Cora's are 99% zeros; a GCN's first layer then costs
//! `nnz × hidden` instead of `N × F × hidden` (see [`crate::layers::Features`]).

use deepfield_core::tch::{Device, Kind, Tensor};

use crate::{GraphError, Result};

/// A CSR matrix of node features.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseFeatures {
    /// Rows (nodes).
    pub n_rows: usize,
    /// Columns (feature dimension).
    pub n_cols: usize,
    /// Row `i` holds entries `indptr[i]..indptr[i + 1]`.
    pub indptr: Vec<usize>,
    /// Column of each entry.
    pub indices: Vec<i64>,
    /// Value of each entry.
    pub values: Vec<f32>,
}

impl SparseFeatures {
    /// Build from one `(column, value)` list per row; checks every column is `< n_cols`.
    pub fn from_rows(rows: Vec<Vec<(i64, f32)>>, n_cols: usize) -> Result<Self> {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let mut indices = Vec::new();
        let mut values = Vec::new();
        for (i, mut row) in rows.into_iter().enumerate() {
            row.sort_by_key(|e| e.0);
            row.dedup_by_key(|e| e.0);
            for (c, v) in row {
                if c < 0 || c as usize >= n_cols {
                    return Err(GraphError::invalid(format!(
                        "feature row {i}: column {c} outside 0..{n_cols}"
                    )));
                }
                if v != 0.0 {
                    indices.push(c);
                    values.push(v);
                }
            }
            indptr.push(indices.len());
        }
        Ok(SparseFeatures {
            n_rows: indptr.len() - 1,
            n_cols,
            indptr,
            indices,
            values,
        })
    }

    /// Build from a dense row-major matrix, keeping non-zeros only.
    pub fn from_dense(rows: &[Vec<f32>]) -> Result<Self> {
        let n_cols = rows.first().map_or(0, Vec::len);
        let sparse = rows
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(_, v)| **v != 0.0)
                    .map(|(c, v)| (c as i64, *v))
                    .collect()
            })
            .collect();
        Self::from_rows(sparse, n_cols)
    }

    /// Stored non-zeros.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// Fraction of stored entries among `n_rows × n_cols`.
    pub fn density(&self) -> f64 {
        self.nnz() as f64 / (self.n_rows.max(1) * self.n_cols.max(1)) as f64
    }

    /// Scale every row to sum 1 (Kipf & Welling's feature normalisation); empty rows stay empty.
    pub fn row_normalize(&mut self) {
        for i in 0..self.n_rows {
            let r = self.indptr[i]..self.indptr[i + 1];
            let s: f32 = self.values[r.clone()].iter().sum();
            if s != 0.0 {
                self.values[r].iter_mut().for_each(|v| *v /= s);
            }
        }
    }

    /// The sparse COO tensor `[rows.len(), n_cols]` of the given rows (all rows with `None`).
    pub fn to_tensor(&self, rows: Option<&[usize]>, device: Device) -> Result<Tensor> {
        let all: Vec<usize>;
        let rows = match rows {
            Some(r) => r,
            None => {
                all = (0..self.n_rows).collect();
                &all
            }
        };
        let mut r_idx = Vec::new();
        let mut c_idx = Vec::new();
        let mut vals = Vec::new();
        for (new, &old) in rows.iter().enumerate() {
            if old >= self.n_rows {
                return Err(GraphError::invalid(format!(
                    "feature row {old} requested, graph has {}",
                    self.n_rows
                )));
            }
            for k in self.indptr[old]..self.indptr[old + 1] {
                r_idx.push(new as i64);
                c_idx.push(self.indices[k]);
                vals.push(self.values[k]);
            }
        }
        let idx = Tensor::stack(&[Tensor::from_slice(&r_idx), Tensor::from_slice(&c_idx)], 0);
        let t = Tensor::f_sparse_coo_tensor_indices_size(
            &idx,
            &Tensor::from_slice(&vals),
            [rows.len() as i64, self.n_cols as i64],
            (Kind::Float, Device::Cpu),
            true,
        )?;
        Ok(t.to_device(device))
    }

    /// The dense `[n_rows, n_cols]` tensor (small graphs, baselines and references only).
    pub fn to_dense(&self, device: Device) -> Result<Tensor> {
        Ok(self.to_tensor(None, device)?.to_dense(None, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_round_trip_and_row_normalisation() {
        let mut f =
            SparseFeatures::from_dense(&[vec![1.0, 0.0, 3.0], vec![0.0, 0.0, 0.0]]).unwrap();
        assert_eq!(f.nnz(), 2);
        assert_eq!(f.indptr, vec![0, 2, 2]);
        f.row_normalize();
        let d = Vec::<f32>::try_from(f.to_dense(Device::Cpu).unwrap().flatten(0, -1)).unwrap();
        assert_eq!(d, vec![0.25, 0.0, 0.75, 0.0, 0.0, 0.0]);
        let sub = f
            .to_tensor(Some(&[1, 0]), Device::Cpu)
            .unwrap()
            .to_dense(None, false);
        assert_eq!(sub.size(), vec![2, 3]);
        assert!(f.to_tensor(Some(&[5]), Device::Cpu).is_err());
        assert!(SparseFeatures::from_rows(vec![vec![(4, 1.0)]], 3).is_err());
    }
}
