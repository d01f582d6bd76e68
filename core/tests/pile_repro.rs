//! `pile-xai --quick` on the real concrete data: the DNN and LightGBM on the same 3 folds
//! (LightGBM through the Python environment), SHAP plots and the saved model that `eval` and
//! `serve` read.

use deepfield_core::repro::concrete::evaluate_csv;
use deepfield_core::repro::pile::PileXai;
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::tabular::TabularModel;
use deepfield_core::testing::assert_results;

#[test]
fn quick_pile_xai_compares_dnn_and_trees_and_explains() {
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("pile-xai", out.path().join("pile-xai"));
    let m = Typed(PileXai).run_typed(&opts).expect("pile-xai --quick");
    assert_eq!(m.datasets.len(), 1);
    let d = &m.datasets[0];
    assert_eq!(
        (d.dataset.as_str(), d.samples, d.folds),
        ("concrete", 1030, 3)
    );
    let get = |name: &str| d.models.iter().find(|r| r.model == name).unwrap();
    let (dnn, lin, lgb) = (get("dnn"), get("linear"), get("lightgbm"));
    for r in [dnn, lin, lgb] {
        assert_eq!(r.per_fold.len(), 3);
        // Every fold's test part, each row once.
        assert_eq!(r.per_fold.iter().map(|f| f.n).sum::<usize>(), 1030);
    }
    // Linear regression reaches R² ≈ 0.8 here; both learned models must clearly beat it.
    assert!(
        lin.r2.mean > 0.7 && lin.r2.mean < 0.88,
        "linear {:?}",
        lin.r2
    );
    assert!(dnn.r2.mean > 0.84, "DNN R² {:?}", dnn.r2);
    assert!(lgb.r2.mean > 0.88, "LightGBM R² {:?}", lgb.r2);
    assert!(dnn.mae.mean < lin.mae.mean - 1.5 && lgb.mae.mean < lin.mae.mean - 2.0);
    assert!(!lgb.version.is_empty());
    assert_eq!(
        d.dnn_beats.contains(&"lightgbm".to_string()),
        dnn.mae.mean < lgb.mae.mean
    );

    // SHAP: efficiency holds; age and cement (the known drivers of strength) lead.
    let s = &d.shap;
    assert_eq!((s.samples, s.background, s.local.len()), (40, 20, 3));
    assert!(s.max_efficiency_error < 1e-3, "{}", s.max_efficiency_error);
    let mut order: Vec<usize> = (0..8).collect();
    order.sort_by(|&a, &b| s.mean_abs[b].total_cmp(&s.mean_abs[a]));
    let top: Vec<&str> = order[..3].iter().map(|&j| s.features[j].as_str()).collect();
    assert!(
        top.contains(&"age_days") && top.contains(&"cement_kg_m3"),
        "{top:?}"
    );

    assert_results(
        &opts.out,
        &[
            "metrics.json",
            "report.md",
            "config.json",
            "mae_concrete.png",
            "shap_beeswarm_concrete.png",
            "shap_importance_concrete.png",
            "shap_local_concrete_1.png",
            "shap_local_concrete_3.png",
            "model/model.safetensors",
            "model/config.json",
            "model/tabular.json",
        ],
    );
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    assert!(
        report.contains("0.276") && report.contains("LightGBM"),
        "{report}"
    );
    assert!(report.contains("beats every tree model") || report.contains("does **not** beat"));

    // The saved model: `eval` (the CLI's code) and the serving model agree on the local rows.
    let model_dir = opts.out.join("model");
    let served = TabularModel::load(&model_dir).unwrap();
    let rows: Vec<Vec<f64>> = s.local.iter().map(|l| l.values.clone()).collect();
    let csv = out.path().join("rows.csv");
    let mut text = s.features.join(",") + "\n";
    for r in &rows {
        text += &(r
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(",")
            + "\n");
    }
    std::fs::write(&csv, text).unwrap();
    let cli = evaluate_csv(&model_dir, &csv, None).unwrap().predictions;
    assert_eq!(served.predict(&rows).unwrap(), cli);
    for (l, p) in s.local.iter().zip(&cli) {
        assert!((l.prediction - p).abs() < 1e-4, "{} vs {p}", l.prediction);
        let sum: f64 = l.shap.iter().sum();
        assert!((s.base + sum - p).abs() < 1e-3);
    }
}
