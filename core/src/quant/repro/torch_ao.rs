//! Runs `torch_ao.py` (torch.ao dynamic quantization of the same weights) through the
//! workspace's Python.

use std::path::Path;

use tch::Tensor;

use super::tasks::TorchAo;
use crate::data::TensorDataset;
use crate::{Error, Result};

const SCRIPT: &str = include_str!("torch_ao.py");

/// torch.ao's accuracy and latency for the model folder `model` on `test`, timing `batch`.
pub fn run(model: &Path, test: &TensorDataset, batch: &Tensor, budget_s: f64) -> Result<TorchAo> {
    let python = crate::python::interpreter().ok_or_else(|| {
        Error::config(
            "no Python: set DEEPFIELD_PYTHON (torch, safetensors) to compare with torch.ao",
        )
    })?;
    let tmp = tempfile::tempdir().map_err(|e| Error::io(Path::new("tempdir"), e))?;
    let script = tmp.path().join("torch_ao.py");
    std::fs::write(&script, SCRIPT).map_err(|e| Error::io(&script, e))?;
    let data = tmp.path().join("data.safetensors");
    crate::checkpoint::write_tensors(
        &data,
        &[
            ("input", &test.x),
            ("labels", &test.y),
            ("latency_input", batch),
        ],
    )?;
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg(model)
        .arg(&data)
        .arg(budget_s.to_string())
        .env("OMP_NUM_THREADS", "1")
        .output()
        .map_err(|e| Error::io(&python, e))?;
    if !out.status.success() {
        return Err(Error::config(format!(
            "torch_ao.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("")).map_err(|source| Error::Json {
        context: "torch_ao.py's output".into(),
        source,
    })
}
