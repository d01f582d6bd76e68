//! The model zoo: the registry's completed runs whose checkpoint folder still holds a model.
//! Each entry names the model's kind and config (read from the checkpoint), restores through
//! core's [`ModelRegistry`], and says which binary evaluates it on a user's own data.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;
use tch::Device;

use super::{Filter, Registry, Run};
use crate::hpo::TrialState;
use crate::models::{stored_kind, ModelRegistry, Restored};
use crate::Result;

/// One model of the zoo.
#[derive(Debug, Clone, Serialize)]
pub struct ZooEntry {
    pub run: Run,
    /// The model kind stored in the checkpoint (`core.mlp`, `vision.lenet5`).
    pub model_kind: String,
    pub model_config: Value,
    pub path: PathBuf,
}

impl ZooEntry {
    /// The binary whose `eval` runs this model on a user's data (`deepfield-vision` for a
    /// `vision.*` kind).
    pub fn binary(&self) -> String {
        // Core's kinds have no prefix (`mlp`); a domain's kinds start with the domain.
        match self.model_kind.split_once('.') {
            Some((domain, _)) => format!("deepfield-{domain}"),
            None => "deepfield-core".to_string(),
        }
    }

    /// Rebuild the model and load its weights (its kind must be registered in `models`).
    pub fn restore(&self, models: &ModelRegistry, device: Device) -> Result<Restored> {
        models.restore(&self.path, device)
    }
}

/// The zoo among the runs `filter` selects: completed runs whose checkpoint folder holds a
/// readable model (runs whose folder has gone are left out).
pub fn zoo(reg: &mut Registry, filter: &Filter) -> Result<Vec<ZooEntry>> {
    let filter = Filter {
        state: Some(TrialState::Complete),
        ..filter.clone()
    };
    Ok(reg
        .runs(&filter)?
        .into_iter()
        .filter_map(|run| {
            let path = PathBuf::from(run.checkpoint.as_ref()?);
            let (model_kind, model_config) = stored_kind(&path).ok()?;
            Some(ZooEntry {
                run,
                model_kind,
                model_config,
                path,
            })
        })
        .collect())
}
