//! The three-layer network of "Let the Quantum Creep In: Designing Quantum Neural Network Models
//! by Gradually Swapping Out Classical Components" (Peiyong Wang, Casey R. Myers, Lloyd C. L.
//! Hollenberg, Udaya Parampalli; arXiv 2409.17583, 2024) at its three replacement levels, as in
//! the authors' repository (`peiyong-addwater/Let-The-Quantum-Creep-In`, `HybridNet`):
//!
//! | level | layers.0 | layers.1 | layers.3 (after flatten) |
//! |---|---|---|---|
//! | 0 | Conv2d(1→32, 3×3) | Conv2d(32→16, 3×3) | Linear(16·28·28 → 10) |
//! | 1 | [`FlippedQuanv`](1→32) | [`FlippedQuanv`](32→16) | Linear(16·28·28 → 10) |
//! | 2 | [`FlippedQuanv`](1→32) | [`FlippedQuanv`](32→16) | [`ReUploadingLinear`](12544 → 10, 7 qubits, 10 re-uploadings) |
//!
//! No activation functions anywhere (the repository's network has none: levels 0 and 1 are
//! linear maps of the image; level 2's non-linearity is the data unitary's exponential). The
//! input is the repository's: the 28×28 image zero-padded by 2 to 32×32 and normalised
//! `(x − 0.5)/0.5` (torchvision `Pad(2)`, `ToTensor`, `Normalize(0.5, 0.5)`); this model does
//! both itself, so it takes MNIST-style `[N, 1, 28, 28]` images in [0, 1].
//!
//! What differs from the repository: the quantum parameters are real (the PyTorch script casts
//! them to complex, whose imaginary parts would make the generators non-Hermitian; the JAX
//! version, which produced the published runs, keeps them real as here); the quanvolution biases
//! are `[C_out]` rather than `[C_out, 1]`.
//!
//! Capture points ([`deepfield_core::nn::capture`]): `layers.0`, `layers.1`, `layers.3` (the
//! logits).

use serde::{Deserialize, Serialize};
use tch::nn;
use tch::{Kind, Tensor};

use deepfield_core::nn::capture::tap;
use deepfield_core::nn::{init, torch_linear_init, LinearInit};

use super::quanv::FlippedQuanv;
use super::reupload::ReUploadingLinear;
use crate::data::Preprocess;
use crate::models::layers::vision_model;
use crate::{Error, Result};

/// The network's config; defaults are the repository's MNIST/Fashion-MNIST settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuantumCreepConfig {
    /// Replacement level: 0 classical, 1 quantum convolutions, 2 quantum convolutions and head.
    pub level: u8,
    /// Input channels (1 for MNIST).
    pub in_channels: i64,
    /// Input height and width the model takes (28).
    pub image_size: i64,
    /// Zero padding the model adds on every side before normalising (2: 28 → 32).
    pub pad: i64,
    /// The model normalises its input as `(x − mean)/std` after padding.
    pub mean: f64,
    pub std: f64,
    /// Output channels of the two (quantum) convolutions.
    pub channels: [i64; 2],
    pub classes: i64,
    /// Qubits of the level-2 head (4ⁿ ≥ flattened features, 2ⁿ ≥ classes).
    pub qubits: usize,
    /// Data re-uploadings of the level-2 head.
    pub reps: i64,
    /// How `deepfield-vision eval` turns user images into this model's input: grey 28×28 in
    /// [0, 1], as MNIST ships (the padding and normalisation above happen inside the model).
    pub preprocess: Preprocess,
}

impl Default for QuantumCreepConfig {
    fn default() -> Self {
        QuantumCreepConfig {
            level: 0,
            in_channels: 1,
            image_size: 28,
            pad: 2,
            mean: 0.5,
            std: 0.5,
            channels: [32, 16],
            classes: 10,
            qubits: 7,
            reps: 10,
            preprocess: Preprocess::default(),
        }
    }
}

impl QuantumCreepConfig {
    /// The repository's network at `level`.
    pub fn level(level: u8) -> Self {
        QuantumCreepConfig {
            level,
            ..Default::default()
        }
    }

    /// Side of the feature map after the two 3×3 convolutions.
    pub fn feature_side(&self) -> i64 {
        self.image_size + 2 * self.pad - 4
    }

    /// Length of the flattened features the head sees.
    pub fn features(&self) -> i64 {
        self.channels[1] * self.feature_side().pow(2)
    }

    /// Check every field.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::config(format!("quantum_creep: {m}")));
        if self.level > 2 {
            return bad(format!("level must be 0, 1 or 2, got {}", self.level));
        }
        if self.in_channels < 1 || self.channels.iter().any(|&c| c < 1) || self.classes < 2 {
            return bad("channels must be >= 1 and classes >= 2".into());
        }
        if self.pad < 0 || self.feature_side() < 1 {
            return bad(format!(
                "image_size {} with pad {} leaves no feature map after two 3×3 convolutions",
                self.image_size, self.pad
            ));
        }
        if !(self.std > 0.0 && self.std.is_finite() && self.mean.is_finite()) {
            return bad(format!("std must be positive and finite, got {}", self.std));
        }
        self.preprocess.validate()?;
        let shape = self.preprocess.output_shape();
        if shape != [self.in_channels, self.image_size, self.image_size] {
            return bad(format!(
                "preprocess gives images {shape:?}, the model takes [{}, {}, {}]",
                self.in_channels, self.image_size, self.image_size
            ));
        }
        if self.level == 2 {
            let n = self.qubits as u32;
            if !(1..=8).contains(&n) || 4i64.pow(n) < self.features() || 2i64.pow(n) < self.classes
            {
                return bad(format!(
                    "level 2 needs 4^qubits >= {} features and 2^qubits >= {} classes (at most \
                     8 qubits), got {} qubits",
                    self.features(),
                    self.classes,
                    self.qubits
                ));
            }
            if self.reps < 1 {
                return bad("reps must be >= 1".into());
            }
        }
        Ok(())
    }
}

/// A 3×3 convolution: classical or flipped quanvolution.
#[derive(Debug)]
enum Conv {
    Classical { weight: Tensor, bias: Tensor },
    Quantum(FlippedQuanv),
}

impl Conv {
    fn new(p: &nn::Path, quantum: bool, c_in: i64, c_out: i64) -> Result<Self> {
        if quantum {
            return Ok(Conv::Quantum(FlippedQuanv::new(p, c_in, c_out, 1, 0)?));
        }
        // PyTorch nn.Conv2d: weight and bias U(±1/√fan_in).
        let init = torch_linear_init(c_in * 9);
        Ok(Conv::Classical {
            weight: p.f_var("weight", &[c_out, c_in, 3, 3], init)?,
            bias: p.f_var("bias", &[c_out], init)?,
        })
    }

    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        match self {
            Conv::Classical { weight, bias } => {
                Ok(xs.f_conv2d(weight, Some(bias), [1, 1], [0, 0], [1, 1], 1)?)
            }
            Conv::Quantum(q) => q.forward(xs),
        }
    }

    /// `forward`, its cost profiled as `name` (a classical convolution's; the simulated
    /// quantum circuits are not counted).
    fn forward_named(&self, name: &str, xs: &Tensor) -> Result<Tensor> {
        let y = self.forward(xs)?;
        if let Conv::Classical { weight, bias } = self {
            deepfield_core::profile::counter::conv(name, xs, weight, Some(bias), &y);
        }
        Ok(y)
    }
}

#[derive(Debug)]
enum Head {
    Classical(nn::Linear),
    Quantum(ReUploadingLinear),
}

/// The built network; see the [module docs](self).
#[derive(Debug)]
pub struct QuantumCreepNet {
    config: QuantumCreepConfig,
    conv: [Conv; 2],
    head: Head,
}

impl QuantumCreepNet {
    /// Build under `path`: parameters `layers.0.*`, `layers.1.*`, `layers.3.*` (the PyTorch
    /// `nn.Sequential` indices; index 2 is the flatten).
    pub fn new(path: &nn::Path, config: &QuantumCreepConfig) -> Result<Self> {
        config.check()?;
        let l = path / "layers";
        let q = config.level >= 1;
        let [c1, c2] = config.channels;
        let conv = [
            Conv::new(&(&l / 0), q, config.in_channels, c1)?,
            Conv::new(&(&l / 1), q, c1, c2)?,
        ];
        let hp = &l / 3;
        let head = if config.level == 2 {
            Head::Quantum(ReUploadingLinear::new(
                &hp,
                config.features(),
                config.classes,
                config.qubits,
                config.reps,
            )?)
        } else {
            Head::Classical(init::linear(
                &hp,
                config.features(),
                config.classes,
                LinearInit::Torch,
            )?)
        };
        Ok(QuantumCreepNet {
            config: config.clone(),
            conv,
            head,
        })
    }

    /// Kind of the parameters (inputs are converted to it; `Double` after `vs.double()`).
    fn kind(&self) -> Kind {
        match &self.conv[0] {
            Conv::Classical { weight, .. } => weight.kind(),
            Conv::Quantum(q) => q.weight.kind(),
        }
    }

    /// The config it was built from.
    pub fn config(&self) -> &QuantumCreepConfig {
        &self.config
    }

    /// Logits.
    ///
    /// # Shapes
    /// `xs` `[B, C, image_size, image_size]` with values in [0, 1] → `[B, classes]`.
    pub fn logits(&self, xs: &Tensor, _train: bool) -> Result<Tensor> {
        let c = &self.config;
        let size = xs.size();
        if size.len() != 4
            || size[1] != c.in_channels
            || size[2] != c.image_size
            || size[3] != c.image_size
        {
            return Err(Error::input(format!(
                "quantum_creep: expected images [N, {}, {}, {}], got {size:?}",
                c.in_channels, c.image_size, c.image_size
            )));
        }
        let x = xs
            .f_to_kind(self.kind())?
            .f_constant_pad_nd([c.pad; 4])?
            .f_sub_scalar(c.mean)?
            .f_div_scalar(c.std)?;
        let x = tap("layers.0", self.conv[0].forward_named("layers.0", &x)?);
        let x = tap("layers.1", self.conv[1].forward_named("layers.1", &x)?);
        let x = x.f_flatten(1, -1)?;
        let out = match &self.head {
            Head::Classical(lin) => crate::models::layers::linear("layers.3", lin, &x)?,
            Head::Quantum(q) => q.forward(&x)?,
        };
        Ok(tap("layers.3", out))
    }
}

vision_model!(
    QuantumCreepConfig,
    QuantumCreepNet,
    "vision.quantum_creep",
    "Let the Quantum Creep In: classical / quantum-convolution / fully quantum 3-layer net (levels 0-2)"
);
