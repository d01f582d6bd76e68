//! Labelled image tasks for the zoo and the queries: a data set (MNIST or Fashion-MNIST), a
//! class subset and a chain of image transforms (rotation, shear, inversion, noise), with the
//! data statistics the source-similarity baseline compares.

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::data::mnist::{self, Dataset, Digits, Split};
use crate::data::TensorDataset;
use crate::{ensure_config, Error, Result, Rng};

/// One image transform, applied to `[N, 1, H, W]` images in `[0, 1]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum Op {
    /// Rotation about the centre by `degrees` (counter-clockwise, bilinear, zero fill).
    Rotate { degrees: f64 },
    /// Horizontal shear `x' = x + shear·y` (bilinear, zero fill).
    Shear { shear: f64 },
    /// `1 − x`.
    Invert,
    /// Additive Gaussian noise of standard deviation `std`, clamped to `[0, 1]`.
    Noise { std: f64 },
}

impl Op {
    /// A short name (`rot90`, `shear0.6`, `inv`, `noise0.3`).
    pub fn name(&self) -> String {
        match self {
            Op::Rotate { degrees } => format!("rot{degrees}"),
            Op::Shear { shear } => format!("shear{shear}"),
            Op::Invert => "inv".into(),
            Op::Noise { std } => format!("noise{std}"),
        }
    }

    fn validate(&self) -> Result<()> {
        match self {
            Op::Rotate { degrees } => {
                ensure_config!(degrees.is_finite(), "rotate: degrees must be finite");
            }
            Op::Shear { shear } => {
                ensure_config!(
                    shear.is_finite() && shear.abs() <= 2.0,
                    "shear: must be in [-2, 2], got {shear}"
                );
            }
            Op::Invert => {}
            Op::Noise { std } => {
                ensure_config!(
                    std.is_finite() && *std >= 0.0,
                    "noise: std must be >= 0, got {std}"
                );
            }
        }
        Ok(())
    }

    /// Apply to `x` (`[N, C, H, W]`); `rng` draws the noise.
    pub fn apply(&self, x: &Tensor, rng: &mut Rng) -> Result<Tensor> {
        Ok(match self {
            Op::Rotate { degrees } => {
                let (s, c) = degrees.to_radians().sin_cos();
                affine(x, [c, -s, s, c])?
            }
            Op::Shear { shear } => affine(x, [1.0, *shear, 0.0, 1.0])?,
            Op::Invert => x.f_neg()?.f_add_scalar(1.0)?,
            Op::Noise { std } => {
                let n = x.numel();
                let noise: Vec<f32> = (0..n).map(|_| (rng.normal() * std) as f32).collect();
                let noise = Tensor::from_slice(&noise)
                    .f_view(x.size().as_slice())?
                    .f_to_device(x.device())?;
                (x + noise).f_clamp(0.0, 1.0)?
            }
        })
    }
}

/// Resample `x` through the 2×2 matrix `m` (row-major, output → input coordinates in
/// `[-1, 1]`), bilinear with zero padding.
fn affine(x: &Tensor, m: [f64; 4]) -> Result<Tensor> {
    let size = x.size();
    let n = size[0];
    let theta = Tensor::from_slice(&[m[0] as f32, m[1] as f32, 0.0, m[2] as f32, m[3] as f32, 0.0])
        .f_view([1, 2, 3])?
        .f_expand([n, 2, 3], false)?
        .f_to_device(x.device())?;
    let grid = Tensor::f_affine_grid_generator(&theta, size.as_slice(), false)?;
    Ok(x.f_grid_sampler(&grid, 0, 0, false)?)
}

/// A labelled task: images of `dataset` (`split`, from `offset` on) whose labels are in
/// `classes` (all ten when empty, relabelled `0..k` in the listed order), transformed by `ops`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSpec {
    pub name: String,
    pub dataset: Dataset,
    #[serde(default)]
    pub classes: Vec<i64>,
    #[serde(default)]
    pub ops: Vec<Op>,
}

impl TaskSpec {
    /// A task over all ten classes.
    pub fn new(name: &str, dataset: Dataset, ops: Vec<Op>) -> Self {
        TaskSpec {
            name: name.into(),
            dataset,
            classes: Vec::new(),
            ops,
        }
    }

    /// The same task restricted to `classes`.
    pub fn with_classes(mut self, classes: &[i64]) -> Self {
        self.classes = classes.to_vec();
        self
    }

    /// Number of classes (10 when all).
    pub fn n_classes(&self) -> usize {
        if self.classes.is_empty() {
            10
        } else {
            self.classes.len()
        }
    }

    /// Classes in `0..10`, distinct, at least two; valid transforms.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(!self.name.is_empty(), "task: empty name");
        let mut seen = [false; 10];
        for &c in &self.classes {
            ensure_config!(
                (0..10).contains(&c) && !seen[c as usize],
                "task {}: classes must be distinct and in 0..10, got {:?}",
                self.name,
                self.classes
            );
            seen[c as usize] = true;
        }
        ensure_config!(
            self.classes.is_empty() || self.classes.len() >= 2,
            "task {}: a class subset needs at least two classes",
            self.name
        );
        for op in &self.ops {
            op.validate()?;
        }
        Ok(())
    }

    /// `count` examples of the task from `digits`, starting at example `offset` of the split;
    /// `seed` draws the noise. Fails when the split has too few examples of the classes.
    pub fn take(
        &self,
        digits: &Digits,
        offset: usize,
        count: usize,
        seed: u64,
    ) -> Result<TensorDataset> {
        let labels: Vec<i64> = Vec::<i64>::try_from(&digits.labels)?;
        let mut idx = Vec::with_capacity(count);
        let mut y = Vec::with_capacity(count);
        for (i, &l) in labels.iter().enumerate().skip(offset) {
            if idx.len() == count {
                break;
            }
            let mapped = if self.classes.is_empty() {
                Some(l)
            } else {
                self.classes.iter().position(|&c| c == l).map(|p| p as i64)
            };
            if let Some(m) = mapped {
                idx.push(i as i64);
                y.push(m);
            }
        }
        if idx.len() < count {
            return Err(Error::input(format!(
                "task {}: only {} examples from offset {offset}, {count} needed",
                self.name,
                idx.len()
            )));
        }
        let mut x = digits.images.f_index_select(0, &Tensor::from_slice(&idx))?;
        let mut rng = Rng::new(seed);
        for op in &self.ops {
            x = op.apply(&x, &mut rng)?;
        }
        TensorDataset::new(x.f_contiguous()?, Tensor::from_slice(&y))
    }
}

/// MNIST and Fashion-MNIST, both splits, loaded once.
pub struct Sources {
    digits: Vec<(Dataset, Split, Digits)>,
}

impl Sources {
    /// Load the four splits from the data directory.
    pub fn load(data_dir: &std::path::Path) -> Result<Self> {
        let mut digits = Vec::new();
        for d in [Dataset::Mnist, Dataset::FashionMnist] {
            for s in [Split::Train, Split::Test] {
                digits.push((d, s, mnist::load(data_dir, d, s)?));
            }
        }
        Ok(Sources { digits })
    }

    /// One split.
    pub fn get(&self, dataset: Dataset, split: Split) -> Result<&Digits> {
        self.digits
            .iter()
            .find(|(d, s, _)| *d == dataset && *s == split)
            .map(|(_, _, x)| x)
            .ok_or_else(|| Error::input(format!("{dataset:?} {split:?} not loaded")))
    }
}

/// Histogram bins of [`data_stats`].
pub const STAT_BINS: i64 = 16;
/// Side of the mean image in [`data_stats`] (the image is average-pooled to it).
pub const STAT_SIDE: i64 = 7;

/// Statistics of a set of images `[N, 1, H, W]` in `[0, 1]`: the mean image average-pooled to
/// 7×7 and a 16-bin intensity histogram (fractions), concatenated (65 values).
pub fn data_stats(images: &Tensor) -> Result<Vec<f64>> {
    let x = images.f_to_device(Device::Cpu)?.f_to_kind(Kind::Float)?;
    let mean = x.f_mean_dim(0, true, Kind::Float)?;
    let pooled = mean
        .f_adaptive_avg_pool2d([STAT_SIDE, STAT_SIDE])?
        .f_flatten(0, -1)?;
    let bins = (&x * STAT_BINS as f64)
        .f_floor()?
        .f_clamp(0.0, (STAT_BINS - 1) as f64)?
        .f_to_kind(Kind::Int64)?
        .f_flatten(0, -1)?;
    let hist = bins
        .f_bincount(None::<Tensor>, STAT_BINS)?
        .f_to_kind(Kind::Double)?;
    let hist = &hist / (x.numel().max(1) as f64);
    let mut v: Vec<f64> = Vec::<f64>::try_from(pooled.f_to_kind(Kind::Double)?)?;
    v.extend(Vec::<f64>::try_from(hist.f_to_kind(Kind::Double)?)?);
    Ok(v)
}

/// Euclidean distance of two statistics vectors (infinite when their lengths differ).
pub fn stats_distance(a: &[f64], b: &[f64]) -> f64 {
    if a.len() != b.len() {
        return f64::INFINITY;
    }
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}
