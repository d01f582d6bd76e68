//! An n-gram language model over recognition units with interpolated Witten-Bell smoothing
//! (Witten & Bell 1991; the form in Chen & Goodman 1998, eq. 16), trained on the training
//! sentences only.
//!
//! `P(w | h) = (c(h w) + N1+(h •) · P(w | h')) / (c(h) + N1+(h •))`, where `h'` drops the
//! oldest unit of `h`, `N1+(h •)` is the number of distinct units seen after `h`; an unseen
//! context falls through to `h'`. The recursion ends in the uniform distribution over the
//! vocabulary and the end-of-sentence symbol, so every unit has a probability and the
//! probabilities of a context sum to 1 (a test checks it).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Counts after one context.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Follow {
    total: u64,
    counts: HashMap<u32, u64>,
}

/// A trained n-gram model over units `0..vocab`; `vocab` itself is the sentence boundary
/// (begin in a context, end when predicted).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NGram {
    pub order: usize,
    pub vocab: usize,
    /// Context (oldest first, 0..order−1 units) → what followed, as a list for JSON.
    table: Vec<(Vec<u32>, Follow)>,
    #[serde(skip)]
    index: HashMap<Vec<u32>, usize>,
}

impl NGram {
    /// Train on unit sequences.
    pub fn train(order: usize, vocab: usize, sentences: &[Vec<usize>]) -> Result<Self> {
        if order == 0 || vocab == 0 {
            return Err(Error::Config(format!(
                "n-gram: order and vocab must be ≥ 1, got {order} and {vocab}"
            )));
        }
        let bound = vocab as u32;
        let mut map: HashMap<Vec<u32>, Follow> = HashMap::new();
        for s in sentences {
            let mut seq: Vec<u32> = vec![bound; order - 1];
            for &u in s {
                if u >= vocab {
                    return Err(Error::input(format!(
                        "n-gram: unit {u} outside vocab {vocab}"
                    )));
                }
                seq.push(u as u32);
            }
            seq.push(bound);
            for i in (order - 1)..seq.len() {
                let w = seq[i];
                for k in 0..order {
                    let ctx = seq[i - k..i].to_vec();
                    let f = map.entry(ctx).or_default();
                    f.total += 1;
                    *f.counts.entry(w).or_default() += 1;
                }
            }
        }
        let mut table: Vec<(Vec<u32>, Follow)> = map.into_iter().collect();
        table.sort_by(|a, b| a.0.cmp(&b.0));
        let mut lm = NGram {
            order,
            vocab,
            table,
            index: HashMap::new(),
        };
        lm.reindex();
        Ok(lm)
    }

    /// Rebuild the lookup after deserialising.
    pub fn reindex(&mut self) {
        self.index = self
            .table
            .iter()
            .enumerate()
            .map(|(i, (c, _))| (c.clone(), i))
            .collect();
    }

    /// `P(w | history)`; `w == vocab` is the end of the sentence. `history` holds the units so
    /// far (oldest first, without the start padding); only the last `order − 1` are used.
    pub fn prob(&self, history: &[usize], w: usize) -> f64 {
        let bound = self.vocab as u32;
        let k = self.order - 1;
        let mut ctx: Vec<u32> = vec![bound; k.saturating_sub(history.len())];
        ctx.extend(
            history[history.len().saturating_sub(k)..]
                .iter()
                .map(|&u| u as u32),
        );
        let mut p = 1.0 / (self.vocab + 1) as f64;
        for start in (0..=ctx.len()).rev() {
            let c = &ctx[start..];
            if let Some(&i) = self.index.get(c) {
                let f = &self.table[i].1;
                let n1 = f.counts.len() as f64;
                let cw = f.counts.get(&(w as u32)).copied().unwrap_or(0) as f64;
                p = (cw + n1 * p) / (f.total as f64 + n1);
            }
        }
        p
    }

    /// Natural-log probability.
    pub fn log_prob(&self, history: &[usize], w: usize) -> f64 {
        self.prob(history, w).ln()
    }

    /// Perplexity per predicted unit (end of sentence included) on unit sequences.
    pub fn perplexity(&self, sentences: &[Vec<usize>]) -> f64 {
        let (mut lp, mut n) = (0.0, 0usize);
        for s in sentences {
            for i in 0..=s.len() {
                let w = s.get(i).copied().unwrap_or(self.vocab);
                lp += self.log_prob(&s[..i], w.min(self.vocab));
                n += 1;
            }
        }
        (-lp / n.max(1) as f64).exp()
    }
}
