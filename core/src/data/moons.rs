//! Two interleaving half circles ("moons"), the two-class toy problem of scikit-learn's
//! `make_moons` and of the LSA paper's first experiment: class 0 on the upper half of the unit
//! circle `(cos t, sin t)`, class 1 on the shifted lower half `(1 − cos t, 0.5 − sin t)`,
//! `t` evenly spaced in `[0, π]`, plus isotropic Gaussian noise of standard deviation `noise`;
//! the samples are shuffled. Generated from a seed (no files), so every run sees the same set.

use tch::{Kind, Tensor};

use crate::{ensure_config, Result, Rng};

/// `n` moons samples: inputs `[n, 2]` float, labels `[n]` int64 (⌊n/2⌋ of class 0).
pub fn moons(n: usize, noise: f64, seed: u64) -> Result<(Tensor, Tensor)> {
    ensure_config!(n >= 2, "moons: need at least 2 samples, got {n}");
    ensure_config!(
        noise.is_finite() && noise >= 0.0,
        "moons: noise must be finite and >= 0, got {noise}"
    );
    let outer = n / 2;
    let inner = n - outer;
    let mut rng = Rng::new(seed);
    let mut points: Vec<([f64; 2], i64)> = Vec::with_capacity(n);
    let angle = |i: usize, m: usize| std::f64::consts::PI * i as f64 / (m.max(2) - 1) as f64;
    for i in 0..outer {
        let t = angle(i, outer);
        points.push(([t.cos(), t.sin()], 0));
    }
    for i in 0..inner {
        let t = angle(i, inner);
        points.push(([1.0 - t.cos(), 0.5 - t.sin()], 1));
    }
    rng.shuffle(&mut points);
    let mut xs = Vec::with_capacity(2 * n);
    let mut ys = Vec::with_capacity(n);
    for (p, y) in points {
        xs.push((p[0] + noise * rng.normal()) as f32);
        xs.push((p[1] + noise * rng.normal()) as f32);
        ys.push(y);
    }
    Ok((
        Tensor::from_slice(&xs).reshape([n as i64, 2]),
        Tensor::from_slice(&ys).to_kind(Kind::Int64),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_seeded_and_on_the_moons() {
        let (x, y) = moons(101, 0.0, 3).unwrap();
        assert_eq!(x.size(), [101, 2]);
        assert_eq!(y.sum(Kind::Int64).int64_value(&[]), 51);
        let (x2, _) = moons(101, 0.0, 3).unwrap();
        assert!(x.equal(&x2));
        // Without noise, class 0 lies on the unit circle, class 1 on the one centred (1, 0.5).
        let r0 = x.select(1, 0).square() + x.select(1, 1).square();
        let r1 = (x.select(1, 0) - 1.0).square() + (x.select(1, 1) - 0.5).square();
        let on = r0.where_self(&y.eq(0), &r1);
        assert!((on - 1.0).abs().max().double_value(&[]) < 1e-5);
        assert!(moons(1, 0.1, 0).is_err());
        assert!(moons(10, -1.0, 0).is_err());
    }
}
