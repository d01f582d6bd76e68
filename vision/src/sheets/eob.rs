//! TableSense's metric: a predicted table counts as correct when its error of boundary (EoB,
//! the largest offset of its four edges from a true table's, in cells) is at most `k`; each
//! true table is matched at most once. Precision = correct predictions / predictions, recall =
//! matched true tables / true tables, pooled over all sheets (the paper reports EoB-0 and
//! EoB-2).

use serde::{Deserialize, Serialize};

use super::CellBox;

/// Matched, predicted and true box counts (add them up over sheets).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EobCounts {
    pub matched: usize,
    pub predicted: usize,
    pub truth: usize,
}

impl EobCounts {
    /// Matched predictions / predictions (0 when nothing was predicted).
    pub fn precision(&self) -> f64 {
        self.matched as f64 / self.predicted.max(1) as f64
    }

    /// Matched true tables / true tables (0 when there were none).
    pub fn recall(&self) -> f64 {
        self.matched as f64 / self.truth.max(1) as f64
    }

    /// Harmonic mean of precision and recall (0 when both are 0).
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

impl std::ops::AddAssign for EobCounts {
    fn add_assign(&mut self, o: EobCounts) {
        self.matched += o.matched;
        self.predicted += o.predicted;
        self.truth += o.truth;
    }
}

/// Match `predicted` to `truth` one to one at EoB ≤ `k`, closest pairs first.
pub fn eob_counts(predicted: &[CellBox], truth: &[CellBox], k: usize) -> EobCounts {
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
    for (i, p) in predicted.iter().enumerate() {
        for (j, t) in truth.iter().enumerate() {
            let e = p.eob(t);
            if e <= k {
                pairs.push((e, i, j));
            }
        }
    }
    pairs.sort_unstable();
    let mut used_p = vec![false; predicted.len()];
    let mut used_t = vec![false; truth.len()];
    let mut matched = 0;
    for (_, i, j) in pairs {
        if !used_p[i] && !used_t[j] {
            used_p[i] = true;
            used_t[j] = true;
            matched += 1;
        }
    }
    EobCounts {
        matched,
        predicted: predicted.len(),
        truth: truth.len(),
    }
}
