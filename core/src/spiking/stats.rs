//! Spike-rate statistics of a spiking network and an energy proxy.
//!
//! The energy proxy counts what a neuromorphic or event-driven chip would do: a binary spike
//! arriving at a synapse costs one accumulate (a synaptic operation, SOP), whereas the
//! non-spiking twin (same layers, one pass, real-valued activations) costs one multiply-accumulate
//! (MAC) per weight. With the 45 nm figures of Horowitz ("Computing's energy problem", ISSCC
//! 2014) as used by the SNN literature (e.g. Zhou et al., Spikformer, ICLR 2023): 0.9 pJ per
//! 32-bit float accumulate and 4.6 pJ per multiply-accumulate. Layers fed by real values (the
//! first layer under direct encoding) cost MACs in both networks.

use serde::{Deserialize, Serialize};

/// Energy per synaptic operation (accumulate), pJ (Horowitz 2014, 45 nm, fp32 add).
pub const PJ_PER_SOP: f64 = 0.9;
/// Energy per multiply-accumulate, pJ (Horowitz 2014, 45 nm, fp32 mult 3.7 + add 0.9).
pub const PJ_PER_MAC: f64 = 4.6;

/// Spikes of one layer of spiking neurons over a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerSpikes {
    /// Capture/parameter name of the layer feeding these neurons (`hidden.0`, …).
    pub name: String,
    pub neurons: i64,
    /// Spikes per neuron per time step, averaged over the batch (in [0, 1]).
    pub rate: f64,
    /// Spikes per sample, summed over neurons and time steps.
    pub spikes_per_sample: f64,
}

impl LayerSpikes {
    /// A report table row: name, neurons, rate (4 decimals), spikes per sample (1 decimal).
    pub fn table_row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.neurons.to_string(),
            format!("{:.4}", self.rate),
            format!("{:.1}", self.spikes_per_sample),
        ]
    }
}

/// The operations of one weight layer per sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerOps {
    pub name: String,
    /// Synaptic operations (spike-driven accumulates) of the spiking network.
    pub sops: f64,
    /// Multiply-accumulates the spiking network does (real-valued inputs).
    pub macs: f64,
    /// Multiply-accumulates of the non-spiking twin (one pass).
    pub twin_macs: f64,
}

/// Per-sample operations and energy of a spiking network beside its non-spiking twin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyProxy {
    pub layers: Vec<LayerOps>,
    pub sops: f64,
    pub macs: f64,
    pub twin_macs: f64,
    /// `PJ_PER_SOP·sops + PJ_PER_MAC·macs`, pJ per sample.
    pub energy_pj: f64,
    /// `PJ_PER_MAC·twin_macs`, pJ per sample.
    pub twin_energy_pj: f64,
    /// `twin_energy_pj / energy_pj` (> 1: the spiking network is cheaper).
    pub ratio: f64,
}

impl EnergyProxy {
    /// Totals and energies of `layers`.
    pub fn new(layers: Vec<LayerOps>) -> Self {
        let sops = layers.iter().map(|l| l.sops).sum::<f64>();
        let macs = layers.iter().map(|l| l.macs).sum::<f64>();
        let twin_macs = layers.iter().map(|l| l.twin_macs).sum::<f64>();
        let energy_pj = PJ_PER_SOP * sops + PJ_PER_MAC * macs;
        let twin_energy_pj = PJ_PER_MAC * twin_macs;
        EnergyProxy {
            layers,
            sops,
            macs,
            twin_macs,
            energy_pj,
            twin_energy_pj,
            ratio: if energy_pj > 0.0 {
                twin_energy_pj / energy_pj
            } else {
                f64::INFINITY
            },
        }
    }
}

/// Spike statistics of a network over a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpikeStats {
    /// Time steps simulated.
    pub steps: usize,
    /// Samples the statistics average over.
    pub samples: usize,
    pub layers: Vec<LayerSpikes>,
    /// Spikes per neuron per step over the whole network.
    pub network_rate: f64,
    pub energy: EnergyProxy,
}

impl SpikeStats {
    /// Combine statistics of two batches (weighted by their samples).
    pub fn merge(&self, other: &SpikeStats) -> SpikeStats {
        let (a, b) = (self.samples as f64, other.samples as f64);
        let n = (a + b).max(1.0);
        let w = |x: f64, y: f64| (x * a + y * b) / n;
        let layers = self
            .layers
            .iter()
            .zip(&other.layers)
            .map(|(x, y)| LayerSpikes {
                name: x.name.clone(),
                neurons: x.neurons,
                rate: w(x.rate, y.rate),
                spikes_per_sample: w(x.spikes_per_sample, y.spikes_per_sample),
            })
            .collect();
        let ops = self
            .energy
            .layers
            .iter()
            .zip(&other.energy.layers)
            .map(|(x, y)| LayerOps {
                name: x.name.clone(),
                sops: w(x.sops, y.sops),
                macs: w(x.macs, y.macs),
                twin_macs: x.twin_macs,
            })
            .collect();
        SpikeStats {
            steps: self.steps,
            samples: self.samples + other.samples,
            layers,
            network_rate: w(self.network_rate, other.network_rate),
            energy: EnergyProxy::new(ops),
        }
    }
}
