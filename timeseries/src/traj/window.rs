//! Observed/future windows per pedestrian: runs of consecutive annotated frames cut into
//! `OBS_LEN + PRED_LEN` steps with stride 1 (the Social-GAN / Trajectron++ protocol: 8 observed
//! steps = 3.2 s, 12 predicted = 4.8 s at 2.5 Hz).

use std::collections::BTreeMap;

use tch::{Kind, Tensor};

use super::load::Observation;
use crate::{Error, Result};

/// Observed steps per window.
pub const OBS_LEN: usize = 8;
/// Predicted steps per window.
pub const PRED_LEN: usize = 12;

/// One pedestrian's window: `obs_len` observed and `pred_len` future positions (metres).
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Index of the scene file the window comes from (the caller's numbering).
    pub scene: usize,
    /// Pedestrian id within that file.
    pub ped: i64,
    /// Frame of the last observed position (windows sharing scene and frame are co-present).
    pub frame: i64,
    /// Observed positions, oldest first.
    pub obs: Vec<[f64; 2]>,
    /// Future positions (empty for a track to forecast).
    pub fut: Vec<[f64; 2]>,
}

/// The annotation step of a file: the most common positive frame difference between a
/// pedestrian's consecutive rows (10 in every ETH/UCY file). `None` when no pedestrian has two
/// rows.
pub fn frame_step(rows: &[Observation]) -> Option<i64> {
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for frames in tracks(rows).values() {
        for w in frames.windows(2) {
            let d = w[1].frame - w[0].frame;
            if d > 0 {
                *counts.entry(d).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(d, n)| (n, std::cmp::Reverse(d)))
        .map(|(d, _)| d)
}

/// Rows grouped by pedestrian, each sorted by frame.
pub fn tracks(rows: &[Observation]) -> BTreeMap<i64, Vec<Observation>> {
    let mut by: BTreeMap<i64, Vec<Observation>> = BTreeMap::new();
    for r in rows {
        by.entry(r.ped).or_default().push(*r);
    }
    for v in by.values_mut() {
        v.sort_by_key(|o| o.frame);
    }
    by
}

/// Every window of `obs_len + pred_len` consecutive frames (`step` apart) of every pedestrian,
/// stride 1; a track with a gap is split there.
pub fn windows(
    rows: &[Observation],
    step: i64,
    obs_len: usize,
    pred_len: usize,
    scene: usize,
) -> Vec<Window> {
    let len = obs_len + pred_len;
    let mut out = Vec::new();
    for (ped, track) in tracks(rows) {
        let mut start = 0;
        for end in 1..=track.len() {
            let broken = end == track.len() || track[end].frame - track[end - 1].frame != step;
            if !broken {
                continue;
            }
            let run = &track[start..end];
            for w in run.windows(len) {
                let xy: Vec<[f64; 2]> = w.iter().map(|o| [o.x, o.y]).collect();
                out.push(Window {
                    scene,
                    ped,
                    frame: w[obs_len - 1].frame,
                    obs: xy[..obs_len].to_vec(),
                    fut: xy[obs_len..].to_vec(),
                });
            }
            start = end;
        }
    }
    out.sort_by_key(|w| (w.scene, w.frame, w.ped));
    out
}

/// `[N, T, 2]` float tensor of the given positions of every window.
fn stack(ws: &[Window], pick: impl Fn(&Window) -> &[[f64; 2]]) -> Result<Tensor> {
    let t = ws.first().map_or(0, |w| pick(w).len());
    let mut v = Vec::with_capacity(ws.len() * t * 2);
    for w in ws {
        let p = pick(w);
        if p.len() != t {
            return Err(Error::input(format!(
                "windows of different lengths ({} and {t} steps)",
                p.len()
            )));
        }
        v.extend(p.iter().flat_map(|q| [q[0] as f32, q[1] as f32]));
    }
    Ok(Tensor::from_slice(&v)
        .to_kind(Kind::Float)
        .reshape([ws.len() as i64, t as i64, 2]))
}

/// Observed positions `[N, obs_len, 2]` of `ws`.
pub fn obs_tensor(ws: &[Window]) -> Result<Tensor> {
    stack(ws, |w| &w.obs)
}

/// Future positions `[N, pred_len, 2]` of `ws`.
pub fn fut_tensor(ws: &[Window]) -> Result<Tensor> {
    stack(ws, |w| &w.fut)
}

/// Indices of windows sharing scene and last observed frame (pedestrians present together),
/// groups of one included.
pub fn co_present(ws: &[Window]) -> Vec<Vec<usize>> {
    let mut g: BTreeMap<(usize, i64), Vec<usize>> = BTreeMap::new();
    for (i, w) in ws.iter().enumerate() {
        g.entry((w.scene, w.frame)).or_default().push(i);
    }
    g.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(frame: i64, ped: i64, x: f64) -> Observation {
        Observation {
            frame,
            ped,
            x,
            y: -x,
        }
    }

    #[test]
    fn windows_split_at_gaps_and_slide_by_one() {
        // Pedestrian 1: frames 0..=40 step 10, a gap, then 100..=130; pedestrian 2: 0..=30.
        let mut rows: Vec<Observation> = (0..5).map(|k| obs(10 * k, 1, k as f64)).collect();
        rows.extend((0..4).map(|k| obs(100 + 10 * k, 1, 10.0 + k as f64)));
        rows.extend((0..4).map(|k| obs(10 * k, 2, 100.0 + k as f64)));
        assert_eq!(frame_step(&rows), Some(10));
        let ws = windows(&rows, 10, 2, 1, 7);
        // Run of 5 → 3 windows, run of 4 → 2, pedestrian 2's run of 4 → 2.
        assert_eq!(ws.len(), 7);
        let w = ws.iter().find(|w| w.ped == 1 && w.frame == 110).unwrap();
        assert_eq!(w.obs, vec![[10.0, -10.0], [11.0, -11.0]]);
        assert_eq!(w.fut, vec![[12.0, -12.0]]);
        assert_eq!(w.scene, 7);
        let groups = co_present(&ws);
        assert!(groups.iter().any(|g| g.len() == 2));
        let t = obs_tensor(&ws).unwrap();
        assert_eq!(t.size(), [7, 2, 2]);
        assert_eq!(fut_tensor(&ws).unwrap().size(), [7, 1, 2]);
    }
}
