//! A trained tabular MLP regressor as `eval`, `explain` and `serve` use it: the folder a
//! `concrete-mlp` or `pile-xai` run saves (`config.json` with the feature names, the input and
//! target scalers and the MLP's shape; `model.safetensors`), plus, for SHAP and the web form,
//! `tabular.json` ([`TabularInfo`]: each feature's training range and a background set).
//!
//! Prediction follows the training pipeline step by step (age as ln(1 + days) when the model
//! was trained so, standardise, MLP, un-standardise), so it equals `deepfield-core eval`'s.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use crate::checkpoint;
use crate::data::scale::StandardScaler;
use crate::explain::shap::kernel::kernel;
use crate::explain::shap::{Masker, ShapValues};
use crate::nn::mlp::{Mlp, MlpConfig};
use crate::{Error, Forward, Result};

/// The file beside the weights with the feature ranges and the SHAP background.
pub const TABULAR_INFO_FILE: &str = "tabular.json";

/// One input column and the range it took in the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureRange {
    pub name: String,
    pub min: f64,
    pub max: f64,
}

impl FeatureRange {
    /// Whether `v` lies in the range at the model's f32 precision.
    pub fn contains(&self, v: f64) -> bool {
        let v = v as f32;
        v >= self.min as f32 && v <= self.max as f32
    }
}

/// What a tabular model needs beyond its weights to be explained and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TabularInfo {
    /// Input columns in the model's order, with their training ranges.
    pub features: Vec<FeatureRange>,
    /// The target column and its unit.
    pub target: String,
    pub unit: String,
    /// Background rows (raw feature values) for SHAP: switched-off features take their values.
    pub background: Vec<Vec<f64>>,
}

impl TabularInfo {
    /// Ranges of the columns of `rows` (raw values) named `names`. The model reads f32, so
    /// each bound is kept as its shortest f32 decimal (359.4, not 359.3999938964844); compare
    /// values with [`FeatureRange::contains`], in f32.
    pub fn ranges(names: &[String], rows: &[Vec<f64>]) -> Vec<FeatureRange> {
        let short = |x: f64| format!("{}", x as f32).parse::<f64>().unwrap_or(x);
        names
            .iter()
            .enumerate()
            .map(|(j, name)| FeatureRange {
                name: name.clone(),
                min: short(rows.iter().map(|r| r[j]).fold(f64::INFINITY, f64::min)),
                max: short(rows.iter().map(|r| r[j]).fold(f64::NEG_INFINITY, f64::max)),
            })
            .collect()
    }

    pub fn save(&self, model_dir: &Path) -> Result<()> {
        crate::fsutil::write_json(&model_dir.join(TABULAR_INFO_FILE), self)
    }
}

#[derive(Deserialize)]
struct SavedConfig {
    model: MlpConfig,
    features: Vec<String>,
    target: String,
    #[serde(default)]
    log_age: bool,
}

#[derive(Deserialize)]
struct Saved {
    config: SavedConfig,
    x_scaler: StandardScaler,
    y_scaler: StandardScaler,
}

/// A loaded tabular regressor.
pub struct TabularModel {
    saved: Saved,
    mlp: Mlp,
    _vs: VarStore,
    info: TabularInfo,
    dir: PathBuf,
}

impl std::fmt::Debug for TabularModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TabularModel")
            .field("dir", &self.dir)
            .field("features", &self.saved.config.features)
            .finish()
    }
}

impl TabularModel {
    /// Load the model folder `dir` (weights, config and `tabular.json`) on the CPU.
    pub fn load(dir: &Path) -> Result<Self> {
        let saved: Saved = checkpoint::load(dir)?;
        let mut vs = VarStore::new(tch::Device::Cpu);
        let mlp = saved.config.model.init(&vs.root())?;
        checkpoint::load_weights(&checkpoint::weights_path(dir), &mut vs)?;
        let info_path = dir.join(TABULAR_INFO_FILE);
        if !info_path.is_file() {
            return Err(Error::config(format!(
                "{} is missing: this model folder has no feature ranges and SHAP background \
                 (a `pile-xai` run saves them; see `deepfield-core repro pile-xai`)",
                info_path.display()
            )));
        }
        let info: TabularInfo = crate::fsutil::read_json(&info_path)?;
        let names: Vec<&String> = info.features.iter().map(|f| &f.name).collect();
        let bad_bg = info
            .background
            .iter()
            .any(|r| r.len() != names.len() || r.iter().any(|v| !v.is_finite()));
        if names != saved.config.features.iter().collect::<Vec<_>>()
            || info.background.is_empty()
            || bad_bg
        {
            return Err(Error::config(format!(
                "{}: its features or background do not match the model's config.json",
                info_path.display()
            )));
        }
        Ok(TabularModel {
            saved,
            mlp,
            _vs: vs,
            info,
            dir: dir.to_path_buf(),
        })
    }

    pub fn info(&self) -> &TabularInfo {
        &self.info
    }

    pub fn features(&self) -> &[String] {
        &self.saved.config.features
    }

    pub fn target(&self) -> &str {
        &self.saved.config.target
    }

    /// The model's output for a batch `[N, M]` of raw feature values (f32), shape `[N]`.
    pub fn score(&self, x: &Tensor) -> Result<Tensor> {
        let m = self.features().len() as i64;
        if x.dim() != 2 || x.size()[1] != m {
            return Err(Error::input(format!(
                "expected rows of {m} features, got a tensor of shape {:?}",
                x.size()
            )));
        }
        let x = self.inputs(x.to_kind(Kind::Float))?;
        let z = self.saved.x_scaler.transform(&x)?;
        let out = tch::no_grad(|| self.mlp.predict(&z, None));
        Ok(self.saved.y_scaler.inverse_transform(&out)?.flatten(0, -1))
    }

    /// Predictions for rows of raw feature values.
    pub fn predict(&self, rows: &[Vec<f64>]) -> Result<Vec<f64>> {
        let x = self.matrix(rows)?;
        let out = self.score(&x)?;
        Ok(Vec::<f64>::try_from(out.to_kind(Kind::Double))?)
    }

    /// KernelSHAP values of one row against the saved background: with shap's default
    /// budget (2M + 2048 coalitions) every coalition is enumerated for M ≤ 11, so the values
    /// are the exact interventional Shapley values.
    pub fn explain(&self, row: &[f64], seed: u64) -> Result<ShapValues> {
        let bg = self.matrix(&self.info.background)?;
        let masker = Masker::new(&bg)?;
        let x = self.matrix(&[row.to_vec()])?.get(0);
        let f = |t: &Tensor| self.score(t);
        let m = self.features().len();
        kernel(&f, &masker, &x, 2 * m + 2048, seed)
    }

    /// Rows as an `[N, M]` f32 tensor, as `eval` reads a table (f64 values cast to f32).
    fn matrix(&self, rows: &[Vec<f64>]) -> Result<Tensor> {
        let m = self.features().len();
        if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != m) {
            return Err(Error::input(format!(
                "row {} has {} values; the model has {m} features",
                i + 1,
                r.len()
            )));
        }
        let flat: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
        Ok(Tensor::f_from_slice(&flat)?.f_reshape([rows.len() as i64, m as i64])?)
    }

    /// `log_age`: the age column as ln(1 + days), as in training.
    fn inputs(&self, x: Tensor) -> Result<Tensor> {
        if !self.saved.config.log_age {
            return Ok(x);
        }
        let Some(col) = self.features().iter().position(|f| f == "age_days") else {
            return Err(Error::config("log_age needs an `age_days` feature"));
        };
        let age = x.f_narrow(1, col as i64, 1)?;
        if age.numel() > 0 && age.min().double_value(&[]) < 0.0 {
            return Err(Error::input("age_days must be ≥ 0"));
        }
        let x = x.copy();
        x.narrow(1, col as i64, 1).copy_(&age.log1p());
        Ok(x)
    }
}
