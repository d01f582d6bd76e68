//! The linear-chain CRF against pytorch-crf 0.7.2 on the same weights.
//!
//! Reference values: `core/tests/fixtures/crf_pytorch_crf.json`, written by
//! `core/tests/fixtures/gen_crf.py` (seeded random weights, emissions, right-padded masks and
//! gold tags; pytorch-crf's per-sequence log-likelihood, its gradients and Viterbi paths).
//! Tolerance: float32 arithmetic in a different order, so 1e-4 relative (+1e-5 absolute) on
//! log-likelihoods and gradients; paths must be identical.

use deepfield_core::nn::crf::CrfConfig;
use serde::Deserialize;
use tch::{nn, Device, Kind, Tensor};

#[derive(Deserialize)]
struct Case {
    tags: i64,
    start: Vec<f32>,
    end: Vec<f32>,
    transitions: Vec<Vec<f32>>,
    emissions: Vec<Vec<Vec<f32>>>,
    gold: Vec<Vec<i64>>,
    mask: Vec<Vec<bool>>,
    log_likelihood: Vec<f32>,
    grad_start: Vec<f32>,
    grad_end: Vec<f32>,
    grad_transitions: Vec<Vec<f32>>,
    grad_emissions: Vec<Vec<Vec<f32>>>,
    paths: Vec<Vec<i64>>,
}

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

fn flat2(v: &[Vec<f32>]) -> Tensor {
    let cols = v[0].len() as i64;
    Tensor::from_slice(&v.concat()).view([-1, cols])
}

fn flat3(v: &[Vec<Vec<f32>>]) -> Tensor {
    let rows: Vec<Tensor> = v.iter().map(|m| flat2(m)).collect();
    Tensor::stack(&rows, 0)
}

fn close(what: &str, got: &Tensor, want: &Tensor) {
    // A weight that took no part in the loss (transitions of length-1 sequences) has no grad.
    let got = if got.defined() {
        got.shallow_clone()
    } else {
        want.zeros_like()
    };
    let got = &got;
    assert_eq!(got.size(), want.size(), "{what}");
    let diff = (got - want).abs();
    let tol = want.abs() * 1e-4 + 1e-5;
    let bad = diff.gt_tensor(&tol).any().int64_value(&[]);
    assert_eq!(bad, 0, "{what}: got {got:?} want {want:?}");
}

#[test]
fn crf_matches_pytorch_crf() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/crf_pytorch_crf.json"
    ))
    .unwrap();
    let fixture: Fixture = serde_json::from_str(&text).unwrap();
    assert_eq!(fixture.cases.len(), 3);
    for (i, c) in fixture.cases.iter().enumerate() {
        let vs = nn::VarStore::new(Device::Cpu);
        let crf = CrfConfig::new(c.tags).init(&vs.root()).unwrap();
        tch::no_grad(|| {
            crf.start
                .shallow_clone()
                .copy_(&Tensor::from_slice(&c.start));
            crf.end.shallow_clone().copy_(&Tensor::from_slice(&c.end));
            crf.transitions
                .shallow_clone()
                .copy_(&flat2(&c.transitions));
        });
        let emissions = flat3(&c.emissions).set_requires_grad(true);
        let gold = Tensor::stack(
            &c.gold
                .iter()
                .map(|g| Tensor::from_slice(g))
                .collect::<Vec<_>>(),
            0,
        );
        let mask = Tensor::stack(
            &c.mask
                .iter()
                .map(|m| Tensor::from_slice(m))
                .collect::<Vec<_>>(),
            0,
        );
        assert_eq!(mask.kind(), Kind::Bool);
        let llh = crf.log_likelihood(&emissions, &gold, Some(&mask)).unwrap();
        close(
            &format!("case {i} log-likelihood"),
            &llh,
            &Tensor::from_slice(&c.log_likelihood),
        );
        llh.sum(Kind::Float).backward();
        close(
            &format!("case {i} d/d start"),
            &crf.start.grad(),
            &Tensor::from_slice(&c.grad_start),
        );
        close(
            &format!("case {i} d/d end"),
            &crf.end.grad(),
            &Tensor::from_slice(&c.grad_end),
        );
        close(
            &format!("case {i} d/d transitions"),
            &crf.transitions.grad(),
            &flat2(&c.grad_transitions),
        );
        close(
            &format!("case {i} d/d emissions"),
            &emissions.grad(),
            &flat3(&c.grad_emissions),
        );
        let paths = crf.decode(&emissions, Some(&mask)).unwrap();
        assert_eq!(paths, c.paths, "case {i} Viterbi paths");
    }
}
