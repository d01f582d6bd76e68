//! Metrics of multi-modal trajectory forecasting, all in metres.
//!
//! * Best-of-K ADE / FDE (Social-GAN): per window, the smallest average (ADE) and the smallest
//!   final (FDE) displacement error over its K samples, each minimised separately, then the mean
//!   over windows.
//! * Diversity: per window, the mean over the K(K−1)/2 pairs of samples of their average
//!   point-wise distance over the predicted steps; mean over windows (0 for a deterministic
//!   model).
//! * Collision rate: pedestrians present together (same scene, same last observed frame) whose
//!   k-th predicted futures come closer than `threshold` (0.1 m) at any predicted step; the rate
//!   is colliding (pair, sample) combinations over all of them, for each sample index k
//!   pairing the k-th sample of one pedestrian with the k-th of the other.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::{ensure_input, Result};

/// Check `pred` is `[N, K, T, 2]` and `gt` `[N, T, 2]` with matching N and T.
fn check(pred: &Tensor, gt: Option<&Tensor>) -> Result<(i64, i64, i64)> {
    let p = pred.size();
    ensure_input!(
        p.len() == 4 && p[3] == 2,
        "predictions must be [N, K, T, 2], got {p:?}"
    );
    if let Some(gt) = gt {
        let g = gt.size();
        ensure_input!(
            g.len() == 3 && g[0] == p[0] && g[1] == p[2] && g[2] == 2,
            "ground truth must be [N, T, 2] = [{}, {}, 2], got {g:?}",
            p[0],
            p[2]
        );
    }
    ensure_input!(p[0] > 0 && p[1] > 0 && p[2] > 0, "empty predictions {p:?}");
    Ok((p[0], p[1], p[2]))
}

/// Best-of-K `(ADE, FDE)` of `pred` `[N, K, T, 2]` against `gt` `[N, T, 2]`.
pub fn best_of_k(pred: &Tensor, gt: &Tensor) -> Result<(f64, f64)> {
    check(pred, Some(gt))?;
    let err = (pred.to_kind(Kind::Double) - gt.to_kind(Kind::Double).unsqueeze(1))
        .square()
        .sum_dim_intlist([-1i64].as_slice(), false, Kind::Double)
        .sqrt(); // [N, K, T]
    let ade = err
        .mean_dim([-1i64].as_slice(), false, Kind::Double)
        .amin([-1i64].as_slice(), false)
        .mean(Kind::Double);
    let fde = err
        .select(2, -1)
        .amin([-1i64].as_slice(), false)
        .mean(Kind::Double);
    Ok((f64::try_from(&ade)?, f64::try_from(&fde)?))
}

/// Mean pairwise distance between the K samples of each window (see the module docs).
pub fn diversity(pred: &Tensor) -> Result<f64> {
    let (n, k, _) = check(pred, None)?;
    if k < 2 {
        return Ok(0.0);
    }
    let mut total = 0.0;
    let chunk = 256;
    let p = pred.to_kind(Kind::Double);
    for s in (0..n).step_by(chunk) {
        let len = chunk.min((n - s) as usize) as i64;
        let c = p.narrow(0, s, len);
        let d = (c.unsqueeze(2) - c.unsqueeze(1))
            .square()
            .sum_dim_intlist([-1i64].as_slice(), false, Kind::Double)
            .sqrt()
            .mean_dim([-1i64].as_slice(), false, Kind::Double); // [len, K, K]
        total += f64::try_from(d.sum(Kind::Double))? / (k * (k - 1)) as f64;
    }
    Ok(total / n as f64)
}

/// Collisions counted by [`collision_rate`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Collisions {
    /// (pair, sample) combinations closer than the threshold at some step.
    pub colliding: usize,
    /// All (pair, sample) combinations.
    pub total: usize,
}

impl Collisions {
    /// Colliding over total (0 when there are no pairs).
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.colliding as f64 / self.total as f64
        }
    }
}

/// Collisions between the predicted futures `pred` `[N, K, T, 2]` of pedestrians in the same
/// `groups` (indices into N), closer than `threshold` metres at any step.
pub fn collision_rate(pred: &Tensor, groups: &[Vec<usize>], threshold: f64) -> Result<Collisions> {
    let (n, k, t) = check(pred, None)?;
    let v = Vec::<f64>::try_from(pred.to_kind(Kind::Double).flatten(0, -1))?;
    let (k, t) = (k as usize, t as usize);
    let at = |i: usize, s: usize, j: usize| {
        let o = ((i * k + s) * t + j) * 2;
        (v[o], v[o + 1])
    };
    let mut c = Collisions {
        colliding: 0,
        total: 0,
    };
    for g in groups {
        for (a, &i) in g.iter().enumerate() {
            for &j in &g[a + 1..] {
                ensure_input!(
                    (i as i64) < n && (j as i64) < n,
                    "collision group index {} out of range (N = {n})",
                    i.max(j)
                );
                for s in 0..k {
                    let close = (0..t).any(|step| {
                        let (p, q) = (at(i, s, step), at(j, s, step));
                        (p.0 - q.0).hypot(p.1 - q.1) < threshold
                    });
                    c.colliding += usize::from(close);
                    c.total += 1;
                }
            }
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f64], shape: &[i64]) -> Tensor {
        Tensor::from_slice(v).reshape(shape)
    }

    #[test]
    fn best_of_k_picks_the_closest_sample_per_metric() {
        // One window, 2 steps; ground truth (0,0) → (1,0).
        let gt = t(&[0., 0., 1., 0.], &[1, 2, 2]);
        // Sample A: offset by (0, 1) at both steps (ADE 1, FDE 1).
        // Sample B: exact at step 1, off by 3 at the end (ADE 1.5, FDE 3).
        // Sample C: off by 2 at step 1, exact at the end (ADE 1, FDE 0).
        let pred = t(
            &[0., 1., 1., 1., 0., 0., 4., 0., 2., 0., 1., 0.],
            &[1, 3, 2, 2],
        );
        let (ade, fde) = best_of_k(&pred, &gt).unwrap();
        assert!((ade - 1.0).abs() < 1e-12, "{ade}");
        assert!(fde.abs() < 1e-12, "{fde}");
        assert!(best_of_k(&pred, &t(&[0., 0.], &[1, 1, 2])).is_err());
    }

    #[test]
    fn diversity_is_the_mean_pairwise_distance() {
        // Three samples of one step at (0,0), (3,4), (0,8): distances 5, 8, 5 → mean 6.
        let pred = t(&[0., 0., 3., 4., 0., 8.], &[1, 3, 1, 2]);
        assert!((diversity(&pred).unwrap() - 6.0).abs() < 1e-12);
        assert_eq!(diversity(&t(&[1., 2.], &[1, 1, 1, 2])).unwrap(), 0.0);
    }

    #[test]
    fn collisions_count_close_pairs_per_sample() {
        // Two pedestrians, 2 samples, 2 steps. Sample 0: 0.05 m apart at step 2 (collision);
        // sample 1: always 1 m apart. A third pedestrian in another group never counts.
        let pred = t(
            &[
                0., 0., 1., 0., /* ped 0, s0 */ 0., 0., 1., 0., /* ped 0, s1 */
                0., 1., 1., 0.05, /* ped 1, s0 */ 0., 1., 1., 1., /* ped 1, s1 */
                0., 0., 1., 0., 0., 0., 1., 0., /* ped 2 */
            ],
            &[3, 2, 2, 2],
        );
        let c = collision_rate(&pred, &[vec![0, 1], vec![2]], 0.1).unwrap();
        assert_eq!(
            c,
            Collisions {
                colliding: 1,
                total: 2
            }
        );
        assert!((c.rate() - 0.5).abs() < 1e-12);
        assert!(collision_rate(&pred, &[vec![0, 9]], 0.1).is_err());
    }
}
