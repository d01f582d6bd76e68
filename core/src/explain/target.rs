//! Which output of a model an explanation is about.

use tch::{Kind, Tensor};

use crate::{Error, Result};

/// The output an attribution explains, per example.
///
/// Outputs `[B, C]` (class scores, or several regression targets) select one column per
/// example; outputs `[B]` or `[B, 1]` (one regression target, one logit) have a single output,
/// which `Class(0)` and `Predicted` both select.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The same output index for every example (captum's `target=k`).
    Class(i64),
    /// One output index per example (captum's `target=[k0, k1, …]`).
    Classes(Vec<i64>),
    /// The highest-scoring output of each example, as the model predicts it.
    Predicted,
}

impl Target {
    /// Select the explained output of each example from a model output with `batch` rows:
    /// a `[B]` tensor.
    pub fn select(&self, out: &Tensor, batch: i64) -> Result<Tensor> {
        let size = out.size();
        if size.first() != Some(&batch) {
            return Err(Error::input(format!(
                "the model returned {size:?} for a batch of {batch}: explanations need one \
                 output row per example"
            )));
        }
        let out = match size.len() {
            1 => out.unsqueeze(1),
            2 => out.shallow_clone(),
            _ => {
                return Err(Error::input(format!(
                    "explanations need outputs [B] or [B, C], got {size:?}"
                )))
            }
        };
        let classes = out.size()[1];
        let index: Vec<i64> = match self {
            Target::Class(k) => vec![*k; batch as usize],
            Target::Classes(ks) => {
                if ks.len() as i64 != batch {
                    return Err(Error::input(format!(
                        "{} targets for a batch of {batch}",
                        ks.len()
                    )));
                }
                ks.clone()
            }
            Target::Predicted => Vec::<i64>::try_from(out.argmax(1, false).to_kind(Kind::Int64))?,
        };
        if let Some(bad) = index.iter().find(|&&k| k < 0 || k >= classes) {
            return Err(Error::input(format!(
                "target {bad} is out of range: the model has {classes} output(s)"
            )));
        }
        let idx = Tensor::from_slice(&index)
            .to_device(out.device())
            .unsqueeze(1);
        Ok(out.gather(1, &idx, false).squeeze_dim(1))
    }
}

impl Target {
    /// This target with [`Target::Predicted`] fixed to the classes predicted in `out` (a model
    /// output with `batch` rows), so that it stays the same on perturbed or scaled inputs.
    pub fn resolve(&self, out: &Tensor, batch: i64) -> Result<Target> {
        match self {
            Target::Predicted => {
                // Validates the output's shape.
                let _checked = self.select(out, batch)?;
                let rows = if out.dim() == 1 {
                    out.unsqueeze(1)
                } else {
                    out.shallow_clone()
                };
                Ok(Target::Classes(Vec::<i64>::try_from(
                    rows.argmax(1, false).to_kind(Kind::Int64),
                )?))
            }
            t => Ok(t.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_one_output_per_example() {
        let out = Tensor::from_slice(&[1.0f32, 5.0, 2.0, 7.0, 0.0, 3.0]).view([2, 3]);
        let pick = |t: Target| Vec::<f32>::try_from(t.select(&out, 2).unwrap()).unwrap();
        assert_eq!(pick(Target::Class(2)), vec![2.0, 3.0]);
        assert_eq!(pick(Target::Classes(vec![1, 0])), vec![5.0, 7.0]);
        assert_eq!(pick(Target::Predicted), vec![5.0, 7.0]);
        assert!(Target::Class(3).select(&out, 2).is_err());
        assert!(Target::Classes(vec![0]).select(&out, 2).is_err());
        assert!(Target::Class(0).select(&out, 3).is_err());
        let single = Tensor::from_slice(&[0.5f32, -1.0]);
        assert_eq!(
            Vec::<f32>::try_from(Target::Predicted.select(&single, 2).unwrap()).unwrap(),
            vec![0.5, -1.0]
        );
    }
}
