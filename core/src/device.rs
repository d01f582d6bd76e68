//! Device choice, seeding and threads.
//!
//! Code never names a device: [`device()`] is CUDA when libtorch sees a GPU, else CPU.
//! [`seed`] makes CPU runs bit-identical from run to run (libtorch's generator plus the
//! [`crate::rng::Rng`] that shuffles batches and splits data).

use tch::{Cuda, Device};

/// CUDA:0 when available, else CPU. `DEEPFIELD_DEVICE=cpu` forces the CPU.
pub fn device() -> Device {
    match std::env::var("DEEPFIELD_DEVICE").ok().as_deref() {
        Some("cpu") => Device::Cpu,
        _ => Device::cuda_if_available(),
    }
}

/// Seed libtorch (CPU and CUDA generators) for reproducible initialisation, dropout and sampling.
///
/// Data shuffling uses [`crate::rng::Rng`] seeded explicitly from configs, so two runs with the
/// same seed and thread count produce identical weights on CPU.
pub fn seed(seed: u64) {
    tch::manual_seed(seed as i64);
    if Cuda::is_available() {
        Cuda::manual_seed_all(seed);
        Cuda::cudnn_set_benchmark(false);
    }
}

/// Set libtorch's intra-op thread count (0 leaves it unchanged).
pub fn set_threads(n: usize) {
    if n > 0 {
        tch::set_num_threads(n as i32);
    }
}

/// libtorch's current intra-op thread count.
pub fn threads() -> usize {
    tch::get_num_threads().max(1) as usize
}

/// Facts for `doctor`: what libtorch sees.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceInfo {
    pub device: String,
    pub cuda_available: bool,
    pub cuda_devices: i64,
    pub cudnn_available: bool,
    pub threads: usize,
    pub interop_threads: usize,
}

/// Collect [`DeviceInfo`].
pub fn info() -> DeviceInfo {
    DeviceInfo {
        device: format!("{:?}", device()),
        cuda_available: Cuda::is_available(),
        cuda_devices: Cuda::device_count(),
        cudnn_available: Cuda::cudnn_is_available(),
        threads: threads(),
        interop_threads: tch::get_num_interop_threads().max(1) as usize,
    }
}
