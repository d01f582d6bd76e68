//! The consensus-subnet report: accuracy against sparsity for gates and magnitude pruning,
//! the gate-value histograms, training cost, the goal, and what differs from the paper.

use std::path::{Path, PathBuf};

use super::run::{granularity_name, Arm, TaskResult};
use super::{ConsensusConfig, ConsensusMetrics, PAPER_LOSS, PAPER_SPARSITY};
use crate::prune::gates::Granularity;
use crate::report::plots::{Axis, BarChart, LinePlot, RefLine, Series};
use crate::report::{fmt_num, Report};
use crate::Result;

fn points(t: &TaskResult, method: &str, g: Granularity) -> Vec<(f64, f64)> {
    let mut v = vec![(0.0, t.dense.accuracy)];
    let mut arms: Vec<&Arm> = t
        .arms
        .iter()
        .filter(|a| a.method == method && a.granularity == Some(g))
        .collect();
    arms.sort_by(|a, b| a.sparsity.total_cmp(&b.sparsity));
    v.extend(arms.iter().map(|a| (100.0 * a.sparsity, a.accuracy)));
    v
}

/// Accuracy against the sparsity reached, per method and granularity (from the dense model at 0).
pub fn plot_accuracy(t: &TaskResult, cfg: &ConsensusConfig, path: &Path) -> Result<()> {
    let mut series = Vec::new();
    for &g in &cfg.granularities {
        let n = granularity_name(g);
        series.push(Series::new(
            &format!("gated one pass ({n})"),
            points(t, "gated", g),
        ));
        series.push(Series::new(
            &format!("magnitude + fine-tune ({n})"),
            points(t, "magnitude", g),
        ));
    }
    LinePlot::new(
        &format!(
            "{}: accuracy vs sparsity, gates vs magnitude pruning",
            t.task
        ),
        Axis::new("connections removed in the pruned layers").unit("%"),
        Axis::new("test accuracy").unit("%"),
    )
    .series(series)
    .reference(RefLine::new("dense", t.dense.accuracy))
    .render(path)
}

/// The gate probabilities σ(s) at the end of training, as a fraction of the gates per bin.
pub fn plot_histogram(t: &TaskResult, path: &Path) -> Result<()> {
    let labels: Vec<String> = (0..10)
        .map(|i| format!("{:.1}-{:.1}", i as f64 / 10.0, (i + 1) as f64 / 10.0))
        .collect();
    let mut chart = BarChart::new(
        &format!(
            "{}: gate probabilities after training (start: all at σ(init))",
            t.task
        ),
        Axis::new("share of the gates").unit("%"),
    )
    .groups(&labels)
    .x_axis(Axis::new("gate probability σ(s)"));
    for h in &t.histograms {
        let n: usize = h.counts.iter().sum::<usize>().max(1);
        let v: Vec<f64> = h
            .counts
            .iter()
            .map(|c| 100.0 * *c as f64 / n as f64)
            .collect();
        chart = chart.series(
            &format!(
                "{} gates, target {:.0} %",
                granularity_name(h.granularity),
                100.0 * h.target
            ),
            &v,
        );
    }
    chart.render(path)
}

fn row(a: &Arm) -> Vec<String> {
    vec![
        a.method.clone(),
        a.granularity
            .map_or("-".into(), |g| granularity_name(g).into()),
        format!("{:.0} %", 100.0 * a.target),
        format!("{:.1} %", 100.0 * a.sparsity),
        fmt_num(a.accuracy),
        format!("{:.1}", a.seconds),
        a.epochs.to_string(),
        a.steps.to_string(),
        a.nonzeros.to_string(),
    ]
}

/// Write the plots and `report.md` into `out`.
pub fn write(
    cfg: &ConsensusConfig,
    m: &ConsensusMetrics,
    provenance: &[PathBuf],
    out: &Path,
) -> Result<()> {
    let mut r = Report::new(
        "Consensus sub-network: polarized binary gates vs magnitude pruning (Zhi et al. 2023)",
    );
    r.para(
        "Paper: *Learning a Consensus Sub-Network with Polarization Regularization and One Pass \
         Training* (Zhi, Babbar, Liu, Sun, Silavong, Shi & Moran, arXiv:2302.10798). Claim: \
         binary gates learnt with the network under a polarizing loss find a static sub-network \
         of user-defined sparsity in one training pass; on CIFAR-10/100 (ResNets) it removes \
         50 % of the connections with < 1 % accuracy loss.",
    );
    r.para(&format!(
        "What ran: per task a dense CNN; the same CNN with binary gates (straight-through \
         estimator, polarization regulariser α = {}, β = {} per layer, gate SGD lr {} for \
         connections and {} for channels, gates starting open at logit {}) at target \
         sparsities {}, per output channel/neuron ({}) and per \
         connection ({}); and magnitude pruning of the same layers at the sparsity the gates \
         reached (L1 channel pruning per layer / global unstructured), one shot at {:.0} % of \
         the steps and fine-tuned for the rest. Every arm trains for the same epochs (Adam, \
         same learning rate and batches); wall time is on one CPU thread.",
        cfg.gates.alpha,
        cfg.gates.beta,
        cfg.gates.gate_lr,
        cfg.channel_gate_lr,
        cfg.gates.init_logit,
        cfg.sparsities
            .iter()
            .map(|s| format!("{:.0} %", 100.0 * s))
            .collect::<Vec<_>>()
            .join(", "),
        cfg.channel_layers,
        cfg.connection_layers,
        100.0 * cfg.magnitude_prune_at
    ));
    for t in &m.tasks {
        r.heading(2, &t.task);
        let rows: Vec<Vec<String>> = std::iter::once(&t.dense).chain(&t.arms).map(row).collect();
        r.table(
            &[
                "method",
                "gates",
                "target",
                "sparsity reached",
                "accuracy (%)",
                "train time (s)",
                "epochs",
                "steps",
                "non-zeros",
            ],
            &rows,
        );
        let acc = format!("{}_accuracy.png", t.task);
        plot_accuracy(t, cfg, &out.join(&acc))?;
        r.image("accuracy vs sparsity", &acc);
        let hist = format!("{}_gates.png", t.task);
        plot_histogram(t, &out.join(&hist))?;
        r.image("gate probabilities", &hist);
        let pol: Vec<String> = t
            .histograms
            .iter()
            .map(|h| {
                format!(
                    "{} {:.0} %: {:.1} % of gates below 0.1 or above 0.9",
                    granularity_name(h.granularity),
                    100.0 * h.target,
                    100.0 * h.polarized
                )
            })
            .collect();
        r.bullet(&pol);
    }
    r.heading(2, "Goal: −50 % connections with < 1 point lost");
    let mut rows = vec![vec![
        "paper (CIFAR-10/100, ResNet)".to_string(),
        "channels/layers".into(),
        format!("{:.0} %", 100.0 * PAPER_SPARSITY),
        format!("< {PAPER_LOSS}"),
        "-".into(),
        "-".into(),
    ]];
    for g in &m.goal {
        rows.push(vec![
            g.task.clone(),
            granularity_name(g.granularity).into(),
            format!("{:.1} %", 100.0 * g.sparsity_reached),
            fmt_num(g.loss_vs_dense),
            format!("{} vs magnitude {}", fmt_num(g.gated), fmt_num(g.magnitude)),
            if g.met { "met" } else { "not met" }.into(),
        ]);
    }
    r.table(
        &[
            "run",
            "gates",
            "sparsity",
            "points lost vs dense",
            "gated vs magnitude (%)",
            "goal",
        ],
        &rows,
    );
    if m.goal.is_empty() {
        r.para("Not checked: this run had no 50 % target.");
    }
    r.heading(2, "What differs from the paper");
    r.bullet(&[
        "No CIFAR-10 in the data directory: small 3×3 CNNs (global average pooling, core's \
         `cnn` model) on MNIST and Fashion-MNIST stand in for the paper's ResNets."
            .into(),
        "The paper's code is not public. The regulariser here is α(p̄ − ρ)² − β·Σnᵢ|pᵢ − p̄|/N \
         on the gate probabilities (the polarization term of Zhuang et al. 2020 plus a term \
         holding the connection-weighted mean at the target); its weights and the gate \
         learning rate are ours (config.json)."
            .into(),
        "Gates are attached by reparametrising the weights (variable = master ⊙ gate), which \
         equals gating the channel's output; channel gates also scale the bias."
            .into(),
        "Sparsity is counted over the gated layers' weights; a removed channel also makes the \
         next layer's matching inputs dead, which the physical export removes but these counts \
         do not include."
            .into(),
        "Training cost: the gated arm trains once; magnitude pruning trains dense, prunes and \
         fine-tunes within the same epochs, so the budgets are equal by construction; wall \
         times show the gates' overhead per step."
            .into(),
        "Magnitude pruning copies the sparsity the gates reached; where the gates closed \
         (nearly) everything, so does it, and both arms sit at chance."
            .into(),
        "One seed, short CPU budgets; differences of a few tenths of a point are noise.".into(),
    ]);
    for p in provenance {
        r.provenance(p);
    }
    r.write(&out.join("report.md"))
}
