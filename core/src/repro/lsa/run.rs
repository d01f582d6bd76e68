//! One task of the `lsa` reproduction: data, the three trainings, and their evaluation.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::Tensor;

use super::{DataConfig, LsaConfig, NetConfig, TaskConfig, PAPER_GAIN_MNIST, PAPER_GAIN_MOONS};
use crate::data::{mnist, moons::moons, Batch, TensorDataset};
use crate::robust::lsa::AtLrConfig;
use crate::robust::{
    forward_fn, layer_errors, most_vulnerable, robust_accuracy, AdversarialTraining, AtLr,
    AttackConfig, LayerError, Method,
};
use crate::train::{Callback, Task, Trainer};
use crate::{Error, Forward, Result};

/// One training method's numbers on a task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MethodResult {
    /// `plain`, `at` or `at-lr`.
    pub method: String,
    /// Accuracy under FGSM at each evaluation budget.
    pub fgsm: Vec<f64>,
    /// Accuracy under PGD at each evaluation budget.
    pub pgd: Vec<f64>,
    /// Accuracy under APGD-CE at the training budget.
    pub apgd_at_train_eps: f64,
    /// LSA: relative error per layer under PGD at the training budget.
    pub lsa: Vec<LayerError>,
    pub train_seconds: f64,
}

/// One task's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskResult {
    pub name: String,
    /// The evaluation budgets (L∞).
    pub eps: Vec<f64>,
    pub train_eps: f64,
    /// The Most Vulnerable Layers (from the plain model's LSA), regularised by AT-LR.
    pub mvl: Vec<String>,
    /// plain, at, at-lr.
    pub methods: Vec<MethodResult>,
    /// AT-LR minus AT accuracy (points) under PGD at each budget.
    pub gain_pgd: Vec<f64>,
    /// AT-LR minus AT accuracy (points) under FGSM at each budget.
    pub gain_fgsm: Vec<f64>,
    /// The largest of the gains above, over both attacks and all budgets.
    pub max_gain: f64,
    /// The paper's gain for this data set.
    pub paper_gain: f64,
}

impl TaskResult {
    /// The result of `method`.
    pub fn method(&self, method: &str) -> Option<&MethodResult> {
        self.methods.iter().find(|m| m.method == method)
    }
}

struct Data {
    train: TensorDataset,
    test_x: Tensor,
    test_y: Tensor,
    classes: usize,
    bounds: Option<[f64; 2]>,
}

fn load(task: &TaskConfig, seed: u64, mnist_dir: Option<&Path>) -> Result<Data> {
    match &task.data {
        DataConfig::Moons { train, test, noise } => {
            let (x, y) = moons(*train, *noise, seed)?;
            let (test_x, test_y) = moons(*test, *noise, seed.wrapping_add(1))?;
            Ok(Data {
                train: TensorDataset::new(x, y)?,
                test_x,
                test_y,
                classes: 2,
                bounds: None,
            })
        }
        DataConfig::Mnist { train, test } => {
            let dir =
                mnist_dir.ok_or_else(|| Error::input("lsa: the MNIST folder was not resolved"))?;
            let split = |s| {
                let (images, labels) = mnist::files(dir, s);
                mnist::load_files(&images, &labels)
            };
            let (tr, te) = (split(mnist::Split::Train)?, split(mnist::Split::Test)?);
            let shape = |x: Tensor| match task.net {
                NetConfig::Mlp(_) => x.flatten(1, -1),
                NetConfig::Cnn(_) => x,
            };
            let take = |t: &Tensor, n: usize| t.narrow(0, 0, (n as i64).min(t.size()[0]));
            Ok(Data {
                train: TensorDataset::new(
                    shape(take(&tr.images, *train)),
                    take(&tr.labels, *train),
                )?,
                test_x: shape(take(&te.images, *test)),
                test_y: take(&te.labels, *test),
                classes: 10,
                bounds: Some([0.0, 1.0]),
            })
        }
    }
}

fn build(net: &NetConfig, vs: &VarStore) -> Result<Box<dyn Forward>> {
    Ok(match net {
        NetConfig::Mlp(c) => Box::new(c.init(&vs.root())?),
        NetConfig::Cnn(c) => Box::new(c.init(&vs.root())?),
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Plain,
    At,
    AtLr,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Plain => "plain",
            Kind::At => "at",
            Kind::AtLr => "at-lr",
        }
    }
}

fn attack(
    method: Method,
    eps: f64,
    steps: usize,
    bounds: Option<[f64; 2]>,
    seed: u64,
) -> AttackConfig {
    AttackConfig {
        bounds,
        seed: Some(seed),
        ..AttackConfig::new(method, eps, steps)
    }
}

/// Train one model of `task` by `kind` (same initial weights for every kind).
fn train(
    task: &TaskConfig,
    data: &Data,
    kind: Kind,
    mvl: &[String],
) -> Result<(VarStore, Box<dyn Forward>, f64)> {
    let start = Instant::now();
    crate::seed(task.train.seed);
    let mut vs = VarStore::new(crate::device());
    let model = build(&task.net, &vs)?;
    let trainer = Trainer::new(task.train.clone(), Task::classification(data.classes))?;
    let loss_fn = trainer.task.loss_fn(vs.device());
    let loss = |out: &Tensor, b: &Batch| loss_fn.compute(out, &b.y, b.mask.as_ref());
    let mut train_attack = attack(
        Method::Pgd,
        task.train_eps,
        task.train_steps,
        data.bounds,
        0,
    );
    train_attack.seed = None;
    let model_ref: &dyn Forward = &*model;
    match kind {
        Kind::Plain => {
            trainer.fit_callbacks(model_ref, &mut vs, &data.train, None, loss, &mut [])?
        }
        Kind::At => {
            let mut at = AdversarialTraining::new(train_attack)?;
            let cb: &mut dyn Callback<_, Batch> = &mut at;
            trainer.fit_callbacks(model_ref, &mut vs, &data.train, None, loss, &mut [cb])?
        }
        Kind::AtLr => {
            let mut atlr = AtLr::new(AtLrConfig {
                attack: train_attack,
                layers: mvl.to_vec(),
                gamma: task.gamma,
            })?;
            let cb: &mut dyn Callback<_, Batch> = &mut atlr;
            trainer.fit_callbacks(model_ref, &mut vs, &data.train, None, loss, &mut [cb])?
        }
    };
    Ok((vs, model, start.elapsed().as_secs_f64()))
}

/// One model's numbers: accuracy under FGSM and PGD per budget, under APGD at the training
/// budget, and its LSA.
struct Evaluated {
    fgsm: Vec<f64>,
    pgd: Vec<f64>,
    apgd: f64,
    lsa: Vec<LayerError>,
}

fn evaluate(task: &TaskConfig, data: &Data, model: &dyn Forward, seed: u64) -> Result<Evaluated> {
    let device = crate::device();
    let (x, y) = (data.test_x.to_device(device), data.test_y.to_device(device));
    let f = forward_fn(model, None);
    let mut fgsm = Vec::new();
    let mut pgd = Vec::new();
    for &eps in &task.eval_eps {
        let a = attack(Method::Fgsm, eps, 1, data.bounds, seed);
        fgsm.push(robust_accuracy(&f, &x, &y, &a, 500)?.robust);
        let a = attack(Method::Pgd, eps, task.eval_steps, data.bounds, seed);
        pgd.push(robust_accuracy(&f, &x, &y, &a, 500)?.robust);
    }
    let a = attack(
        Method::Apgd,
        task.train_eps,
        task.eval_steps,
        data.bounds,
        seed,
    );
    let apgd = robust_accuracy(&f, &x, &y, &a, 500)?.robust;
    let n = (task.lsa_examples as i64).min(x.size()[0]);
    let (xl, yl) = (x.narrow(0, 0, n), y.narrow(0, 0, n));
    let a = attack(
        Method::Pgd,
        task.train_eps,
        task.train_steps,
        data.bounds,
        seed,
    );
    let adv = a.perturb(&f, &xl, &yl)?;
    let lsa = layer_errors(model, &xl, &adv, None)?;
    Ok(Evaluated {
        fgsm,
        pgd,
        apgd,
        lsa,
    })
}

fn save(net: &NetConfig, dir: &Path, vs: &VarStore, m: &MethodResult) -> Result<()> {
    match net {
        NetConfig::Mlp(c) => crate::models::save_model(dir, vs, c, Some(m)),
        NetConfig::Cnn(c) => crate::models::save_model(dir, vs, c, Some(m)),
    }
}

/// Run `task`: train plain, AT and AT-LR (regularising the plain model's MVL), evaluate each,
/// save the models (the headline task's AT-LR model as the run's `model/`).
pub fn run_task(
    task: &TaskConfig,
    cfg: &LsaConfig,
    mnist_dir: Option<&Path>,
    out: &Path,
    headline: bool,
) -> Result<TaskResult> {
    let data = load(task, cfg.seed, mnist_dir)?;
    let mut methods = Vec::new();
    let mut mvl = Vec::new();
    for kind in [Kind::Plain, Kind::At, Kind::AtLr] {
        let (vs, model, secs) = train(task, &data, kind, &mvl)?;
        let Evaluated {
            fgsm,
            pgd,
            apgd,
            lsa,
        } = evaluate(task, &data, &*model, cfg.seed)?;
        if kind == Kind::Plain {
            mvl = most_vulnerable(&lsa, cfg.mvl_k);
        }
        let m = MethodResult {
            method: kind.name().into(),
            fgsm,
            pgd,
            apgd_at_train_eps: apgd,
            lsa,
            train_seconds: secs,
        };
        let key = format!("{}-{}", task.name, kind.name());
        save(
            &task.net,
            &crate::repro::variant_dir(out, &key, headline && kind == Kind::AtLr),
            &vs,
            &m,
        )?;
        methods.push(m);
    }
    let gain = |pick: fn(&MethodResult) -> &Vec<f64>| -> Vec<f64> {
        pick(&methods[2])
            .iter()
            .zip(pick(&methods[1]))
            .map(|(a, b)| 100.0 * (a - b))
            .collect()
    };
    let (gain_pgd, gain_fgsm) = (gain(|m| &m.pgd), gain(|m| &m.fgsm));
    let max_gain = gain_pgd
        .iter()
        .chain(&gain_fgsm)
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    Ok(TaskResult {
        name: task.name.clone(),
        eps: task.eval_eps.clone(),
        train_eps: task.train_eps,
        mvl,
        methods,
        gain_pgd,
        gain_fgsm,
        max_gain,
        paper_gain: match task.data {
            DataConfig::Moons { .. } => PAPER_GAIN_MOONS,
            DataConfig::Mnist { .. } => PAPER_GAIN_MNIST,
        },
    })
}
