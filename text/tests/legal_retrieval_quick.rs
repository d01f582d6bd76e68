//! The quick `legal-retrieval` run on the shared AILA 2019 data (2 of 5 query folds, a small
//! ranker): BM25 well above chance, the mix at least as good as BM25 on MAP over the tested
//! folds, and the saved ranker restorable through the registry.
#![cfg(feature = "search")]

use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_text::read::trec::Run;
use deepfield_text::repro::legal_retrieval::{data, LegalRetrieval};
use deepfield_text::retrieval::metrics::evaluate;

#[test]
fn quick_run_mix_at_least_bm25() {
    let out = tempfile::tempdir().unwrap();
    let mut opts = ReproOptions::new("legal-retrieval");
    opts.quick = true;
    opts.out = out.path().join("legal");
    let m = Typed(LegalRetrieval).run_typed(&opts).unwrap();
    assert_eq!(m.queries, 40);
    assert_eq!(m.statutes, 197);
    assert_eq!(m.tested_queries, 16);
    let get = |k: &str, x: &str| m.get(k).unwrap().mean[x];
    // the constant ranker (every statute scored 0, ordered by id as trec_eval breaks ties)
    let dir = opts.out.clone();
    let bm25_run = Run::read(&dir.join("runs/bm25.txt")).unwrap();
    let data = data::load(std::path::Path::new(&m.data)).unwrap();
    let mut constant = Run::new();
    for q in bm25_run.queries() {
        constant.set(
            q,
            data.statutes.iter().map(|s| (s.id.clone(), 0.0)).collect(),
        );
    }
    let flat = evaluate(&constant, &data.qrels, &[10]).mean["map"];
    assert!(
        get("bm25", "map") > 1.5 * flat,
        "bm25 map {} vs constant {flat}",
        get("bm25", "map")
    );
    assert!(
        get("mix", "map") >= get("bm25", "map"),
        "mix {} < bm25 {}",
        get("mix", "map"),
        get("bm25", "map")
    );
    // the query-blind statute prior is reported and beats the constant ranker too
    assert!(
        get("prior", "map") > flat,
        "prior map {}",
        get("prior", "map")
    );
    for f in &m.folds {
        assert!((0.0..=1.0).contains(&f.bm25_weight));
        assert!(!f.history.is_empty());
    }
    for f in [
        "metrics.json",
        "report.md",
        "config.json",
        "methods.png",
        "recall_at_k.png",
        "runs/mix.txt",
        "model/vocab.json",
    ] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    assert_eq!(bm25_run.len(), 16);
    let reg = deepfield_text::models().unwrap();
    let restored = reg.restore(&dir.join("model"), tch::Device::Cpu).unwrap();
    assert_eq!(restored.kind, "text.attentive_ranker");
}
