//! A pruned model folder that the same registry restores: sparse (the masked weights with their
//! zeros, and `masks.safetensors` beside them so fine-tuning keeps them) or physically smaller
//! ([`super::physical`]). [`prune_model`] is the whole `compress prune` command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use super::magnitude::{prune, Method};
use super::masks::Masks;
use super::physical::shrink;
use super::select::select;
use crate::checkpoint::{self, META_CONFIG, META_KIND};
use crate::models::ModelRegistry;
use crate::{fsutil, Error, Forward, Result};

/// Values and non-zero values of every variable of `vs`.
pub fn nonzeros(vs: &VarStore) -> (i64, i64) {
    let mut total = 0;
    let mut nz = 0;
    for t in vs.variables().values() {
        total += t.numel() as i64;
        nz += t.count_nonzero(None::<i64>).int64_value(&[]);
    }
    (total, nz)
}

/// Write `vs` as a `kind` model with `config` into the checkpoint folder `dir` (with the
/// registry's metadata, so any registry that knows `kind` restores it).
pub fn save_as(dir: &Path, vs: &VarStore, kind: &str, config: &Value) -> Result<()> {
    let text = serde_json::to_string(config).map_err(|source| Error::Json {
        context: format!("serializing the `{kind}` config"),
        source,
    })?;
    let meta = BTreeMap::from([
        (META_KIND.to_string(), kind.to_string()),
        (META_CONFIG.to_string(), text),
    ]);
    let saved = serde_json::json!({"kind": kind, "config": config});
    checkpoint::save_with_metadata(dir, vs, &saved, None::<&()>, &meta)
}

/// A physically smaller model ([`physical_model`]).
pub struct Physical {
    /// Its config (the widths shrunk).
    pub config: Value,
    /// Its variables.
    pub vs: VarStore,
    /// The model, built on `vs`.
    pub model: Box<dyn Forward>,
    /// `(layer, channels before, after)`.
    pub widths: Vec<(String, i64, i64)>,
}

/// The physically smaller `kind` model of `vs` (channels with zero output removed), built
/// through `models` and loaded with the kept values.
pub fn physical_model(
    models: &ModelRegistry,
    kind: &str,
    config: &Value,
    vs: &VarStore,
) -> Result<Physical> {
    let vars: BTreeMap<String, Tensor> = vs
        .variables()
        .into_iter()
        .map(|(n, t)| (n, t.detach().to_device(Device::Cpu)))
        .collect();
    let shrunk = shrink(kind, config, &vars)?;
    let small = VarStore::new(vs.device());
    let model = models.build(kind, &shrunk.config, &small.root())?;
    let mut live = small.variables();
    let mut problems = Vec::new();
    tch::no_grad(|| -> Result<()> {
        for (name, var) in live.iter_mut() {
            match shrunk.tensors.get(name) {
                Some(t) if t.size() == var.size() => {
                    var.f_copy_(t)?;
                }
                Some(t) => problems.push(format!(
                    "`{name}`: built {:?}, kept {:?}",
                    var.size(),
                    t.size()
                )),
                None => problems.push(format!("`{name}` has no value")),
            }
        }
        Ok(())
    })?;
    if !problems.is_empty() {
        return Err(Error::input(format!(
            "prune --physical: the smaller `{kind}` model does not match the kept values: {}",
            problems.join("; ")
        )));
    }
    Ok(Physical {
        config: shrunk.config,
        vs: small,
        model,
        widths: shrunk.widths,
    })
}

/// What `compress prune` is asked to do.
#[derive(Debug, Clone)]
pub struct PruneRequest {
    /// The model folder.
    pub model: PathBuf,
    pub method: Method,
    /// Fraction of the chosen weights set to zero, in `[0, 1)`.
    pub sparsity: f64,
    /// Comma-separated glob patterns of variable names [default: every weight of rank ≥ 2].
    pub layers: Option<String>,
    /// The pruned model folder (written atomically).
    pub out: PathBuf,
    /// Remove zeroed channels (needs `Method::Channels` to zero whole channels).
    pub physical: bool,
    /// A safetensors file with the input batch (`input`) for accuracy before/after.
    pub input: Option<PathBuf>,
    /// The labels (`labels`, or the file's only tensor); default: a `labels` tensor in `input`.
    pub labels: Option<PathBuf>,
}

/// What `compress prune` did (also written as `prune.json` into the pruned folder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PruneSummary {
    pub kind: String,
    pub method: Method,
    pub sparsity: f64,
    /// The pruned variables.
    pub layers: Vec<String>,
    /// Values of the model before and after (fewer after `--physical`).
    pub params_before: i64,
    pub params_after: i64,
    /// Non-zero values of the whole model before and after.
    pub nonzero_before: i64,
    pub nonzero_after: i64,
    /// Sparsity reached over the pruned variables.
    pub layer_sparsity: f64,
    /// `--physical`: `(layer, channels before, after)`.
    pub widths: Vec<(String, i64, i64)>,
    pub accuracy_before: Option<f64>,
    pub accuracy_after: Option<f64>,
}

/// The input batch and labels for accuracy.
fn eval_data(req: &PruneRequest) -> Result<Option<(Tensor, Tensor)>> {
    let Some(input) = &req.input else {
        if req.labels.is_some() {
            return Err(Error::config("prune: --labels needs --input".to_string()));
        }
        return Ok(None);
    };
    let tensors = checkpoint::read_tensors(input)?;
    let x = checkpoint::pick_named(&tensors, &["input"], input)?;
    let y = match &req.labels {
        Some(file) => checkpoint::read_named(file, &["labels"])?,
        None => tensors
            .into_iter()
            .find(|(n, _)| n == "labels")
            .map(|(_, t)| t)
            .ok_or_else(|| {
                Error::input(format!(
                    "{}: no tensor `labels` beside the input; give the labels with --labels",
                    input.display()
                ))
            })?,
    };
    if y.size().first() != x.size().first() {
        return Err(Error::input(format!(
            "prune: {} inputs but {} labels",
            x.size().first().copied().unwrap_or(0),
            y.size().first().copied().unwrap_or(0)
        )));
    }
    Ok(Some((x, y.to_kind(Kind::Int64))))
}

/// Accuracy of `model` on `(x, y)`: argmax of the last output dimension against the labels.
pub fn accuracy(model: &dyn Forward, device: Device, x: &Tensor, y: &Tensor) -> Result<f64> {
    let ds =
        crate::data::TensorDataset::new(x.shallow_clone(), y.shallow_clone())?.to_device(device);
    let out = crate::train::predict(model, &ds, 256)?;
    let hit = out
        .argmax(-1, false)
        .eq_tensor(&ds.y)
        .to_kind(Kind::Float)
        .mean(Kind::Float);
    Ok(f64::try_from(hit)?)
}

/// Prune the model folder `req.model` as asked and write the pruned folder `req.out`.
pub fn prune_model(models: &ModelRegistry, req: &PruneRequest) -> Result<PruneSummary> {
    if req.physical && !matches!(req.method, Method::Channels(_)) {
        return Err(Error::config(
            "prune: --physical removes whole channels; use it with --method channels".to_string(),
        ));
    }
    if req.out == req.model {
        return Err(Error::config(format!(
            "prune: --out {} is the model folder itself; write the pruned model elsewhere",
            req.out.display()
        )));
    }
    let data = eval_data(req)?;
    let r = models.restore(&req.model, crate::device())?;
    let names = select(&r.vs, req.layers.as_deref())?;
    let previous = Masks::load_from_dir(&req.model, &r.vs)?;
    let (params_before, nonzero_before) = nonzeros(&r.vs);
    let accuracy_before = match &data {
        Some((x, y)) => Some(accuracy(r.model.as_ref(), r.vs.device(), x, y)?),
        None => None,
    };
    let mut masks = prune(&r.vs, &names, req.method, req.sparsity, previous.as_ref())?;
    // Masks of earlier prunings of other layers are kept.
    if let Some(prev) = &previous {
        for (n, m) in prev.iter() {
            if masks.get(n).is_none() {
                masks.insert(n.clone(), m.copy());
            }
        }
    }
    masks.apply(&r.vs)?;
    let layer_sparsity = {
        let mut c = masks.counts_by_name();
        c.retain(|n, _| names.contains(n));
        let (t, k) = c
            .values()
            .fold((0, 0), |(t, k), c| (t + c.total, k + c.kept));
        if t == 0 {
            0.0
        } else {
            1.0 - k as f64 / t as f64
        }
    };
    let (config, vs, model, widths) = if req.physical {
        let p = physical_model(models, &r.kind, &r.config, &r.vs)?;
        (p.config, p.vs, p.model, p.widths)
    } else {
        (r.config.clone(), r.vs, r.model, Vec::new())
    };
    let (params_after, nonzero_after) = nonzeros(&vs);
    let accuracy_after = match &data {
        Some((x, y)) => Some(accuracy(model.as_ref(), vs.device(), x, y)?),
        None => None,
    };
    let summary = PruneSummary {
        kind: r.kind.clone(),
        method: req.method,
        sparsity: req.sparsity,
        layers: names,
        params_before,
        params_after,
        nonzero_before,
        nonzero_after,
        layer_sparsity,
        widths,
        accuracy_before,
        accuracy_after,
    };
    fsutil::write_dir_atomic(&req.out, |partial| {
        if req.model.is_dir() {
            checkpoint::carry_over(&req.model, partial)?;
        }
        let stale = Masks::path_in(partial);
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(|e| Error::io(&stale, e))?;
        }
        save_as(partial, &vs, &r.kind, &config)?;
        if !req.physical {
            masks.save(&Masks::path_in(partial))?;
        }
        fsutil::write_json(&partial.join("prune.json"), &summary)
    })?;
    Ok(summary)
}
