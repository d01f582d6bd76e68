//! Subject-level decisions from epoch-level probabilities (the paper's "combining several coughs
//! of a subject"): for each group of epochs (e.g. one participant's coughs of one kind) the class
//! with the highest **mean log-probability**, and the **majority vote** of the epoch decisions
//! (ties broken by the mean log-probability).

use deepfield_core::metrics::argmax;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One group's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupDecision {
    pub group: String,
    pub label: i64,
    pub epochs: usize,
    pub mean_log_prob: i64,
    pub majority_vote: i64,
}

/// All groups and the two accuracies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Combined {
    pub groups: Vec<GroupDecision>,
    pub mean_log_prob_accuracy: f64,
    pub majority_vote_accuracy: f64,
}

/// Combine epoch log-probabilities `log_probs[i]` (one row per epoch) by `groups[i]`; every
/// epoch of a group must carry the same `labels[i]`. Groups are reported in sorted order.
pub fn combine(log_probs: &[Vec<f64>], labels: &[i64], groups: &[String]) -> Result<Combined> {
    if log_probs.is_empty() || log_probs.len() != labels.len() || labels.len() != groups.len() {
        return Err(Error::input(format!(
            "combine: {} probability rows, {} labels, {} groups",
            log_probs.len(),
            labels.len(),
            groups.len()
        )));
    }
    let c = log_probs[0].len();
    let mut by_group: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, g) in groups.iter().enumerate() {
        by_group.entry(g.as_str()).or_default().push(i);
    }
    let mut out = Vec::with_capacity(by_group.len());
    for (g, idx) in by_group {
        let label = labels[idx[0]];
        if let Some(&i) = idx.iter().find(|&&i| labels[i] != label) {
            return Err(Error::input(format!(
                "combine: group {g} mixes labels {label} and {}",
                labels[i]
            )));
        }
        let mut mean = vec![0f64; c];
        let mut votes = vec![0usize; c];
        for &i in &idx {
            if log_probs[i].len() != c {
                return Err(Error::input("combine: rows of different lengths"));
            }
            for (m, v) in mean.iter_mut().zip(&log_probs[i]) {
                *m += v / idx.len() as f64;
            }
            votes[argmax(&log_probs[i])] += 1;
        }
        let top = votes.iter().copied().max().unwrap_or(0);
        let vote = (0..c)
            .filter(|&k| votes[k] == top)
            .max_by(|&a, &b| mean[a].total_cmp(&mean[b]))
            .unwrap_or(0);
        out.push(GroupDecision {
            group: g.to_string(),
            label,
            epochs: idx.len(),
            mean_log_prob: argmax(&mean) as i64,
            majority_vote: vote as i64,
        });
    }
    let acc = |f: fn(&GroupDecision) -> i64| {
        out.iter().filter(|d| f(d) == d.label).count() as f64 / out.len() as f64
    };
    Ok(Combined {
        mean_log_prob_accuracy: acc(|d| d.mean_log_prob),
        majority_vote_accuracy: acc(|d| d.majority_vote),
        groups: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_vote_can_differ() {
        let ln = f64::ln;
        // group a (label 0): two weak votes for 1, one confident 0 → vote 1, mean 0.
        let lp = vec![
            vec![ln(0.45), ln(0.55)],
            vec![ln(0.45), ln(0.55)],
            vec![ln(0.99), ln(0.01)],
            vec![ln(0.2), ln(0.8)],
        ];
        let g: Vec<String> = ["a", "a", "a", "b"].iter().map(|s| s.to_string()).collect();
        let c = combine(&lp, &[0, 0, 0, 1], &g).unwrap();
        assert_eq!(c.groups[0].mean_log_prob, 0);
        assert_eq!(c.groups[0].majority_vote, 1);
        assert_eq!(c.mean_log_prob_accuracy, 1.0);
        assert_eq!(c.majority_vote_accuracy, 0.5);
        assert!(combine(&lp, &[0, 1, 0, 1], &g).is_err());
        assert!(combine(&lp, &[0], &g).is_err());
    }
}
