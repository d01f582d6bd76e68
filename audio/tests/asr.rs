//! subword-asr pieces against references: CTC loss vs PyTorch and WER/CER vs jiwer
//! (`audio/scripts/gen_asr_fixtures.py` → `tests/fixtures/asr_reference.json`), eSpeak NG
//! synthesis and the corpus plan's splits, the `transcribe` command's bad inputs.
//!
//! Tolerances: CTC loss |ours − torch| ≤ 1e-4 (float32 here, float64 there); WER/CER exact
//! up to 1e-12 (both are ratios of integers).

use std::collections::HashSet;
use std::path::Path;

use deepfield_audio::asr::corpus::{plan, CorpusConfig, Split};
use deepfield_audio::asr::decode::BeamConfig;
use deepfield_audio::asr::logmel::LogMelConfig;
use deepfield_audio::asr::model::{ctc_loss, AcousticConfig, AsrBatch};
use deepfield_audio::asr::saved::AsrModelConfig;
use deepfield_audio::asr::synth::{espeak_version, speak, Voice};
use deepfield_audio::asr::text::Language;
use deepfield_audio::asr::units::UnitKind;
use deepfield_audio::asr::wer::error_rates;
use deepfield_audio::features::FrameScaler;
use deepfield_core::models::save_model;
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::testing::{run_line, BinOutput};
use serde_json::Value;

fn fixture() -> Value {
    deepfield_core::testing::read_json(&deepfield_core::fixture!("asr_reference.json"))
}

#[test]
fn ctc_loss_matches_pytorch_on_a_hand_made_case() {
    let f = fixture();
    let c = &f["ctc"];
    let lp: Vec<f32> = c["log_probs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            t.as_array().unwrap().iter().flat_map(|b| {
                b.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
            })
        })
        .collect();
    // The fixture is [T, B, C]; the model's output is [B, T, C].
    let lp = Tensor::from_slice(&lp).reshape([6, 2, 4]).transpose(0, 1);
    let ints = |v: &Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect()
    };
    let targets: Vec<i64> = c["targets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(ints)
        .collect();
    let in_len = ints(&c["input_lengths"]);
    // ctc_loss takes frame counts before the 2× subsampling: 2·T' − 1 subsamples to T'.
    let batch = AsrBatch {
        x: Tensor::zeros([2, 1, 1], (Kind::Float, Device::Cpu)),
        mask: Tensor::zeros([2, 1], (Kind::Bool, Device::Cpu)),
        targets: Tensor::from_slice(&targets).reshape([2, 3]),
        frames: in_len.iter().map(|&t| 2 * t - 1).collect(),
        target_lengths: ints(&c["target_lengths"]),
    };
    let ours = ctc_loss(&lp, &batch).unwrap().double_value(&[]);
    let theirs = c["loss_mean"].as_f64().unwrap();
    assert!((ours - theirs).abs() < 1e-4, "ours {ours}, torch {theirs}");
}

#[test]
fn wer_and_cer_match_jiwer() {
    let f = fixture();
    let pairs: Vec<(String, String)> = serde_json::from_value(f["wer_pairs"].clone()).unwrap();
    let e = error_rates(pairs.iter().map(|(r, h)| (r.as_str(), h.as_str())));
    assert!(
        (e.wer() - f["wer"].as_f64().unwrap()).abs() < 1e-12,
        "{}",
        e.wer()
    );
    assert!(
        (e.cer() - f["cer"].as_f64().unwrap()).abs() < 1e-12,
        "{}",
        e.cer()
    );
    for ((r, h), want) in pairs.iter().zip(f["per_pair"].as_array().unwrap()) {
        let e = error_rates([(r.as_str(), h.as_str())]);
        assert!(
            (e.wer() - want["wer"].as_f64().unwrap()).abs() < 1e-12,
            "{r} / {h}"
        );
        assert!(
            (e.cer() - want["cer"].as_f64().unwrap()).abs() < 1e-12,
            "{r} / {h}"
        );
    }
}

/// `true` when eSpeak NG runs; else skips with the install hint, or fails when `CI` is set.
fn espeak_or_skip() -> bool {
    match espeak_version() {
        Ok(_) => true,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have espeak-ng: {e}"
            );
            eprintln!("skipping: {e}");
            false
        }
    }
}

#[test]
fn espeak_speaks_tamil_and_kannada() {
    if !espeak_or_skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for (lang, text) in [
        (Language::Tamil, "அவர் வீட்டில் இருந்தார்"),
        (Language::Kannada, "ಮನೆಯನ್ನು ನೋಡಿದರು"),
    ] {
        let v = Voice {
            lang,
            variant: "m2",
            speed: 160,
            pitch: 50,
        };
        let x = speak(&v, text, tmp.path(), "a", 16_000).unwrap();
        let secs = x.len() as f64 / 16_000.0;
        let rms = (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
        assert!((0.5..6.0).contains(&secs), "{lang:?}: {secs} s");
        assert!(rms > 0.02, "{lang:?}: rms {rms}");
        // Slower speech is longer.
        let slow = speak(&Voice { speed: 100, ..v }, text, tmp.path(), "b", 16_000).unwrap();
        assert!(slow.len() as f64 > 1.2 * x.len() as f64);
    }
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "temporary WAVs left behind"
    );
}

#[test]
fn corpus_plan_holds_sentences_and_voices_apart() {
    let data = deepfield_core::data::data_dir().unwrap();
    let cfg = CorpusConfig::default();
    let p = plan(Language::Kannada, &data, &cfg, 7).unwrap();
    let of = |s: Split| p.iter().filter(|u| u.split == s).collect::<Vec<_>>();
    let sent = |s: Split| {
        of(s)
            .iter()
            .map(|u| u.sentence.clone())
            .collect::<HashSet<_>>()
    };
    let voices = |s: Split| {
        of(s)
            .iter()
            .map(|u| u.voice.clone())
            .collect::<HashSet<_>>()
    };
    assert!(sent(Split::Train).is_disjoint(&sent(Split::Test)));
    assert!(sent(Split::Val).is_disjoint(&sent(Split::Test)));
    assert!(voices(Split::Train).is_disjoint(&voices(Split::Test)));
    assert!(
        of(Split::Test).len() > 100 && of(Split::Train).len() > 1000,
        "{} / {}",
        of(Split::Test).len(),
        of(Split::Train).len()
    );
    // Seeded: the same plan again, another with another seed.
    assert_eq!(p, plan(Language::Kannada, &data, &cfg, 7).unwrap());
    assert_ne!(p, plan(Language::Kannada, &data, &cfg, 8).unwrap());
    let bad = CorpusConfig {
        test_voices: vec!["m1".into()],
        ..cfg
    };
    assert!(plan(Language::Kannada, &data, &bad, 7)
        .unwrap_err()
        .to_string()
        .contains("test voice"));
}

fn run(line: &str, paths: &[&dyn AsRef<Path>]) -> BinOutput {
    run_line(env!("CARGO_BIN_EXE_deepfield-audio"), line, paths)
}

/// An untrained (seeded) recogniser over three characters, saved in `dir`.
fn save_asr_model(dir: &Path) {
    deepfield_core::seed(5);
    let units: Vec<String> = ["▁", "அ", "[UNK]"].map(String::from).to_vec();
    let cfg = AsrModelConfig {
        id: "test".into(),
        language: Language::Tamil,
        unit_kind: UnitKind::Char,
        net: AcousticConfig {
            channels: 2,
            hidden: 4,
            layers: 1,
            n_classes: units.len() as i64 + 1,
            ..Default::default()
        },
        units,
        logmel: LogMelConfig::default(),
        scaler: FrameScaler {
            mean: vec![0.0; 40],
            std: vec![1.0; 40],
        },
        beam: BeamConfig::default(),
    };
    let vs = VarStore::new(Device::Cpu);
    let _ = cfg.net.init(&vs.root()).unwrap();
    save_model::<_, ()>(dir, &vs, &cfg, None).unwrap();
}

#[test]
fn transcribe_cli_runs_and_names_bad_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    save_asr_model(&model);
    let wav = tmp.path().join("tone.wav");
    let x: Vec<f32> = (0..8000).map(|i| 0.3 * (i as f32 * 0.1).sin()).collect();
    deepfield_audio::wav::write_wav_i16(&wav, &x, 8000).unwrap();
    let out = tmp.path().join("t.json");
    let ok = run("transcribe --model {} {} --out {}", &[&model, &wav, &out]);
    assert!(ok.assert_ok().contains("tone.wav"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    // A missing model folder, a file that is not a WAV, a missing file.
    run(
        "transcribe --model {} {}",
        &[&tmp.path().join("nope"), &wav],
    )
    .assert_fails_with(&["nope", "no such model folder"]);
    let text = tmp.path().join("notes.wav");
    std::fs::write(&text, "not audio").unwrap();
    run("transcribe --model {} {} {}", &[&model, &text, &wav])
        .assert_fails_with(&["notes.wav", "1 of 2 file(s) failed"]);
    run(
        "transcribe --model {} {}",
        &[&model, &tmp.path().join("missing.wav")],
    )
    .assert_fails_with(&["missing.wav"]);
    // No file at all is a usage error.
    run("transcribe --model {}", &[&model]).assert_fails_with(&["FILES"]);
}
