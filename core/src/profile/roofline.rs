//! The machine's roofline, measured: peak arithmetic throughput from a square matrix-product
//! probe (the best of a few sizes), and memory bandwidth from a large tensor copy — the slope
//! of the roofline's memory-bound part. Both run on the current device with libtorch's
//! current thread count.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::Result;

/// The measured roofline of one machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roofline {
    /// Peak FLOP/s of the best matrix product (2·n³ FLOPs per n×n product).
    pub peak_flops: f64,
    /// The matrix size that reached it.
    pub peak_size: i64,
    /// Bytes per second of a large copy (read + write).
    pub bandwidth: f64,
    /// libtorch threads during the probes.
    pub threads: i64,
    /// `cpu` or `cuda:N`.
    pub device: String,
}

impl Roofline {
    /// The FLOPs per byte where the roofline bends from memory- to compute-bound.
    pub fn ridge(&self) -> f64 {
        self.peak_flops / self.bandwidth
    }

    /// The attainable FLOP/s at arithmetic intensity `ai` (FLOPs per byte).
    pub fn attainable(&self, ai: f64) -> f64 {
        (self.bandwidth * ai).min(self.peak_flops)
    }

    /// The least time `flops` and `bytes` can take on this machine: the larger of the compute
    /// and the memory time (one layer's "waterline").
    pub fn bound_s(&self, flops: f64, bytes: f64) -> f64 {
        (flops / self.peak_flops).max(bytes / self.bandwidth)
    }
}

fn sync(device: Device) {
    if let Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

/// Best seconds per call of `f` over `reps` calls after one warm-up.
fn best_s(device: Device, reps: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    f()?;
    sync(device);
    let mut best = f64::INFINITY;
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        f()?;
        sync(device);
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best.max(1e-9))
}

/// Measure the roofline on `device`: matrix products of `sizes` (f32) and a copy of
/// `copy_bytes` bytes, each the best of `reps` runs.
pub fn probe(device: Device, sizes: &[i64], copy_bytes: i64, reps: usize) -> Result<Roofline> {
    let _guard = tch::no_grad_guard();
    let opts = (Kind::Float, device);
    let (mut peak_flops, mut peak_size) = (0.0f64, 0i64);
    for &n in sizes {
        let a = Tensor::f_randn([n, n], opts)?;
        let b = Tensor::f_randn([n, n], opts)?;
        let c = Tensor::f_zeros([n, n], opts)?;
        let s = best_s(device, reps, || {
            let _ = a.f_matmul_out(&c, &b)?;
            Ok(())
        })?;
        let flops = 2.0 * (n as f64).powi(3) / s;
        if flops > peak_flops {
            (peak_flops, peak_size) = (flops, n);
        }
    }
    let n = (copy_bytes / 4).max(1);
    let src = Tensor::f_randn([n], opts)?;
    let mut dst = Tensor::f_zeros([n], opts)?;
    let s = best_s(device, reps, || {
        dst.f_copy_(&src)?;
        Ok(())
    })?;
    Ok(Roofline {
        peak_flops,
        peak_size,
        bandwidth: 2.0 * 4.0 * n as f64 / s,
        threads: tch::get_num_threads() as i64,
        device: match device {
            Device::Cuda(i) => format!("cuda:{i}"),
            _ => "cpu".to_string(),
        },
    })
}

/// The default probe: 256, 512 and 1024 square products and a 256 MiB copy, best of 5.
pub fn measure(device: Device) -> Result<Roofline> {
    probe(device, &[256, 512, 1024], 256 << 20, 5)
}
