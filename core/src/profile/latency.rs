//! Measured latency of a forward pass: warm-up calls, then repeated timed calls until a time
//! budget is spent; the median and the best are reported.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::Result;

/// How long to measure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatencyOptions {
    /// Untimed calls first.
    pub warmup: usize,
    /// Timed calls at least …
    pub min_runs: usize,
    /// … and more until this many seconds have passed (or `max_runs`).
    pub budget_s: f64,
    pub max_runs: usize,
}

impl Default for LatencyOptions {
    fn default() -> Self {
        LatencyOptions {
            warmup: 2,
            min_runs: 5,
            budget_s: 1.0,
            max_runs: 1000,
        }
    }
}

impl LatencyOptions {
    /// One timed call, no warm-up: for tests and counts, where the time does not matter.
    pub fn once() -> Self {
        LatencyOptions {
            warmup: 0,
            min_runs: 1,
            budget_s: 0.0,
            max_runs: 1,
        }
    }
}

/// Seconds per call.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub median_s: f64,
    pub best_s: f64,
    pub runs: usize,
}

/// Time `f` (one forward pass; it must finish its work before returning, e.g. synchronise a GPU).
pub fn measure(opts: &LatencyOptions, mut f: impl FnMut() -> Result<()>) -> Result<Latency> {
    for _ in 0..opts.warmup {
        f()?;
    }
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < opts.min_runs.max(1)
        || (start.elapsed().as_secs_f64() < opts.budget_s && times.len() < opts.max_runs)
    {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(Latency {
        median_s: times[times.len() / 2],
        best_s: times[0],
        runs: times.len(),
    })
}
