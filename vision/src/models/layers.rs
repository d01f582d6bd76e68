//! The building blocks the vision models share: a 2-D convolution with PyTorch's or
//! torchvision's initialisation, batch normalisation with PyTorch's defaults, and the shape
//! check of an image batch. Parameter names are PyTorch's (`weight`, `bias`, `running_mean`,
//! `running_var`), so a model's safetensors export loads into its torchvision-style twin.

use deepfield_core::profile::counter;
use serde::{Deserialize, Serialize};
use tch::nn::{self, Init, ModuleT};
use tch::Tensor;

use crate::{Error, Result};

/// How a convolution's weights are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvInit {
    /// PyTorch's `nn.Conv2d` default: weight and bias U(±1/√fan_in), fan_in = C_in·k².
    #[default]
    Torch,
    /// torchvision's ResNet/VGG: weight N(0, 2/fan_out) (`kaiming_normal_(mode="fan_out",
    /// nonlinearity="relu")`, fan_out = C_out·k²), bias 0.
    KaimingFanOut,
}

/// A 2-D convolution with square kernels; see [`conv2d`].
#[derive(Debug)]
pub struct Conv2d {
    pub weight: Tensor,
    pub bias: Option<Tensor>,
    pub stride: i64,
    pub padding: i64,
    /// Its parameter path (the name its cost is profiled under).
    pub name: String,
}

/// The shape of a convolution: `nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=bias)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvSpec {
    pub c_in: i64,
    pub c_out: i64,
    pub kernel: i64,
    pub stride: i64,
    pub padding: i64,
    pub bias: bool,
}

impl ConvSpec {
    /// `c_in → c_out` with a `kernel × kernel` kernel, stride 1, no padding, with bias.
    pub fn new(c_in: i64, c_out: i64, kernel: i64) -> Self {
        ConvSpec {
            c_in,
            c_out,
            kernel,
            stride: 1,
            padding: 0,
            bias: true,
        }
    }

    /// Set the stride.
    pub fn stride(mut self, stride: i64) -> Self {
        self.stride = stride;
        self
    }

    /// Set the zero padding on every side.
    pub fn padding(mut self, padding: i64) -> Self {
        self.padding = padding;
        self
    }

    /// Without bias (before batch normalisation).
    pub fn no_bias(mut self) -> Self {
        self.bias = false;
        self
    }
}

/// The convolution `spec` under `path`, initialised by `init`.
pub fn conv2d(path: &nn::Path, spec: ConvSpec, init: ConvInit) -> Result<Conv2d> {
    let ConvSpec {
        c_in,
        c_out,
        kernel,
        stride,
        padding,
        bias,
    } = spec;
    if c_in < 1 || c_out < 1 || kernel < 1 || stride < 1 || padding < 0 {
        return Err(Error::config(format!(
            "conv {}: channels, kernel and stride must be >= 1 and padding >= 0, got {c_in} → \
             {c_out}, kernel {kernel}, stride {stride}, padding {padding}",
            deepfield_core::nn::capture::name_of(path)
        )));
    }
    let (w, b) = match init {
        ConvInit::Torch => {
            let i = deepfield_core::nn::torch_linear_init(c_in * kernel * kernel);
            (i, i)
        }
        ConvInit::KaimingFanOut => (
            Init::Randn {
                mean: 0.0,
                stdev: (2.0 / (c_out * kernel * kernel) as f64).sqrt(),
            },
            Init::Const(0.0),
        ),
    };
    Ok(Conv2d {
        weight: path.f_var("weight", &[c_out, c_in, kernel, kernel], w)?,
        bias: bias.then(|| path.f_var("bias", &[c_out], b)).transpose()?,
        stride,
        padding,
        name: deepfield_core::nn::capture::name_of(path),
    })
}

impl Conv2d {
    /// `[B, C_in, H, W]` → `[B, C_out, H', W']`.
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let y = xs.f_conv2d(
            &self.weight,
            self.bias.as_ref(),
            [self.stride; 2],
            [self.padding; 2],
            [1, 1],
            1,
        )?;
        counter::conv(&self.name, xs, &self.weight, self.bias.as_ref(), &y);
        Ok(y)
    }
}

/// `nn.BatchNorm2d(c)`: weight 1, bias 0, running statistics, momentum 0.1, eps 1e-5.
pub fn batch_norm(path: &nn::Path, channels: i64) -> nn::BatchNorm {
    nn::batch_norm2d(
        path,
        channels,
        nn::BatchNormConfig {
            ws_init: Init::Const(1.0),
            ..Default::default()
        },
    )
}

/// Apply batch normalisation (batch statistics in training, running ones otherwise).
pub fn bn(b: &nn::BatchNorm, xs: &Tensor, train: bool) -> Tensor {
    let y = b.forward_t(xs, train);
    if deepfield_core::profile::is_recording() {
        let params: Vec<&Tensor> = b.ws.iter().chain(b.bs.iter()).collect();
        counter::norm("bn", "batch_norm", xs, &params, &y);
    }
    y
}

/// A fully connected layer `x Wᵀ + b` whose cost is profiled as `name`.
pub fn linear(name: &str, l: &nn::Linear, xs: &Tensor) -> Result<Tensor> {
    let y = xs.f_linear(&l.ws, l.bs.as_ref())?;
    counter::linear(name, xs, &l.ws, l.bs.as_ref(), &y);
    Ok(y)
}

/// Check a `[B, channels, size, size]` image batch (`what` names the model in the error).
pub fn check_images(what: &str, xs: &Tensor, channels: i64, size: i64) -> Result<()> {
    let s = xs.size();
    if s.len() != 4 || s[1] != channels || s[2] != size || s[3] != size {
        return Err(Error::input(format!(
            "{what}: expected images [N, {channels}, {size}, {size}], got {s:?}"
        )));
    }
    Ok(())
}

/// Implement [`deepfield_core::Forward`] (through the model's `logits(xs, train)`) and
/// [`deepfield_core::models::ModelConfig`] (through the config's `check` and the model's
/// `new(path, config)`) for a vision model: `vision_model!(Config, Model, "kind", "one line")`.
/// The profiler's example input is one image of the config's preprocessing; a model whose input
/// is not an image passes its example shape `[channels, height, width]` as a fifth argument,
/// `|c: &Config| [..]`.
macro_rules! vision_model {
    ($config:ty, $model:ty, $kind:literal, $description:literal) => {
        $crate::models::layers::vision_model!(
            $config,
            $model,
            $kind,
            $description,
            |c: &$config| c.preprocess.output_shape()
        );
    };
    ($config:ty, $model:ty, $kind:literal, $description:literal, $shape:expr) => {
        impl deepfield_core::Forward for $model {
            fn try_forward_t(
                &self,
                xs: &tch::Tensor,
                _mask: Option<&tch::Tensor>,
                train: bool,
            ) -> deepfield_core::Result<tch::Tensor> {
                Ok(self.logits(xs, train)?)
            }
        }

        impl deepfield_core::models::ModelConfig for $config {
            const KIND: &'static str = $kind;
            const DESCRIPTION: &'static str = $description;
            type Model = $model;

            fn validate(&self) -> deepfield_core::Result<()> {
                Ok(self.check()?)
            }

            fn build(&self, path: &tch::nn::Path) -> deepfield_core::Result<$model> {
                Ok(<$model>::new(path, self)?)
            }

            /// The default config on one example input (an image of its preprocessing).
            fn example() -> Option<deepfield_core::profile::Example<Self>> {
                let c = <$config>::default();
                let [ch, h, w] = ($shape)(&c);
                let opts = (tch::Kind::Float, deepfield_core::device());
                let x = tch::Tensor::rand([1, ch, h, w], opts);
                Some(deepfield_core::profile::Example::tensor(c, x))
            }
        }
    };
}
pub(crate) use vision_model;
