//! FIM-MJP (Berghaus, Cvejoski, Seifner, Ojeda & Sánchez, "Foundation Inference Models for
//! Markov Jump Processes", NeurIPS 2024): a recognition network, trained once on simulated
//! processes, that reads several noisy, irregularly observed paths of an unseen Markov jump
//! process and outputs its rate matrix and initial distribution zero-shot.
//!
//! Reproduced: a per-path sequence encoder over the observations (time, time since the previous
//! observation, observed state), attention over the paths of a process, and a head that outputs
//! the off-diagonal rates (softplus of a mean), a log-variance per rate, and the initial
//! distribution; trained on the synthetic prior with a Gaussian negative log-likelihood of the
//! rates plus the cross-entropy of the initial distribution ([`fim_loss`]).
//!
//! What differs: the paper's encoder is a Transformer/LSTM over 300 paths of up to 100 points
//! with ~25 M parameters trained on 45 k processes; here a GRU over `paths` (20) paths with
//! ~0.1 M parameters trained on a few thousand processes on a CPU. Each observation slot is
//! expanded into its one-hot state, previous state, the one-hot pair (previous → current) and the
//! time since the previous observation spent in the previous state; the per-path masked mean
//! of these slot embeddings is fed to the head beside the GRU summary (a skip path that makes
//! the transition statistics linear in the pooled features), and the head also reads fixed,
//! unlearned statistics of all paths (log counts of observed pairs, log time observed after each
//! state, the log of the naive rate count / time, the log mean time step), and outputs its
//! mean rates as a correction of that naive rate (`softplus(raw + softplus⁻¹(naive))`). The loss adds the squared error of
//! the mean rates to the Gaussian NLL, which trains the means faster at this scale.
//!
//! Input `[B, P, L, 6]` (see [`crate::mjp::features`]); output `[B, 78]`: 36 mean rates of a
//! `6 × 6` matrix (0 outside the process's states and on the diagonal), 36 log-variances, and 6
//! initial probabilities (0 beyond the process's states).

use serde::{Deserialize, Serialize};
use tch::nn::{Init, Linear, Module, RNNConfig, RNN};
use tch::{nn, Kind, Tensor};

use deepfield_core::models::ModelConfig;
use deepfield_core::nn::init::{linear, LinearInit};
use deepfield_core::Forward;

use crate::mjp::features::{FEATURES, TARGET};
use crate::mjp::MAX_STATES;
use crate::{ensure_config, Error, Result};

/// Width of the expanded observation slot the model embeds.
const SLOT: i64 = 3 + 3 * MAX_STATES as i64 + (MAX_STATES * MAX_STATES) as i64 + MAX_STATES as i64;

/// Width of the fixed transition statistics ([`FimMjp::statistics`]).
const STATISTICS: i64 = 2 * (MAX_STATES * MAX_STATES) as i64 + MAX_STATES as i64 + 1;

/// FIM-MJP configuration (sizes ours, see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FimMjpConfig {
    /// Size of an observation slot's embedding.
    pub embed: i64,
    /// GRU hidden size of the path encoder.
    pub hidden: i64,
    /// Size of a path's summary (and of the attention's values).
    pub model_dim: i64,
    /// Attention heads over the paths (must divide `model_dim`).
    pub heads: i64,
    /// Hidden width of the output head.
    pub head_hidden: i64,
    /// Paths per process the model is trained with (longer inputs are read in groups of this).
    pub paths: usize,
    /// Time unit of the input (the prior's horizon): times are divided by it.
    pub time_unit: f64,
    /// Initialisation of every linear layer.
    pub init: LinearInit,
}

impl Default for FimMjpConfig {
    fn default() -> Self {
        FimMjpConfig {
            embed: 64,
            hidden: 64,
            model_dim: 64,
            heads: 4,
            head_hidden: 128,
            paths: 20,
            time_unit: 10.0,
            init: LinearInit::Torch,
        }
    }
}

impl FimMjpConfig {
    /// Check the sizes.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.embed > 0 && self.hidden > 0 && self.head_hidden > 0 && self.paths > 0,
            "fim_mjp: embed, hidden, head_hidden and paths must be > 0"
        );
        ensure_config!(
            self.heads > 0 && self.model_dim > 0 && self.model_dim % self.heads == 0,
            "fim_mjp: heads must divide model_dim ({} / {})",
            self.model_dim,
            self.heads
        );
        ensure_config!(
            self.time_unit > 0.0 && self.time_unit.is_finite(),
            "fim_mjp: time_unit must be > 0"
        );
        Ok(())
    }

    /// Build the network under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<FimMjp> {
        self.validate()?;
        let d = self.model_dim;
        let lin = |name: &str, i: i64, o: i64| linear(&(path / name), i, o, self.init);
        let gru = nn::gru(
            path / "gru",
            self.embed,
            self.hidden,
            RNNConfig {
                batch_first: true,
                ..Default::default()
            },
        );
        Ok(FimMjp {
            slot: lin("slot", SLOT, self.embed)?,
            gru,
            path_proj: lin("path_proj", self.hidden + self.embed + 1, d)?,
            key: lin("key", d, d)?,
            value: lin("value", d, d)?,
            query: path.var(
                "query",
                &[self.heads, d / self.heads],
                Init::Randn {
                    mean: 0.0,
                    stdev: 1.0 / ((d / self.heads) as f64).sqrt(),
                },
            ),
            head1: lin(
                "head1",
                d + self.embed + MAX_STATES as i64 + STATISTICS,
                self.head_hidden,
            )?,
            head2: lin("head2", self.head_hidden, self.head_hidden)?,
            out: lin("out", self.head_hidden, TARGET as i64)?,
            cfg: self.clone(),
        })
    }
}

/// The FIM-MJP network.
#[derive(Debug)]
pub struct FimMjp {
    slot: Linear,
    gru: nn::GRU,
    path_proj: Linear,
    key: Linear,
    value: Linear,
    query: Tensor,
    head1: Linear,
    head2: Linear,
    out: Linear,
    cfg: FimMjpConfig,
}

impl FimMjp {
    /// The configuration it was built from.
    pub fn config(&self) -> &FimMjpConfig {
        &self.cfg
    }

    /// Expand `[B, P, L, 6]` slots into `[B, P, L, SLOT]` features; also the valid mask
    /// `[B, P, L, 1]`, the states that exist `[B, 6]` and the transition statistics `[B, 79]`.
    fn expand(xs: &Tensor) -> (Tensor, Tensor, Tensor, Tensor, Tensor) {
        let m = MAX_STATES as i64;
        let t = xs.narrow(3, 0, 1);
        let dt = xs.narrow(3, 1, 1);
        let valid = xs.narrow(3, 2, 1);
        let state = xs
            .select(3, 3)
            .round()
            .clamp(0, m - 1)
            .to_kind(Kind::Int64)
            .one_hot(m)
            .to_kind(Kind::Float)
            * &valid;
        let prev = xs
            .select(3, 4)
            .round()
            .clamp(0, m)
            .to_kind(Kind::Int64)
            .one_hot(m + 1)
            .narrow(3, 1, m)
            .to_kind(Kind::Float)
            * &valid;
        let k = xs.select(3, 5).unsqueeze(-1);
        let idx = Tensor::arange(m, (Kind::Float, xs.device()));
        let exists = idx.lt_tensor(&k).to_kind(Kind::Float) * &valid;
        let pair = (prev.unsqueeze(-1) * state.unsqueeze(-2)).flatten(3, 4);
        let dwell = &prev * &dt;
        let states = exists.amax([1, 2], false);
        let (stats, naive) = Self::statistics(&pair, &dwell, &dt, &states);
        let feat = Tensor::cat(
            &[
                t,
                dt,
                valid.shallow_clone(),
                state,
                prev,
                exists,
                pair,
                dwell,
            ],
            3,
        );
        (feat, valid, states, stats, naive)
    }

    /// Fixed (unlearned) statistics of all paths: log(1 + count) of every observed pair
    /// `a → b` (36), log(1 + time) observed after each state (6), the log of the naive rate
    /// `(count_ab + 0.1) / (time_a + 0.1)` on the process's off-diagonal pairs (36), and the log
    /// of the mean time step (1); and the naive rates themselves `[B, 36]` (per input time unit,
    /// 0 off the process's pairs).
    fn statistics(pair: &Tensor, dwell: &Tensor, dt: &Tensor, states: &Tensor) -> (Tensor, Tensor) {
        let m = MAX_STATES as i64;
        let b = pair.size()[0];
        let counts = pair.sum_dim_intlist(&[1i64, 2][..], false, Kind::Float);
        let time = dwell.sum_dim_intlist(&[1i64, 2][..], false, Kind::Float);
        let eye = Tensor::eye(m, (Kind::Float, pair.device()));
        let off = (eye.ones_like() - &eye).view([1, m * m]);
        let pair_mask = (states.unsqueeze(2) * states.unsqueeze(1)).view([b, m * m]) * off;
        let naive_rate = ((&counts + 0.1).view([b, m, m]) / (&time + 0.1).view([b, m, 1]))
            .view([b, m * m])
            * &pair_mask;
        let naive = naive_rate.clamp_min(1e-6).log() * &pair_mask;
        let steps = (dt.sum_dim_intlist(&[1i64, 2, 3][..], false, Kind::Float)
            / counts.sum_dim_intlist(1, false, Kind::Float).clamp_min(1.0))
        .clamp_min(1e-3);
        let features = Tensor::cat(
            &[
                counts.log1p(),
                time.log1p(),
                naive,
                steps.log().unsqueeze(1),
            ],
            1,
        );
        (features, naive_rate)
    }
}

impl Forward for FimMjp {
    /// # Shapes
    /// `xs`: `[B, P, L, 6]` observation slots → `[B, 78]` (mean rates, log-variances, initial
    /// probabilities). `mask` is unused (padding is marked in the slots).
    fn try_forward_t(
        &self,
        xs: &Tensor,
        _mask: Option<&Tensor>,
        _train: bool,
    ) -> deepfield_core::Result<Tensor> {
        let size = xs.size();
        deepfield_core::ensure_input!(
            size.len() == 4 && size[3] == FEATURES as i64 && size[1] > 0 && size[2] > 0,
            "fim_mjp: expected observations [B, P, L, {FEATURES}], got {size:?}"
        );
        let (b, p, l) = (size[0], size[1], size[2]);
        let m = MAX_STATES as i64;
        let (feat, valid, states, fixed, naive) = Self::expand(&xs.to_kind(Kind::Float));
        let e = self.slot.forward(&feat).relu() * &valid;
        let e = e.view([b * p, l, self.cfg.embed]);
        let mask = valid.view([b * p, l, 1]);
        let (out, _) = self.gru.seq(&e);
        let n = mask.sum_dim_intlist(1, false, Kind::Float);
        let nc = n.clamp_min(1.0);
        let gmean = (&out * &mask).sum_dim_intlist(1, false, Kind::Float) / &nc;
        let esum = (&e * &mask).sum_dim_intlist(1, false, Kind::Float);
        let emean = &esum / &nc;
        let path = self
            .path_proj
            .forward(&Tensor::cat(&[gmean, emean, (n.log1p() / 5.0)], 1))
            .relu()
            .view([b, p, self.cfg.model_dim]);
        // Attention of a learned query over the paths (padding paths masked out).
        let heads = self.cfg.heads;
        let dh = self.cfg.model_dim / heads;
        let keys = self.key.forward(&path).view([b, p, heads, dh]);
        let values = self.value.forward(&path).view([b, p, heads, dh]);
        let path_valid = n.view([b, p, 1]).gt(0.0);
        let scores =
            (keys * &self.query).sum_dim_intlist(-1, false, Kind::Float) / (dh as f64).sqrt();
        let scores = scores.masked_fill(&path_valid.logical_not(), -1e9);
        let alpha = scores.softmax(1, Kind::Float).unsqueeze(-1);
        let pooled = (alpha * values)
            .sum_dim_intlist(1, false, Kind::Float)
            .view([b, self.cfg.model_dim]);
        // Transition statistics over all paths.
        let total = n
            .view([b, p])
            .sum_dim_intlist(1, true, Kind::Float)
            .clamp_min(1.0);
        let stats = esum
            .view([b, p, self.cfg.embed])
            .sum_dim_intlist(1, false, Kind::Float)
            / total;
        let h = Tensor::cat(&[pooled, stats, states.shallow_clone(), fixed], 1);
        let h = self.head1.forward(&h).relu();
        let h = self.head2.forward(&h).relu();
        let raw = self.out.forward(&h);
        let mm = m * m;
        let eye = Tensor::eye(m, (Kind::Float, xs.device()));
        let off = eye.ones_like() - &eye;
        let pair_mask = ((states.unsqueeze(2) * states.unsqueeze(1)) * off).view([b, mm]);
        // Residual on the naive rate: softplus(raw + softplus⁻¹(naive)), so an untrained head
        // starts at the naive estimate and learns its corrections.
        let naive = (naive / self.cfg.time_unit).clamp_min(1e-4);
        let base = naive.expm1().log();
        let mean = (raw.narrow(1, 0, mm) + base).softplus() * &pair_mask;
        let logvar = raw.narrow(1, mm, mm).clamp(-8.0, 4.0) * &pair_mask;
        let logits = raw.narrow(1, 2 * mm, m).masked_fill(&states.eq(0.0), -1e9);
        let init = logits.softmax(1, Kind::Float);
        Ok(Tensor::cat(&[mean, logvar, init], 1))
    }
}

/// The training loss of an output `[B, 78]` against targets `[B, 78]` (rates, rate mask,
/// initial distribution; [`crate::mjp::features::targets`]): the Gaussian negative
/// log-likelihood of the true rates under the predicted means and variances plus their squared
/// error (both averaged over the rates that exist), plus the cross-entropy of the true initial
/// distribution under the predicted one.
pub fn fim_loss(out: &Tensor, y: &Tensor) -> Result<Tensor> {
    let m = MAX_STATES as i64;
    let mm = m * m;
    if out.size() != y.size() || out.size().last() != Some(&(TARGET as i64)) {
        return Err(Error::input(format!(
            "fim_mjp loss: output {:?} and target {:?} must both be [B, {TARGET}]",
            out.size(),
            y.size()
        )));
    }
    let mean = out.narrow(1, 0, mm);
    let logvar = out.narrow(1, mm, mm);
    let init = out.narrow(1, 2 * mm, m);
    let rates = y.narrow(1, 0, mm);
    let mask = y.narrow(1, mm, mm);
    let p0 = y.narrow(1, 2 * mm, m);
    let n = mask.sum(Kind::Float).clamp_min(1.0);
    let se = (&mean - &rates).square() * &mask;
    let nll = ((&se * (-&logvar).exp() + &logvar * &mask) * 0.5).sum(Kind::Float) / &n;
    let mse = se.sum(Kind::Float) / &n;
    let ce = -(p0 * init.clamp_min(1e-8).log()).sum(Kind::Float) / out.size()[0] as f64;
    Ok(nll + mse + ce)
}

impl ModelConfig for FimMjpConfig {
    const KIND: &'static str = "timeseries.fim_mjp";
    const DESCRIPTION: &'static str = "FIM-MJP: noisy observations of Markov jump process paths \
         [B, P, L, 6] → rates, log-variances and initial distribution [B, 78]";
    type Model = FimMjp;

    fn validate(&self) -> deepfield_core::Result<()> {
        FimMjpConfig::validate(self).map_err(Error::into_core)
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<FimMjp> {
        self.init(path).map_err(Error::into_core)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mjp::features::{encode_batch, targets};
    use crate::mjp::prior::PriorConfig;
    use crate::mjp::simulate::Observation;
    use deepfield_core::Rng;

    #[test]
    fn shapes_masks_and_a_finite_loss() {
        let prior = PriorConfig::default();
        let mut rng = Rng::new(2);
        let procs: Vec<_> = (0..3)
            .map(|_| prior.sample_process(&mut rng).unwrap())
            .collect();
        let obs: Vec<_> = procs
            .iter()
            .map(|p| p.observe(&Observation::of_prior(&prior).with_keep(0.2), &mut rng))
            .collect();
        let x = encode_batch(&obs.iter().collect::<Vec<_>>(), 20, 10.0).unwrap();
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let cfg = FimMjpConfig {
            embed: 8,
            hidden: 8,
            model_dim: 8,
            heads: 2,
            head_hidden: 16,
            ..Default::default()
        };
        let model = cfg.init(&vs.root()).unwrap();
        let out = model.try_forward_t(&x, None, false).unwrap();
        assert_eq!(out.size(), vec![3, TARGET as i64]);
        let y = targets(&procs.iter().collect::<Vec<_>>());
        let rows = crate::mjp::features::rows(&out).unwrap();
        for (r, p) in rows.iter().zip(&procs) {
            let k = p.rates.k();
            let init: f64 = r[72..78].iter().sum();
            assert!((init - 1.0).abs() < 1e-5);
            assert!(r[72 + k..78].iter().all(|&v| v < 1e-6));
            assert!(r[..36].iter().enumerate().all(|(ij, &v)| {
                let (i, j) = (ij / 6, ij % 6);
                (i < k && j < k && i != j) || v == 0.0
            }));
        }
        let loss = f64::try_from(fim_loss(&out, &y).unwrap()).unwrap();
        assert!(loss.is_finite());
        assert!(model
            .try_forward_t(
                &Tensor::zeros([2, 3, 4, 5], (Kind::Float, tch::Device::Cpu)),
                None,
                false
            )
            .is_err());
    }
}
