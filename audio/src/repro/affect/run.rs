//! Train every model of the config on AV-MNIST's training speakers and evaluate it on the test
//! speaker: clean, with seeded Gaussian noise on one modality at a time, and with one modality
//! missing.

use deepfield_core::data::TensorDataset;
use deepfield_core::nn::fusion::{pack, FusionConfig, FusionModel};
use deepfield_core::tch::nn::VarStore;
use deepfield_core::tch::{Device, Kind, Tensor};
use deepfield_core::train::{History, Task, Trainer};
use deepfield_core::Forward;
use serde::{Deserialize, Serialize};

use super::config::{AffectConfig, ModelEntry, Part};
use crate::avmnist::{AvMnist, AvSplit};
use crate::repro::progress::Progress;
use crate::Result;

/// Which modality a condition changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Audio,
    Image,
}

/// Test numbers of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMetrics {
    pub key: String,
    pub name: String,
    pub part: Part,
    /// The survey's fusion type (`A`…`D`, `late`; single-modality models: `C`, one input).
    pub fusion_type: String,
    pub modalities: Vec<String>,
    pub parameters: i64,
    pub epochs_run: usize,
    pub best_epoch: Option<usize>,
    /// Accuracy on the validation speaker's pairs (model selection).
    pub val_accuracy: f64,
    /// Clean test accuracy.
    pub test_accuracy: f64,
    /// Test accuracy with noise of each level on the audio input (same for a model without it).
    pub audio_noise: Vec<f64>,
    /// Test accuracy with noise of each level on the image input.
    pub image_noise: Vec<f64>,
    /// Test accuracy with the audio missing (models with both modalities).
    pub missing_audio: Option<f64>,
    /// Test accuracy with the image missing.
    pub missing_image: Option<f64>,
}

/// One trained model.
pub struct Trained {
    pub entry: ModelEntry,
    pub vs: VarStore,
    pub history: History,
    pub metrics: ModelMetrics,
}

/// A model's packed input from the split's modalities; `noise` adds `σ · N(0, 1)` to one of
/// them, `missing` leaves one out (NaN).
fn packed(
    cfg: &FusionConfig,
    split: &AvSplit,
    noise: Option<(Which, f64)>,
    missing: Option<Which>,
) -> Result<Tensor> {
    let noisy = |x: &Tensor, w: Which| -> Tensor {
        match noise {
            Some((n, s)) if n == w && s > 0.0 => x + x.randn_like() * s,
            _ => x.shallow_clone(),
        }
    };
    let audio = noisy(&split.audio, Which::Audio);
    let image = noisy(&split.image, Which::Image);
    let inputs: Vec<Option<&Tensor>> = cfg
        .modalities
        .iter()
        .map(|m| {
            let w = if m.name == "audio" {
                Which::Audio
            } else {
                Which::Image
            };
            if missing == Some(w) {
                None
            } else if w == Which::Audio {
                Some(&audio)
            } else {
                Some(&image)
            }
        })
        .collect();
    Ok(pack(cfg, &inputs)?)
}

/// Accuracy of `model` on packed `x` against `labels`.
pub fn accuracy(model: &FusionModel, x: &Tensor, labels: &Tensor) -> Result<f64> {
    let device = deepfield_core::device();
    let n = x.size()[0];
    let mut correct = 0i64;
    deepfield_core::tch::no_grad(|| -> Result<()> {
        let mut start = 0;
        while start < n {
            let len = (n - start).min(256);
            let xb = x.narrow(0, start, len).to_device(device);
            let pred = model
                .try_forward_t(&xb, None, false)?
                .argmax(-1, false)
                .to_device(Device::Cpu);
            let truth = labels.narrow(0, start, len);
            correct += pred.eq_tensor(&truth).sum(Kind::Int64).int64_value(&[]);
            start += len;
        }
        Ok(())
    })?;
    Ok(correct as f64 / n.max(1) as f64)
}

/// Train and evaluate every model.
pub fn run(id: &str, cfg: &AffectConfig, data: &AvMnist) -> Result<(Vec<Trained>, Vec<String>)> {
    let device = deepfield_core::device();
    let mut progress = Progress::new(id, cfg.models.len());
    let mut out = Vec::with_capacity(cfg.models.len());
    for (i, entry) in cfg.models.iter().enumerate() {
        let mc = &entry.model;
        deepfield_core::seed(cfg.seed.wrapping_mul(31).wrapping_add(i as u64));
        let train = TensorDataset::new(
            packed(mc, &data.train, None, None)?,
            data.train.labels.shallow_clone(),
        )?;
        let val = TensorDataset::new(
            packed(mc, &data.val, None, None)?,
            data.val.labels.shallow_clone(),
        )?;
        let mut vs = VarStore::new(device);
        let model = mc.init(&vs.root())?;
        let mut tc = cfg.train.clone();
        tc.seed = cfg.seed.wrapping_add(i as u64);
        let trainer = Trainer::new(tc, Task::classification(mc.classes as usize))?;
        let history = trainer.fit(&model, &mut vs, &train, Some(&val))?;
        let val_accuracy = accuracy(&model, &val.x, &val.y)?;
        let test = &data.test;
        let y = &test.labels;
        let test_accuracy = accuracy(&model, &packed(mc, test, None, None)?, y)?;
        // Seeded noise: the same draws for every model.
        let sweep = |w: Which| -> Result<Vec<f64>> {
            cfg.noise_levels
                .iter()
                .enumerate()
                .map(|(k, &s)| {
                    deepfield_core::seed(cfg.seed.wrapping_add(1000 + k as u64 + 100 * (w as u64)));
                    accuracy(&model, &packed(mc, test, Some((w, s)), None)?, y)
                })
                .collect()
        };
        let audio_noise = sweep(Which::Audio)?;
        let image_noise = sweep(Which::Image)?;
        let both = mc.modalities.len() >= 2;
        let missing = |w: Which| -> Result<Option<f64>> {
            if !both {
                return Ok(None);
            }
            Ok(Some(accuracy(
                &model,
                &packed(mc, test, None, Some(w))?,
                y,
            )?))
        };
        let metrics = ModelMetrics {
            key: entry.key.clone(),
            name: entry.name.clone(),
            part: entry.part,
            fusion_type: mc.fusion.letter().into(),
            modalities: mc.modalities.iter().map(|m| m.name.clone()).collect(),
            parameters: vs
                .trainable_variables()
                .iter()
                .map(|t| t.numel() as i64)
                .sum(),
            epochs_run: history.epochs.len(),
            best_epoch: history.best_epoch,
            val_accuracy,
            test_accuracy,
            audio_noise,
            image_noise,
            missing_audio: missing(Which::Audio)?,
            missing_image: missing(Which::Image)?,
        };
        progress.trained(1, 1, &entry.name, history.epochs.len(), test_accuracy);
        drop(model);
        out.push(Trained {
            entry: entry.clone(),
            vs,
            history,
            metrics,
        });
    }
    Ok((out, progress.finish()))
}
