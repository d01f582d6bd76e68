//! The synthetic corpus: documented, seeded, cached.
//!
//! 1. Sentences of the language ([`super::text`]) are shuffled with the seed and split whole
//!    into training, validation and test sentences — no test phrase comes from a sentence seen
//!    in training.
//! 2. Every sentence is cut into phrases of `phrase_words` words (the utterances).
//! 3. Training and validation phrases are spoken by the training voices, test phrases by the
//!    test voices only (eSpeak variants held apart), each with a seeded random speed and pitch.
//! 4. With probability `reverb_frac` a seeded synthetic room (RT60 in `rt60`) is applied; then,
//!    unless the utterance is drawn clean (`clean_frac`), real noise (room tone from
//!    Cough-Etiquette, or FSDD babble with probability `babble_frac`) is mixed in at an SNR
//!    drawn from `snr_db` ([`super::noise`]).
//!
//! Each utterance has its own random stream (seed, index), so the corpus is the same for any
//! number of threads. Generated audio is cached under [`super::synth::cache_dir`] by a hash of
//! the config, language, seed and eSpeak version; it is never committed.

use std::path::{Path, PathBuf};

use deepfield_core::rng::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::noise::{convolve, load_noise, mix_at_snr, noise_of_length, synthetic_rir, NoiseBank};
use super::synth::{cache_dir, espeak_version, speak, Voice};
use super::text::{load_sentences, phrases, Language, Phrase};
use crate::error::ensure_config;
use crate::wav::{read_wav, write_wav_i16};
use crate::{Error, Result};

/// How the corpus is generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CorpusConfig {
    /// Words per phrase (utterance).
    pub phrase_words: usize,
    pub val_frac: f64,
    pub test_frac: f64,
    /// At most this many phrases per split (train, val, test); `None`: all.
    pub max_phrases: [Option<usize>; 3],
    /// eSpeak variants speaking training and validation phrases.
    pub train_voices: Vec<String>,
    /// eSpeak variants speaking test phrases (none of them in training).
    pub test_voices: Vec<String>,
    /// Times each training phrase is spoken (by different random voices).
    pub train_renditions: usize,
    /// Words per minute, inclusive range.
    pub speed: (u32, u32),
    /// Pitch, inclusive range (0–99).
    pub pitch: (u32, u32),
    /// SNRs (dB) noise is mixed at.
    pub snr_db: Vec<f64>,
    pub clean_frac: f64,
    pub babble_frac: f64,
    pub reverb_frac: f64,
    /// RT60 range of the synthetic rooms, seconds.
    pub rt60: (f64, f64),
    pub sample_rate: u32,
    /// FSDD recordings used as babble.
    pub max_babble: usize,
}

impl Default for CorpusConfig {
    fn default() -> Self {
        CorpusConfig {
            phrase_words: 4,
            val_frac: 0.1,
            test_frac: 0.15,
            max_phrases: [None, Some(400), None],
            train_voices: ["m1", "m3", "m4", "f1", "f3", "f4"]
                .map(String::from)
                .to_vec(),
            test_voices: ["m2", "m5", "f2"].map(String::from).to_vec(),
            train_renditions: 2,
            speed: (140, 200),
            pitch: (30, 70),
            snr_db: vec![20.0, 15.0, 10.0, 5.0],
            clean_frac: 0.2,
            babble_frac: 0.3,
            reverb_frac: 0.5,
            rt60: (0.2, 0.6),
            sample_rate: 16_000,
            max_babble: 300,
        }
    }
}

impl CorpusConfig {
    /// Check every field.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.phrase_words >= 1, "corpus: phrase_words must be ≥ 1");
        ensure_config!(
            self.val_frac > 0.0 && self.test_frac > 0.0 && self.val_frac + self.test_frac < 1.0,
            "corpus: need val_frac, test_frac > 0 with a sum < 1"
        );
        ensure_config!(
            !self.train_voices.is_empty() && !self.test_voices.is_empty(),
            "corpus: train_voices and test_voices must not be empty"
        );
        ensure_config!(
            self.test_voices
                .iter()
                .all(|v| !self.train_voices.contains(v)),
            "corpus: a test voice is also a training voice"
        );
        ensure_config!(
            self.train_renditions >= 1,
            "corpus: train_renditions must be ≥ 1"
        );
        ensure_config!(
            self.speed.0 >= 80
                && self.speed.0 <= self.speed.1
                && self.pitch.0 <= self.pitch.1
                && self.pitch.1 <= 99,
            "corpus: bad speed or pitch range"
        );
        ensure_config!(!self.snr_db.is_empty(), "corpus: snr_db must not be empty");
        ensure_config!(
            self.rt60.0 > 0.0 && self.rt60.0 <= self.rt60.1,
            "corpus: bad rt60 range"
        );
        Ok(())
    }
}

/// Which part of the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Val,
    Test,
}

/// One generated utterance and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    pub sentence: String,
    pub text: String,
    pub split: Split,
    pub voice: String,
    pub speed: u32,
    pub pitch: u32,
    pub rt60: Option<f64>,
    /// `none`, `room` or `babble`.
    pub noise: String,
    pub snr_db: Option<f64>,
}

/// A generated corpus: utterances and their audio at `sample_rate`.
pub struct Corpus {
    pub lang: Language,
    pub utterances: Vec<Utterance>,
    pub audio: Vec<Vec<f32>>,
    pub sample_rate: u32,
    /// Where it is cached.
    pub dir: PathBuf,
    /// Whether it was read from the cache.
    pub cached: bool,
}

impl Corpus {
    /// Indices of a split.
    pub fn indices(&self, split: Split) -> Vec<usize> {
        (0..self.utterances.len())
            .filter(|&i| self.utterances[i].split == split)
            .collect()
    }

    /// Total audio in hours.
    pub fn hours(&self) -> f64 {
        self.audio.iter().map(|a| a.len()).sum::<usize>() as f64 / self.sample_rate as f64 / 3600.0
    }
}

fn pick<'a>(xs: &'a [String], rng: &mut Rng) -> &'a str {
    &xs[rng.below(xs.len())]
}

fn range_u32(r: (u32, u32), rng: &mut Rng) -> u32 {
    r.0 + rng.below((r.1 - r.0 + 1) as usize) as u32
}

/// The utterance plan (no audio): splits, phrases, voices and conditions.
pub fn plan(lang: Language, data: &Path, cfg: &CorpusConfig, seed: u64) -> Result<Vec<Utterance>> {
    cfg.validate()?;
    let mut sentences = load_sentences(lang, data)?;
    let mut rng = Rng::new(seed ^ 0xA5A5_0001);
    rng.shuffle(&mut sentences);
    let n = sentences.len();
    let n_test = ((n as f64 * cfg.test_frac).round() as usize).max(1);
    let n_val = ((n as f64 * cfg.val_frac).round() as usize).max(1);
    let mut by_split: [Vec<Phrase>; 3] = Default::default();
    for (i, s) in sentences.iter().enumerate() {
        let k = if i < n_test {
            2
        } else if i < n_test + n_val {
            1
        } else {
            0
        };
        by_split[k].extend(phrases(lang, s, cfg.phrase_words));
    }
    let mut out = Vec::new();
    for (k, split) in [Split::Train, Split::Val, Split::Test]
        .into_iter()
        .enumerate()
    {
        let mut ps = std::mem::take(&mut by_split[k]);
        if let Some(m) = cfg.max_phrases[k] {
            ps.truncate(m);
        }
        let (voices, reps) = match split {
            Split::Test => (&cfg.test_voices, 1),
            Split::Val => (&cfg.train_voices, 1),
            Split::Train => (&cfg.train_voices, cfg.train_renditions),
        };
        for p in ps {
            for _ in 0..reps {
                let clean = rng.uniform() < cfg.clean_frac;
                let babble = rng.uniform() < cfg.babble_frac;
                let reverb = rng.uniform() < cfg.reverb_frac;
                out.push(Utterance {
                    sentence: p.sentence.clone(),
                    text: p.text.clone(),
                    split,
                    voice: pick(voices, &mut rng).to_string(),
                    speed: range_u32(cfg.speed, &mut rng),
                    pitch: range_u32(cfg.pitch, &mut rng),
                    rt60: reverb.then(|| cfg.rt60.0 + rng.uniform() * (cfg.rt60.1 - cfg.rt60.0)),
                    noise: if clean {
                        "none"
                    } else if babble {
                        "babble"
                    } else {
                        "room"
                    }
                    .into(),
                    snr_db: (!clean).then(|| cfg.snr_db[rng.below(cfg.snr_db.len())]),
                });
            }
        }
    }
    Ok(out)
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

fn render(
    u: &Utterance,
    i: usize,
    tmp: &Path,
    noise: &NoiseBank,
    cfg: &CorpusConfig,
    lang: Language,
    seed: u64,
) -> Result<Vec<f32>> {
    let voice = Voice {
        lang,
        variant: &u.voice,
        speed: u.speed,
        pitch: u.pitch,
    };
    let mut x = speak(&voice, &u.text, tmp, &i.to_string(), cfg.sample_rate)?;
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
    if let Some(rt) = u.rt60 {
        x = convolve(&x, &synthetic_rir(rt, cfg.sample_rate, &mut rng))?;
    }
    if let Some(snr) = u.snr_db {
        let pool = if u.noise == "babble" {
            &noise.babble
        } else {
            &noise.room
        };
        let n = noise_of_length(pool, x.len(), &mut rng);
        x = mix_at_snr(&x, &n, snr);
    }
    let peak = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    if peak > 0.99 {
        x.iter_mut().for_each(|v| *v *= 0.99 / peak);
    }
    Ok(x)
}

/// Generate (or read from the cache) the corpus of `lang`, synthesising on `threads` threads.
pub fn build(
    lang: Language,
    data: &Path,
    cfg: &CorpusConfig,
    seed: u64,
    threads: usize,
) -> Result<Corpus> {
    let utterances = plan(lang, data, cfg, seed)?;
    let version = espeak_version()?;
    let key = serde_json::to_string(&(cfg, lang, seed, &version, utterances.len()))
        .map_err(|e| Error::input(format!("corpus key: {e}")))?;
    let dir = cache_dir().join(format!("{}-{:016x}", lang.name(), fnv(key.as_bytes())));
    let manifest = dir.join("manifest.json");
    if let Ok(text) = std::fs::read_to_string(&manifest) {
        if let Ok(saved) = serde_json::from_str::<Vec<Utterance>>(&text) {
            if saved == utterances {
                let audio: Result<Vec<Vec<f32>>> = (0..saved.len())
                    .map(|i| read_wav(&dir.join(format!("{i}.wav"))).map(|a| a.samples))
                    .collect();
                if let Ok(audio) = audio {
                    return Ok(Corpus {
                        lang,
                        utterances,
                        audio,
                        sample_rate: cfg.sample_rate,
                        dir,
                        cached: true,
                    });
                }
            }
        }
    }
    let tmp = dir.join("tmp");
    deepfield_core::fsutil::create_dir_all(&tmp)?;
    let noise = load_noise(data, cfg.sample_rate, cfg.max_babble, seed)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| Error::input(format!("thread pool: {e}")))?;
    let audio: Vec<Vec<f32>> = pool.install(|| {
        utterances
            .par_iter()
            .enumerate()
            .map(|(i, u)| render(u, i, &tmp, &noise, cfg, lang, seed))
            .collect::<Result<Vec<_>>>()
    })?;
    let _ = std::fs::remove_dir_all(&tmp);
    for (i, a) in audio.iter().enumerate() {
        write_wav_i16(&dir.join(format!("{i}.wav")), a, cfg.sample_rate)?;
    }
    deepfield_core::fsutil::write_json(&manifest, &utterances)?;
    Ok(Corpus {
        lang,
        utterances,
        audio,
        sample_rate: cfg.sample_rate,
        dir,
        cached: false,
    })
}
