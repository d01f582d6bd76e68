//! `convnet-efficiency`'s report and plots: the per-model table, the roofline with each model
//! as a point, the efficiency gaps and the waterline beside the measured latency, and every
//! model's layers as CSV.

use std::path::Path;

use super::{EfficiencyConfig, EfficiencyMetrics};
use crate::profile::ProfileFile;
use crate::report::plots::{Axis, BarChart, LinePlot, Series};
use crate::report::{fmt_num, Report};
use crate::Result;

/// Write `report.md`, `roofline.png`, `efficiency_gap.png`, `waterline.png` and `layers.csv`
/// into `out`.
pub(super) fn write(
    out: &Path,
    cfg: &EfficiencyConfig,
    m: &EfficiencyMetrics,
    files: &[ProfileFile],
) -> Result<()> {
    plots(out, m)?;
    layers_csv(out, files)?;
    report(cfg, m).write(&out.join("report.md"))
}

fn log10(x: f64) -> f64 {
    x.max(1e-30).log10()
}

fn plots(out: &Path, m: &EfficiencyMetrics) -> Result<()> {
    if m.models.is_empty() {
        return Ok(());
    }
    let roof = &m.roofline;
    // The roofline over the models' range of intensities (and the ridge).
    let lo = m
        .models
        .iter()
        .map(|r| r.intensity)
        .filter(|&x| x > 0.0)
        .fold(roof.ridge(), f64::min)
        / 2.0;
    let hi = m
        .models
        .iter()
        .map(|r| r.intensity)
        .fold(roof.ridge(), f64::max)
        * 2.0;
    let line: Vec<(f64, f64)> = (0..=40)
        .map(|i| {
            let ai = 10f64.powf(log10(lo) + (log10(hi) - log10(lo)) * i as f64 / 40.0);
            (log10(ai), log10(roof.attainable(ai) / 1e9))
        })
        .collect();
    let mut series = vec![Series::new("roofline (measured)", line)];
    for r in &m.models {
        series.push(Series::new(
            &r.kind,
            vec![(log10(r.intensity), log10(r.efficiency.achieved_flops / 1e9))],
        ));
    }
    LinePlot::new(
        "Roofline: each model's achieved throughput (batch 1) under the measured roofline",
        Axis::new("log10 arithmetic intensity").unit("FLOP/byte"),
        Axis::new("log10 throughput").unit("GFLOP/s"),
    )
    .series(series)
    .render(&out.join("roofline.png"))?;

    let labels: Vec<String> = m.models.iter().map(|r| r.kind.clone()).collect();
    let gaps: Vec<f64> = m.models.iter().map(|r| log10(r.efficiency.gap)).collect();
    BarChart::new(
        "Efficiency gap: measured latency over the time the FLOPs need at peak",
        Axis::new("log10 gap").unit("×"),
    )
    .bars(&labels, &gaps)
    .x_axis(Axis::new("model kind"))
    .render(&out.join("efficiency_gap.png"))?;

    let ms = |f: &dyn Fn(&super::ModelRow) -> f64| -> Vec<f64> {
        m.models.iter().map(|r| log10(f(r))).collect()
    };
    BarChart::new(
        "Waterline analysis: time at peak, waterline (Σ layer roofline bounds), measured",
        Axis::new("log10 time").unit("ms"),
    )
    .groups(&labels)
    .series("time at peak", &ms(&|r| r.efficiency.time_at_peak_s * 1e3))
    .series("waterline", &ms(&|r| r.efficiency.waterline_s * 1e3))
    .series("measured", &ms(&|r| r.latency_ms))
    .x_axis(Axis::new("model kind"))
    .render(&out.join("waterline.png"))
}

fn layers_csv(out: &Path, files: &[ProfileFile]) -> Result<()> {
    let header = [
        "binary",
        "kind",
        "layer",
        "op",
        "output",
        "macs",
        "flops",
        "params",
        "bytes_read",
        "bytes_written",
        "intensity",
    ];
    let mut rows = Vec::new();
    for f in files {
        for m in &f.models {
            for l in &m.layers {
                rows.push(vec![
                    f.binary.clone(),
                    m.kind.clone(),
                    l.name.clone(),
                    l.op.clone(),
                    format!("{:?}", l.output),
                    l.macs.to_string(),
                    l.flops.to_string(),
                    l.params.to_string(),
                    l.bytes_read.to_string(),
                    l.bytes_written.to_string(),
                    fmt_num(l.intensity()),
                ]);
            }
        }
    }
    crate::fsutil::write_csv(&out.join("layers.csv"), &header, &rows)
}

fn report(cfg: &EfficiencyConfig, m: &EfficiencyMetrics) -> Report {
    let roof = &m.roofline;
    let mut r = Report::new("convnet-efficiency: efficiency gap and waterline of every model");
    r.para(
        "Andrew Lavin, \"On the Efficiency of Convolutional Neural Networks\" (2024): latency = \
         operations / (computational efficiency × peak throughput). Every registered model \
         kind ran its example input (batch 1, fresh weights, evaluation mode, no gradients); \
         core's cost counter recorded each layer's MACs, FLOPs, parameters and bytes from that \
         traced forward pass, and the forward pass was then timed.",
    );
    r.heading(2, "Machine (measured)");
    r.key_values(&[
        ("device", roof.device.clone()),
        ("threads", roof.threads.to_string()),
        (
            "peak (matrix product)",
            format!(
                "{} GFLOP/s at n = {}",
                fmt_num(roof.peak_flops / 1e9),
                roof.peak_size
            ),
        ),
        (
            "bandwidth (copy)",
            format!("{} GB/s", fmt_num(roof.bandwidth / 1e9)),
        ),
        (
            "ridge point",
            format!("{} FLOP/byte", fmt_num(roof.ridge())),
        ),
        ("profiles read", m.binaries.join(", ")),
    ]);
    r.heading(2, "Models");
    let rows: Vec<Vec<String>> = m
        .models
        .iter()
        .map(|x| {
            let e = &x.efficiency;
            vec![
                x.kind.clone(),
                x.params.to_string(),
                fmt_num(x.macs as f64),
                fmt_num(x.activation_bytes as f64 / 1024.0),
                fmt_num(x.intensity),
                fmt_num(x.latency_ms),
                fmt_num(e.time_at_peak_s * 1e3),
                fmt_num(e.waterline_s * 1e3),
                fmt_num(e.gap),
                fmt_num(e.waterline_gap),
                format!("{:.0}%", 100.0 * e.memory_bound_share),
            ]
        })
        .collect();
    r.table(
        &[
            "kind",
            "params",
            "MACs",
            "activations (KiB)",
            "FLOP/byte",
            "measured (ms)",
            "at peak (ms)",
            "waterline (ms)",
            "gap (×)",
            "over waterline (×)",
            "memory-bound share",
        ],
        &rows,
    );
    if !m.skipped.is_empty() {
        r.para(&format!(
            "Kinds without an example input (not profiled): {}.",
            m.skipped.join(", ")
        ));
    }
    r.heading(2, "Reading it");
    r.bullet(&[
        "gap = measured latency / (FLOPs / peak): how far a model runs from the machine's \
         matrix-product peak; the paper's efficiency gap."
            .into(),
        "waterline = Σ over layers of max(FLOPs/peak, bytes/bandwidth): the least time the \
         model's kernels, run one after another and each at the roofline, could take. \
         'over waterline' is the part no roofline explains (dispatch and framework overhead, \
         small-kernel inefficiency); the memory-bound share is the part of the waterline spent \
         in layers below the ridge point."
            .into(),
        "Plots: roofline.png (each model at its intensity and achieved throughput under the \
         measured roofline), efficiency_gap.png, waterline.png; every layer's counts in \
         layers.csv."
            .into(),
    ]);
    r.heading(2, "What differs from the paper");
    r.bullet(&[
        "The paper measures ImageNet convnets (ConvNeXt, EfficientNet, its ConvFirst with \
         block-fusion kernels, about 4× faster than ConvNeXt) on a GPU; these are the \
         workspace's small models at batch 1 on a CPU, where per-kernel overhead dominates and \
         gaps are far larger. No numbers of the paper are comparable one to one, so none are \
         set beside ours."
            .into(),
        format!(
            "Timings: median of at least 5 runs and {} s per model (core kinds here; the \
             domain binaries used their own `--seconds`), with {} libtorch thread(s).",
            fmt_num(cfg.seconds),
            cfg.threads
        ),
        "Counting conventions (core::profile::counter): MAC = multiply + add, FLOPs = 2 × MACs \
         plus bias, normalisation, activation, pooling and softmax work; fvcore counts one MAC \
         as one flop. Bytes assume each tensor moves once (no caches), so the waterline is a \
         bound, not a prediction. Layers a model computes without reporting (e.g. the \
         simulated quantum circuits, element-wise residual additions) are not counted: \
         `params` (whole model) beside the recorded layers' parameters shows what is missing."
            .into(),
        "The graph model ran on a Cora-sized random graph (2,708 nodes, 1,433 features); its \
         cost depends only on the sizes and the number of edges."
            .into(),
    ]);
    r
}
