//! A reservoir buffer (Vitter's algorithm R): after `n` samples have streamed past, each of
//! them is held with probability `capacity / n`, whatever order they came in.

use tch::{Device, Kind, Tensor};

use super::step::TaskBatch;
use crate::rng::Rng;
use crate::{Error, Result};

/// A fixed-capacity uniform sample of every example seen, with labels and task ids.
pub struct ReservoirBuffer {
    capacity: usize,
    seen: usize,
    rng: Rng,
    /// Stored samples, each `[1, ...]` input, label and task.
    x: Vec<Tensor>,
    y: Vec<i64>,
    task: Vec<i64>,
}

impl ReservoirBuffer {
    /// An empty buffer holding at most `capacity` samples (> 0).
    pub fn new(capacity: usize, seed: u64) -> Result<Self> {
        if capacity == 0 {
            return Err(Error::config("reservoir buffer: capacity must be > 0"));
        }
        Ok(ReservoirBuffer {
            capacity,
            seen: 0,
            rng: Rng::new(seed),
            x: Vec::with_capacity(capacity),
            y: Vec::with_capacity(capacity),
            task: Vec::with_capacity(capacity),
        })
    }

    /// Samples held.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// The most it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Samples offered so far.
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// The task ids held (for checks of uniformity).
    pub fn tasks(&self) -> &[i64] {
        &self.task
    }

    /// Offer every sample of `batch` (stored on the CPU, detached).
    pub fn add(&mut self, batch: &TaskBatch) -> Result<()> {
        let n = batch.len();
        if n == 0 {
            return Ok(());
        }
        let x = batch.x.detach().to_device(Device::Cpu);
        let y: Vec<i64> =
            Vec::<i64>::try_from(batch.y.to_device(Device::Cpu).to_kind(Kind::Int64))?;
        let t: Vec<i64> =
            Vec::<i64>::try_from(batch.task.to_device(Device::Cpu).to_kind(Kind::Int64))?;
        for i in 0..n {
            self.seen += 1;
            let slot = if self.x.len() < self.capacity {
                None
            } else {
                let j = self.rng.below(self.seen);
                if j >= self.capacity {
                    continue;
                }
                Some(j)
            };
            let xi = x.narrow(0, i as i64, 1).copy();
            match slot {
                None => {
                    self.x.push(xi);
                    self.y.push(y[i]);
                    self.task.push(t[i]);
                }
                Some(j) => {
                    self.x[j] = xi;
                    self.y[j] = y[i];
                    self.task[j] = t[i];
                }
            }
        }
        Ok(())
    }

    /// `n` samples drawn uniformly with replacement, on `device`; `None` when empty.
    pub fn sample(&mut self, n: usize, device: Device) -> Result<Option<TaskBatch>> {
        if self.is_empty() || n == 0 {
            return Ok(None);
        }
        let idx: Vec<usize> = (0..n).map(|_| self.rng.below(self.len())).collect();
        self.gather(&idx, device).map(Some)
    }

    /// Every sample held, on `device`; `None` when empty.
    pub fn all(&self, device: Device) -> Result<Option<TaskBatch>> {
        if self.is_empty() {
            return Ok(None);
        }
        let idx: Vec<usize> = (0..self.len()).collect();
        self.gather(&idx, device).map(Some)
    }

    fn gather(&self, idx: &[usize], device: Device) -> Result<TaskBatch> {
        let xs: Vec<&Tensor> = idx.iter().map(|&i| &self.x[i]).collect();
        let y: Vec<i64> = idx.iter().map(|&i| self.y[i]).collect();
        let t: Vec<i64> = idx.iter().map(|&i| self.task[i]).collect();
        TaskBatch::new(
            Tensor::f_cat(&xs, 0)?.to_device(device),
            Tensor::from_slice(&y).to_device(device),
            Tensor::from_slice(&t).to_device(device),
        )
    }
}
