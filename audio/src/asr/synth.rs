//! eSpeak NG as the speaker of a synthetic Tamil/Kannada corpus.
//!
//! One call of `espeak-ng -v <lang>+<variant> -s <words/min> -p <pitch> -w <tmp>.wav <text>` per
//! utterance writes a 22,050 Hz WAV into a temporary folder; it is read back, resampled to the
//! model rate with the crate's windowed-sinc resampler ([`crate::resample`]) and peak
//! normalised. eSpeak NG is formant synthesis: robotic, and its "voices" are variants of one
//! synthesiser — a corpus made with it says nothing about human speech.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::text::Language;
use crate::resample::resample;
use crate::wav::read_wav;
use crate::{Error, Result};

/// The message of a missing eSpeak NG.
pub const INSTALL_HINT: &str =
    "espeak-ng was not found: install it with `apt-get install espeak-ng` \
     (Debian/Ubuntu; eSpeak NG ≥ 1.51 speaks Tamil `ta` and Kannada `kn`)";

/// `Ok(version line)` when `espeak-ng` runs, else the install hint.
pub fn espeak_version() -> Result<String> {
    match Command::new("espeak-ng").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().to_string()),
        Ok(o) => Err(Error::input(format!(
            "{INSTALL_HINT} (`espeak-ng --version` failed: {})",
            String::from_utf8_lossy(&o.stderr).trim()
        ))),
        Err(e) => Err(Error::input(format!("{INSTALL_HINT} ({e})"))),
    }
}

/// How one utterance is spoken.
#[derive(Debug, Clone, PartialEq)]
pub struct Voice<'a> {
    pub lang: Language,
    /// eSpeak variant (`m1`, `f2`, …).
    pub variant: &'a str,
    /// Words per minute (`-s`).
    pub speed: u32,
    /// Pitch 0–99 (`-p`).
    pub pitch: u32,
}

/// Speak `text` into `tmp/<name>.wav`, read it back at `rate` (peak 0.9) and remove the file.
pub fn speak(voice: &Voice<'_>, text: &str, tmp: &Path, name: &str, rate: u32) -> Result<Vec<f32>> {
    let path: PathBuf = tmp.join(format!("{name}.wav"));
    let out = Command::new("espeak-ng")
        .arg("-v")
        .arg(format!("{}+{}", voice.lang.espeak(), voice.variant))
        .arg("-s")
        .arg(voice.speed.to_string())
        .arg("-p")
        .arg(voice.pitch.to_string())
        .arg("-w")
        .arg(&path)
        .arg(text)
        .output()
        .map_err(|e| Error::input(format!("{INSTALL_HINT} ({e})")))?;
    if !out.status.success() {
        return Err(Error::input(format!(
            "espeak-ng failed on `{text}` (voice {}+{}): {}",
            voice.lang.espeak(),
            voice.variant,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let audio = read_wav(&path);
    let _ = std::fs::remove_file(&path);
    let audio = audio?;
    let mut x = resample(&audio.samples, audio.sample_rate, rate)?;
    // eSpeak pads with silence: trim below −50 dB of the peak, keep 50 ms around.
    let peak = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    if peak <= 0.0 {
        return Err(Error::input(format!(
            "espeak-ng wrote silence for `{text}`"
        )));
    }
    let thr = peak * 0.003;
    let pad = (0.05 * rate as f64) as usize;
    let first = x.iter().position(|v| v.abs() > thr).unwrap_or(0);
    let last = x.iter().rposition(|v| v.abs() > thr).unwrap_or(x.len() - 1);
    let (lo, hi) = (first.saturating_sub(pad), (last + pad + 1).min(x.len()));
    x = x[lo..hi].to_vec();
    let g = 0.9 / peak;
    x.iter_mut().for_each(|v| *v *= g);
    Ok(x)
}

/// The cache folder of generated corpora: `$DEEPFIELD_CACHE/asr`, else
/// `target/deepfield-cache/asr` of this workspace. Never committed.
pub fn cache_dir() -> PathBuf {
    match std::env::var_os("DEEPFIELD_CACHE") {
        Some(d) => PathBuf::from(d).join("asr"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/deepfield-cache/asr"),
    }
}
