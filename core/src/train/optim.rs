//! Optimizers (Adam, AdamW, SGD with momentum) as serde configs over libtorch's C++ optimizers.

use serde::{Deserialize, Serialize};
use tch::nn::{self, OptimizerConfig as _};

use crate::{ensure_config, Result};

/// Which optimizer, with its hyper-parameters. Defaults follow `torch.optim`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum OptimizerConfig {
    /// Adam (Kingma & Ba 2015); `weight_decay` is L2 added to the gradient, as `torch.optim.Adam`.
    Adam {
        lr: f64,
        #[serde(default = "beta1")]
        beta1: f64,
        #[serde(default = "beta2")]
        beta2: f64,
        #[serde(default = "eps")]
        eps: f64,
        #[serde(default)]
        weight_decay: f64,
    },
    /// AdamW (Loshchilov & Hutter 2019): decoupled weight decay, default 0.01 as `torch.optim.AdamW`.
    AdamW {
        lr: f64,
        #[serde(default = "beta1")]
        beta1: f64,
        #[serde(default = "beta2")]
        beta2: f64,
        #[serde(default = "eps")]
        eps: f64,
        #[serde(default = "adamw_wd")]
        weight_decay: f64,
    },
    /// Stochastic gradient descent with (optionally Nesterov) momentum.
    Sgd {
        lr: f64,
        #[serde(default)]
        momentum: f64,
        #[serde(default)]
        nesterov: bool,
        #[serde(default)]
        weight_decay: f64,
    },
}

fn beta1() -> f64 {
    0.9
}
fn beta2() -> f64 {
    0.999
}
fn eps() -> f64 {
    1e-8
}
fn adamw_wd() -> f64 {
    0.01
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        OptimizerConfig::adam(1e-3)
    }
}

impl OptimizerConfig {
    /// Adam with `torch.optim` defaults and learning rate `lr`.
    pub fn adam(lr: f64) -> Self {
        OptimizerConfig::Adam {
            lr,
            beta1: beta1(),
            beta2: beta2(),
            eps: eps(),
            weight_decay: 0.0,
        }
    }

    /// AdamW with `torch.optim` defaults and learning rate `lr`.
    pub fn adamw(lr: f64) -> Self {
        OptimizerConfig::AdamW {
            lr,
            beta1: beta1(),
            beta2: beta2(),
            eps: eps(),
            weight_decay: adamw_wd(),
        }
    }

    /// SGD with momentum.
    pub fn sgd(lr: f64, momentum: f64) -> Self {
        OptimizerConfig::Sgd {
            lr,
            momentum,
            nesterov: false,
            weight_decay: 0.0,
        }
    }

    /// The initial learning rate.
    pub fn lr(&self) -> f64 {
        match self {
            OptimizerConfig::Adam { lr, .. }
            | OptimizerConfig::AdamW { lr, .. }
            | OptimizerConfig::Sgd { lr, .. } => *lr,
        }
    }

    /// Check the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        let lr = self.lr();
        ensure_config!(
            lr > 0.0 && lr.is_finite(),
            "optimizer: lr must be > 0, got {lr}"
        );
        match self {
            OptimizerConfig::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            }
            | OptimizerConfig::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            } => {
                ensure_config!(
                    (0.0..1.0).contains(beta1) && (0.0..1.0).contains(beta2),
                    "optimizer: betas must be in [0, 1), got ({beta1}, {beta2})"
                );
                ensure_config!(*eps > 0.0, "optimizer: eps must be > 0, got {eps}");
                ensure_config!(*weight_decay >= 0.0, "optimizer: weight_decay must be >= 0");
            }
            OptimizerConfig::Sgd {
                momentum,
                nesterov,
                weight_decay,
                ..
            } => {
                ensure_config!(*momentum >= 0.0, "optimizer: momentum must be >= 0");
                ensure_config!(
                    !*nesterov || *momentum > 0.0,
                    "optimizer: nesterov needs momentum > 0"
                );
                ensure_config!(*weight_decay >= 0.0, "optimizer: weight_decay must be >= 0");
            }
        }
        Ok(())
    }

    /// Build the optimizer over every trainable variable of `vs`.
    pub fn build(&self, vs: &nn::VarStore) -> Result<nn::Optimizer> {
        self.validate()?;
        let opt = match *self {
            OptimizerConfig::Adam {
                lr,
                beta1,
                beta2,
                eps,
                weight_decay,
            } => nn::Adam::default()
                .beta1(beta1)
                .beta2(beta2)
                .eps(eps)
                .wd(weight_decay)
                .build(vs, lr)?,
            OptimizerConfig::AdamW {
                lr,
                beta1,
                beta2,
                eps,
                weight_decay,
            } => nn::AdamW::default()
                .beta1(beta1)
                .beta2(beta2)
                .eps(eps)
                .wd(weight_decay)
                .build(vs, lr)?,
            OptimizerConfig::Sgd {
                lr,
                momentum,
                nesterov,
                weight_decay,
            } => nn::Sgd {
                momentum,
                dampening: 0.0,
                wd: weight_decay,
                nesterov,
            }
            .build(vs, lr)?,
        };
        Ok(opt)
    }
}
