//! Unit checks of the subword-asr pieces (text normalisation, the knowledge-driven segmenter
//! on known words, treebank gold boundaries, unit inventories, the Witten-Bell LM, greedy and
//! beam CTC decoding on hand-made posteriors, edit distance, log-mel, noise mixing and
//! convolution, the acoustic model's shapes). All hand-made inputs, no data files except none.

use std::path::Path;

use deepfield_audio::asr::decode::{beam_search, greedy, BeamConfig};
use deepfield_audio::asr::lm::NGram;
use deepfield_audio::asr::logmel::{LogMel, LogMelConfig};
use deepfield_audio::asr::model::{subsampled, AcousticConfig};
use deepfield_audio::asr::morph::Segmenter;
use deepfield_audio::asr::noise::{convolve, mix_at_snr, synthetic_rir};
use deepfield_audio::asr::text::{normalise, phrases, Language, Sentence};
use deepfield_audio::asr::treebank::{agreement, gold_words};
use deepfield_audio::asr::units::{join, UnitKind, Units};
use deepfield_audio::asr::wer::{error_rates, levenshtein};
use deepfield_core::rng::Rng;
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

// ---- text ----

#[test]
fn normalise_keeps_script_and_drops_digits_and_latin() {
    assert_eq!(
        normalise(Language::Tamil, "அவர் (நவீன), வீடு.").as_deref(),
        Some("அவர் நவீன வீடு")
    );
    assert_eq!(normalise(Language::Tamil, "அவர் 2019"), None);
    assert_eq!(normalise(Language::Kannada, "HIV ಮತ್ತು"), None);
    assert_eq!(
        normalise(Language::Kannada, "ಸೆಂಟ್\u{200C}ನಿಂದ").as_deref(),
        Some("ಸೆಂಟ್ನಿಂದ")
    );
}

#[test]
fn phrases_cut_by_words() {
    let s = Sentence {
        id: "x".into(),
        text: "அ ஆ இ ஈ உ ஊ எ 12 ஐ".into(),
    };
    let p = phrases(Language::Tamil, &s, 4);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].text, "அ ஆ இ ஈ");
}

// ---- morph ----

#[test]
fn tamil_known_words() {
    let s = Segmenter::new(Language::Tamil);
    assert_eq!(s.segment_word("பெரும்புதூரில்"), ["பெரும்புதூர", "ில்"]);
    assert_eq!(s.segment_word("வீட்டிலும்"), ["வீட்ட", "ில", "ும்"]);
    assert_eq!(s.segment_word("யாருக்கும்"), ["யார", "ுக்கும்"]);
    assert_eq!(s.segment_word("மக்களுக்கு"), ["மக்", "களுக்கு"]);
    assert_eq!(s.segment_word("அவர்"), ["அவர்"]);
    for w in ["உறுதியளித்துள்ளார்", "நிலையத்துக்குக்கான", "செய்யப்பட்டது"]
    {
        assert_eq!(s.segment_word(w).concat(), w);
        assert!(s.segment_word(w).len() > 1, "{w}");
    }
}

#[test]
fn kannada_known_words() {
    let s = Segmenter::new(Language::Kannada);
    assert_eq!(s.segment_word("ಮನೆಯನ್ನು"), ["ಮನೆ", "ಯನ್ನು"]);
    assert_eq!(s.segment_word("ರೋಗಿಗಳಲ್ಲಿ"), ["ರೋಗಿ", "ಗಳಲ್ಲಿ"]);
    assert_eq!(s.segment_word("ಮಾಡುತ್ತಾರೆ"), ["ಮಾಡ", "ುತ್ತಾರೆ"]);
    assert_eq!(s.segment_word("ಮತ್ತು"), ["ಮತ್ತು"]);
}

// ---- treebank ----

const SAMPLE: &str = "# sent_id = x\n\
4\tபெரும்புதூரில்\tபெரும்புதூர்\tPROPN\t_\tCase=Loc\t0\troot\t_\t_\n\
23-24\tஉறுதியளித்துள்ளார்\t_\t_\t_\t_\t_\t_\t_\t_\n\
23\tஉறுதியளித்த்\tஉறுதியளி\tVERB\t_\t_\t0\troot\t_\t_\n\
24\tஉள்ளார்\tஉள்\tAUX\t_\t_\t23\taux\t_\t_\n\
25\t.\t.\tPUNCT\t_\t_\t23\tpunct\t_\t_\n";

#[test]
fn gold_boundaries_from_lemmas_and_multiword_tokens() {
    let g = gold_words(SAMPLE, Path::new("x.conllu")).unwrap();
    assert_eq!(g.len(), 2);
    assert_eq!(g[0].boundaries, vec![11]);
    // உறுதியளி (8) | த்த (3) | ுள்ளார் (7)
    assert_eq!(g[1].boundaries, vec![8, 11]);
    let a = agreement(&Segmenter::new(Language::Tamil), &g);
    assert_eq!(a.words, 2);
    assert!(a.precision > 0.0 && a.recall > 0.0);
}

#[test]
fn bad_line_is_an_error_naming_the_file() {
    let e = gold_words("1\tx\n", Path::new("bad.conllu")).unwrap_err();
    assert!(e.to_string().contains("bad.conllu"), "{e}");
}

// ---- units ----

fn texts() -> Vec<String> {
    ["அவர் வீட்டில் இருந்தார்", "அவர்கள் வீட்டிலும் இருந்தனர்", "மக்களுக்கு உதவி"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn every_kind_round_trips_training_text() {
    for kind in UnitKind::ALL {
        let u = Units::train(kind, Language::Tamil, &texts(), 40).unwrap();
        for t in texts() {
            let ids = u.encode(&t).unwrap();
            assert_eq!(u.decode(&ids), t, "{kind:?}");
        }
    }
}

#[test]
fn join_handles_markers() {
    assert_eq!(join(["▁அவ", "ர்", "▁", "வீ"]), "அவர் வீ");
}

// ---- lm ----

#[test]
fn probabilities_sum_to_one_in_seen_and_unseen_contexts() {
    let data = vec![vec![0, 1, 2, 1], vec![2, 2, 0], vec![1, 0]];
    let lm = NGram::train(3, 4, &data).unwrap();
    for h in [vec![], vec![0], vec![0, 1], vec![3, 3], vec![2, 2, 0]] {
        let s: f64 = (0..=4).map(|w| lm.prob(&h, w)).sum();
        assert!((s - 1.0).abs() < 1e-9, "{h:?}: {s}");
    }
    // Seen continuations are likelier than unseen ones.
    assert!(lm.prob(&[0], 1) > lm.prob(&[0], 3));
    assert!(lm.perplexity(&data) < 5.0);
}

#[test]
fn serde_round_trip_keeps_probabilities() {
    let lm = NGram::train(2, 3, &[vec![0, 1, 2]]).unwrap();
    let mut back: NGram = serde_json::from_str(&serde_json::to_string(&lm).unwrap()).unwrap();
    back.reindex();
    assert_eq!(lm.prob(&[0], 1), back.prob(&[0], 1));
}

// ---- decode ----

fn ln(rows: &[&[f32]]) -> Vec<Vec<f32>> {
    rows.iter()
        .map(|r| r.iter().map(|p| p.ln()).collect())
        .collect()
}

#[test]
fn greedy_merges_repeats_and_drops_blanks() {
    // classes: blank, a, b
    let lp = ln(&[
        &[0.1, 0.8, 0.1],
        &[0.1, 0.8, 0.1],
        &[0.8, 0.1, 0.1],
        &[0.1, 0.8, 0.1],
        &[0.1, 0.1, 0.8],
    ]);
    assert_eq!(greedy(&lp), vec![0, 0, 1]);
}

#[test]
fn beam_finds_the_sum_over_paths_that_greedy_misses() {
    // Best path is "blank blank" (0.36) but "a" has paths a-a, a-blank, blank-a summing to
    // 0.4*0.4 + 0.4*0.6 + 0.6*0.4 = 0.64.
    let lp = ln(&[&[0.6, 0.4], &[0.6, 0.4]]);
    assert!(greedy(&lp).is_empty());
    let cfg = BeamConfig {
        bonus: 0.0,
        ..Default::default()
    };
    assert_eq!(beam_search(&lp, None, &cfg), vec![0]);
}

#[test]
fn lm_can_flip_an_ambiguous_frame() {
    // Frame 2 slightly prefers b, but the LM has only seen "a a".
    let lp = ln(&[&[0.05, 0.9, 0.05], &[0.9, 0.05, 0.05], &[0.05, 0.45, 0.5]]);
    let lm = NGram::train(2, 2, &[vec![0, 0], vec![0, 0], vec![0, 0]]).unwrap();
    let none = BeamConfig {
        bonus: 0.0,
        lm_weight: 0.0,
        ..Default::default()
    };
    assert_eq!(beam_search(&lp, Some(&lm), &none), vec![0, 1]);
    let with = BeamConfig {
        lm_weight: 1.0,
        ..none
    };
    assert_eq!(beam_search(&lp, Some(&lm), &with), vec![0, 0]);
}

// ---- wer ----

#[test]
fn hand_counted_edits() {
    assert_eq!(levenshtein(&['k', 'i', 't'], &['s', 'i', 't', 's']), 2);
    let e = error_rates([("a b c d", "a x c"), ("e f", "e f g")]);
    // (1 sub + 1 del) + 1 ins over 6 words
    assert!((e.wer() - 0.5).abs() < 1e-12);
    assert!(error_rates([("", "")]).wer().is_nan());
}

// ---- logmel ----

#[test]
fn a_tone_lights_the_right_band() {
    let lm = LogMel::new(&LogMelConfig::default()).unwrap();
    let x: Vec<f32> = (0..16_000)
        .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 16_000.0).sin())
        .collect();
    let f = lm.compute(&x).unwrap();
    assert_eq!(f.cols, 40);
    assert!((f.rows as i64 - 100).abs() <= 2, "{}", f.rows);
    let r = f.row(50);
    let best = (0..40).max_by(|&a, &b| r[a].total_cmp(&r[b])).unwrap();
    // 1 kHz is mel 1000 of 2840 (HTK, 8 kHz Nyquist): filter ≈ 40·1000/2840 − 1 ≈ 13.
    assert!((12..=15).contains(&best), "{best}");
}

// ---- noise ----

#[test]
fn mixing_hits_the_snr_and_convolution_matches_direct() {
    let mut rng = Rng::new(1);
    let s: Vec<f32> = (0..4000).map(|i| (i as f32 * 0.05).sin()).collect();
    let n: Vec<f32> = (0..4000).map(|_| rng.normal() as f32).collect();
    let m = mix_at_snr(&s, &n, 10.0);
    let resid: Vec<f32> = m.iter().zip(&s).map(|(a, b)| a - b).collect();
    let snr = 20.0 * (rms(&s) / rms(&resid)).log10();
    assert!((snr - 10.0).abs() < 1e-3, "{snr}");
    let h = [1.0f32, 0.5, 0.25];
    let x = [1.0f32, 0.0, 2.0, 0.0];
    let y = convolve(&x, &h).unwrap();
    let direct = [1.0f32, 0.5, 2.25, 1.0];
    let g = 2.0 / 2.25; // peak-normalised
    for (a, b) in y.iter().zip(direct) {
        assert!((a - b * g).abs() < 1e-4, "{y:?}");
    }
    let rir = synthetic_rir(0.3, 16_000, &mut rng);
    assert_eq!(rir.len(), 4800);
}

// ---- model ----

#[test]
fn shapes_and_subsampled_mask() {
    let vs = VarStore::new(Device::Cpu);
    let cfg = AcousticConfig {
        n_mels: 40,
        channels: 4,
        hidden: 8,
        layers: 1,
        dropout: 0.0,
        n_classes: 7,
    };
    let m = cfg.init(&vs.root()).unwrap();
    let x = Tensor::randn([2, 11, 40], (Kind::Float, Device::Cpu));
    let mask = Tensor::from_slice(&[1i64; 22])
        .reshape([2, 11])
        .to_kind(Kind::Bool);
    let _ = mask.get(0).narrow(0, 7, 4).fill_(0);
    let (lp, m2) = m.log_probs(&x, Some(&mask), false).unwrap();
    assert_eq!(lp.size(), vec![2, 6, 7]);
    let lens: Vec<i64> = Vec::try_from(m2.unwrap().to_kind(Kind::Int64).sum_dim_intlist(
        1,
        false,
        Kind::Int64,
    ))
    .unwrap();
    assert_eq!(lens, vec![subsampled(7), 6]);
    let s: f64 = lp
        .exp()
        .sum_dim_intlist(-1, false, Kind::Float)
        .mean(Kind::Float)
        .double_value(&[]);
    assert!((s - 1.0).abs() < 1e-5);
    assert!(m
        .log_probs(
            &Tensor::zeros([1, 5, 3], (Kind::Float, Device::Cpu)),
            None,
            false
        )
        .is_err());
}
