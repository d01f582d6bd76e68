//! The `galaxy-rotinv` run: decode and split the images, train every variant, score it at every
//! test-time rotation, save the models, plot and write the report.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use tch::nn::VarStore;
use tch::{Kind, Tensor};

use deepfield_core::data::dataset::index_tensor;
use deepfield_core::data::dir::DatasetSpec;
use deepfield_core::data::{stratified_split, Batch, TensorDataset};
use deepfield_core::metrics::{accuracy, classification_report};
use deepfield_core::models::save_model;
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::{variant_dir, ReproOptions};
use deepfield_core::train::{
    self, write_histories_csv, FnSource, ForwardStep, History, Task, Trainer, Validation,
};
use deepfield_core::Rng;

use super::{GalaxyConfig, GalaxyMetrics, Goals, Variant, VariantResult};
use crate::augment::{rotate, RandomAffine};
use crate::data::{images, sources, ListColumns, Preprocess};
use crate::models::rotinv::{RotInvCnn, RotInvCnnConfig};
use crate::Result;

/// The dataset folder and what it must hold.
pub const GALAXY: DatasetSpec = DatasetSpec {
    name: "galaxy_zoo1_subset",
    files: &["labels.csv", "images"],
    source: "GitHub Eggochi/Proyecto_Galaxias commit 5226e5e4 (smallGZ1: SDSS DR7 cut-outs with \
             Galaxy Zoo 1 classes), subset rule in galaxy_zoo1_subset/SOURCE.md",
};

/// The six classes, index = the `CLASS` value of labels.csv.
pub const CLASS_NAMES: [&str; 6] = [
    "elliptical",
    "spiral CW",
    "spiral ACW",
    "edge-on",
    "don't know",
    "merger",
];

/// Where decoded images are cached: `$DEEPFIELD_CACHE/vision`, else the system's temporary
/// folder `deepfield-cache/vision`.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("DEEPFIELD_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("deepfield-cache"))
        .join("vision")
}

/// The decoded, normalised images and labels.
pub(super) struct Prepared {
    pub x: Tensor,
    pub y: Vec<i64>,
    pub preprocess: Preprocess,
    pub bad_files: usize,
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
    pub dir: PathBuf,
}

fn prepare(cfg: &GalaxyConfig, opts: &ReproOptions) -> Result<Prepared> {
    let dir = opts.dataset(&GALAXY)?;
    let entries = sources::list(&dir.join("labels.csv"), &ListColumns::default())?;
    let mut pre = Preprocess {
        mean: vec![0.0],
        std: vec![1.0],
        ..cfg.preprocess.clone()
    };
    let set = images::load(&entries, &pre, Some(&cache_dir()))?;
    let codes: Vec<String> = (0..CLASS_NAMES.len()).map(|c| c.to_string()).collect();
    let y: Vec<i64> = Vec::try_from(set.label_indices(&codes)?)?;
    let split = stratified_split(&y, cfg.val_frac, cfg.test_frac, cfg.seed)?;
    // Per-channel statistics of the training images only.
    let xtr = set
        .images
        .index_select(0, &index_tensor(&split.train, tch::Device::Cpu));
    let dims = [0i64, 2, 3];
    let mean: Vec<f64> = Vec::try_from(xtr.mean_dim(dims.as_slice(), false, Kind::Double))?;
    let std: Vec<f64> = Vec::try_from(xtr.std_dim(dims.as_slice(), true, false))?;
    pre.mean = mean;
    pre.std = std.iter().map(|s| s.max(1e-6)).collect();
    Ok(Prepared {
        x: pre.normalise(&set.images),
        y,
        preprocess: pre,
        bad_files: set.bad.len(),
        train: split.train,
        val: split.val,
        test: split.test,
        dir,
    })
}

fn pick(x: &Tensor, y: &[i64], idx: &[usize]) -> (Tensor, Tensor) {
    let device = x.device();
    let xi = x.index_select(0, &index_tensor(idx, device));
    let yi: Vec<i64> = idx.iter().map(|&i| y[i]).collect();
    (xi, Tensor::from_slice(&yi).to_device(device))
}

/// Class predictions of `model` on `x` (core's batched, gradient-free [`train::predict`]).
pub(super) fn predict(model: &RotInvCnn, x: &Tensor) -> Result<Vec<i64>> {
    let n = x.size()[0];
    // `predict` batches a dataset; the targets are not read.
    let ds = TensorDataset::new(
        x.shallow_clone(),
        Tensor::zeros([n], (Kind::Int64, x.device())),
    )?;
    let logits = train::predict(model, &ds, 256)?;
    Ok(Vec::<i64>::try_from(
        logits.argmax(1, false).to_device(tch::Device::Cpu),
    )?)
}

/// One trained variant, with what the report and plots need.
pub(super) struct Trained {
    pub result: VariantResult,
    pub history: History,
    pub config: RotInvCnnConfig,
    pub vs: VarStore,
}

fn train_variant(
    cfg: &GalaxyConfig,
    data: &Prepared,
    k: usize,
    v: &Variant,
    angles: &[f64],
) -> Result<Trained> {
    let device = deepfield_core::device();
    deepfield_core::seed(cfg.seed.wrapping_add(k as u64));
    let mcfg = RotInvCnnConfig {
        cyclic: v.cyclic,
        pool: cfg.pool,
        input: cfg.preprocess.height as i64,
        part: cfg.part,
        filters: cfg.filters,
        hidden: cfg.hidden,
        dropout: cfg.dropout,
        classes: CLASS_NAMES.len() as i64,
        class_names: (0..CLASS_NAMES.len()).map(|c| c.to_string()).collect(),
        preprocess: data.preprocess.clone(),
    };
    let mut vs = VarStore::new(device);
    let model = deepfield_core::models::ModelConfig::build(&mcfg, &vs.root())?;
    let parameters: usize = vs.trainable_variables().iter().map(|t| t.numel()).sum();
    let x = data.x.to_device(device);
    let (xtr, ytr) = pick(&x, &data.y, &data.train);
    let (xva, _) = pick(&x, &data.y, &data.val);
    let yva: Vec<i64> = data.val.iter().map(|&i| data.y[i]).collect();
    let task = Task::classification(CLASS_NAMES.len());
    let trainer = Trainer::new(cfg.train.clone(), task.clone())?;
    let loss_fn = task.loss_fn(device);
    let mut step = ForwardStep {
        model: &model,
        loss: |out: &Tensor, b: &Batch| loss_fn.compute(out, &b.y, None),
    };
    let mut rng = Rng::new(cfg.seed.wrapping_mul(31).wrapping_add(k as u64 + 1));
    let aug = RandomAffine::rotation(0.0, 360.0);
    let bs = cfg.train.batch_size;
    let n = data.train.len();
    let mut source = FnSource(|_epoch: usize| -> deepfield_core::Result<Vec<Batch>> {
        let perm = rng.permutation(n);
        let mut out = Vec::new();
        for chunk in perm.chunks(bs) {
            let idx = index_tensor(chunk, device);
            let mut xb = xtr.index_select(0, &idx);
            if v.augment {
                xb = aug.apply(&xb, &mut rng)?;
            }
            out.push(Batch {
                x: xb,
                y: ytr.index_select(0, &idx),
                mask: None,
            });
        }
        Ok(out)
    });
    let mut validate = |s: &ForwardStep<'_, RotInvCnn, _>| -> deepfield_core::Result<Validation> {
        let pred = predict(s.model, &xva)?;
        Ok(Validation {
            loss: None,
            metrics: BTreeMap::from([("accuracy".to_string(), accuracy(&yva, &pred)?)]),
        })
    };
    let started = Instant::now();
    let history = trainer.fit_steps(
        &mut step,
        &mut vs,
        &mut source,
        Some(&mut validate),
        &mut [],
    )?;
    let train_seconds = started.elapsed().as_secs_f64();

    let (xte, _) = pick(&x, &data.y, &data.test);
    let yte: Vec<i64> = data.test.iter().map(|&i| data.y[i]).collect();
    let mut by_angle = Vec::with_capacity(angles.len());
    let mut at_zero = None;
    for &a in angles {
        let xr = if a == 0.0 {
            xte.shallow_clone()
        } else {
            rotate(&xte, a)?
        };
        let pred = predict(&model, &xr)?;
        by_angle.push(accuracy(&yte, &pred)?);
        if a == 0.0 {
            at_zero = Some(pred);
        }
    }
    let pred0 = match at_zero {
        Some(p) => p,
        None => predict(&model, &xte)?,
    };
    let rep = classification_report(&yte, &pred0, CLASS_NAMES.len())?;
    let min = by_angle.iter().copied().fold(f64::INFINITY, f64::min);
    let max = by_angle.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = by_angle.iter().sum::<f64>() / by_angle.len().max(1) as f64;
    let result = VariantResult {
        key: v.key.clone(),
        name: v.name(),
        cyclic: v.cyclic,
        augment: v.augment,
        parameters,
        epochs_run: history.epochs.len(),
        train_seconds,
        accuracy: rep.accuracy,
        f1_macro: rep.f1_macro,
        balanced_accuracy: rep.balanced_accuracy,
        confusion: rep.confusion,
        accuracy_by_angle: by_angle,
        angle_mean: mean,
        angle_min: min,
        angle_max: max,
        angle_spread: max - min,
        angle_drop: rep.accuracy - min,
    };
    Ok(Trained {
        result,
        history,
        config: mcfg,
        vs,
    })
}

fn goals(variants: &[VariantResult]) -> Goals {
    let get = |cyclic: bool, augment: bool| {
        variants
            .iter()
            .find(|v| v.cyclic == cyclic && v.augment == augment)
    };
    let best_rotinv = variants
        .iter()
        .filter(|v| v.cyclic)
        .map(|v| v.angle_mean)
        .fold(f64::NEG_INFINITY, f64::max);
    let best_plain = variants
        .iter()
        .filter(|v| !v.cyclic)
        .map(|v| v.angle_mean)
        .fold(f64::NEG_INFINITY, f64::max);
    Goals {
        rotinv_spread_le_1pt: get(true, true).is_some_and(|v| v.angle_spread <= 0.01),
        plain_drop_ge_10pt: get(false, false).is_some_and(|v| v.angle_drop >= 0.10),
        rotinv_most_accurate: best_rotinv > best_plain,
    }
}

/// Run the whole reproduction into `opts.out`.
pub fn run(cfg: &GalaxyConfig, opts: &ReproOptions) -> Result<GalaxyMetrics> {
    cfg.validate()?;
    let results = ResultsDir::at(&opts.out)?;
    let data = prepare(cfg, opts)?;
    let steps = (360.0 / cfg.angle_step).round() as usize;
    let angles: Vec<f64> = (0..steps).map(|i| i as f64 * cfg.angle_step).collect();
    let mut trained = Vec::new();
    for (k, v) in cfg.variants.iter().enumerate() {
        let t = train_variant(cfg, &data, k, v, &angles)?;
        eprintln!(
            "galaxy-rotinv: {} — accuracy {:.3}, macro-F1 {:.3}, angles {:.3}–{:.3} ({} epochs, {:.0} s)",
            v.key,
            t.result.accuracy,
            t.result.f1_macro,
            t.result.angle_min,
            t.result.angle_max,
            t.result.epochs_run,
            t.result.train_seconds
        );
        trained.push(t);
    }
    let mut class_counts = vec![0usize; CLASS_NAMES.len()];
    for &c in &data.y {
        class_counts[c as usize] += 1;
    }
    let mut train_counts = vec![0usize; CLASS_NAMES.len()];
    for &i in &data.train {
        train_counts[data.y[i] as usize] += 1;
    }
    let majority = (0..train_counts.len())
        .max_by_key(|&c| train_counts[c])
        .unwrap_or(0) as i64;
    let majority_rate = data.test.iter().filter(|&&i| data.y[i] == majority).count() as f64
        / data.test.len().max(1) as f64;
    let variants: Vec<VariantResult> = trained.iter().map(|t| t.result.clone()).collect();
    let metrics = GalaxyMetrics {
        data: format!("{} (labels.csv + images/)", data.dir.display()),
        images: data.y.len(),
        bad_files: data.bad_files,
        classes: CLASS_NAMES.iter().map(|s| s.to_string()).collect(),
        class_counts,
        train: data.train.len(),
        validation: data.val.len(),
        test: data.test.len(),
        majority_rate,
        angles,
        goals: goals(&variants),
        variants,
        seed: cfg.seed,
    };
    for (k, t) in trained.iter().enumerate() {
        let dir = variant_dir(&opts.out, &t.result.key, k == 0);
        save_model(&dir, &t.vs, &t.config, Some(&t.result))?;
    }
    let runs: Vec<(String, &History)> = trained
        .iter()
        .map(|t| (t.result.key.clone(), &t.history))
        .collect();
    write_histories_csv(&results.file("history.csv"), &runs)?;
    super::report::write_plots(&metrics, &results)?;
    super::report::write(cfg, &metrics, &results)?;
    Ok(metrics)
}
