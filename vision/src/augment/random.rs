//! Seeded random augmentations: parameters drawn from a [`Rng`] per image, applied with
//! [`super::affine`]. The same seed gives the same parameters, hence the same batch.

use deepfield_core::Rng;
use serde::{Deserialize, Serialize};
use tch::Tensor;

use super::geometry::{affine, hflip, vflip, Affine, Interpolation, Padding};
use crate::{Error, Result};

/// Random affine maps, each parameter uniform in its range (torchvision's `RandomAffine`, with
/// the shear as a factor and the translation as a fraction of the image size). The default is
/// the affNIST recipe: rotation ±20°, shear ±0.2, scale 0.8–1.2, no translation (add it with
/// `translate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomAffine {
    /// Rotation range, degrees counter-clockwise.
    pub degrees: (f64, f64),
    /// Horizontal shear factor range.
    pub shear: (f64, f64),
    /// Scale range.
    pub scale: (f64, f64),
    /// Largest translation as a fraction of the width (x) and height (y), both signs.
    pub translate: (f64, f64),
    pub interpolation: Interpolation,
    pub padding: Padding,
}

impl Default for RandomAffine {
    fn default() -> Self {
        RandomAffine {
            degrees: (-20.0, 20.0),
            shear: (-0.2, 0.2),
            scale: (0.8, 1.2),
            translate: (0.0, 0.0),
            interpolation: Interpolation::Bilinear,
            padding: Padding::Zeros,
        }
    }
}

fn draw(rng: &mut Rng, (lo, hi): (f64, f64)) -> f64 {
    lo + (hi - lo) * rng.uniform()
}

impl RandomAffine {
    /// Rotations only, uniform in `[lo, hi]` degrees.
    pub fn rotation(lo: f64, hi: f64) -> Self {
        RandomAffine {
            degrees: (lo, hi),
            shear: (0.0, 0.0),
            scale: (1.0, 1.0),
            ..RandomAffine::default()
        }
    }

    /// Ranges ordered and finite, scale positive, translation fractions in [0, 1].
    pub fn validate(&self) -> Result<()> {
        let ranges = [
            ("degrees", self.degrees),
            ("shear", self.shear),
            ("scale", self.scale),
        ];
        for (name, (lo, hi)) in ranges {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(Error::config(format!(
                    "random affine {name} range ({lo}, {hi}) must be finite with lo ≤ hi"
                )));
            }
        }
        if self.scale.0 <= 0.0 {
            return Err(Error::config("random affine scale must be positive"));
        }
        let (a, b) = self.translate;
        if !((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&b)) {
            return Err(Error::config(format!(
                "random affine translate ({a}, {b}) must be fractions in [0, 1]"
            )));
        }
        Ok(())
    }

    /// Draw `n` maps for `h × w` images.
    pub fn sample(&self, n: usize, h: i64, w: i64, rng: &mut Rng) -> Vec<Affine> {
        (0..n)
            .map(|_| Affine {
                angle: draw(rng, self.degrees),
                shear: draw(rng, self.shear),
                scale: draw(rng, self.scale),
                tx: draw(rng, (-self.translate.0, self.translate.0)) * w as f64,
                ty: draw(rng, (-self.translate.1, self.translate.1)) * h as f64,
            })
            .collect()
    }

    /// Apply a fresh draw to each image of the batch `[N, C, H, W]`.
    pub fn apply(&self, x: &Tensor, rng: &mut Rng) -> Result<Tensor> {
        self.validate()?;
        let s = x.size();
        if s.len() != 4 {
            return Err(Error::input(format!(
                "augmentations take image batches [N, C, H, W], not {s:?}"
            )));
        }
        let maps = self.sample(s[0] as usize, s[2], s[3], rng);
        affine(x, &maps, self.interpolation, self.padding)
    }
}

/// Random horizontal / vertical flips, each with its probability per image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomFlips {
    pub horizontal: f64,
    pub vertical: f64,
}

impl Default for RandomFlips {
    fn default() -> Self {
        RandomFlips {
            horizontal: 0.5,
            vertical: 0.0,
        }
    }
}

impl RandomFlips {
    /// Flip each image of `[N, C, H, W]` with the configured probabilities.
    pub fn apply(&self, x: &Tensor, rng: &mut Rng) -> Result<Tensor> {
        let n = x.size().first().copied().unwrap_or(0);
        let mut out = x.shallow_clone();
        for (p, flip) in [
            (self.horizontal, hflip as fn(&Tensor) -> Result<Tensor>),
            (self.vertical, vflip),
        ] {
            let pick: Vec<bool> = (0..n).map(|_| rng.uniform() < p).collect();
            if pick.iter().any(|&b| b) {
                let mask = Tensor::from_slice(&pick)
                    .to_device(x.device())
                    .reshape([n, 1, 1, 1]);
                out = flip(&out)?.where_self(&mask, &out);
            }
        }
        Ok(out)
    }
}
