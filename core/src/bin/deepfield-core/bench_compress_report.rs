//! The numbers of `bench-compress`: per thread count the latencies and throughputs of both
//! sides, the agreement of the outputs, the printed table with ratios and targets, and
//! `results.json` / `report.md`.

use std::path::Path;

use serde::Serialize;

use deepfield_core::tch::{Kind, Tensor};
use deepfield_core::{Error, Forward, Result};

use super::Models;

/// Issue 15's targets.
const INT8_TARGET: f64 = 1.5;
const ATTACK_TARGET: f64 = 1.0;

/// One model at one thread count (seconds per batch).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub model: String,
    pub fp32_s: f64,
    pub int8_s: f64,
    pub torch_fp32_s: f64,
    /// torch.ao dynamic quantization (none for the CNN: torch.ao's dynamic mode leaves
    /// convolutions in `f32`).
    pub torch_ao_s: Option<f64>,
    /// fp32_s / int8_s.
    pub int8_speedup: f64,
    /// torch_ao_s / int8_s (> 1: deepfield's int8 is faster).
    pub vs_torch_ao: Option<f64>,
}

/// Everything measured at one thread count.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadRun {
    pub threads: usize,
    pub rows: Vec<Row>,
    pub pgd_images_per_s: f64,
    pub torchattacks_images_per_s: f64,
    /// ours / torchattacks.
    pub pgd_ratio: f64,
}

fn num(v: &serde_json::Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_f64()
}

impl ThreadRun {
    /// From deepfield's `(model, f32 s, int8 s)` rows, its PGD images/s and the twin's JSON.
    pub fn new(
        threads: usize,
        ours: &[(String, f64, f64)],
        pgd: f64,
        twin: &serde_json::Value,
    ) -> Result<Self> {
        let missing =
            |what: String| Error::config(format!("bench_compress.py: no `{what}` in its output"));
        let rows = ours
            .iter()
            .map(|(model, fp32_s, int8_s)| {
                let torch_fp32_s = num(twin, &["latency", model, "fp32"])
                    .ok_or_else(|| missing(format!("latency.{model}.fp32")))?;
                let torch_ao_s = num(twin, &["latency", model, "ao"]);
                Ok(Row {
                    model: model.clone(),
                    fp32_s: *fp32_s,
                    int8_s: *int8_s,
                    torch_fp32_s,
                    torch_ao_s,
                    int8_speedup: fp32_s / int8_s,
                    vs_torch_ao: torch_ao_s.map(|a| a / int8_s),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let theirs =
            num(twin, &["pgd_images_per_s"]).ok_or_else(|| missing("pgd_images_per_s".into()))?;
        Ok(ThreadRun {
            threads,
            rows,
            pgd_images_per_s: pgd,
            torchattacks_images_per_s: theirs,
            pgd_ratio: pgd / theirs,
        })
    }
}

/// How far one output is from a reference.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Agreement {
    /// max |a − b| / max |b|.
    pub rel_max_err: f64,
    /// Fraction of rows with the same arg-max.
    pub top1: f64,
}

impl Agreement {
    /// `a` against the reference `b` (both `[N, classes]`).
    pub fn of(a: &Tensor, b: &Tensor) -> Self {
        let rel_max_err = (a - b).abs().max().double_value(&[])
            / b.abs().max().double_value(&[]).max(f64::MIN_POSITIVE);
        let top1 = a
            .argmax(-1, false)
            .eq_tensor(&b.argmax(-1, false))
            .to_kind(Kind::Float)
            .mean(Kind::Float)
            .double_value(&[]);
        Agreement { rel_max_err, top1 }
    }
}

/// Output agreement of one model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelAgreement {
    pub model: String,
    /// deepfield int8 vs deepfield f32.
    pub int8_vs_fp32: Agreement,
    /// PyTorch f32 vs deepfield f32 (the export round trip).
    pub torch_fp32_vs_fp32: Agreement,
    /// torch.ao int8 vs deepfield f32, and deepfield int8 vs torch.ao int8.
    pub torch_ao_vs_fp32: Option<Agreement>,
    pub int8_vs_torch_ao: Option<Agreement>,
}

/// All agreements.
#[derive(Debug, Clone, Serialize)]
pub struct Agreements {
    pub models: Vec<ModelAgreement>,
    /// MNIST test accuracy of the MLP: deepfield f32, deepfield int8, torch.ao int8.
    pub mlp_accuracy_fp32: f64,
    pub mlp_accuracy_int8: f64,
    pub mlp_accuracy_torch_ao: f64,
    /// Fraction of adversarial-example elements within 1e-5 of torchattacks'.
    pub pgd_elements_equal: f64,
    /// Accuracy on PGD examples against the CNN's clean predictions: ours, torchattacks'.
    pub pgd_accuracy: f64,
    pub torchattacks_accuracy: f64,
}

fn accuracy(logits: &Tensor, y: &Tensor) -> f64 {
    logits
        .argmax(-1, false)
        .eq_tensor(y)
        .to_kind(Kind::Float)
        .mean(Kind::Float)
        .double_value(&[])
}

/// Compare deepfield's outputs with the twin's (`outputs.safetensors`).
pub fn agreement(m: &Models, twin: &[(String, Tensor)]) -> Result<Agreements> {
    let get = |k: &str| {
        twin.iter()
            .find(|(n, _)| n == k)
            .map(|(_, t)| t.shallow_clone())
            .ok_or_else(|| Error::config(format!("bench_compress.py wrote no `{k}`")))
    };
    let mut models = Vec::new();
    for (name, fp, q) in m.outputs()? {
        let ao = get(&format!("{name}.ao")).ok();
        models.push(ModelAgreement {
            model: name.to_string(),
            int8_vs_fp32: Agreement::of(&q, &fp),
            torch_fp32_vs_fp32: Agreement::of(&get(&format!("{name}.fp32"))?, &fp),
            torch_ao_vs_fp32: ao.as_ref().map(|a| Agreement::of(a, &fp)),
            int8_vs_torch_ao: ao.as_ref().map(|a| Agreement::of(&q, a)),
        });
    }
    let (fp, q) = deepfield_core::tch::no_grad(|| -> Result<(Tensor, Tensor)> {
        Ok((
            m.mlp.try_forward_t(&m.test_x, None, false)?,
            m.q_mlp.forward(&m.test_x)?,
        ))
    })?;
    let labels = m.attack_labels()?;
    let adv = m.pgd(&labels)?;
    let theirs = get("pgd.adv")?;
    let cnn = |x: &Tensor| deepfield_core::tch::no_grad(|| m.cnn.try_forward_t(x, None, false));
    Ok(Agreements {
        models,
        mlp_accuracy_fp32: accuracy(&fp, &m.test_y),
        mlp_accuracy_int8: accuracy(&q, &m.test_y),
        mlp_accuracy_torch_ao: accuracy(&get("mlp.test_ao")?, &m.test_y),
        pgd_elements_equal: (&adv - &theirs)
            .abs()
            .le(1e-5)
            .to_kind(Kind::Float)
            .mean(Kind::Float)
            .double_value(&[]),
        pgd_accuracy: accuracy(&cnn(&adv)?, &labels),
        torchattacks_accuracy: accuracy(&cnn(&theirs)?, &labels),
    })
}

fn ms(s: f64) -> String {
    format!("{:.3}", s * 1e3)
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "—".to_string(), f)
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

/// The tables as Markdown (also what is printed).
pub fn markdown(runs: &[ThreadRun], a: &Agreements) -> String {
    let mut s = String::new();
    s.push_str("| threads | model | f32 ms | int8 ms | int8 speed-up (target ≥ 1.5×) | torch f32 ms | torch.ao int8 ms | ours int8 vs torch.ao |\n");
    s.push_str("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for r in runs {
        for row in &r.rows {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {:.2}× ({}) | {} | {} | {} |\n",
                r.threads,
                row.model,
                ms(row.fp32_s),
                ms(row.int8_s),
                row.int8_speedup,
                met(row.int8_speedup >= INT8_TARGET),
                ms(row.torch_fp32_s),
                opt(row.torch_ao_s, ms),
                opt(row.vs_torch_ao, |v| format!("{v:.2}×")),
            ));
        }
    }
    s.push_str("\n| threads | PGD-10 ours img/s | torchattacks img/s | ratio (target ≥ 1.0×) |\n");
    s.push_str("| --- | --- | --- | --- |\n");
    for r in runs {
        s.push_str(&format!(
            "| {} | {:.1} | {:.1} | {:.2}× ({}) |\n",
            r.threads,
            r.pgd_images_per_s,
            r.torchattacks_images_per_s,
            r.pgd_ratio,
            met(r.pgd_ratio >= ATTACK_TARGET)
        ));
    }
    s.push_str("\n| model | int8 vs f32: rel. max err, top-1 | torch f32 vs ours | torch.ao vs f32 | ours int8 vs torch.ao |\n");
    s.push_str("| --- | --- | --- | --- | --- |\n");
    let ag = |g: &Agreement| format!("{:.4}, {:.3}", g.rel_max_err, g.top1);
    for m in &a.models {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            m.model,
            ag(&m.int8_vs_fp32),
            ag(&m.torch_fp32_vs_fp32),
            m.torch_ao_vs_fp32.as_ref().map_or("—".into(), ag),
            m.int8_vs_torch_ao.as_ref().map_or("—".into(), ag),
        ));
    }
    s.push_str(&format!(
        "\nMLP MNIST test accuracy: f32 {:.4}, deepfield int8 {:.4}, torch.ao int8 {:.4}.\n\
         PGD-10 examples: {:.4} of the elements within 1e-5 of torchattacks'; accuracy against \
         the clean predictions {:.4} (ours) vs {:.4} (torchattacks).\n",
        a.mlp_accuracy_fp32,
        a.mlp_accuracy_int8,
        a.mlp_accuracy_torch_ao,
        a.pgd_elements_equal,
        a.pgd_accuracy,
        a.torchattacks_accuracy
    ));
    s
}

/// Print the tables and one `ratio` line per comparison.
pub fn print(runs: &[ThreadRun], a: &Agreements) {
    println!("\n{}", markdown(runs, a));
    for r in runs {
        for row in &r.rows {
            println!(
                "ratio int8/f32 {} threads={} {:.2} (target {INT8_TARGET}: {})",
                row.model,
                r.threads,
                row.int8_speedup,
                met(row.int8_speedup >= INT8_TARGET)
            );
        }
        println!(
            "ratio pgd/torchattacks threads={} {:.2} (target {ATTACK_TARGET}: {})",
            r.threads,
            r.pgd_ratio,
            met(r.pgd_ratio >= ATTACK_TARGET)
        );
    }
}

/// `results.json` and `report.md` in `out`.
pub fn write(out: &Path, runs: &[ThreadRun], a: &Agreements) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let json = serde_json::json!({
        "machine": machine(),
        "targets": {"int8_speedup": INT8_TARGET, "attack_ratio": ATTACK_TARGET},
        "runs": runs,
        "agreement": a,
    });
    deepfield_core::fsutil::write_json(&out.join("results.json"), &json)?;
    let md = format!(
        "# bench-compress\n\n`cargo xtask bench compress` on {}. Latency: median per batch \
         (MLP and CNN: 64 MNIST digits; LSTM: 32 sequences of 50 steps); MLP and CNN trained one epoch \
         on 10k MNIST digits, the LSTM at its initial weights; PGD-10 L∞ ε = 8/255, step \
         2/255, no random start, on the CNN's own predictions.\n\n{}",
        machine(),
        markdown(runs, a)
    );
    deepfield_core::fsutil::write_atomic(&out.join("report.md"), md.as_bytes())?;
    println!("results written to {}", out.display());
    Ok(())
}

/// The CPU model and logical CPUs.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {n} logical CPUs")
}
