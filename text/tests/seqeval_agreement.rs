//! Entity-level scores against seqeval 1.2.2.
//!
//! Reference values: `text/tests/fixtures/seqeval_reference.json`, written by
//! `text/tests/fixtures/gen_seqeval.py` (seeded random BIO and BIOES gold sequences, a third of
//! them broken, predictions perturbing them; seqeval's classification_report in default and
//! strict mode, and get_entities per gold sentence). Scores agree to 1e-12 (the same counts
//! divided the same way); supports and entity lists exactly.

use std::collections::BTreeMap;

use deepfield_core::nn::crf::TagScheme;
use deepfield_text::seqeval::{chunks, evaluate, retag, strict_chunks, Mode, Report, Scores};
use serde::Deserialize;

#[derive(Deserialize)]
struct Row {
    precision: f64,
    recall: f64,
    #[serde(rename = "f1-score")]
    f1: f64,
    support: usize,
}

#[derive(Deserialize)]
struct Case {
    scheme: String,
    gold: Vec<Vec<String>>,
    pred: Vec<Vec<String>>,
    default: BTreeMap<String, Row>,
    strict: BTreeMap<String, Row>,
    entities: Vec<Vec<(String, usize, usize)>>,
}

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

fn same(what: &str, got: &Scores, want: &Row) {
    for (name, g, w) in [
        ("precision", got.precision, want.precision),
        ("recall", got.recall, want.recall),
        ("f1", got.f1, want.f1),
    ] {
        assert!((g - w).abs() < 1e-12, "{what} {name}: {g} vs seqeval {w}");
    }
    assert_eq!(got.support, want.support, "{what} support");
}

fn agree(what: &str, got: &Report, want: &BTreeMap<String, Row>) {
    let types: Vec<&String> = want.keys().filter(|k| !k.ends_with(" avg")).collect();
    assert_eq!(
        got.per_type.keys().collect::<Vec<_>>(),
        types,
        "{what} types"
    );
    for t in types {
        same(&format!("{what} {t}"), &got.per_type[t], &want[t]);
    }
    same(&format!("{what} micro"), &got.micro, &want["micro avg"]);
    same(&format!("{what} macro"), &got.macro_avg, &want["macro avg"]);
}

#[test]
fn scores_and_entities_agree_with_seqeval() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seqeval_reference.json"
    ))
    .unwrap();
    let fixture: Fixture = serde_json::from_str(&text).unwrap();
    assert_eq!(fixture.cases.len(), 2);
    for c in &fixture.cases {
        let scheme = match c.scheme.as_str() {
            "bio" => TagScheme::Bio,
            _ => TagScheme::Bioes,
        };
        for (g, want) in c.gold.iter().zip(&c.entities) {
            let got: Vec<(String, usize, usize)> = chunks(g)
                .into_iter()
                .map(|e| (e.kind, e.start, e.end - 1))
                .collect();
            assert_eq!(&got, want, "{} get_entities of {g:?}", c.scheme);
            // Repairing keeps the default-mode entities and makes them all strict-valid.
            let fixed = retag(g, scheme);
            assert_eq!(chunks(&fixed), chunks(g), "{g:?} → {fixed:?}");
            assert_eq!(
                strict_chunks(&fixed, scheme).unwrap(),
                chunks(g),
                "{fixed:?}"
            );
        }
        let broken = c.gold.iter().filter(|g| retag(g, scheme) != **g).count();
        assert!(
            broken >= 10,
            "{}: only {broken} broken gold sentences",
            c.scheme
        );
        let r = evaluate(&c.gold, &c.pred, Mode::Default).unwrap();
        agree(&format!("{} default", c.scheme), &r, &c.default);
        let r = evaluate(&c.gold, &c.pred, Mode::Strict(scheme)).unwrap();
        agree(&format!("{} strict", c.scheme), &r, &c.strict);
    }
}
