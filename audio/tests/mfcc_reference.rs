//! MFCCs of real recordings against librosa and python_speech_features
//! (`audio/scripts/gen_mfcc_fixtures.py` → `tests/fixtures/mfcc_reference.json`).
//!
//! Tolerance: |ours − theirs| ≤ 5e-4 · max(1, |theirs|) for every value (librosa runs in float32,
//! our FFT is float32; the measured worst case is ≈ 5e-5). The recordings are read from the data
//! directory.

use deepfield_audio::features::deltas::deltas;
use deepfield_audio::features::frames::Window;
use deepfield_audio::features::mel::{MelNorm, MelScale};
use deepfield_audio::features::{FeatureMatrix, Mfcc, MfccConfig};
use deepfield_audio::wav::read_wav;
use serde_json::Value;

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn compare(what: &str, ours: &FeatureMatrix, theirs: &[Vec<f64>], rel: f64) -> f64 {
    assert_eq!(ours.rows, theirs.len(), "{what}: frame count");
    assert_eq!(ours.cols, theirs[0].len(), "{what}: coefficient count");
    let mut worst: f64 = 0.0;
    for (t, row) in theirs.iter().enumerate() {
        for (c, &r) in row.iter().enumerate() {
            let d = (ours.row(t)[c] as f64 - r).abs() / r.abs().max(1.0);
            assert!(
                d <= rel,
                "{what}: frame {t} coef {c}: ours {} theirs {r}",
                ours.row(t)[c]
            );
            worst = worst.max(d);
        }
    }
    worst
}

#[test]
fn mfcc_matches_librosa_and_python_speech_features_on_real_recordings() {
    let fixture: Value =
        deepfield_core::testing::read_json(&deepfield_core::fixture!("mfcc_reference.json"));
    let data = deepfield_core::data::data_dir().expect("data directory");
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    let mut seen = std::collections::BTreeSet::new();
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let audio = read_wav(&data.join(file)).unwrap();
        let sr = case["sample_rate"].as_u64().unwrap() as u32;
        assert_eq!(audio.sample_rate, sr);
        let preset = case["preset"].as_str().unwrap();
        seen.insert(preset.to_string());
        let (cfg, tol) = match preset {
            "librosa" => (MfccConfig::librosa(sr), 5e-4),
            "librosa_htk" => {
                let mut c = MfccConfig::librosa(sr);
                c.frame.n_fft = case["n_fft"].as_u64().unwrap() as usize;
                c.frame.win_length = c.frame.n_fft;
                c.frame.hop_length = case["hop_length"].as_u64().unwrap() as usize;
                c.frame.window = Window::Hamming;
                c.mel.n_mels = case["n_mels"].as_u64().unwrap() as usize;
                c.mel.scale = MelScale::Htk;
                c.mel.norm = MelNorm::None;
                c.n_mfcc = case["n_mfcc"].as_u64().unwrap() as usize;
                (c, 5e-4)
            }
            "python_speech_features" => {
                let mut c = MfccConfig::python_speech_features(sr);
                if let Some(n) = case["n_fft"].as_u64() {
                    c.frame.n_fft = n as usize;
                }
                (c, 5e-4)
            }
            other => panic!("unknown preset {other}"),
        };
        let ours = Mfcc::new(&cfg).unwrap().compute(&audio.samples).unwrap();
        let worst = compare(
            &format!("{preset} {file}"),
            &ours,
            &matrix(&case["mfcc"]),
            tol,
        );
        eprintln!("{preset:<24} {file:<45} worst relative difference {worst:.2e}");
        if case.get("delta").is_some() {
            let d = deltas(&ours, 2);
            compare(&format!("delta {file}"), &d, &matrix(&case["delta"]), tol);
        }
    }
    assert_eq!(seen.len(), 3);
}
