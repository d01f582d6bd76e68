//! The published numbers of van de Ven & Tolias, "Three scenarios for continual learning"
//! (arXiv 1904.07734, v4, Tables 4 and 5): average test accuracy (%) over all tasks after the
//! last one, mean over 20 runs, with its standard error. Written down from memory of the paper and not
//! re-checked against its PDF here (the report says so); the
//! paper has no experience-replay-with-reservoir or A-GEM row (its replay rows are DGR and
//! iCaRL, which are not run here).

use crate::continual::Scenario;

/// A method and its (accuracy, SEM) under [Task-IL, Domain-IL, Class-IL]; `None`: not reported.
type Row = (&'static str, [Option<(f64, f64)>; 3]);

/// Split MNIST (Table 4).
const SPLIT: [Row; 6] = [
    (
        "fine-tune",
        [
            Some((87.19, 0.94)),
            Some((59.21, 2.04)),
            Some((19.90, 0.02)),
        ],
    ),
    (
        "joint",
        [
            Some((99.66, 0.02)),
            Some((98.42, 0.06)),
            Some((97.94, 0.03)),
        ],
    ),
    (
        "ewc",
        [
            Some((98.64, 0.22)),
            Some((63.95, 1.90)),
            Some((20.01, 0.06)),
        ],
    ),
    (
        "online-ewc",
        [
            Some((99.12, 0.11)),
            Some((64.32, 1.90)),
            Some((19.96, 0.07)),
        ],
    ),
    (
        "si",
        [
            Some((99.09, 0.15)),
            Some((65.36, 1.57)),
            Some((19.99, 0.06)),
        ],
    ),
    (
        "lwf",
        [
            Some((99.57, 0.02)),
            Some((71.50, 1.63)),
            Some((23.85, 0.44)),
        ],
    ),
];

/// The same for permuted MNIST (10 tasks).
const PERMUTED: [Row; 6] = [
    (
        "fine-tune",
        [
            Some((81.79, 0.48)),
            Some((78.51, 0.24)),
            Some((17.26, 0.19)),
        ],
    ),
    (
        "joint",
        [
            Some((97.68, 0.01)),
            Some((97.59, 0.01)),
            Some((97.59, 0.02)),
        ],
    ),
    (
        "ewc",
        [
            Some((94.74, 0.05)),
            Some((94.31, 0.11)),
            Some((25.04, 0.50)),
        ],
    ),
    (
        "online-ewc",
        [
            Some((95.96, 0.06)),
            Some((94.42, 0.13)),
            Some((33.88, 0.49)),
        ],
    ),
    (
        "si",
        [
            Some((94.75, 0.14)),
            Some((95.33, 0.11)),
            Some((29.31, 0.62)),
        ],
    ),
    (
        "lwf",
        [
            Some((69.84, 0.46)),
            Some((72.64, 0.52)),
            Some((22.64, 0.23)),
        ],
    ),
];

/// The paper's best replay numbers (DGR + distillation), as the reference for replay rows.
pub const DGR_DISTILL_SPLIT: [f64; 3] = [99.61, 96.83, 91.79];
/// See [`DGR_DISTILL_SPLIT`].
pub const DGR_DISTILL_PERMUTED: [f64; 3] = [97.51, 97.35, 96.38];

fn column(s: Scenario) -> usize {
    match s {
        Scenario::TaskIl => 0,
        Scenario::DomainIl => 1,
        Scenario::ClassIl => 2,
    }
}

/// The published accuracy (%, ± SEM) of `strategy` on `protocol` (`split-mnist` or
/// `permuted-mnist`) under `scenario`.
pub fn published(protocol: &str, scenario: Scenario, strategy: &str) -> Option<(f64, f64)> {
    let table = match protocol {
        "split-mnist" => &SPLIT,
        "permuted-mnist" => &PERMUTED,
        _ => return None,
    };
    table
        .iter()
        .find(|(m, _)| *m == strategy)
        .and_then(|(_, v)| v[column(scenario)])
}

/// The paper's DGR+distill accuracy (%) for `protocol` under `scenario`.
pub fn generative_replay(protocol: &str, scenario: Scenario) -> Option<f64> {
    match protocol {
        "split-mnist" => Some(DGR_DISTILL_SPLIT[column(scenario)]),
        "permuted-mnist" => Some(DGR_DISTILL_PERMUTED[column(scenario)]),
        _ => None,
    }
}
