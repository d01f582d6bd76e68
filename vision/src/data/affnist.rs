//! An affNIST-style test set generated from MNIST images.
//!
//! affNIST (Tieleman 2013, <https://www.cs.toronto.edu/~tijmen/affNIST/>) places each MNIST digit
//! in a 40×40 frame and applies a random affine map: rotation within ±20°, shear within ±0.2,
//! scale 0.8–1.2, and a translation that keeps the whole digit inside the frame. The official
//! files are not obtainable here, so [`generate`] rebuilds the recipe from the MNIST images:
//!
//! 1. zero-pad the 28×28 digit by 6 pixels on every side (40×40, the digit centred);
//! 2. draw rotation, shear and scale uniformly in their ranges (times `strength`: 0 = none,
//!    1 = the recipe) with [`crate::augment::RandomAffine`] from a seeded [`Rng`];
//! 3. map the digit's bounding box (pixels above 0) through that linear part and draw the
//!    translation uniformly among the shifts that keep the mapped box inside the frame
//!    (none where the box does not fit, and none when `translate` is off);
//! 4. resample once, bilinearly with zero fill, through [`crate::augment::affine`]
//!    (`affine_grid` / `grid_sample`).
//!
//! What differs from the original: affNIST drew its maps once for its own files (and applied
//! them to 32 transformations per MNIST test digit) with its own interpolation; this generator
//! gives one map per digit per seed, so two seeds give two different test sets.

use deepfield_core::Rng;
use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::augment::{affine, Affine, Interpolation, Padding, RandomAffine};
use crate::{Error, Result};

/// Side of the affNIST frame.
pub const FRAME: i64 = 40;

/// The recipe's ranges, scaled by `strength`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AffnistRecipe {
    /// Largest rotation, degrees either way (affNIST: 20).
    pub degrees: f64,
    /// Largest shear factor either way (affNIST: 0.2).
    pub shear: f64,
    /// Largest relative scale change either way (affNIST: 0.2, i.e. 0.8–1.2).
    pub scale: f64,
    /// Random translation within the frame (affNIST: yes).
    pub translate: bool,
    /// Multiplies the three ranges (1 = the recipe).
    pub strength: f64,
}

impl Default for AffnistRecipe {
    fn default() -> Self {
        AffnistRecipe {
            degrees: 20.0,
            shear: 0.2,
            scale: 0.2,
            translate: true,
            strength: 1.0,
        }
    }
}

impl AffnistRecipe {
    /// Ranges finite and non-negative, the scale change below 1.
    pub fn validate(&self) -> Result<()> {
        let s = self.strength;
        let ok = [self.degrees, self.shear, self.scale, s]
            .iter()
            .all(|v| v.is_finite() && *v >= 0.0);
        if !ok || self.scale * s >= 1.0 {
            return Err(Error::config(format!(
                "affnist recipe {self:?}: ranges must be finite and >= 0, scale · strength < 1"
            )));
        }
        Ok(())
    }
}

/// The generated images and the map each one got.
#[derive(Debug)]
pub struct Affnist {
    /// `f32 [N, 1, 40, 40]` in `[0, 1]`.
    pub images: Tensor,
    pub maps: Vec<Affine>,
}

/// The rows / columns holding pixels above zero of each `[N, 1, S, S]` image: `(r0, r1, c0, c1)`
/// inclusive, or the whole frame for an empty image.
fn boxes(x: &Tensor) -> Result<Vec<(i64, i64, i64, i64)>> {
    let s = x.size();
    let rows: Vec<f32> = Vec::try_from(x.amax([1, 3], false).to_kind(Kind::Float).flatten(0, -1))?;
    let cols: Vec<f32> = Vec::try_from(x.amax([1, 2], false).to_kind(Kind::Float).flatten(0, -1))?;
    let side = s[2] as usize;
    let span = |v: &[f32]| {
        let on: Vec<usize> = (0..v.len()).filter(|&i| v[i] > 0.0).collect();
        match (on.first(), on.last()) {
            (Some(&a), Some(&b)) => (a as i64, b as i64),
            _ => (0, v.len() as i64 - 1),
        }
    };
    Ok((0..s[0] as usize)
        .map(|i| {
            let (r0, r1) = span(&rows[i * side..(i + 1) * side]);
            let (c0, c1) = span(&cols[i * side..(i + 1) * side]);
            (r0, r1, c0, c1)
        })
        .collect())
}

fn shift_range(lo: f64, hi: f64, half: f64, rng: &mut Rng) -> f64 {
    let (a, b) = (-half - lo, half - hi);
    if a >= b {
        0.5 * (a + b)
    } else {
        a + (b - a) * rng.uniform()
    }
}

/// The affNIST-style version of MNIST digits `images` (`[N, 1, 28, 28]` in `[0, 1]`), one
/// random map per digit from `rng` (see the module documentation).
pub fn generate(images: &Tensor, recipe: &AffnistRecipe, rng: &mut Rng) -> Result<Affnist> {
    recipe.validate()?;
    let s = images.size();
    if s.len() != 4 || s[1] != 1 || s[2] != 28 || s[3] != 28 {
        return Err(Error::input(format!(
            "affnist: expected MNIST digits [N, 1, 28, 28], got {s:?}"
        )));
    }
    let pad = (FRAME - 28) / 2;
    let x = images
        .to_kind(Kind::Float)
        .constant_pad_nd([pad, pad, pad, pad]);
    let k = recipe.strength;
    let draw = RandomAffine {
        degrees: (-recipe.degrees * k, recipe.degrees * k),
        shear: (-recipe.shear * k, recipe.shear * k),
        scale: (1.0 - recipe.scale * k, 1.0 + recipe.scale * k),
        ..RandomAffine::default()
    };
    draw.validate()?;
    let mut maps = draw.sample(s[0] as usize, FRAME, FRAME, rng);
    let half = FRAME as f64 / 2.0;
    for (m, (r0, r1, c0, c1)) in maps.iter_mut().zip(boxes(&x)?) {
        if !recipe.translate {
            continue;
        }
        // Pixel edges relative to the frame centre, y down.
        let (x0, x1) = (c0 as f64 - half, (c1 + 1) as f64 - half);
        let (y0, y1) = (r0 as f64 - half, (r1 + 1) as f64 - half);
        let l = m.linear();
        let corners = [(x0, y0), (x0, y1), (x1, y0), (x1, y1)]
            .map(|(px, py)| (l[0][0] * px + l[0][1] * py, l[1][0] * px + l[1][1] * py));
        let fold = |f: fn(f64, f64) -> f64, init: f64, pick: fn(&(f64, f64)) -> f64| {
            corners.iter().map(pick).fold(init, f)
        };
        let (lx, hx) = (
            fold(f64::min, f64::INFINITY, |c| c.0),
            fold(f64::max, f64::NEG_INFINITY, |c| c.0),
        );
        let (ly, hy) = (
            fold(f64::min, f64::INFINITY, |c| c.1),
            fold(f64::max, f64::NEG_INFINITY, |c| c.1),
        );
        m.tx = shift_range(lx, hx, half, rng);
        m.ty = shift_range(ly, hy, half, rng);
    }
    let images = affine(&x, &maps, Interpolation::Bilinear, Padding::Zeros)?;
    Ok(Affnist { images, maps })
}
