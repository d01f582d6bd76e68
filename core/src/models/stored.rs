//! Which model a checkpoint folder holds: its kind and JSON config, read from the weights'
//! metadata, else from `config.json` (the registry's layout, a flat `"kind"` field, a
//! `ModelSpec` `"model"` tag, or a model's own older layout).

use std::path::Path;

use serde_json::Value;

use crate::checkpoint::{self, META_CONFIG, META_KIND};
use crate::{Error, Result};

/// Recognises an older `config.json` layout: the kind and the config it stands for.
pub(super) type Older<'a> = &'a dyn Fn(&Value) -> Option<(&'static str, Value)>;

/// The kind and JSON config of the model saved in `dir`: from the weights' metadata when it has
/// them, else from `config.json` (`{"kind", "config"}`, a flat `"kind"` field, or a
/// `ModelSpec` `"model"` tag), else what `older` recognises in `config.json`.
pub(super) fn stored_model(dir: &Path, older: Older<'_>) -> Result<(String, Value)> {
    let weights = checkpoint::weights_path(dir);
    let metadata = checkpoint::read_metadata(&weights)?;
    let ckpt_error = |path: &Path, message: String| Error::Checkpoint {
        path: path.to_path_buf(),
        message,
    };
    if let (Some(kind), Some(text)) = (metadata.get(META_KIND), metadata.get(META_CONFIG)) {
        let config = serde_json::from_str(text).map_err(|e| {
            ckpt_error(
                &weights,
                format!("metadata `{META_CONFIG}` is not JSON ({e})"),
            )
        })?;
        return Ok((kind.clone(), config));
    }
    let json: Value = checkpoint::load(dir)?;
    let config_path = dir.join(checkpoint::CONFIG_FILE);
    let Value::Object(mut fields) = json else {
        return Err(ckpt_error(
            &config_path,
            "is not a JSON object, so it names no model kind".into(),
        ));
    };
    let tag = |fields: &serde_json::Map<String, Value>, key: &str| {
        fields.get(key).and_then(Value::as_str).map(str::to_owned)
    };
    let (kind, config) = if let Some(kind) = tag(&fields, "kind") {
        fields.remove("kind");
        match fields.remove("config") {
            Some(config @ Value::Object(_)) if fields.is_empty() => (kind, config),
            Some(other) => {
                fields.insert("config".into(), other);
                (kind, Value::Object(fields))
            }
            None => (kind, Value::Object(fields)),
        }
    } else if let Some(kind) = tag(&fields, "model") {
        fields.remove("model");
        (kind, Value::Object(fields))
    } else if let Some((kind, config)) = older(&Value::Object(fields)) {
        (kind.to_string(), config)
    } else {
        return Err(ckpt_error(
            &config_path,
            "names no model kind (no `kind` field, no `model` tag, the weights carry no \
             `kind` metadata, and no registered model knows its layout)"
                .into(),
        ));
    };
    // Weights with a kind but no config: the kind in the metadata wins.
    let kind = metadata.get(META_KIND).cloned().unwrap_or(kind);
    Ok((kind, config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ModelConfig;
    use crate::nn::mlp::MlpConfig;
    use tch::nn::VarStore;
    use tch::Device;

    #[test]
    fn config_json_fallbacks() {
        let dir = tempfile::tempdir().unwrap();
        let vs = VarStore::new(Device::Cpu);
        let _ = MlpConfig::new(2, [3], 1).init(&vs.root()).unwrap();
        let none: Older<'_> = &|_| None;
        let cases = [
            (
                serde_json::json!({"kind": "mlp", "config": {"input": 2}}),
                serde_json::json!({"input": 2}),
            ),
            (
                serde_json::json!({"kind": "mlp", "input": 2}),
                serde_json::json!({"input": 2}),
            ),
            (
                serde_json::json!({"model": "mlp", "input": 2}),
                serde_json::json!({"input": 2}),
            ),
        ];
        for (json, want) in cases {
            checkpoint::save::<_, ()>(dir.path(), &vs, &json, None).unwrap();
            let (kind, config) = stored_model(dir.path(), none).unwrap();
            assert_eq!(kind, "mlp", "{json}");
            assert_eq!(config, want, "{json}");
        }
        checkpoint::save::<_, ()>(dir.path(), &vs, &serde_json::json!({"input": 2}), None).unwrap();
        let e = stored_model(dir.path(), none).unwrap_err().to_string();
        assert!(e.contains("names no model kind"), "{e}");
        // An older layout that a registered model recognises.
        let older: Older<'_> = &|json| {
            json.get("input")
                .map(|i| (MlpConfig::KIND, serde_json::json!({"input": i})))
        };
        let (kind, config) = stored_model(dir.path(), older).unwrap();
        assert_eq!(
            (kind.as_str(), config),
            ("mlp", serde_json::json!({"input": 2}))
        );
        checkpoint::save::<_, ()>(dir.path(), &vs, &serde_json::json!([1, 2]), None).unwrap();
        let e = stored_model(dir.path(), older).unwrap_err().to_string();
        assert!(e.contains("is not a JSON object"), "{e}");
    }
}
