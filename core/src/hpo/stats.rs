//! Statistics of a finished study — the "dataset of models" view of LEMUR: trial counts by state,
//! the best trial, the distribution of objective values, and how strongly each parameter goes
//! with the objective (|Spearman ρ| for numbers, the correlation ratio η for categories; both in
//! [0, 1], normalised to sum to 1 as an importance).

use serde::{Deserialize, Serialize};

use super::{best_of, Direction, Distribution, Params, Space, Trial, TrialState};

/// Summary of one study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyStats {
    pub study: String,
    pub trials: usize,
    pub complete: usize,
    pub pruned: usize,
    pub failed: usize,
    pub best_value: Option<f64>,
    pub best_number: Option<u64>,
    pub best_params: Params,
    /// min, 25 %, median, 75 %, max, mean of the complete trials' values.
    pub quantiles: [f64; 6],
    /// (parameter, association in [0, 1], normalised importance).
    pub importance: Vec<(String, f64, f64)>,
}

fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    if a.len() < 3 {
        return 0.0;
    }
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    if va <= 0.0 || vb <= 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

/// Spearman's rank correlation.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// The correlation ratio η of values `y` grouped by `groups`.
pub fn correlation_ratio(groups: &[usize], y: &[f64]) -> f64 {
    let n = y.len();
    if n < 3 {
        return 0.0;
    }
    let mean = y.iter().sum::<f64>() / n as f64;
    let total: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let k = groups.iter().max().map_or(0, |m| m + 1);
    let mut sums = vec![(0.0, 0usize); k];
    for (&g, &v) in groups.iter().zip(y) {
        sums[g].0 += v;
        sums[g].1 += 1;
    }
    let between: f64 = sums
        .iter()
        .filter(|s| s.1 > 0)
        .map(|&(s, c)| c as f64 * (s / c as f64 - mean).powi(2))
        .sum();
    (between / total).sqrt()
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos - pos.floor());
    if i + 1 < sorted.len() {
        sorted[i] + f * (sorted[i + 1] - sorted[i])
    } else {
        sorted[i]
    }
}

/// The statistics of `trials` of study `name` over `space`.
pub fn study_stats(
    name: &str,
    space: &Space,
    trials: &[Trial],
    direction: Direction,
) -> StudyStats {
    let count = |s: TrialState| trials.iter().filter(|t| t.state == s).count();
    let done: Vec<&Trial> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete && t.value.is_some_and(f64::is_finite))
        .collect();
    let mut values: Vec<f64> = done.iter().filter_map(|t| t.value).collect();
    values.sort_by(f64::total_cmp);
    let mean = if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    };
    let quantiles = [
        quantile(&values, 0.0),
        quantile(&values, 0.25),
        quantile(&values, 0.5),
        quantile(&values, 0.75),
        quantile(&values, 1.0),
        mean,
    ];
    let mut importance: Vec<(String, f64, f64)> = space
        .params
        .iter()
        .map(|p| {
            let with: Vec<&&Trial> = done
                .iter()
                .filter(|t| t.params.contains_key(&p.name))
                .collect();
            let y: Vec<f64> = with.iter().filter_map(|t| t.value).collect();
            let assoc = match &p.distribution {
                Distribution::Categorical { .. } => {
                    let g: Vec<usize> = with
                        .iter()
                        .map(|t| {
                            p.distribution
                                .to_internal(&t.params[&p.name])
                                .map_or(0, |x| x as usize)
                        })
                        .collect();
                    correlation_ratio(&g, &y)
                }
                d => {
                    let x: Vec<f64> = with
                        .iter()
                        .map(|t| d.to_internal(&t.params[&p.name]).unwrap_or(f64::NAN))
                        .collect();
                    spearman(&x, &y).abs()
                }
            };
            (
                p.name.clone(),
                if assoc.is_finite() { assoc } else { 0.0 },
                0.0,
            )
        })
        .collect();
    let total: f64 = importance.iter().map(|i| i.1).sum();
    for i in &mut importance {
        i.2 = if total > 0.0 { i.1 / total } else { 0.0 };
    }
    let best = best_of(trials, direction);
    StudyStats {
        study: name.to_string(),
        trials: trials.len(),
        complete: count(TrialState::Complete),
        pruned: count(TrialState::Pruned),
        failed: count(TrialState::Failed),
        best_value: best.as_ref().and_then(|t| t.value),
        best_number: best.as_ref().map(|t| t.number),
        best_params: best.map(|t| t.params).unwrap_or_default(),
        quantiles,
        importance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_statistics() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!((spearman(&a, &[1.0, 4.0, 9.0, 16.0, 25.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&a, &[5.0, 4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert!((correlation_ratio(&[0, 0, 1, 1], &[1.0, 1.0, 3.0, 3.0]) - 1.0).abs() < 1e-12);
        assert!(correlation_ratio(&[0, 1, 0, 1], &[1.0, 1.0, 3.0, 3.0]).abs() < 1e-12);
    }
}
