//! IR metrics: hand-computed cases from trec_eval's formulas, and pytrec_eval's values on the
//! fixture in tests/fixtures/trec (made by make_fixture.py there).

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_text::read::trec::{Qrels, Run};
use deepfield_text::retrieval::metrics::{evaluate, measures};
use deepfield_text::retrieval::mix;

fn judged(pairs: &[(&str, i32)]) -> BTreeMap<String, i32> {
    pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-9, "{what}: {a} vs {b}");
}

#[test]
fn hand_checked_query() {
    // relevant r1, r2, r3 (r3 graded 2, never retrieved); non-relevant n1, n2; u unjudged
    let j = judged(&[("r1", 1), ("r2", 1), ("r3", 2), ("n1", 0), ("n2", 0)]);
    let ranking = ["n1", "r1", "u", "n2", "r2"];
    let m = measures(&ranking, &j, &[2, 5]);
    // AP = (1/2 + 2/5) / 3
    close(m["map"], (0.5 + 0.4) / 3.0, "map");
    close(m["recip_rank"], 0.5, "rr");
    close(m["P_2"], 0.5, "P_2");
    close(m["P_5"], 0.4, "P_5");
    close(m["recall_2"], 1.0 / 3.0, "recall_2");
    close(m["recall_5"], 2.0 / 3.0, "recall_5");
    // bpref: R = 3, N = 2; r1 has 1 non-relevant above: 1 − 1/2; r2 has 2: 1 − 2/2
    close(m["bpref"], (0.5 + 0.0) / 3.0, "bpref");
    // nDCG@5: gains 0,1,0,0,1 at ranks 1..5; ideal 2,1,1
    let dcg = 1.0 / 3f64.log2() + 1.0 / 6f64.log2();
    let idcg = 2.0 + 1.0 / 3f64.log2() + 1.0 / 4f64.log2();
    close(m["ndcg_cut_5"], dcg / idcg, "ndcg_cut_5");
    // F2@5: P = 0.4, R = 2/3 → 5PR / (4P + R)
    let (p, r) = (0.4, 2.0 / 3.0);
    close(m["F2_5"], 5.0 * p * r / (4.0 * p + r), "F2_5");
    // nothing relevant in the top 2 but one: F2_2 with P = 0.5, R = 1/3
    let (p, r) = (0.5, 1.0 / 3.0);
    close(m["F2_2"], 5.0 * p * r / (4.0 * p + r), "F2_2");
}

#[test]
fn perfect_and_empty_rankings() {
    let j = judged(&[("a", 1), ("b", 1), ("c", 0)]);
    let names = [
        "map",
        "bpref",
        "recip_rank",
        "P_2",
        "recall_2",
        "ndcg_cut_2",
        "F2_2",
    ];
    for (ranking, want) in [(&["a", "b", "c"][..], 1.0), (&[][..], 0.0)] {
        let m = measures(ranking, &j, &[2]);
        for k in names {
            close(m[k], want, k);
        }
    }
}

#[test]
fn agrees_with_pytrec_eval_on_the_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trec");
    let qrels = Qrels::read(&dir.join("qrels.txt")).unwrap();
    let run = Run::read(&dir.join("run.txt")).unwrap();
    let expected: BTreeMap<String, BTreeMap<String, f64>> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let ev = evaluate(&run, &qrels, &[5, 10, 20]);
    assert_eq!(ev.per_query.len(), expected.len());
    let mut checked = 0;
    for (q, want) in &expected {
        let got = &ev.per_query[q];
        for (name, v) in want {
            let g = got.get(name).unwrap_or_else(|| panic!("no {name}"));
            assert!(
                (g - v).abs() < 1e-4,
                "{q} {name}: ours {g}, pytrec_eval {v}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 6 * 12);
    // the fixture has ties: a run that ignored trec_eval's docid tie-break differs somewhere
    assert!(expected.values().any(|m| m["map"] > 0.0));
}

#[test]
fn mixing_and_weight_choice() {
    assert_eq!(mix::min_max(&[2.0, 4.0, 3.0]), vec![0.0, 1.0, 0.5]);
    assert_eq!(mix::min_max(&[5.0, 5.0]), vec![0.0, 0.0]);
    let m = mix::mix(&[0.0, 10.0], &[1.0, 0.0], 0.25);
    close(m[0], 0.75, "mix0");
    close(m[1], 0.25, "mix1");
    // a measure peaking at w = 0.3
    let (w, best) = mix::choose_weight(&mix::grid(10), |w| -(w - 0.3f64).abs());
    close(w, 0.3, "w");
    close(best, 0.0, "best");
    // ties go to the larger weight (more BM25)
    let (w, _) = mix::choose_weight(&mix::grid(4), |_| 1.0);
    close(w, 1.0, "tie");
}
