//! The model zoo description (`zoo.json`): for every model its id, registry kind, checkpoint
//! folder (relative to the zoo folder), the input shape it takes, what it was trained on and
//! the source data's statistics; plus the retrieval scorer fitted on labelled query tasks.
//!
//! Every model is a checkpoint of core's model registry ([`crate::models`]), so any registered
//! kind can be a zoo member: probing and fine-tuning go through
//! [`ModelRegistry::restore`] and [`crate::Forward`] only.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::Device;

use super::score::Scorer;
use crate::models::{ModelRegistry, Restored};
use crate::{checkpoint, ensure_config, fsutil, Error, Result};

/// The zoo description's file name inside the zoo folder.
pub const ZOO_FILE: &str = "zoo.json";

/// One zoo model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZooEntry {
    /// Unique id (also the default folder name).
    pub id: String,
    /// Registry kind (`cnn`, `mlp`, …).
    pub kind: String,
    /// Checkpoint folder relative to the zoo folder.
    pub dir: PathBuf,
    /// Shape of one input example (`[1, 28, 28]` for a CNN, `[784]` for an MLP): images are
    /// reshaped to it before the forward pass.
    pub input_shape: Vec<i64>,
    /// Output units (classes of the source task's head).
    pub outputs: i64,
    /// What the model was trained on, for people.
    pub source: String,
    /// Test accuracy (%) on its source task.
    pub source_accuracy: f64,
    /// Statistics of the source training images ([`super::task::data_stats`]); empty when
    /// unknown (the source-similarity baseline then ignores the model).
    #[serde(default)]
    pub source_stats: Vec<f64>,
}

/// The zoo description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Zoo {
    pub models: Vec<ZooEntry>,
    /// The retrieval scorer fitted on labelled query tasks (defaults when absent).
    #[serde(default)]
    pub scorer: Scorer,
}

impl Zoo {
    /// Some model, unique ids, positive input shapes and outputs, relative folders.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(!self.models.is_empty(), "zoo: no models");
        let mut ids = BTreeSet::new();
        for m in &self.models {
            ensure_config!(
                !m.id.is_empty() && ids.insert(m.id.as_str()),
                "zoo: model ids must be unique and non-empty (`{}`)",
                m.id
            );
            ensure_config!(
                !m.input_shape.is_empty() && m.input_shape.iter().all(|&d| d > 0),
                "zoo model {}: bad input shape {:?}",
                m.id,
                m.input_shape
            );
            ensure_config!(m.outputs >= 2, "zoo model {}: outputs must be >= 2", m.id);
            ensure_config!(
                m.dir.is_relative(),
                "zoo model {}: folder {} must be relative to the zoo folder",
                m.id,
                m.dir.display()
            );
        }
        self.scorer.validate()
    }

    /// Values per input example (the product of the input shape) of model `i`.
    pub fn input_len(entry: &ZooEntry) -> i64 {
        entry.input_shape.iter().product()
    }

    /// Write `dir/zoo.json` (atomically).
    pub fn save(&self, dir: &Path) -> Result<()> {
        self.validate()?;
        fsutil::create_dir_all(dir)?;
        fsutil::write_json(&dir.join(ZOO_FILE), self)
    }

    /// Read and validate `dir/zoo.json` (without looking at the checkpoints).
    pub fn load_description(dir: &Path) -> Result<Self> {
        let path = dir.join(ZOO_FILE);
        if !path.is_file() {
            return Err(Error::input(format!(
                "{}: no zoo description; build a zoo with `deepfield-core repro know2vec` \
                 (it writes results/know2vec/zoo/{ZOO_FILE})",
                path.display()
            )));
        }
        let zoo: Zoo = fsutil::read_json(&path)?;
        zoo.validate()
            .map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
        Ok(zoo)
    }

    /// Read `dir/zoo.json` and check that every model's checkpoint is there.
    pub fn load(dir: &Path) -> Result<Self> {
        let zoo = Zoo::load_description(dir)?;
        let path = dir.join(ZOO_FILE);
        for m in &zoo.models {
            let w = checkpoint::weights_path(&dir.join(&m.dir));
            if !w.is_file() {
                return Err(Error::input(format!(
                    "{}: model {} has no weights at {}",
                    path.display(),
                    m.id,
                    w.display()
                )));
            }
        }
        Ok(zoo)
    }

    /// Restore model `entry` of the zoo in `dir` through `registry` (any registered kind).
    pub fn restore(
        dir: &Path,
        entry: &ZooEntry,
        registry: &ModelRegistry,
        device: Device,
    ) -> Result<Restored> {
        let restored = registry.restore(&dir.join(&entry.dir), device)?;
        if restored.kind != entry.kind {
            return Err(Error::input(format!(
                "{}: zoo model {} is listed as `{}` but its checkpoint holds a `{}` model",
                dir.join(ZOO_FILE).display(),
                entry.id,
                entry.kind,
                restored.kind
            )));
        }
        Ok(restored)
    }
}
