//! The reproduction's data: pixel-sequential MNIST (one pixel per step, optionally with a fixed
//! permutation of the pixels) and windows of long NAB series for one-step-ahead forecasting.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::data::dir::DatasetSpec;
use crate::data::mnist::{self, Dataset, Split};
use crate::data::TensorDataset;
use crate::repro::ReproOptions;
use crate::rng::Rng;
use crate::{ensure_config, Error, Result};

/// The pixel-sequence MNIST task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MnistSetup {
    /// Training images (a seeded random subset of the 60,000).
    pub train: usize,
    /// Test images (a seeded random subset of the 10,000 test images).
    pub test: usize,
    /// Average-pool the 28×28 image by `pool × pool` first (1: the full 784-step sequence; 2:
    /// 196 steps, quick mode only).
    pub pool: i64,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
}

impl Default for MnistSetup {
    fn default() -> Self {
        MnistSetup {
            train: 2000,
            test: 1000,
            pool: 1,
            epochs: 4,
            batch_size: 32,
            lr: 2e-3,
        }
    }
}

impl MnistSetup {
    /// Sequence length `(28 / pool)²`.
    pub fn length(&self) -> i64 {
        let side = 28 / self.pool.max(1);
        side * side
    }

    /// Check the sizes.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.train >= 10 && self.test >= 10,
            "mamba: mnist.train and mnist.test must be >= 10"
        );
        ensure_config!(
            [1, 2, 4, 7].contains(&self.pool),
            "mamba: mnist.pool must be 1, 2, 4 or 7 (a divisor of 28), got {}",
            self.pool
        );
        ensure_config!(
            self.epochs >= 1 && self.batch_size >= 1 && self.lr > 0.0,
            "mamba: mnist.epochs, batch_size and lr must be > 0"
        );
        Ok(())
    }
}

/// Pixel sequences `[N, L, 1]` (standardised with the training pixels' mean and std) and labels,
/// for training and test, and the pixel permutation when `permute` (seeded).
pub struct PixelSequences {
    pub train: TensorDataset,
    pub test: TensorDataset,
    /// The data folder, for the report's provenance.
    pub dir: PathBuf,
}

/// Load MNIST as pixel sequences; `permutation` (a list of `L` distinct indices) reorders the
/// pixels of every image the same way.
pub fn pixel_sequences(
    opts: &ReproOptions,
    setup: &MnistSetup,
    permutation: Option<&[i64]>,
) -> Result<PixelSequences> {
    let dir = opts.dataset(&Dataset::Mnist.spec())?;
    let mut rng = Rng::new(opts.seed ^ 0x5eed_0003);
    let mut take = |split: Split, n: usize| -> Result<(Tensor, Tensor)> {
        let (img, lab) = mnist::files(&dir, split);
        let d = mnist::load_files(&img, &lab)?;
        let total = d.len();
        ensure_config!(
            n <= total,
            "mamba: asked for {n} {split:?} images, MNIST has {total}"
        );
        let mut idx = rng.permutation(total);
        idx.truncate(n);
        let idx: Vec<i64> = idx.into_iter().map(|i| i as i64).collect();
        let idx = Tensor::from_slice(&idx);
        Ok((
            d.images.index_select(0, &idx),
            d.labels.index_select(0, &idx),
        ))
    };
    let (xtr, ytr) = take(Split::Train, setup.train)?;
    let (xte, yte) = take(Split::Test, setup.test)?;
    let seq = |x: Tensor| -> Result<Tensor> {
        let x = if setup.pool > 1 {
            x.f_avg_pool2d(
                [setup.pool, setup.pool],
                [setup.pool, setup.pool],
                [0, 0],
                false,
                true,
                None::<i64>,
            )?
        } else {
            x
        };
        let n = x.size()[0];
        let x = x.f_reshape([n, -1, 1])?;
        Ok(match permutation {
            Some(p) => x.f_index_select(1, &Tensor::from_slice(p))?,
            None => x,
        })
    };
    let (xtr, xte) = (seq(xtr)?, seq(xte)?);
    let mean = xtr.f_mean(Kind::Float)?.double_value(&[]);
    let std = xtr.f_std(true)?.double_value(&[]).max(1e-6);
    let norm = |x: Tensor| -> Result<Tensor> { Ok(x.f_sub_scalar(mean)?.f_div_scalar(std)?) };
    Ok(PixelSequences {
        train: TensorDataset::new(norm(xtr)?, ytr)?,
        test: TensorDataset::new(norm(xte)?, yte)?,
        dir,
    })
}

/// A fixed pixel permutation of `length` steps drawn from `seed`.
pub fn permutation(length: i64, seed: u64) -> Vec<i64> {
    Rng::new(seed ^ 0x9e37_79b9)
        .permutation(length as usize)
        .into_iter()
        .map(|i| i as i64)
        .collect()
}

/// The NAB forecasting task: windows of `window` steps predict the value `horizon` steps after
/// the window's end, per series standardised with its first `train_fraction`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NabSetup {
    /// Series files under `nab_subset/data/`.
    pub series: Vec<String>,
    /// Input window length (steps).
    pub window: i64,
    /// Steps ahead of the window's last value.
    pub horizon: i64,
    /// Leading part of every series used for training (the rest is the test period).
    pub train_fraction: f64,
    /// At most this many training windows (evenly spaced over all series).
    pub train_windows: usize,
    /// At most this many test windows.
    pub test_windows: usize,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
}

impl Default for NabSetup {
    fn default() -> Self {
        NabSetup {
            series: vec![
                "realKnownCause/cpu_utilization_asg_misconfiguration.csv".into(),
                "realKnownCause/ambient_temperature_system_failure.csv".into(),
                "realKnownCause/rogue_agent_key_updown.csv".into(),
                "realKnownCause/ec2_request_latency_system_failure.csv".into(),
            ],
            window: 512,
            horizon: 12,
            train_fraction: 0.7,
            train_windows: 1500,
            test_windows: 600,
            epochs: 4,
            batch_size: 32,
            lr: 2e-3,
        }
    }
}

impl NabSetup {
    /// Check the sizes.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(!self.series.is_empty(), "mamba: nab.series is empty");
        ensure_config!(
            self.window >= 2 && self.horizon >= 1,
            "mamba: nab.window must be >= 2 and nab.horizon >= 1"
        );
        ensure_config!(
            self.train_fraction > 0.1 && self.train_fraction < 0.95,
            "mamba: nab.train_fraction must be in (0.1, 0.95), got {}",
            self.train_fraction
        );
        ensure_config!(
            self.train_windows >= 10 && self.test_windows >= 10,
            "mamba: nab.train_windows and nab.test_windows must be >= 10"
        );
        ensure_config!(
            self.epochs >= 1 && self.batch_size >= 1 && self.lr > 0.0,
            "mamba: nab.epochs, batch_size and lr must be > 0"
        );
        Ok(())
    }
}

/// NAB windows: datasets `[N, window, 1]` → `[N, 1]` (standardised units), and the persistence
/// forecast (the window's last value) of every test window.
pub struct NabWindows {
    pub train: TensorDataset,
    pub test: TensorDataset,
    /// `[N_test, 1]`: the last input value of each test window.
    pub persistence: Tensor,
    pub dir: PathBuf,
    /// Rows per series, in `series` order.
    pub rows: Vec<usize>,
}

const NAB_SPEC: DatasetSpec = DatasetSpec {
    name: "nab_subset",
    files: &["SOURCE.md", "data/realKnownCause"],
    source: "GitHub numenta/NAB, data/realKnownCause and data/realAWSCloudwatch (see nab_subset/SOURCE.md)",
};

/// Read the `value` column of a NAB CSV (`timestamp,value`).
pub fn read_nab_series(path: &Path) -> Result<Vec<f64>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("").trim();
    if header != "timestamp,value" {
        return Err(Error::parse(
            path,
            1,
            format!("expected the NAB header `timestamp,value`, found `{header}`"),
        ));
    }
    let mut values = Vec::new();
    for (i, line) in lines.enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let v = line
            .rsplit_once(',')
            .and_then(|(_, v)| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                Error::parse(
                    path,
                    i + 2,
                    format!("expected `timestamp,<number>`, found `{line}`"),
                )
            })?;
        values.push(v);
    }
    Ok(values)
}

/// `n` indices spread evenly over `0..total` (all of them when `total <= n`).
fn spread(total: usize, n: usize) -> Vec<usize> {
    if total <= n {
        return (0..total).collect();
    }
    (0..n).map(|i| i * total / n).collect()
}

/// Cut the NAB series into forecasting windows.
pub fn nab_windows(opts: &ReproOptions, setup: &NabSetup) -> Result<NabWindows> {
    let dir = opts.dataset(&NAB_SPEC)?;
    let (w, h) = (setup.window as usize, setup.horizon as usize);
    let mut train: Vec<(Vec<f32>, f32)> = Vec::new();
    let mut test: Vec<(Vec<f32>, f32)> = Vec::new();
    let mut rows = Vec::new();
    for name in &setup.series {
        let path = dir.join("data").join(name);
        if !path.is_file() {
            return Err(Error::MissingData(format!(
                "mamba: NAB series {} not found; {} should hold the NAB subset's `data/<category>/<file>.csv` (see nab_subset/SOURCE.md)",
                path.display(),
                dir.display()
            )));
        }
        let v = read_nab_series(&path)?;
        let n = v.len();
        let n_train = (n as f64 * setup.train_fraction) as usize;
        if n_train < w + h + 1 || n - n_train < 1 {
            return Err(Error::input(format!(
                "mamba: {} has {n} rows, too short for window {w} + horizon {h} in its first {:.0} %",
                path.display(),
                100.0 * setup.train_fraction
            )));
        }
        let mean = v[..n_train].iter().sum::<f64>() / n_train as f64;
        let var = v[..n_train].iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n_train as f64;
        let std = var.sqrt().max(1e-9);
        let z: Vec<f32> = v.iter().map(|x| ((x - mean) / std) as f32).collect();
        // A window starting at i ends at i + w - 1 and targets i + w - 1 + h.
        for i in 0..=(n - w - h) {
            let target = i + w - 1 + h;
            let item = (z[i..i + w].to_vec(), z[target]);
            if target < n_train {
                train.push(item);
            } else {
                test.push(item);
            }
        }
        rows.push(n);
    }
    let pick = |items: &[(Vec<f32>, f32)], n: usize| -> Result<(Tensor, Tensor, Tensor)> {
        let idx = spread(items.len(), n);
        let x: Vec<f32> = idx
            .iter()
            .flat_map(|&i| items[i].0.iter().copied())
            .collect();
        let y: Vec<f32> = idx.iter().map(|&i| items[i].1).collect();
        let last: Vec<f32> = idx.iter().map(|&i| items[i].0[w - 1]).collect();
        let k = idx.len() as i64;
        Ok((
            Tensor::from_slice(&x).f_reshape([k, w as i64, 1])?,
            Tensor::from_slice(&y).f_reshape([k, 1])?,
            Tensor::from_slice(&last).f_reshape([k, 1])?,
        ))
    };
    let (xtr, ytr, _) = pick(&train, setup.train_windows)?;
    let (xte, yte, persistence) = pick(&test, setup.test_windows)?;
    Ok(NabWindows {
        train: TensorDataset::new(xtr, ytr)?,
        test: TensorDataset::new(xte, yte)?,
        persistence,
        dir,
        rows,
    })
}
