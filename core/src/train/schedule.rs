//! Learning-rate schedules, stepped once per epoch (as `torch.optim.lr_scheduler`).

use serde::{Deserialize, Serialize};

use crate::{ensure_config, Result};

/// A learning-rate schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum Schedule {
    /// Keep the initial learning rate.
    #[default]
    Constant,
    /// Multiply by `gamma` every `step_size` epochs (`StepLR`).
    Step { step_size: usize, gamma: f64 },
    /// Cosine annealing from the initial rate to `eta_min` over `t_max` epochs (`CosineAnnealingLR`).
    Cosine { t_max: usize, eta_min: f64 },
    /// Multiply by `factor` when the monitored value has not improved by more than `threshold`
    /// (relative) for `patience` epochs, never below `min_lr` (`ReduceLROnPlateau`, mode from the monitor).
    ReduceOnPlateau {
        factor: f64,
        patience: usize,
        #[serde(default = "default_threshold")]
        threshold: f64,
        #[serde(default)]
        min_lr: f64,
    },
}

fn default_threshold() -> f64 {
    1e-4
}

impl Schedule {
    /// Check the parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Schedule::Constant => {}
            Schedule::Step { step_size, gamma } => {
                ensure_config!(step_size > 0, "schedule step: step_size must be > 0");
                ensure_config!(gamma > 0.0, "schedule step: gamma must be > 0");
            }
            Schedule::Cosine { t_max, eta_min } => {
                ensure_config!(t_max > 0, "schedule cosine: t_max must be > 0");
                ensure_config!(eta_min >= 0.0, "schedule cosine: eta_min must be >= 0");
            }
            Schedule::ReduceOnPlateau {
                factor, threshold, ..
            } => {
                ensure_config!(
                    factor > 0.0 && factor < 1.0,
                    "schedule plateau: factor must be in (0, 1), got {factor}"
                );
                ensure_config!(threshold >= 0.0, "schedule plateau: threshold must be >= 0");
            }
        }
        Ok(())
    }
}

/// The running state of a [`Schedule`].
#[derive(Debug, Clone)]
pub struct Scheduler {
    schedule: Schedule,
    base_lr: f64,
    lr: f64,
    best: Option<f64>,
    bad_epochs: usize,
}

impl Scheduler {
    /// Start at `base_lr`.
    pub fn new(schedule: Schedule, base_lr: f64) -> Self {
        Scheduler {
            schedule,
            base_lr,
            lr: base_lr,
            best: None,
            bad_epochs: 0,
        }
    }

    /// Current learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Advance after `epoch` (0-based) has finished. `monitored` is the value the plateau schedule
    /// watches, oriented so that lower is better. Returns the learning rate for the next epoch.
    pub fn step(&mut self, epoch: usize, monitored: Option<f64>) -> f64 {
        let next = epoch + 1;
        self.lr = match self.schedule {
            Schedule::Constant => self.base_lr,
            Schedule::Step { step_size, gamma } => {
                self.base_lr * gamma.powi((next / step_size) as i32)
            }
            Schedule::Cosine { t_max, eta_min } => {
                let t = next.min(t_max) as f64;
                eta_min
                    + (self.base_lr - eta_min)
                        * (1.0 + (std::f64::consts::PI * t / t_max as f64).cos())
                        / 2.0
            }
            Schedule::ReduceOnPlateau {
                factor,
                patience,
                threshold,
                min_lr,
            } => {
                let mut lr = self.lr;
                if let Some(v) = monitored.filter(|v| v.is_finite()) {
                    let improved = match self.best {
                        None => true,
                        Some(b) => v < b - threshold * b.abs(),
                    };
                    if improved {
                        self.best = Some(v);
                        self.bad_epochs = 0;
                    } else {
                        self.bad_epochs += 1;
                        if self.bad_epochs > patience {
                            lr = (lr * factor).max(min_lr);
                            self.bad_epochs = 0;
                        }
                    }
                }
                lr
            }
        };
        self.lr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_and_cosine_match_torch_formulas() {
        let mut s = Scheduler::new(
            Schedule::Step {
                step_size: 2,
                gamma: 0.1,
            },
            1.0,
        );
        let lrs: Vec<f64> = (0..5).map(|e| s.step(e, None)).collect();
        let want = [1.0, 0.1, 0.1, 0.01, 0.01];
        for (a, b) in lrs.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{lrs:?}");
        }
        let mut c = Scheduler::new(
            Schedule::Cosine {
                t_max: 4,
                eta_min: 0.0,
            },
            1.0,
        );
        let lrs: Vec<f64> = (0..4).map(|e| c.step(e, None)).collect();
        // torch CosineAnnealingLR(T_max=4): 0.8536, 0.5, 0.1464, 0.0
        let want = [0.853_553_390_593_273_8, 0.5, 0.146_446_609_406_726_24, 0.0];
        for (a, b) in lrs.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{lrs:?}");
        }
    }

    #[test]
    fn plateau_reduces_after_patience() {
        let sch = Schedule::ReduceOnPlateau {
            factor: 0.5,
            patience: 1,
            threshold: 0.0,
            min_lr: 0.1,
        };
        let mut s = Scheduler::new(sch, 1.0);
        let vals = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95];
        let lrs: Vec<f64> = vals
            .iter()
            .enumerate()
            .map(|(e, v)| s.step(e, Some(*v)))
            .collect();
        assert_eq!(lrs, vec![1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125]);
        assert!(Schedule::ReduceOnPlateau {
            factor: 1.5,
            patience: 1,
            threshold: 0.0,
            min_lr: 0.0
        }
        .validate()
        .is_err());
    }
}
