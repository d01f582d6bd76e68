//! The `lie-equivariant` run: load MNIST, generate the affNIST-style test sets, train every
//! variant on the centred training digits (the augmented one on fresh affNIST-recipe maps of
//! every batch), score it on MNIST, affNIST and the strength curve, save the models, plot and
//! write the report.

use std::time::Instant;

use tch::nn::VarStore;
use tch::{Kind, Tensor};

use deepfield_core::data::dataset::index_tensor;
use deepfield_core::data::{Batch, TensorDataset};
use deepfield_core::metrics::accuracy;
use deepfield_core::models::{save_model, ModelConfig};
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::{variant_dir, ReproOptions};
use deepfield_core::train::{
    self, write_histories_csv, FnSource, ForwardStep, History, Task, Trainer,
};
use deepfield_core::Rng;

use super::{Goals, LieConfig, LieMetrics, Variant, VariantResult, PAPER_AFFINE_GL2};
use crate::data::affnist::{self, AffnistRecipe, FRAME};
use crate::data::mnist::{self, Dataset, Split};
use crate::data::Preprocess;
use crate::models::liecnn::{Group, LieCnn, LieCnnConfig};
use crate::Result;

/// Digits `[N, 1, 28, 28]` in `[0, 1]` and labels, cut to the first `n`.
fn digits(dir: &std::path::Path, split: Split, n: usize) -> Result<(Tensor, Vec<i64>)> {
    let (images, labels) = mnist::files(dir, split);
    let d = mnist::load_files(&images, &labels)?;
    let n = (n.min(d.len())) as i64;
    let y: Vec<i64> = Vec::try_from(d.labels.narrow(0, 0, n))?;
    Ok((d.images.narrow(0, 0, n), y))
}

/// Centre 28×28 digits in the 40×40 frame.
fn centred(x: &Tensor) -> Tensor {
    let p = (FRAME - 28) / 2;
    x.constant_pad_nd([p, p, p, p])
}

/// Class predictions of `model` on frame images in `[0, 1]`.
pub(super) fn predict(model: &LieCnn, pre: &Preprocess, x: &Tensor) -> Result<Vec<i64>> {
    let n = x.size()[0];
    let ds = TensorDataset::new(
        pre.normalise(x),
        Tensor::zeros([n], (Kind::Int64, x.device())),
    )?;
    let logits = train::predict(model, &ds, 200)?;
    Ok(Vec::<i64>::try_from(
        logits.argmax(1, false).to_device(tch::Device::Cpu),
    )?)
}

/// The generated test sets.
struct TestSets {
    mnist: Tensor,
    affnist: Tensor,
    y: Vec<i64>,
    /// One per strength, over the first `curve_size` digits.
    curve: Vec<Tensor>,
}

fn test_sets(cfg: &LieConfig, x: &Tensor, y: Vec<i64>) -> Result<TestSets> {
    let mut rng = Rng::new(cfg.test_seed);
    let affnist = affnist::generate(x, &cfg.recipe, &mut rng)?.images;
    let xc = x.narrow(0, 0, cfg.curve_size as i64);
    let curve = cfg
        .strengths
        .iter()
        .map(|&s| {
            let recipe = AffnistRecipe {
                strength: s,
                ..cfg.recipe
            };
            let mut rng = Rng::new(cfg.test_seed.wrapping_add((s * 1000.0) as u64 + 1));
            Ok(affnist::generate(&xc, &recipe, &mut rng)?.images)
        })
        .collect::<Result<_>>()?;
    Ok(TestSets {
        mnist: centred(x),
        affnist,
        y,
        curve,
    })
}

struct Trained {
    result: VariantResult,
    history: History,
    config: LieCnnConfig,
    vs: VarStore,
}

fn train_variant(
    cfg: &LieConfig,
    k: usize,
    v: &Variant,
    xtr: &Tensor,
    ytr: &Tensor,
    tests: &TestSets,
) -> Result<Trained> {
    let device = deepfield_core::device();
    deepfield_core::seed(cfg.seed.wrapping_add(k as u64));
    let mcfg = cfg.model_config(v);
    let mut vs = VarStore::new(device);
    let model = mcfg.build(&vs.root())?;
    let parameters: usize = vs.trainable_variables().iter().map(|t| t.numel()).sum();
    let pre = mcfg.preprocess.clone();
    let task = Task::classification(10);
    let trainer = Trainer::new(cfg.train.clone(), task.clone())?;
    let loss_fn = task.loss_fn(device);
    let mut step = ForwardStep {
        model: &model,
        loss: |out: &Tensor, b: &Batch| loss_fn.compute(out, &b.y, None),
    };
    let mut rng = Rng::new(cfg.seed.wrapping_mul(31).wrapping_add(k as u64 + 1));
    let bs = cfg.train.batch_size;
    let n = xtr.size()[0] as usize;
    let mut source = FnSource(|_epoch: usize| -> deepfield_core::Result<Vec<Batch>> {
        let perm = rng.permutation(n);
        let mut out = Vec::new();
        for chunk in perm.chunks(bs) {
            let idx = index_tensor(chunk, tch::Device::Cpu);
            let xb = xtr.index_select(0, &idx);
            let xb = if v.augment {
                affnist::generate(&xb, &cfg.recipe, &mut rng)?.images
            } else {
                centred(&xb)
            };
            out.push(Batch {
                x: pre.normalise(&xb).to_device(device),
                y: ytr.index_select(0, &idx).to_device(device),
                mask: None,
            });
        }
        Ok(out)
    });
    let started = Instant::now();
    let history = trainer.fit_steps(&mut step, &mut vs, &mut source, None, &mut [])?;
    let train_seconds = started.elapsed().as_secs_f64();
    let score = |x: &Tensor, y: &[i64]| -> Result<f64> {
        Ok(accuracy(y, &predict(&model, &pre, &x.to_device(device))?)?)
    };
    let yc = &tests.y[..cfg.curve_size];
    let result = VariantResult {
        key: v.key.clone(),
        name: v.name(),
        group: v.group,
        augment: v.augment,
        parameters,
        epochs: history.epochs.len(),
        train_seconds,
        mnist_accuracy: score(&tests.mnist, &tests.y)?,
        affnist_accuracy: score(&tests.affnist, &tests.y)?,
        accuracy_by_strength: tests
            .curve
            .iter()
            .map(|x| score(x, yc))
            .collect::<Result<_>>()?,
    };
    Ok(Trained {
        result,
        history,
        config: mcfg,
        vs,
    })
}

fn goals(variants: &[VariantResult]) -> Goals {
    let best_other = variants
        .iter()
        .filter(|v| v.group != Group::Affine)
        .map(|v| v.affnist_accuracy)
        .fold(f64::NEG_INFINITY, f64::max);
    let affine = variants
        .iter()
        .filter(|v| v.group == Group::Affine)
        .map(|v| v.affnist_accuracy)
        .fold(f64::NEG_INFINITY, f64::max);
    Goals {
        affine_best_on_affnist: affine > best_other,
        affine_within_2pt_of_paper: PAPER_AFFINE_GL2.map(|p| (100.0 * affine - p).abs() <= 2.0),
    }
}

/// Run the whole reproduction into `opts.out`.
pub fn run(cfg: &LieConfig, opts: &ReproOptions) -> Result<LieMetrics> {
    cfg.validate()?;
    let results = ResultsDir::at(&opts.out)?;
    let dir = opts.dataset(&Dataset::Mnist.spec())?;
    let (xtr, ytr) = digits(&dir, Split::Train, cfg.train_size)?;
    let ytr = Tensor::from_slice(&ytr);
    let (xte, yte) = digits(&dir, Split::Test, cfg.test_size)?;
    let tests = test_sets(cfg, &xte, yte)?;
    let mut trained = Vec::new();
    for (k, v) in cfg.variants.iter().enumerate() {
        let t = train_variant(cfg, k, v, &xtr, &ytr, &tests)?;
        eprintln!(
            "lie-equivariant: {} — MNIST {:.3}, affNIST {:.3} ({} parameters, {:.0} s)",
            v.key,
            t.result.mnist_accuracy,
            t.result.affnist_accuracy,
            t.result.parameters,
            t.result.train_seconds
        );
        trained.push(t);
    }
    let variants: Vec<VariantResult> = trained.iter().map(|t| t.result.clone()).collect();
    let metrics = LieMetrics {
        data: format!("{} (MNIST IDX files)", dir.display()),
        train: xtr.size()[0] as usize,
        test: tests.y.len(),
        curve: cfg.curve_size,
        strengths: cfg.strengths.clone(),
        goals: goals(&variants),
        variants,
        paper_affine_gl2: PAPER_AFFINE_GL2,
        seed: cfg.seed,
    };
    // The affine model is the headline (`model/`); the others under `models/<key>/`.
    for t in &trained {
        let dir = variant_dir(&opts.out, &t.result.key, t.result.group == Group::Affine);
        save_model(&dir, &t.vs, &t.config, Some(&t.result))?;
    }
    let runs: Vec<(String, &History)> = trained
        .iter()
        .map(|t| (t.result.key.clone(), &t.history))
        .collect();
    write_histories_csv(&results.file("history.csv"), &runs)?;
    super::report::write_plots(&metrics, &results)?;
    super::report::write(cfg, &metrics, &results, &dir)?;
    Ok(metrics)
}
