//! `die-dat --quick` end to end on the real Dutch data: results folder, typed metrics, the
//! models clearly above the majority class, and the saved headline model filling die/dat gaps
//! in a user's text file through `deepfield-text eval die-dat`. One test in this binary
//! (libtorch's RNG is process-global).

use deepfield_core::testing::{assert_png, assert_results, run_bin, run_quick, QuickRun};
use deepfield_text::diedat::predict::DieDatPredictor;
use deepfield_text::repro::die_dat::DieDatRepro;

/// A model must beat the majority class by this much (accuracy).
const MARGIN: f64 = 0.04;

#[test]
fn quick_die_dat_beats_the_majority_class_and_its_model_fills_gaps() {
    let QuickRun {
        tmp,
        out,
        metrics: m,
    } = run_quick(DieDatRepro);
    assert_results(
        &out,
        &[
            "metrics.json",
            "metrics.csv",
            "config.json",
            "report.md",
            "history.csv",
            "accuracy.png",
            "val_accuracy.png",
            "confusion_multitask_article.png",
            "model/model.safetensors",
            "models/binary/model.safetensors",
        ],
    );
    assert_png(&out.join("accuracy.png"), (400, 300));
    assert_eq!((m.train, m.test), (2500, 800));
    assert!(m.test_with_pos > 20, "{}", m.test_with_pos);
    assert!(
        m.majority_rate > 0.6 && m.majority_rate < 0.85,
        "{}",
        m.majority_rate
    );
    assert!(
        m.bigram_accuracy > m.majority_rate,
        "bigram {} vs majority {}",
        m.bigram_accuracy,
        m.majority_rate
    );
    for v in &m.variants {
        assert!(
            v.accuracy > m.majority_rate + MARGIN,
            "{}: accuracy {} vs majority {}",
            v.key,
            v.accuracy,
            m.majority_rate
        );
    }
    let mt = m.get("multitask_article").unwrap();
    assert!(mt.pos_accuracy.is_some_and(|p| p > 0.0 && p <= 1.0));

    // The saved model on a user's file: every die/dat as written, then marked gaps.
    let text = tmp.path().join("tekst.txt");
    std::fs::write(
        &text,
        "Ik denk dat het morgen gaat regenen. Dat is jammer.\n\nDe man die daar loopt, is mijn vader.\n",
    )
    .unwrap();
    let p = DieDatPredictor::load(&out.join("model")).unwrap();
    let r = p.predict_file(&text).unwrap();
    assert_eq!(r.gaps.len(), 3);
    assert_eq!(
        r.gaps.iter().map(|g| (g.line, g.word)).collect::<Vec<_>>(),
        [(1, 2), (1, 0), (3, 2)]
    );
    assert!(r.accuracy.is_some());
    assert!(r
        .gaps
        .iter()
        .all(|g| g.pos.is_some() && (0.0..=1.0).contains(&g.p_dat)));
    std::fs::write(&text, "Het boek ___ ik las. Ik weet <mask> hij komt.\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_deepfield-text");
    let model = out.join("model");
    let csv = tmp.path().join("pred.csv");
    let args: Vec<&std::ffi::OsStr> = vec![
        "eval".as_ref(),
        "die-dat".as_ref(),
        "--model".as_ref(),
        model.as_os_str(),
        text.as_os_str(),
        "--out".as_ref(),
        csv.as_os_str(),
    ];
    run_bin(bin, args).assert_ok();
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(rows.lines().count(), 3, "{rows}");
    assert!(rows.starts_with("line,word,written,predicted,p_dat,pos,sentence"));
    assert!(
        rows.lines()
            .skip(1)
            .all(|l| l.contains(",die,") || l.contains(",dat,")),
        "{rows}"
    );
    // A file without gaps is refused, naming the file.
    std::fs::write(&text, "Geen enkel lidwoord hier.\n").unwrap();
    let e = p.predict_file(&text).unwrap_err().to_string();
    assert!(e.contains("tekst.txt") && e.contains("no gap"), "{e}");
}
