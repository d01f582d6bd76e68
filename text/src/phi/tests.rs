use super::*;
use std::collections::{BTreeMap, HashSet};

fn entities(sentences: &[Tagged]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for s in sentences {
        for t in &s.tags {
            if let Some(k) = t.strip_prefix("B-") {
                *m.entry(k.to_string()).or_insert(0) += 1;
            }
        }
    }
    m
}

#[test]
fn every_template_parses_and_every_type_appears() {
    for t in templates::TRAIN.iter().chain(templates::TEST) {
        let parts = templates::parse(t).unwrap_or_else(|| panic!("{t}"));
        for p in parts {
            if let Part::Slot(s) = p {
                assert!(
                    values::value(s, &mut Rng::new(0), false).is_some(),
                    "{t}: {s}"
                );
            }
        }
    }
    let train: HashSet<_> = templates::TRAIN.iter().collect();
    assert!(templates::TEST.iter().all(|t| !train.contains(t)));
    for split in [TemplateSplit::Train, TemplateSplit::Test] {
        let s = generate(&PhiConfig::default(), split, 200, 1).unwrap();
        let e = entities(&s);
        for t in PhiType::ALL {
            assert!(
                e.get(t.label()).copied().unwrap_or(0) >= 10,
                "{split:?} {t:?}: {e:?}"
            );
        }
    }
}

#[test]
fn tags_follow_spans_and_are_well_formed() {
    let notes = generate_notes(&PhiConfig::default(), TemplateSplit::Test, 50, 3).unwrap();
    for n in &notes {
        for sp in &n.spans {
            assert!(n.text.is_char_boundary(sp.start) && sp.end <= n.text.len());
            assert!(!n.text[sp.start..sp.end].contains('\n'));
        }
        let sents = n.sentences();
        let mentions: usize = entities(&sents).values().sum();
        assert_eq!(mentions, n.spans.len(), "{}", n.text);
        for s in &sents {
            assert_eq!(s.tokens.len(), s.tags.len());
            for w in s.tags.windows(2) {
                if let Some(k) = w[1].strip_prefix("I-") {
                    assert!(w[0].ends_with(k), "{:?}", s);
                }
            }
        }
    }
}

#[test]
fn deterministic_held_out_names_and_bad_config() {
    let cfg = PhiConfig::default();
    let a = generate_notes(&cfg, TemplateSplit::Train, 20, 9).unwrap();
    assert_eq!(
        a,
        generate_notes(&cfg, TemplateSplit::Train, 20, 9).unwrap()
    );
    assert_ne!(
        a,
        generate_notes(&cfg, TemplateSplit::Train, 20, 10).unwrap()
    );
    let held: Vec<&str> = ["Bartholomew", "Vandermeer", "Szczepanski", "Oyelaran"].to_vec();
    let train_text: String = generate_notes(&cfg, TemplateSplit::Train, 300, 1)
        .unwrap()
        .into_iter()
        .map(|n| n.text)
        .collect();
    assert!(held
        .iter()
        .all(|h| !train_text.to_lowercase().contains(&h.to_lowercase())));
    let test_text: String = generate_notes(&cfg, TemplateSplit::Test, 300, 1)
        .unwrap()
        .into_iter()
        .map(|n| n.text)
        .collect();
    assert!(
        values::FIRST_HELD_OUT_FOR_TESTS
            .iter()
            .chain(values::LAST_HELD_OUT_FOR_TESTS)
            .filter(|h| test_text.contains(*h))
            .count()
            >= 10
    );
    let bad = PhiConfig {
        typo_rate: 1.5,
        ..Default::default()
    };
    assert!(generate(&bad, TemplateSplit::Train, 1, 0).is_err());
    let bad = PhiConfig {
        sentences_per_note: (3, 2),
        ..Default::default()
    };
    assert!(generate(&bad, TemplateSplit::Train, 1, 0).is_err());
}
