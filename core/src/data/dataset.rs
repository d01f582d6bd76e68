//! In-memory tensor datasets and a seeded mini-batch iterator.

use tch::{Device, Kind, Tensor};

use crate::rng::Rng;
use crate::{Error, Result};

/// Samples along dim 0: inputs `x`, targets `y`, and for padded sequences a validity `mask`
/// (`[N, T]` bool, true where a time step is real).
#[derive(Debug)]
pub struct TensorDataset {
    pub x: Tensor,
    pub y: Tensor,
    pub mask: Option<Tensor>,
}

/// One mini-batch (same layout as [`TensorDataset`], `B` samples).
#[derive(Debug)]
pub struct Batch {
    pub x: Tensor,
    pub y: Tensor,
    pub mask: Option<Tensor>,
}

impl TensorDataset {
    /// Pair inputs and targets; their first dimensions must agree.
    pub fn new(x: Tensor, y: Tensor) -> Result<Self> {
        let (nx, ny) = (first_dim(&x)?, first_dim(&y)?);
        if nx != ny {
            return Err(Error::input(format!(
                "dataset: x has {nx} samples but y has {ny}"
            )));
        }
        Ok(TensorDataset { x, y, mask: None })
    }

    /// Attach a `[N, T]` validity mask (bool or 0/1) for padded sequences.
    pub fn with_mask(mut self, mask: Tensor) -> Result<Self> {
        let n = self.len();
        let size = mask.size();
        if size.len() != 2 || size[0] as usize != n {
            return Err(Error::input(format!(
                "dataset: mask must be [N={n}, T], got {size:?}"
            )));
        }
        if self.x.dim() >= 2 && self.x.size()[1] != size[1] {
            return Err(Error::input(format!(
                "dataset: mask has {} steps but x has {} (x is [N, T, ...])",
                size[1],
                self.x.size()[1]
            )));
        }
        self.mask = Some(mask.to_kind(Kind::Bool));
        Ok(self)
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.size().first().copied().unwrap_or(0) as usize
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The samples at `idx` (copied), in that order.
    pub fn subset(&self, idx: &[usize]) -> Result<Self> {
        let n = self.len();
        if let Some(bad) = idx.iter().find(|&&i| i >= n) {
            return Err(Error::input(format!(
                "dataset: index {bad} out of range for {n} samples"
            )));
        }
        let index = index_tensor(idx, self.x.device());
        Ok(TensorDataset {
            x: self.x.f_index_select(0, &index)?,
            y: self
                .y
                .f_index_select(0, &index.to_device(self.y.device()))?,
            mask: match &self.mask {
                Some(m) => Some(m.f_index_select(0, &index.to_device(m.device()))?),
                None => None,
            },
        })
    }

    /// Move every tensor to `device`.
    pub fn to_device(&self, device: Device) -> Self {
        TensorDataset {
            x: self.x.to_device(device),
            y: self.y.to_device(device),
            mask: self.mask.as_ref().map(|m| m.to_device(device)),
        }
    }

    /// Mini-batches of `batch_size` in order, or shuffled by `rng` (one permutation per call:
    /// the data is gathered once, then every batch is a view, so the hot loop does no copies).
    pub fn batches(&self, batch_size: usize, rng: Option<&mut Rng>) -> BatchIter {
        self.batches_opts(batch_size, rng, false)
    }

    /// Like [`batches`](Self::batches), optionally dropping a last incomplete batch.
    pub fn batches_opts(
        &self,
        batch_size: usize,
        rng: Option<&mut Rng>,
        drop_last: bool,
    ) -> BatchIter {
        let n = self.len();
        let (x, y, mask) = match rng {
            Some(rng) if n > 1 => {
                let perm = index_tensor(&rng.permutation(n), self.x.device());
                (
                    self.x.index_select(0, &perm),
                    self.y.index_select(0, &perm.to_device(self.y.device())),
                    self.mask
                        .as_ref()
                        .map(|m| m.index_select(0, &perm.to_device(m.device()))),
                )
            }
            _ => (
                self.x.shallow_clone(),
                self.y.shallow_clone(),
                self.mask.as_ref().map(Tensor::shallow_clone),
            ),
        };
        BatchIter {
            x,
            y,
            mask,
            n,
            batch_size: batch_size.max(1),
            pos: 0,
            drop_last,
        }
    }
}

/// Iterator over [`Batch`]es; see [`TensorDataset::batches`].
pub struct BatchIter {
    x: Tensor,
    y: Tensor,
    mask: Option<Tensor>,
    n: usize,
    batch_size: usize,
    pos: usize,
    drop_last: bool,
}

impl BatchIter {
    /// Number of batches this iterator yields in total.
    pub fn num_batches(&self) -> usize {
        if self.drop_last {
            self.n / self.batch_size
        } else {
            self.n.div_ceil(self.batch_size)
        }
    }
}

impl Iterator for BatchIter {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        let remaining = self.n.saturating_sub(self.pos);
        if remaining == 0 || (self.drop_last && remaining < self.batch_size) {
            return None;
        }
        let len = remaining.min(self.batch_size) as i64;
        let start = self.pos as i64;
        self.pos += len as usize;
        Some(Batch {
            x: self.x.narrow(0, start, len),
            y: self.y.narrow(0, start, len),
            mask: self.mask.as_ref().map(|m| m.narrow(0, start, len)),
        })
    }
}

fn first_dim(t: &Tensor) -> Result<usize> {
    t.size()
        .first()
        .map(|&n| n as usize)
        .ok_or_else(|| Error::input("dataset: tensors need at least one dimension (samples)"))
}

/// A 1-D int64 index tensor on `device`.
pub fn index_tensor(idx: &[usize], device: Device) -> Tensor {
    let v: Vec<i64> = idx.iter().map(|&i| i as i64).collect();
    Tensor::from_slice(&v).to_device(device)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(n: i64) -> TensorDataset {
        let x = Tensor::arange(n * 2, (Kind::Float, Device::Cpu)).view([n, 2]);
        let y = Tensor::arange(n, (Kind::Int64, Device::Cpu));
        TensorDataset::new(x, y).unwrap()
    }

    #[test]
    fn batches_cover_every_sample_once_and_shuffle_is_seeded() {
        let ds = toy(10);
        let sizes: Vec<i64> = ds.batches(4, None).map(|b| b.x.size()[0]).collect();
        assert_eq!(sizes, vec![4, 4, 2]);
        assert_eq!(ds.batches_opts(4, None, true).count(), 2);
        let order = |seed| {
            let mut rng = Rng::new(seed);
            ds.batches(3, Some(&mut rng))
                .flat_map(|b| Vec::<i64>::try_from(&b.y).unwrap())
                .collect::<Vec<_>>()
        };
        let a = order(1);
        assert_eq!(a, order(1));
        assert_ne!(a, order(2));
        let mut s = a.clone();
        s.sort_unstable();
        assert_eq!(s, (0..10).collect::<Vec<i64>>());
        // x rows follow their labels through the shuffle
        let mut rng = Rng::new(3);
        for b in ds.batches(3, Some(&mut rng)) {
            let y = Vec::<i64>::try_from(&b.y).unwrap();
            let x = Vec::<f32>::try_from(&b.x.select(1, 0)).unwrap();
            for (yi, xi) in y.iter().zip(x) {
                assert_eq!(xi, (*yi * 2) as f32);
            }
        }
    }

    #[test]
    fn mismatched_and_bad_inputs_are_errors() {
        let x = Tensor::zeros([3, 2], (Kind::Float, Device::Cpu));
        let y = Tensor::zeros([4], (Kind::Float, Device::Cpu));
        assert!(TensorDataset::new(x, y).is_err());
        let ds = toy(5);
        assert!(ds.subset(&[0, 7]).is_err());
        assert_eq!(ds.subset(&[4, 0]).unwrap().len(), 2);
        let bad_mask = Tensor::ones([4, 2], (Kind::Bool, Device::Cpu));
        assert!(toy(5).with_mask(bad_mask).is_err());
    }
}
