//! Plots and `report.md` of `spikegpt`.

use deepfield_core::report::plots::{Axis, BarChart, LinePlot, RefLine, Series};
use deepfield_core::report::{fmt_num, Comparison, Report, ResultsDir};
use deepfield_core::spiking::stats::{PJ_PER_MAC, PJ_PER_SOP};

use super::{SpikeGptMetrics, SpikeGptReproConfig};
use crate::Result;

/// `val_bpc.png` (validation BPC vs step, both models, the unigram baseline),
/// `spike_rates.png` (SpikeGPT's spike rate per layer) and `operations.png` (per character).
pub fn write_plots(m: &SpikeGptMetrics, results: &ResultsDir) -> Result<()> {
    let series: Vec<Series> = m
        .models
        .iter()
        .map(|r| {
            Series::new(
                &r.name,
                r.curve.iter().map(|&(s, b)| (s as f64, b)).collect(),
            )
        })
        .collect();
    LinePlot::new(
        "tiny_shakespeare validation bits per character during training",
        Axis::new("optimizer step"),
        Axis::new("validation loss").unit("bits/char"),
    )
    .series(series)
    .reference(RefLine::new("unigram baseline", m.unigram_val_bpc))
    .render(&results.file("val_bpc.png"))?;
    if let Some(s) = m.get("spikegpt") {
        let labels: Vec<String> = s.activity.layers.iter().map(|l| l.name.clone()).collect();
        let rates: Vec<f64> = s.activity.layers.iter().map(|l| l.rate).collect();
        BarChart::new(
            "SpikeGPT spike rate per layer (validation characters)",
            Axis::new("spikes per neuron per character"),
        )
        .bars(&labels, &rates)
        .render(&results.file("spike_rates.png"))?;
        BarChart::new(
            "Operations per character: SpikeGPT vs the non-spiking twin",
            Axis::new("operations per character"),
        )
        .bars(
            &[
                "SpikeGPT synaptic ops (AC)".to_string(),
                "SpikeGPT MACs".to_string(),
                "twin MACs".to_string(),
            ],
            &[
                m.spikegpt_sops_per_char,
                m.spikegpt_macs_per_char,
                m.twin_macs_per_char,
            ],
        )
        .render(&results.file("operations.png"))?;
    }
    Ok(())
}

/// `report.md`.
pub fn write(cfg: &SpikeGptReproConfig, m: &SpikeGptMetrics, results: &ResultsDir) -> Result<()> {
    let mut r = Report::new(
        "spikegpt — a spiking RWKV language model against its non-spiking twin (Zhu et al. 2023)",
    );
    r.para(
        "Zhu, Zhao, Li & Eshraghian, \"SpikeGPT: Generative Pre-trained Language Model with \
         Spiking Neural Networks\" (2023): an RWKV language model whose embedding is binary and \
         whose sub-layer outputs pass through leaky integrate-and-fire neurons that run along the \
         tokens, so that the network communicates with spikes and generates text as a recurrent \
         network. Here SpikeGPT and the same RWKV without neurons (its twin: same parameters) are \
         trained for the same steps on the same character windows of tiny_shakespeare.",
    );
    r.provenance(std::path::Path::new(&m.data));
    r.bullet(&[
        format!(
            "{} characters; the first 90 % ({}) train, the last 10 % ({}) validate; {} scored for \
             the final numbers. Vocabulary: {} entries (`<pad>`, `<unk>` and the training \
             characters).",
            m.characters, m.train_chars, m.val_chars, m.eval_chars, m.vocab_size
        ),
        format!(
            "Baseline: the unigram distribution of the training characters has an entropy of {} \
             bits/char and scores {} bits/char on the validation characters.",
            fmt_num(m.unigram_entropy),
            fmt_num(m.unigram_val_bpc)
        ),
        format!(
            "Models: {} blocks of {} channels (channel-mixing hidden {}), context {}; {} steps of \
             {} windows × {} characters, Adam (β₂ {}), learning rate {} cosine-decayed to {}, \
             gradient clipping at {}, dropout {}.",
            cfg.model.n_layer,
            cfg.model.n_embd,
            cfg.model.hidden(),
            cfg.model.ctx_len,
            cfg.train.epochs * cfg.train.steps_per_epoch,
            cfg.train.batch_size,
            cfg.train.seq_len,
            cfg.train.beta2,
            cfg.train.lr,
            cfg.train.lr_final,
            cfg.train.grad_clip,
            cfg.model.dropout
        ),
    ]);
    r.heading(2, "Results");
    let rows: Vec<Vec<String>> = m
        .models
        .iter()
        .map(|x| {
            vec![
                x.name.clone(),
                x.parameters.to_string(),
                x.steps.to_string(),
                fmt_num(x.val_bpc),
                format!("{:.3}", x.activity.network_rate),
                format!("{:.3}", x.generation.recurrent_ms_per_char),
                format!("{:.3}", x.generation.parallel_ms_per_char),
                format!("{:.1}", x.generation.speedup),
                format!("{:.0}", x.train_seconds),
            ]
        })
        .collect();
    r.table(
        &[
            "model",
            "parameters",
            "steps",
            "validation BPC",
            "spike rate",
            "recurrent ms/char",
            "parallel re-run ms/char",
            "speed-up",
            "train s",
        ],
        &rows,
    );
    r.image("validation BPC vs step", "val_bpc.png");
    r.heading(2, "The issue's goals");
    let yes = |b: bool| if b { "met" } else { "not met" };
    let speedups: Vec<String> = m
        .models
        .iter()
        .map(|x| format!("{} {:.1}×", x.name, x.generation.speedup))
        .collect();
    let mut comps = vec![Comparison::new("SpikeGPT BPC − twin BPC", m.gap_bpc)
        .with_anchor(0.1, "goal: ≤ 0.1")
        .with_note(yes(m.goals.spiking_within_0_1_bpc))];
    if let Some(s) = m.get("spikegpt") {
        comps.push(
            Comparison::new("SpikeGPT validation BPC (tiny_shakespeare)", s.val_bpc).with_anchor(
                m.paper_enwik8_bpc,
                "SpikeGPT 46M on enwik8 (another data set and scale)",
            ),
        );
    }
    r.comparison(&comps);
    r.bullet(&[
        format!(
            "Recurrent generation ≥ 5× faster per character than re-running the parallel form: \
             {} ({}; {} characters after a {}-character prompt, greedy; the two forms produced \
             the same text: {}).",
            yes(m.goals.recurrent_5x_faster),
            speedups.join(", "),
            cfg.speed_chars,
            cfg.prompt.chars().count(),
            m.models
                .iter()
                .map(|x| format!("{} {}", x.name, x.generation.same_text))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "The paper's 1.11 BPC is on enwik8 (100 M characters of Wikipedia XML, byte level) with \
         a 46M-parameter model trained far longer; tiny_shakespeare is a 1.1 M-character corpus \
         and the models here are tiny, so only the gap between the spiking model and its twin \
         carries over."
            .to_string(),
    ]);
    r.heading(2, "Spikes and operations");
    if let Some(s) = m.get("spikegpt") {
        let rows: Vec<Vec<String>> = s.activity.layers.iter().map(|l| l.table_row()).collect();
        r.table(
            &[
                "neurons after",
                "neurons",
                "spikes per neuron per char",
                "spikes per char",
            ],
            &rows,
        );
        r.image("spike rate per layer", "spike_rates.png");
    }
    r.para(&format!(
        "Per character, SpikeGPT does {} synaptic operations (accumulates triggered by a spike \
         arriving at a weight: the channel-mixing value matrices read binary spikes) and {} \
         multiply-accumulates (layers fed by real values: the key, value, receptance and output \
         matrices read layer-normalised real inputs, as in the official model), against {} \
         multiply-accumulates of the twin. With the 45 nm energies used by the SNN literature \
         ({PJ_PER_SOP} pJ per accumulate, {PJ_PER_MAC} pJ per multiply-accumulate) that is {} \
         against {} pJ per character (ratio {}). Only layers whose inputs are actually binary \
         are counted as accumulates here: with layer norms in front of the other matrices, as in \
         the official code, their inputs are real-valued, so this estimate is more conservative \
         than an energy count that treats the whole spiking network as spike-driven.",
        fmt_num(m.spikegpt_sops_per_char),
        fmt_num(m.spikegpt_macs_per_char),
        fmt_num(m.twin_macs_per_char),
        m.get("spikegpt")
            .map(|s| fmt_num(s.activity.energy.energy_pj))
            .unwrap_or_default(),
        m.get("spikegpt")
            .map(|s| fmt_num(s.activity.energy.twin_energy_pj))
            .unwrap_or_default(),
        m.get("spikegpt")
            .map(|s| format!("{:.2}", s.activity.energy.ratio))
            .unwrap_or_default(),
    ));
    r.image("operations per character", "operations.png");
    r.heading(2, "Samples");
    for x in &m.models {
        r.para(&format!(
            "{} (temperature {}, seed {}):",
            x.name, cfg.temperature, cfg.seed
        ));
        r.code("text", &x.sample);
    }
    r.heading(2, "What differs from the paper");
    r.bullet(&[
        format!(
            "Scale and data: models of {} parameters on tiny_shakespeare characters for {} steps \
             (paper: 46M and 216M parameters on enwik8 and OpenWebText2).",
            m.models.first().map(|x| x.parameters).unwrap_or_default(),
            cfg.train.epochs * cfg.train.steps_per_epoch
        ),
        "Channel mixing: spiking neurons replace the squared ReLU of the hidden layer (the \
         paper's spiking receptance feed-forward network, `spiking.spiking_ffn`); the official \
         code's `RWKV_ChannelMix` keeps the squared ReLU."
            .to_string(),
        "The parallel WKV is an exact masked softmax over all token pairs (O(T²) memory) instead \
         of the CUDA kernel; the neurons' reset is detached from the gradient (snntorch) where \
         spikingjelly's default passes a gradient through it; the matrices start from PyTorch's \
         default initialisation, as the official training does when `RWKV_LOAD_MODEL` is unset."
            .to_string(),
        "Learning rate: a higher peak than the paper's 6e-4 (small models, few steps), cosine \
         decay per epoch instead of the paper's per-token exponential decay."
            .to_string(),
    ]);
    r.heading(2, "Files");
    r.bullet(&[
        "`model/`: SpikeGPT (`deepfield-text eval lm --model model FILE` scores a text file, \
         `deepfield-text eval generate --model model --prompt TEXT` samples); `models/rwkv/`: \
         the twin."
            .to_string(),
        "`metrics.json`, `metrics.csv`, `config.json`, `val_bpc.png`, `spike_rates.png`, \
         `operations.png`."
            .to_string(),
    ]);
    results.write_report(&r)?;
    Ok(())
}
