//! Zhu & Gupta's gradual pruning schedule ("To prune, or not to prune", 2017, eq. 1):
//!
//! `s_t = s_f + (s_i − s_f) · (1 − (t − t0)/(n·Δt))³` for `t ∈ {t0, t0 + Δt, …, t0 + n·Δt}`:
//! sparsity rises fast at first, while there are many redundant weights, and slowly at the end.
//!
//! Defaults are those of the paper's released code (`tf.contrib.model_pruning`'s
//! `get_pruning_hparams`): `initial_sparsity 0`, `target_sparsity 0.5`, `begin_pruning_step 0`,
//! `pruning_frequency 10`, `sparsity_function_end_step 100` (so `n = 10`), exponent 3.

use serde::{Deserialize, Serialize};

use crate::{ensure_config, Result};

/// The gradual schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GradualConfig {
    /// `s_i`: sparsity at the first pruning step.
    pub initial_sparsity: f64,
    /// `s_f`: sparsity from the last pruning step on.
    pub final_sparsity: f64,
    /// `t0`: optimizer step of the first pruning.
    pub begin_step: usize,
    /// `Δt`: optimizer steps between prunings.
    pub frequency: usize,
    /// `n`: pruning steps after the first (the ramp ends at `t0 + n·Δt`).
    pub pruning_steps: usize,
    /// The exponent (3 in the paper).
    pub exponent: f64,
}

impl Default for GradualConfig {
    fn default() -> Self {
        GradualConfig {
            initial_sparsity: 0.0,
            final_sparsity: 0.5,
            begin_step: 0,
            frequency: 10,
            pruning_steps: 10,
            exponent: 3.0,
        }
    }
}

impl GradualConfig {
    /// A ramp from 0 to `final_sparsity` over `pruning_steps` prunings every `frequency` steps,
    /// starting at `begin_step`.
    pub fn ramp(
        final_sparsity: f64,
        begin_step: usize,
        frequency: usize,
        pruning_steps: usize,
    ) -> Self {
        GradualConfig {
            final_sparsity,
            begin_step,
            frequency,
            pruning_steps,
            ..Default::default()
        }
    }

    /// `0 ≤ s_i ≤ s_f < 1`, `n ≥ 1`, `Δt ≥ 1`, exponent > 0.
    pub fn validate(&self) -> Result<()> {
        let (si, sf) = (self.initial_sparsity, self.final_sparsity);
        ensure_config!(
            (0.0..1.0).contains(&sf),
            "gradual pruning: final_sparsity must be in [0, 1), got {sf}"
        );
        ensure_config!(
            (0.0..=sf).contains(&si),
            "gradual pruning: initial_sparsity must be in [0, final_sparsity = {sf}], got {si}"
        );
        ensure_config!(
            self.pruning_steps >= 1,
            "gradual pruning: pruning_steps (n) must be >= 1, got 0"
        );
        ensure_config!(
            self.frequency >= 1,
            "gradual pruning: frequency (Δt) must be >= 1 step, got 0"
        );
        ensure_config!(
            self.exponent.is_finite() && self.exponent > 0.0,
            "gradual pruning: exponent must be > 0, got {}",
            self.exponent
        );
        Ok(())
    }

    /// The last step of the ramp, `t0 + n·Δt`.
    pub fn end_step(&self) -> usize {
        self.begin_step + self.pruning_steps * self.frequency
    }

    /// `s_t` for any step: 0 before `t0` (nothing pruned yet), the cubic ramp from `s_i` at
    /// `t0`, `s_f` from the end of the ramp on.
    pub fn sparsity(&self, t: usize) -> f64 {
        if t < self.begin_step {
            return 0.0;
        }
        let span = (self.pruning_steps * self.frequency) as f64;
        let p = ((t - self.begin_step) as f64 / span).min(1.0);
        self.final_sparsity
            + (self.initial_sparsity - self.final_sparsity) * (1.0 - p).powf(self.exponent)
    }

    /// The target when `t` is a pruning step (`t0 + k·Δt`, `0 ≤ k ≤ n`), else `None`.
    pub fn prune_at(&self, t: usize) -> Option<f64> {
        if t < self.begin_step || t > self.end_step() {
            return None;
        }
        ((t - self.begin_step) % self.frequency == 0).then(|| self.sparsity(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cubic_ramp_values() {
        let c = GradualConfig::ramp(0.9, 100, 50, 4);
        c.validate().unwrap();
        assert_eq!(c.end_step(), 300);
        assert_eq!(c.prune_at(99), None);
        assert_eq!(c.prune_at(100), Some(0.0));
        assert_eq!(c.prune_at(120), None);
        // t = 150: 0.9 − 0.9 · (3/4)³ = 0.5203125.
        assert!((c.prune_at(150).unwrap() - 0.5203125).abs() < 1e-12);
        // t = 200: 0.9 · (1 − 1/8) = 0.7875.
        assert!((c.prune_at(200).unwrap() - 0.7875).abs() < 1e-12);
        assert!((c.prune_at(300).unwrap() - 0.9).abs() < 1e-12);
        assert_eq!(c.prune_at(350), None);
        assert!((c.sparsity(10_000) - 0.9).abs() < 1e-12);
        assert_eq!(c.sparsity(0), 0.0);
        let with_start = GradualConfig {
            initial_sparsity: 0.2,
            ..c.clone()
        };
        assert!((with_start.prune_at(100).unwrap() - 0.2).abs() < 1e-12);
    }

    #[test]
    fn bad_configs_are_named() {
        for (c, what) in [
            (GradualConfig::ramp(1.0, 0, 1, 1), "final_sparsity"),
            (GradualConfig::ramp(-0.1, 0, 1, 1), "final_sparsity"),
            (GradualConfig::ramp(0.5, 0, 1, 0), "pruning_steps"),
            (GradualConfig::ramp(0.5, 0, 0, 1), "frequency"),
            (
                GradualConfig {
                    initial_sparsity: 0.7,
                    ..GradualConfig::ramp(0.5, 0, 1, 1)
                },
                "initial_sparsity",
            ),
        ] {
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
        }
    }
}
