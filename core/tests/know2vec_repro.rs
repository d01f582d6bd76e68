//! `know2vec --quick` on real MNIST/Fashion-MNIST: the zoo is built and saved through the
//! registry, every query has oracle results for every model, Know2Vec's retrieval beats the
//! random expectation by a margin (fixed seed), the zoo description round-trips, and
//! `deepfield-core know2vec rank` ranks the zoo for a user's CSV and refuses bad input clearly.
//! (Alone in its binary: it seeds libtorch's process-global RNG.)

use deepfield_core::automl::know2vec::task::Op;
use deepfield_core::automl::know2vec::Zoo;
use deepfield_core::data::mnist::{self, Dataset, Split};
use deepfield_core::repro::know2vec::{Arch, Know2VecConfig, Know2VecRepro};
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::{assert_results, run_bin};

#[test]
fn quick_know2vec_beats_random_and_ranks_user_data() {
    deepfield_core::device::set_threads(1);
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = ReproOptions::quick("know2vec", tmp.path().join("k2v"));
    // The quick config (its zoo members are MLPs), through `--config`.
    let mut cfg = Know2VecConfig::quick();
    for z in &mut cfg.zoo {
        z.arch = Arch::Mlp { hidden: vec![64] };
    }
    let file = tmp.path().join("quick.json");
    std::fs::write(&file, serde_json::to_string(&cfg).unwrap()).unwrap();
    opts.config = Some(file);
    let m = Typed(Know2VecRepro)
        .run_typed(&opts)
        .expect("know2vec --quick");

    // Shapes: every zoo model, every query, every method.
    assert_eq!(m.zoo.len(), cfg.zoo.len());
    assert_eq!(m.queries.len(), cfg.queries.len());
    for q in &m.queries {
        assert_eq!(q.accuracies.len(), cfg.zoo.len(), "{}", q.name);
        assert_eq!(q.picks.len(), 5);
        // Fine-tuned zoo models beat chance (10 %) clearly on every query.
        assert!(q.best_accuracy > 40.0, "{q:?}");
    }
    // Zoo models learnt their source tasks (chance 10 %).
    for z in &m.zoo {
        assert!(z.source_accuracy > 50.0, "{z:?}");
    }
    let by = |name: &str| m.methods.iter().find(|s| s.method == name).unwrap().clone();
    let (k2v, random, oracle) = (by("know2vec"), by("random"), by("oracle"));
    eprintln!("{:#?}", m.methods);
    assert_eq!(oracle.top1, 100.0);
    assert_eq!(oracle.mean_regret, 0.0);
    // The central claim: Know2Vec's pick beats a random pick by a margin.
    assert!(
        k2v.top1 >= random.top1 + 30.0,
        "know2vec top-1 {} vs random {}",
        k2v.top1,
        random.top1
    );
    assert!(
        k2v.mean_regret + 3.0 <= random.mean_regret,
        "know2vec regret {} vs random {}",
        k2v.mean_regret,
        random.mean_regret
    );
    assert!(k2v.top3 >= k2v.top1);

    assert_results(
        &opts.out,
        &[
            "metrics.json",
            "metrics.csv",
            "report.md",
            "config.json",
            "topk.png",
            "regret.png",
            "zoo/zoo.json",
            "zoo/mlp-mnist-plain/model.safetensors",
        ],
    );
    // The zoo description round-trips and its scorer was fitted.
    let zoo_dir = opts.out.join("zoo");
    let zoo = Zoo::load(&zoo_dir).unwrap();
    assert_eq!(zoo.models.len(), cfg.zoo.len());
    zoo.save(&tmp.path().join("copy")).unwrap();
    assert_eq!(
        Zoo::load_description(&tmp.path().join("copy")).unwrap(),
        zoo
    );
    assert_ne!(
        zoo.scorer,
        deepfield_core::automl::know2vec::Scorer::default()
    );

    // The CLI on a user's CSV: rotated MNIST test digits (label + 784 pixels, 0–255).
    let d = mnist::load_default(Dataset::Mnist, Split::Test).unwrap();
    let x = Op::Rotate { degrees: 90.0 }
        .apply(&d.images.narrow(0, 0, 80), &mut deepfield_core::Rng::new(0))
        .unwrap();
    let px: Vec<f32> = Vec::try_from(x.flatten(0, -1)).unwrap();
    let ys: Vec<i64> = Vec::try_from(d.labels.narrow(0, 0, 80)).unwrap();
    let mut csv = String::from("label");
    for j in 0..784 {
        csv.push_str(&format!(",p{j}"));
    }
    csv.push('\n');
    for (i, y) in ys.iter().enumerate() {
        csv.push_str(&y.to_string());
        for v in &px[i * 784..(i + 1) * 784] {
            csv.push_str(&format!(",{}", (v * 255.0).round()));
        }
        csv.push('\n');
    }
    let file = tmp.path().join("mine.csv");
    std::fs::write(&file, &csv).unwrap();
    let bin = env!("CARGO_BIN_EXE_deepfield-core");
    let ranking = tmp.path().join("ranking.json");
    let o = run_bin(
        bin,
        [
            "know2vec".as_ref(),
            "rank".as_ref(),
            "--zoo".as_ref(),
            zoo_dir.as_os_str(),
            "--csv".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            ranking.as_os_str(),
        ],
    );
    assert!(o.success, "{o:?}");
    let ranked: serde_json::Value = deepfield_core::testing::read_json(&ranking);
    let ranked = ranked.as_array().unwrap();
    assert_eq!(ranked.len(), cfg.zoo.len());
    // Rotated digits: an MNIST model trained on rotated digits ranks first.
    let first = ranked[0]["id"].as_str().unwrap();
    assert!(first.starts_with("mlp-mnist-rot"), "{ranked:?}");

    // Bad input: no label column; a zoo folder without zoo.json.
    let rank = |zoo: &std::path::Path, csv: &std::path::Path| {
        run_bin(
            bin,
            [
                "know2vec".as_ref(),
                "rank".as_ref(),
                "--zoo".as_ref(),
                zoo.as_os_str(),
                "--csv".as_ref(),
                csv.as_os_str(),
            ],
        )
    };
    std::fs::write(&file, "a,b\n1,2\n").unwrap();
    let o = rank(&zoo_dir, &file);
    assert!(
        !o.success && o.stderr.contains("no `label` column"),
        "{o:?}"
    );
    std::fs::write(&file, &csv).unwrap();
    let o = rank(tmp.path(), &file);
    assert!(!o.success && o.stderr.contains("zoo.json"), "{o:?}");
}
