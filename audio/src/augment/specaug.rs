//! SpecAugment — Park, Chan, Zhang, Chiu, Zoph, Cubuk & Le, "SpecAugment: A Simple Data
//! Augmentation Method for Automatic Speech Recognition", Interspeech 2019.
//!
//! Each training utterance gets `m_F` frequency masks (a band of `f ~ U[0, F]` consecutive
//! coefficients set to the mean, 0 after standardisation), `m_T` time masks (`t ~ U[0, T]`
//! frames, at most `p·τ` of an utterance of `τ` real frames) and, optionally, a time warp (the
//! frame at a random point `c ∈ [W, τ − W)` moved by `w ~ U[−W, W]`, both sides stretched
//! linearly). Masks are drawn per utterance within its real (unpadded) length, from a seeded
//! [`Rng`], so a run is repeatable.
//!
//! What differs from the paper: its masks act on log-mel channels; here the inputs are MFCC with
//! Δ and ΔΔ, so a frequency mask covers the same coefficient indices in each of the
//! `feature_blocks` blocks (static, Δ, ΔΔ). The defaults are scaled to isolated words of about
//! 50 frames (the paper's LibriSpeech policy has `T = 100`, `F = 27` of 80 channels).

use std::cell::RefCell;

use deepfield_core::rng::Rng;
use deepfield_core::tch::{Kind, Tensor};
use deepfield_core::Forward;
use serde::{Deserialize, Serialize};

use crate::error::ensure_config;
use crate::{Error, Result};

/// SpecAugment policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpecAugmentConfig {
    /// Frequency masks per utterance (`m_F`; paper 1–2).
    pub freq_masks: usize,
    /// Widest frequency mask in coefficients of one block (`F`).
    pub freq_width: usize,
    /// Time masks per utterance (`m_T`; paper 1–2).
    pub time_masks: usize,
    /// Widest time mask in frames (`T`).
    pub time_width: usize,
    /// Upper bound of a time mask as a fraction of the utterance's real frames (`p`).
    pub time_frac: f64,
    /// Time-warp reach in frames (`W`); 0 turns the warp off.
    pub time_warp: usize,
    /// Feature blocks sharing a frequency mask (3 for MFCC + Δ + ΔΔ, 1 for log-mel).
    pub feature_blocks: usize,
}

impl Default for SpecAugmentConfig {
    /// Two frequency masks of ≤ 3 of 13 coefficients (in every block of MFCC + Δ + ΔΔ), two
    /// time masks of ≤ 8 frames and ≤ 20% of the utterance, no time warp.
    fn default() -> Self {
        SpecAugmentConfig {
            freq_masks: 2,
            freq_width: 3,
            time_masks: 2,
            time_width: 8,
            time_frac: 0.2,
            time_warp: 0,
            feature_blocks: 3,
        }
    }
}

impl SpecAugmentConfig {
    /// Check the policy.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.feature_blocks >= 1,
            "spec_augment: feature_blocks must be ≥ 1"
        );
        ensure_config!(
            (0.0..=1.0).contains(&self.time_frac),
            "spec_augment: time_frac must be in [0, 1], got {}",
            self.time_frac
        );
        Ok(())
    }
}

/// The masks drawn for one utterance: `(start, width)` bands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SampleMasks {
    /// Coefficient bands within one block (repeated in every block).
    pub freq: Vec<(usize, usize)>,
    /// Frame bands within the real frames.
    pub time: Vec<(usize, usize)>,
    /// Time warp `(centre, moved to)`, when drawn.
    pub warp: Option<(usize, usize)>,
}

/// Draw the masks of utterances with `lengths` real frames over `features` coefficients.
pub fn draw_masks(
    lengths: &[usize],
    features: usize,
    cfg: &SpecAugmentConfig,
    rng: &mut Rng,
) -> Result<Vec<SampleMasks>> {
    cfg.validate()?;
    ensure_config!(
        features % cfg.feature_blocks == 0,
        "spec_augment: {features} features do not split into {} blocks",
        cfg.feature_blocks
    );
    let block = features / cfg.feature_blocks;
    let mut out = Vec::with_capacity(lengths.len());
    for &len in lengths {
        let mut m = SampleMasks::default();
        let w = cfg.time_warp;
        if w > 0 && len > 2 * w + 1 {
            let c = w + rng.below(len - 2 * w);
            let to = c + rng.below(2 * w + 1) - w;
            m.warp = Some((c, to.clamp(1, len - 2)));
        }
        for _ in 0..cfg.freq_masks {
            let f = rng.below(cfg.freq_width.min(block) + 1);
            let f0 = rng.below(block - f + 1);
            m.freq.push((f0, f));
        }
        let t_max = cfg
            .time_width
            .min((cfg.time_frac * len as f64).floor() as usize);
        for _ in 0..cfg.time_masks {
            let t = rng.below(t_max + 1);
            let t0 = rng.below(len - t.min(len) + 1);
            m.time.push((t0, t));
        }
        out.push(m);
    }
    Ok(out)
}

/// Real frames per row of a `[B, T]` mask (all `T` without one).
fn lengths_of(mask: Option<&Tensor>, b: usize, t: usize) -> Result<Vec<usize>> {
    let Some(m) = mask else {
        return Ok(vec![t; b]);
    };
    let l = m
        .f_to_kind(Kind::Int64)?
        .f_sum_dim_intlist(1, false, Kind::Int64)?
        .f_to_device(deepfield_core::tch::Device::Cpu)?;
    Ok(Vec::<i64>::try_from(&l)?
        .into_iter()
        .map(|v| v.max(0) as usize)
        .collect())
}

/// Apply SpecAugment to a padded batch.
///
/// # Shapes
/// * `xs`: `[B, T, F]`, `mask`: `[B, T]` right-padded (`None`: all frames real)
/// * returns `[B, T, F]`: padded frames untouched (warp) or zero already
pub fn spec_augment(
    xs: &Tensor,
    mask: Option<&Tensor>,
    cfg: &SpecAugmentConfig,
    rng: &mut Rng,
) -> Result<Tensor> {
    let size = xs.size();
    if size.len() != 3 {
        return Err(Error::input(format!(
            "spec_augment: expected [B, T, F], got {size:?}"
        )));
    }
    let (b, t, f) = (size[0] as usize, size[1] as usize, size[2] as usize);
    let lengths = lengths_of(mask, b, t)?;
    let masks = draw_masks(&lengths, f, cfg, rng)?;
    let block = f / cfg.feature_blocks;
    let mut xs = xs.shallow_clone();
    if masks.iter().any(|m| m.warp.is_some()) {
        xs = warp(&xs, &lengths, &masks)?;
    }
    let mut keep = vec![1f32; b * t * f];
    for (i, m) in masks.iter().enumerate() {
        let row = &mut keep[i * t * f..(i + 1) * t * f];
        for &(f0, w) in &m.freq {
            for k in 0..cfg.feature_blocks {
                for c in f0..f0 + w {
                    for tt in 0..t {
                        row[tt * f + k * block + c] = 0.0;
                    }
                }
            }
        }
        for &(t0, w) in &m.time {
            row[t0 * f..(t0 + w) * f].fill(0.0);
        }
    }
    let keep = Tensor::from_slice(&keep)
        .f_view([b as i64, t as i64, f as i64])?
        .f_to_device(xs.device())?
        .f_to_kind(xs.kind())?;
    Ok(xs.f_mul(&keep)?)
}

/// Time warp by linear interpolation between frames (rows without a warp are copied).
fn warp(xs: &Tensor, lengths: &[usize], masks: &[SampleMasks]) -> Result<Tensor> {
    let size = xs.size();
    let (b, t, f) = (size[0] as usize, size[1] as usize, size[2]);
    let (mut i0, mut i1, mut w) = (vec![0i64; b * t], vec![0i64; b * t], vec![0f32; b * t]);
    for (i, m) in masks.iter().enumerate() {
        let len = lengths[i];
        for tt in 0..t {
            let s = match m.warp {
                Some((c, d)) if tt < len => {
                    let (c, d, last) = (c as f64, d as f64, (len - 1) as f64);
                    let x = tt as f64;
                    if x <= d {
                        x * c / d
                    } else {
                        c + (x - d) * (last - c) / (last - d)
                    }
                }
                _ => tt as f64,
            };
            let lo = s.floor() as usize;
            let hi = (lo + 1).min(t - 1);
            i0[i * t + tt] = lo as i64;
            i1[i * t + tt] = hi as i64;
            w[i * t + tt] = (s - lo as f64) as f32;
        }
    }
    let dev = xs.device();
    let idx = |v: &[i64]| -> Result<Tensor> {
        Ok(Tensor::from_slice(v)
            .f_view([b as i64, t as i64, 1])?
            .f_expand([b as i64, t as i64, f], false)?
            .f_to_device(dev)?)
    };
    let w = Tensor::from_slice(&w)
        .f_view([b as i64, t as i64, 1])?
        .f_to_device(dev)?
        .f_to_kind(xs.kind())?;
    let a = xs.f_gather(1, &idx(&i0)?, false)?;
    let c = xs.f_gather(1, &idx(&i1)?, false)?;
    Ok((&a + (c - &a) * w).contiguous())
}

/// A model trained with SpecAugment: in training mode every batch is augmented (a fresh draw
/// from the seeded stream) before the model sees it; in evaluation mode the input passes
/// unchanged, so validation, test and inference see the real features.
pub struct Augmented<'a, M: ?Sized> {
    model: &'a M,
    cfg: SpecAugmentConfig,
    rng: RefCell<Rng>,
}

impl<'a, M: ?Sized> Augmented<'a, M> {
    /// Wrap `model`; masks are drawn from a stream seeded with `seed`.
    pub fn new(model: &'a M, cfg: SpecAugmentConfig, seed: u64) -> Result<Self> {
        cfg.validate()?;
        Ok(Augmented {
            model,
            cfg,
            rng: RefCell::new(Rng::new(seed)),
        })
    }
}

impl<M: Forward + ?Sized> Forward for Augmented<'_, M> {
    /// `xs [B, T, F]`, `mask [B, T]` → the model's output.
    fn try_forward_t(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        if !train {
            return self.model.try_forward_t(xs, mask, false);
        }
        let x = spec_augment(xs, mask, &self.cfg, &mut self.rng.borrow_mut())
            .map_err(Error::into_core)?;
        self.model.try_forward_t(&x, mask, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deepfield_core::tch::Device;

    #[test]
    fn masks_stay_within_bounds_are_seeded_and_keep_the_shape() {
        let cfg = SpecAugmentConfig {
            time_warp: 3,
            ..Default::default()
        };
        let lengths = [40usize, 25, 9, 1];
        let (b, t, f) = (4usize, 40usize, 39usize);
        let xs = Tensor::rand([b as i64, t as i64, f as i64], (Kind::Float, Device::Cpu)) + 1.0;
        let mut m = vec![false; b * t];
        for (i, &l) in lengths.iter().enumerate() {
            m[i * t..i * t + l].fill(true);
        }
        let mask = Tensor::from_slice(&m).view([b as i64, t as i64]);
        let drawn = draw_masks(&lengths, f, &cfg, &mut Rng::new(7)).unwrap();
        for (d, &len) in drawn.iter().zip(&lengths) {
            assert_eq!(d.freq.len(), cfg.freq_masks);
            assert_eq!(d.time.len(), cfg.time_masks);
            for &(f0, w) in &d.freq {
                assert!(w <= cfg.freq_width && f0 + w <= 13, "{f0} {w}");
            }
            let t_max = cfg.time_width.min((0.2 * len as f64) as usize);
            for &(t0, w) in &d.time {
                assert!(w <= t_max && t0 + w <= len, "{t0} {w} of {len}");
            }
            if let Some((c, to)) = d.warp {
                assert!(c >= 3 && c + 3 < len && to.abs_diff(c) <= 3, "{c} {to}");
            }
        }
        let a = spec_augment(&xs, Some(&mask), &cfg, &mut Rng::new(7)).unwrap();
        let again = spec_augment(&xs, Some(&mask), &cfg, &mut Rng::new(7)).unwrap();
        let other = spec_augment(&xs, Some(&mask), &cfg, &mut Rng::new(8)).unwrap();
        assert_eq!(a.size(), xs.size());
        assert!(a.equal(&again), "same seed, same masks");
        assert!(!a.equal(&other), "another seed, other masks");
        // Without a warp the output is the input times a 0/1 mask whose zeros are exactly the
        // drawn bands (in every block for frequency masks).
        let plain = SpecAugmentConfig::default();
        let drawn = draw_masks(&lengths, f, &plain, &mut Rng::new(3)).unwrap();
        let y = spec_augment(&xs, Some(&mask), &plain, &mut Rng::new(3)).unwrap();
        let zero = Vec::<f32>::try_from(y.eq(0.0).to_kind(Kind::Float).view([-1])).unwrap();
        for (i, d) in drawn.iter().enumerate() {
            for tt in 0..t {
                for c in 0..f {
                    let want = d
                        .freq
                        .iter()
                        .any(|&(f0, w)| (f0..f0 + w).contains(&(c % 13)))
                        || d.time.iter().any(|&(t0, w)| (t0..t0 + w).contains(&tt));
                    assert_eq!(zero[(i * t + tt) * f + c] == 1.0, want, "{i} {tt} {c}");
                }
            }
        }
        // Evaluation mode passes the input through.
        struct Id;
        impl Forward for Id {
            fn try_forward_t(
                &self,
                xs: &Tensor,
                _: Option<&Tensor>,
                _: bool,
            ) -> deepfield_core::Result<Tensor> {
                Ok(xs.shallow_clone())
            }
        }
        let aug = Augmented::new(&Id, plain, 1).unwrap();
        assert!(aug.forward_t(&xs, Some(&mask), false).equal(&xs));
        assert!(!aug.forward_t(&xs, Some(&mask), true).equal(&xs));
        assert!(spec_augment(&xs.view([-1]), None, &cfg, &mut Rng::new(1)).is_err());
    }
}
