//! The objective of a model-tuning trial: train a core model kind (`mlp`, `cnn`) on a subset of
//! MNIST or Fashion-MNIST with the core Trainer, report the validation accuracy after every epoch
//! (so pruners see the curve), stop when the pruner says so, and return the final validation
//! accuracy (maximised). The trained model may be saved through core's model registry
//! ([`crate::models::save_model`]), so every trial is an entry of the "dataset of models".

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::Tensor;

use super::{Outcome, TrialCtx};
use crate::data::dataset::Batch;
use crate::data::dataset::TensorDataset;
use crate::data::mnist::{self, Dataset, Split};
use crate::models::ModelConfig;
use crate::nn::cnn::CnnClassifierConfig;
use crate::nn::mlp::MlpConfig;
use crate::nn::Forward;
use crate::train::{AfterEpoch, Callback, Context, Control, EpochRecord};
use crate::train::{Task, TrainConfig, Trainer};
use crate::{Error, Result};

/// Which images a trial trains on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataSpec {
    /// `mnist` or `fashion`.
    pub set: String,
    /// Training images (the first of a seeded permutation of the training split).
    pub train: usize,
    /// Validation images (the next ones of the permutation).
    pub val: usize,
    pub seed: u64,
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec {
            set: "mnist".into(),
            train: 2000,
            val: 1000,
            seed: 0,
        }
    }
}

/// A trial's whole config: the model kind's config, training, data. Search-space paths start with
/// `model.`, `train.` or `data.`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialConfig<C> {
    pub model: C,
    #[serde(default)]
    pub train: TrainConfig,
    #[serde(default)]
    pub data: DataSpec,
}

/// A model kind that classifies 28×28 grey images.
pub trait ImageModel: ModelConfig + Default + Send
where
    <Self as ModelConfig>::Model: Forward,
{
    /// Set the input/output sizes for 1×28×28 images and `classes` outputs.
    fn fit_images(&mut self, classes: i64);
    /// Whether the model takes flat `[N, 784]` vectors (else `[N, 1, 28, 28]`).
    fn flat() -> bool;
}

impl ImageModel for MlpConfig {
    fn fit_images(&mut self, classes: i64) {
        self.input = 28 * 28;
        self.output = classes;
    }
    fn flat() -> bool {
        true
    }
}

impl ImageModel for CnnClassifierConfig {
    fn fit_images(&mut self, classes: i64) {
        self.stack.dims = 2;
        self.stack.input = 1;
        self.output = classes;
    }
    fn flat() -> bool {
        false
    }
}

/// Training and validation tensors of `spec` (images `[N, 1, 28, 28]`, labels).
pub fn load_images(spec: &DataSpec) -> Result<(TensorDataset, TensorDataset)> {
    let set = match spec.set.as_str() {
        "mnist" => Dataset::Mnist,
        "fashion" | "fashion-mnist" => Dataset::FashionMnist,
        other => {
            return Err(Error::config(format!(
                "hpo data: unknown set `{other}` (expected mnist or fashion)"
            )))
        }
    };
    let digits = mnist::load_default(set, Split::Train)?;
    let n = digits.len();
    if spec.train == 0 || spec.val == 0 || spec.train + spec.val > n {
        return Err(Error::config(format!(
            "hpo data: train {} + val {} must be ≥ 1 each and fit the {n} training images",
            spec.train, spec.val
        )));
    }
    let perm = crate::rng::Rng::new(spec.seed).permutation(n);
    let take = |idx: &[usize]| -> Result<TensorDataset> {
        let i = crate::data::dataset::index_tensor(idx, tch::Device::Cpu);
        TensorDataset::new(
            digits.images.index_select(0, &i),
            digits.labels.index_select(0, &i),
        )
    };
    Ok((
        take(&perm[..spec.train])?,
        take(&perm[spec.train..spec.train + spec.val])?,
    ))
}

fn shaped(ds: &TensorDataset, flat: bool) -> Result<TensorDataset> {
    let x: Tensor = if flat {
        ds.x.reshape([-1, 28 * 28])
    } else {
        ds.x.shallow_clone()
    };
    TensorDataset::new(x, ds.y.shallow_clone())
}

/// What a finished model trial measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialResult {
    pub val_accuracy: f64,
    pub epochs: usize,
    pub parameters: i64,
    pub seconds: f64,
}

/// Train `config` on `data` (from [`load_images`]), reporting validation accuracy per epoch to
/// `trial`; `save`: the folder the trained model is saved to (complete trials only).
pub fn train_image_model<C>(
    config: &TrialConfig<C>,
    data: &(TensorDataset, TensorDataset),
    trial: &mut TrialCtx,
    save: Option<PathBuf>,
) -> Result<(Outcome, Option<TrialResult>)>
where
    C: ImageModel,
    C::Model: Forward,
{
    let start = std::time::Instant::now();
    let mut model_cfg = config.model.clone();
    model_cfg.fit_images(10);
    model_cfg.validate()?;
    let (train, val) = (shaped(&data.0, C::flat())?, shaped(&data.1, C::flat())?);
    crate::seed(config.train.seed);
    let mut vs = VarStore::new(crate::device());
    let model = model_cfg.build(&vs.root())?;
    let mut train_cfg = config.train.clone();
    train_cfg.progress = false;
    let trainer = Trainer::new(train_cfg, Task::classification(10))?;
    let mut pruned = false;
    let mut failure: Option<Error> = None;
    let mut cb = AfterEpoch(|_: &mut Context<'_, _>, rec: &EpochRecord| {
        let acc = rec.val_metrics.get("accuracy").copied().unwrap_or(f64::NAN);
        let step = rec.epoch as u64 - 1;
        let prune = trial.report(step, acc).and_then(|_| trial.should_prune());
        match prune {
            Ok(true) => {
                pruned = true;
                Ok(Control::Stop)
            }
            Ok(false) => Ok(Control::Continue),
            Err(e) => {
                failure = Some(e);
                Ok(Control::Stop)
            }
        }
    });
    let loss_fn = trainer.task.loss_fn(vs.device());
    let loss = |out: &Tensor, b: &Batch| loss_fn.compute(out, &b.y, b.mask.as_ref());
    let cb: &mut dyn Callback<_, Batch> = &mut cb;
    let history = trainer.fit_callbacks(&model, &mut vs, &train, Some(&val), loss, &mut [cb])?;
    if let Some(e) = failure {
        return Err(e);
    }
    if pruned {
        return Ok((Outcome::Pruned, None));
    }
    let eval = trainer.evaluate(&model, &vs, &val)?;
    let acc = eval
        .metrics
        .get("accuracy")
        .copied()
        .ok_or_else(|| Error::input("hpo objective: the trainer reported no accuracy"))?;
    let parameters = vs
        .trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum();
    let result = TrialResult {
        val_accuracy: acc,
        epochs: history.epochs.len(),
        parameters,
        seconds: start.elapsed().as_secs_f64(),
    };
    trial.extra.metrics.extend([
        ("val_accuracy".to_string(), acc),
        ("epochs".to_string(), result.epochs as f64),
        ("parameters".to_string(), parameters as f64),
        ("seconds".to_string(), result.seconds),
    ]);
    if let Some(dir) = save {
        crate::models::save_model(&dir, &vs, &model_cfg, Some(&result))?;
        trial.extra.checkpoint = Some(dir.display().to_string());
    }
    Ok((Outcome::Complete(acc), Some(result)))
}
