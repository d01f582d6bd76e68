//! AV-MNIST: spoken digits of the Free Spoken Digit Dataset (`$DEEPFIELD_DATA/fsdd`) paired
//! with MNIST images of the same digit (`$DEEPFIELD_DATA/mnist`) — the audio-visual digit
//! benchmark used in multimodal-fusion studies (e.g. Vielzeuf et al. 2018, "CentralNet"; Pérez-Rúa
//! et al. 2019, "MFAS"), rebuilt here from the two public sets.
//!
//! Rules: FSDD speakers are split (seeded) into disjoint training, validation and test
//! speakers; training and validation recordings are paired with images of MNIST's training half,
//! test recordings with images of its test half; every image is used at most once, paired at
//! random (seeded) with a recording of the same digit. Audio: [`lld`] descriptors per 10 ms
//! frame, standardised with training-set statistics, the first `frames` frames kept (zero
//! padding after). Images: `[1, 28, 28]`, standardised with MNIST's usual mean 0.1307 and std
//! 0.3081.

pub mod eval;
pub mod lld;
pub mod pairing;

use std::path::{Path, PathBuf};

use deepfield_core::data::mnist::{self, Dataset, Split};
use deepfield_core::data::DatasetSpec;
use deepfield_core::tch::{Kind, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::{fsdd_clips, Clip};
use crate::error::ensure_config;
use crate::features::{FeatureMatrix, FrameScaler};
use crate::{Error, Result};
use lld::{fixed_frames, Lld, N_LLD};
use pairing::{split_speakers, ImagePool, SpeakerSplit};

/// FSDD's sample rate, the model rate of the audio descriptors (Hz).
pub const SAMPLE_RATE: u32 = 8_000;

/// MNIST pixel mean and std (training half), the usual normalisation.
pub const MNIST_MEAN: f64 = 0.1307;
/// See [`MNIST_MEAN`].
pub const MNIST_STD: f64 = 0.3081;

/// How AV-MNIST is built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AvMnistConfig {
    /// Frames of audio kept per recording (10 ms each).
    pub frames: usize,
    /// Consecutive frames averaged into one model step (`frames` must be a multiple).
    pub frame_pool: usize,
    /// Test speakers.
    pub test_speakers: usize,
    /// Validation speakers.
    pub val_speakers: usize,
    /// At most this many recordings per (speaker, digit) (`None`: all 50).
    pub max_per_speaker_digit: Option<usize>,
    /// Seed of the speaker split and the pairing.
    pub seed: u64,
}

impl Default for AvMnistConfig {
    fn default() -> Self {
        AvMnistConfig {
            frames: 80,
            frame_pool: 2,
            test_speakers: 1,
            val_speakers: 1,
            max_per_speaker_digit: None,
            seed: 0,
        }
    }
}

impl AvMnistConfig {
    /// Audio steps per example the model sees: `frames / frame_pool`.
    pub fn steps(&self) -> usize {
        self.frames / self.frame_pool.max(1)
    }

    /// Check sizes.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.frames >= 1, "AV-MNIST: frames must be ≥ 1");
        ensure_config!(
            self.frame_pool >= 1 && self.frames % self.frame_pool == 0,
            "AV-MNIST: frames ({}) must be a multiple of frame_pool ({})",
            self.frames,
            self.frame_pool
        );
        ensure_config!(
            self.test_speakers >= 1 && self.val_speakers >= 1,
            "AV-MNIST: at least one test and one validation speaker"
        );
        ensure_config!(
            self.max_per_speaker_digit != Some(0),
            "AV-MNIST: max_per_speaker_digit must be ≥ 1"
        );
        Ok(())
    }
}

/// One split's paired examples.
#[derive(Debug)]
pub struct AvSplit {
    /// `[N, frames, 40]`, standardised.
    pub audio: Tensor,
    /// `[N, 1, 28, 28]`, standardised.
    pub image: Tensor,
    /// Digits `[N]`.
    pub labels: Tensor,
    /// The recording of each pair.
    pub files: Vec<PathBuf>,
    /// The MNIST index (in its half) of each pair's image.
    pub image_index: Vec<usize>,
}

impl AvSplit {
    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// The built benchmark.
#[derive(Debug)]
pub struct AvMnist {
    pub train: AvSplit,
    pub val: AvSplit,
    pub test: AvSplit,
    pub speakers: SpeakerSplit,
    /// The training-set audio scaler (saved with every model).
    pub scaler: FrameScaler,
    /// Recordings that could not be read, with the reason.
    pub bad: Vec<(PathBuf, String)>,
    /// The data folders used.
    pub fsdd_dir: PathBuf,
    pub mnist_dir: PathBuf,
}

/// Build AV-MNIST from the data directory `data_dir` (holding `fsdd/` and `mnist/`); a missing
/// folder or file is an error naming what is expected and where it comes from.
pub fn load(data_dir: &Path, fsdd: &DatasetSpec, cfg: &AvMnistConfig) -> Result<AvMnist> {
    cfg.validate()?;
    let fsdd_dir = deepfield_core::data::dir::dataset_in(data_dir, fsdd)?;
    let mnist_dir = deepfield_core::data::dir::dataset_in(data_dir, &Dataset::Mnist.spec())?;
    let clips = limit(fsdd_clips(&fsdd_dir)?, cfg.max_per_speaker_digit);
    let groups: Vec<String> = clips.iter().map(|c| c.group.clone()).collect();
    let speakers = split_speakers(&groups, cfg.test_speakers, cfg.val_speakers, cfg.seed)?;
    let lld = Lld::new(SAMPLE_RATE)?;
    let mut feats: Vec<(Clip, FeatureMatrix)> = Vec::with_capacity(clips.len());
    let mut bad = Vec::new();
    for c in clips {
        match lld.from_file(&c.path) {
            Ok(f) => feats.push((c, f)),
            Err(e) => bad.push((c.path.clone(), e.to_string())),
        }
    }
    let in_split = |names: &[String]| -> Vec<&(Clip, FeatureMatrix)> {
        feats
            .iter()
            .filter(|(c, _)| names.contains(&c.group))
            .collect()
    };
    let (tr, va, te) = (
        in_split(&speakers.train),
        in_split(&speakers.val),
        in_split(&speakers.test),
    );
    if tr.is_empty() || va.is_empty() || te.is_empty() {
        return Err(Error::input(format!(
            "AV-MNIST: a split has no readable recording ({} train, {} val, {} test) in {}",
            tr.len(),
            va.len(),
            te.len(),
            fsdd_dir.display()
        )));
    }
    let scaler = FrameScaler::fit(tr.iter().map(|(_, f)| f))?;
    let mnist_train = mnist::load(data_dir, Dataset::Mnist, Split::Train)?;
    let mnist_test = mnist::load(data_dir, Dataset::Mnist, Split::Test)?;
    let train_labels =
        Vec::<i64>::try_from(&mnist_train.labels).map_err(deepfield_core::Error::from)?;
    let test_labels =
        Vec::<i64>::try_from(&mnist_test.labels).map_err(deepfield_core::Error::from)?;
    let mut train_pool = ImagePool::new(&train_labels, cfg.seed.wrapping_add(1), "MNIST training");
    let mut test_pool = ImagePool::new(&test_labels, cfg.seed.wrapping_add(2), "MNIST test");
    let build = |items: &[&(Clip, FeatureMatrix)], pool: &mut ImagePool, images: &Tensor| {
        pair(items, pool, images, &scaler, cfg.frames, cfg.frame_pool)
    };
    let train = build(&tr[..], &mut train_pool, &mnist_train.images)?;
    let val = build(&va[..], &mut train_pool, &mnist_train.images)?;
    let test = build(&te[..], &mut test_pool, &mnist_test.images)?;
    Ok(AvMnist {
        train,
        val,
        test,
        speakers,
        scaler,
        bad,
        fsdd_dir,
        mnist_dir,
    })
}

/// At most `max` clips per (speaker, digit), in order.
fn limit(clips: Vec<Clip>, max: Option<usize>) -> Vec<Clip> {
    let Some(max) = max else { return clips };
    let mut seen: std::collections::HashMap<(String, i64), usize> = Default::default();
    clips
        .into_iter()
        .filter(|c| {
            let n = seen.entry((c.group.clone(), c.label)).or_default();
            *n += 1;
            *n <= max
        })
        .collect()
}

/// Standardised audio `[N, frames / pool, 40]` of feature matrices: the first `frames` frames
/// (zero-padded), every `pool` consecutive frames averaged.
pub fn audio_tensor(
    mats: &[&FeatureMatrix],
    scaler: &FrameScaler,
    frames: usize,
    pool: usize,
) -> Result<Tensor> {
    let pool = pool.max(1);
    let steps = frames / pool;
    let mut data = Vec::with_capacity(mats.len() * steps * N_LLD);
    for m in mats {
        if m.cols != N_LLD {
            return Err(Error::input(format!(
                "AV-MNIST: expected {N_LLD} descriptors per frame, got {}",
                m.cols
            )));
        }
        let x = fixed_frames(&scaler.transform(m)?, frames);
        for s in 0..steps {
            for f in 0..N_LLD {
                let sum: f32 = (0..pool).map(|k| x[(s * pool + k) * N_LLD + f]).sum();
                data.push(sum / pool as f32);
            }
        }
    }
    Ok(Tensor::from_slice(&data).view([mats.len() as i64, steps as i64, N_LLD as i64]))
}

/// Standardise `[N, 1, 28, 28]` images in `[0, 1]`.
pub fn standardise_images(images: &Tensor) -> Result<Tensor> {
    Ok(images
        .f_to_kind(Kind::Float)?
        .f_sub_scalar(MNIST_MEAN)?
        .f_div_scalar(MNIST_STD)?)
}

fn pair(
    items: &[&(Clip, FeatureMatrix)],
    pool: &mut ImagePool,
    images: &Tensor,
    scaler: &FrameScaler,
    frames: usize,
    frame_pool: usize,
) -> Result<AvSplit> {
    let image_index = items
        .iter()
        .map(|(c, _)| pool.draw(c.label))
        .collect::<Result<Vec<_>>>()?;
    let idx: Vec<i64> = image_index.iter().map(|&i| i as i64).collect();
    let image = standardise_images(&images.f_index_select(0, &Tensor::from_slice(&idx))?)?;
    let mats: Vec<&FeatureMatrix> = items.iter().map(|(_, f)| f).collect();
    let labels: Vec<i64> = items.iter().map(|(c, _)| c.label).collect();
    Ok(AvSplit {
        audio: audio_tensor(&mats, scaler, frames, frame_pool)?,
        image,
        labels: Tensor::from_slice(&labels),
        files: items.iter().map(|(c, _)| c.path.clone()).collect(),
        image_index,
    })
}
