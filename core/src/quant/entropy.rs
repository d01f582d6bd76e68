//! KL-divergence ("entropy") calibration as TensorRT does it (Migacz 2017, "8-bit Inference with
//! TensorRT", GTC): histogram the absolute values in `bins` bins over `[0, max|x|]`; for every
//! candidate threshold `i` bins (from `levels` to `bins`), the reference distribution `P` is the
//! first `i` bins with the outliers beyond added to the last one, the candidate `Q` merges those
//! `i` bins into `levels` quantization levels and spreads each level's mass evenly over its
//! non-empty bins; the threshold with the smallest `KL(P ‖ Q)` wins, at the upper edge of its
//! bin. `levels` is 128 for 8-bit symmetric (2^(bits−1)).

use tch::{Kind, Tensor};

use crate::{ensure_input, Result};

/// The clipping threshold (a magnitude) minimizing `KL(P ‖ Q)` for `x`.
pub fn kl_threshold(x: &Tensor, bins: usize, levels: usize) -> Result<f64> {
    ensure_input!(
        levels >= 2 && bins >= levels,
        "entropy calibration: {bins} bins for {levels} levels"
    );
    let a = x.abs().to_kind(Kind::Double).flatten(0, -1);
    let max = a.max().double_value(&[]);
    if max <= 0.0 {
        return Ok(f64::from(f32::EPSILON));
    }
    // Bins of width max / bins over [0, max] (the top value in the last bin).
    let idx = (&a * (bins as f64 / max))
        .floor()
        .clamp(0.0, (bins - 1) as f64)
        .to_kind(Kind::Int64);
    let counts = idx.f_bincount::<Tensor>(None, bins as i64)?;
    let hist = Vec::<f64>::try_from(counts.to_kind(Kind::Double))?;
    let width = max / bins as f64;
    let mut best = (f64::INFINITY, bins);
    for i in levels..=bins {
        let mut p: Vec<f64> = hist[..i].to_vec();
        p[i - 1] += hist[i..].iter().sum::<f64>();
        let q = merged(&hist[..i], levels);
        let kl = kl_divergence(&p, &q);
        if kl < best.0 {
            best = (kl, i);
        }
    }
    Ok(best.1 as f64 * width)
}

/// `hist` merged into `levels` groups, each group's mass spread evenly over its non-empty bins.
fn merged(hist: &[f64], levels: usize) -> Vec<f64> {
    let n = hist.len();
    let mut q = vec![0.0; n];
    for l in 0..levels {
        let (start, end) = (
            l * n / levels,
            ((l + 1) * n / levels).max(l * n / levels + 1),
        );
        let group = &hist[start..end.min(n)];
        let mass: f64 = group.iter().sum();
        let nonzero = group.iter().filter(|&&v| v > 0.0).count();
        if nonzero == 0 {
            continue;
        }
        for (j, &v) in group.iter().enumerate() {
            if v > 0.0 {
                q[start + j] = mass / nonzero as f64;
            }
        }
    }
    q
}

/// `KL(p ‖ q)` of two unnormalized histograms (bins where `p` is 0 add nothing; a bin where
/// only `q` is 0 gets a tiny `q`, as TensorRT's smoothing does).
fn kl_divergence(p: &[f64], q: &[f64]) -> f64 {
    let sp: f64 = p.iter().sum();
    let sq: f64 = q.iter().sum();
    if sp <= 0.0 || sq <= 0.0 {
        return f64::INFINITY;
    }
    p.iter()
        .zip(q)
        .filter(|(&pi, _)| pi > 0.0)
        .map(|(&pi, &qi)| {
            let pn = pi / sp;
            let qn = (qi / sq).max(1e-12);
            pn * (pn / qn).ln()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_the_mass_and_the_empty_bins() {
        let q = merged(&[1.0, 0.0, 3.0, 4.0], 2);
        assert_eq!(q, [1.0, 0.0, 3.5, 3.5]);
        assert!(kl_divergence(&[1.0, 2.0], &[1.0, 2.0]).abs() < 1e-12);
        assert!(kl_divergence(&[1.0, 2.0], &[2.0, 1.0]) > 0.1);
    }

    #[test]
    fn uniform_data_keeps_its_full_range() {
        // Nothing to clip in a uniform distribution: the threshold is the maximum.
        let x = Tensor::linspace(-1.0, 1.0, 100_001, (Kind::Float, tch::Device::Cpu));
        let t = kl_threshold(&x, 2048, 128).unwrap();
        assert!(t > 0.97, "{t}");
    }
}
