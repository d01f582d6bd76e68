//! The NeuroNER tagger on simulated notes: a short training run clearly beats the memorising
//! baseline on notes from held-apart templates; the saved tagger restores to the same
//! predictions; `eval tag` scores a CoNLL file; `deidentify` replaces the PHI of a note file.

use deepfield_core::nn::crf::TagScheme;
use deepfield_text::deid::{deidentify_files, Replace};
use deepfield_text::phi::{generate, generate_notes, PhiConfig, TemplateSplit};
use deepfield_text::read::conll_ner;
use deepfield_text::repro::deid_rnn::run::memorising_baseline;
use deepfield_text::seqeval::{evaluate, Mode};
use deepfield_text::tagger::apply::{tag_file, TagOptions};
use deepfield_text::tagger::model::NeuroNerConfig;
use deepfield_text::tagger::train::{train, TrainSettings};
use deepfield_text::tagger::Tagger;

#[test]
fn tagger_trains_beats_memorising_and_deidentifies() {
    deepfield_core::device::set_threads(1);
    let phi = PhiConfig::default();
    let train_s = generate(&phi, TemplateSplit::Train, 40, 1).unwrap();
    let dev = generate(&phi, TemplateSplit::Train, 6, 2).unwrap();
    let test = generate(&phi, TemplateSplit::Test, 25, 3).unwrap();
    let base = NeuroNerConfig {
        char_dim: 12,
        char_hidden: 12,
        token_dim: 32,
        token_hidden: 32,
        max_word_chars: 20,
        ..NeuroNerConfig::default()
    };
    let settings = TrainSettings {
        epochs: 10,
        batch_size: 4,
        lr: 0.04,
        seed: 7,
        ..TrainSettings::default()
    };
    let t0 = std::time::Instant::now();
    let (tagger, log) = train(&base, &train_s, &dev, &settings, |_| {}).unwrap();
    eprintln!(
        "trained in {:.1} s: {:?}",
        t0.elapsed().as_secs_f64(),
        log.epochs
    );
    let gold: Vec<Vec<String>> = test.iter().map(|s| s.tags.clone()).collect();
    let pred: Vec<Vec<String>> = tagger
        .tag_sentences(&test, TagScheme::Bio)
        .unwrap()
        .into_iter()
        .map(|s| s.tags)
        .collect();
    let ours = evaluate(&gold, &pred, Mode::Default).unwrap().micro.f1;
    let memo = evaluate(&gold, &memorising_baseline(&train_s, &test), Mode::Default)
        .unwrap()
        .micro
        .f1;
    eprintln!("test entity F1 {ours:.3}, memorising baseline {memo:.3}");
    assert!(ours >= memo + 0.15, "F1 {ours} vs memorising {memo}");
    assert!(ours >= 0.6, "F1 {ours}");
    assert!(log.best_epoch >= 1 && log.epochs.len() <= 10);

    // Save → restore: identical predictions; `eval tag` on a CoNLL file gives the same F1.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    tagger
        .save(&model, Some(&serde_json::json!({"f1": ours})))
        .unwrap();
    let back = Tagger::load(&model, tch::Device::Cpu).unwrap();
    let again: Vec<Vec<String>> = back
        .tag_sentences(&test, TagScheme::Bio)
        .unwrap()
        .into_iter()
        .map(|s| s.tags)
        .collect();
    assert_eq!(again, pred);
    let reg = deepfield_text::models().unwrap();
    assert_eq!(
        reg.restore(&model, tch::Device::Cpu).unwrap().kind,
        "text.neuroner"
    );
    let conll = dir.path().join("test.conll");
    conll_ner::write(&conll, &test).unwrap();
    let out = dir.path().join("pred.conll");
    let o = tag_file(&TagOptions {
        model: model.clone(),
        input: conll,
        scheme: TagScheme::Bio,
        out: Some(out.clone()),
    })
    .unwrap();
    let f1 = o.report.unwrap().micro.f1;
    assert!((f1 - ours).abs() < 1e-12, "{f1} vs {ours}");
    let written = conll_ner::read(&out, TagScheme::Bio).unwrap().sentences;
    assert_eq!(written.len(), test.len());

    // deidentify: placeholders replace most gold PHI; surrogates are seeded.
    let notes = generate_notes(&phi, TemplateSplit::Test, 3, 9).unwrap();
    let input = dir.path().join("notes");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("note.txt"), &notes[0].text).unwrap();
    let clean = dir.path().join("clean");
    let counts = deidentify_files(&back, &input, &clean, Replace::Placeholder).unwrap();
    let text = std::fs::read_to_string(clean.join("note.txt")).unwrap();
    let spans = &notes[0].spans;
    let gone = spans
        .iter()
        .filter(|s| !text.contains(&notes[0].text[s.start..s.end]))
        .count();
    assert!(
        gone as f64 >= 0.7 * spans.len() as f64,
        "{gone} of {} PHI spans removed: {text}",
        spans.len()
    );
    assert!(text.contains("[NAME]") || text.contains("[DATE]"), "{text}");
    assert_eq!(counts.lines, notes[0].text.split_inclusive('\n').count());
    let s1 = dir.path().join("s1");
    let s2 = dir.path().join("s2");
    deidentify_files(&back, &input, &s1, Replace::Surrogate { seed: 4 }).unwrap();
    deidentify_files(&back, &input, &s2, Replace::Surrogate { seed: 4 }).unwrap();
    let a = std::fs::read_to_string(s1.join("note.txt")).unwrap();
    assert_eq!(a, std::fs::read_to_string(s2.join("note.txt")).unwrap());
    assert!(!a.contains("[NAME]") && a != notes[0].text);
    // A missing input is an error naming it.
    let e = deidentify_files(
        &back,
        &dir.path().join("nope"),
        &clean,
        Replace::Placeholder,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("nope"), "{e}");
}
