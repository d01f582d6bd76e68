//! What is learned: the task decides the loss and the validation metrics.

use serde::{Deserialize, Serialize};
use tch::{Kind, Reduction, Tensor};

use crate::{ensure_config, Error, Result};

/// Regression loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RegressionLoss {
    #[default]
    Mse,
    Mae,
    /// Huber / smooth-L1 with the given delta.
    Huber(f64),
}

/// The learning task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    /// Single-label classification: model output `[B, C]` logits, targets `[B]` class ids.
    /// Sequence labelling: `[B, T, C]` logits, targets `[B, T]`, padded steps (mask false or
    /// target `-100`) ignored.
    Classification {
        n_classes: usize,
        /// Per-class loss weights (e.g. from `data::weights::class_weights`).
        #[serde(default)]
        class_weights: Option<Vec<f64>>,
        /// Label smoothing in [0, 1).
        #[serde(default)]
        label_smoothing: f64,
    },
    /// Regression: output and targets of the same shape.
    Regression {
        #[serde(default)]
        loss: RegressionLoss,
    },
}

impl Default for Task {
    fn default() -> Self {
        Task::Regression {
            loss: RegressionLoss::Mse,
        }
    }
}

impl Task {
    /// Classification into `n_classes` without weights.
    pub fn classification(n_classes: usize) -> Self {
        Task::Classification {
            n_classes,
            class_weights: None,
            label_smoothing: 0.0,
        }
    }

    /// Regression with MSE.
    pub fn regression() -> Self {
        Task::default()
    }

    /// Check the task.
    pub fn validate(&self) -> Result<()> {
        if let Task::Classification {
            n_classes,
            class_weights,
            label_smoothing,
        } = self
        {
            ensure_config!(
                *n_classes >= 2,
                "task: n_classes must be >= 2, got {n_classes}"
            );
            if let Some(w) = class_weights {
                ensure_config!(
                    w.len() == *n_classes && w.iter().all(|x| x.is_finite() && *x >= 0.0),
                    "task: class_weights needs {n_classes} finite non-negative values, got {w:?}"
                );
            }
            ensure_config!(
                (0.0..1.0).contains(label_smoothing),
                "task: label_smoothing must be in [0, 1)"
            );
        }
        Ok(())
    }

    /// Prepared loss (weights moved to `device` once, not every step).
    pub fn loss_fn(&self, device: tch::Device) -> LossFn {
        match self {
            Task::Classification {
                class_weights,
                label_smoothing,
                ..
            } => LossFn::CrossEntropy {
                weights: class_weights
                    .as_ref()
                    .map(|w| Tensor::from_slice(w).to_kind(Kind::Float).to_device(device)),
                label_smoothing: *label_smoothing,
            },
            Task::Regression { loss } => LossFn::Regression(*loss),
        }
    }
}

/// A loss ready to call in the hot loop.
#[derive(Debug)]
pub enum LossFn {
    CrossEntropy {
        weights: Option<Tensor>,
        label_smoothing: f64,
    },
    Regression(RegressionLoss),
}

impl LossFn {
    /// Mean loss of a batch.
    ///
    /// # Shapes
    /// * classification: `output` `[B, C]` and `target` `[B]` (int64), or `[B, T, C]` and `[B, T]`
    ///   with `mask` `[B, T]` (false steps ignored)
    /// * regression: `output` and `target` of equal shape (targets are cast to the output's dtype)
    pub fn compute(
        &self,
        output: &Tensor,
        target: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<Tensor> {
        match self {
            LossFn::CrossEntropy {
                weights,
                label_smoothing,
            } => {
                let (logits, target) = if output.dim() == 3 {
                    let c = output.size()[2];
                    let t = match mask {
                        Some(m) => target.f_masked_fill(&m.logical_not(), -100)?,
                        None => target.shallow_clone(),
                    };
                    (output.f_reshape([-1, c])?, t.f_reshape([-1])?)
                } else {
                    (output.shallow_clone(), target.shallow_clone())
                };
                Ok(logits.f_cross_entropy_loss::<&Tensor>(
                    &target,
                    weights.as_ref(),
                    Reduction::Mean,
                    -100,
                    *label_smoothing,
                )?)
            }
            LossFn::Regression(kind) => {
                if output.size() != target.size() {
                    return Err(Error::input(format!(
                        "regression loss: output {:?} and target {:?} differ in shape",
                        output.size(),
                        target.size()
                    )));
                }
                let target = if target.kind() == output.kind() {
                    target.shallow_clone()
                } else {
                    target.to_kind(output.kind())
                };
                Ok(match kind {
                    RegressionLoss::Mse => output.f_mse_loss(&target, Reduction::Mean)?,
                    RegressionLoss::Mae => output.f_l1_loss(&target, Reduction::Mean)?,
                    RegressionLoss::Huber(d) => {
                        output.f_huber_loss(&target, Reduction::Mean, *d)?
                    }
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn weighted_cross_entropy_matches_hand_value() {
        // logits for 2 samples over 2 classes; targets 0 and 1; class weights (1, 3)
        let logits = Tensor::from_slice(&[2.0f32, 0.0, 0.0, 1.0]).view([2, 2]);
        let target = Tensor::from_slice(&[0i64, 1]);
        let task = Task::Classification {
            n_classes: 2,
            class_weights: Some(vec![1.0, 3.0]),
            label_smoothing: 0.0,
        };
        let l = task
            .loss_fn(Device::Cpu)
            .compute(&logits, &target, None)
            .unwrap();
        let nll0 = (1.0 + (-2.0f64).exp()).ln(); // -log softmax([2,0])[0]
        let nll1 = (1.0 + (-1.0f64).exp()).ln(); // -log softmax([0,1])[1]
        let want = (1.0 * nll0 + 3.0 * nll1) / 4.0; // torch: weighted mean
        assert!((l.double_value(&[]) - want).abs() < 1e-6);
    }

    #[test]
    fn sequence_labelling_ignores_padded_steps() {
        let logits = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 1.0, 5.0, -5.0]).view([1, 3, 2]);
        let target = Tensor::from_slice(&[0i64, 1, 1]).view([1, 3]);
        let mask = Tensor::from_slice(&[true, true, false]).view([1, 3]);
        let f = Task::classification(2).loss_fn(Device::Cpu);
        let masked = f
            .compute(&logits, &target, Some(&mask))
            .unwrap()
            .double_value(&[]);
        let want = (1.0 + (-1.0f64).exp()).ln(); // both real steps have margin 1
        assert!((masked - want).abs() < 1e-6, "{masked}");
        let unmasked = f.compute(&logits, &target, None).unwrap().double_value(&[]);
        assert!(unmasked > masked + 1.0);
    }
}
