//! An assembled model: a stand-alone compact CNN (`factory_net` in the registry) holding the
//! supernet's slices for one task (its classes) and one architecture, with nothing of the
//! supernet left. Output `i` is the score of the original class `classes[i]`.

use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

use super::net::{Arch, Cost, Net};
use super::supernet::{check_classes, check_images};
use crate::models::ModelConfig;
use crate::{ensure_config, Forward, Result};

/// The compact model's config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactoryNetConfig {
    pub input_channels: i64,
    pub image_size: i64,
    /// Channels and residual blocks of each stage.
    pub arch: Arch,
    /// The task's classes (labels of the data the supernet was trained on), in output order.
    pub classes: Vec<i64>,
    /// Classes of the supernet it came from (every label is below it).
    pub source_classes: i64,
}

impl Default for FactoryNetConfig {
    fn default() -> Self {
        FactoryNetConfig {
            input_channels: 1,
            image_size: 28,
            arch: Arch {
                widths: vec![8, 16, 32],
                depths: vec![1, 1, 1],
            },
            classes: (0..10).collect(),
            source_classes: 10,
        }
    }
}

impl FactoryNetConfig {
    /// Matching stage lists, positive widths, valid classes, images large enough.
    pub fn validate(&self) -> Result<()> {
        let n = self.arch.widths.len();
        ensure_config!(
            n >= 1 && self.arch.depths.len() == n && self.arch.widths.iter().all(|&w| w >= 1),
            "factory_net: arch needs one width >= 1 and one depth per stage, got {:?}",
            self.arch
        );
        ensure_config!(
            self.input_channels >= 1 && self.image_size >> n >= 1,
            "factory_net: {n} stages need images of at least {} pixels and >= 1 channel",
            1i64 << n
        );
        check_classes(&self.classes, self.source_classes)
    }

    /// The cost on one image.
    pub fn cost(&self) -> Cost {
        super::net::cost(
            &self.arch,
            self.input_channels,
            self.image_size,
            self.classes.len() as i64,
        )
    }
}

/// The built compact model.
pub struct FactoryNet {
    config: FactoryNetConfig,
    net: Net,
}

impl std::fmt::Debug for FactoryNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactoryNet")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl FactoryNet {
    /// The config.
    pub fn config(&self) -> &FactoryNetConfig {
        &self.config
    }

    /// The original class labels of a batch's predictions.
    pub fn predict_classes(&self, xs: &Tensor) -> Result<Tensor> {
        let out = tch::no_grad(|| self.try_forward_t(xs, None, false))?;
        let labels = Tensor::from_slice(&self.config.classes).to_device(out.device());
        Ok(labels.f_index_select(0, &out.f_argmax(-1, false)?)?)
    }
}

impl Forward for FactoryNet {
    /// Logits `[B, classes]` of images `[B, C, H, W]`.
    fn try_forward_t(&self, xs: &Tensor, _mask: Option<&Tensor>, _train: bool) -> Result<Tensor> {
        check_images(xs, self.config.input_channels, self.config.image_size)?;
        self.net.forward(xs, &self.config.arch, None)
    }
}

impl ModelConfig for FactoryNetConfig {
    const KIND: &'static str = "factory_net";
    const DESCRIPTION: &'static str =
        "CNN assembled by NN-Factory from a supernet for a class subset and a budget";
    type Model = FactoryNet;

    fn validate(&self) -> Result<()> {
        FactoryNetConfig::validate(self)
    }

    fn build(&self, path: &nn::Path) -> Result<FactoryNet> {
        FactoryNetConfig::validate(self)?;
        Ok(FactoryNet {
            config: self.clone(),
            net: Net::new(
                path,
                self.input_channels,
                &self.arch,
                self.classes.len() as i64,
            ),
        })
    }

    fn example() -> Option<crate::profile::Example<Self>> {
        let c = FactoryNetConfig::default();
        let x = Tensor::randn(
            [1, c.input_channels, c.image_size, c.image_size],
            (Kind::Float, crate::device()),
        );
        Some(crate::profile::Example::tensor(c, x))
    }
}
