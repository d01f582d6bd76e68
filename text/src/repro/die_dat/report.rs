//! Plots and `report.md` of `die-dat`.

use deepfield_core::report::plots::{confusion_matrix, Axis, BarChart, LinePlot, RefLine, Series};
use deepfield_core::report::{Comparison, Report, ResultsDir};

use super::{DieDatMetrics, DieDatReproConfig};
use crate::diedat::data::LABELS;
use crate::Result;

fn pct(x: f64) -> String {
    format!("{:.2}", 100.0 * x)
}

/// `accuracy.png` (every model and baseline on the test part), `val_accuracy.png` (per epoch)
/// and `confusion_<key>.png` of the headline model.
pub fn write_plots(m: &DieDatMetrics, results: &ResultsDir) -> Result<()> {
    let mut labels = vec!["majority class".to_string(), "bigram LM".to_string()];
    let mut values = vec![100.0 * m.majority_rate, 100.0 * m.bigram_accuracy];
    for v in &m.variants {
        labels.push(v.key.clone());
        values.push(100.0 * v.accuracy);
    }
    BarChart::new(
        "die/dat test accuracy: baselines and BiLSTM models",
        Axis::new("test accuracy").unit("%"),
    )
    .bars(&labels, &values)
    .x_axis(Axis::new("model"))
    .reference(RefLine::new("paper, binary (84.56 %)", 84.56))
    .reference(RefLine::new("paper, multitask (88.63 %)", 88.63))
    .render(&results.file("accuracy.png"))?;
    let series: Vec<Series> = m
        .variants
        .iter()
        .map(|v| {
            Series::new(
                &v.key,
                v.val_accuracy
                    .iter()
                    .enumerate()
                    .map(|(i, a)| ((i + 1) as f64, 100.0 * a))
                    .collect(),
            )
        })
        .collect();
    LinePlot::new(
        "die/dat validation accuracy per epoch",
        Axis::new("epoch"),
        Axis::new("validation accuracy").unit("%"),
    )
    .series(series)
    .reference(RefLine::new("majority class (test)", 100.0 * m.majority_rate).higher_is_better())
    .render(&results.file("val_accuracy.png"))?;
    if let Some(v) = m.variants.last() {
        let names: Vec<String> = LABELS.iter().map(|s| s.to_string()).collect();
        confusion_matrix(
            &results.file(&format!("confusion_{}.png", v.key)),
            &v.confusion,
            &names,
            &format!("{} — test confusion", v.name),
        )?;
    }
    Ok(())
}

/// `report.md`.
pub fn write(cfg: &DieDatReproConfig, m: &DieDatMetrics, results: &ResultsDir) -> Result<()> {
    let mut r = Report::new(
        "die-dat — binary and multitask die/dat prediction (Allein, Leeuwenberg & Moens 2020)",
    );
    r.para(
        "Allein, Leeuwenberg & Moens, \"Binary and Multitask Classification Model for Dutch \
         Anaphora Resolution: Die/Dat Prediction\" (arXiv 2001.02943, 2020): every die/dat of a \
         sentence is masked and a bidirectional LSTM predicts which of the two belongs there, \
         from the sentence and (with a context encoder) the previous sentence; the multitask \
         model predicts the masked word's part of speech at the same time. Here the binary \
         model (with and without the context encoder) and the multitask model are trained on \
         the shared Dutch data and compared with a majority-class and a bigram language-model \
         baseline on a held-out test part.",
    );
    for d in &m.data {
        r.provenance(std::path::Path::new(d));
    }
    let by_source: Vec<String> = m
        .test_by_source
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    r.heading(2, "Data — and how it differs from the paper's");
    r.bullet(&[
        format!(
            "{} sentences: Tatoeba everyday sentences and NTREX-128 news translations (running \
             text, no POS) and the UD Dutch Alpino dev + test treebank (POS known). Every die/dat \
             token (case-insensitive) is one example: {} train, {} validation, {} test \
             (test: {}).",
            m.sentences,
            m.train,
            m.validation,
            m.test,
            by_source.join(", ")
        ),
        "Split: the UD test file is test; other sentences go to train / validation / test \
         (75 / 10 / 15 %) by a hash of their document (NTREX, UD) or of their normalised text \
         (Tatoeba), and a training sentence whose normalised text also occurs in the test part \
         is dropped — no test sentence is trained on."
            .to_string(),
        format!(
            "Class balance: dat is {} % of training and {} % of test examples (Tatoeba is \
             dat-heavy). Always answering the training majority scores {} %.",
            pct(m.train_dat_share),
            pct(m.test_dat_share),
            pct(m.majority_rate)
        ),
        format!(
            "**Much less data than the paper:** the paper trained on hundreds of thousands of \
             Europarl and SoNaR sentences with word2vec embeddings pretrained on them; here \
             {} training examples and embeddings learned from scratch (vocabulary {}, words seen \
             at least {} times). POS labels exist only for the treebank sentences ({} test \
             examples with a POS), so the multitask head learns from those alone; its classes \
             are UD's DET, demonstrative PRON, relative PRON and SCONJ, not the paper's SoNaR \
             tags.",
            m.train, m.vocab_size, cfg.vocab.min_freq, m.test_with_pos
        ),
    ]);
    r.heading(2, "Results on the test part");
    let mut rows = vec![
        vec![
            "majority class".into(),
            pct(m.majority_rate),
            "—".into(),
            "—".into(),
        ],
        vec![
            format!("bigram LM (add-{} smoothing)", cfg.bigram_k),
            pct(m.bigram_accuracy),
            "—".into(),
            "—".into(),
        ],
    ];
    for v in &m.variants {
        let src: Vec<String> = v
            .accuracy_by_source
            .iter()
            .map(|(s, a)| format!("{s} {}", pct(*a)))
            .collect();
        rows.push(vec![
            format!(
                "{} ({} parameters, {} epochs, {:.0} s)",
                v.name, v.parameters, v.epochs_run, v.train_seconds
            ),
            pct(v.accuracy),
            v.pos_accuracy.map_or("—".into(), pct),
            src.join(", "),
        ]);
    }
    r.table(
        &[
            "model",
            "die/dat accuracy (%)",
            "POS accuracy (%)",
            "accuracy by source (%)",
        ],
        &rows,
    );
    r.image("test accuracy of every model", "accuracy.png");
    r.image("validation accuracy per epoch", "val_accuracy.png");
    if let Some(v) = m.variants.last() {
        r.image(
            "confusion matrix of the headline model",
            &format!("confusion_{}.png", v.key),
        );
    }
    let mut comps = Vec::new();
    if let Some(v) = m.get("binary") {
        comps.push(
            Comparison::new("binary model, die/dat accuracy (%)", 100.0 * v.accuracy)
                .with_anchor(100.0 * m.paper_binary, "paper (Europarl/SoNaR)"),
        );
    }
    if let Some(v) = m.get("multitask") {
        comps.push(
            Comparison::new("multitask model, die/dat accuracy (%)", 100.0 * v.accuracy)
                .with_anchor(100.0 * m.paper_multitask, "paper (Europarl/SoNaR)"),
        );
        if let Some(p) = v.pos_accuracy {
            comps.push(
                Comparison::new("multitask model, POS accuracy (%)", 100.0 * p)
                    .with_anchor(100.0 * m.paper_multitask_pos, "paper (SoNaR tags)")
                    .with_note("treebank test examples only; different tag set"),
            );
        }
    }
    if let Some(v) = m.get("multitask_article") {
        comps.push(
            Comparison::new(
                "multitask + article task (ours), die/dat accuracy (%)",
                100.0 * v.accuracy,
            )
            .with_anchor(
                100.0 * m.paper_multitask,
                "paper's multitask (Europarl/SoNaR)",
            ),
        );
    }
    r.comparison(&comps);
    r.para(
        "The numbers are not directly comparable with the paper's: different corpora (short \
         everyday Tatoeba sentences dominate here), a different class balance and a far smaller \
         training set. What carries over is the comparison with the baselines on the same test \
         examples.",
    );
    r.heading(2, "What differs from the paper");
    r.bullet(&[
        format!(
            "Model size: embeddings {}, {} hidden units per direction, {} sentence-encoder \
             layer(s), dropout {}; the sentence summary is the BiLSTM state at the masked \
             position joined with a max-pool over the sentence.",
            cfg.embed_dim, cfg.hidden, cfg.layers, cfg.dropout
        ),
        format!(
            "Training: Adam, batch {}, at most {} epochs, early stopping on validation accuracy; \
             the multitask loss adds {} × the POS cross-entropy of the examples that have a POS.",
            cfg.train.batch_size, cfg.train.epochs, cfg.pos_weight
        ),
        "Every die/dat of a sentence is masked in the input (also the ones not asked about), so \
         a neighbouring die/dat gives nothing away."
            .to_string(),
        format!(
            "Our extension, `multitask_article` (not in the paper): the paper's multitask model \
             with a third head that predicts masked articles de/het in the {} de/het tokens of \
             the unlabelled training sentences ({} drawn per epoch, vocabulary {}). Die and dat \
             agree with the gender of their noun exactly as de and het do, so this task teaches \
             the shared encoder the gender of nouns the few die/dat examples never show: the \
             role the paper's word2vec embeddings, pretrained on its large corpora, played.",
            m.article_examples, cfg.aux_per_epoch, m.vocab_size_article
        ),
    ]);
    if m.quick {
        r.para("**Quick mode:** a subset of the examples and a smaller model, for tests only.");
    }
    r.heading(2, "Files");
    r.bullet(&[
        "`model/`: the last model of the table (`deepfield-text eval die-dat --model model \
         FILE.txt`); `models/<key>/`: the others."
            .to_string(),
        "`metrics.json`, `metrics.csv`, `history.csv`, `config.json`, the plots.".to_string(),
    ]);
    results.write_report(&r)?;
    Ok(())
}
