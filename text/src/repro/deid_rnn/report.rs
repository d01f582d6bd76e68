//! Plots and `report.md` of `deid-rnn`.

use deepfield_core::report::plots::{Axis, BarChart, RefLine, TrainingCurves};
use deepfield_core::report::{Comparison, Report, ResultsDir};

use super::{DeidRnnConfig, DeidRnnMetrics, PartResult, PAPER_I2B2_F1, WNUT17_BEST_F1};
use crate::Result;

fn pct(x: f64) -> String {
    format!("{:.2}", 100.0 * x)
}

/// `f1_per_type_<part>.png` (entity and token F1 per type, the memorising baseline beside) and
/// `training_<part>.png` (training loss and dev F1 per epoch) for each part.
pub fn write_plots(m: &DeidRnnMetrics, results: &ResultsDir) -> Result<()> {
    for p in m.wnut.iter().chain([&m.phi]) {
        let types: Vec<String> = p.test.per_type.keys().cloned().collect();
        let get =
            |r: &crate::seqeval::Report, k: &str| 100.0 * r.per_type.get(k).map_or(0.0, |s| s.f1);
        let entity: Vec<f64> = types.iter().map(|k| get(&p.test, k)).collect();
        let token: Vec<f64> = types
            .iter()
            .map(|k| get(&p.test_tokens_scores, k))
            .collect();
        let base: Vec<f64> = types.iter().map(|k| get(&p.baseline, k)).collect();
        let (reference, label) = if p.name == "wnut17" {
            (WNUT17_BEST_F1, "WNUT 2017 best system (entity F1)")
        } else {
            (PAPER_I2B2_F1, "paper, i2b2 2014 F1")
        };
        BarChart::new(
            &format!("{} test F1 per entity type (NeuroNER BiLSTM-CRF)", p.name),
            Axis::new("F1").unit("%"),
        )
        .x_axis(Axis::new("entity type"))
        .groups(&types)
        .series("entity F1 (seqeval)", &entity)
        .series("token F1", &token)
        .series("memorising baseline, entity F1", &base)
        .reference(RefLine::new(label, reference).higher_is_better())
        .render(&results.file(&format!("f1_per_type_{}.png", p.name)))?;
        let loss: Vec<f64> = p.epochs.iter().map(|e| e.train_loss).collect();
        let dev: Vec<f64> = p.epochs.iter().map(|e| 100.0 * e.dev_f1).collect();
        TrainingCurves::new(&loss)
            .loss_axis(Axis::new("CRF negative log-likelihood per sentence").unit("nats"))
            .metric(Axis::new("dev entity F1").unit("%"), &dev)
            .render(&results.file(&format!("training_{}.png", p.name)))?;
    }
    Ok(())
}

fn part_table(r: &mut Report, p: &PartResult) {
    let mut rows: Vec<Vec<String>> = p
        .test
        .per_type
        .iter()
        .map(|(k, s)| {
            let tok = p.test_tokens_scores.per_type.get(k).map_or(0.0, |t| t.f1);
            let base = p.baseline.per_type.get(k).map_or(0.0, |t| t.f1);
            vec![
                k.clone(),
                s.support.to_string(),
                pct(s.precision),
                pct(s.recall),
                pct(s.f1),
                pct(tok),
                pct(base),
            ]
        })
        .collect();
    let m = &p.test.micro;
    rows.push(vec![
        "**all (micro)**".into(),
        m.support.to_string(),
        pct(m.precision),
        pct(m.recall),
        pct(m.f1),
        pct(p.test_tokens_scores.micro.f1),
        pct(p.baseline.micro.f1),
    ]);
    r.table(
        &[
            "type",
            "test entities",
            "precision %",
            "recall %",
            "entity F1 %",
            "token F1 %",
            "memorising baseline entity F1 %",
        ],
        &rows,
    );
    r.bullet(&[
        format!(
            "{} train / {} dev / {} test sentences ({} test tokens, {:.1} % of them in the \
             tagger's word vocabulary); {} broken BIO tags repaired on reading.",
            p.train_sentences,
            p.dev_sentences,
            p.test_sentences,
            p.test_tokens,
            100.0 * p.test_word_coverage,
            p.repaired_tags
        ),
        format!(
            "{} parameters; {} epochs run, the weights of epoch {} kept (best dev F1 {}); {:.0} s \
             of training. Strict (IOB2) entity F1: {} %. The majority tag (`O` everywhere) \
             scores 0.",
            p.parameters,
            p.epochs.len(),
            p.best_epoch,
            p.epochs
                .get(p.best_epoch.saturating_sub(1))
                .map_or("-".into(), |e| pct(e.dev_f1)),
            p.train_seconds,
            pct(p.test_strict_f1)
        ),
    ]);
    r.image(
        &format!("{} F1 per type", p.name),
        &format!("f1_per_type_{}.png", p.name),
    );
    r.image(
        &format!("{} training curves", p.name),
        &format!("training_{}.png", p.name),
    );
}

/// `report.md`.
pub fn write(cfg: &DeidRnnConfig, m: &DeidRnnMetrics, results: &ResultsDir) -> Result<()> {
    let mut r = Report::new(
        "deid-rnn — de-identification with the NeuroNER BiLSTM-CRF (Dernoncourt et al. 2017)",
    );
    r.para(
        "Dernoncourt, Lee, Uzuner & Szolovits, \"De-identification of patient notes with \
         recurrent neural networks\", JAMIA 24(3), 2017: each token is represented by a \
         character BiLSTM's final states and a word embedding, a token BiLSTM reads the \
         sentence, and a CRF picks the tag sequence. Their i2b2 2014 result: F1 97.85. The \
         i2b2 notes need a data-use agreement, so this run uses two stand-ins: WNUT 2017 \
         (public, noisy user text with novel entities) and notes written by this crate's PHI \
         simulator, tested on notes from templates never seen in training.",
    );
    let c = &cfg.model;
    r.heading(2, "Setup");
    r.bullet(&[
        format!(
            "Tagger: character embedding {}, character LSTM {} per direction, token embedding {}, \
             token LSTM {} per direction, dropout {}, tags {:?}, CRF{} (NeuroNER's defaults: \
             25 / 25 / 100 / 100, dropout 0.5, BIOES).",
            c.char_dim,
            c.char_hidden,
            c.token_dim,
            c.token_hidden,
            c.dropout,
            c.scheme,
            if c.constrained {
                " with invalid BIOES transitions forbidden"
            } else {
                ""
            }
        ),
        format!(
            "Training (NeuroNER: SGD 0.005, one sentence per update, gradients clipped to ±5, \
             singleton words → <unk> with p 0.5, patience 10, at most 100 epochs): WNUT {}; \
             notes {}.",
            describe(&cfg.wnut.train),
            describe(&cfg.phi.train)
        ),
        "Entity scores as seqeval 1.2.2 computes them (default, conlleval-like mode; checked \
         against seqeval in text/tests/seqeval_agreement.rs); token F1 counts each token by its \
         entity type."
            .to_string(),
        "Not as in the paper: no pretrained GloVe embeddings (none in the shared data), words \
         looked up lower-cased with digits as 0, no token-level features beyond characters."
            .to_string(),
    ]);
    let mut comps = Vec::new();
    if let Some(w) = &m.wnut {
        r.heading(2, "(a) WNUT 2017 Emerging Entities");
        if let Some(d) = &m.wnut_data {
            r.provenance(std::path::Path::new(d));
        }
        part_table(&mut r, w);
        comps.push(
            Comparison::new("WNUT 2017 test entity F1 (%)", 100.0 * w.test.micro.f1)
                .with_anchor(
                    WNUT17_BEST_F1,
                    "best shared-task system, Derczynski et al. 2017",
                )
                .with_note("goal ≥ 40"),
        );
    }
    r.heading(2, "(b) Simulated clinical notes (PHI)");
    r.para(&format!(
        "{} training-template notes for training, {} more for model selection, {} notes from \
         the held-apart test templates for the test (seed {}; a share of the test names comes \
         from name pools training never sees).",
        cfg.phi.train_notes, cfg.phi.dev_notes, cfg.phi.test_notes, m.seed
    ));
    part_table(&mut r, &m.phi);
    comps.push(
        Comparison::new("PHI notes test entity F1 (%)", 100.0 * m.phi.test.micro.f1)
            .with_anchor(PAPER_I2B2_F1, "paper, i2b2 2014")
            .with_note("simulated notes, held-apart templates; goal ≥ 95"),
    );
    r.heading(2, "Ours beside the anchors");
    r.comparison(&comps);
    let yes = |b: bool| if b { "met" } else { "not met" };
    let mut goals = vec![format!(
        "Notes: entity F1 ≥ 95 on held-apart templates — {}.",
        yes(m.goals.phi_f1_ge_95)
    )];
    if let Some(g) = m.goals.wnut_f1_ge_40 {
        goals.push(format!("WNUT 2017: entity F1 ≥ 40 — {}.", yes(g)));
    }
    r.bullet(&goals);
    r.para(
        "The notes tagger is saved in `model/` (use it with `deepfield-text deidentify --model \
         …/model notes/ --out clean/`), the WNUT tagger in `models/wnut17/` (`deepfield-text \
         eval tag --model …/models/wnut17 file.conll`).",
    );
    results.write_report(&r)?;
    Ok(())
}

fn describe(t: &crate::tagger::train::TrainSettings) -> String {
    format!(
        "SGD {} with {} sentence(s) per update, clip ±{}, ≤ {} epochs, patience {}{}",
        t.lr,
        t.batch_size,
        t.clip,
        t.epochs,
        t.patience,
        t.max_seconds
            .map_or(String::new(), |s| format!(", stop after {s:.0} s"))
    )
}
