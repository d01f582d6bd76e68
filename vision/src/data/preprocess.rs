//! The preprocessing of a vision model's input, as a small serde struct every vision
//! `ModelConfig` can embed, so that `deepfield-vision eval` feeds user images (IDX files, image
//! folders, image lists) exactly as the model was trained.
//!
//! Order (as torchvision's `CenterCrop` → `Resize` → `Pad` → `ToTensor` → `Normalize`):
//! 1. channels: grey → RGB repeats the grey plane; RGB → grey uses the ITU-R 601 luma weights
//!    (0.299, 0.587, 0.114), as PIL's `convert("L")`;
//! 2. centre crop to `crop_fraction` of each side (1 = none), rounded to whole pixels;
//! 3. resize to `height × width` with antialiased bilinear interpolation (the aspect ratio is
//!    not kept: an image of another size or shape is stretched to the model's size, never
//!    refused);
//! 4. zero-pad `pad` pixels on every side (e.g. MNIST 28×28 → 40×40 with `pad = 6`);
//! 5. pixels / 255 into `[0, 1]`, then `(x − mean[c]) / std[c]` per channel.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::{Error, Result};

/// How images become a model's input tensor (see the module documentation for the order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Preprocess {
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Side of the centre crop as a fraction of the image's side, in (0, 1]; 1 = no crop.
    pub crop_fraction: f64,
    /// Height after resizing (before padding), pixels.
    pub height: usize,
    /// Width after resizing (before padding), pixels.
    pub width: usize,
    /// Zero padding added on every side after resizing, pixels.
    pub pad: usize,
    /// Per-channel mean subtracted after scaling to [0, 1] (one value, or one per channel).
    pub mean: Vec<f64>,
    /// Per-channel standard deviation divided by (one value, or one per channel).
    pub std: Vec<f64>,
}

impl Default for Preprocess {
    /// MNIST as it ships: grey 28×28, scaled to [0, 1], no normalisation.
    fn default() -> Self {
        Preprocess {
            channels: 1,
            crop_fraction: 1.0,
            height: 28,
            width: 28,
            pad: 0,
            mean: vec![0.0],
            std: vec![1.0],
        }
    }
}

impl Preprocess {
    /// Check the values: channels 1 or 3, a crop fraction in (0, 1], sizes ≥ 1, mean/std of
    /// length 1 or `channels`, std > 0.
    pub fn validate(&self) -> Result<()> {
        if self.channels != 1 && self.channels != 3 {
            return Err(Error::config(format!(
                "preprocess.channels must be 1 or 3, not {}",
                self.channels
            )));
        }
        if !(self.crop_fraction > 0.0 && self.crop_fraction <= 1.0) {
            return Err(Error::config(format!(
                "preprocess.crop_fraction must be in (0, 1], not {}",
                self.crop_fraction
            )));
        }
        if self.height == 0 || self.width == 0 || self.height > 8192 || self.width > 8192 {
            return Err(Error::config(format!(
                "preprocess.height and width must be in 1..=8192, not {}×{}",
                self.height, self.width
            )));
        }
        for (name, v) in [("mean", &self.mean), ("std", &self.std)] {
            if v.len() != 1 && v.len() != self.channels {
                return Err(Error::config(format!(
                    "preprocess.{name} needs 1 or {} values, not {}",
                    self.channels,
                    v.len()
                )));
            }
            if v.iter().any(|x| !x.is_finite()) {
                return Err(Error::config(format!("preprocess.{name} must be finite")));
            }
        }
        if self.std.iter().any(|&s| s <= 0.0) {
            return Err(Error::config("preprocess.std must be positive"));
        }
        Ok(())
    }

    /// Shape of one preprocessed image: `[channels, height + 2 pad, width + 2 pad]`.
    pub fn output_shape(&self) -> [i64; 3] {
        [
            self.channels as i64,
            (self.height + 2 * self.pad) as i64,
            (self.width + 2 * self.pad) as i64,
        ]
    }

    /// The centre crop `(top, left, height, width)` of an image of `h × w` pixels.
    pub fn crop_box(&self, h: usize, w: usize) -> (usize, usize, usize, usize) {
        let ch = ((h as f64 * self.crop_fraction).round() as usize).clamp(1, h.max(1));
        let cw = ((w as f64 * self.crop_fraction).round() as usize).clamp(1, w.max(1));
        ((h - ch.min(h)) / 2, (w - cw.min(w)) / 2, ch, cw)
    }

    /// Step 1 on a batch `[N, 1 or 3, H, W]`: grey ↔ RGB to `channels`.
    pub fn convert_channels(&self, x: &Tensor) -> Tensor {
        match (x.size()[1], self.channels) {
            (1, 3) => x.repeat([1, 3, 1, 1]),
            (3, 1) => {
                let w = Tensor::from_slice(&[0.299f32, 0.587, 0.114])
                    .to_device(x.device())
                    .reshape([1, 3, 1, 1]);
                (x * w).sum_dim_intlist([1i64].as_slice(), true, Kind::Float)
            }
            _ => x.shallow_clone(),
        }
    }

    /// Step 4: zero padding on every side.
    pub fn pad_batch(&self, x: &Tensor) -> Tensor {
        let p = self.pad as i64;
        if p > 0 {
            x.constant_pad_nd([p, p, p, p])
        } else {
            x.shallow_clone()
        }
    }

    /// Steps 1–4 on a batch `f32 [N, C, H, W]` of values in [0, 1] with C = 1 or 3 (any H, W).
    pub fn geometry(&self, x: &Tensor) -> Result<Tensor> {
        let size = x.size();
        if size.len() != 4 || (size[1] != 1 && size[1] != 3) || size[2] < 1 || size[3] < 1 {
            return Err(Error::input(format!(
                "expected an image batch [N, 1 or 3, H, W], found {size:?}"
            )));
        }
        let x = self.convert_channels(&x.to_kind(Kind::Float));
        let (top, left, ch, cw) = self.crop_box(size[2] as usize, size[3] as usize);
        let x = x
            .narrow(2, top as i64, ch as i64)
            .narrow(3, left as i64, cw as i64);
        let x = if ch == self.height && cw == self.width {
            x
        } else {
            x.f_internal_upsample_bilinear2d_aa(
                [self.height as i64, self.width as i64],
                false,
                None,
                None,
            )?
        };
        Ok(self.pad_batch(&x))
    }

    /// Step 5: `(x − mean) / std` per channel on a batch `[N, channels, H, W]`.
    pub fn normalise(&self, x: &Tensor) -> Tensor {
        let per = |v: &[f64]| {
            let v: Vec<f32> = (0..self.channels)
                .map(|c| v[c.min(v.len() - 1)] as f32)
                .collect();
            Tensor::from_slice(&v)
                .to_device(x.device())
                .reshape([1, self.channels as i64, 1, 1])
        };
        (x - per(&self.mean)) / per(&self.std)
    }

    /// Every step on a batch `f32 [N, 1 or 3, H, W]` in [0, 1].
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        self.validate()?;
        Ok(self.normalise(&self.geometry(x)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_normalisation() {
        let p = Preprocess {
            channels: 3,
            crop_fraction: 0.5,
            height: 8,
            width: 6,
            pad: 1,
            mean: vec![0.5],
            std: vec![0.25],
        };
        p.validate().unwrap();
        let x = Tensor::ones([2, 1, 20, 20], (Kind::Float, tch::Device::Cpu));
        let y = p.apply(&x).unwrap();
        assert_eq!(y.size(), [2, 3, 10, 8]);
        // Inside the padding: (1 − 0.5) / 0.25 = 2; the padding itself: (0 − 0.5) / 0.25 = −2.
        assert!((y.double_value(&[0, 1, 5, 4]) - 2.0).abs() < 1e-5);
        assert!((y.double_value(&[0, 1, 0, 0]) + 2.0).abs() < 1e-5);
        assert_eq!(p.crop_box(423, 423), (105, 105, 212, 212));
        assert!(Preprocess {
            channels: 2,
            ..Preprocess::default()
        }
        .validate()
        .is_err());
    }
}
