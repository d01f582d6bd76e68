//! The `smooth-gradcam` run: cluttered canvases, one CNN trained on them, every CAM method's
//! maps of the explained test images scored by the pointing game and deletion/insertion.

use std::time::Instant;

use tch::nn::VarStore;
use tch::Tensor;

use deepfield_core::data::TensorDataset;
use deepfield_core::explain::cam::{class_activation_map, upsample, CamMethod};
use deepfield_core::explain::faithfulness::{auc, deletion_insertion, pointing_hit, PixelBox};
use deepfield_core::explain::{Inputs, Target};
use deepfield_core::metrics::accuracy;
use deepfield_core::models::{save_model, ModelConfig};
use deepfield_core::nn::cnn::{
    CnnClassifier, CnnClassifierConfig, ConvBlockConfig, ConvStackConfig, PoolConfig,
};
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::{model_dir, ReproOptions};
use deepfield_core::train::{self, History, Task, Trainer};
use deepfield_core::Rng;

use super::{MethodResult, SmoothGradCamConfig, SmoothGradCamMetrics};
use crate::data::clutter::{paste, Cluttered};
use crate::data::mnist::{files, load_files, Dataset, Split};
use crate::Result;

/// The compared methods: key, name.
pub const METHODS: [(&str, &str); 5] = [
    ("cam", "CAM (last block)"),
    ("gradcam", "Grad-CAM"),
    ("gradcampp", "Grad-CAM++"),
    ("smooth_gradcampp", "Smooth Grad-CAM++"),
    ("scorecam", "Score-CAM"),
];

/// The model for `cfg`: conv blocks (max pool after all but the last), global average
/// pooling, one linear layer to the 10 digits.
pub fn model_config(cfg: &SmoothGradCamConfig) -> CnnClassifierConfig {
    let last = cfg.channels.len() - 1;
    CnnClassifierConfig {
        stack: ConvStackConfig {
            dims: 2,
            input: 1,
            blocks: cfg
                .channels
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    let b = ConvBlockConfig::new(c, 3);
                    if i < last {
                        b.with_pool(PoolConfig::max(2))
                    } else {
                        b
                    }
                })
                .collect(),
        },
        output: 10,
        ..Default::default()
    }
}

fn method(key: &str, cfg: &SmoothGradCamConfig, vs: &VarStore) -> Result<CamMethod> {
    Ok(match key {
        "cam" => CamMethod::Cam {
            fc_weight: vs
                .variables()
                .get("head.out.weight")
                .map(Tensor::shallow_clone)
                .ok_or_else(|| crate::Error::config("the model has no head.out.weight"))?,
        },
        "gradcam" => CamMethod::GradCam,
        "gradcampp" => CamMethod::GradCamPlusPlus,
        "smooth_gradcampp" => CamMethod::SmoothGradCamPlusPlus {
            samples: cfg.smooth_samples,
            std: cfg.smooth_std,
        },
        _ => CamMethod::ScoreCam { batch_size: 64 },
    })
}

fn canvases(cfg: &SmoothGradCamConfig, opts: &ReproOptions) -> Result<[Cluttered; 3]> {
    let dir = opts.dataset(&Dataset::Mnist.spec())?;
    let (img, lab) = files(&dir, Split::Train);
    let train = load_files(&img, &lab)?;
    let (img, lab) = files(&dir, Split::Test);
    let test = load_files(&img, &lab)?;
    let mut rng = Rng::new(cfg.seed.wrapping_mul(7919).wrapping_add(11));
    // Validation canvases come from the last 5 000 training digits, training canvases from
    // the rest; test canvases from the test digits only.
    let n = train.len() as i64;
    let cut = n - 5000.min(n / 5);
    let (xa, ya) = (
        train.images.narrow(0, 0, cut),
        train.labels.narrow(0, 0, cut),
    );
    let (xb, yb) = (
        train.images.narrow(0, cut, n - cut),
        train.labels.narrow(0, cut, n - cut),
    );
    Ok([
        paste(&xa, &ya, cfg.train_images, &cfg.clutter, &mut rng)?,
        paste(&xb, &yb, cfg.val_images, &cfg.clutter, &mut rng)?,
        paste(
            &test.images,
            &test.labels,
            cfg.test_images,
            &cfg.clutter,
            &mut rng,
        )?,
    ])
}

fn dataset(c: &Cluttered) -> Result<TensorDataset> {
    Ok(TensorDataset::new(
        c.images.shallow_clone(),
        Tensor::from_slice(&c.labels),
    )?)
}

/// What the report needs beyond the metrics.
pub struct Outcome {
    pub metrics: SmoothGradCamMetrics,
    pub history: History,
    /// Gallery: the explained images `[G, 1, S, S]`, their labels and each method's
    /// upsampled maps `[G, S, S]`.
    pub gallery_images: Tensor,
    pub gallery_labels: Vec<i64>,
    pub gallery_maps: Vec<Tensor>,
    /// The seed paper's views (layers, one feature map, one neuron) of the gallery images.
    pub seed_views: super::views::SeedViews,
}

/// Train, explain, score.
pub fn execute(cfg: &SmoothGradCamConfig, opts: &ReproOptions) -> Result<Outcome> {
    let device = deepfield_core::device();
    deepfield_core::seed(cfg.seed);
    let [tr, va, te] = canvases(cfg, opts)?;
    let mcfg = model_config(cfg);
    let mut vs = VarStore::new(device);
    let model: CnnClassifier = mcfg.build(&vs.root())?;
    let parameters: usize = vs.trainable_variables().iter().map(Tensor::numel).sum();
    let trainer = Trainer::new(cfg.train.clone(), Task::classification(10))?;
    let history = trainer.fit(&model, &mut vs, &dataset(&tr)?, Some(&dataset(&va)?))?;

    let test = dataset(&te)?.to_device(device);
    let logits = train::predict(&model, &test, 256)?;
    let pred = Vec::<i64>::try_from(logits.argmax(1, false).to_device(tch::Device::Cpu))?;
    let test_accuracy = accuracy(&te.labels, &pred)?;

    let n = cfg.explained;
    let side = cfg.clutter.size;
    let x = te.images.narrow(0, 0, n as i64).to_device(device);
    let labels = te.labels[..n].to_vec();
    let boxes: Vec<PixelBox> = te.boxes[..n].to_vec();
    let zeros = x.zeros_like();
    let chunk = 50;
    let mut results = Vec::new();
    let mut gallery_maps = Vec::new();
    for (key, name) in METHODS {
        let m = method(key, cfg, &vs)?;
        let started = Instant::now();
        let (mut hits, mut del, mut ins) = (0usize, Vec::new(), Vec::new());
        let mut first: Option<Tensor> = None;
        for lo in (0..n).step_by(chunk) {
            let k = chunk.min(n - lo);
            let xb = x.narrow(0, lo as i64, k as i64);
            let target = Target::Classes(labels[lo..lo + k].to_vec());
            // CAM needs the map that global pooling reads: the last block.
            let layer = if key == "cam" {
                format!("blocks.{}", cfg.channels.len() - 1)
            } else {
                cfg.layer.clone()
            };
            let maps = class_activation_map(&model, Inputs::new(&xb), &layer, &target, &m, true)?;
            let maps = upsample(&maps, &[side, side])?.detach();
            for (j, b) in boxes[lo..lo + k].iter().enumerate() {
                hits += usize::from(pointing_hit(&maps.get(j as i64), *b, cfg.tolerance)?);
            }
            let (d, i) = deletion_insertion(
                &model,
                &xb,
                &maps,
                &zeros.narrow(0, lo as i64, k as i64),
                &target,
                cfg.steps,
            )?;
            del.extend(d);
            ins.extend(i);
            if first.is_none() {
                first = Some(
                    maps.narrow(0, 0, cfg.gallery.min(k) as i64)
                        .to_device(tch::Device::Cpu),
                );
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        let mean_curve = |curves: &[Vec<f64>]| -> Vec<f64> {
            (0..=cfg.steps)
                .map(|s| curves.iter().map(|c| c[s]).sum::<f64>() / curves.len() as f64)
                .collect()
        };
        let mean_auc =
            |curves: &[Vec<f64>]| curves.iter().map(|c| auc(c)).sum::<f64>() / curves.len() as f64;
        results.push(MethodResult {
            key: key.into(),
            name: name.into(),
            pointing: hits as f64 / n as f64,
            deletion_auc: mean_auc(&del),
            insertion_auc: mean_auc(&ins),
            deletion_curve: mean_curve(&del),
            insertion_curve: mean_curve(&ins),
            seconds_per_image: seconds / n as f64,
        });
        if let Some(f) = first {
            gallery_maps.push(f);
        }
    }
    // Floors: a map peaking at a random pixel (expected hit rate = tolerance-grown box area
    // over the canvas), and one peaking at the centre.
    let grown = |b: &PixelBox| {
        let t = cfg.tolerance;
        let h = (b.bottom + t).min(side - 1) - (b.top - t).max(0) + 1;
        let w = (b.right + t).min(side - 1) - (b.left - t).max(0) + 1;
        (h * w) as f64 / (side * side) as f64
    };
    let pointing_random = boxes.iter().map(grown).sum::<f64>() / n as f64;
    let mut centre = vec![0f32; (side * side) as usize];
    centre[((side / 2) * side + side / 2) as usize] = 1.0;
    let centre = Tensor::from_slice(&centre).view([side, side]);
    let mut centre_hits = 0usize;
    for b in &boxes {
        centre_hits += usize::from(pointing_hit(&centre, *b, cfg.tolerance)?);
    }
    let get = |k: &str| {
        results
            .iter()
            .find(|r| r.key == k)
            .map_or(0.0, |r| r.pointing)
    };
    let smooth_ge_gradcampp = get("smooth_gradcampp") >= get("gradcampp");

    let metrics = SmoothGradCamMetrics {
        data: "MNIST digits pasted at random places on cluttered 64×64 canvases".into(),
        parameters,
        epochs_run: history.epochs.len(),
        test_accuracy,
        pointing_random,
        pointing_centre: centre_hits as f64 / n as f64,
        explained: n,
        methods: results,
        smooth_ge_gradcampp,
        seed: cfg.seed,
    };
    save_model(&model_dir(&opts.out), &vs, &mcfg, Some(&metrics))?;
    let g = cfg.gallery.min(n) as i64;
    let seed_views = super::views::seed_views(
        &model,
        &vs.variables()
            .get("head.out.weight")
            .map(Tensor::shallow_clone)
            .ok_or_else(|| crate::Error::config("the model has no head.out.weight"))?,
        cfg.channels.len(),
        &x.narrow(0, 0, g),
        &labels[..g as usize],
        &method("smooth_gradcampp", cfg, &vs)?,
    )?;
    Ok(Outcome {
        metrics,
        history,
        gallery_images: te.images.narrow(0, 0, g),
        gallery_labels: te.labels[..g as usize].to_vec(),
        gallery_maps,
        seed_views,
    })
}

/// The run: [`execute`], then plots and the report.
pub fn run(cfg: &SmoothGradCamConfig, opts: &ReproOptions) -> Result<SmoothGradCamMetrics> {
    let results = ResultsDir::at(&opts.out)?;
    let outcome = execute(cfg, opts)?;
    train::write_histories_csv(
        &results.file("history.csv"),
        &[("cnn".to_string(), &outcome.history)],
    )?;
    super::report::write(cfg, &outcome, &results)?;
    Ok(outcome.metrics)
}
