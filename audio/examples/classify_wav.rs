//! MFCCs of one recording of the free-spoken-digit data, and — given a trained model folder —
//! its class.
//!
//! ```sh
//! # MFCCs of the first FSDD recording ($DEEPFIELD_DATA/fsdd/recordings/0_george_0.wav):
//! cargo run -p deepfield-audio --example classify_wav
//! # … of a WAV of your own, classified by a trained model (a results folder or its model/):
//! cargo run -p deepfield-audio --example classify_wav -- path/to/7_me_0.wav results/spoken-digits
//! ```
//!
//! Arguments, in any order: a `.wav` file, and a model folder (anything that is a folder).

use std::error::Error;
use std::path::PathBuf;

use deepfield_audio::data::FSDD;
use deepfield_audio::features::{FeatureConfig, FrontEnd};
use deepfield_audio::predict::{classify_file, load, resolve_model_dir};
use deepfield_audio::wav::{read_wav, wav_files};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let model = args.iter().find(|a| a.is_dir()).cloned();
    let wav = match args.iter().find(|a| !a.is_dir()) {
        Some(w) => w.clone(),
        None => {
            let dir = deepfield_core::data::dataset(&FSDD)?.join("recordings");
            wav_files(&dir)?
                .into_iter()
                .next()
                .ok_or_else(|| format!("{}: no .wav files", dir.display()))?
        }
    };

    let audio = read_wav(&wav)?;
    println!(
        "{}: {} samples at {} Hz ({:.3} s)",
        wav.display(),
        audio.samples.len(),
        audio.sample_rate,
        audio.samples.len() as f64 / audio.sample_rate as f64
    );
    // The front end of the model when one is given, else the spoken-digit one (8 kHz).
    let features = match &model {
        Some(dir) => {
            load(&resolve_model_dir(dir), deepfield_core::device())?
                .config
                .features
        }
        None => FeatureConfig::speech(8_000),
    };
    let m = FrontEnd::new(&features)?.from_audio(&audio)?;
    println!(
        "MFCC + deltas: {} frames × {} coefficients ({} MFCC at {} Hz)",
        m.rows, m.cols, features.mfcc.n_mfcc, features.mfcc.sample_rate
    );
    for t in 0..m.rows.min(3) {
        let row: Vec<String> = m.row(t)[..features.mfcc.n_mfcc]
            .iter()
            .map(|v| format!("{v:7.2}"))
            .collect();
        println!("  frame {t}: {}", row.join(" "));
    }

    match model {
        Some(dir) => {
            let p = classify_file(&dir, &wav)?;
            println!(
                "class {} (probability {:.3}){}",
                p.predicted,
                p.confidence,
                p.label
                    .map(|l| format!("; true class from the file name: {l}"))
                    .unwrap_or_default()
            );
        }
        None => println!(
            "(give a trained model folder, e.g. results/spoken-digits, to classify the recording)"
        ),
    }
    Ok(())
}
