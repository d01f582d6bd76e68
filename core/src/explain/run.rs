//! `explain`: one implementation behind every domain binary's `explain` command. It restores any
//! registered model, reads a batch from a safetensors file (as `forward` does), runs one
//! method and writes the results atomically into a folder:
//!
//! * `attributions.safetensors` — `attributions` (input-shaped, or the map `[B, spatial…]` for
//!   CAMs) and `targets`;
//! * `scores.csv` — per example: the explained output index, its score, and for integrated
//!   gradients the completeness delta; for tabular inputs one column per feature;
//! * `explain.json` — what ran (model kind, method, layer, settings);
//! * PNG heat maps (with the `plots` feature): one per example for 2-D maps and images, one for
//!   the whole batch for 1-D attributions.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::cam::{class_activation_map_of, CamMethod};
use super::{
    input_x_gradient, saliency, Inputs, IntegratedGradients, Noise, NoiseTunnel, Smoothing, Target,
};
use crate::models::ModelRegistry;
use crate::{Error, Forward, Result};

/// The methods `explain` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// |∂y/∂x|.
    Saliency,
    /// x · ∂y/∂x.
    InputXGradient,
    /// Integrated gradients (Gauss–Legendre, `--steps`, zero baseline).
    IntegratedGradients,
    /// SmoothGrad of the gradient (`--samples`, `--noise` × input range).
    Smoothgrad,
    /// CAM (needs `--fc-weight`, the classifier weight after global pooling).
    Cam,
    /// Grad-CAM.
    Gradcam,
    /// Grad-CAM++.
    #[cfg_attr(feature = "cli", value(name = "gradcam++"))]
    #[serde(rename = "gradcam++")]
    GradcamPlusPlus,
    /// Smooth Grad-CAM++ (`--samples`, `--noise` as σ).
    #[cfg_attr(feature = "cli", value(name = "smooth-gradcam++"))]
    #[serde(rename = "smooth-gradcam++")]
    SmoothGradcamPlusPlus,
    /// Score-CAM.
    Scorecam,
    /// KernelSHAP against `--background` rows (`--shap-samples` coalitions, `--patch` for
    /// images); any model, differentiable or not.
    KernelShap,
    /// Permutation SHAP (`--shap-samples` orders, each forwards and backwards).
    PermutationShap,
    /// Exact Shapley values over every coalition (at most 20 features or patches).
    ExactShap,
}

impl Method {
    /// Whether the method maps a captured layer (and so needs `layer`).
    pub fn is_cam(self) -> bool {
        matches!(
            self,
            Method::Cam
                | Method::Gradcam
                | Method::GradcamPlusPlus
                | Method::SmoothGradcamPlusPlus
                | Method::Scorecam
        )
    }

    /// The SHAP estimator of a SHAP method.
    pub fn shap(self) -> Option<super::shap::batch::Estimator> {
        use super::shap::batch::Estimator;
        match self {
            Method::KernelShap => Some(Estimator::Kernel),
            Method::PermutationShap => Some(Estimator::Permutation),
            Method::ExactShap => Some(Estimator::Exact),
            _ => None,
        }
    }
}

/// One `explain` request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExplainRequest {
    /// The model folder.
    pub model: PathBuf,
    /// safetensors file with `input` (or its only tensor) and optionally `mask`.
    pub input: PathBuf,
    /// Output folder.
    pub out: PathBuf,
    /// The method.
    pub method: Method,
    /// Explained output index; `None`: each example's predicted class.
    pub class: Option<i64>,
    /// Captured layer for CAM methods; `None`: the last captured layer with a spatial map.
    pub layer: Option<String>,
    /// Integration steps (integrated gradients).
    pub steps: usize,
    /// Noisy samples (SmoothGrad, Smooth Grad-CAM++).
    pub samples: usize,
    /// Noise: a fraction of each input's range (SmoothGrad) or σ (Smooth Grad-CAM++).
    pub noise: f64,
    /// Name of the classifier weight variable for CAM (e.g. `head.out.weight`).
    pub fc_weight: Option<String>,
    /// At most this many heat-map PNGs.
    pub max_images: usize,
    /// CAM methods: only these feature maps of the layer (0-based); `None`: all.
    #[serde(default)]
    pub channels: Option<Vec<i64>>,
    /// SHAP methods: safetensors file with the background rows (`background`, `input` or its
    /// only tensor), shaped like the input's examples.
    #[serde(default)]
    pub background: Option<PathBuf>,
    /// SHAP methods on images `[C, H, W]`: square patches of this side are the features.
    #[serde(default)]
    pub patch: Option<usize>,
    /// SHAP methods: coalitions (kernel) or orders (permutation); 0: the default.
    #[serde(default)]
    pub shap_samples: usize,
    /// Seed of the sampled SHAP estimators.
    #[serde(default)]
    pub seed: u64,
    /// Explain these neurons of a layer (their summed activation) instead of an output.
    #[serde(default)]
    pub neurons: Option<super::Neurons>,
}

/// What `explain` wrote.
#[derive(Debug)]
pub struct ExplainOutput {
    /// Examples explained.
    pub examples: usize,
    /// The layer a CAM method used.
    pub layer: Option<String>,
    /// Every file written, inside the output folder (without `ids.txt`).
    pub files: Vec<PathBuf>,
}

impl ExplainOutput {
    /// The line a command prints: `3 images explained at layer blocks.1 (1 skipped); 6 files
    /// and ids.txt in out/` (`what` names the examples, `skipped` the inputs left out).
    pub fn summary(&self, what: &str, skipped: usize, out: &Path) -> String {
        format!(
            "{} {what} explained{} ({skipped} skipped); {} files and ids.txt in {}",
            self.examples,
            self.layer
                .as_ref()
                .map(|l| format!(" at layer {l}"))
                .unwrap_or_default(),
            self.files.len(),
            out.display()
        )
    }
}

fn read_input(path: &Path) -> Result<(Tensor, Option<Tensor>)> {
    read_named(path, "input")
}

/// The tensor `name` of a safetensors file (or `input`, or its only tensor), floating point,
/// and the file's `mask` if it has one.
fn read_named(path: &Path, name: &str) -> Result<(Tensor, Option<Tensor>)> {
    let tensors = crate::checkpoint::read_tensors(path)?;
    let x = crate::checkpoint::pick_named(&tensors, &[name, "input"], path)?;
    if !matches!(x.kind(), Kind::Float | Kind::Double) {
        return Err(Error::input(format!(
            "{}: `{name}` is {:?}; explanations need a floating-point input",
            path.display(),
            x.kind()
        )));
    }
    let mask = tensors
        .iter()
        .find(|(n, _)| n == "mask")
        .map(|(_, m)| m.to_kind(Kind::Bool));
    Ok((x, mask))
}

/// The last captured layer with a channels-first spatial map `[B, K, …]` in a forward pass.
fn default_layer(model: &dyn Forward, inputs: Inputs) -> Result<String> {
    let cap = crate::nn::capture::Capture::all();
    let _ = tch::no_grad(|| cap.run(|| model.try_forward_t(inputs.xs, inputs.mask, false)))?;
    cap.seen()
        .into_iter()
        .rev()
        .find(|n| cap.activations(n).len() == 1 && cap.activation(n).is_some_and(|a| a.dim() >= 3))
        .ok_or_else(|| {
            Error::input(format!(
                "the model has no captured feature map [B, K, spatial…] for a CAM; captured \
                 layers: {}",
                cap.seen().join(", ")
            ))
        })
}

/// Run one `explain` request with the models of `registry`, its input read from the
/// safetensors file `req.input`.
pub fn explain(registry: &ModelRegistry, req: &ExplainRequest) -> Result<ExplainOutput> {
    let (x, mask) = read_input(&req.input)?;
    explain_batch(registry, req, &x, mask.as_ref(), None)
}

/// [`explain`] on a batch already in memory — what a domain's own reader made of the user's
/// files (images, recordings, genomes); `req.input` is only recorded. `ids` (one per row, e.g.
/// the files read) are written as `ids.txt` in the same output folder.
pub fn explain_batch(
    registry: &ModelRegistry,
    req: &ExplainRequest,
    x: &Tensor,
    mask: Option<&Tensor>,
    ids: Option<&[String]>,
) -> Result<ExplainOutput> {
    if !matches!(x.kind(), Kind::Float | Kind::Double) {
        return Err(Error::input(format!(
            "{}: the input is {:?}; explanations need a floating-point input",
            req.input.display(),
            x.kind()
        )));
    }
    let restored = registry.restore(&req.model, crate::device())?;
    let device = restored.vs.device();
    let (x, mask) = (x.to_device(device), mask.map(|m| m.to_device(device)));
    let wrapped;
    let model: &dyn Forward = match &req.neurons {
        None => &*restored.model,
        Some(n) => {
            if req.class.is_some() {
                return Err(Error::input(
                    "explain either an output (--class) or neurons (--neuron-layer), not both",
                ));
            }
            wrapped = super::NeuronTarget {
                model: &*restored.model,
                neurons: n.clone(),
            };
            &wrapped
        }
    };
    let inputs = Inputs {
        xs: &x,
        mask: mask.as_ref(),
    };
    let b = x.size().first().copied().unwrap_or(0);
    if b == 0 {
        return Err(Error::input(format!(
            "{}: the batch is empty",
            req.input.display()
        )));
    }
    let out = tch::no_grad(|| model.try_forward_t(&x, mask.as_ref(), false))?;
    let target = match req.class {
        Some(c) => Target::Class(c),
        None => Target::Predicted,
    }
    .resolve(&out, b)?;
    let scores = Vec::<f64>::try_from(
        target
            .select(&out, b)?
            .to_kind(Kind::Double)
            .to_device(Device::Cpu),
    )?;
    let classes: Vec<i64> = match &target {
        Target::Classes(cs) => cs.clone(),
        Target::Class(c) => vec![*c; b as usize],
        Target::Predicted => Vec::new(),
    };

    let mut layer = None;
    let mut delta = None;
    let mut base = None;
    let attributions = match req.method {
        m if m.shap().is_some() => {
            let (bg, estimator) = (shap_background(req)?, m.shap());
            if mask.is_some() {
                return Err(Error::input(format!(
                    "{}: SHAP does not take padded sequences (a `mask`): explain equal-length \
                     examples",
                    req.input.display()
                )));
            }
            let all: Vec<i64> = match &target {
                Target::Classes(cs) => cs.clone(),
                Target::Class(c) => vec![*c; b as usize],
                Target::Predicted => Vec::new(),
            };
            let (a, bases) = super::shap::batch::shap_batch(
                model,
                &x,
                &all,
                &bg.to_device(device),
                &super::shap::batch::BatchShap {
                    estimator: estimator.unwrap_or(super::shap::batch::Estimator::Kernel),
                    samples: req.shap_samples,
                    patch: req.patch,
                    seed: req.seed,
                },
            )?;
            base = Some(bases);
            a
        }
        Method::Saliency => saliency(model, inputs, &target, true)?,
        Method::InputXGradient => input_x_gradient(model, inputs, &target)?,
        Method::IntegratedGradients => {
            let r = IntegratedGradients {
                steps: req.steps,
                ..Default::default()
            }
            .attribute(model, inputs, &target)?;
            delta = Some(Vec::<f64>::try_from(r.delta.to_device(Device::Cpu))?);
            r.attributions
        }
        Method::Smoothgrad => NoiseTunnel {
            samples: req.samples,
            noise: Noise::Relative(req.noise),
            smoothing: Smoothing::SmoothGrad,
        }
        .attribute(inputs, |i| saliency(model, i, &target, false))?,
        m => {
            let name = match &req.layer {
                Some(l) => l.clone(),
                None => default_layer(model, inputs)?,
            };
            let method = match m {
                Method::Cam => {
                    let w = req.fc_weight.as_deref().ok_or_else(|| {
                        Error::input(
                            "CAM needs --fc-weight, the name of the classifier weight after \
                             global pooling (see `inspect`)",
                        )
                    })?;
                    let vars = restored.vs.variables();
                    let t = vars.get(w).ok_or_else(|| {
                        Error::input(format!("the model has no variable {w:?} (see `inspect`)"))
                    })?;
                    CamMethod::Cam {
                        fc_weight: t.shallow_clone(),
                    }
                }
                Method::Gradcam => CamMethod::GradCam,
                Method::GradcamPlusPlus => CamMethod::GradCamPlusPlus,
                Method::SmoothGradcamPlusPlus => CamMethod::SmoothGradCamPlusPlus {
                    samples: req.samples,
                    std: req.noise,
                },
                _ => CamMethod::ScoreCam { batch_size: 32 },
            };
            let maps = class_activation_map_of(
                model,
                inputs,
                &name,
                &target,
                &method,
                true,
                req.channels.as_deref(),
            )?;
            layer = Some(name);
            maps
        }
    };
    let attributions = attributions.detach().to_device(Device::Cpu);
    if let Some(ids) = ids.filter(|ids| ids.len() as i64 != b) {
        return Err(Error::input(format!(
            "{} ids for a batch of {b}",
            ids.len()
        )));
    }
    crate::fsutil::write_dir_atomic(&req.out, |tmp| {
        if let Some(ids) = ids {
            crate::fsutil::write_atomic(
                &tmp.join("ids.txt"),
                format!("{}\n", ids.join("\n")).as_bytes(),
            )?;
        }
        fill(
            tmp,
            req,
            &restored.kind,
            &attributions,
            &classes,
            &scores,
            delta.as_deref(),
            base.as_deref(),
            layer,
        )
    })
}

/// The background rows of a SHAP request.
fn shap_background(req: &ExplainRequest) -> Result<Tensor> {
    let path = req.background.as_ref().ok_or_else(|| {
        Error::input(
            "SHAP needs --background FILE: a safetensors file with background rows shaped like \
             the input's examples (50–100 training examples are the usual choice)",
        )
    })?;
    Ok(read_named(path, "background")?.0)
}

/// Write every output into the (partial) folder `tmp`.
#[allow(clippy::too_many_arguments)]
fn fill(
    tmp: &Path,
    req: &ExplainRequest,
    kind: &str,
    attributions: &Tensor,
    classes: &[i64],
    scores: &[f64],
    delta: Option<&[f64]>,
    base: Option<&[f64]>,
    layer: Option<String>,
) -> Result<ExplainOutput> {
    let b = attributions.size()[0];
    let mut files = Vec::new();
    let targets = Tensor::from_slice(classes);
    let path = tmp.join("attributions.safetensors");
    crate::checkpoint::write_tensors(
        &path,
        &[("attributions", attributions), ("targets", &targets)],
    )?;
    files.push(PathBuf::from("attributions.safetensors"));

    // scores.csv: row, target, score [, delta] [, one column per feature for tabular input].
    let per_example = attributions.view([b, -1]).to_kind(Kind::Double);
    let features = per_example.size()[1];
    let tabular = attributions.dim() == 2 && !req.method.is_cam() && features <= 1024;
    let mut header = vec!["row".to_string(), "target".into(), "score".into()];
    if delta.is_some() {
        header.push("delta".into());
    }
    if base.is_some() {
        header.push("base".into());
    }
    if tabular {
        header.extend((0..features).map(|j| format!("feature_{j}")));
    }
    let values = Vec::<f64>::try_from(per_example.flatten(0, -1))?;
    let rows: Vec<Vec<String>> = (0..b as usize)
        .map(|i| {
            let mut r = vec![i.to_string(), classes[i].to_string(), scores[i].to_string()];
            if let Some(d) = delta {
                r.push(d[i].to_string());
            }
            if let Some(v) = base {
                r.push(v[i].to_string());
            }
            if tabular {
                let f = features as usize;
                r.extend(values[i * f..(i + 1) * f].iter().map(|v| v.to_string()));
            }
            r
        })
        .collect();
    crate::fsutil::write_csv(&tmp.join("scores.csv"), &header, &rows)?;
    files.push(PathBuf::from("scores.csv"));

    #[cfg(feature = "plots")]
    files.extend(heat_maps(tmp, req, attributions, classes)?);

    let record = serde_json::json!({
        "model": req.model, "kind": kind, "input": req.input, "method": req.method,
        "layer": layer, "class": req.class, "steps": req.steps, "samples": req.samples,
        "noise": req.noise, "channels": req.channels, "examples": b,
        "background": req.background, "patch": req.patch, "shap_samples": req.shap_samples,
        "seed": req.seed, "neurons": req.neurons,
    });
    crate::fsutil::write_json(&tmp.join("explain.json"), &record)?;
    files.push(PathBuf::from("explain.json"));
    Ok(ExplainOutput {
        examples: b as usize,
        layer,
        files,
    })
}

/// Heat maps: per example for 2-D maps and images (channels summed in absolute value), one
/// for the batch when each example's attribution is 1-D.
#[cfg(feature = "plots")]
fn heat_maps(
    dir: &Path,
    req: &ExplainRequest,
    a: &Tensor,
    classes: &[i64],
) -> Result<Vec<PathBuf>> {
    use crate::report::plots::heatmap;
    let rows_of = |t: &Tensor| -> Result<Vec<Vec<f64>>> {
        let t = t.to_kind(Kind::Double);
        let cols = t.size()[1];
        let v = Vec::<f64>::try_from(t.flatten(0, -1))?;
        Ok(v.chunks(cols as usize).map(<[f64]>::to_vec).collect())
    };
    let mut files = Vec::new();
    let name = format!("{:?}", req.method).to_lowercase();
    match a.dim() {
        2 => {
            let shown = a.narrow(0, 0, a.size()[0].min(req.max_images.max(1) as i64 * 8));
            let file = "heatmap.png";
            heatmap(
                &dir.join(file),
                &format!("{name}: attributions per example"),
                &rows_of(&shown)?,
                "feature / position",
                "example",
            )?;
            files.push(PathBuf::from(file));
        }
        3 | 4 => {
            for (i, class) in classes.iter().enumerate().take(req.max_images) {
                let m = a.get(i as i64);
                let m = if m.dim() == 3 {
                    m.abs().sum_dim_intlist(0, false, Kind::Double)
                } else {
                    m
                };
                let file = format!("heatmap_{i:03}.png");
                heatmap(
                    &dir.join(&file),
                    &format!("{name}: example {i}, output {class}"),
                    &rows_of(&m)?,
                    "column (pixels or steps)",
                    "row",
                )?;
                files.push(PathBuf::from(file));
            }
        }
        _ => {}
    }
    Ok(files)
}
