//! The spiking neurons of SpikeGPT on core's LIF layer, run along the token axis (each token
//! is one time step, the membrane carried from token to token), and the [`Activity`] recorder
//! that counts spikes per layer and the operations of every weight layer: synaptic operations
//! (accumulates driven by binary inputs) where a layer's input is spikes, multiply-accumulates
//! elsewhere, beside the multiply-accumulates of the non-spiking twin.

use tch::{nn, Tensor};

use deepfield_core::profile::counter;
use deepfield_core::spiking::stats::{EnergyProxy, LayerOps, LayerSpikes, SpikeStats};
use deepfield_core::spiking::{Lif, LifState};

use super::config::SpikingConfig;
use crate::Result;

/// A layer of LIF neurons driven along the tokens of a sequence.
#[derive(Debug)]
pub struct SpikeLayer {
    lif: Lif,
    scale: f64,
    /// Name in spike statistics (`blocks.0.att_spikes`, …).
    pub name: String,
}

impl SpikeLayer {
    /// `size` neurons named `name`.
    pub fn new(config: &SpikingConfig, path: &nn::Path, size: i64, name: String) -> Result<Self> {
        Ok(SpikeLayer {
            lif: config.lif().init(path, size)?,
            scale: config.input_scale(),
            name,
        })
    }

    /// Spikes `[B, T, N]` of the currents `x` `[B, T, N]`, starting from `state` (zero when
    /// `None`) and leaving the last token's state there.
    pub fn seq(
        &self,
        x: &Tensor,
        state: &mut Option<LifState>,
        rec: &mut Option<&mut Activity>,
    ) -> Result<Tensor> {
        let t = x.size3()?.1;
        let mut st = match state.take() {
            Some(s) => s,
            None => self.lif.zero_state(&x.select(1, 0)),
        };
        let mut out = Vec::with_capacity(t as usize);
        for i in 0..t {
            out.push(self.lif.step(&(x.select(1, i) * self.scale), &mut st)?);
        }
        *state = Some(st);
        let spikes = Tensor::stack(&out, 1);
        if let Some(r) = rec.as_deref_mut() {
            r.spikes(&self.name, &spikes)?;
        }
        Ok(spikes)
    }
}

/// Counts of one spiking layer.
#[derive(Debug, Clone, PartialEq)]
struct SpikeCount {
    name: String,
    neurons: i64,
    spikes: f64,
    neuron_steps: f64,
}

/// Operation counts of one weight layer.
#[derive(Debug, Clone, PartialEq)]
struct OpCount {
    name: String,
    sops: f64,
    macs: f64,
    twin_macs: f64,
}

/// Spikes per layer and operations per weight layer, summed over the tokens a model has run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Activity {
    spikes: Vec<SpikeCount>,
    ops: Vec<OpCount>,
    /// Tokens processed (batch × positions).
    pub tokens: f64,
}

impl Activity {
    /// Add the spikes `s` (`[B, T, N]` of 0/1) of layer `name`.
    pub fn spikes(&mut self, name: &str, s: &Tensor) -> Result<()> {
        let n = s.size().last().copied().unwrap_or(1);
        let total = s.f_sum(tch::Kind::Double)?.double_value(&[]);
        let steps = (s.numel() as i64 / n.max(1)) as f64;
        match self.spikes.iter_mut().find(|c| c.name == name) {
            Some(c) => {
                c.spikes += total;
                c.neuron_steps += steps * n as f64;
            }
            None => self.spikes.push(SpikeCount {
                name: name.to_string(),
                neurons: n,
                spikes: total,
                neuron_steps: steps * n as f64,
            }),
        }
        Ok(())
    }

    /// Add the operations of a linear layer `name` (weight `[out, in]`) on inputs `x`
    /// `[…, in]`: accumulates per non-zero input times `out` when `binary`, else one
    /// multiply-accumulate per weight and input row.
    pub fn linear(&mut self, name: &str, x: &Tensor, weight: &Tensor, binary: bool) -> Result<()> {
        let (out, inp) = weight.size2()?;
        let rows = (x.numel() as i64 / inp.max(1)) as f64;
        let dense = rows * (inp * out) as f64;
        let (sops, macs) = if binary {
            let nnz = x.f_count_nonzero(None)?.double_value(&[]);
            (nnz * out as f64, 0.0)
        } else {
            (0.0, dense)
        };
        match self.ops.iter_mut().find(|c| c.name == name) {
            Some(c) => {
                c.sops += sops;
                c.macs += macs;
                c.twin_macs += dense;
            }
            None => self.ops.push(OpCount {
                name: name.to_string(),
                sops,
                macs,
                twin_macs: dense,
            }),
        }
        Ok(())
    }

    /// Core's spike statistics per token: each token is one time step of one sample, so rates
    /// are spikes per neuron per token and operations are per token.
    pub fn stats(&self) -> SpikeStats {
        let tokens = self.tokens.max(1.0);
        let layers: Vec<LayerSpikes> = self
            .spikes
            .iter()
            .map(|c| LayerSpikes {
                name: c.name.clone(),
                neurons: c.neurons,
                rate: c.spikes / c.neuron_steps.max(1.0),
                spikes_per_sample: c.spikes / tokens,
            })
            .collect();
        let all_spikes: f64 = self.spikes.iter().map(|c| c.spikes).sum();
        let all_steps: f64 = self.spikes.iter().map(|c| c.neuron_steps).sum();
        let ops = self
            .ops
            .iter()
            .map(|c| LayerOps {
                name: c.name.clone(),
                sops: c.sops / tokens,
                macs: c.macs / tokens,
                twin_macs: c.twin_macs / tokens,
            })
            .collect();
        SpikeStats {
            steps: 1,
            samples: self.tokens as usize,
            layers,
            network_rate: if all_steps > 0.0 {
                all_spikes / all_steps
            } else {
                0.0
            },
            energy: EnergyProxy::new(ops),
        }
    }
}

/// A bias-free linear layer `x Wᵀ` (`weight` `[out, in]`), its cost reported to core's profiler
/// as `name` and to the recorder (as spike-driven when `binary`).
pub fn linear(
    name: &str,
    weight: &Tensor,
    x: &Tensor,
    binary: bool,
    rec: &mut Option<&mut Activity>,
) -> Result<Tensor> {
    let y = x.f_linear::<Tensor>(weight, None)?;
    counter::linear(name, x, weight, None, &y);
    if let Some(r) = rec.as_deref_mut() {
        r.linear(name, x, weight, binary)?;
    }
    Ok(y)
}
