//! The quick `biosignal-ssl` run on the shared MIT-BIH records: files written, the SSL probe
//! well above the majority class in macro-F1, and the saved classifier on a user's record.

use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::{assert_contains, assert_repro_results};
use deepfield_timeseries::biosignal::classify_record;
use deepfield_timeseries::repro::biosignal::{BiosignalSsl, RANDOM, SUPERVISED};
use deepfield_timeseries::wfdb::MITBIH;

#[test]
fn biosignal_ssl_quick_beats_majority_and_classifies_a_record() {
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("biosignal-ssl", out.path().join("bio"));
    let t0 = std::time::Instant::now();
    let m = Typed(BiosignalSsl).run_typed(&opts).unwrap();
    eprintln!("quick run: {:.1} s", t0.elapsed().as_secs_f64());
    let maj = m.majority.macro_f1;
    // Test beats: N, S, V, F present; the majority class (N) scores F1 ≈ 0.85 on N only.
    assert!((0.15..0.3).contains(&maj), "majority macro-F1 {maj}");
    let ssl = m.get("ssl_segment_probe", 1.0).unwrap().macro_f1_mean;
    let ssl_small = m.get("ssl_segment_probe", 0.01).unwrap().macro_f1_mean;
    assert!(
        ssl > maj + 0.2,
        "SSL probe (100 % labels) {ssl} vs majority {maj}"
    );
    assert!(
        ssl_small > maj + 0.1,
        "SSL probe (1 % labels) {ssl_small} vs majority {maj}"
    );
    assert!(m.get(SUPERVISED, 1.0).unwrap().macro_f1_mean > maj + 0.2);
    assert!(m.get(RANDOM, 1.0).is_some());
    assert_eq!(m.records.len(), 2);
    // Record 208's beats with a full window (SOURCE.md: N 1,586, S 2, V 992, F 373, Q 2; the
    // first and the last beat are too close to the ends).
    let b = m.records[1].beats;
    assert_eq!(b[2], 992);
    assert!(b.iter().sum::<usize>() >= 2953, "{b:?}");
    for s in &m.summary {
        eprintln!(
            "{} {}: macro-F1 {:.4} acc {:.4}",
            s.method, s.fraction, s.macro_f1_mean, s.accuracy_mean
        );
    }
    let p = &m.pretraining[0];
    assert!(
        p.last_loss < p.first_loss,
        "pretraining loss {} → {}",
        p.first_loss,
        p.last_loss
    );
    assert_repro_results(
        &opts.out,
        &[
            "f1_vs_labels.png",
            "pretrain_loss.png",
            "embedding_pca_ssl_segment_probe.png",
            "embedding_pca_random_encoder_probe.png",
            "confusion_supervised.png",
            "history.csv",
            "model/model.safetensors",
            "encoder/model.safetensors",
        ],
    );
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    assert_contains(&report, "two patients");
    assert_contains(&report, &deepfield_core::report::fmt_num(ssl));

    // The saved classifier on record 208 (its test span was never trained on; the first 60 % was).
    let dir = deepfield_core::data::dataset(&MITBIH).unwrap();
    let csv = out.path().join("beats.csv");
    let r = classify_record(
        &opts.out.join("model"),
        &dir.join("208.hea"),
        None,
        Some(&csv),
    )
    .unwrap();
    assert_eq!(r.beats.len() + r.skipped, 2955);
    assert!(r.scores.macro_f1 > 0.4, "{:?}", r.scores);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("sample,time_s,symbol,aami,predicted,p_N,p_S,p_V,p_F,p_Q\n"),
        "{}",
        &text[..80]
    );
    assert_eq!(text.lines().count(), 1 + r.beats.len());
    // A record without its annotation file, and a path that is not a header, are refused.
    let tmp = out.path().join("user");
    std::fs::create_dir_all(&tmp).unwrap();
    for ext in ["hea", "dat"] {
        std::fs::copy(
            dir.join(format!("100.{ext}")),
            tmp.join(format!("100.{ext}")),
        )
        .unwrap();
    }
    let e = classify_record(&opts.out.join("model"), &tmp.join("100.hea"), None, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("100.atr") && e.contains("--annotations"), "{e}");
    let e = classify_record(&opts.out.join("model"), &tmp.join("100.dat"), None, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("100.dat") && e.contains(".hea"), "{e}");
    // The model folder restores through the crate's registry.
    let reg = deepfield_timeseries::models().unwrap();
    let restored = reg
        .restore(&opts.out.join("encoder"), deepfield_core::tch::Device::Cpu)
        .unwrap();
    assert_eq!(restored.kind, "timeseries.ecg_encoder");
}
