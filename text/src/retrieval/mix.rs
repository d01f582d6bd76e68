//! Score mixing: BM25 and the neural ranker, each min–max normalised over one query's
//! candidates, combined as `w · bm25 + (1 − w) · neural`; `w` is chosen on a grid by a caller's
//! measure (MAP on held-out training queries in the reproduction).

/// `xs` scaled to [0, 1] (all zeros when every value is the same).
pub fn min_max(xs: &[f64]) -> Vec<f64> {
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        return vec![0.0; xs.len()];
    }
    xs.iter().map(|x| (x - lo) / (hi - lo)).collect()
}

/// `w · min_max(bm25) + (1 − w) · min_max(neural)` (same candidates, same order).
pub fn mix(bm25: &[f64], neural: &[f64], w: f64) -> Vec<f64> {
    min_max(bm25)
        .into_iter()
        .zip(min_max(neural))
        .map(|(b, n)| w * b + (1.0 - w) * n)
        .collect()
}

/// The weights 0, 1/steps, …, 1.
pub fn grid(steps: usize) -> Vec<f64> {
    let s = steps.max(1);
    (0..=s).map(|i| i as f64 / s as f64).collect()
}

/// The weight of `grid` with the best `measure`, ties going to the larger weight (more BM25),
/// and that measure.
pub fn choose_weight(grid: &[f64], mut measure: impl FnMut(f64) -> f64) -> (f64, f64) {
    let mut best = (1.0, f64::NEG_INFINITY);
    for &w in grid {
        let m = measure(w);
        if m > best.1 + 1e-12 || ((m - best.1).abs() <= 1e-12 && w > best.0) {
            best = (w, m);
        }
    }
    best
}
