//! Simulator invariants, window labels, the PennCNV reader on the real trio, and a `deep-snp
//! --quick` run with its localisation bound.

use deepfield_core::report::fmt_num;
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::{assert_contains, assert_repro_results, HISTORY_COLUMNS};
use deepfield_core::Rng;
use deepfield_genomics::snp::repro::{predict_signal, DATASET};
use deepfield_genomics::snp::{
    read_penncnv, simulate, windows, write_penncnv, CopyState, DeepSnpRepro, SimConfig, SnpSignal,
    WindowConfig,
};

fn median(mut v: Vec<f32>) -> f32 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[test]
fn simulator_baf_bands_and_lrr_shifts() {
    let cfg = SimConfig {
        probes_per_chromosome: 40_000,
        events_per_chromosome: 3.0,
        min_event_probes: 2_000,
        max_event_probes: 8_000,
        mosaic_prob: 0.0,
        ..Default::default()
    };
    let mut rng = Rng::new(11);
    let mut seen = std::collections::HashSet::new();
    for s in 0..6 {
        let sample = simulate(&cfg, 4, &format!("s{s}"), &mut rng).unwrap();
        let sig = &sample.signal;
        assert_eq!(sig.len(), 160_000);
        // Breakpoints are the segment starts after each chromosome's first segment.
        for seg in &sample.segments {
            let idx: Vec<usize> = (seg.start..seg.end)
                .filter(|&i| sig.lrr[i].is_finite())
                .collect();
            if idx.len() < 500 {
                continue;
            }
            seen.insert(seg.state);
            let lrr = median(idx.iter().map(|&i| sig.lrr[i]).collect());
            if seg.state != CopyState::HomDel {
                assert!(
                    (lrr as f64 - seg.state.lrr_mean()).abs() < 0.12,
                    "{:?}: LRR median {lrr}",
                    seg.state
                );
            } else {
                assert!(lrr < -2.5, "homozygous deletion LRR {lrr}");
            }
            let het: Vec<f32> = idx
                .iter()
                .filter(|&&i| sample.genotype[i] == 1)
                .map(|&i| sig.baf[i])
                .collect();
            let hom_a: Vec<f32> = idx
                .iter()
                .filter(|&&i| sample.genotype[i] == 0)
                .map(|&i| sig.baf[i])
                .collect();
            if seg.state != CopyState::HomDel {
                assert!(median(hom_a) < 0.05, "{:?}", seg.state);
            }
            // Mirrored BAF of heterozygous probes per state: 0 (normal), 1/6 (dup), 1/4 or 0 (amp), 1/2 (LOH, deletion).
            let m = median(het.iter().map(|b| (b - 0.5).abs()).collect());
            match seg.state {
                CopyState::Normal => assert!(m < 0.05, "normal het band {m}"),
                CopyState::Dup => assert!((m - 1.0 / 6.0).abs() < 0.05, "dup band {m}"),
                CopyState::CnLoh | CopyState::Del => assert!(m > 0.44, "{:?} band {m}", seg.state),
                CopyState::Amp => assert!((m - 0.25).abs() < 0.05, "amp band {m}"),
                CopyState::HomDel => {}
            }
        }
        let mut expected = Vec::new();
        for w in sample.segments.windows(2) {
            if w[0].chrom == w[1].chrom {
                assert_eq!(w[0].end, w[1].start);
                expected.push(w[1].start);
            }
        }
        assert_eq!(sample.breakpoints, expected);
    }
    assert!(
        seen.contains(&CopyState::Del)
            && seen.contains(&CopyState::Dup)
            && seen.contains(&CopyState::CnLoh)
    );
}

#[test]
fn window_labels_margins_and_short_chromosomes() {
    let n = 1_000;
    let sig = SnpSignal {
        sample: "t".into(),
        names: (0..n).map(|i| format!("p{i}")).collect(),
        chrom: (0..n)
            .map(|i| {
                if i < 900 {
                    "1".to_string()
                } else {
                    "2".to_string()
                }
            })
            .collect(),
        pos: (0..n as u64).collect(),
        lrr: vec![0.0; n],
        baf: vec![0.5; n],
    };
    let cfg = WindowConfig {
        length: 200,
        stride: 100,
        margin: 10,
    };
    let ws = windows(&sig, &cfg, Some(&[150, 405, 890]), false).unwrap();
    // Chromosome 1: starts 0..=700 step 100 (8 windows); chromosome 2 (100 probes) skipped.
    assert_eq!(ws.len(), 8);
    let labels: Vec<Option<u8>> = ws.iter().map(|w| w.label).collect();
    // 150 lies inside [0,200) and [100,300); 405 inside [300,500) but 5 probes into [400,600)
    // (ambiguous, margin 10); 890 is 190 probes into [700,900), within the margin (ambiguous).
    assert_eq!(
        labels,
        vec![
            Some(1),
            Some(1),
            Some(0),
            Some(1),
            None,
            Some(0),
            Some(0),
            None
        ]
    );
    assert_eq!(ws[3].breakpoints, vec![105]);
    let short = windows(&sig, &cfg, None, true).unwrap();
    assert_eq!(
        short.last().map(|w| (w.chrom.as_str(), w.len)),
        Some(("2", 100))
    );
    assert!(windows(
        &sig,
        &WindowConfig {
            length: 100,
            stride: 0,
            margin: 0
        },
        None,
        true
    )
    .is_err());
}

#[test]
fn penncnv_reader_on_the_real_trio_and_round_trip() {
    let dir = deepfield_core::data::dataset(&DATASET).unwrap();
    let s = read_penncnv(&dir.join("father.txt")).unwrap();
    assert_eq!(s.sample, "99HI0698C");
    assert_eq!(s.len(), 93_129);
    let chroms: Vec<(String, usize)> = s
        .chromosomes()
        .into_iter()
        .map(|(c, r)| (c, r.len()))
        .collect();
    assert_eq!(
        chroms,
        vec![
            ("3".into(), 37_768),
            ("11".into(), 27_272),
            ("20".into(), 14_269),
            ("X".into(), 13_820)
        ]
    );
    assert_eq!(s.lrr.iter().filter(|x| x.is_nan()).count(), 9);
    assert!(s
        .pos
        .windows(2)
        .zip(s.chrom.windows(2))
        .all(|(p, c)| c[0] != c[1] || p[0] <= p[1]));
    let tmp = tempfile::tempdir().unwrap();
    let mut small = s.clone();
    for v in [&mut small.names, &mut small.chrom] {
        v.truncate(100);
    }
    small.pos.truncate(100);
    small.lrr.truncate(100);
    small.baf.truncate(100);
    write_penncnv(&tmp.path().join("x.txt"), &small).unwrap();
    let back = read_penncnv(&tmp.path().join("x.txt")).unwrap();
    assert_eq!(back.names, small.names);
    assert_eq!(back.pos, small.pos);
    assert!(back
        .lrr
        .iter()
        .zip(&small.lrr)
        .all(|(a, b)| a == b || (a.is_nan() && b.is_nan())));
}

#[test]
fn quick_deep_snp_detects_and_localises_breakpoints() {
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("deep-snp", out.path().join("deep-snp"));
    let m = Typed(DeepSnpRepro)
        .run_typed(&opts)
        .expect("deep-snp --quick");
    assert_eq!(m.window_probes, 4_000);
    let d = &m.deep_snp;
    let (acc, auc, f1, thr) = (d.accuracy, d.roc_auc, d.f1, d.threshold);
    let loc = d
        .localisation_true_positives
        .median
        .expect("true positives");
    let base_acc = m.baseline.accuracy;
    eprintln!("deep_snp metrics: {d:?}");
    assert!(thr > 0.0 && thr < 1.0, "threshold {thr}");
    // The 0.5-cut numbers are reported beside the calibrated ones.
    assert!((0.0..=1.0).contains(&d.at_0_5.accuracy));
    // Measured (seed 0, PyTorch's nn.Linear init): at the validation threshold (0.21) accuracy
    // 0.925, F1 0.923 (at 0.5: 0.90, 0.893), AUC 0.95, median error 207 probes of 4,000;
    // baseline 0.90. (With tch's Kaiming init, `init: kaiming_uniform`: 0.875, 0.876, 0.95, 195.)
    assert!(acc > 0.8, "accuracy {acc}");
    assert!(f1 > 0.8, "F1 {f1}");
    assert!(auc > 0.85, "AUC {auc}");
    // A uniformly random peak is ≈ 1,000 probes from the breakpoint; the attention must be far closer.
    assert!(loc < 500.0, "median localisation error {loc}");
    assert!(base_acc > 0.75, "baseline accuracy {base_acc}");
    // Every chromosome of the trio is long enough for the network: none skipped.
    assert_eq!(m.real_windows, 3 * (17 + 12 + 6 + 5));
    assert!(m.real_skipped.is_empty(), "{:?}", m.real_skipped);
    assert_repro_results(
        &opts.out,
        &[
            "example_window.png",
            "training_curves.png",
            "localisation_error.png",
            "window_accuracy.png",
            "real_predictions.csv",
            "model/model.safetensors",
        ],
    );
    // history.csv: one row per epoch of the one trained network.
    let (header, hist) = deepfield_core::testing::read_csv(&opts.out.join("history.csv"));
    assert_eq!(header[..6], HISTORY_COLUMNS);
    assert!(header.contains(&"val_accuracy".to_string()), "{header:?}");
    assert_eq!(hist.len(), m.epochs_run);
    assert!(hist.iter().all(|r| r[0] == "deep_snp" && !r[3].is_empty()));
    // metrics.csv names the models and the split; the report's first line says "quick".
    let csv = std::fs::read_to_string(opts.out.join("metrics.csv")).unwrap();
    assert_contains(&csv, &format!("deep_snp,test,accuracy,{acc}"));
    assert_contains(
        &csv,
        &format!("binary_segmentation,test,accuracy,{base_acc}"),
    );
    assert_contains(&csv, "deep_snp,penncnv_trio,chromosomes_skipped,0");
    // config.json is the runner's (with the run record), and reads back as the typed config.
    let run = deepfield_core::repro::typed::read_run_info(&opts.out).expect("run record");
    assert!(run.quick && run.id == "deep-snp", "{run:?}");
    let back: deepfield_genomics::snp::DeepSnpMetrics =
        serde_json::from_str(&std::fs::read_to_string(opts.out.join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(back.deep_snp.accuracy, acc);
    // The report shows the measured numbers.
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    for v in [acc, f1, auc, thr, base_acc] {
        assert_contains(&report, &fmt_num(v));
    }

    // The saved model on a user's PennCNV file.
    let data = deepfield_core::data::dataset(&DATASET).unwrap();
    let csv = out.path().join("w.csv");
    // The validation threshold is saved with the model and drives the calls on user files.
    let cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(opts.out.join("model/config.json")).unwrap())
            .unwrap();
    // (JSON round trip: equal up to the last bit of the decimal text.)
    let saved_thr = cfg["config"]["decision_threshold"].as_f64().unwrap();
    assert!((saved_thr - thr).abs() < 1e-12, "{saved_thr} vs {thr}");
    let p = predict_signal(
        &opts.out.join("model"),
        &data.join("offspring.txt"),
        Some(&csv),
    )
    .unwrap();
    assert!(p.skipped.is_empty());
    let p = p.windows;
    assert_eq!(p.len(), 40);
    assert!(p.iter().all(|w| (0.0..=1.0).contains(&w.p_breakpoint)
        && w.start_bp <= w.attention_peak_bp
        && w.attention_peak_bp <= w.end_bp
        && w.threshold == saved_thr
        && w.breakpoint_call == (w.p_breakpoint >= saved_thr)));
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 41);

    // Bad signal file: clear error naming the missing column; nothing written.
    let bad = out.path().join("bad.txt");
    std::fs::write(&bad, "Name\tChr\tPosition\tLRR\nrs1\t1\t5\t0.1\n").unwrap();
    let bad_csv = out.path().join("bad.csv");
    let e = predict_signal(&opts.out.join("model"), &bad, Some(&bad_csv))
        .unwrap_err()
        .to_string();
    assert!(e.contains("Log R Ratio"), "{e}");
    assert!(!bad_csv.exists());
}
