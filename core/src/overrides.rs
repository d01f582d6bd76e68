//! Partial overrides of a serde config: `{"train": {"epochs": 2000}}` changes one field of a
//! nested config and keeps the rest. Keys are checked against the config, so a misspelt field is
//! an error rather than a silently ignored setting.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::{Error, Result};

/// `base` with the fields of `patch` replaced. Objects merge recursively; any other value
/// (numbers, strings, arrays, null) replaces the field whole. Every key of `patch` must name a
/// field that `base` serialises, and the result must deserialise back into `T`.
pub fn apply<T: Serialize + DeserializeOwned>(base: &T, patch: &Value) -> Result<T> {
    let mut value = serde_json::to_value(base)
        .map_err(|e| Error::config(format!("override: cannot serialise the base config: {e}")))?;
    merge(&mut value, patch, "")?;
    serde_json::from_value(value).map_err(|e| Error::config(format!("override: {e}")))
}

fn merge(target: &mut Value, patch: &Value, path: &str) -> Result<()> {
    let Value::Object(fields) = patch else {
        *target = patch.clone();
        return Ok(());
    };
    if target.is_null() {
        // An unset optional group (`None`) takes the patch whole.
        *target = patch.clone();
        return Ok(());
    }
    let Value::Object(existing) = target else {
        return Err(Error::config(format!(
            "override: `{}` is not a group of settings, so `{patch}` cannot patch it",
            display(path)
        )));
    };
    for (key, value) in fields {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let Some(slot) = existing.get_mut(key) else {
            let mut known: Vec<&str> = existing.keys().map(String::as_str).collect();
            known.sort_unstable();
            return Err(Error::config(format!(
                "override: unknown setting `{here}` (settings at `{}`: {})",
                display(path),
                known.join(", ")
            )));
        };
        merge(slot, value, &here)?;
    }
    Ok(())
}

fn display(path: &str) -> &str {
    if path.is_empty() {
        "(top)"
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Train {
        epochs: usize,
        lr: f64,
        cosine: bool,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Method {
        drop: [f64; 2],
        hidden: Vec<i64>,
        schedule: Option<String>,
        train: Train,
    }

    fn base() -> Method {
        Method {
            drop: [0.3, 0.2],
            hidden: vec![512, 256],
            schedule: None,
            train: Train {
                epochs: 500,
                lr: 1e-3,
                cosine: false,
            },
        }
    }

    #[test]
    fn nested_fields_change_and_the_rest_stays() {
        let patch = serde_json::json!({
            "train": {"epochs": 2000, "cosine": true},
            "drop": [0.5, 0.4],
            "hidden": [128],
            "schedule": "warmup"
        });
        let got = apply(&base(), &patch).unwrap();
        assert_eq!(
            got,
            Method {
                drop: [0.5, 0.4],
                hidden: vec![128],
                schedule: Some("warmup".into()),
                train: Train {
                    epochs: 2000,
                    lr: 1e-3,
                    cosine: true
                },
            }
        );
        // An empty patch is the identity.
        assert_eq!(apply(&base(), &serde_json::json!({})).unwrap(), base());
    }

    #[test]
    fn misspelt_mistyped_or_misplaced_settings_are_errors() {
        let err = |patch: Value| apply(&base(), &patch).unwrap_err().to_string();
        let e = err(serde_json::json!({"train": {"epoch": 10}}));
        assert!(
            e.contains("unknown setting `train.epoch`") && e.contains("epochs"),
            "{e}"
        );
        let e = err(serde_json::json!({"train": {"epochs": "many"}}));
        assert!(e.contains("override"), "{e}");
        let e = err(serde_json::json!({"hidden": {"0": 64}}));
        assert!(e.contains("`hidden` is not a group"), "{e}");
        let e = err(serde_json::json!({"drop": [0.5]}));
        assert!(e.contains("override"), "{e}");
        // An unset optional setting takes a value whole.
        let got = apply(&base(), &serde_json::json!({"schedule": "cosine"})).unwrap();
        assert_eq!(got.schedule.as_deref(), Some("cosine"));
    }
}
