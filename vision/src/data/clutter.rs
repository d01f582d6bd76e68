//! Digits pasted at random places on a larger canvas, with clutter — images whose object
//! position is known, for the pointing game and deletion/insertion scores of explanation maps
//! (as cluttered MNIST, Mnih et al. 2014, places digits and fragments of other digits).

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use deepfield_core::explain::faithfulness::PixelBox;
use deepfield_core::Rng;

use crate::{Error, Result};

/// How the canvases are made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClutterConfig {
    /// Canvas side in pixels.
    pub size: i64,
    /// Clutter fragments per canvas: random square crops of other digits.
    pub fragments: usize,
    /// Fragment side in pixels.
    pub fragment: i64,
    /// Pixels ≥ this (of 1) count as the digit when its box is measured.
    pub ink: f64,
}

impl Default for ClutterConfig {
    fn default() -> Self {
        Self {
            size: 64,
            fragments: 4,
            fragment: 8,
            ink: 0.2,
        }
    }
}

impl ClutterConfig {
    /// Check the values against the digit size `side`.
    pub fn validate(&self, side: i64) -> Result<()> {
        if self.size < side || self.fragment < 1 || self.fragment > side {
            return Err(Error::config(format!(
                "clutter: canvas {} must hold a {side}-pixel digit and fragments of 1..={side} \
                 pixels, got fragments of {}",
                self.size, self.fragment
            )));
        }
        if !(0.0..1.0).contains(&self.ink) {
            return Err(Error::config("clutter: ink threshold must be in [0, 1)"));
        }
        Ok(())
    }
}

/// Canvases with one digit each.
#[derive(Debug)]
pub struct Cluttered {
    /// `f32 [N, 1, size, size]` in [0, 1].
    pub images: Tensor,
    /// The digit's class, `[N]`.
    pub labels: Vec<i64>,
    /// The digit's ink box on the canvas.
    pub boxes: Vec<PixelBox>,
}

/// Paste `n` digits drawn from `digits` (`[M, 1, s, s]` in [0, 1], labels `[M]`) on canvases,
/// each at a uniformly random position, with fragments of other digits placed uniformly
/// (fragments may overlap the digit, as in cluttered MNIST). Seeded by `rng`.
pub fn paste(
    digits: &Tensor,
    labels: &Tensor,
    n: usize,
    cfg: &ClutterConfig,
    rng: &mut Rng,
) -> Result<Cluttered> {
    let size = digits.size();
    if size.len() != 4 || size[1] != 1 || size[2] != size[3] || size[0] == 0 {
        return Err(Error::config(format!(
            "clutter: digits must be [M, 1, s, s], got {size:?}"
        )));
    }
    let (m, side) = (size[0] as usize, size[2]);
    cfg.validate(side)?;
    let labels = Vec::<i64>::try_from(labels.to_kind(Kind::Int64))?;
    let digits = digits.to_kind(Kind::Float).to_device(tch::Device::Cpu);
    let s = cfg.size;
    let mut canvas = vec![0f32; n * (s * s) as usize];
    let (mut out_labels, mut boxes) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let img = &mut canvas[i * (s * s) as usize..(i + 1) * (s * s) as usize];
        for _ in 0..cfg.fragments {
            let src = Vec::<f32>::try_from(digits.get(rng.below(m) as i64).flatten(0, -1))?;
            let (fy, fx) = (
                rng.below((side - cfg.fragment + 1) as usize) as i64,
                rng.below((side - cfg.fragment + 1) as usize) as i64,
            );
            let (py, px) = (
                rng.below((s - cfg.fragment + 1) as usize) as i64,
                rng.below((s - cfg.fragment + 1) as usize) as i64,
            );
            for r in 0..cfg.fragment {
                for c in 0..cfg.fragment {
                    let v = src[((fy + r) * side + fx + c) as usize];
                    let at = &mut img[((py + r) * s + px + c) as usize];
                    *at = at.max(v);
                }
            }
        }
        let k = rng.below(m);
        let src = Vec::<f32>::try_from(digits.get(k as i64).flatten(0, -1))?;
        let (py, px) = (
            rng.below((s - side + 1) as usize) as i64,
            rng.below((s - side + 1) as usize) as i64,
        );
        let mut b = PixelBox {
            top: i64::MAX,
            left: i64::MAX,
            bottom: i64::MIN,
            right: i64::MIN,
        };
        for r in 0..side {
            for c in 0..side {
                let v = src[(r * side + c) as usize];
                let at = &mut img[((py + r) * s + px + c) as usize];
                *at = at.max(v);
                if f64::from(v) >= cfg.ink {
                    b.top = b.top.min(py + r);
                    b.bottom = b.bottom.max(py + r);
                    b.left = b.left.min(px + c);
                    b.right = b.right.max(px + c);
                }
            }
        }
        if b.top == i64::MAX {
            // A blank digit image: its whole frame is the box.
            b = PixelBox {
                top: py,
                left: px,
                bottom: py + side - 1,
                right: px + side - 1,
            };
        }
        out_labels.push(labels[k]);
        boxes.push(b);
    }
    Ok(Cluttered {
        images: Tensor::from_slice(&canvas).view([n as i64, 1, s, s]),
        labels: out_labels,
        boxes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digit_lies_in_its_box() {
        // One "digit": a 4×4 block of ink in a 6×6 frame.
        let mut d = vec![0f32; 36];
        for r in 1..5 {
            for c in 2..6 {
                d[r * 6 + c] = 1.0;
            }
        }
        let digits = Tensor::from_slice(&d).view([1, 1, 6, 6]);
        let cfg = ClutterConfig {
            size: 20,
            fragments: 0,
            fragment: 3,
            ink: 0.5,
        };
        let mut rng = Rng::new(1);
        let c = paste(&digits, &Tensor::from_slice(&[7i64]), 5, &cfg, &mut rng).unwrap();
        assert_eq!(c.images.size(), vec![5, 1, 20, 20]);
        assert_eq!(c.labels, vec![7; 5]);
        for (i, b) in c.boxes.iter().enumerate() {
            assert_eq!((b.bottom - b.top, b.right - b.left), (3, 3));
            let inside = c
                .images
                .get(i as i64)
                .get(0)
                .narrow(0, b.top, 4)
                .narrow(1, b.left, 4);
            assert_eq!(inside.sum(Kind::Float).double_value(&[]), 16.0);
            assert_eq!(
                c.images.get(i as i64).sum(Kind::Float).double_value(&[]),
                16.0
            );
        }
        assert!(paste(
            &digits,
            &Tensor::from_slice(&[7i64]),
            1,
            &ClutterConfig { size: 5, ..cfg },
            &mut rng
        )
        .is_err());
    }
}
