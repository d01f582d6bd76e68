//! HLOP: Hebbian Learning based Orthogonal Projection (Xiao, Meng, Zhang, Zhang, Wang & Lin,
//! "Hebbian Learning based Orthogonal Projection for Continual Learning of Spiking Neural
//! Networks", ICLR 2024), as a [`Callback`] for any core model's linear and conv layers.
//!
//! For every weight layer, lateral Hebbian neurons ([`HebbianSubspace`]) learn the principal
//! subspace of the layer's input activity while a task is trained. When the task ends their
//! weights are fixed; during every later task the layer's weight gradient `G` (`[out, in]`) is
//! projected orthogonally to the fixed subspaces, `G ← G − G Q Qᵀ` (`Q` an orthonormal basis of
//! the fixed Hebbian weights), so the layer's response to earlier tasks' inputs — which lie
//! (mostly) in those subspaces — does not change. New neurons are added per task (defaults for
//! HLOP's permuted-MNIST MLP: 80/200/100 in the first task, 70 more per layer per task, 20 fewer
//! every third task, from the official `spiking_train_pmnist*.py`). Biases are frozen after the
//! first task, as in the official code.
//!
//! Each training fit is one task: [`Callback::on_train_begin`] adds the task's neurons and
//! [`Callback::on_train_end`] fixes them. Before each training step the callback runs the batch
//! once more without gradients under [`Capture`] to read the layers' inputs (capture names, or
//! [`INPUT`] for the batch itself) and updates the Hebbian neurons; after the backward pass it
//! projects the gradients, and after the optimizer step it projects the step itself (so the
//! protection also holds under Adam, whose per-coordinate scaling would leave the subspace).
//!
//! What differs from the paper: the projection uses an orthonormalised (QR) basis of the fixed
//! Hebbian weights rather than the raw weights, the optimizer's step is projected too (the paper
//! uses plain SGD, where the two coincide), and the lateral neurons are rate-valued (the paper's
//! spiking lateral neurons are an option there).

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::hebbian::{HebbianConfig, HebbianSubspace};
use crate::data::Batch;
use crate::nn::capture::Capture;
use crate::train::{Callback, Context, TrainStep};
use crate::{ensure_config, Error, Result};

/// The input name that stands for the batch's inputs themselves (flattened for linear layers).
pub const INPUT: &str = "@input";

/// What kind of layer a weight belongs to (how its input activity is arranged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum LayerKind {
    /// `weight [out, in]`, input `[B, in]` (or anything flattening to it).
    Linear,
    /// `weight [out, c, kh, kw]`, input `[B, c, H, W]`; the activity is every receptive field
    /// (`c·kh·kw` values; im2col).
    Conv2d { stride: i64, padding: i64 },
}

/// One projected layer: its weight variable and where its input activity comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HlopLayer {
    /// Variable name in the VarStore (`hidden.0.weight`).
    pub weight: String,
    /// Capture name of the layer's input (`hidden.0` for the layer after it), or [`INPUT`].
    pub input: String,
    pub kind: LayerKind,
}

impl HlopLayer {
    pub fn linear(weight: impl Into<String>, input: impl Into<String>) -> Self {
        HlopLayer {
            weight: weight.into(),
            input: input.into(),
            kind: LayerKind::Linear,
        }
    }
}

/// HLOP settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HlopConfig {
    pub hebbian: HebbianConfig,
    /// Neurons per layer added in the first task.
    pub first: Vec<i64>,
    /// Neurons per layer added in each later task.
    pub increment: Vec<i64>,
    /// Every this many tasks the increment shrinks by `shrink` (0: never).
    pub shrink_every: usize,
    pub shrink: i64,
    /// Zero bias gradients from the second task on.
    pub freeze_bias: bool,
}

impl Default for HlopConfig {
    /// The official permuted-MNIST settings for a 2-hidden-layer MLP (three weight layers).
    fn default() -> Self {
        HlopConfig {
            hebbian: HebbianConfig::default(),
            first: vec![80, 200, 100],
            increment: vec![70, 70, 70],
            shrink_every: 3,
            shrink: 20,
            freeze_bias: true,
        }
    }
}

impl HlopConfig {
    pub fn validate(&self, layers: usize) -> Result<()> {
        self.hebbian.validate()?;
        ensure_config!(
            self.first.len() == layers && self.increment.len() == layers,
            "hlop: first ({}) and increment ({}) need one entry per projected layer ({layers})",
            self.first.len(),
            self.increment.len()
        );
        ensure_config!(
            self.first.iter().chain(&self.increment).all(|&k| k >= 0) && self.shrink >= 0,
            "hlop: neuron counts must be >= 0"
        );
        Ok(())
    }

    /// Neurons added to layer `l` when task `task` (0-based) begins.
    pub fn neurons(&self, task: usize, l: usize) -> i64 {
        if task == 0 {
            return self.first[l];
        }
        let shrinks = task.checked_div(self.shrink_every).unwrap_or(0) as i64;
        (self.increment[l] - shrinks * self.shrink).max(0)
    }
}

/// The HLOP callback; see the module documentation.
pub struct Hlop {
    config: HlopConfig,
    layers: Vec<HlopLayer>,
    subspaces: Vec<HebbianSubspace>,
    /// Projection bases of the current task, per layer.
    bases: Vec<Option<Tensor>>,
    weights: Vec<Tensor>,
    biases: Vec<Option<Tensor>>,
    /// Weights and biases before the optimizer step, for the layers being protected.
    snapshots: Vec<Option<(Tensor, Option<Tensor>)>>,
    /// Tasks finished.
    task: usize,
    /// Learn subspaces (false: only project with what was learned).
    pub learn: bool,
}

fn variable(vs: &VarStore, name: &str) -> Result<Tensor> {
    let vars = vs.variables();
    vars.get(name).map(Tensor::shallow_clone).ok_or_else(|| {
        let mut names: Vec<&String> = vars.keys().collect();
        names.sort();
        Error::config(format!(
            "hlop: the model has no variable `{name}` (it has: {})",
            names
                .iter()
                .take(20)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

impl Hlop {
    /// HLOP over `layers` of the model whose variables are in `vs`; unknown names and
    /// non-matching shapes are config errors.
    pub fn new(config: HlopConfig, layers: Vec<HlopLayer>, vs: &VarStore) -> Result<Self> {
        ensure_config!(!layers.is_empty(), "hlop: no layers to project");
        config.validate(layers.len())?;
        let mut subspaces = Vec::new();
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        let vars = vs.variables();
        for l in &layers {
            let w = variable(vs, &l.weight)?;
            let n = match l.kind {
                LayerKind::Linear => {
                    ensure_config!(
                        w.dim() == 2,
                        "hlop: `{}` is not a linear weight [out, in]: {:?}",
                        l.weight,
                        w.size()
                    );
                    w.size()[1]
                }
                LayerKind::Conv2d { stride, padding } => {
                    ensure_config!(
                        w.dim() == 4,
                        "hlop: `{}` is not a conv2d weight [out, c, kh, kw]: {:?}",
                        l.weight,
                        w.size()
                    );
                    ensure_config!(
                        stride > 0 && padding >= 0,
                        "hlop: `{}`: stride must be > 0 and padding >= 0",
                        l.weight
                    );
                    ensure_config!(
                        w.size()[2] == w.size()[3],
                        "hlop: `{}`: only square kernels are supported, got {:?}",
                        l.weight,
                        w.size()
                    );
                    w.size()[1..].iter().product()
                }
            };
            subspaces.push(HebbianSubspace::new(config.hebbian, n, vs.device())?);
            let bias_name = l.weight.strip_suffix("weight").map(|p| format!("{p}bias"));
            biases.push(bias_name.and_then(|b| vars.get(&b).map(Tensor::shallow_clone)));
            weights.push(w);
        }
        Ok(Hlop {
            bases: (0..layers.len()).map(|_| None).collect(),
            snapshots: (0..layers.len()).map(|_| None).collect(),
            config,
            layers,
            subspaces,
            weights,
            biases,
            task: 0,
            learn: true,
        })
    }

    /// The layers' Hebbian subspaces.
    pub fn subspaces(&self) -> &[HebbianSubspace] {
        &self.subspaces
    }

    /// The projected layers.
    pub fn layers(&self) -> &[HlopLayer] {
        &self.layers
    }

    /// Tasks finished.
    pub fn tasks_done(&self) -> usize {
        self.task
    }

    /// Start a task: add its neurons and fix the projection bases of the earlier tasks.
    pub fn begin_task(&mut self) -> Result<()> {
        for (l, s) in self.subspaces.iter_mut().enumerate() {
            if self.learn {
                s.add(self.config.neurons(self.task, l))?;
            }
            self.bases[l] = s.fixed_basis()?;
        }
        Ok(())
    }

    /// End a task: fix every neuron learned so far.
    pub fn end_task(&mut self) {
        for s in &mut self.subspaces {
            s.merge();
        }
        self.task += 1;
    }

    /// The activity rows (`[rows, n]`) of `layer` (with its subspace `s`) from its captured (or
    /// batch) input: the flattened input of a linear layer, every receptive field of a conv.
    pub fn activity(
        &self,
        s: &HebbianSubspace,
        layer: &HlopLayer,
        input: &Tensor,
    ) -> Result<Tensor> {
        let n = s.input_dim();
        let a = match layer.kind {
            LayerKind::Linear => input.f_reshape([-1, n])?,
            LayerKind::Conv2d { stride, padding } => {
                let c = input.size().get(1).copied().unwrap_or(0);
                let k2 = n / c.max(1);
                let kh = (k2 as f64).sqrt().round() as i64;
                let kw = k2 / kh.max(1);
                // [B, c·kh·kw, L] → [B·L, c·kh·kw]
                let cols =
                    input.f_im2col([kh, kw], [1, 1], [padding, padding], [stride, stride])?;
                cols.f_permute([0, 2, 1])?.f_reshape([-1, n])?
            }
        };
        Ok(a.to_kind(Kind::Float))
    }

    /// Update every layer's learning neurons from the inputs captured in `cap` (and the batch).
    pub fn observe(&mut self, cap: &Capture, batch_x: &Tensor) -> Result<()> {
        for l in 0..self.layers.len() {
            let name = &self.layers[l].input;
            let input = if name == INPUT {
                batch_x.shallow_clone()
            } else {
                cap.activation(name).ok_or_else(|| {
                    Error::config(format!(
                        "hlop: layer `{}` reads its input from capture point `{name}`, which the model's forward did not produce (it produced: {})",
                        self.layers[l].weight,
                        cap.seen().join(", ")
                    ))
                })?
            };
            let a = self.activity(&self.subspaces[l], &self.layers[l], &input)?;
            self.subspaces[l].update(&a)?;
        }
        Ok(())
    }

    /// Project every layer's weight gradient orthogonally to the earlier tasks' subspaces (and
    /// zero the bias gradients after the first task when configured), and remember the weights
    /// so that [`Hlop::project_update`] can project the optimizer's step as well.
    pub fn project(&mut self) -> Result<()> {
        tch::no_grad(|| -> Result<()> {
            for (l, w) in self.weights.iter().enumerate() {
                let Some(q) = &self.bases[l] else { continue };
                let bias = self.biases[l].as_ref().filter(|_| self.config.freeze_bias);
                self.snapshots[l] = Some((w.detach().copy(), bias.map(|b| b.detach().copy())));
                let mut g = w.grad();
                if g.defined() {
                    g.copy_(&project_rows(&g, q)?);
                }
                if let Some(b) = bias {
                    let mut gb = b.grad();
                    if gb.defined() {
                        let _ = gb.zero_();
                    }
                }
            }
            Ok(())
        })
    }

    /// After the optimizer step: keep only the part of each weight's change orthogonal to the
    /// earlier tasks' subspaces (and undo frozen biases' changes). With plain SGD the projected
    /// gradient already gives such a step; optimizers that rescale coordinates (Adam) or decay
    /// weights do not, and this makes the protection exact for them too.
    pub fn project_update(&mut self) -> Result<()> {
        tch::no_grad(|| -> Result<()> {
            for (l, w) in self.weights.iter().enumerate() {
                let (Some(q), Some((before, bias_before))) =
                    (&self.bases[l], self.snapshots[l].take())
                else {
                    continue;
                };
                let delta = w.detach() - &before;
                let mut w = w.shallow_clone();
                w.copy_(&(before + project_rows(&delta, q)?));
                if let (Some(b), Some(bb)) = (&self.biases[l], bias_before) {
                    let mut b = b.shallow_clone();
                    b.copy_(&bb);
                }
            }
            Ok(())
        })
    }

    fn capture_names(&self) -> Vec<String> {
        self.layers
            .iter()
            .filter(|l| l.input != INPUT)
            .map(|l| l.input.clone())
            .collect()
    }
}

/// `m − (m Q) Qᵀ` for `m` reshaped to `[rows, n]` (a conv weight's `[out, c·kh·kw]`), in `m`'s shape.
fn project_rows(m: &Tensor, q: &Tensor) -> Result<Tensor> {
    let shape = m.size();
    let m2 = m.f_reshape([shape[0], -1])?;
    let p = &m2 - m2.f_matmul(q)?.f_matmul(&q.tr())?;
    Ok(p.f_reshape(shape.as_slice())?)
}

/// A batch whose model inputs HLOP can read (for layers fed by [`INPUT`]).
pub trait InputBatch {
    fn inputs(&self) -> &Tensor;
}

impl InputBatch for Batch {
    fn inputs(&self) -> &Tensor {
        &self.x
    }
}

impl<B: InputBatch, S: TrainStep<B>> Callback<S, B> for Hlop {
    fn on_train_begin(&mut self, _ctx: &mut Context<'_, S>) -> Result<()> {
        self.begin_task()
    }

    fn before_forward(&mut self, ctx: &mut Context<'_, S>, batch: &mut B) -> Result<()> {
        if !self.learn {
            return Ok(());
        }
        let cap = Capture::layers(self.capture_names());
        tch::no_grad(|| cap.run(|| ctx.model.step(batch, false)))?;
        self.observe(&cap, batch.inputs())
    }

    fn after_backward(&mut self, _ctx: &mut Context<'_, S>) -> Result<()> {
        self.project()
    }

    fn after_optimizer_step(&mut self, _ctx: &mut Context<'_, S>) -> Result<()> {
        self.project_update()
    }

    fn on_train_end(
        &mut self,
        _ctx: &mut Context<'_, S>,
        _history: &crate::train::History,
    ) -> Result<()> {
        self.end_task();
        Ok(())
    }
}
