//! The `cond-gan` run: per dataset, hold real images apart, train the LeNet-5 judge, train every
//! GAN variant, score its images and the held-apart real ones, save the models, plot, report.

use std::path::{Path, PathBuf};

use tch::{Device, Kind};

use deepfield_core::data::dataset::index_tensor;
use deepfield_core::metrics::accuracy;
use deepfield_core::models::save_model;
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::{model_dir, others_dir, ReproOptions};
use deepfield_core::train::{write_histories_csv, History};
use deepfield_core::Rng;

use super::evaluate::{logits_and_features, reference_stats, score, train_judge};
use super::train::{train_gan, LossCurves};
use super::{dataset_key, variant_key, CondGanConfig, CondGanMetrics, DatasetResult, GanResult};
use crate::data::mnist::{self, Dataset, Split};
use crate::generate::sample;
use crate::models::gan::CondGeneratorConfig;
use crate::Result;

/// Where a GAN's generator and discriminator are saved: the first one's generator is the
/// results folder's `model/` (what `deepfield-vision eval generate --model` reads).
pub fn gan_dirs(out: &Path, key: &str, first: bool) -> (PathBuf, PathBuf) {
    let base = others_dir(out, key);
    let g = if first {
        model_dir(out)
    } else {
        base.join("generator")
    };
    (g, base.join("discriminator"))
}

/// What the report and the plots need of one GAN beside its numbers.
pub struct GanArtifacts {
    pub key: String,
    pub curves: LossCurves,
    pub history: History,
}

fn load(opts: &ReproOptions, d: Dataset, split: Split) -> Result<mnist::Digits> {
    let dir = opts.dataset(&d.spec())?;
    let (i, l) = mnist::files(&dir, split);
    Ok(mnist::load_files(&i, &l)?)
}

/// Run the whole reproduction into `opts.out`.
pub fn run(cfg: &CondGanConfig, opts: &ReproOptions) -> Result<CondGanMetrics> {
    cfg.validate()?;
    let results = ResultsDir::at(&opts.out)?;
    let mut datasets = Vec::new();
    let mut artifacts = Vec::new();
    let mut histories: Vec<(String, History)> = Vec::new();
    let mut first = true;
    for (di, &dataset) in cfg.datasets.iter().enumerate() {
        let dkey = dataset_key(dataset);
        let names = dataset.class_names();
        let classes = names.len() as i64;
        let train = load(opts, dataset, Split::Train)?;
        let test = load(opts, dataset, Split::Test)?;
        let n = train.len();
        // Held apart: a seeded random subset of the training images, never trained on.
        let mut rng = Rng::new(cfg.seed.wrapping_add(7 + di as u64));
        let perm = rng.permutation(n);
        let held = cfg.held_apart.min(n / 2);
        let (held_idx, rest) = perm.split_at(held);
        // The judge learns from every remaining image; the GANs from the first max_train.
        let gan_rest = &rest[..cfg.max_train.map_or(rest.len(), |m| m.min(rest.len()))];
        let pick = |idx: &[usize]| {
            let t = index_tensor(idx, Device::Cpu);
            (
                train.images.index_select(0, &t),
                train.labels.index_select(0, &t),
            )
        };
        let (xh, yh) = pick(held_idx);
        let judge = {
            let (xj, yj) = pick(rest);
            train_judge(&cfg.judge, classes, &xj, &yj)?
        };
        let (xtr, ytr) = pick(gan_rest);
        let (test_logits, _) = logits_and_features(&judge.model, &test.images)?;
        let ytest: Vec<i64> = Vec::try_from(&test.labels)?;
        let test_pred: Vec<i64> = Vec::try_from(test_logits.argmax(1, false))?;
        let judge_test_accuracy = accuracy(&ytest, &test_pred)?;
        let reference = reference_stats(&judge.model, &test.images)?;
        let yh_vec: Vec<i64> = Vec::try_from(&yh)?;
        let real = score(&judge.model, &xh, &yh_vec, classes as usize, &reference)?;
        eprintln!(
            "cond-gan {dkey}: judge test accuracy {judge_test_accuracy:.4}; held-apart real \
             images: accuracy {:.4}, Fréchet {:.3}",
            real.accuracy, real.frechet
        );
        save_model(
            &others_dir(&opts.out, &format!("{dkey}_judge")),
            &judge.vs,
            &judge.config,
            Some(&serde_json::json!({ "test_accuracy": judge_test_accuracy })),
        )?;
        histories.push((format!("{dkey}_judge"), judge.history));

        let x_gan = (&xtr * 2.0 - 1.0).to_kind(Kind::Float);
        let mut gans = Vec::new();
        for (vi, &variant) in cfg.variants.iter().enumerate() {
            let (vkey, vname) = variant_key(variant);
            let key = format!("{dkey}_{vkey}");
            let g_config = CondGeneratorConfig {
                classes,
                class_names: names.clone(),
                z_dim: cfg.z_dim,
                embed_dim: cfg.embed_dim,
                channels: 1,
                size: 28,
                width: cfg.g_width,
            };
            let seed = cfg.seed.wrapping_add(100 * di as u64 + vi as u64);
            let t = train_gan(cfg, g_config, variant, &x_gan, &ytr, seed, &key)?;
            // Generated images: eval_per_class of every class, then the judge.
            let all: Vec<i64> = (0..classes).collect();
            let gen = sample(&t.g, &all, cfg.eval_per_class, seed.wrapping_add(1))?;
            let requested: Vec<i64> = all
                .iter()
                .flat_map(|&k| std::iter::repeat_n(k, cfg.eval_per_class))
                .collect();
            let generated = score(&judge.model, &gen, &requested, classes as usize, &reference)?;
            let grid = sample(&t.g, &all, cfg.grid_per_class, seed.wrapping_add(2))?;
            crate::generate::write_grid(
                &results.file(&format!("samples_{key}.png")),
                &grid,
                cfg.grid_per_class,
                Some(&names),
                &format!(
                    "{vname} on {dkey}: {} samples per class (rows)",
                    cfg.grid_per_class
                ),
                2,
            )?;
            let last = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);
            let result = GanResult {
                key: key.clone(),
                dataset: dkey.to_string(),
                variant: vname.to_string(),
                g_parameters: t.g_vs.trainable_variables().iter().map(|v| v.numel()).sum(),
                d_parameters: t.d_vs.trainable_variables().iter().map(|v| v.numel()).sum(),
                steps: t.steps,
                train_seconds: t.seconds,
                final_d_loss: last(&t.curves.d_loss),
                final_g_loss: last(&t.curves.g_loss),
                generated,
            };
            eprintln!(
                "cond-gan {key}: {} steps in {:.0} s; judge accuracy on generated {:.4}, \
                 Fréchet {:.3}",
                t.steps, t.seconds, result.generated.accuracy, result.generated.frechet
            );
            let (gdir, ddir) = gan_dirs(&opts.out, &key, first);
            first = false;
            save_model(&gdir, &t.g_vs, &t.g_config, Some(&result))?;
            save_model(&ddir, &t.d_vs, &t.d_config, Some(&result))?;
            histories.push((key.clone(), t.history.clone()));
            artifacts.push(GanArtifacts {
                key,
                curves: t.curves,
                history: t.history,
            });
            gans.push(result);
        }
        datasets.push(DatasetResult {
            dataset: dkey.to_string(),
            classes: names,
            train_images: gan_rest.len(),
            judge_train_images: rest.len(),
            test_images: test.len(),
            judge_test_accuracy,
            real_held_apart: real,
            gans,
        });
    }
    let mnist_goal_95 = datasets
        .iter()
        .find(|d| d.dataset == "mnist")
        .map(|d| d.gans.iter().all(|g| g.generated.accuracy >= 0.95));
    let metrics = CondGanMetrics {
        datasets,
        mnist_goal_95,
        quick: opts.quick,
        seed: cfg.seed,
    };
    let runs: Vec<(String, &History)> = histories.iter().map(|(k, h)| (k.clone(), h)).collect();
    write_histories_csv(&results.file("history.csv"), &runs)?;
    super::report::write_plots(&metrics, &artifacts, &results)?;
    super::report::write(cfg, &metrics, opts, &results)?;
    Ok(metrics)
}
