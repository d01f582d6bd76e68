//! [`GateCallback`]: gates trained with the network inside the one Trainer loop.
//!
//! Before training each gated variable's value becomes the master `m` and the variable
//! `m ⊙ g` (`g` the gate broadcast over the channel or the connection). After the backward
//! pass the gate logits receive `∂L/∂s = Σ (∂L/∂v ⊙ m) · σ'(s)` (plus the regulariser's
//! gradient, added to the loss by [`Callback::penalty`]) and the variable's gradient becomes
//! `∂L/∂m = ∂L/∂v ⊙ g`. After the optimizer step the master takes the step the variable took,
//! the gates take an SGD step, and the variable is rewritten as `m ⊙ g`. At the end the gates
//! are thresholded (`s > 0`) into [`Masks`] and the variables hold the pruned weights.

use std::collections::BTreeMap;

use tch::nn::{OptimizerConfig, VarStore};
use tch::{Kind, Tensor};

use super::config::{GateConfig, GateMode, Granularity};
use super::regularizer::polarization;
use crate::prune::magnitude::companions;
use crate::prune::masks::{unknown, Masks};
use crate::prune::select::select;
use crate::train::{Callback, Context, History};
use crate::{Error, Result};

/// One gated variable: its name, the variable, its master, and the value last written.
#[derive(Debug)]
struct Member {
    name: String,
    var: Tensor,
    master: Tensor,
    last: Tensor,
}

/// The gates of one weight (and, for channel gates, of its bias and batch norm).
#[derive(Debug)]
struct Group {
    weight: String,
    members: Vec<Member>,
    /// Gate logits: `[C]` for channels, the weight's shape for connections.
    logits: Tensor,
    /// Connections each gate controls (the weight's values per gate).
    per_gate: i64,
}

/// Binary gates with the polarization regulariser, as a training callback.
pub struct GateCallback {
    cfg: GateConfig,
    groups: Vec<Group>,
    opt: tch::nn::Optimizer,
}

impl std::fmt::Debug for GateCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GateCallback")
            .field("cfg", &self.cfg)
            .field("layers", &self.layers())
            .finish()
    }
}

/// `g` shaped to multiply a member of `shape` (channel gates: `[C, 1, …]` for a weight).
fn broadcast(g: &Tensor, shape: &[i64], granularity: Granularity) -> Result<Tensor> {
    Ok(match granularity {
        Granularity::Connection => g.shallow_clone(),
        Granularity::Channel => {
            let mut s = vec![shape[0]];
            s.extend(std::iter::repeat_n(1, shape.len() - 1));
            g.f_view(s.as_slice())?
        }
    })
}

/// `∂L/∂v ⊙ m` reduced to the gate's shape.
fn reduce(t: &Tensor, granularity: Granularity) -> Result<Tensor> {
    Ok(match granularity {
        Granularity::Connection => t.shallow_clone(),
        Granularity::Channel => t.f_reshape([t.size()[0], -1])?.f_sum_dim_intlist(
            [1i64].as_slice(),
            false,
            Kind::Float,
        )?,
    })
}

impl GateCallback {
    /// Gates for the weights of `vs` chosen by `cfg.layers` (validated; an unknown layer is an
    /// error listing the weights there are), every gate open at `cfg.init_logit`.
    pub fn new(vs: &VarStore, cfg: GateConfig) -> Result<Self> {
        cfg.validate()?;
        let names = select(vs, cfg.layers.as_deref())?;
        let vars = vs.variables();
        let gates = VarStore::new(vs.device());
        let mut groups = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let w = vars.get(name).ok_or_else(|| unknown(name, vs))?;
            if w.dim() < 2 {
                return Err(Error::input(format!(
                    "gates: `{name}` has shape {:?}; gates attach to weights of rank >= 2",
                    w.size()
                )));
            }
            let mut member_names = vec![name.clone()];
            let (shape, per_gate) = match cfg.granularity {
                Granularity::Channel => {
                    member_names.extend(companions(name, vs));
                    (vec![w.size()[0]], w.numel() as i64 / w.size()[0].max(1))
                }
                Granularity::Connection => (w.size(), 1),
            };
            let init = Tensor::full(shape.as_slice(), cfg.init_logit, (Kind::Float, vs.device()));
            let logits = gates.root().f_var_copy(&format!("g{i}"), &init)?;
            let members = member_names
                .into_iter()
                .map(|n| {
                    let var = vars[&n].shallow_clone();
                    Member {
                        master: var.detach().copy(),
                        last: var.detach().copy(),
                        name: n,
                        var,
                    }
                })
                .collect();
            groups.push(Group {
                weight: name.clone(),
                members,
                logits,
                per_gate,
            });
        }
        // Plain SGD with momentum: gates move by their gradients' size (Adam would scale every
        // gate's step alike and erase the data's ranking of the gates against the regulariser).
        let opt = tch::nn::Sgd {
            momentum: 0.9,
            ..Default::default()
        }
        .build(&gates, cfg.gate_lr)?;
        // The optimizer holds the logits (the store itself may go).
        Ok(GateCallback { cfg, groups, opt })
    }

    /// The gated weights, sorted by name.
    pub fn layers(&self) -> Vec<String> {
        self.groups.iter().map(|g| g.weight.clone()).collect()
    }

    /// The config.
    pub fn config(&self) -> &GateConfig {
        &self.cfg
    }

    /// The gate value the forward pass uses (hard 0/1, or σ(s) for the relaxation).
    fn forward_gate(&self, logits: &Tensor) -> Result<Tensor> {
        Ok(match self.cfg.mode {
            GateMode::Ste => logits.f_gt(0.0)?.f_to_kind(Kind::Float)?,
            GateMode::Sigmoid => logits.f_sigmoid()?,
        })
    }

    /// Write `m ⊙ g` into every gated variable (`hard`: the thresholded gates).
    fn write(&mut self, hard: bool) -> Result<()> {
        let granularity = self.cfg.granularity;
        let gates: Vec<Tensor> = self
            .groups
            .iter()
            .map(|g| {
                let l = g.logits.detach();
                if hard {
                    Ok(l.f_gt(0.0)?.f_to_kind(Kind::Float)?)
                } else {
                    self.forward_gate(&l)
                }
            })
            .collect::<Result<_>>()?;
        tch::no_grad(|| {
            for (group, gate) in self.groups.iter_mut().zip(&gates) {
                for m in group.members.iter_mut() {
                    let g = broadcast(gate, &m.var.size(), granularity)?.f_to_kind(m.var.kind())?;
                    let v = m.master.f_mul(&g)?;
                    m.var.f_copy_(&v)?;
                    m.last = v;
                }
            }
            Ok(())
        })
    }

    /// Gate probabilities `σ(s)` of every gate, flattened in layer order.
    pub fn probabilities(&self) -> Result<Vec<f64>> {
        let mut out = Vec::new();
        for g in &self.groups {
            let p = g
                .logits
                .detach()
                .f_sigmoid()?
                .f_to_kind(Kind::Double)?
                .f_flatten(0, -1)?;
            out.extend(Vec::<f64>::try_from(&p)?);
        }
        Ok(out)
    }

    /// The regulariser over the gates of each layer, summed (a scalar with gradients to the
    /// logits): every layer is held at the target, so no layer closes entirely. With
    /// [`GateMode::Ste`] it sees the hard gates, `h + σ(s) − sg(σ(s))` (straight through), so
    /// the target holds the fraction of gates actually open and the polarization term pushes
    /// open gates further open and closed ones further closed.
    pub fn regularizer(&self) -> Result<Tensor> {
        let mut total: Option<Tensor> = None;
        for g in &self.groups {
            let p = g.logits.f_sigmoid()?.f_flatten(0, -1)?;
            let p = match self.cfg.mode {
                GateMode::Ste => {
                    let h = g
                        .logits
                        .detach()
                        .f_gt(0.0)?
                        .f_to_kind(Kind::Float)?
                        .f_flatten(0, -1)?;
                    h.f_add(&p)?.f_sub(&p.detach())?
                }
                GateMode::Sigmoid => p,
            };
            let n = Tensor::full(
                [p.numel() as i64],
                g.per_gate as f64,
                (Kind::Float, p.device()),
            );
            let r = polarization(&p, &n, self.cfg.keep(), self.cfg.alpha, self.cfg.beta)?;
            total = Some(match total {
                Some(t) => t.f_add(&r)?,
                None => r,
            });
        }
        total.ok_or_else(|| Error::input("gates: no gated layer".to_string()))
    }

    /// The masks of the thresholded gates (`s > 0` kept): for every gated weight a 0/1 tensor of
    /// its shape, and for channel gates one for each companion (bias, batch norm).
    pub fn masks(&self) -> Result<Masks> {
        let mut map = BTreeMap::new();
        for g in &self.groups {
            let hard = g.logits.detach().f_gt(0.0)?.f_to_kind(Kind::Float)?;
            for m in &g.members {
                let shape = m.var.size();
                let mask = broadcast(&hard, &shape, self.cfg.granularity)?
                    .f_expand(shape.as_slice(), false)?
                    .f_contiguous()?
                    .f_to_kind(m.var.kind())?;
                map.insert(m.name.clone(), mask);
            }
        }
        Ok(Masks::from_map(map))
    }

    /// Fraction of the gated weights' connections the thresholded gates remove.
    pub fn sparsity(&self) -> Result<f64> {
        let (mut total, mut kept) = (0i64, 0i64);
        for g in &self.groups {
            let on = g
                .logits
                .detach()
                .f_gt(0.0)?
                .f_sum(Kind::Int64)?
                .int64_value(&[]);
            total += g.logits.numel() as i64 * g.per_gate;
            kept += on * g.per_gate;
        }
        Ok(if total == 0 {
            0.0
        } else {
            1.0 - kept as f64 / total as f64
        })
    }
}

impl<M: ?Sized, B> Callback<M, B> for GateCallback {
    fn on_train_begin(&mut self, _ctx: &mut Context<'_, M>) -> Result<()> {
        for g in self.groups.iter_mut() {
            for m in g.members.iter_mut() {
                m.master = m.var.detach().copy();
            }
        }
        self.write(false)
    }

    fn penalty(&mut self, _ctx: &mut Context<'_, M>, _batch: &B) -> Result<Option<Tensor>> {
        self.regularizer().map(Some)
    }

    fn after_backward(&mut self, _ctx: &mut Context<'_, M>) -> Result<()> {
        let granularity = self.cfg.granularity;
        let mode = self.cfg.mode;
        tch::no_grad(|| {
            for g in &self.groups {
                let s = g.logits.detach();
                let p = s.f_sigmoid()?;
                let dp = &p * (1.0 - &p);
                let gate = match mode {
                    GateMode::Ste => s.f_gt(0.0)?.f_to_kind(Kind::Float)?,
                    GateMode::Sigmoid => p.shallow_clone(),
                };
                let mut data = s.zeros_like();
                for m in &g.members {
                    let mut grad = m.var.grad();
                    if !grad.defined() {
                        continue;
                    }
                    let gm = grad
                        .f_to_kind(Kind::Float)?
                        .f_mul(&m.master.f_to_kind(Kind::Float)?)?;
                    data = data.f_add(&reduce(&gm, granularity)?)?;
                    let b = broadcast(&gate, &m.var.size(), granularity)?.f_to_kind(grad.kind())?;
                    let scaled = grad.f_mul(&b)?;
                    grad.f_copy_(&scaled)?;
                }
                let mut lg = g.logits.grad();
                let step = data.f_mul(&dp)?;
                if lg.defined() {
                    let _ = lg.f_add_(&step)?;
                } else {
                    return Err(Error::input(format!(
                        "gates: the logits of `{}` got no gradient from the regulariser",
                        g.weight
                    )));
                }
            }
            Ok(())
        })
    }

    fn after_optimizer_step(&mut self, _ctx: &mut Context<'_, M>) -> Result<()> {
        tch::no_grad(|| -> Result<()> {
            for g in self.groups.iter_mut() {
                for m in g.members.iter_mut() {
                    let moved = m.var.detach().f_sub(&m.last)?;
                    m.master = m.master.f_add(&moved)?;
                }
            }
            Ok(())
        })?;
        self.opt.step();
        self.opt.zero_grad();
        self.write(false)
    }

    fn on_train_end(&mut self, _ctx: &mut Context<'_, M>, _history: &History) -> Result<()> {
        self.write(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_inputs_are_clear_errors() {
        let vs = VarStore::new(tch::Device::Cpu);
        let _m = crate::nn::mlp::MlpConfig::new(3, [4], 2)
            .init(&vs.root())
            .unwrap();
        for s in [1.0, 1.5, -0.1] {
            let cfg = GateConfig {
                sparsity: s,
                ..Default::default()
            };
            let e = GateCallback::new(&vs, cfg).unwrap_err().to_string();
            assert!(e.contains("sparsity must be in [0, 1)"), "{e}");
        }
        let cfg = GateConfig {
            layers: Some("conv.*".into()),
            ..Default::default()
        };
        let e = GateCallback::new(&vs, cfg).unwrap_err().to_string();
        assert!(
            e.contains("`conv.*`") && e.contains("hidden.0.weight"),
            "{e}"
        );
        let cfg = GateConfig {
            layers: Some("hidden.0.bias".into()),
            ..Default::default()
        };
        let e = GateCallback::new(&vs, cfg).unwrap_err().to_string();
        assert!(e.contains("rank >= 2"), "{e}");
        // Channel gates carry the bias along; connection gates have one gate per value.
        let cfg = GateConfig {
            layers: Some("hidden.0.weight".into()),
            ..Default::default()
        };
        let cb = GateCallback::new(&vs, cfg).unwrap();
        let masks = cb.masks().unwrap();
        assert_eq!(masks.names(), ["hidden.0.bias", "hidden.0.weight"]);
        assert_eq!(cb.probabilities().unwrap().len(), 4);
        assert_eq!(cb.sparsity().unwrap(), 0.0);
    }
}
