//! Contrastive pretraining of the ECG encoder (Abbaspourazad et al., ICLR 2024): positive
//! pairs, the augmentation module, a projection head, and InfoNCE + λ·KoLeo, trained by core's
//! [`Trainer::fit_loss`].
//!
//! Positive pairs ([`Pairing`]):
//! * `participant` — the paper's choice: two segments of the *same participant* (here: record),
//!   drawn at different times, each cropped and augmented. Pairs of the same participant in a
//!   batch are removed from each other's negatives. The paper has ~141 k participants, so a batch
//!   holds distinct ones; MIT-BIH here has **two**, so every batch is half one patient and half
//!   the other, and the task degenerates to telling two patients apart.
//! * `segment` — two augmented crops of the same `segment_s`-long stretch of one record; other
//!   segments (of either record) are the negatives.
//!
//! Differences from the paper: no momentum (EMA target) encoder, crops of beat length instead of
//! 30 s (60 s for PPG) segments, and the augmentations of [`super::augment`] (no time warp or
//! cut-out). Defaults: temperature 0.04 and KoLeo weight 0.1, our reading of the paper's
//! training details.

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use deepfield_core::data::{Batch, TensorDataset};
use deepfield_core::nn::mlp::{Mlp, MlpConfig};
use deepfield_core::train::{History, LossModel, OptimizerConfig, Task, TrainConfig, Trainer};
use deepfield_core::Forward;

use super::augment::{augment, AugmentConfig};
use super::beats::Lead;
use super::encoder::{EcgEncoder, EcgEncoderConfig};
use super::loss::{info_nce, koleo};
use crate::{ensure_config, ensure_input, Result};

/// Where positive pairs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pairing {
    /// Two segments of the same participant (record), as the paper.
    Participant,
    /// Two crops of the same record segment.
    Segment,
}

impl Pairing {
    /// Its name in configs and reports.
    pub fn name(self) -> &'static str {
        match self {
            Pairing::Participant => "participant",
            Pairing::Segment => "segment",
        }
    }
}

/// The pretraining settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SslConfig {
    pub pairing: Pairing,
    /// Length of the segments that pairs are drawn from (s).
    pub segment_s: f64,
    /// InfoNCE temperature τ.
    pub temperature: f64,
    /// KoLeo weight λ.
    pub koleo_weight: f64,
    /// Hidden and output widths of the projection head (an MLP on the embedding).
    pub projector_hidden: i64,
    pub projection: i64,
    pub augment: AugmentConfig,
    pub epochs: usize,
    /// Pairs per batch.
    pub batch_size: usize,
    pub lr: f64,
}

impl Default for SslConfig {
    fn default() -> Self {
        SslConfig {
            pairing: Pairing::Segment,
            segment_s: 10.0,
            temperature: 0.04,
            koleo_weight: 0.1,
            projector_hidden: 128,
            projection: 64,
            augment: AugmentConfig::default(),
            epochs: 150,
            batch_size: 64,
            lr: 1e-3,
        }
    }
}

impl SslConfig {
    /// Check the fields.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.segment_s > 0.0 && self.temperature > 0.0 && self.koleo_weight >= 0.0,
            "ssl: segment_s and temperature must be > 0, koleo_weight >= 0"
        );
        ensure_config!(
            self.projector_hidden >= 1 && self.projection >= 1,
            "ssl: projector sizes must be >= 1"
        );
        ensure_config!(
            self.epochs >= 1 && self.batch_size >= 2 && self.lr > 0.0,
            "ssl: epochs >= 1, batch_size >= 2, lr > 0"
        );
        self.augment.validate()
    }
}

/// The unlabelled training signal cut into segments, per participant.
#[derive(Debug)]
pub struct Segments {
    /// Every participant's signal, concatenated `[T]`.
    signal: Tensor,
    start: Tensor,
    len: Tensor,
    group: Tensor,
    group_first: Tensor,
    group_count: Tensor,
    /// Number of segments.
    pub count: usize,
    /// Segments per participant.
    pub per_group: Vec<usize>,
}

impl Segments {
    /// Segments of `segment` samples (the last, shorter piece kept when it holds a crop) of
    /// the first `limit[p]` samples of each lead `p`.
    pub fn new(
        leads: &[(&Lead, usize)],
        segment: usize,
        crop: usize,
        device: Device,
    ) -> Result<Segments> {
        ensure_input!(
            segment >= crop && crop >= 8,
            "ssl: segments of {segment} samples cannot hold crops of {crop}"
        );
        let (mut signal, mut start, mut len, mut group) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut first, mut count) = (Vec::new(), Vec::new());
        for (g, (lead, limit)) in leads.iter().enumerate() {
            let v = &lead.values[..(*limit).min(lead.values.len())];
            let base = signal.len() as i64;
            let n0 = start.len();
            let mut s = 0;
            while s + crop <= v.len() {
                let l = segment.min(v.len() - s);
                start.push(base + s as i64);
                len.push(l as i64);
                group.push(g as i64);
                s += segment;
            }
            signal.extend_from_slice(v);
            first.push(n0 as i64);
            count.push((start.len() - n0) as i64);
            ensure_input!(
                start.len() > n0,
                "ssl: record {} has no full segment for pretraining",
                lead.record
            );
        }
        let t = |v: &[i64]| Tensor::from_slice(v).to_device(device);
        Ok(Segments {
            signal: Tensor::from_slice(&signal).to_device(device),
            start: t(&start),
            len: t(&len),
            group: t(&group),
            group_first: t(&first),
            group_count: t(&count),
            count: start.len(),
            per_group: count.iter().map(|&c| c as usize).collect(),
        })
    }

    /// A random crop of `crop` samples from each segment of `seg` (`[B]` int64) → `[B, crop]`.
    fn crops(&self, seg: &Tensor, crop: i64) -> Result<Tensor> {
        let dev = seg.device();
        let start = self.start.f_index_select(0, seg)?;
        let room = self.len.f_index_select(0, seg)?.f_sub_scalar(crop - 1)?;
        let off = Tensor::f_rand(seg.size(), (Kind::Float, dev))?
            .f_mul(&room.f_to_kind(Kind::Float)?)?
            .f_floor()?
            .f_to_kind(Kind::Int64)?
            .f_clamp_max_tensor(&room.f_sub_scalar(1)?)?;
        let pos = start.f_add(&off)?;
        let idx = pos
            .f_unsqueeze(1)?
            .f_add(&Tensor::f_arange(crop, (Kind::Int64, dev))?.f_unsqueeze(0)?)?;
        Ok(self.signal.f_take(&idx)?)
    }

    /// A random segment of the same participant as each of `seg`.
    fn same_participant(&self, seg: &Tensor) -> Result<Tensor> {
        let g = self.group.f_index_select(0, seg)?;
        let first = self.group_first.f_index_select(0, &g)?;
        let count = self.group_count.f_index_select(0, &g)?;
        let r = Tensor::f_rand(seg.size(), (Kind::Float, seg.device()))?
            .f_mul(&count.f_to_kind(Kind::Float)?)?
            .f_floor()?
            .f_to_kind(Kind::Int64)?
            .f_clamp_max_tensor(&count.f_sub_scalar(1)?)?;
        Ok(first.f_add(&r)?)
    }
}

/// Encoder + projection head + pair sampler: the pretraining model.
pub struct SslModel {
    pub encoder: EcgEncoder,
    pub projector: Mlp,
    segments: Segments,
    cfg: SslConfig,
    crop: i64,
    fs: f64,
}

impl SslModel {
    /// Build under `vs.root()` (`encoder.*`, `projector.*`).
    pub fn new(
        vs: &VarStore,
        encoder: &EcgEncoderConfig,
        cfg: &SslConfig,
        segments: Segments,
        crop: usize,
        fs: f64,
    ) -> Result<SslModel> {
        cfg.validate()?;
        let root = vs.root();
        let enc = encoder.init(&root)?;
        let projector = MlpConfig::new(encoder.embedding(), [cfg.projector_hidden], cfg.projection)
            .init(&(&root / "projector"))?;
        Ok(SslModel {
            encoder: enc,
            projector,
            segments,
            cfg: cfg.clone(),
            crop: crop as i64,
            fs,
        })
    }

    /// The loss of a batch of segment ids `[B]` (int64), with its two parts.
    pub fn loss_parts(&self, ids: &Tensor, train: bool) -> Result<(Tensor, Tensor, Tensor)> {
        let s = &self.segments;
        let other = match self.cfg.pairing {
            Pairing::Segment => ids.shallow_clone(),
            Pairing::Participant => s.same_participant(ids)?,
        };
        let xa = augment(&s.crops(ids, self.crop)?, &self.cfg.augment, self.fs)?;
        let xb = augment(&s.crops(&other, self.crop)?, &self.cfg.augment, self.fs)?;
        let b = ids.size()[0];
        let x = Tensor::f_cat(&[xa, xb], 0)?.f_unsqueeze(1)?;
        let z = self
            .projector
            .try_forward_t(&self.encoder.embed(&x, train)?, None, train)?;
        let za = z.f_narrow(0, 0, b)?;
        let zb = z.f_narrow(0, b, b)?;
        let groups = match self.cfg.pairing {
            Pairing::Participant => Some(s.group.f_index_select(0, ids)?),
            Pairing::Segment => None,
        };
        let nce = info_nce(&za, &zb, self.cfg.temperature, groups.as_ref())?;
        let ko = (koleo(&za, 1e-8)? + koleo(&zb, 1e-8)?) / 2.0;
        let total = nce.f_add(&ko.f_mul_scalar(self.cfg.koleo_weight)?)?;
        Ok((total, nce, ko))
    }
}

impl LossModel for SslModel {
    fn batch_loss(&self, batch: &Batch, train: bool) -> deepfield_core::Result<Tensor> {
        let ids = batch
            .x
            .f_select(1, 0)
            .and_then(|t| t.f_to_kind(Kind::Int64))
            .map_err(deepfield_core::Error::from)?;
        self.loss_parts(&ids, train)
            .map(|(t, _, _)| t)
            .map_err(crate::Error::into_core)
    }
}

/// Pretrain an encoder on `segments` (torch seeded with `seed` first); returns the VarStore,
/// the model and the loss history.
pub fn pretrain(
    encoder: &EcgEncoderConfig,
    cfg: &SslConfig,
    segments: Segments,
    crop: usize,
    fs: f64,
    seed: u64,
    device: Device,
) -> Result<(VarStore, SslModel, History)> {
    deepfield_core::seed(seed);
    let n = segments.count;
    let mut vs = VarStore::new(device);
    let model = SslModel::new(&vs, encoder, cfg, segments, crop, fs)?;
    let ids = Tensor::f_arange(n as i64, (Kind::Float, Device::Cpu))?.f_unsqueeze(1)?;
    let data = TensorDataset::new(
        ids,
        Tensor::f_zeros([n as i64], (Kind::Float, Device::Cpu))?,
    )?;
    let train = TrainConfig {
        epochs: cfg.epochs,
        batch_size: cfg.batch_size.min(n).max(2),
        optimizer: OptimizerConfig::adam(cfg.lr),
        seed,
        drop_last: true,
        progress: false,
        ..Default::default()
    };
    let history =
        Trainer::new(train, Task::regression())?.fit_loss(&model, &mut vs, &data, None)?;
    Ok((vs, model, history))
}
