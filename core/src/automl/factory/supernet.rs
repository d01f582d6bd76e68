//! The weight-sharing supernet: its config (the largest architecture and the choices of width
//! and depth inside it), the model (`factory_supernet` in the registry; its forward pass is the
//! largest architecture over every class), the architectures it contains, and its one-off
//! training with the sandwich rule.

use serde::{Deserialize, Serialize};
use tch::nn::{self, OptimizerConfig, VarStore};
use tch::{Kind, Tensor};

use super::net::{cost, Arch, Cost, Net};
use crate::data::TensorDataset;
use crate::models::ModelConfig;
use crate::{ensure_config, Forward, Result, Rng};

/// The supernet's config; see the [module docs](super).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SupernetConfig {
    /// Image channels (1 for MNIST).
    pub input_channels: i64,
    /// Image side in pixels (28 for MNIST); each stage halves it.
    pub image_size: i64,
    /// Classes of the head (every task is a subset of them).
    pub classes: i64,
    /// The largest width of each stage.
    pub channels: Vec<i64>,
    /// The most residual blocks of each stage.
    pub blocks: Vec<usize>,
    /// The widths an architecture may take, as fractions of [`channels`](Self::channels)
    /// (OFA's elastic width: the first channels are kept).
    pub width_choices: Vec<f64>,
}

impl Default for SupernetConfig {
    fn default() -> Self {
        SupernetConfig {
            input_channels: 1,
            image_size: 28,
            classes: 10,
            channels: vec![16, 32, 64],
            blocks: vec![1, 1, 2],
            width_choices: vec![0.25, 0.5, 0.75, 1.0],
        }
    }
}

impl SupernetConfig {
    /// Stages with a width and depth each, images large enough for them, fractions in (0, 1].
    pub fn validate(&self) -> Result<()> {
        let n = self.channels.len();
        ensure_config!(
            n >= 1 && self.blocks.len() == n,
            "factory_supernet: channels ({n} stages) and blocks ({}) must name the same stages, at least one",
            self.blocks.len()
        );
        ensure_config!(
            self.channels.iter().all(|&c| c >= 1),
            "factory_supernet: every stage needs >= 1 channel, got {:?}",
            self.channels
        );
        ensure_config!(
            self.input_channels >= 1 && self.classes >= 2,
            "factory_supernet: input_channels must be >= 1 and classes >= 2"
        );
        ensure_config!(
            self.image_size >> n >= 1,
            "factory_supernet: {n} stages halve a {}-pixel image to nothing",
            self.image_size
        );
        ensure_config!(
            !self.width_choices.is_empty()
                && self.width_choices.iter().all(|f| *f > 0.0 && *f <= 1.0),
            "factory_supernet: width_choices must be fractions in (0, 1], got {:?}",
            self.width_choices
        );
        Ok(())
    }

    /// The largest architecture.
    pub fn largest(&self) -> Arch {
        Arch {
            widths: self.channels.clone(),
            depths: self.blocks.clone(),
        }
    }

    /// The widths stage `s` may take, ascending, without repeats.
    pub fn widths_of(&self, s: usize) -> Vec<i64> {
        let mut w: Vec<i64> = self
            .width_choices
            .iter()
            .map(|f| ((self.channels[s] as f64 * f).round() as i64).max(1))
            .collect();
        w.sort_unstable();
        w.dedup();
        w
    }

    /// The smallest architecture (narrowest widths, no residual blocks).
    pub fn smallest(&self) -> Arch {
        Arch {
            widths: (0..self.channels.len())
                .map(|s| self.widths_of(s)[0])
                .collect(),
            depths: vec![0; self.channels.len()],
        }
    }

    /// Every architecture the supernet holds.
    pub fn architectures(&self) -> Vec<Arch> {
        let mut all = vec![Arch {
            widths: vec![],
            depths: vec![],
        }];
        for s in 0..self.channels.len() {
            let mut next = Vec::new();
            for a in &all {
                for &w in &self.widths_of(s) {
                    for d in 0..=self.blocks[s] {
                        let mut b = a.clone();
                        b.widths.push(w);
                        b.depths.push(d);
                        next.push(b);
                    }
                }
            }
            all = next;
        }
        all
    }

    /// A uniformly drawn architecture.
    pub fn sample(&self, rng: &mut Rng) -> Arch {
        let mut a = Arch {
            widths: vec![],
            depths: vec![],
        };
        for s in 0..self.channels.len() {
            let w = self.widths_of(s);
            a.widths.push(w[rng.below(w.len())]);
            a.depths.push(rng.below(self.blocks[s] + 1));
        }
        a
    }

    /// Whether `arch` is inside this supernet.
    pub fn contains(&self, arch: &Arch) -> bool {
        arch.widths.len() == self.channels.len()
            && arch.depths.len() == self.blocks.len()
            && arch
                .widths
                .iter()
                .zip(&self.channels)
                .all(|(w, c)| *w >= 1 && w <= c)
            && arch.depths.iter().zip(&self.blocks).all(|(d, b)| d <= b)
    }

    /// The cost of `arch` with `outputs` logits on one image.
    pub fn cost(&self, arch: &Arch, outputs: i64) -> Cost {
        cost(arch, self.input_channels, self.image_size, outputs)
    }
}

/// The supernet model: shared weights for every architecture of its config.
pub struct Supernet {
    pub(crate) config: SupernetConfig,
    pub(crate) net: Net,
}

impl std::fmt::Debug for Supernet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supernet")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Supernet {
    /// The config.
    pub fn config(&self) -> &SupernetConfig {
        &self.config
    }

    /// Logits of the sub-network `arch` for the classes `classes` (all when `None`), in that
    /// order: `[B, C, H, W]` → `[B, classes]`. An `arch` outside the supernet, or a class
    /// outside the head, is an error.
    pub fn forward_arch(
        &self,
        xs: &Tensor,
        arch: &Arch,
        classes: Option<&[i64]>,
    ) -> Result<Tensor> {
        crate::ensure_input!(
            self.config.contains(arch),
            "factory_supernet: architecture {arch:?} is not inside this supernet (channels {:?}, blocks {:?})",
            self.config.channels,
            self.config.blocks
        );
        check_images(xs, self.config.input_channels, self.config.image_size)?;
        let rows = match classes {
            Some(c) => {
                check_classes(c, self.config.classes)?;
                Some(Tensor::from_slice(c).to_device(xs.device()))
            }
            None => None,
        };
        self.net.forward(xs, arch, rows.as_ref())
    }
}

/// `[B, channels, side, side]` float images.
pub(crate) fn check_images(xs: &Tensor, channels: i64, side: i64) -> Result<()> {
    let s = xs.size();
    crate::ensure_input!(
        s.len() == 4 && s[1] == channels && s[2] == side && s[3] == side,
        "factory: expected images [B, {channels}, {side}, {side}], got {s:?}"
    );
    Ok(())
}

/// Distinct classes in `0..n`, at least two.
pub fn check_classes(classes: &[i64], n: i64) -> Result<()> {
    ensure_config!(
        classes.len() >= 2,
        "factory: a task needs at least 2 classes, got {classes:?}"
    );
    let mut seen = std::collections::BTreeSet::new();
    for &c in classes {
        ensure_config!(
            (0..n).contains(&c),
            "factory: class {c} is outside the supernet's {n} classes (0..{})",
            n - 1
        );
        ensure_config!(
            seen.insert(c),
            "factory: class {c} given twice in {classes:?}"
        );
    }
    Ok(())
}

impl Forward for Supernet {
    /// The largest architecture over every class.
    fn try_forward_t(&self, xs: &Tensor, _mask: Option<&Tensor>, _train: bool) -> Result<Tensor> {
        self.forward_arch(xs, &self.config.largest(), None)
    }
}

impl ModelConfig for SupernetConfig {
    const KIND: &'static str = "factory_supernet";
    const DESCRIPTION: &'static str =
        "NN-Factory weight-sharing CNN supernet (elastic width and depth, class rows); forward = largest";
    type Model = Supernet;

    fn validate(&self) -> Result<()> {
        SupernetConfig::validate(self)
    }

    fn build(&self, path: &nn::Path) -> Result<Supernet> {
        SupernetConfig::validate(self)?;
        Ok(Supernet {
            config: self.clone(),
            net: Net::new(path, self.input_channels, &self.largest(), self.classes),
        })
    }

    fn example() -> Option<crate::profile::Example<Self>> {
        let c = SupernetConfig::default();
        let x = Tensor::randn(
            [1, c.input_channels, c.image_size, c.image_size],
            (Kind::Float, crate::device()),
        );
        Some(crate::profile::Example::tensor(c, x))
    }
}

/// How the supernet is trained (once, for every task and budget).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SupernetTraining {
    pub epochs: usize,
    pub batch_size: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Random architectures per step besides the largest and the smallest (the sandwich rule
    /// of slimmable networks / BigNAS: 2).
    pub random_archs: usize,
    /// In-place distillation: the smaller architectures learn the largest one's soft
    /// predictions (US-Nets, OFA) instead of the labels.
    pub distill: bool,
}

impl Default for SupernetTraining {
    fn default() -> Self {
        SupernetTraining {
            epochs: 8,
            batch_size: 64,
            lr: 3e-3,
            random_archs: 2,
            distill: true,
        }
    }
}

impl SupernetTraining {
    /// Epochs, batches and a positive learning rate.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.epochs >= 1 && self.batch_size >= 1,
            "factory training: epochs and batch_size must be >= 1"
        );
        ensure_config!(
            self.lr > 0.0 && self.lr.is_finite(),
            "factory training: lr must be > 0, got {}",
            self.lr
        );
        Ok(())
    }
}

/// Mean cross-entropy of logits against class ids.
fn ce(logits: &Tensor, y: &Tensor) -> Result<Tensor> {
    Ok(logits.f_cross_entropy_loss(y, None::<Tensor>, tch::Reduction::Mean, -100, 0.0)?)
}

/// Train the supernet of `config` on `data` (images, labels in `0..classes`) with the sandwich
/// rule: each step sums the losses of the largest, the smallest and `random_archs` random
/// architectures, then takes one Adam step. Returns the variables, the model and the steps.
pub fn train_supernet(
    config: &SupernetConfig,
    training: &SupernetTraining,
    data: &TensorDataset,
    seed: u64,
) -> Result<(VarStore, Supernet, usize)> {
    training.validate()?;
    crate::seed(seed);
    let vs = VarStore::new(crate::device());
    let model = config.build(&vs.root())?;
    let mut opt = nn::Adam::default().build(&vs, training.lr)?;
    let mut rng = Rng::new(seed ^ 0x5eed_fac7);
    let data = data.to_device(vs.device());
    let mut steps = 0;
    let (largest, smallest) = (config.largest(), config.smallest());
    let progress = crate::progress::bar(
        (training.epochs * data.len().div_ceil(training.batch_size)) as u64,
        "supernet (sandwich rule)",
    );
    for _ in 0..training.epochs {
        let mut order = rng.fork();
        for batch in data.batches(training.batch_size, Some(&mut order)) {
            opt.zero_grad();
            let logits = model.forward_arch(&batch.x, &largest, None)?;
            let loss = ce(&logits, &batch.y)?;
            loss.f_backward()?;
            let teacher = logits.detach().f_softmax(-1, Kind::Float)?;
            let mut archs = vec![smallest.clone()];
            archs.extend((0..training.random_archs).map(|_| config.sample(&mut rng)));
            for arch in &archs {
                let out = model.forward_arch(&batch.x, arch, None)?;
                let loss = if training.distill {
                    let logp = out.f_log_softmax(-1, Kind::Float)?;
                    (&teacher * logp)
                        .f_sum_dim_intlist([-1i64].as_slice(), false, Kind::Float)?
                        .f_mean(Kind::Float)?
                        .f_neg()?
                } else {
                    ce(&out, &batch.y)?
                };
                loss.f_backward()?;
            }
            opt.step();
            steps += 1;
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    Ok((vs, model, steps))
}
