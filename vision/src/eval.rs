//! Evaluating any saved vision image classifier on a user's images
//! (`deepfield-vision eval classify`).
//!
//! The model folder is restored through the crate's registry ([`crate::models`]), whatever its
//! kind. Its config must record how images become its input — a top-level `preprocess` field
//! ([`Preprocess`]) — and may name its classes (`class_names`; else the classes are `0`, `1`, …).
//! Any vision `ModelConfig` that embeds these two fields works here.
//!
//! Inputs: an IDX image file (`u8 [N, H, W]` or `[N, C, H, W]`, gzip or plain; ids are the
//! 0-based indices), an image folder (one subfolder per class gives labels, or images directly)
//! or a CSV image list (id/path column, optional label column). Labels may also come from a
//! separate file: an IDX label file (for IDX images) or a CSV with an id and a label column.
//! A label is a class name, or else a class index (`0`-based, as IDX label files hold them).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tch::{Device, Kind, Tensor};

use deepfield_core::metrics::{classification_report, ClassificationReport};
use deepfield_core::models::ModelRegistry;

use crate::data::idx::read_idx;
use crate::data::{images, sources, BadFile, ListColumns, Preprocess};
use crate::{Error, Result};

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct ClassifyOptions {
    /// The saved model folder.
    pub model: PathBuf,
    /// IDX file, image folder or CSV image list.
    pub input: PathBuf,
    /// Optional labels: IDX label file or CSV (id, label).
    pub labels: Option<PathBuf>,
    /// Column names of a CSV list / labels file (picked by name when `None`).
    pub columns: ListColumns,
    /// Where the predictions CSV goes (written atomically); `None`: not written.
    pub out: Option<PathBuf>,
}

/// The outcome of an evaluation.
#[derive(Debug)]
pub struct Classified {
    /// Id, predicted class and one probability per class, per image.
    pub ids: Vec<String>,
    pub predicted: Vec<usize>,
    pub probabilities: Vec<Vec<f64>>,
    pub class_names: Vec<String>,
    /// True class per image, where labels were given.
    pub labels: Option<Vec<usize>>,
    /// Accuracy, macro-F1 and the rest, where labels were given.
    pub report: Option<ClassificationReport>,
    /// Image files that did not decode (left out).
    pub bad: Vec<BadFile>,
    /// The predictions CSV text (header `id,predicted[,label],p_<class>…`).
    pub csv: String,
}

/// The `preprocess` and `class_names` a model's config records.
pub fn model_preprocess(config: &Value, dir: &Path) -> Result<(Preprocess, Option<Vec<String>>)> {
    let pre = config.get("preprocess").ok_or_else(|| {
        Error::input(format!(
            "the model in {} records no `preprocess` in its config, so its input size and \
             normalisation are unknown; `eval classify` takes vision image classifiers",
            dir.display()
        ))
    })?;
    let pre: Preprocess = serde_json::from_value(pre.clone()).map_err(|e| {
        Error::input(format!(
            "the `preprocess` of the model in {} is not valid: {e}",
            dir.display()
        ))
    })?;
    pre.validate()?;
    let names = config
        .get("class_names")
        .and_then(|v| serde_json::from_value::<Vec<String>>(v.clone()).ok());
    Ok((pre, names))
}

fn is_list(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()),
        Some(e) if e == "csv" || e == "tsv" || e == "txt"
    )
}

/// The user's images as a model input batch, their ids, their labels (as strings) and bad files.
type Loaded = (Tensor, Vec<String>, Vec<Option<String>>, Vec<BadFile>);

fn load_input(input: &Path, pre: &Preprocess, columns: &ListColumns) -> Result<Loaded> {
    if input.is_dir() || is_list(input) {
        let entries = sources::entries(input, columns)?;
        let set = images::load(&entries, pre, None)?;
        let ids = set.entries.iter().map(|e| e.id.clone()).collect();
        let labels = set.entries.iter().map(|e| e.label.clone()).collect();
        return Ok((set.images, ids, labels, set.bad));
    }
    if !input.exists() {
        return Err(Error::input(format!(
            "input {} does not exist (give an IDX image file, an image folder or a CSV image list)",
            input.display()
        )));
    }
    let x = read_idx(input)?;
    let x = match x.dim() {
        3 => x.unsqueeze(1),
        4 if matches!(x.size()[1], 1 | 3) => x,
        _ => {
            return Err(Error::parse(
                input,
                0,
                format!(
                    "expected IDX images [N, H, W] or [N, 1 or 3, H, W], found shape {:?}",
                    x.size()
                ),
            ))
        }
    };
    let x = if x.kind() == Kind::Uint8 {
        x.to_kind(Kind::Float) / 255.0
    } else {
        x.to_kind(Kind::Float)
    };
    let n = x.size()[0] as usize;
    let x = pre.apply(&x)?;
    Ok((
        x,
        (0..n).map(|i| i.to_string()).collect(),
        vec![None; n],
        vec![],
    ))
}

/// Labels from a separate file, by id: an IDX label file (ids = indices) or a CSV.
fn read_labels(path: &Path, columns: &ListColumns) -> Result<HashMap<String, String>> {
    if !is_list(path) {
        let y = read_idx(path)?;
        if y.dim() != 1 {
            return Err(Error::parse(
                path,
                0,
                format!("expected IDX labels [N], found shape {:?}", y.size()),
            ));
        }
        let v: Vec<i64> = Vec::try_from(y.to_kind(Kind::Int64))?;
        return Ok(v
            .into_iter()
            .enumerate()
            .map(|(i, l)| (i.to_string(), l.to_string()))
            .collect());
    }
    let rec = deepfield_core::fsutil::read_csv_records(path)?;
    let (id, label) = sources::list_columns(path, &rec.header, columns)?;
    let label = label.ok_or_else(|| {
        Error::parse(
            path,
            1,
            format!(
                "no label column (label/class/target/y/category, or --label-column); the header \
                 is {}",
                rec.header.join(",")
            ),
        )
    })?;
    let mut out = HashMap::new();
    let mut first_line = HashMap::new();
    for r in &rec.rows {
        let get = |c: usize| r.fields.get(c).map(|s| s.trim().to_string());
        match (get(id), get(label)) {
            (Some(i), Some(l)) if !i.is_empty() && !l.is_empty() => {
                if let Some(first) = first_line.insert(i.clone(), r.line) {
                    return Err(Error::parse(
                        path,
                        r.line as usize,
                        format!("`{i}` is labelled twice (first on line {first})"),
                    ));
                }
                out.insert(i, l);
            }
            _ => {
                return Err(Error::parse(
                    path,
                    r.line as usize,
                    "a row without an id or a label",
                ))
            }
        }
    }
    Ok(out)
}

/// Restore the model in `opts.model`, preprocess the input as it records, predict, score
/// against the labels where there are any, and write the predictions CSV to `opts.out`.
pub fn classify(models: &ModelRegistry, opts: &ClassifyOptions) -> Result<Classified> {
    let device = deepfield_core::device();
    let restored = models.restore(&opts.model, device)?;
    let (pre, names) = model_preprocess(&restored.config, &opts.model)?;
    let (x, ids, mut labels, bad) = load_input(&opts.input, &pre, &opts.columns)?;
    if let Some(file) = &opts.labels {
        let map = read_labels(file, &opts.columns)?;
        let basename = |id: &str| {
            Path::new(id)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        };
        for (id, l) in ids.iter().zip(labels.iter_mut()) {
            let hit = map
                .get(id)
                .or_else(|| basename(id).and_then(|b| map.get(&b)));
            *l =
                Some(hit.cloned().ok_or_else(|| {
                    Error::input(format!("{}: no label for `{id}`", file.display()))
                })?);
        }
    }
    let n = x.size()[0];
    let mut probs = Vec::new();
    tch::no_grad(|| -> Result<()> {
        let mut i = 0;
        while i < n {
            let b = (n - i).min(256);
            let xb = x.narrow(0, i, b).to_device(device);
            let out = restored.model.try_forward_t(&xb, None, false)?;
            if out.dim() != 2 {
                return Err(Error::input(format!(
                    "the model gives outputs of shape {:?}, not [N, classes]: not a classifier",
                    out.size()
                )));
            }
            probs.push(out.softmax(1, Kind::Double).to_device(Device::Cpu));
            i += b;
        }
        Ok(())
    })?;
    let p = Tensor::cat(&probs, 0);
    let k = p.size()[1] as usize;
    let class_names = names
        .filter(|v| v.len() == k)
        .unwrap_or_else(|| (0..k).map(|c| c.to_string()).collect());
    let flat: Vec<f64> = Vec::try_from(p.reshape([-1]))?;
    let probabilities: Vec<Vec<f64>> = flat.chunks(k).map(|c| c.to_vec()).collect();
    let predicted: Vec<usize> = probabilities
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(i, _)| i)
        })
        .collect();
    let truth: Option<Vec<usize>> = if labels.iter().all(Option::is_some) {
        let idx = labels
            .iter()
            .zip(&ids)
            .map(|(l, id)| {
                let l = l.as_deref().unwrap_or_default();
                // A class name, or else a class index (IDX label files hold indices).
                let by_index = l.parse::<usize>().ok().filter(|&i| i < class_names.len());
                class_names
                    .iter()
                    .position(|c| c == l)
                    .or(by_index)
                    .ok_or_else(|| {
                        Error::input(format!(
                            "`{id}`: label `{l}` is not one of the model's classes ({})",
                            class_names.join(", ")
                        ))
                    })
            })
            .collect::<Result<Vec<usize>>>()?;
        Some(idx)
    } else {
        None
    };
    let report = match &truth {
        Some(t) => {
            let yt: Vec<i64> = t.iter().map(|&c| c as i64).collect();
            let yp: Vec<i64> = predicted.iter().map(|&c| c as i64).collect();
            Some(classification_report(&yt, &yp, k)?)
        }
        None => None,
    };
    let mut header = vec!["id".to_string(), "predicted".to_string()];
    if truth.is_some() {
        header.push("label".into());
    }
    header.extend(class_names.iter().map(|c| format!("p_{c}")));
    let rows: Vec<Vec<String>> = (0..ids.len())
        .map(|i| {
            let mut r = vec![ids[i].clone(), class_names[predicted[i]].clone()];
            if let Some(t) = &truth {
                r.push(class_names[t[i]].clone());
            }
            r.extend(probabilities[i].iter().map(|p| format!("{p:.6}")));
            r
        })
        .collect();
    let csv = deepfield_core::fsutil::csv_string(&header, &rows)?;
    if let Some(out) = &opts.out {
        deepfield_core::fsutil::write_atomic(out, csv.as_bytes())?;
    }
    Ok(Classified {
        ids,
        predicted,
        probabilities,
        class_names,
        labels: truth,
        report,
        bad,
        csv,
    })
}

/// Explain a saved image classifier's predictions on a user's images (`deepfield-vision eval
/// explain`): `req.input` is an IDX image file, an image folder or a CSV image list, decoded and
/// preprocessed as the model's config records (as [`classify`] does), then explained by core's
/// shared implementation ([`deepfield_core::explain::run::explain_batch`]). Returns what was
/// written, the ids of the explained images (row order of the outputs) and the files that did
/// not decode.
pub fn explain_images(
    models: &ModelRegistry,
    req: &deepfield_core::explain::run::ExplainRequest,
    columns: &ListColumns,
) -> Result<(
    deepfield_core::explain::run::ExplainOutput,
    Vec<String>,
    Vec<BadFile>,
)> {
    let restored = models.restore(&req.model, Device::Cpu)?;
    let (pre, _) = model_preprocess(&restored.config, &req.model)?;
    let (x, ids, _, bad) = load_input(&req.input, &pre, columns)?;
    if ids.is_empty() {
        return Err(Error::input(format!(
            "{}: no image decoded ({} bad files)",
            req.input.display(),
            bad.len()
        )));
    }
    let out = deepfield_core::explain::run::explain_batch(models, req, &x, None, Some(&ids))?;
    Ok((out, ids, bad))
}
