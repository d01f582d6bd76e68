//! Observations as the FIM model's input, and a process as its training target.
//!
//! Input of one process: `[P, L, 6]` — `P` paths of `L` observation slots (padded), each slot
//! `(t / τ, Δt / τ, valid, state, previous state + 1, k)` with `τ` the time unit the model was
//! trained in (its prior's horizon), `Δt` the time since the path's previous observation (0 at the
//! first, whose previous state is 0 = none), `valid` 1 on real observations and 0 on padding, and
//! `k` the number of states. The model expands the integer columns into one-hot codes itself.
//!
//! Target: `[78]` — the `6 × 6` rates (row-major, 0 outside the process's `k` states and on the
//! diagonal), a `6 × 6` mask of the `k(k-1)` rates that exist, and the initial distribution
//! (6 entries, 0 beyond `k`).

use tch::{Kind, Tensor};

use super::simulate::{ObservedProcess, Process};
use super::MAX_STATES;
use crate::{Error, Result};

/// Columns of one observation slot.
pub const FEATURES: usize = 6;
/// Length of a target row (and of the model's output).
pub const TARGET: usize = 2 * MAX_STATES * MAX_STATES + MAX_STATES;

/// The observations of `obs` as `[paths, L, 6]` values (row-major), with `L` = `len`, at most
/// `paths` paths (missing paths are padding); times divided by `time_unit`.
fn encode_into(obs: &ObservedProcess, paths: usize, len: usize, time_unit: f64, out: &mut [f32]) {
    for (p, path) in obs.paths.iter().take(paths).enumerate() {
        for (m, (&t, &s)) in path.times.iter().zip(&path.states).take(len).enumerate() {
            let (dt, prev) = if m == 0 {
                (0.0, 0.0)
            } else {
                (t - path.times[m - 1], path.states[m - 1] as f64 + 1.0)
            };
            let o = (p * len + m) * FEATURES;
            out[o..o + FEATURES].copy_from_slice(&[
                (t / time_unit) as f32,
                (dt / time_unit) as f32,
                1.0,
                s as f32,
                prev as f32,
                obs.k as f32,
            ]);
        }
    }
}

/// Several processes as one `[B, paths, L, 6]` batch, `L` the longest path among them.
pub fn encode_batch(items: &[&ObservedProcess], paths: usize, time_unit: f64) -> Result<Tensor> {
    if items.is_empty() || paths == 0 || time_unit <= 0.0 {
        return Err(Error::input(
            "encoding observations needs at least one process, one path and a positive time unit",
        ));
    }
    let len = items
        .iter()
        .flat_map(|o| o.paths.iter().take(paths).map(|p| p.times.len()))
        .max()
        .unwrap_or(1)
        .max(1);
    let per = paths * len * FEATURES;
    let mut data = vec![0f32; items.len() * per];
    for (b, o) in items.iter().enumerate() {
        o.validate()?;
        encode_into(o, paths, len, time_unit, &mut data[b * per..(b + 1) * per]);
    }
    Ok(Tensor::from_slice(&data).view([
        items.len() as i64,
        paths as i64,
        len as i64,
        FEATURES as i64,
    ]))
}

/// The training targets `[B, 78]` of processes.
pub fn targets(processes: &[&Process]) -> Tensor {
    let mut data = vec![0f32; processes.len() * TARGET];
    let m = MAX_STATES;
    for (b, p) in processes.iter().enumerate() {
        let row = &mut data[b * TARGET..(b + 1) * TARGET];
        let k = p.rates.k();
        for i in 0..k {
            for j in 0..k {
                if i != j {
                    row[i * m + j] = p.rates.rate(i, j) as f32;
                    row[m * m + i * m + j] = 1.0;
                }
            }
            row[2 * m * m + i] = p.init[i] as f32;
        }
    }
    Tensor::from_slice(&data).view([processes.len() as i64, TARGET as i64])
}

/// Split `obs` into groups of `paths` paths (the last group takes paths from the start again to
/// fill up), so that a process with more paths than the model saw in training is read in pieces.
pub fn chunks(obs: &ObservedProcess, paths: usize) -> Vec<ObservedProcess> {
    let n = obs.paths.len();
    if n <= paths || paths == 0 {
        return vec![obs.clone()];
    }
    let groups = n.div_ceil(paths);
    (0..groups)
        .map(|g| ObservedProcess {
            k: obs.k,
            paths: (0..paths)
                .map(|i| obs.paths[(g * paths + i) % n].clone())
                .collect(),
        })
        .collect()
}

/// Decode one output row `[78]` (as `f64`s) into the `k × k` mean rates and the initial
/// distribution over `k` states.
pub fn decode(row: &[f64], k: usize) -> (Vec<f64>, Vec<f64>) {
    let m = MAX_STATES;
    let mut rates = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            if i != j {
                rates[i * k + j] = row[i * m + j];
            }
        }
    }
    let init: Vec<f64> = (0..k).map(|i| row[2 * m * m + i]).collect();
    let s: f64 = init.iter().sum();
    let init = if s > 0.0 {
        init.iter().map(|v| v / s).collect()
    } else {
        vec![1.0 / k as f64; k]
    };
    (rates, init)
}

/// A `[B, 78]` tensor as rows of `f64`.
pub fn rows(t: &Tensor) -> Result<Vec<Vec<f64>>> {
    let v = Vec::<f64>::try_from(t.to_kind(Kind::Double).flatten(0, -1))?;
    Ok(v.chunks(TARGET).map(<[f64]>::to_vec).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mjp::simulate::ObservedPath;

    #[test]
    fn encoding_pads_and_marks_previous_states() {
        let obs = ObservedProcess {
            k: 3,
            paths: vec![
                ObservedPath {
                    times: vec![0.0, 1.0, 3.0],
                    states: vec![2, 0, 1],
                },
                ObservedPath {
                    times: vec![0.0],
                    states: vec![1],
                },
            ],
        };
        let x = encode_batch(&[&obs], 3, 10.0).unwrap();
        assert_eq!(x.size(), vec![1, 3, 3, 6]);
        let v = Vec::<f32>::try_from(x.flatten(0, -1)).unwrap();
        // path 0, slot 2: t 0.3, dt 0.2, valid, state 1, previous 0 (+1), k 3
        assert_eq!(&v[12..18], &[0.3, 0.2, 1.0, 1.0, 1.0, 3.0]);
        // path 1, slot 1 is padding; path 2 is padding
        assert!(v[24..].iter().all(|&x| x == 0.0));
        assert_eq!(chunks(&obs, 1).len(), 2);
    }
}
