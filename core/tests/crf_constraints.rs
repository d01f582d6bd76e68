//! The CRF's BIO/BIOES transition constraints and its errors on bad input.

use deepfield_core::nn::crf::{CrfConfig, TagConstraint, TagScheme};
use tch::{nn, Kind, Tensor};

fn labels(l: &[&str]) -> Vec<String> {
    l.iter().map(|s| s.to_string()).collect()
}

#[test]
fn bio_constraint_forbids_inside_after_outside_or_other_type() {
    let c = TagConstraint {
        scheme: TagScheme::Bio,
        labels: labels(&["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]),
    };
    assert!(c.allows(&[0, 1, 2, 2, 0, 3, 4]));
    assert!(!c.allows(&[0, 2]), "I-PER after O");
    assert!(!c.allows(&[2]), "I-PER at the start");
    assert!(!c.allows(&[1, 4]), "I-LOC after B-PER");
    let (start, end, trans) = c.penalties();
    assert_eq!(start, vec![0.0, 0.0, -1e4, 0.0, -1e4]);
    assert!(end.iter().all(|&e| e == 0.0));
    let forbidden = trans.iter().filter(|&&t| t < 0.0).count();
    // I-PER from O, B-LOC, I-LOC; I-LOC from O, B-PER, I-PER.
    assert_eq!(forbidden, 6);
}

#[test]
fn bioes_constraint() {
    let c = TagConstraint {
        scheme: TagScheme::Bioes,
        labels: labels(&["O", "B-X", "I-X", "E-X", "S-X"]),
    };
    assert!(c.allows(&[0, 1, 2, 3, 4, 0, 1, 3]));
    assert!(!c.allows(&[1, 0]), "B-X then O");
    assert!(!c.allows(&[0, 1]), "ends inside an entity");
    assert!(!c.allows(&[3]), "starts with E-X");
    assert!(!c.allows(&[4, 2, 3]), "I-X after S-X");
}

#[test]
fn constrained_decoding_gives_valid_paths_and_bad_input_is_an_error() {
    tch::manual_seed(3);
    let vs = nn::VarStore::new(tch::Device::Cpu);
    let l = labels(&["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]);
    let crf = CrfConfig::constrained(TagScheme::Bio, l.clone())
        .init(&vs.root())
        .unwrap();
    let _g = tch::no_grad_guard();
    // Emissions that favour I- tags everywhere.
    let em = Tensor::randn([6, 9, 5], (Kind::Float, tch::Device::Cpu));
    let bias = Tensor::from_slice(&[0f32, 0.0, 3.0, 0.0, 3.0]);
    let em = em + bias;
    let mask = Tensor::arange(9, (Kind::Int64, tch::Device::Cpu))
        .unsqueeze(0)
        .lt_tensor(&Tensor::from_slice(&[9i64, 3, 1, 9, 5, 7]).unsqueeze(1));
    let paths = crf.decode(&em, Some(&mask)).unwrap();
    let c = crf.config().constraint.clone().unwrap();
    assert_eq!(
        paths.iter().map(Vec::len).collect::<Vec<_>>(),
        [9, 3, 1, 9, 5, 7]
    );
    assert!(paths.iter().all(|p| c.allows(p)), "{paths:?}");
    // Unconstrained decoding of the same emissions does take I- tags after O somewhere.
    let free = CrfConfig::new(5).init(&(vs.root() / "free")).unwrap();
    let free_paths = free.decode(&em, Some(&mask)).unwrap();
    assert!(free_paths.iter().any(|p| !c.allows(p)));

    let e = crf.decode(&em.narrow(2, 0, 4), None).unwrap_err();
    assert!(e.to_string().contains("[B, T, 5]"), "{e}");
    let bad = mask
        .ones_like()
        .index_fill(1, &Tensor::from_slice(&[0i64]), 0);
    let e = crf.decode(&em, Some(&bad)).unwrap_err();
    assert!(e.to_string().contains("first time step"), "{e}");
    let tags = Tensor::full([6, 9], 5, (Kind::Int64, tch::Device::Cpu));
    let e = crf.log_likelihood(&em, &tags, None).unwrap_err();
    assert!(e.to_string().contains("0..5"), "{e}");
}
