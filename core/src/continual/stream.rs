//! Task streams built from any classification data set given as tensors (`x: [N, ...]`,
//! `y: i64 [N]` with classes `0..C`), and the three scenarios of van de Ven & Tolias, "Three
//! scenarios for continual learning" (2019):
//!
//! | scenario | output units | units scored in training task `t` | units scored when testing task `j` |
//! | --- | --- | --- | --- |
//! | [`Scenario::TaskIl`] | one head per task (multi-head) | task `t`'s | task `j`'s (task identity given) |
//! | [`Scenario::DomainIl`] | one shared head (single-head) | all | all |
//! | [`Scenario::ClassIl`] | one head over every class seen | every class seen so far | every class seen so far |
//!
//! * [`permuted`]: task `t` applies a fixed, seeded pixel permutation to every input (task 0 may
//!   keep the identity, as in van de Ven's code). Labels: the digit in Domain-IL (10 units), the
//!   digit offset by `10·t` in Task-IL and Class-IL (`10·T` units).
//! * [`split`]: task `t` holds the classes `k·t .. k·(t+1)` (k = 2 for split MNIST). Labels: the
//!   index within the task in Domain-IL (k units), the class itself otherwise (C units).
//! * [`rotated`]: task `t` rotates the images `[N, C, H, W]` by a fixed angle; labels as
//!   [`permuted`].
//!
//! Labels of a stream's data sets are already output-unit indices of its scenario.

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::data::TensorDataset;
use crate::rng::Rng;
use crate::{Error, Result};

/// How the learner is tested: whether it is told the task, and whether it must infer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Task identity given at test time: multi-headed output, a head per task.
    TaskIl,
    /// Task identity not given and not needed: one shared head.
    DomainIl,
    /// Task identity must be inferred: one head over every class seen so far.
    ClassIl,
}

impl Scenario {
    /// Every scenario, in the paper's order.
    pub const ALL: [Scenario; 3] = [Scenario::TaskIl, Scenario::DomainIl, Scenario::ClassIl];

    /// The paper's name (`Task-IL`, `Domain-IL`, `Class-IL`).
    pub fn label(self) -> &'static str {
        match self {
            Scenario::TaskIl => "Task-IL",
            Scenario::DomainIl => "Domain-IL",
            Scenario::ClassIl => "Class-IL",
        }
    }

    /// A short id for file names (`task`, `domain`, `class`).
    pub fn id(self) -> &'static str {
        match self {
            Scenario::TaskIl => "task",
            Scenario::DomainIl => "domain",
            Scenario::ClassIl => "class",
        }
    }
}

/// One task of a stream: its data (labels are output units) and the units that are its classes.
#[derive(Debug)]
pub struct ContinualTask {
    pub train: TensorDataset,
    pub test: TensorDataset,
    /// The output units of this task's classes, ascending.
    pub classes: Vec<i64>,
}

/// A sequence of tasks under one scenario.
#[derive(Debug)]
pub struct TaskStream {
    /// e.g. `permuted-mnist`.
    pub name: String,
    pub scenario: Scenario,
    /// Output units the model needs.
    pub outputs: i64,
    pub tasks: Vec<ContinualTask>,
}

impl TaskStream {
    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether there are no tasks.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    fn check_task(&self, t: usize) -> Result<()> {
        if t >= self.tasks.len() {
            return Err(Error::input(format!(
                "continual: task {t} out of range, the stream `{}` has {} tasks",
                self.name,
                self.tasks.len()
            )));
        }
        Ok(())
    }

    fn classes_upto(&self, t: usize) -> Vec<i64> {
        let mut c: Vec<i64> = self.tasks[..=t]
            .iter()
            .flat_map(|k| k.classes.iter().copied())
            .collect();
        c.sort_unstable();
        c.dedup();
        c
    }

    /// The output units scored (softmax over) while training task `t`.
    pub fn train_classes(&self, t: usize) -> Result<Vec<i64>> {
        self.check_task(t)?;
        Ok(match self.scenario {
            Scenario::TaskIl => self.tasks[t].classes.clone(),
            Scenario::DomainIl => (0..self.outputs).collect(),
            Scenario::ClassIl => self.classes_upto(t),
        })
    }

    /// The output units scored when testing task `j` after training tasks `0..=trained`.
    pub fn eval_classes(&self, trained: usize, j: usize) -> Result<Vec<i64>> {
        self.check_task(trained)?;
        self.check_task(j)?;
        Ok(match self.scenario {
            Scenario::TaskIl => self.tasks[j].classes.clone(),
            Scenario::DomainIl => (0..self.outputs).collect(),
            Scenario::ClassIl => self.classes_upto(trained.max(j)),
        })
    }

    /// Per-task training masks while training task `current`: row `s` (bool `[outputs]`) holds
    /// the units scored for a sample of task `s` (replayed samples of earlier tasks keep their
    /// own head in Task-IL; in Class-IL every row is the classes seen so far).
    pub fn train_masks(&self, current: usize, device: Device) -> Result<Tensor> {
        self.check_task(current)?;
        let rows = (0..self.len())
            .map(|s| match self.scenario {
                Scenario::TaskIl => Ok(self.tasks[s].classes.clone()),
                _ => self.train_classes(current),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Tensor::stack(
            &rows
                .iter()
                .map(|c| class_mask(c, self.outputs, device))
                .collect::<Vec<_>>(),
            0,
        ))
    }
}

/// A bool `[outputs]` mask, true at `classes`.
pub fn class_mask(classes: &[i64], outputs: i64, device: Device) -> Tensor {
    let m = Tensor::zeros([outputs], (Kind::Bool, device));
    if classes.is_empty() {
        return m;
    }
    let idx = Tensor::from_slice(classes).to_device(device);
    m.index_fill(0, &idx, 1)
}

/// The number of classes of `y` (max + 1), checking it is a non-empty i64 `[N]` label vector
/// with non-negative labels.
fn classes_of(what: &str, ds: &TensorDataset) -> Result<i64> {
    if ds.is_empty() {
        return Err(Error::input(format!("continual: the {what} set is empty")));
    }
    if ds.y.kind() != Kind::Int64 || ds.y.dim() != 1 {
        return Err(Error::input(format!(
            "continual: {what} labels must be i64 [N], got {:?} {:?}",
            ds.y.kind(),
            ds.y.size()
        )));
    }
    let min = ds.y.min().int64_value(&[]);
    if min < 0 {
        return Err(Error::input(format!(
            "continual: {what} labels must be >= 0, found {min}"
        )));
    }
    Ok(ds.y.max().int64_value(&[]) + 1)
}

fn check_pair(train: &TensorDataset, test: &TensorDataset) -> Result<i64> {
    let c = classes_of("training", train)?.max(classes_of("test", test)?);
    if train.x.size()[1..] != test.x.size()[1..] {
        return Err(Error::input(format!(
            "continual: training inputs are {:?} per sample but test inputs {:?}",
            &train.x.size()[1..],
            &test.x.size()[1..]
        )));
    }
    if c < 2 {
        return Err(Error::input(format!(
            "continual: need at least 2 classes, the labels hold {c}"
        )));
    }
    Ok(c)
}

fn relabel(scenario: Scenario, y: &Tensor, t: usize, classes: i64) -> Tensor {
    match scenario {
        Scenario::DomainIl => y.shallow_clone(),
        _ => y + t as i64 * classes,
    }
}

fn head_units(scenario: Scenario, t: usize, classes: i64) -> Vec<i64> {
    let base = match scenario {
        Scenario::DomainIl => 0,
        _ => t as i64 * classes,
    };
    (base..base + classes).collect()
}

/// The seeded pixel permutation of task `t` over `features` inputs (the identity for task 0
/// when `identity_first`). Each task draws from its own stream `seed + t`.
pub fn task_permutation(features: usize, seed: u64, t: usize, identity_first: bool) -> Vec<usize> {
    if t == 0 && identity_first {
        return (0..features).collect();
    }
    Rng::new(seed.wrapping_add(t as u64)).permutation(features)
}

/// Apply a permutation of the flattened features of every sample, keeping the shape.
pub fn permute_features(x: &Tensor, perm: &[usize]) -> Result<Tensor> {
    let size = x.size();
    let n = size[0];
    let flat = x.f_reshape([n, -1])?;
    if flat.size()[1] as usize != perm.len() {
        return Err(Error::input(format!(
            "continual: a permutation of {} features for inputs with {} features",
            perm.len(),
            flat.size()[1]
        )));
    }
    let idx: Vec<i64> = perm.iter().map(|&p| p as i64).collect();
    let idx = Tensor::from_slice(&idx).to_device(x.device());
    Ok(flat.f_index_select(1, &idx)?.f_reshape(size.as_slice())?)
}

/// `tasks` permuted versions of a data set (permuted MNIST). Task 0 keeps the original pixel
/// order when `identity_first` (van de Ven's protocol).
pub fn permuted(
    train: &TensorDataset,
    test: &TensorDataset,
    tasks: usize,
    seed: u64,
    identity_first: bool,
    scenario: Scenario,
) -> Result<TaskStream> {
    let c = check_pair(train, test)?;
    if tasks == 0 {
        return Err(Error::input("continual: permuted needs at least one task"));
    }
    let features = train.x.numel() / train.len();
    let mut out = Vec::with_capacity(tasks);
    for t in 0..tasks {
        let perm = task_permutation(features, seed, t, identity_first);
        out.push(ContinualTask {
            train: TensorDataset::new(
                permute_features(&train.x, &perm)?,
                relabel(scenario, &train.y, t, c),
            )?,
            test: TensorDataset::new(
                permute_features(&test.x, &perm)?,
                relabel(scenario, &test.y, t, c),
            )?,
            classes: head_units(scenario, t, c),
        });
    }
    Ok(TaskStream {
        name: "permuted".into(),
        scenario,
        outputs: if scenario == Scenario::DomainIl {
            c
        } else {
            c * tasks as i64
        },
        tasks: out,
    })
}

/// The samples of `ds` whose label lies in `lo..hi`, labels shifted by `-shift`.
fn select_classes(ds: &TensorDataset, lo: i64, hi: i64, shift: i64) -> Result<TensorDataset> {
    let keep = ds.y.ge(lo).logical_and(&ds.y.lt(hi));
    let idx = keep.nonzero().squeeze_dim(1);
    TensorDataset::new(
        ds.x.f_index_select(0, &idx)?,
        ds.y.f_index_select(0, &idx)? - shift,
    )
}

/// Split a data set into tasks of `per_task` consecutive classes (split MNIST: 5 tasks of 2
/// digits). The class count must be a multiple of `per_task`; every class occurs in one task.
pub fn split(
    train: &TensorDataset,
    test: &TensorDataset,
    per_task: usize,
    scenario: Scenario,
) -> Result<TaskStream> {
    let c = check_pair(train, test)?;
    let k = per_task as i64;
    if k < 1 || c % k != 0 {
        return Err(Error::input(format!(
            "continual: split needs a class count ({c}) divisible by the classes per task ({per_task})"
        )));
    }
    let tasks = (c / k) as usize;
    let mut out = Vec::with_capacity(tasks);
    for t in 0..tasks {
        let (lo, hi) = (t as i64 * k, (t as i64 + 1) * k);
        let shift = if scenario == Scenario::DomainIl {
            lo
        } else {
            0
        };
        let (tr, te) = (
            select_classes(train, lo, hi, shift)?,
            select_classes(test, lo, hi, shift)?,
        );
        if tr.is_empty() || te.is_empty() {
            return Err(Error::input(format!(
                "continual: split task {t} (classes {lo}..{hi}) has no training or no test samples"
            )));
        }
        out.push(ContinualTask {
            train: tr,
            test: te,
            classes: (lo - shift..hi - shift).collect(),
        });
    }
    Ok(TaskStream {
        name: "split".into(),
        scenario,
        outputs: if scenario == Scenario::DomainIl { k } else { c },
        tasks: out,
    })
}

/// Rotate images `[N, C, H, W]` by `degrees` (counter-clockwise, bilinear, zero padding).
pub fn rotate_images(x: &Tensor, degrees: f64) -> Result<Tensor> {
    let size = x.size();
    if size.len() != 4 {
        return Err(Error::input(format!(
            "continual: rotation needs images [N, C, H, W], got {size:?}"
        )));
    }
    let (s, c) = degrees.to_radians().sin_cos();
    let theta = Tensor::from_slice(&[c, -s, 0.0, s, c, 0.0])
        .to_kind(x.kind())
        .to_device(x.device())
        .view([1, 2, 3])
        .expand([size[0], 2, 3], false);
    let grid = Tensor::f_affine_grid_generator(&theta, size.as_slice(), false)?;
    Ok(x.f_grid_sampler(&grid, 0, 0, false)?)
}

/// One task per angle in `degrees` (rotated MNIST); labels as in [`permuted`].
pub fn rotated(
    train: &TensorDataset,
    test: &TensorDataset,
    degrees: &[f64],
    scenario: Scenario,
) -> Result<TaskStream> {
    let c = check_pair(train, test)?;
    if degrees.is_empty() {
        return Err(Error::input("continual: rotated needs at least one angle"));
    }
    let mut out = Vec::with_capacity(degrees.len());
    for (t, &d) in degrees.iter().enumerate() {
        out.push(ContinualTask {
            train: TensorDataset::new(
                rotate_images(&train.x, d)?,
                relabel(scenario, &train.y, t, c),
            )?,
            test: TensorDataset::new(rotate_images(&test.x, d)?, relabel(scenario, &test.y, t, c))?,
            classes: head_units(scenario, t, c),
        });
    }
    Ok(TaskStream {
        name: "rotated".into(),
        scenario,
        outputs: if scenario == Scenario::DomainIl {
            c
        } else {
            c * degrees.len() as i64
        },
        tasks: out,
    })
}
