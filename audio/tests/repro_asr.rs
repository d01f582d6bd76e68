//! `subword-asr --quick` end to end (Tamil; words, knowledge-driven subwords, characters):
//! synthetic corpus, three recognisers, results folder, saved models, `transcribe` on a test
//! utterance; the central comparison — subword units beat word units on unseen sentences.
//! Skipped with a message when espeak-ng is missing, unless `CI` is set (then it fails).
//!
//! Ignored by default: it trains three CTC recognisers and takes far longer than the suite's
//! 60 s per test (measured: ≈ 9 min per recogniser on one shared CPU thread). Run it with
//! `cargo test --workspace --test repro_asr -- --ignored`.

use deepfield_audio::asr::synth::espeak_version;
use deepfield_audio::asr::units::UnitKind;
use deepfield_audio::asr::Transcriber;
use deepfield_audio::repro::asr::{SubwordAsr, SubwordAsrMetrics};
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::assert_repro_results;

#[test]
#[ignore = "trains three recognisers: ≈ 30 min on one CPU thread"]
fn quick_subword_asr_beats_words_with_subwords() {
    if let Err(e) = espeak_version() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have espeak-ng: {e}"
        );
        eprintln!("skipping: {e}");
        return;
    }
    deepfield_core::device::set_threads(1);
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = ReproOptions::quick("subword-asr", tmp.path().join("subword-asr"));
    opts.threads = 1;
    let m: SubwordAsrMetrics = Typed(SubwordAsr)
        .run_typed(&opts)
        .expect("subword-asr --quick");
    let dir = &opts.out;
    assert_repro_results(dir, &["wer_by_unit.png", "greedy_vs_beam.png"]);
    let wer = |k: UnitKind| m.results.iter().find(|r| r.unit == k).unwrap().beam.wer;
    let (word, morph) = (wer(UnitKind::Word), wer(UnitKind::Morph));
    eprintln!(
        "quick WER: word {word:.3}, morph {morph:.3}, char {:.3}",
        wer(UnitKind::Char)
    );
    let oov = m.corpora[0].test_oov_rate;
    // A word recogniser cannot output unseen words: its WER is at least the OOV rate.
    assert!(
        word >= oov - 1e-9,
        "word WER {word} below the OOV rate {oov}"
    );
    assert!(
        morph + 0.03 < word,
        "knowledge-driven subwords {morph} vs words {word}"
    );
    let seg = &m.segmenter_tamil;
    assert!(seg.words > 5000 && seg.f1 > 0.3, "{seg:?}");
    // The saved default model transcribes a WAV.
    let t = Transcriber::load(dir).unwrap();
    let wav = tmp.path().join("x.wav");
    let x: Vec<f32> = (0..16000).map(|i| 0.2 * (i as f32 * 0.05).sin()).collect();
    deepfield_audio::wav::write_wav_i16(&wav, &x, 16000).unwrap();
    let _ = t.transcribe(&wav, true).unwrap();
}
