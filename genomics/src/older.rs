//! Model folders written before the model registry ([`deepfield_core::models`]): weights without
//! `kind` metadata and a `config.json` without a `"kind"` field, holding the reproduction's own
//! saved struct instead. The inference modules ([`crate::snp::predict`],
//! [`crate::gmna::predict`]) read them through [`older_config`] and convert them to today's
//! configs, so models trained before still predict.

use std::path::Path;

use deepfield_core::checkpoint;
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// `config.json` of the model folder `dir` read as `T` when the folder predates model kinds;
/// `None` when it names its kind (written by [`deepfield_core::models::save_model`]).
pub(crate) fn older_config<T: DeserializeOwned>(dir: &Path) -> Result<Option<T>> {
    let metadata = checkpoint::read_metadata(&checkpoint::weights_path(dir))?;
    if metadata.contains_key(checkpoint::META_KIND) {
        return Ok(None);
    }
    let json: serde_json::Value = checkpoint::load(dir)?;
    if json.get("kind").is_some() {
        return Ok(None);
    }
    serde_json::from_value(json).map(Some).map_err(|e| {
        Error::input(format!(
            "{}: neither a model kind nor an older model config this version reads ({e})",
            dir.join(checkpoint::CONFIG_FILE).display()
        ))
    })
}
