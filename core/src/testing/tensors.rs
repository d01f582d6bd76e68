//! Comparing tensors with a message that names the worst element.

use tch::{Device, Kind, Tensor};

/// Both tensors as flat `f64` vectors on the CPU, after checking that their shapes agree.
#[track_caller]
fn flat_pair(a: &Tensor, b: &Tensor) -> (Vec<f64>, Vec<f64>) {
    assert_eq!(a.size(), b.size(), "tensor shapes differ");
    let flat = |t: &Tensor| {
        Vec::<f64>::try_from(
            t.detach()
                .to_device(Device::Cpu)
                .to_kind(Kind::Double)
                .reshape([-1]),
        )
        .expect("tensor to Vec<f64>")
    };
    (flat(a), flat(b))
}

/// Largest `|a − b|` over all elements of two tensors of the same shape (any kind or device);
/// 0 for empty tensors, NaN if a difference is NaN (so `max_abs_diff(..) < tol` fails).
/// Panics when the shapes differ.
#[track_caller]
pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    let (x, y) = flat_pair(a, b);
    let mut worst = 0.0f64;
    for (p, q) in x.iter().zip(&y) {
        let d = (p - q).abs();
        if d.is_nan() {
            return f64::NAN;
        }
        worst = worst.max(d);
    }
    worst
}

/// The multi-index of the flat (row-major) position `i` in a tensor of `shape`.
fn unravel(mut i: usize, shape: &[i64]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (k, &n) in shape.iter().enumerate().rev() {
        let n = n.max(1) as usize;
        idx[k] = i % n;
        i /= n;
    }
    idx
}

/// Assert that `a` and `b` (same shape, any kind or device) agree to `|a − b| <= tol` in every
/// element; a NaN in either fails. The message names the worst element: its index, both values,
/// the difference, and how many elements are out of tolerance.
#[track_caller]
pub fn assert_close(a: &Tensor, b: &Tensor, tol: f64) {
    let shape = a.size();
    let (x, y) = flat_pair(a, b);
    let mut worst: Option<(usize, f64)> = None;
    let mut bad = 0usize;
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        let d = (p - q).abs();
        // NaN compares false: it counts as out of tolerance and as the worst element.
        if d <= tol {
            continue;
        }
        bad += 1;
        let d = if d.is_nan() { f64::INFINITY } else { d };
        if worst.is_none_or(|(_, w)| d > w) {
            worst = Some((i, d));
        }
    }
    if let Some((i, _)) = worst {
        panic!(
            "tensors of shape {shape:?} differ by more than {tol}: worst at {:?}: {} vs {} \
             (|diff| {:e}); {bad} of {} elements out of tolerance",
            unravel(i, &shape),
            x[i],
            y[i],
            (x[i] - y[i]).abs(),
            x.len()
        );
    }
}

/// Assert that two slices agree elementwise to `|a − b| <= tol`, naming the worst index.
#[track_caller]
pub fn assert_close_slice(a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len(), "slice lengths differ");
    assert_close(&Tensor::from_slice(a), &Tensor::from_slice(b), tol);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fails;

    #[test]
    fn max_abs_diff_and_assert_close() {
        let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]).reshape([2, 2]);
        let b = Tensor::from_slice(&[1.0f64, 2.5, 3.0, 3.9]).reshape([2, 2]);
        assert!((max_abs_diff(&a, &b) - 0.5).abs() < 1e-12);
        assert_close(&a, &b, 0.5);
        let msg = fails(|| assert_close(&a, &b, 0.2)).unwrap_err();
        assert!(
            msg.contains("worst at [0, 1]: 2 vs 2.5") && msg.contains("1 of 4 elements"),
            "{msg}"
        );
        let nan = Tensor::from_slice(&[1.0f32, f32::NAN, 3.0, 4.0]).reshape([2, 2]);
        assert!(max_abs_diff(&a, &nan).is_nan());
        let msg = fails(|| assert_close(&a, &nan, 1.0)).unwrap_err();
        assert!(msg.contains("worst at [0, 1]: 2 vs NaN"), "{msg}");
        assert!(fails(|| max_abs_diff(&a, &a.reshape([4]))).is_err());
        let empty = Tensor::zeros([0, 3], (Kind::Float, Device::Cpu));
        assert_eq!(max_abs_diff(&empty, &empty), 0.0);
        assert_eq!(unravel(5, &[2, 3]), vec![1, 2]);
        assert_eq!(unravel(0, &[]), Vec::<usize>::new());
        assert_close_slice(&[1.0, 2.0], &[1.0, 2.0 + 1e-9], 1e-8);
    }
}
