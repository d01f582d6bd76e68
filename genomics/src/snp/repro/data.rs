//! Simulated training data of `deep-snp`: balanced, unambiguous windows of simulated samples,
//! encoded for the network, with their true breakpoints.

use deepfield_core::data::TensorDataset;
use deepfield_core::Rng;
use tch::Tensor;

use super::config::DeepSnpRunConfig;
use crate::snp::simulate::simulate;
use crate::snp::window;
use crate::{Error, Result};

/// Encoded windows with their truth.
pub struct WindowSet {
    pub len: usize,
    /// `[N × 2 × len]` encodings (see [`window::encode_into`]).
    pub x: Vec<f32>,
    pub labels: Vec<u8>,
    /// Breakpoints inside each window (relative).
    pub breakpoints: Vec<Vec<usize>>,
}

impl WindowSet {
    /// Number of windows.
    pub fn n(&self) -> usize {
        self.labels.len()
    }

    /// LRR and BAF (decoded) of window `i`.
    pub fn channels(&self, i: usize) -> (Vec<f32>, Vec<f32>) {
        let o = i * 2 * self.len;
        let lrr = self.x[o..o + self.len].to_vec();
        let baf = self.x[o + self.len..o + 2 * self.len]
            .iter()
            .map(|v| v / 2.0 + 0.5)
            .collect();
        (lrr, baf)
    }

    /// The inputs `[N, 2, len]` and labels.
    pub fn dataset(&self) -> Result<TensorDataset> {
        let x = Tensor::from_slice(&self.x).view([self.n() as i64, 2, self.len as i64]);
        let y = Tensor::from_slice(&self.labels.iter().map(|&l| l as i64).collect::<Vec<_>>());
        Ok(TensorDataset::new(x, y)?)
    }
}

/// Simulate samples until `n` balanced, unambiguous windows are collected.
pub fn simulate_windows(
    cfg: &DeepSnpRunConfig,
    n: usize,
    rng: &mut Rng,
    tag: &str,
) -> Result<WindowSet> {
    let len = cfg.windows.length;
    let (want_pos, want_neg) = (n / 2, n - n / 2);
    let mut set = WindowSet {
        len,
        x: Vec::with_capacity(n * 2 * len),
        labels: Vec::new(),
        breakpoints: Vec::new(),
    };
    let (mut pos, mut neg) = (0, 0);
    let bar = deepfield_core::progress::bar(n as u64, format!("simulating {tag} windows"));
    for s in 0..10_000 {
        if pos >= want_pos && neg >= want_neg {
            break;
        }
        bar.set_position((pos + neg) as u64);
        let sample = simulate(
            &cfg.sim,
            cfg.chromosomes_per_sample,
            &format!("{tag}{s}"),
            rng,
        )?;
        let ws = window::windows(
            &sample.signal,
            &cfg.windows,
            Some(&sample.breakpoints),
            false,
        )?;
        for w in ws {
            let take = match w.label {
                Some(1) if pos < want_pos => {
                    pos += 1;
                    true
                }
                Some(0) if neg < want_neg => {
                    neg += 1;
                    true
                }
                _ => false,
            };
            if take {
                window::encode_into(&sample.signal, &w, &mut set.x);
                set.labels.push(w.label.unwrap_or(0));
                set.breakpoints.push(w.breakpoints.clone());
            }
        }
    }
    bar.finish_and_clear();
    if pos < want_pos || neg < want_neg {
        return Err(Error::config(
            "the simulator settings give too few windows of one class",
        ));
    }
    Ok(set)
}
