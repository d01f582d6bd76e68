//! The reproductions of this crate, run by `deepfield-timeseries repro <id>`.

pub mod amd;
pub mod stackvae;
pub mod stock;

use deepfield_core::repro::Reproduction;

/// Every reproduction of deepfield-timeseries.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![
        Box::new(amd::AmdKinetic),
        Box::new(stock::StockCnnLstm),
        Box::new(stackvae::StackVaeGRepro),
    ]
}

/// A reproduction's quiet training configuration: Adam at `lr`, early stopping on the
/// validation loss after `patience` epochs without improvement.
pub(crate) fn train_config(
    epochs: usize,
    batch_size: usize,
    lr: f64,
    patience: usize,
) -> deepfield_core::train::TrainConfig {
    deepfield_core::train::TrainConfig {
        epochs,
        batch_size,
        optimizer: deepfield_core::train::OptimizerConfig::adam(lr),
        early_stopping: Some(deepfield_core::train::EarlyStopping::new(
            "val_loss", patience,
        )),
        progress: false,
        ..Default::default()
    }
}

/// First target, first step of `[N, H, T]` forecasts as `(x, y)` points at the given x values.
pub(crate) fn points(xs: &[f64], t: &tch::Tensor, target: i64) -> crate::Result<Vec<(f64, f64)>> {
    let v = Vec::<f64>::try_from(t.select(1, 0).select(1, target).to_kind(tch::Kind::Double))?;
    Ok(xs.iter().copied().zip(v).collect())
}

#[cfg(test)]
mod catalog_tests {
    #[test]
    fn every_reproduction_is_in_the_catalog_and_back() {
        deepfield_core::repro::catalog::check(crate::REPRODUCTIONS, &super::all()).unwrap();
    }
}
