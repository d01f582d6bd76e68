//! Label-conditional GANs on small images:
//!
//! * the conditional DCGAN — Radford, Metz & Chintala (2016), "Unsupervised Representation
//!   Learning with Deep Convolutional Generative Adversarial Networks" (ICLR), with the
//!   conditioning of Mirza & Osindero (2014), "Conditional Generative Adversarial Nets": the
//!   class enters the generator as a learned embedding concatenated to the noise and the
//!   discriminator as one-hot label maps concatenated to the image ([`Conditioning::Concat`]);
//! * the auxiliary-classifier GAN — Odena, Olah & Shlens (2017), "Conditional Image Synthesis
//!   with Auxiliary Classifier GANs" (ICML): the same generator, and a discriminator that sees
//!   the image only and outputs a real/fake logit and the class logits
//!   ([`Conditioning::Auxiliary`]).
//!
//! Reproduced (DCGAN's architecture guidelines, §3): strided (transposed) convolutions instead
//! of pooling, batch normalisation in both networks except the generator's output and the
//! discriminator's input layer, ReLU in the generator with tanh output (images in [−1, 1]),
//! LeakyReLU 0.2 in the discriminator, all weights N(0, 0.02) (batch-norm scales N(1, 0.02),
//! as the DCGAN reference code). The training defaults (Adam lr 2e-4, β₁ 0.5, batch 64) are in
//! the `cond-gan` reproduction's config.
//! What differs: the networks are sized for 28×28 grey images (a dense layer to `2·width`
//! maps of 7×7, two 4×4 stride-2 transposed convolutions; the discriminator mirrors it), as
//! the common MNIST ports of both papers, instead of the papers' 64×64 (DCGAN) and 32×32 /
//! 128×128 (AC-GAN) networks; AC-GAN's discriminator dropout is left out.
//!
//! Parameter names: generator `label_emb`, `fc`, `bn0`, `deconv1`, `bn1`, `deconv2`;
//! discriminator `conv1`, `conv2`, `bn2`, `fc` (`fc` gives `1` or `1 + classes` outputs).
//! Capture points: `features` (the discriminator's flattened last feature maps) and
//! `generator.out`.
//!
//! Both networks take a tensor and class labels, so they are registered under the
//! [`LabelConditioned`] interface (`ModelRegistry::restore_as::<dyn LabelConditioned>`).

use serde::{Deserialize, Serialize};
use tch::nn::{self, Init};
use tch::{Kind, Tensor};

use deepfield_core::models::{Interface, ModelConfig};
use deepfield_core::nn::capture::tap;

use super::layers::{bn, check_images};
use crate::{Error, Result};

/// A model that takes a batch and the class label of each row: the generator (noise →
/// images) and the discriminator (images → logits).
pub trait LabelConditioned {
    /// `xs` `[B, …]` and `labels` `i64 [B]` in `0..classes`.
    fn forward_labels(&self, xs: &Tensor, labels: &Tensor, train: bool) -> Result<Tensor>;
}

impl Interface for dyn LabelConditioned {
    const INPUT: &'static str = "a tensor batch with class labels";
}

deepfield_core::into_boxed!(dyn LabelConditioned: CondGenerator, CondDiscriminator);

/// DCGAN's initialisation of every weight: N(0, 0.02).
const DCGAN_STD: f64 = 0.02;

fn normal(std: f64) -> Init {
    Init::Randn {
        mean: 0.0,
        stdev: std,
    }
}

/// Batch normalisation with DCGAN's init: scale N(1, 0.02), shift 0.
fn dcgan_bn(path: &nn::Path, c: i64) -> nn::BatchNorm {
    nn::batch_norm2d(
        path,
        c,
        nn::BatchNormConfig {
            ws_init: Init::Randn {
                mean: 1.0,
                stdev: DCGAN_STD,
            },
            bs_init: Init::Const(0.0),
            ..Default::default()
        },
    )
}

fn leaky(x: &Tensor) -> Tensor {
    x.maximum(&(x * 0.2))
}

/// The shared shape of both networks.
fn check_shape(what: &str, classes: i64, channels: i64, size: i64, width: i64) -> Result<()> {
    if classes < 2 || !(channels == 1 || channels == 3) || size < 8 || size % 4 != 0 || width < 1 {
        return Err(Error::config(format!(
            "{what}: needs classes >= 2, channels 1 or 3, an image size >= 8 divisible by 4 and \
             width >= 1; got classes {classes}, channels {channels}, size {size}, width {width}"
        )));
    }
    Ok(())
}

fn check_labels(what: &str, labels: &Tensor, n: i64, classes: i64) -> Result<()> {
    if labels.size() != [n] || labels.kind() != Kind::Int64 {
        return Err(Error::input(format!(
            "{what}: labels must be i64 [{n}], got {:?} {:?}",
            labels.kind(),
            labels.size()
        )));
    }
    if n > 0 {
        let lo = i64::try_from(labels.min())?;
        let hi = i64::try_from(labels.max())?;
        if lo < 0 || hi >= classes {
            return Err(Error::input(format!(
                "{what}: labels must be in 0..{classes}, got {lo}..={hi}"
            )));
        }
    }
    Ok(())
}

/// The generator's config; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CondGeneratorConfig {
    pub classes: i64,
    /// Class names, index = label (for grids and the `generate` command).
    pub class_names: Vec<String>,
    /// Noise dimension (DCGAN: 100, uniform there; standard normal here, as its PyTorch port).
    pub z_dim: i64,
    /// Size of the learned label embedding concatenated to the noise.
    pub embed_dim: i64,
    pub channels: i64,
    /// Image side (divisible by 4).
    pub size: i64,
    /// Feature maps before the output layer (the dense layer gives `2·width`).
    pub width: i64,
}

impl Default for CondGeneratorConfig {
    fn default() -> Self {
        CondGeneratorConfig {
            classes: 10,
            class_names: (0..10).map(|c| c.to_string()).collect(),
            z_dim: 100,
            embed_dim: 10,
            channels: 1,
            size: 28,
            width: 32,
        }
    }
}

impl CondGeneratorConfig {
    fn check(&self) -> Result<()> {
        check_shape(
            "cond_generator",
            self.classes,
            self.channels,
            self.size,
            self.width,
        )?;
        if self.z_dim < 1 || self.embed_dim < 1 {
            return Err(Error::config(format!(
                "cond_generator: z_dim and embed_dim must be >= 1, got {} and {}",
                self.z_dim, self.embed_dim
            )));
        }
        if self.class_names.len() != self.classes as usize {
            return Err(Error::config(format!(
                "cond_generator: {} class names for {} classes",
                self.class_names.len(),
                self.classes
            )));
        }
        Ok(())
    }
}

/// The built generator: `(z [B, z_dim], labels [B])` → images `[B, C, size, size]` in [−1, 1].
#[derive(Debug)]
pub struct CondGenerator {
    config: CondGeneratorConfig,
    label_emb: Tensor,
    fc: Tensor,
    bn0: nn::BatchNorm,
    deconv1: Tensor,
    bn1: nn::BatchNorm,
    deconv2: Tensor,
    deconv2_bias: Tensor,
}

impl CondGenerator {
    /// Build under `path`.
    pub fn new(path: &nn::Path, config: &CondGeneratorConfig) -> Result<Self> {
        config.check()?;
        let w = config.width;
        let s4 = config.size / 4;
        let init = normal(DCGAN_STD);
        let d = path / "deconv2";
        Ok(CondGenerator {
            label_emb: (path / "label_emb").f_var(
                "weight",
                &[config.classes, config.embed_dim],
                normal(1.0),
            )?,
            fc: (path / "fc").f_var(
                "weight",
                &[2 * w * s4 * s4, config.z_dim + config.embed_dim],
                init,
            )?,
            bn0: dcgan_bn(&(path / "bn0"), 2 * w),
            deconv1: (path / "deconv1").f_var("weight", &[2 * w, w, 4, 4], init)?,
            bn1: dcgan_bn(&(path / "bn1"), w),
            deconv2: d.f_var("weight", &[w, config.channels, 4, 4], init)?,
            deconv2_bias: d.f_var("bias", &[config.channels], Init::Const(0.0))?,
            config: config.clone(),
        })
    }

    /// The config it was built from.
    pub fn config(&self) -> &CondGeneratorConfig {
        &self.config
    }

    /// Where its parameters live.
    pub fn device(&self) -> tch::Device {
        self.fc.device()
    }

    /// Images for noise `z` `[B, z_dim]` and `labels` `i64 [B]`, in [−1, 1].
    pub fn generate(&self, z: &Tensor, labels: &Tensor, train: bool) -> Result<Tensor> {
        let c = &self.config;
        let n = z.size()[0];
        if z.size() != [n, c.z_dim] {
            return Err(Error::input(format!(
                "cond_generator: noise must be [B, {}], got {:?}",
                c.z_dim,
                z.size()
            )));
        }
        check_labels("cond_generator", labels, n, c.classes)?;
        let s4 = c.size / 4;
        let e = self.label_emb.f_index_select(0, labels)?;
        let h = Tensor::f_cat(&[z, &e], 1)?.f_matmul(&self.fc.tr())?;
        let h = bn(&self.bn0, &h.f_view([n, 2 * c.width, s4, s4])?, train).relu();
        let h = h.f_conv_transpose2d(
            &self.deconv1,
            None::<Tensor>,
            [2, 2],
            [1, 1],
            [0, 0],
            1,
            [1, 1],
        )?;
        let h = bn(&self.bn1, &h, train).relu();
        let out = h.f_conv_transpose2d(
            &self.deconv2,
            Some(&self.deconv2_bias),
            [2, 2],
            [1, 1],
            [0, 0],
            1,
            [1, 1],
        )?;
        Ok(tap("generator.out", out.tanh()))
    }
}

impl LabelConditioned for CondGenerator {
    fn forward_labels(&self, xs: &Tensor, labels: &Tensor, train: bool) -> Result<Tensor> {
        self.generate(xs, labels, train)
    }
}

/// How the discriminator is told the class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conditioning {
    /// Conditional DCGAN: one-hot label maps concatenated to the image; one real/fake logit.
    #[default]
    Concat,
    /// AC-GAN: the image only; a real/fake logit and `classes` class logits.
    Auxiliary,
}

/// The discriminator's config; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CondDiscriminatorConfig {
    pub classes: i64,
    pub channels: i64,
    pub size: i64,
    /// Feature maps of the first convolution (the second has `2·width`).
    pub width: i64,
    pub conditioning: Conditioning,
}

impl Default for CondDiscriminatorConfig {
    fn default() -> Self {
        CondDiscriminatorConfig {
            classes: 10,
            channels: 1,
            size: 28,
            width: 32,
            conditioning: Conditioning::Concat,
        }
    }
}

impl CondDiscriminatorConfig {
    fn check(&self) -> Result<()> {
        check_shape(
            "cond_discriminator",
            self.classes,
            self.channels,
            self.size,
            self.width,
        )
    }

    /// Outputs per image: 1 (Concat) or 1 + classes (Auxiliary).
    pub fn outputs(&self) -> i64 {
        match self.conditioning {
            Conditioning::Concat => 1,
            Conditioning::Auxiliary => 1 + self.classes,
        }
    }
}

/// The built discriminator: `(images [B, C, size, size] in [−1, 1], labels [B])` → logits
/// `[B, outputs]` (column 0 real/fake, then the class logits for AC-GAN, which ignores the
/// labels).
#[derive(Debug)]
pub struct CondDiscriminator {
    config: CondDiscriminatorConfig,
    conv1: (Tensor, Tensor),
    conv2: Tensor,
    bn2: nn::BatchNorm,
    fc: (Tensor, Tensor),
}

impl CondDiscriminator {
    /// Build under `path`.
    pub fn new(path: &nn::Path, config: &CondDiscriminatorConfig) -> Result<Self> {
        config.check()?;
        let w = config.width;
        let c_in = config.channels
            + match config.conditioning {
                Conditioning::Concat => config.classes,
                Conditioning::Auxiliary => 0,
            };
        let s4 = config.size / 4;
        let init = normal(DCGAN_STD);
        let zero = Init::Const(0.0);
        let (p1, pf) = (path / "conv1", path / "fc");
        Ok(CondDiscriminator {
            conv1: (
                p1.f_var("weight", &[w, c_in, 4, 4], init)?,
                p1.f_var("bias", &[w], zero)?,
            ),
            conv2: (path / "conv2").f_var("weight", &[2 * w, w, 4, 4], init)?,
            bn2: dcgan_bn(&(path / "bn2"), 2 * w),
            fc: (
                pf.f_var("weight", &[config.outputs(), 2 * w * s4 * s4], init)?,
                pf.f_var("bias", &[config.outputs()], zero)?,
            ),
            config: config.clone(),
        })
    }

    /// The config it was built from.
    pub fn config(&self) -> &CondDiscriminatorConfig {
        &self.config
    }

    /// Logits `[B, outputs]`.
    pub fn logits(&self, xs: &Tensor, labels: &Tensor, train: bool) -> Result<Tensor> {
        let c = &self.config;
        check_images("cond_discriminator", xs, c.channels, c.size)?;
        let n = xs.size()[0];
        let x = match c.conditioning {
            Conditioning::Concat => {
                check_labels("cond_discriminator", labels, n, c.classes)?;
                let maps = labels
                    .f_one_hot(c.classes)?
                    .to_kind(xs.kind())
                    .f_view([n, c.classes, 1, 1])?
                    .f_expand([n, c.classes, c.size, c.size], false)?;
                Tensor::f_cat(&[xs, &maps], 1)?
            }
            Conditioning::Auxiliary => xs.shallow_clone(),
        };
        let h = leaky(&x.f_conv2d(
            &self.conv1.0,
            Some(&self.conv1.1),
            [2, 2],
            [1, 1],
            [1, 1],
            1,
        )?);
        let h = h.f_conv2d(&self.conv2, None::<Tensor>, [2, 2], [1, 1], [1, 1], 1)?;
        let h = tap(
            "features",
            leaky(&bn(&self.bn2, &h, train)).f_flatten(1, -1)?,
        );
        Ok(h.f_linear(&self.fc.0, Some(&self.fc.1))?)
    }
}

impl LabelConditioned for CondDiscriminator {
    fn forward_labels(&self, xs: &Tensor, labels: &Tensor, train: bool) -> Result<Tensor> {
        self.logits(xs, labels, train)
    }
}

impl ModelConfig for CondGeneratorConfig {
    const KIND: &'static str = "vision.cond_generator";
    const DESCRIPTION: &'static str =
        "label-conditional DCGAN generator (noise + label embedding -> image), cDCGAN and AC-GAN";
    type Model = CondGenerator;

    fn validate(&self) -> deepfield_core::Result<()> {
        Ok(self.check()?)
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<CondGenerator> {
        Ok(CondGenerator::new(path, self)?)
    }
}

impl ModelConfig for CondDiscriminatorConfig {
    const KIND: &'static str = "vision.cond_discriminator";
    const DESCRIPTION: &'static str =
        "DCGAN discriminator with label maps (cDCGAN) or an auxiliary classifier head (AC-GAN)";
    type Model = CondDiscriminator;

    fn validate(&self) -> deepfield_core::Result<()> {
        Ok(self.check()?)
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<CondDiscriminator> {
        Ok(CondDiscriminator::new(path, self)?)
    }
}
