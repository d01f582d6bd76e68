//! `spikegpt --quick` on tiny_shakespeare from the data directory: both models learn (validation
//! BPC clearly below the unigram baseline), the spiking model spikes, the recurrent form
//! generates faster than re-running the parallel form, the files are written, and the saved
//! model scores the same text with the same BPC after a reload.

use deepfield_core::repro::{ReproOptions, Reproduction, Typed};
use deepfield_text::repro::spikegpt::{SpikeGpt, SpikeGptMetrics};

#[test]
fn quick_run_learns_and_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("spikegpt");
    let opts = ReproOptions::quick("spikegpt", &out);
    let value = Typed(SpikeGpt).run(&opts).unwrap();
    let m: SpikeGptMetrics = serde_json::from_value(value).unwrap();

    // tiny_shakespeare's characters: 4.77 bits of entropy, 4.83 bits on the validation part.
    assert!(
        m.unigram_val_bpc > 4.7 && m.unigram_val_bpc < 4.9,
        "{}",
        m.unigram_val_bpc
    );
    for r in &m.models {
        assert!(
            r.val_bpc < m.unigram_val_bpc - 0.6,
            "{}: validation BPC {} is not clearly below the unigram baseline {}",
            r.name,
            r.val_bpc,
            m.unigram_val_bpc
        );
        // Sanity only (speed belongs in the reproduction's metrics): recurrent is faster.
        assert!(r.generation.speedup > 1.0, "{}: {:?}", r.name, r.generation);
        assert!(r.sample.starts_with("ROMEO:\n") && r.sample.chars().count() == 127);
        assert_eq!(r.curve.len(), 3);
    }
    let s = m.get("spikegpt").unwrap();
    let t = m.get("rwkv").unwrap();
    assert_eq!(
        s.parameters, t.parameters,
        "the twin has the same parameters"
    );
    assert_eq!(s.activity.layers.len(), 6);
    assert!(s
        .activity
        .layers
        .iter()
        .all(|l| l.rate > 0.0 && l.rate < 1.0));
    assert!(m.spikegpt_sops_per_char > 0.0 && m.spikegpt_macs_per_char < m.twin_macs_per_char);
    assert!((m.gap_bpc - (s.val_bpc - t.val_bpc)).abs() < 1e-12);

    for f in [
        "metrics.json",
        "report.md",
        "config.json",
        "val_bpc.png",
        "spike_rates.png",
        "operations.png",
        "model/model.safetensors",
        "models/rwkv/model.safetensors",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("1.11") && report.contains("enwik8"));

    // save → load → same BPC on the same characters.
    let data = deepfield_core::data::dir::dataset(&deepfield_text::lm::data::TINY_SHAKESPEARE)
        .unwrap()
        .join("input.txt");
    let corpus = deepfield_text::lm::CharCorpus::read(&data, 0.9).unwrap();
    let eval_ids = &corpus.val[..m.eval_chars];
    for (dir, r) in [(out.join("model"), s), (out.join("models/rwkv"), t)] {
        let lm = deepfield_text::lm::load(&dir, tch::Device::Cpu).unwrap();
        let b = deepfield_text::lm::bpc(&lm.model, eval_ids, 32, 32, None).unwrap();
        assert!(
            (b - r.val_bpc).abs() < 1e-6,
            "{}: {b} vs {}",
            r.name,
            r.val_bpc
        );
    }
}
