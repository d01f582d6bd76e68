//! Train a small MLP on y = sin(x₁) + x₂² with deepfield-core alone, save it with its config,
//! restore it from the folder and check the restored model's R² on held-out points.
//!
//! ```sh
//! cargo run -p deepfield-core --example train_mlp
//! ```
//! (A copy of this program is what `cargo xtask test` builds as a crate outside the workspace.)

use deepfield_core::data::TensorDataset;
use deepfield_core::models::{restore_model, save_model};
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::tch::{Device, Kind, Tensor};
use deepfield_core::train::{predict, Task, TrainConfig, Trainer};
use deepfield_core::{metrics, seed, Result};

fn data(n: i64) -> Result<TensorDataset> {
    let x = Tensor::rand([n, 2], (Kind::Float, Device::Cpu)) * 4.0 - 2.0;
    let y = x.select(1, 0).sin() + x.select(1, 1).square();
    TensorDataset::new(x, y.unsqueeze(1))
}

fn main() -> Result<()> {
    seed(0);
    let (train, test) = (data(512)?, data(256)?);
    let config = MlpConfig::new(2, [32, 32], 1);
    let mut vs = deepfield_core::tch::nn::VarStore::new(Device::Cpu);
    let model = config.init(&vs.root())?;
    let trainer = Trainer::new(
        TrainConfig {
            epochs: 60,
            batch_size: 32,
            progress: false,
            ..Default::default()
        },
        Task::default(),
    )?;
    let history = trainer.fit(&model, &mut vs, &train, None)?;
    let dir = std::env::temp_dir().join(format!("deepfield-example-{}", std::process::id()));
    save_model(&dir, &vs, &config, None::<&()>)?;
    let (_, _vs, restored) = restore_model::<MlpConfig>(&dir, Device::Cpu)?;
    let pred = Vec::<f64>::try_from(predict(&restored, &test, 256)?.flatten(0, -1))?;
    let truth = Vec::<f64>::try_from(test.y.flatten(0, -1))?;
    let r2 = metrics::regression::r2(&truth, &pred)?;
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "final training loss {:.4}, held-out R² of the restored model {r2:.3}",
        history.last().map_or(f64::NAN, |e| e.train_loss)
    );
    if r2 < 0.9 {
        return Err(deepfield_core::Error::input(format!(
            "R² {r2:.3} below 0.9"
        )));
    }
    println!("dependent crate ok");
    Ok(())
}
