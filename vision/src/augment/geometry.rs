//! Deterministic geometric maps of image batches through `affine_grid` / `grid_sample`.
//!
//! An [`Affine`] is the forward map of the image about its centre, in pixels: a point `p`
//! (relative to the centre, `y` down) moves to `L p + t` with `L = R(angle) · Shear · Scale`.
//! `grid_sample` needs the inverse (where each output pixel reads from), expressed in the
//! normalised coordinates of `align_corners = false` (±1 at the outer pixel edges); the
//! conversion scales by the half-width and half-height, so rotations stay rotations on
//! non-square images.

use tch::{Kind, Tensor};

use crate::{Error, Result};

/// How output pixels between input pixels are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interpolation {
    #[default]
    Bilinear,
    Nearest,
    Bicubic,
}

/// What output pixels that read from outside the input get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Zero (torchvision's default fill).
    #[default]
    Zeros,
    /// The nearest edge pixel.
    Border,
    /// The image mirrored at its edges.
    Reflection,
}

/// One image's forward affine map about the centre (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Affine {
    /// Rotation, degrees counter-clockwise as displayed.
    pub angle: f64,
    /// Horizontal shear factor: `x' = x + shear · y`.
    pub shear: f64,
    /// Isotropic scale (> 0).
    pub scale: f64,
    /// Translation right, pixels.
    pub tx: f64,
    /// Translation down, pixels.
    pub ty: f64,
}

impl Default for Affine {
    fn default() -> Self {
        Affine {
            angle: 0.0,
            shear: 0.0,
            scale: 1.0,
            tx: 0.0,
            ty: 0.0,
        }
    }
}

impl Affine {
    /// A pure rotation by `angle` degrees counter-clockwise.
    pub fn rotation(angle: f64) -> Self {
        Affine {
            angle,
            ..Affine::default()
        }
    }

    /// The forward linear part `L` (row-major 2×2) in pixel units, `y` down.
    pub fn linear(&self) -> [[f64; 2]; 2] {
        let (s, c) = self.angle.to_radians().sin_cos();
        // Counter-clockwise on screen with y down: (x, y) → (x cos + y sin, −x sin + y cos).
        let r = [[c, s], [-s, c]];
        let k = self.scale;
        // R · Shear · Scale, Shear = [[1, shear], [0, 1]].
        [
            [r[0][0] * k, (r[0][0] * self.shear + r[0][1]) * k],
            [r[1][0] * k, (r[1][0] * self.shear + r[1][1]) * k],
        ]
    }

    /// The `grid_sample` matrix (2×3, normalised coordinates) of an `h × w` image: the inverse
    /// map, from output to input positions.
    pub fn theta(&self, h: i64, w: i64) -> Result<[f64; 6]> {
        let l = self.linear();
        let det = l[0][0] * l[1][1] - l[0][1] * l[1][0];
        if !det.is_finite() || det.abs() < 1e-12 {
            return Err(Error::input(format!(
                "affine map {self:?} is not invertible (determinant {det})"
            )));
        }
        let inv = [
            [l[1][1] / det, -l[0][1] / det],
            [-l[1][0] / det, l[0][0] / det],
        ];
        // Input position p = inv · (p' − t), in pixels; normalised u = p / half-size.
        let (hw, hh) = (w as f64 / 2.0, h as f64 / 2.0);
        let b = [
            -(inv[0][0] * self.tx + inv[0][1] * self.ty),
            -(inv[1][0] * self.tx + inv[1][1] * self.ty),
        ];
        Ok([
            inv[0][0],
            inv[0][1] * hh / hw,
            b[0] / hw,
            inv[1][0] * hw / hh,
            inv[1][1],
            b[1] / hh,
        ])
    }
}

fn check_batch(x: &Tensor) -> Result<[i64; 4]> {
    match x.size()[..] {
        [n, c, h, w] if h > 0 && w > 0 => Ok([n, c, h, w]),
        ref s => Err(Error::input(format!(
            "augmentations take image batches [N, C, H, W], not {s:?}"
        ))),
    }
}

/// Apply one [`Affine`] per image (`maps.len() == N`) to a float batch `[N, C, H, W]`.
pub fn affine(
    x: &Tensor,
    maps: &[Affine],
    interpolation: Interpolation,
    padding: Padding,
) -> Result<Tensor> {
    let [n, _, h, w] = check_batch(x)?;
    if maps.len() as i64 != n {
        return Err(Error::input(format!(
            "{} affine maps for a batch of {n} images",
            maps.len()
        )));
    }
    let mut theta = Vec::with_capacity(maps.len() * 6);
    for m in maps {
        theta.extend(m.theta(h, w)?);
    }
    let kind = match x.kind() {
        Kind::Double => Kind::Double,
        Kind::Half | Kind::BFloat16 | Kind::Float => x.kind(),
        k => {
            return Err(Error::input(format!(
                "augmentations take float images, not {k:?} (convert first)"
            )))
        }
    };
    let theta = Tensor::from_slice(&theta)
        .reshape([n, 2, 3])
        .to_kind(kind)
        .to_device(x.device());
    let grid = Tensor::f_affine_grid_generator(&theta, x.size(), false)?;
    let mode = match interpolation {
        Interpolation::Bilinear => 0,
        Interpolation::Nearest => 1,
        Interpolation::Bicubic => 2,
    };
    let pad = match padding {
        Padding::Zeros => 0,
        Padding::Border => 1,
        Padding::Reflection => 2,
    };
    Ok(x.f_grid_sampler_2d(&grid, mode, pad, false)?)
}

/// Rotate every image of the batch by `angle` degrees counter-clockwise (bilinear, zero fill).
pub fn rotate(x: &Tensor, angle: f64) -> Result<Tensor> {
    let n = check_batch(x)?[0] as usize;
    affine(
        x,
        &vec![Affine::rotation(angle); n],
        Interpolation::Bilinear,
        Padding::Zeros,
    )
}

/// Mirror left ↔ right (exact).
pub fn hflip(x: &Tensor) -> Result<Tensor> {
    check_batch(x)?;
    Ok(x.flip([3]))
}

/// Mirror top ↔ bottom (exact).
pub fn vflip(x: &Tensor) -> Result<Tensor> {
    check_batch(x)?;
    Ok(x.flip([2]))
}

/// The central `h × w` window of every image (e.g. the part of a rotated image that never
/// reads outside the original: side ≤ original side / √2).
pub fn centre_crop(x: &Tensor, h: i64, w: i64) -> Result<Tensor> {
    let [_, _, ih, iw] = check_batch(x)?;
    if h < 1 || w < 1 || h > ih || w > iw {
        return Err(Error::input(format!(
            "cannot centre-crop {h}×{w} out of {ih}×{iw} images"
        )));
    }
    Ok(x.narrow(2, (ih - h) / 2, h).narrow(3, (iw - w) / 2, w))
}
