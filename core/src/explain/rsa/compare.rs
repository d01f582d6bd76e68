//! Comparing two RDMs of the same conditions (rsatoolbox's `compare`).

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::Rdm;
use crate::{Error, Result};

/// How two RDM vectors are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparator {
    /// Pearson correlation.
    Pearson,
    /// Cosine.
    Cosine,
    /// Spearman: Pearson correlation of the ranks (ties get their mean rank).
    Spearman,
    /// Kendall's τa: (concordant − discordant pairs) / all pairs, ties counting as neither.
    KendallTauA,
    /// Whitened cosine (Diedrichsen et al. 2021): cosine in the metric V⁻¹, V the covariance of
    /// distance estimates under i.i.d. pattern noise.
    WhitenedCosine,
}

fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for k in &idx[i..=j] {
            r[*k] = mean;
        }
        i = j + 1;
    }
    r
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (na * nb)
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let ma = a.iter().sum::<f64>() / a.len() as f64;
    let mb = b.iter().sum::<f64>() / b.len() as f64;
    let ca: Vec<f64> = a.iter().map(|x| x - ma).collect();
    let cb: Vec<f64> = b.iter().map(|x| x - mb).collect();
    cosine(&ca, &cb)
}

fn tau_a(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len();
    let mut s = 0i64;
    for i in 0..n {
        for j in i + 1..n {
            // (f64::signum(0.0) is 1, so compare instead.)
            let sign = |d: f64| i64::from(d > 0.0) - i64::from(d < 0.0);
            s += sign(a[i] - a[j]) * sign(b[i] - b[j]);
        }
    }
    s as f64 / (n * (n - 1) / 2) as f64
}

/// V = (C Cᵀ) ∘ (C Cᵀ) for the pairwise contrasts C of `n` conditions.
fn rdm_covariance(n: usize) -> Tensor {
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect();
    let mut c = vec![0.0; pairs.len() * n];
    for (k, (i, j)) in pairs.iter().enumerate() {
        c[k * n + i] = 1.0;
        c[k * n + j] = -1.0;
    }
    let c = Tensor::from_slice(&c).view([pairs.len() as i64, n as i64]);
    let xi = c.matmul(&c.tr());
    &xi * &xi
}

thread_local! {
    /// V⁻¹ by number of conditions: V depends on n only, and inverting it is the costly part.
    static V_INVERSE: std::cell::RefCell<std::collections::HashMap<usize, Tensor>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

fn v_inverse(n: usize) -> Result<Tensor> {
    V_INVERSE.with(|cache| {
        if let Some(t) = cache.borrow().get(&n) {
            return Ok(t.shallow_clone());
        }
        let inv = Tensor::f_linalg_inv(&rdm_covariance(n))?;
        cache.borrow_mut().insert(n, inv.shallow_clone());
        Ok(inv)
    })
}

/// Compare two RDMs of the same conditions.
pub fn compare(a: &Rdm, b: &Rdm, how: Comparator) -> Result<f64> {
    if a.n != b.n || a.values.len() != b.values.len() {
        return Err(Error::input(format!(
            "RDMs of {} and {} conditions cannot be compared",
            a.n, b.n
        )));
    }
    if a.values.iter().chain(&b.values).any(|v| !v.is_finite()) {
        return Err(Error::input(
            "RDMs with non-finite values cannot be compared",
        ));
    }
    let (x, y) = (&a.values, &b.values);
    Ok(match how {
        Comparator::Pearson => pearson(x, y),
        Comparator::Cosine => cosine(x, y),
        Comparator::Spearman => pearson(&ranks(x), &ranks(y)),
        Comparator::KendallTauA => tau_a(x, y),
        Comparator::WhitenedCosine => {
            let v_inv = v_inverse(a.n)?;
            let xa = Tensor::from_slice(x).view([-1, 1]);
            let ya = Tensor::from_slice(y).view([-1, 1]);
            let vx = v_inv.matmul(&xa);
            let vy = v_inv.matmul(&ya);
            let dot = |p: &Tensor, q: &Tensor| (p * q).sum(Kind::Double).double_value(&[]);
            dot(&vx, &ya) / (dot(&vx, &xa) * dot(&vy, &ya)).sqrt()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_and_tau() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
        assert_eq!(tau_a(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 1.0);
        assert_eq!(tau_a(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -1.0);
        assert!((tau_a(&[1.0, 1.0, 2.0], &[1.0, 2.0, 3.0]) - 2.0 / 3.0).abs() < 1e-12);
    }
}
