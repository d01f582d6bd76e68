//! `deepfield-core bench`: training steps per second through the same `Trainer` users call.
//!
//! (a) MLP 64→256→256→10, batch 128, Adam; (b) BiLSTM(hidden 64) over 100×13 inputs, batch 32,
//! mean-pooled to 10 classes, Adam. `core/bench/bench_core.py` runs the same models and loop in
//! PyTorch eager; `cargo xtask bench core` prints both and the ratio.

use std::time::Instant;

use deepfield_core::data::TensorDataset;
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::nn::rnn::{Cell, Pooling, RnnConfig, SequenceClassifierConfig};
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::train::{OptimizerConfig, Task, TrainConfig, Trainer};
use deepfield_core::{Forward, Result};

fn steps_per_second<M: Forward>(
    model: &M,
    vs: &mut VarStore,
    data: &TensorDataset,
    batch: usize,
    seconds: f64,
) -> Result<f64> {
    let per_epoch = data.len().div_ceil(batch);
    let cfg = |epochs| TrainConfig {
        epochs,
        batch_size: batch,
        optimizer: OptimizerConfig::adam(1e-3),
        progress: false,
        ..Default::default()
    };
    // Warm-up, then size the timed run to roughly `seconds`.
    let t = Instant::now();
    Trainer::new(cfg(1), Task::classification(10))?.fit(model, vs, data, None)?;
    let epoch_s = t.elapsed().as_secs_f64().max(1e-4);
    let epochs = ((seconds / epoch_s).ceil() as usize).max(1);
    let trainer = Trainer::new(cfg(epochs), Task::classification(10))?;
    let t = Instant::now();
    trainer.fit(model, vs, data, None)?;
    Ok((epochs * per_epoch) as f64 / t.elapsed().as_secs_f64())
}

pub fn run(threads: usize, seconds: f64) -> Result<()> {
    deepfield_core::device::set_threads(threads);
    deepfield_core::seed(0);
    let dev = Device::Cpu;

    let x = Tensor::randn([128 * 50, 64], (Kind::Float, dev));
    let y = Tensor::randint(10, [128 * 50], (Kind::Int64, dev));
    let data = TensorDataset::new(x, y)?;
    let mut vs = VarStore::new(dev);
    let mlp = MlpConfig::new(64, [256, 256], 10).init(&vs.root())?;
    let sps = steps_per_second(&mlp, &mut vs, &data, 128, seconds)?;
    println!("bench mlp threads={threads} steps_per_s={sps:.2}");

    let x = Tensor::randn([32 * 20, 100, 13], (Kind::Float, dev));
    let y = Tensor::randint(10, [32 * 20], (Kind::Int64, dev));
    let data = TensorDataset::new(x, y)?;
    let mut vs = VarStore::new(dev);
    let cfg = SequenceClassifierConfig {
        rnn: RnnConfig::new(Cell::Lstm, 13, 64, true),
        pooling: Pooling::Mean,
        output: 10,
        ..Default::default()
    };
    let model = cfg.init(&vs.root())?;
    let sps = steps_per_second(&model, &mut vs, &data, 32, seconds)?;
    println!("bench bilstm threads={threads} steps_per_s={sps:.2}");
    Ok(())
}
