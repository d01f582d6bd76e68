//! The gradient-boosted tree baselines (LightGBM, XGBoost, CatBoost) on the DNN's folds, run
//! through the project's Python environment by `core/scripts/gbdt_folds.py` (embedded here, so
//! a copied binary carries it). Rust writes the raw table and the fold indices; Python returns
//! each model's test predictions per fold; the metrics are computed here, like the DNN's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::data::split::Fold;
use crate::{Error, Result};

const SCRIPT: &str = include_str!("../../../scripts/gbdt_folds.py");

/// Tree-model settings shared by the three libraries (their own defaults otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GbdtConfig {
    /// Any of `lightgbm`, `xgboost`, `catboost`.
    pub models: Vec<String>,
    /// Boosting rounds.
    pub trees: usize,
    pub learning_rate: f64,
    /// Let the script pip-install missing packages into the environment.
    pub install: bool,
}

impl Default for GbdtConfig {
    fn default() -> Self {
        GbdtConfig {
            models: ["lightgbm", "xgboost", "catboost"]
                .map(String::from)
                .to_vec(),
            trees: 600,
            learning_rate: 0.05,
            install: true,
        }
    }
}

impl GbdtConfig {
    pub fn validate(&self) -> Result<()> {
        for m in &self.models {
            if !["lightgbm", "xgboost", "catboost"].contains(&m.as_str()) {
                return Err(Error::config(format!(
                    "pile-xai: unknown tree model `{m}` (lightgbm, xgboost, catboost)"
                )));
            }
        }
        if self.trees == 0 || self.learning_rate.is_nan() || self.learning_rate <= 0.0 {
            return Err(Error::config(
                "pile-xai: gbdt.trees must be ≥ 1 and gbdt.learning_rate > 0",
            ));
        }
        Ok(())
    }
}

/// What the script returns: per model, its package version and the test predictions per fold.
#[derive(Debug, Clone, Deserialize)]
pub struct GbdtPredictions {
    pub models: BTreeMap<String, ModelPredictions>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ModelPredictions {
    pub version: String,
    pub folds: Vec<Vec<f64>>,
}

fn python() -> Result<PathBuf> {
    crate::python::interpreter().ok_or_else(|| {
        Error::config(
            "pile-xai runs its tree baselines in deepfield's Python environment: set \
             DEEPFIELD_PYTHON or run `cargo xtask setup` (target/deepfield-venv)",
        )
    })
}

/// Train every configured tree model on each fold of `x` (rows of raw features) → `y` and
/// return their test predictions, in fold order. Runs in a temporary folder.
pub fn run(
    cfg: &GbdtConfig,
    x: &[Vec<f64>],
    y: &[f64],
    folds: &[Fold],
    seed: u64,
    threads: usize,
) -> Result<GbdtPredictions> {
    if cfg.models.is_empty() {
        return Ok(GbdtPredictions {
            models: BTreeMap::new(),
        });
    }
    let dir = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let d = dir.path();
    let m = x.first().map_or(0, Vec::len);
    let header: Vec<String> = (0..m)
        .map(|j| format!("x{j}"))
        .chain(["y".to_string()])
        .collect();
    let rows = x.iter().zip(y).map(|(r, t)| {
        r.iter()
            .chain(std::iter::once(t))
            .map(|v| format!("{v:?}"))
            .collect::<Vec<String>>()
    });
    crate::fsutil::write_csv(&d.join("data.csv"), &header, rows)?;
    let folds_json = serde_json::json!({
        "folds": folds.iter().map(|f| serde_json::json!({"train": f.train, "test": f.test})).collect::<Vec<_>>()
    });
    crate::fsutil::write_json(&d.join("folds.json"), &folds_json)?;
    let settings = serde_json::json!({
        "models": cfg.models, "seed": seed, "trees": cfg.trees,
        "learning_rate": cfg.learning_rate, "threads": threads.max(1), "install": cfg.install,
    });
    crate::fsutil::write_json(&d.join("settings.json"), &settings)?;
    let script = d.join("gbdt_folds.py");
    crate::fsutil::write_atomic(&script, SCRIPT.as_bytes())?;
    let py = python()?;
    let status = Command::new(&py)
        .arg(&script)
        .arg(d)
        .status()
        .map_err(|e| Error::io(&py, e))?;
    if !status.success() {
        return Err(Error::config(format!(
            "pile-xai: the tree baselines ({}) failed in {} ({status}); its message is above. \
             They need the Python packages {} (pip-installed automatically when the package \
             registry is reachable).",
            cfg.models.join(", "),
            py.display(),
            cfg.models.join(" ")
        )));
    }
    let out: GbdtPredictions = crate::fsutil::read_json(&d.join("predictions.json"))?;
    check(&out, cfg, folds, &d.join("predictions.json"))?;
    Ok(out)
}

fn check(out: &GbdtPredictions, cfg: &GbdtConfig, folds: &[Fold], path: &Path) -> Result<()> {
    for name in &cfg.models {
        let Some(p) = out.models.get(name) else {
            return Err(Error::parse(path, 1, format!("no predictions of `{name}`")));
        };
        let ok = p.folds.len() == folds.len()
            && p.folds
                .iter()
                .zip(folds)
                .all(|(p, f)| p.len() == f.test.len())
            && p.folds.iter().flatten().all(|v| v.is_finite());
        if !ok {
            return Err(Error::parse(
                path,
                1,
                format!("`{name}` returned predictions that do not match the folds"),
            ));
        }
    }
    Ok(())
}
