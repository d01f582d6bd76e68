//! The `trsa` run: train LeNet-5, record its layers' responses to the stimuli, identify layers
//! from noisy measurements by RSA, tRSA and topology.

use tch::nn::VarStore;
use tch::{Kind, Tensor};

use deepfield_core::data::TensorDataset;
use deepfield_core::explain::rsa::compare::compare;
use deepfield_core::explain::rsa::rdm::{crossnobis, rdm};
use deepfield_core::explain::rsa::topology::{binarize, geotopological};
use deepfield_core::explain::rsa::{Comparator, Distance, Rdm};
use deepfield_core::metrics::accuracy;
use deepfield_core::models::{save_model, ModelConfig};
use deepfield_core::nn::capture::Capture;
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::{model_dir, ReproOptions};
use deepfield_core::train::{self, History, Task, Trainer};
use deepfield_core::Forward;

use super::{MethodCurve, TrsaConfig, TrsaMetrics};
use crate::data::mnist::{files, load_files, Dataset, Split};
use crate::models::lenet::LeNet5Config;
use crate::Result;

/// The compared methods: key, name.
pub const METHODS: [(&str, &str); 3] = [
    ("rsa", "RSA (geometry)"),
    ("trsa", "tRSA (geo-topological)"),
    ("topology", "topology (binarised)"),
];

/// One method's transform of an RDM.
fn transform(key: &str, cfg: &TrsaConfig, r: &Rdm) -> Result<Rdm> {
    Ok(match key {
        "rsa" => r.clone(),
        "trsa" => geotopological(r, cfg.gt_low, cfg.gt_up)?,
        _ => binarize(r, cfg.topology_quantile)?,
    })
}

/// What the report needs beyond the metrics.
pub struct Outcome {
    pub metrics: TrsaMetrics,
    pub history: History,
}

/// Train, record, identify.
pub fn execute(cfg: &TrsaConfig, opts: &ReproOptions) -> Result<Outcome> {
    let device = deepfield_core::device();
    deepfield_core::seed(cfg.seed);
    let dir = opts.dataset(&Dataset::Mnist.spec())?;
    let (img, lab) = files(&dir, Split::Train);
    let train_set = load_files(&img, &lab)?;
    let (img, lab) = files(&dir, Split::Test);
    let test_set = load_files(&img, &lab)?;
    let n = (cfg.train_images as i64).min(train_set.len() as i64);
    let data = TensorDataset::new(
        train_set.images.narrow(0, 0, n),
        train_set.labels.narrow(0, 0, n),
    )?;
    let mcfg = LeNet5Config::default();
    let mut vs = VarStore::new(device);
    let model = mcfg.build(&vs.root())?;
    let trainer = Trainer::new(cfg.train.clone(), Task::classification(10))?;
    let history = trainer.fit(&model, &mut vs, &data, None)?;
    let test = TensorDataset::new(
        test_set.images.shallow_clone(),
        test_set.labels.shallow_clone(),
    )?
    .to_device(device);
    let logits = train::predict(&model, &test, 512)?;
    let pred = Vec::<i64>::try_from(logits.argmax(1, false).to_device(tch::Device::Cpu))?;
    let truth = Vec::<i64>::try_from(&test_set.labels)?;
    let test_accuracy = accuracy(&truth, &pred)?;

    // Stimuli: the first `per_class` test digits of each class, grouped by class.
    let mut idx = Vec::new();
    for c in 0..10 {
        idx.extend(
            truth
                .iter()
                .enumerate()
                .filter(|(_, &y)| y == c)
                .take(cfg.per_class)
                .map(|(i, _)| i as i64),
        );
    }
    let stimuli = test_set
        .images
        .index_select(0, &Tensor::from_slice(&idx))
        .to_device(device);
    let cap = Capture::layers(cfg.layers.clone());
    let _ = tch::no_grad(|| cap.run(|| model.try_forward_t(&stimuli, None, false)))?;
    let mut reps = Vec::new();
    for l in &cfg.layers {
        let a = cap.activation(l).ok_or_else(|| {
            crate::Error::config(format!(
                "trsa: LeNet-5 has no layer {l:?}; its layers are {}",
                cap.seen().join(", ")
            ))
        })?;
        reps.push(
            a.flatten(1, -1)
                .to_kind(Kind::Double)
                .to_device(tch::Device::Cpu),
        );
    }
    let clean: Vec<Rdm> = reps
        .iter()
        .map(|r| rdm(r, Distance::SquaredEuclidean))
        .collect::<deepfield_core::Result<_>>()?;
    let mut layer_similarity = Vec::new();
    for a in &clean {
        let mut row = Vec::new();
        for b in &clean {
            row.push(compare(a, b, Comparator::WhitenedCosine)?);
        }
        layer_similarity.push(row);
    }

    // Noisy measurements: two repetitions of each stimulus, crossnobis between them.
    let s = idx.len();
    let conditions: Vec<usize> = (0..2 * s).map(|r| r % s).collect();
    let folds: Vec<usize> = (0..2 * s).map(|r| r / s).collect();
    let layers = cfg.layers.len();
    let mut hits = vec![vec![0usize; cfg.noise_levels.len()]; METHODS.len()];
    let models: Vec<Vec<Rdm>> = METHODS
        .iter()
        .map(|(k, _)| {
            clean
                .iter()
                .map(|r| transform(k, cfg, r))
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<_>>()?;
    for (li, rep) in reps.iter().enumerate() {
        let sd = rep.std(true).double_value(&[]).max(1e-12);
        for (ni, level) in cfg.noise_levels.iter().enumerate() {
            for _ in 0..cfg.trials {
                let both = Tensor::cat(&[rep, rep], 0);
                let noisy = &both + both.randn_like() * (level * sd);
                let measured = crossnobis(&noisy, &conditions, &folds, None)?;
                for (mi, (key, _)) in METHODS.iter().enumerate() {
                    let m = transform(key, cfg, &measured)?;
                    let mut best = (f64::NEG_INFINITY, usize::MAX);
                    for (cj, candidate) in models[mi].iter().enumerate() {
                        let v = compare(&m, candidate, Comparator::WhitenedCosine)?;
                        let v = if v.is_finite() { v } else { f64::NEG_INFINITY };
                        if v > best.0 {
                            best = (v, cj);
                        }
                    }
                    hits[mi][ni] += usize::from(best.1 == li);
                }
            }
        }
    }
    let total = (layers * cfg.trials) as f64;
    let methods = METHODS
        .iter()
        .zip(&hits)
        .map(|((k, name), h)| MethodCurve {
            key: k.to_string(),
            name: name.to_string(),
            accuracy: h.iter().map(|&x| x as f64 / total).collect(),
        })
        .collect();
    let metrics = TrsaMetrics {
        test_accuracy,
        stimuli: s,
        layers: cfg.layers.clone(),
        noise_levels: cfg.noise_levels.clone(),
        chance: 1.0 / layers as f64,
        methods,
        layer_similarity,
        seed: cfg.seed,
    };
    save_model(&model_dir(&opts.out), &vs, &mcfg, Some(&metrics))?;
    Ok(Outcome { metrics, history })
}

/// The run: [`execute`], then plots and the report.
pub fn run(cfg: &TrsaConfig, opts: &ReproOptions) -> Result<TrsaMetrics> {
    let results = ResultsDir::at(&opts.out)?;
    let outcome = execute(cfg, opts)?;
    train::write_histories_csv(
        &results.file("history.csv"),
        &[("lenet5".to_string(), &outcome.history)],
    )?;
    super::report::write(cfg, &outcome.metrics, &results)?;
    Ok(outcome.metrics)
}
