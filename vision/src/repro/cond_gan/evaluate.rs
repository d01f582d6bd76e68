//! The judge of generated images: a LeNet-5 trained on the real training images, its accuracy
//! on images asked to be of given classes, and the Fréchet distance of its penultimate-layer
//! (`fc2`) features to the real test images'.

use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use deepfield_core::data::TensorDataset;
use deepfield_core::metrics::{frechet_distance_stats, GaussianStats};
use deepfield_core::models::ModelConfig;
use deepfield_core::nn::capture::Capture;
use deepfield_core::train::{History, Task, TrainConfig, Trainer};

use super::Scores;
use crate::models::lenet::{LeNet5, LeNet5Config};
use crate::{Error, Result};

/// The judge's feature layer: LeNet-5's penultimate layer (84 units after ReLU).
pub const FEATURE_LAYER: &str = "fc2";

/// A trained judge.
pub struct Judge {
    pub config: LeNet5Config,
    pub vs: VarStore,
    pub model: LeNet5,
    pub history: History,
}

/// Train LeNet-5 on `x` (`[N, 1, 28, 28]` in [0, 1]) and `y`.
pub fn train_judge(train: &TrainConfig, classes: i64, x: &Tensor, y: &Tensor) -> Result<Judge> {
    deepfield_core::seed(train.seed.wrapping_add(1000));
    let config = LeNet5Config {
        classes,
        ..LeNet5Config::default()
    };
    let mut vs = VarStore::new(deepfield_core::device());
    let model = config.build(&vs.root())?;
    let ds = TensorDataset::new(x.shallow_clone(), y.shallow_clone())?;
    let trainer = Trainer::new(train.clone(), Task::classification(classes as usize))?;
    let history = trainer.fit(&model, &mut vs, &ds, None)?;
    Ok(Judge {
        config,
        vs,
        model,
        history,
    })
}

/// Logits and `fc2` features of `x` (`[N, 1, 28, 28]` in [0, 1]), in batches, on the CPU.
pub fn logits_and_features(model: &LeNet5, x: &Tensor) -> Result<(Tensor, Tensor)> {
    let device = deepfield_core::device();
    let n = x.size()[0];
    let (mut logits, mut feats) = (Vec::new(), Vec::new());
    let cap = Capture::layers([FEATURE_LAYER]);
    for start in (0..n).step_by(512) {
        let len = 512.min(n - start);
        let xb = x.narrow(0, start, len).to_device(device);
        cap.clear();
        let out = tch::no_grad(|| cap.run(|| model.logits(&xb, false)))?;
        let f = cap.activation(FEATURE_LAYER).ok_or_else(|| {
            Error::input(format!(
                "the judge did not record its `{FEATURE_LAYER}` layer"
            ))
        })?;
        logits.push(out.to_device(Device::Cpu));
        feats.push(f.to_device(Device::Cpu));
    }
    Ok((Tensor::f_cat(&logits, 0)?, Tensor::f_cat(&feats, 0)?))
}

/// Score `images` (`[N, 1, 28, 28]` in [0, 1]) that were asked to be of classes `requested`
/// against the real reference features `reference` (the test images' Gaussian).
pub fn score(
    judge: &LeNet5,
    images: &Tensor,
    requested: &[i64],
    classes: usize,
    reference: &GaussianStats,
) -> Result<Scores> {
    let n = images.size()[0] as usize;
    if n != requested.len() || n < 2 {
        return Err(Error::input(format!(
            "cond-gan score: {n} images for {} requested classes (need >= 2)",
            requested.len()
        )));
    }
    let (logits, feats) = logits_and_features(judge, images)?;
    let pred: Vec<i64> = Vec::try_from(logits.argmax(1, false))?;
    let mut hit = vec![0usize; classes];
    let mut total = vec![0usize; classes];
    for (&p, &r) in pred.iter().zip(requested) {
        let r = usize::try_from(r)
            .ok()
            .filter(|&r| r < classes)
            .ok_or_else(|| Error::input(format!("cond-gan score: class {r} out of range")))?;
        total[r] += 1;
        hit[r] += usize::from(p == r as i64);
    }
    let per_class: Vec<f64> = hit
        .iter()
        .zip(&total)
        .map(|(&h, &t)| if t == 0 { 0.0 } else { h as f64 / t as f64 })
        .collect();
    let accuracy = hit.iter().sum::<usize>() as f64 / n as f64;
    let frechet = frechet_distance_stats(&GaussianStats::fit(&feats)?, reference)?;
    Ok(Scores {
        accuracy,
        per_class_accuracy: per_class,
        frechet,
        images: n,
    })
}

/// The Gaussian of the judge's features of `x`.
pub fn reference_stats(judge: &LeNet5, x: &Tensor) -> Result<GaussianStats> {
    let (_, f) = logits_and_features(judge, x)?;
    Ok(GaussianStats::fit(&f.to_kind(Kind::Double))?)
}
