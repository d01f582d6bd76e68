//! RWKV's two sub-layers, each with its token shift: time mixing (receptance, key, value and
//! the WKV recurrence) and channel mixing (a receptance-gated feed-forward layer). Each has a
//! sequence form ([`TimeMix::seq`], [`ChannelMix::seq`]: all tokens of a sequence at once, the
//! state starting at zero) and a token form (`step`: one token, the state carried).
//!
//! Initialisation follows the official model (`RWKV_TimeMix`, `RWKV_ChannelMix` in SpikeGPT's
//! `src/model.py`): the per-channel decay `−5 + 8·(h/(C−1))^(0.7 + 1.3·l/(L−1))`, the bonus
//! `ln 0.3` plus a ±0.5 zigzag, the token-shift mixes `(i/C)^(1 − l/L)` (value + 0.3·l/(L−1),
//! receptance with half the exponent); the matrices get PyTorch's `nn.Linear` default (the
//! official `RWKV_Init` only runs when `RWKV_LOAD_MODEL=False` is set, which `train.py` does
//! not).

use tch::{nn, Tensor};

use deepfield_core::spiking::LifState;

use super::config::RwkvConfig;
use super::spike::{linear, Activity, SpikeLayer};
use super::wkv::{self, WkvState};
use crate::Result;

/// The token shift: each token's predecessor `[B, T, C]` (zeros before the first token).
fn shifted(x: &Tensor) -> Result<Tensor> {
    let (b, t, c) = x.size3()?;
    let first = Tensor::zeros([b, 1, c], (x.kind(), x.device()));
    Ok(Tensor::cat(&[first, x.narrow(1, 0, t - 1)], 1))
}

/// `x·m + xx·(1 − m)`: interpolate between the token and the previous one per channel.
fn mix(x: &Tensor, xx: &Tensor, m: &Tensor) -> Tensor {
    xx + (x - xx) * m
}

/// The linear layer `w` (named `name`) of the token-shift mix of `x` and `xx` by `m`.
fn mixed(
    name: &str,
    w: &Tensor,
    x: &Tensor,
    xx: &Tensor,
    m: &Tensor,
    rec: &mut Option<&mut Activity>,
) -> Result<Tensor> {
    linear(name, w, &mix(x, xx, m), false, rec)
}

fn weight(path: &nn::Path, name: &str, out: i64, inp: i64) -> Result<Tensor> {
    Ok((path / name).f_var(
        "weight",
        &[out, inp],
        deepfield_core::nn::torch_linear_init(inp),
    )?)
}

/// `(i / C)^e` for the channels i.
fn ramp(c: i64, e: f64) -> Vec<f32> {
    (0..c)
        .map(|i| (i as f64 / c as f64).powf(e) as f32)
        .collect()
}

/// The time-mixing sub-layer of block `layer`.
#[derive(Debug)]
pub struct TimeMix {
    time_decay: Tensor,
    time_first: Tensor,
    mix_k: Tensor,
    mix_v: Tensor,
    mix_r: Tensor,
    key: Tensor,
    value: Tensor,
    receptance: Tensor,
    output: Tensor,
    name: String,
}

/// The token-form state of a time-mixing layer.
#[derive(Debug)]
pub struct TimeMixState {
    /// The previous token's input `[B, C]`.
    pub prev: Tensor,
    pub wkv: WkvState,
}

impl TimeMix {
    /// Parameters under `path` (`time_decay`, `time_first`, `time_mix_{k,v,r}`, `key`,
    /// `value`, `receptance`, `output`).
    pub fn new(path: &nn::Path, config: &RwkvConfig, layer: i64) -> Result<Self> {
        let c = config.n_embd;
        let l = config.n_layer;
        let r01 = if l > 1 {
            layer as f64 / (l - 1) as f64
        } else {
            0.0
        };
        let r10 = 1.0 - layer as f64 / l as f64;
        let decay: Vec<f32> = (0..c)
            .map(|h| (-5.0 + 8.0 * (h as f64 / (c - 1) as f64).powf(0.7 + 1.3 * r01)) as f32)
            .collect();
        let first: Vec<f32> = (0..c)
            .map(|i| (0.3f64.ln() + ((i + 1) % 3 - 1) as f64 * 0.5) as f32)
            .collect();
        let mv: Vec<f32> = ramp(c, r10).iter().map(|x| x + 0.3 * r01 as f32).collect();
        let var = |name: &str, v: &[f32]| path.f_var_copy(name, &Tensor::from_slice(v));
        Ok(TimeMix {
            time_decay: var("time_decay", &decay)?,
            time_first: var("time_first", &first)?,
            mix_k: var("time_mix_k", &ramp(c, r10))?,
            mix_v: var("time_mix_v", &mv)?,
            mix_r: var("time_mix_r", &ramp(c, 0.5 * r10))?,
            key: weight(path, "key", c, c)?,
            value: weight(path, "value", c, c)?,
            receptance: weight(path, "receptance", c, c)?,
            output: weight(path, "output", c, c)?,
            name: deepfield_core::nn::capture::name_of(path),
        })
    }

    fn n(&self, what: &str) -> String {
        format!("{}.{what}", self.name)
    }

    /// sigmoid(receptance), key and value of the inputs `x` and their predecessors `xx`.
    fn project(
        &self,
        x: &Tensor,
        xx: &Tensor,
        rec: &mut Option<&mut Activity>,
    ) -> Result<(Tensor, Tensor, Tensor)> {
        let k = mixed(&self.n("key"), &self.key, x, xx, &self.mix_k, rec)?;
        let v = mixed(&self.n("value"), &self.value, x, xx, &self.mix_v, rec)?;
        let r = mixed(
            &self.n("receptance"),
            &self.receptance,
            x,
            xx,
            &self.mix_r,
            rec,
        )?;
        Ok((r.sigmoid(), k, v))
    }

    /// All tokens of `x` `[B, T, C]` from a zero state, the WKV in its parallel form.
    pub fn seq(&self, x: &Tensor, rec: &mut Option<&mut Activity>) -> Result<Tensor> {
        let xx = shifted(x)?;
        let (sr, k, v) = self.project(x, &xx, rec)?;
        let y = wkv::parallel(&self.time_decay, &self.time_first, &k, &v)?;
        let t = x.size3()?.1 as u64;
        deepfield_core::profile::counter::elementwise(&self.n("wkv"), "wkv", &[&k, &v], &y, 4 * t);
        linear(&self.n("output"), &self.output, &(sr * y), false, rec)
    }

    /// The state before the first token of a batch of `batch`.
    pub fn zero_state(&self, batch: i64) -> TimeMixState {
        let c = self.key.size()[0];
        TimeMixState {
            prev: Tensor::zeros([batch, c], (self.key.kind(), self.key.device())),
            wkv: WkvState::zeros(batch, c, &self.key),
        }
    }

    /// One token `x` `[B, C]`, the WKV in its recurrent form.
    pub fn step(
        &self,
        x: &Tensor,
        state: &mut TimeMixState,
        rec: &mut Option<&mut Activity>,
    ) -> Result<Tensor> {
        let (sr, k, v) = self.project(x, &state.prev, rec)?;
        state.prev = x.shallow_clone();
        let y = wkv::step(&self.time_decay, &self.time_first, &k, &v, &mut state.wkv);
        linear(&self.n("output"), &self.output, &(sr * y), false, rec)
    }
}

/// The channel-mixing sub-layer: `sigmoid(R·xr) ⊙ V·act(K·xk)` with `act` the squared ReLU,
/// or spiking neurons in SpikeGPT's spiking feed-forward variant.
#[derive(Debug)]
pub struct ChannelMix {
    mix_k: Tensor,
    mix_r: Tensor,
    key: Tensor,
    receptance: Tensor,
    value: Tensor,
    hidden_spikes: Option<SpikeLayer>,
    name: String,
}

/// The token-form state of a channel-mixing layer.
#[derive(Debug)]
pub struct ChannelMixState {
    /// The previous token's input `[B, C]`.
    pub prev: Tensor,
    /// The hidden neurons' membranes (spiking feed-forward only).
    pub hidden: Option<LifState>,
}

impl ChannelMix {
    /// Parameters under `path` (`time_mix_{k,r}`, `key`, `receptance`, `value`, and the
    /// hidden neurons' when spiking).
    pub fn new(path: &nn::Path, config: &RwkvConfig, layer: i64) -> Result<Self> {
        let c = config.n_embd;
        let h = config.hidden();
        let r10 = 1.0 - layer as f64 / config.n_layer as f64;
        let name = deepfield_core::nn::capture::name_of(path);
        let hidden_spikes = match &config.spiking {
            Some(s) if s.spiking_ffn => Some(SpikeLayer::new(
                s,
                &(path / "hidden_lif"),
                h,
                format!("{name}.hidden"),
            )?),
            _ => None,
        };
        let var = |n: &str, v: &[f32]| path.f_var_copy(n, &Tensor::from_slice(v));
        Ok(ChannelMix {
            mix_k: var("time_mix_k", &ramp(c, r10))?,
            mix_r: var("time_mix_r", &ramp(c, r10))?,
            key: weight(path, "key", h, c)?,
            receptance: weight(path, "receptance", c, c)?,
            value: weight(path, "value", c, h)?,
            hidden_spikes,
            name,
        })
    }

    fn n(&self, what: &str) -> String {
        format!("{}.{what}", self.name)
    }

    /// The output for inputs `x` and predecessors `xx` (`[B, T, C]`), the hidden neurons'
    /// state in `hidden`.
    fn apply(
        &self,
        x: &Tensor,
        xx: &Tensor,
        hidden: &mut Option<LifState>,
        rec: &mut Option<&mut Activity>,
    ) -> Result<Tensor> {
        let k = mixed(&self.n("key"), &self.key, x, xx, &self.mix_k, rec)?;
        let (act, binary) = match &self.hidden_spikes {
            Some(s) => (s.seq(&k, hidden, rec)?, true),
            None => (k.relu().square(), false),
        };
        let kv = linear(&self.n("value"), &self.value, &act, binary, rec)?;
        let r = mixed(
            &self.n("receptance"),
            &self.receptance,
            x,
            xx,
            &self.mix_r,
            rec,
        )?;
        Ok(r.sigmoid() * kv)
    }

    /// All tokens of `x` `[B, T, C]` from a zero state.
    pub fn seq(&self, x: &Tensor, rec: &mut Option<&mut Activity>) -> Result<Tensor> {
        let xx = shifted(x)?;
        self.apply(x, &xx, &mut None, rec)
    }

    /// The state before the first token of a batch of `batch`.
    pub fn zero_state(&self, batch: i64) -> ChannelMixState {
        let c = self.mix_k.size()[0];
        ChannelMixState {
            prev: Tensor::zeros([batch, c], (self.key.kind(), self.key.device())),
            hidden: None,
        }
    }

    /// One token `x` `[B, C]`.
    pub fn step(
        &self,
        x: &Tensor,
        state: &mut ChannelMixState,
        rec: &mut Option<&mut Activity>,
    ) -> Result<Tensor> {
        let y = self.apply(
            &x.unsqueeze(1),
            &state.prev.unsqueeze(1),
            &mut state.hidden,
            rec,
        )?;
        state.prev = x.shallow_clone();
        Ok(y.squeeze_dim(1))
    }
}
