//! `deepfield-audio bench`: MFCC throughput (audio-seconds per second) of our two presets over
//! the spoken-digit recordings, and librosa / python_speech_features on the same files in the
//! same command (through `bench/mfcc_bench.py`), with the ratios.

use std::path::PathBuf;
use std::time::Instant;

use deepfield_audio::data::FSDD;
use deepfield_audio::features::{Mfcc, MfccConfig};
use deepfield_audio::{wav, Error, Result};

fn rate(mfcc: &Mfcc, signals: &[Vec<f32>], audio_s: f64, min_s: f64) -> Result<f64> {
    mfcc.compute(&signals[0])?;
    let start = Instant::now();
    let mut done = 0.0;
    loop {
        for s in signals {
            std::hint::black_box(mfcc.compute(s)?);
        }
        done += audio_s;
        let el = start.elapsed().as_secs_f64();
        if el >= min_s {
            return Ok(done / el);
        }
    }
}

/// Run both sides and print them with the ratios.
pub fn run(
    threads: usize,
    python: Option<PathBuf>,
    min_s: f64,
    data: Option<PathBuf>,
) -> Result<()> {
    deepfield_core::device::set_threads(threads.max(1));
    let dir = match &data {
        Some(root) => deepfield_core::data::dir::dataset_in(root, &FSDD)?,
        None => deepfield_core::data::dataset(&FSDD)?,
    };
    let rec = dir.join("recordings");
    let mut signals = Vec::new();
    let mut audio_s = 0.0;
    let mut rate_hz = 0;
    for f in wav::wav_files(&rec)? {
        let a = wav::read_wav(&f)?;
        audio_s += a.seconds();
        rate_hz = a.sample_rate;
        signals.push(a.samples);
    }
    if signals.is_empty() {
        return Err(Error::input(format!("{}: no recordings", rec.display())));
    }
    // One thread for ours: the MFCC code is single-threaded by construction.
    let lib = rate(
        &Mfcc::new(&MfccConfig::librosa(rate_hz))?,
        &signals,
        audio_s,
        min_s,
    )?;
    let psf = rate(
        &Mfcc::new(&MfccConfig::python_speech_features(rate_hz))?,
        &signals,
        audio_s,
        min_s,
    )?;
    println!(
        "mfcc bench: {} files, {:.1} s of audio at {rate_hz} Hz, {threads} thread(s)",
        signals.len(),
        audio_s
    );
    println!("ours librosa-preset                {lib:>12.0} audio-s/s");
    println!("ours python_speech_features-preset {psf:>12.0} audio-s/s");
    let python = python.or_else(deepfield_core::python::interpreter);
    let Some(py) = python else {
        println!("python side skipped: no interpreter (pass --python PATH)");
        return Ok(());
    };
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/mfcc_bench.py");
    let t = threads.max(1).to_string();
    let output = deepfield_core::allocator::configure_child(&mut std::process::Command::new(&py))
        .arg(&script)
        .arg(&rec)
        .arg(min_s.to_string())
        .env("OMP_NUM_THREADS", &t)
        .env("OPENBLAS_NUM_THREADS", &t)
        .env("MKL_NUM_THREADS", &t)
        .env("NUMBA_NUM_THREADS", &t)
        .output()
        .map_err(|e| Error::input(format!("cannot run {}: {e}", py.display())))?;
    if !output.status.success() {
        return Err(Error::input(format!(
            "{} {} failed (pip install -r audio/bench/requirements.txt?): {}",
            py.display(),
            script.display(),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let v: serde_json::Value = serde_json::from_str(text.lines().last().unwrap_or(""))
        .map_err(|e| Error::input(format!("bench script output is not JSON ({e}): {text}")))?;
    let (pl, pp) = (
        v["librosa"].as_f64().unwrap_or(f64::NAN),
        v["python_speech_features"].as_f64().unwrap_or(f64::NAN),
    );
    println!(
        "librosa {}                      {pl:>12.0} audio-s/s",
        v["librosa_version"].as_str().unwrap_or("?")
    );
    println!("python_speech_features             {pp:>12.0} audio-s/s");
    println!("ratio librosa {:.1}x (target ≥ 20x)", lib / pl);
    println!(
        "ratio python_speech_features {:.1}x (target ≥ 5x)",
        psf / pp
    );
    Ok(())
}
