//! The Python interpreter of deepfield's PyTorch environment (installed by `cargo xtask setup`),
//! used by tests and benches that compare against PyTorch, scikit-learn or librosa.

use std::path::PathBuf;

/// `DEEPFIELD_PYTHON` if set, else `target/deepfield-venv/bin/python` of this workspace.
pub fn interpreter() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DEEPFIELD_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/deepfield-venv/bin/python");
    p.exists().then_some(p)
}
