//! A task: a subset of the classes. Its data (the examples of those classes, labels renumbered
//! to output positions) and a classifier's accuracy on it.

use tch::{Kind, Tensor};

use crate::data::TensorDataset;
use crate::{Forward, Result};

/// The examples of `data` whose label is in `classes`, labelled by their class's position in
/// `classes` (so `classes = [3, 7]` turns 3s into 0s and 7s into 1s). `n` is the number of
/// classes of `data`. A task without any example is an error.
pub fn task_data(data: &TensorDataset, classes: &[i64], n: i64) -> Result<TensorDataset> {
    super::supernet::check_classes(classes, n)?;
    let device = data.y.device();
    let mut lookup = vec![-1i64; n as usize];
    for (i, &c) in classes.iter().enumerate() {
        lookup[c as usize] = i as i64;
    }
    let lookup = Tensor::from_slice(&lookup).to_device(device);
    let mapped = lookup.f_index_select(0, &data.y)?;
    let keep = mapped.f_ge(0)?.f_nonzero()?.f_flatten(0, -1)?;
    crate::ensure_input!(
        keep.size()[0] > 0,
        "factory: no example of the classes {classes:?} in the data"
    );
    TensorDataset::new(
        data.x.f_index_select(0, &keep)?,
        mapped.f_index_select(0, &keep)?,
    )
}

/// Accuracy (%) of the logits `f(x)` against `data`'s labels, in batches of 512 (no gradients).
pub fn accuracy(data: &TensorDataset, f: &dyn Fn(&Tensor) -> Result<Tensor>) -> Result<f64> {
    let mut correct = Tensor::zeros([], (Kind::Double, data.x.device()));
    tch::no_grad(|| -> Result<()> {
        for b in data.batches(512, None) {
            let out = f(&b.x)?;
            correct += out
                .f_argmax(-1, false)?
                .f_eq_tensor(&b.y)?
                .f_sum(Kind::Double)?;
        }
        Ok(())
    })?;
    Ok(100.0 * correct.f_double_value(&[])? / data.len().max(1) as f64)
}

/// Accuracy (%) of a model on `data`.
pub fn model_accuracy(model: &dyn Forward, data: &TensorDataset) -> Result<f64> {
    accuracy(data, &|x| model.try_forward_t(x, None, false))
}
