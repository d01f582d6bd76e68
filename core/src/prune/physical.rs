//! A physically smaller model from a channel-pruned one: the output channels (neurons) whose
//! outputs are exactly zero are removed with the matching inputs of the next layer, and the
//! config's widths shrink. Well defined for the registry's `mlp` (hidden layers) and `cnn`
//! (conv blocks and head hidden layers) kinds with an activation that maps 0 to 0; the output
//! layer keeps all its rows (they are the classes).
//!
//! A channel is removed when its weight row is all zero and its bias — or, after batch norm,
//! its scale and shift — are zero, so its activation is 0 for every input: the smaller model's
//! outputs equal the masked model's (test `physical_equals_masked`).

use std::collections::BTreeMap;

use serde_json::Value;
use tch::{Kind, Tensor};

use crate::{Error, Result};

/// One prunable width: the weight whose rows are channels, the per-channel vectors beside it,
/// the next layer's weight (inputs on dim 1), and where the width is in the config.
struct Width {
    weight: String,
    companions: Vec<String>,
    next: String,
    /// JSON pointer of the width in the config.
    pointer: String,
}

/// The smaller model: its config, its variables, and `(layer, channels before, after)`.
#[derive(Debug)]
pub struct Shrunk {
    pub config: Value,
    pub tensors: BTreeMap<String, Tensor>,
    pub widths: Vec<(String, i64, i64)>,
}

fn mlp_widths(
    prefix: &str,
    hidden: usize,
    pointer: &str,
    vars: &BTreeMap<String, Tensor>,
) -> Vec<Width> {
    (0..hidden)
        .map(|i| {
            let next = if i + 1 < hidden {
                format!("{prefix}hidden.{}.weight", i + 1)
            } else {
                format!("{prefix}out.weight")
            };
            let act = format!("{prefix}act.{i}.");
            let mut companions = vec![format!("{prefix}hidden.{i}.bias")];
            companions.extend(vars.keys().filter(|k| k.starts_with(&act)).cloned());
            Width {
                weight: format!("{prefix}hidden.{i}.weight"),
                companions,
                next,
                pointer: format!("{pointer}/{i}"),
            }
        })
        .collect()
}

fn check_activation(config: &Value, at: &str) -> Result<()> {
    match config.pointer(at) {
        Some(Value::String(s)) if s == "sigmoid" => Err(Error::input(format!(
            "prune --physical: the activation at `{at}` is sigmoid, which does not map 0 to 0, \
             so removing a zeroed channel would change the outputs"
        ))),
        _ => Ok(()),
    }
}

fn array_len(config: &Value, at: &str) -> usize {
    config
        .pointer(at)
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// The widths of `kind` that can shrink.
fn widths(kind: &str, config: &Value, vars: &BTreeMap<String, Tensor>) -> Result<Vec<Width>> {
    match kind {
        "mlp" => {
            check_activation(config, "/activation")?;
            Ok(mlp_widths(
                "",
                array_len(config, "/hidden"),
                "/hidden",
                vars,
            ))
        }
        "cnn" => {
            let blocks = array_len(config, "/stack/blocks");
            let head_hidden = array_len(config, "/head_hidden");
            let mut w = Vec::new();
            for i in 0..blocks {
                check_activation(config, &format!("/stack/blocks/{i}/activation"))?;
                let b = format!("blocks.{i}");
                let next = if i + 1 < blocks {
                    format!("blocks.{}.conv.weight", i + 1)
                } else if head_hidden > 0 {
                    "head.hidden.0.weight".to_string()
                } else {
                    "head.out.weight".to_string()
                };
                w.push(Width {
                    weight: format!("{b}.conv.weight"),
                    companions: [
                        "conv.bias",
                        "bn.weight",
                        "bn.bias",
                        "bn.running_mean",
                        "bn.running_var",
                    ]
                    .iter()
                    .map(|c| format!("{b}.{c}"))
                    .collect(),
                    next,
                    pointer: format!("/stack/blocks/{i}/out_channels"),
                });
            }
            w.extend(mlp_widths("head.", head_hidden, "/head_hidden", vars));
            Ok(w)
        }
        other => Err(Error::input(format!(
            "prune --physical: removing channels is defined here for the `mlp` and `cnn` model \
             kinds, not `{other}`; export it sparse (without --physical)"
        ))),
    }
}

/// Which channels of `w` carry a non-zero output: the weight row, and the bias or batch-norm
/// scale/shift, are not all zero. At least one channel is kept.
fn alive(w: &Tensor, vars: &BTreeMap<String, Tensor>, width: &Width) -> Vec<i64> {
    let rows = w.size()[0];
    let row_nz = w
        .abs()
        .reshape([rows, -1])
        .sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
        .gt(0.0);
    let vec_of = |suffix: &str| {
        width
            .companions
            .iter()
            .find(|c| c.ends_with(suffix))
            .and_then(|c| vars.get(c))
            .map(|t| t.ne(0.0))
    };
    // A channel after batch norm outputs gamma·x̂ + beta: zero iff both are zero.
    let keep = match (vec_of("bn.weight"), vec_of("bn.bias")) {
        (Some(g), Some(b)) => g.logical_or(&b),
        _ => {
            let bias = width
                .companions
                .iter()
                .find(|c| c.ends_with(".bias") && !c.contains(".bn."))
                .and_then(|c| vars.get(c))
                .map(|t| t.ne(0.0));
            match bias {
                Some(b) => row_nz.logical_or(&b),
                None => row_nz,
            }
        }
    };
    let keep: Vec<bool> = Vec::<bool>::try_from(keep.to_kind(Kind::Bool)).unwrap_or_default();
    let mut idx: Vec<i64> = (0..rows)
        .filter(|&r| keep.get(r as usize) == Some(&true))
        .collect();
    if idx.is_empty() {
        idx.push(0);
    }
    idx
}

/// Remove the dead channels of a `kind` model with `config` and variables `vars` (CPU).
pub fn shrink(kind: &str, config: &Value, vars: &BTreeMap<String, Tensor>) -> Result<Shrunk> {
    let plan = widths(kind, config, vars)?;
    let mut tensors: BTreeMap<String, Tensor> =
        vars.iter().map(|(n, t)| (n.clone(), t.copy())).collect();
    let mut config = config.clone();
    let mut log = Vec::new();
    for width in &plan {
        let missing = |n: &str| {
            Error::input(format!(
                "prune --physical: the `{kind}` model has no variable `{n}` (not a model of \
                 this layout)"
            ))
        };
        let w = tensors
            .get(&width.weight)
            .ok_or_else(|| missing(&width.weight))?;
        let before = w.size()[0];
        let keep = alive(w, &tensors, width);
        let after = keep.len() as i64;
        log.push((width.weight.clone(), before, after));
        if after == before {
            continue;
        }
        let idx = Tensor::from_slice(&keep);
        for name in std::iter::once(&width.weight).chain(&width.companions) {
            if let Some(t) = tensors
                .get(name)
                .filter(|t| t.size().first() == Some(&before))
            {
                let t = t.f_index_select(0, &idx.to_device(t.device()))?;
                tensors.insert(name.clone(), t);
            }
        }
        let next = tensors
            .get(&width.next)
            .ok_or_else(|| missing(&width.next))?;
        let next = next.f_index_select(1, &idx.to_device(next.device()))?;
        tensors.insert(width.next.clone(), next);
        match config.pointer_mut(&width.pointer) {
            Some(v) => *v = Value::from(after),
            None => {
                return Err(Error::input(format!(
                    "prune --physical: the `{kind}` config has no `{}`",
                    width.pointer
                )))
            }
        }
    }
    Ok(Shrunk {
        config,
        tensors,
        widths: log,
    })
}
