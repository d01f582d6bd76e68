//! `deid-rnn --quick` end to end: both parts run, the files a results folder promises exist,
//! and the notes tagger beats the memorising baseline (the quick tagger is small and trained
//! for seconds; text/tests/tagger_phi.rs asserts the larger margin of a longer run).

use deepfield_core::repro::Reproduction;
use deepfield_core::repro::{Experiment, ReproOptions, Typed};
use deepfield_text::repro::deid_rnn::{DeidRnn, DeidRnnMetrics};

#[test]
fn quick_run_writes_results_and_beats_the_baseline() {
    deepfield_core::device::set_threads(1);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("deid-rnn");
    let opts = ReproOptions::quick(DeidRnn.id(), &out);
    Typed(DeidRnn).run(&opts).unwrap();
    for f in [
        "metrics.json",
        "report.md",
        "config.json",
        "f1_per_type_phi_notes.png",
        "f1_per_type_wnut17.png",
        "training_phi_notes.png",
        "model/model.safetensors",
        "models/wnut17/model.safetensors",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let text = std::fs::read_to_string(out.join("metrics.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let m: DeidRnnMetrics = serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}: {text}"));
    let phi = &m.phi;
    assert!(
        phi.test.micro.f1 >= phi.baseline.micro.f1 + 0.05,
        "notes F1 {} vs memorising {}",
        phi.test.micro.f1,
        phi.baseline.micro.f1
    );
    let w = m.wnut.as_ref().unwrap();
    assert_eq!(w.test_sentences, 1287);
    assert!(w.test.micro.f1.is_finite());
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("97.85") && report.contains("41.86"));
}
