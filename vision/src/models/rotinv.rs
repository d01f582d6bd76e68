//! The rotation-invariant convolutional network for galaxy morphology, and its plain twin.
//!
//! Paper: S. Dieleman, K. W. Willett, J. Dambre, "Rotation-invariant convolutional neural
//! networks for galaxy morphology prediction", MNRAS 450, 1441 (2015); the cyclic pooling of the
//! views follows the same group's "Exploiting Cyclic Symmetry in Convolutional Neural Networks"
//! (Dieleman, De Fauw, Kavukcuoglu, ICML 2016).
//!
//! What is reproduced: **cyclic slicing** — the input is presented in its four rotations by
//! 0°, 90°, 180° and 270° (exact index permutations, stacked along the batch), all views pass
//! through **one shared convolutional stack**, and the per-view feature vectors are **pooled**
//! over the four views (mean by default, "cyclic pooling") before a dense head, so the output is
//! exactly invariant to rotations by multiples of 90°. The conv stack keeps the paper's shape —
//! conv 6×6 → max-pool 2 → conv 5×5 → max-pool 2 → conv 3×3 → conv 3×3 → max-pool 2, ReLU, then
//! dense layers with dropout 0.5 (the defaults of the authors' `kaggle-galaxies` script
//! `try_convnet_cc_multirotflip_3x69r45_maxout2048_extradense.py`: 32/64/128/128 filters, 69×69
//! inputs cut into 45×45 views, two maxout-2048 dense layers).
//!
//! What differs, and why: sized for a CPU and 1,926 images — 16/32/64/64 filters and one dense
//! layer of 256 ReLU units instead of two maxout layers of 2048 (`filters`, `hidden`); each view
//! is the whole central `part × part` window rotated (the paper cut four overlapping corner
//! parts of each rotated image and also used flipped copies — flips are left out on purpose
//! here, because clockwise and anticlockwise spirals are mirror images, see the dataset's
//! SOURCE.md); views are pooled (2016 paper) instead of concatenated (2015 paper, which is not
//! invariant); six-class softmax with cross-entropy instead of 37 Galaxy Zoo 2 vote fractions with
//! a squared error.
//!
//! With `cyclic = false` the same network sees only the unrotated view: the **plain CNN of
//! equal parameter count** (pooling adds no parameters, so both have exactly the same weights).
//!
//! Input: `[N, channels, input, input]` images (preprocessed as recorded in `preprocess`); the
//! model itself cuts the central `part × part` window, so a caller may rotate the full input by
//! any angle first without the corners leaving the window (`part ≤ input / √2`).

use serde::{Deserialize, Serialize};
use tch::nn::{self, Linear};
use tch::Tensor;

use deepfield_core::models::ModelConfig;
use deepfield_core::nn::cnn::{ConvBlockConfig, ConvStack, ConvStackConfig, Padding, PoolConfig};
use deepfield_core::nn::init::{linear, LinearInit};
use deepfield_core::{ensure_config, Forward, Result};

use crate::data::Preprocess;

/// How the four views' features are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CyclicPool {
    /// Mean over the views (invariant; the 2016 paper's choice for dense features).
    Mean,
    /// Maximum over the views (invariant).
    Max,
}

/// The config of [`RotInvCnn`] (kind `vision.rotinv_cnn`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RotInvCnnConfig {
    /// Cyclic slicing and pooling over 0/90/180/270° (true), or the plain CNN (false).
    pub cyclic: bool,
    pub pool: CyclicPool,
    /// Side of the (square) input images, pixels.
    pub input: i64,
    /// Side of the central window every view is cut to, pixels (≤ input).
    pub part: i64,
    /// Filters of the four convolutions (paper: 32, 64, 128, 128).
    pub filters: [i64; 4],
    /// Dense hidden units (paper: two maxout layers of 2048).
    pub hidden: i64,
    /// Dropout before each dense layer (paper: 0.5).
    pub dropout: f64,
    /// Output classes.
    pub classes: i64,
    /// Class names, index = output.
    pub class_names: Vec<String>,
    /// How images become the input (used by `deepfield-vision eval`).
    pub preprocess: Preprocess,
}

impl Default for RotInvCnnConfig {
    fn default() -> Self {
        RotInvCnnConfig {
            cyclic: true,
            pool: CyclicPool::Mean,
            input: 46,
            part: 32,
            filters: [16, 32, 64, 64],
            hidden: 256,
            dropout: 0.5,
            classes: 6,
            class_names: (0..6).map(|c| c.to_string()).collect(),
            preprocess: Preprocess {
                channels: 3,
                height: 46,
                width: 46,
                ..Preprocess::default()
            },
        }
    }
}

impl RotInvCnnConfig {
    fn conv_config(&self) -> ConvStackConfig {
        let f = self.filters;
        let block = |out, kernel, padding, pool: bool| ConvBlockConfig {
            padding,
            pool: pool.then(|| PoolConfig::max(2)),
            ..ConvBlockConfig::new(out, kernel)
        };
        ConvStackConfig {
            dims: 2,
            input: self.preprocess.channels as i64,
            blocks: vec![
                block(f[0], 6, Padding::Same, true),
                block(f[1], 5, Padding::Same, true),
                block(f[2], 3, Padding::Same, false),
                block(f[3], 3, Padding::Same, true),
            ],
        }
    }

    /// Length of one view's feature vector.
    pub fn features(&self) -> Result<i64> {
        let s = self.conv_config().output_shape(&[self.part, self.part])?;
        Ok(s.iter().product())
    }
}

impl ModelConfig for RotInvCnnConfig {
    const KIND: &'static str = "vision.rotinv_cnn";
    const DESCRIPTION: &'static str =
        "Dieleman et al. 2015 rotation-invariant CNN (cyclic slicing + pooling), or its plain twin";
    type Model = RotInvCnn;

    fn validate(&self) -> Result<()> {
        self.preprocess.validate()?;
        ensure_config!(self.classes >= 2, "rotinv_cnn: classes must be >= 2");
        ensure_config!(
            self.class_names.len() as i64 == self.classes,
            "rotinv_cnn: {} class names for {} classes",
            self.class_names.len(),
            self.classes
        );
        ensure_config!(
            self.part >= 8 && self.part <= self.input,
            "rotinv_cnn: part must be in 8..=input ({}), got {}",
            self.input,
            self.part
        );
        let p = &self.preprocess;
        ensure_config!(
            (p.height + 2 * p.pad) as i64 == self.input
                && (p.width + 2 * p.pad) as i64 == self.input,
            "rotinv_cnn: preprocess gives {}×{} images, the model takes {}×{}",
            p.height + 2 * p.pad,
            p.width + 2 * p.pad,
            self.input,
            self.input
        );
        ensure_config!(
            self.filters.iter().all(|&f| f > 0) && self.hidden > 0,
            "rotinv_cnn: filters and hidden must be > 0"
        );
        ensure_config!(
            (0.0..1.0).contains(&self.dropout),
            "rotinv_cnn: dropout must be in [0, 1)"
        );
        self.conv_config().validate()?;
        ensure_config!(
            self.features()? > 0,
            "rotinv_cnn: part too small for the conv stack"
        );
        Ok(())
    }

    fn build(&self, path: &nn::Path) -> Result<RotInvCnn> {
        self.validate()?;
        let conv = self.conv_config().init(&(path / "conv"))?;
        let f = self.features()?;
        let fc = linear(&(path / "fc"), f, self.hidden, LinearInit::Torch)?;
        let out = linear(
            &(path / "out"),
            self.hidden,
            self.classes,
            LinearInit::Torch,
        )?;
        Ok(RotInvCnn {
            config: self.clone(),
            conv,
            fc,
            out,
        })
    }

    /// The default config on one image its preprocessing gives.
    fn example() -> Option<deepfield_core::profile::Example<Self>> {
        let c = Self::default();
        let [ch, h, w] = c.preprocess.output_shape();
        let x = Tensor::rand([1, ch, h, w], (tch::Kind::Float, deepfield_core::device()));
        Some(deepfield_core::profile::Example::tensor(c, x))
    }
}

/// The network (see the module documentation). Parameters: `conv.blocks.{i}.conv.*`,
/// `fc.*`, `out.*`.
#[derive(Debug)]
pub struct RotInvCnn {
    config: RotInvCnnConfig,
    conv: ConvStack,
    fc: Linear,
    out: Linear,
}

/// Rotate a batch `[N, C, H, W]` (square) by `k` quarter turns counter-clockwise, exactly.
pub fn rot90(x: &Tensor, k: i64) -> Tensor {
    // As numpy's rot90 over (rows, columns): counter-clockwise as displayed, the same sense as
    // `augment::rotate` (checked in the tests).
    x.rot90(k, [2, 3])
}

impl RotInvCnn {
    /// The config it was built from.
    pub fn config(&self) -> &RotInvCnnConfig {
        &self.config
    }

    /// Pooled features `[N, F]` of a batch of inputs.
    pub fn features(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let c = &self.config;
        let s = xs.size();
        if s.len() != 4
            || s[1] != c.preprocess.channels as i64
            || s[2] != c.input
            || s[3] != c.input
        {
            return Err(deepfield_core::Error::input(format!(
                "rotinv_cnn takes [N, {}, {}, {}] images, got {s:?}",
                c.preprocess.channels, c.input, c.input
            )));
        }
        let off = (c.input - c.part) / 2;
        let x = xs.narrow(2, off, c.part).narrow(3, off, c.part);
        let n = s[0];
        if !c.cyclic {
            return Ok(self.conv.f_forward_t(&x, train)?.flatten(1, -1));
        }
        let views = Tensor::cat(
            &[x.shallow_clone(), rot90(&x, 1), rot90(&x, 2), rot90(&x, 3)],
            0,
        );
        let f = self.conv.f_forward_t(&views, train)?.flatten(1, -1);
        let f = f.view([4, n, -1]);
        Ok(match c.pool {
            CyclicPool::Mean => f.mean_dim(0, false, f.kind()),
            CyclicPool::Max => f.amax(0, false),
        })
    }
}

impl Forward for RotInvCnn {
    fn try_forward_t(&self, xs: &Tensor, _mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let d = self.config.dropout;
        let f = self.features(xs, train)?.dropout(d, train);
        let h = super::layers::linear("fc", &self.fc, &f)?
            .relu()
            .dropout(d, train);
        Ok(super::layers::linear("out", &self.out, &h)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{nn::VarStore, Device, Kind};

    #[test]
    fn quarter_turns_match_rotate_and_leave_the_cyclic_output_unchanged() {
        let x = Tensor::rand([2, 3, 46, 46], (Kind::Float, Device::Cpu));
        let by_grid = crate::augment::rotate(&x, 90.0).unwrap();
        deepfield_core::testing::assert_close(&rot90(&x, 1), &by_grid, 1e-4);
        let vs = VarStore::new(Device::Cpu);
        let cfg = RotInvCnnConfig::default();
        let m = cfg.build(&vs.root()).unwrap();
        let y = m.forward_t(&x, None, false);
        assert_eq!(y.size(), [2, 6]);
        for k in 1..4 {
            let yr = m.forward_t(&rot90(&x, k), None, false);
            deepfield_core::testing::assert_close(&yr, &y, 1e-5);
        }
        // The plain twin has the same parameters and is not invariant.
        let vs2 = VarStore::new(Device::Cpu);
        let plain = RotInvCnnConfig {
            cyclic: false,
            ..cfg
        };
        let p = plain.build(&vs2.root()).unwrap();
        let count = |vs: &VarStore| -> i64 {
            vs.trainable_variables()
                .iter()
                .map(|t| t.numel() as i64)
                .sum()
        };
        assert_eq!(count(&vs), count(&vs2));
        let d = deepfield_core::testing::max_abs_diff(
            &p.forward_t(&rot90(&x, 1), None, false),
            &p.forward_t(&x, None, false),
        );
        assert!(d > 1e-4, "{d}");
    }
}
