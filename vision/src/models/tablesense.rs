//! A fully convolutional spreadsheet table detector in the spirit of TableSense.
//!
//! Paper: H. Dong, S. Liu, S. Han, Z. Fu, D. Zhang, "TableSense: Spreadsheet Table Detection
//! with Convolutional Neural Networks", AAAI 2019.
//!
//! What is reproduced: the sheet as an image whose pixels are cells — a `channels × rows ×
//! cols` cell-feature tensor ([`crate::sheets::features`]) — read by a fully convolutional
//! network whose receptive field grows with dilated 3×3 convolutions (1, 2, 4, 8, 16 cells)
//! so each cell sees a few dozen rows around it, as the paper's backbone sees its
//! neighbourhood; the output is **per-cell boundary information** (inside-table, top, bottom,
//! left and right edge probabilities) from which boxes are extracted
//! ([`crate::sheets::extract`]) and scored by the paper's EoB metric.
//!
//! What differs, and why: TableSense proposes boxes with a region proposal network and refines
//! each edge with its "precise boundary regression" module on a ResNet-like backbone with
//! formatting features (fills, borders, fonts, merged cells) and a 20-channel featurisation,
//! trained on about 10,000 annotated Excel sheets with active learning. Here the input is CSV
//! (values only: no formatting exists), the data is 820 sheets, and boundary prediction is done
//! densely per cell (edge maps) instead of by proposal and regression — the same boundary
//! information with a far smaller model that trains on a CPU. Defaults: width 32, dilations
//! 1/2/4/8/16/1, residual connections after the first layer, PyTorch's default initialisation.

use serde::{Deserialize, Serialize};
use tch::nn;
use tch::{Device, Kind, Tensor};

use super::layers::{conv2d, vision_model, Conv2d, ConvInit, ConvSpec};
use crate::sheets::extract::{extract_boxes, ExtractConfig};
use crate::sheets::features::{feature_map, CHANNELS};
use crate::sheets::labels::TARGETS;
use crate::sheets::{CellBox, Sheet};
use crate::{Error, Result};

/// The config of [`TableSense`] (kind `vision.tablesense`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TableSenseConfig {
    /// Input feature channels ([`CHANNELS`]).
    pub in_channels: i64,
    /// Channels of every hidden layer.
    pub width: i64,
    /// Dilation of each 3×3 convolution, in cells.
    pub dilations: Vec<i64>,
    /// How boxes come out of the probability maps.
    pub extract: ExtractConfig,
}

impl Default for TableSenseConfig {
    fn default() -> Self {
        TableSenseConfig {
            in_channels: CHANNELS as i64,
            width: 32,
            dilations: vec![1, 2, 4, 8, 16, 1],
            extract: ExtractConfig::default(),
        }
    }
}

impl TableSenseConfig {
    /// Check the values.
    pub fn check(&self) -> Result<()> {
        if self.in_channels != CHANNELS as i64 {
            return Err(Error::config(format!(
                "tablesense: in_channels must be {CHANNELS} (the cell features), got {}",
                self.in_channels
            )));
        }
        if self.width < 1 || self.dilations.is_empty() || self.dilations.iter().any(|&d| d < 1) {
            return Err(Error::config(format!(
                "tablesense: width ≥ 1 and at least one dilation ≥ 1 needed, got width {} and \
                 dilations {:?}",
                self.width, self.dilations
            )));
        }
        self.extract.validate()
    }

    /// Rows (and columns) each side of a cell that its output depends on.
    pub fn reach(&self) -> i64 {
        self.dilations.iter().sum()
    }
}

/// The built detector.
#[derive(Debug)]
pub struct TableSense {
    config: TableSenseConfig,
    convs: Vec<(Conv2d, i64)>,
    head: Conv2d,
}

impl TableSense {
    /// Build under `path`.
    pub fn new(path: &nn::Path, config: &TableSenseConfig) -> Result<Self> {
        config.check()?;
        let mut convs = Vec::new();
        let mut c_in = config.in_channels;
        for (i, &d) in config.dilations.iter().enumerate() {
            let conv = conv2d(
                &(path / format!("conv{i}")),
                ConvSpec::new(c_in, config.width, 3),
                ConvInit::Torch,
            )?;
            convs.push((conv, d));
            c_in = config.width;
        }
        let head = conv2d(
            &(path / "head"),
            ConvSpec::new(config.width, TARGETS as i64, 1),
            ConvInit::Torch,
        )?;
        Ok(TableSense {
            config: config.clone(),
            convs,
            head,
        })
    }

    /// The config.
    pub fn config(&self) -> &TableSenseConfig {
        &self.config
    }

    /// Per-cell logits of the five target maps.
    ///
    /// # Shapes
    /// `xs` `[B, CHANNELS, rows, cols]` → `[B, 5, rows, cols]`.
    pub fn logits(&self, xs: &Tensor, _train: bool) -> Result<Tensor> {
        let s = xs.size();
        if s.len() != 4 || s[1] != self.config.in_channels {
            return Err(Error::input(format!(
                "tablesense: expected cell features [N, {}, rows, cols], got {s:?}",
                self.config.in_channels
            )));
        }
        let mut x = xs.shallow_clone();
        for (i, (conv, d)) in self.convs.iter().enumerate() {
            let y = x
                .f_conv2d(
                    &conv.weight,
                    conv.bias.as_ref(),
                    [1, 1],
                    [*d, *d],
                    [*d, *d],
                    1,
                )?
                .relu();
            x = if i == 0 { y } else { x + y };
        }
        self.head.forward(&x)
    }

    /// Per-cell probabilities `[5, rows, cols]` of a sheet (no gradients), on the CPU.
    pub fn probabilities(&self, sheet: &Sheet, device: Device) -> Result<Tensor> {
        let x = feature_map(sheet)?.unsqueeze(0).to_device(device);
        let p = tch::no_grad(|| self.logits(&x, false))?;
        Ok(p.sigmoid().squeeze_dim(0).to_device(Device::Cpu))
    }

    /// The probabilities of [`TableSense::probabilities`] as a flat channel-major vector, the
    /// input of [`extract_boxes`].
    pub fn probability_values(&self, sheet: &Sheet, device: Device) -> Result<Vec<f32>> {
        let p = self.probabilities(sheet, device)?;
        Ok(Vec::try_from(p.to_kind(Kind::Float).reshape([-1]))?)
    }

    /// The table boxes the model finds in `sheet`.
    pub fn detect(&self, sheet: &Sheet, device: Device) -> Result<Vec<CellBox>> {
        let v = self.probability_values(sheet, device)?;
        extract_boxes(&v, sheet.rows(), sheet.cols(), &self.config.extract)
    }
}

vision_model!(
    TableSenseConfig,
    TableSense,
    "vision.tablesense",
    "TableSense-style fully convolutional spreadsheet table detector (Dong et al. 2019): \
     per-cell inside/edge maps from CSV cell features",
    // Profiled on the cell features of a 40-row × 12-column sheet.
    |c: &TableSenseConfig| [c.in_channels, 40, 12]
);
