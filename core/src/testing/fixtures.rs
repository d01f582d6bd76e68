//! Locating and reading the fixtures of a crate's tests: `tests/fixtures/<name>`, JSON and
//! safetensors files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use tch::Tensor;

/// The fixture `name` of the crate whose manifest directory is `crate_dir`:
/// `<crate_dir>/tests/fixtures/<name>`. Panics, listing the fixtures that exist, when it is
/// missing. Usually called through [`fixture!`](crate::fixture), which passes the calling
/// crate's `CARGO_MANIFEST_DIR`.
#[track_caller]
pub fn fixture_path(crate_dir: impl AsRef<Path>, name: &str) -> PathBuf {
    let dir = crate_dir.as_ref().join("tests").join("fixtures");
    let path = dir.join(name);
    if !path.exists() {
        panic!(
            "no fixture {}; {} holds: {}",
            path.display(),
            dir.display(),
            list_dir(&dir)
        );
    }
    path
}

/// `<calling crate>/tests/fixtures/<name>` (see [`fixture_path`]); panics when it is missing.
#[macro_export]
macro_rules! fixture {
    ($name:expr) => {
        $crate::testing::fixture_path(env!("CARGO_MANIFEST_DIR"), $name)
    };
}

/// Parse the JSON file at `path` into `T`; panics with the path and the parse error.
#[track_caller]
pub fn read_json<T: DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid: {e}", path.display()))
}

/// Every tensor of the safetensors file at `path` (on the CPU), by name; panics with the path
/// and the reason when the file cannot be read.
#[track_caller]
pub fn read_safetensors(path: &Path) -> BTreeMap<String, Tensor> {
    crate::checkpoint::read_tensors(path)
        .unwrap_or_else(|e| panic!("cannot read the tensors of {}: {e}", path.display()))
        .into_iter()
        .collect()
}

pub(super) fn list_dir(dir: &Path) -> String {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if e.path().is_dir() {
                        name + "/"
                    } else {
                        name
                    }
                })
                .collect();
            names.sort();
            if names.is_empty() {
                "nothing".into()
            } else {
                names.join(", ")
            }
        }
        Err(e) => format!("(unreadable: {e})"),
    }
}

/// Copy the tensors of `fixture` named `<prefix><variable>` into the variables of `vs` — weights
/// a Python reference script saved with PyTorch's names. Every variable must get one and every
/// prefixed tensor must have a variable.
///
/// # Panics
/// When the names differ (a test helper).
pub fn load_prefixed(vs: &tch::nn::VarStore, fixture: &BTreeMap<String, Tensor>, prefix: &str) {
    let weights: BTreeMap<&str, &Tensor> = fixture
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k, v)))
        .collect();
    let mut vars = vs.variables();
    let mut names: Vec<&str> = vars.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        weights.keys().copied().collect::<Vec<_>>(),
        "parameter names differ between deepfield and the fixture's {prefix}* tensors"
    );
    tch::no_grad(|| {
        for (name, w) in weights {
            if let Some(v) = vars.get_mut(name) {
                v.copy_(w);
            }
        }
    });
}
