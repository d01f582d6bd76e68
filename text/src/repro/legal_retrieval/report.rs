//! Plots and `report.md` of `legal-retrieval`.

use deepfield_core::report::plots::{Axis, BarChart, LinePlot, Series};
use deepfield_core::report::{Report, ResultsDir};

use super::{LegalRetrievalConfig, LegalRetrievalMetrics, HEADLINE};
use crate::Result;

/// `methods.png` (per-method bars of the headline measures) and `recall_at_k.png`.
pub fn write_plots(m: &LegalRetrievalMetrics, results: &ResultsDir) -> Result<()> {
    let groups: Vec<String> = HEADLINE.iter().map(|s| s.to_string()).collect();
    let mut chart = BarChart::new(
        &format!(
            "AILA 2019 statute retrieval, {} test queries pooled over folds",
            m.tested_queries
        ),
        Axis::new("measure value (0–1)"),
    )
    .groups(&groups)
    .x_axis(Axis::new(
        "trec_eval measure (F2_5: COLIEE F2 of the top 5)",
    ));
    for method in &m.methods {
        let values: Vec<f64> = HEADLINE
            .iter()
            .map(|k| method.mean.get(*k).copied().unwrap_or(0.0))
            .collect();
        chart = chart.series(&method.name, &values);
    }
    chart.render(&results.file("methods.png"))?;
    let series: Vec<Series> = m
        .methods
        .iter()
        .map(|method| {
            Series::new(
                &method.name,
                method
                    .recall_curve
                    .iter()
                    .enumerate()
                    .map(|(i, r)| ((i + 1) as f64, *r))
                    .collect(),
            )
        })
        .collect();
    LinePlot::new(
        "Recall at cut-off k (AILA 2019 statutes, pooled test queries)",
        Axis::new("cut-off k").unit("statutes"),
        Axis::new("mean recall@k"),
    )
    .series(series)
    .render(&results.file("recall_at_k.png"))?;
    Ok(())
}

fn f(x: f64) -> String {
    format!("{x:.4}")
}

/// `report.md`.
pub fn write(
    cfg: &LegalRetrievalConfig,
    m: &LegalRetrievalMetrics,
    results: &ResultsDir,
) -> Result<()> {
    let mut r = Report::new(
        "legal-retrieval — BM25 + attentive neural ranker on AILA 2019 statute retrieval",
    );
    r.para(
        "Nguyen, Phi, Ngo, Tran, Nguyen & Tu, \"Attentive Deep Neural Networks for Legal \
         Document Retrieval\" (Artificial Intelligence and Law, 2022/2024; arXiv 2212.13899): \
         hierarchical attentive encoders of the query and of the statute (word encoder with \
         attention → sentence vectors → query-conditioned attention over the statute's \
         sentences) score query–statute pairs and re-rank a lexical first stage. Here the first \
         stage is BM25 through the tantivy search engine (English analyzer: stop words, Porter \
         stemming), the ranker is trained on AILA 2019's queries with negatives from BM25's top \
         list, and the two scores are mixed (min–max normalised, weight chosen on held-out \
         training queries).",
    );
    r.provenance(std::path::Path::new(&m.data));
    r.bullet(&[
        format!(
            "{} queries (AILA_Q1–Q40), {} statutes, {} relevant (query, statute) pairs (S58 is \
             judged relevant for 2 queries but has no text upstream, so no system reaches \
             recall 1 on them).",
            m.queries, m.statutes, m.relevant_pairs
        ),
        format!(
            "{}-fold cross-validation over queries ({} fold(s) run, {} queries tested, each \
             exactly once); inside a fold {:.0}% of the training queries are held out to keep the \
             best ranker weights and choose the mixing weight.",
            cfg.folds,
            m.folds.len(),
            m.tested_queries,
            100.0 * cfg.val_fraction
        ),
        "Measures as trec_eval defines them (checked against pytrec_eval on a fixture), \
         F2_5 = COLIEE's macro-averaged F2 of the top 5 statutes (AILA has 2–5 relevant per \
         query); every method ranks all 197 statutes."
            .to_string(),
    ]);
    r.heading(2, "Results (pooled test queries)");
    let mut headers = vec!["method"];
    headers.extend(HEADLINE);
    let rows: Vec<Vec<String>> = m
        .methods
        .iter()
        .map(|x| {
            let mut row = vec![x.name.clone()];
            row.extend(
                HEADLINE
                    .iter()
                    .map(|k| f(x.mean.get(*k).copied().unwrap_or(0.0))),
            );
            row
        })
        .collect();
    r.table(&headers, &rows);
    r.para(
        "The statute prior ranks every statute by how often it is relevant in the fold's \
         training queries, whatever the query says: AILA's relevant statutes repeat across \
         queries (76 distinct statutes for 177 relevant pairs), so this query-blind baseline is \
         strong, and a trained ranker that mostly learns it looks good against BM25 without \
         understanding the query. Read the ranker's and the mix's gains against this row, not \
         only against BM25.",
    );
    r.image("per-method measures", "methods.png");
    r.image("recall at k", "recall_at_k.png");
    r.heading(2, "Goals");
    r.bullet(&[
        format!(
            "mix beats BM25 on MAP: **{}**",
            if m.goals.mix_beats_bm25_map {
                "yes"
            } else {
                "no"
            }
        ),
        format!(
            "mix beats BM25 on Recall@10: **{}**",
            if m.goals.mix_beats_bm25_recall_10 {
                "yes"
            } else {
                "no"
            }
        ),
    ]);
    r.heading(2, "Folds");
    let fold_rows: Vec<Vec<String>> = m
        .folds
        .iter()
        .map(|fr| {
            let maps: Vec<String> = m
                .methods
                .iter()
                .map(|x| x.fold_map.get(fr.fold).map(|v| f(*v)).unwrap_or_default())
                .collect();
            let mut row = vec![
                fr.fold.to_string(),
                format!(
                    "{}/{}/{}",
                    fr.train_queries,
                    fr.val_queries,
                    fr.test_queries.len()
                ),
                format!("{:.2}", fr.bm25_weight),
                format!(
                    "{} / {} / {}",
                    f(fr.val_map_bm25),
                    f(fr.val_map_ranker),
                    f(fr.val_map_mix)
                ),
            ];
            row.extend(maps);
            row.push(format!("{:.0}", fr.train_seconds));
            row
        })
        .collect();
    r.table(
        &[
            "fold",
            "train/val/test queries",
            "BM25 weight",
            "val MAP bm25 / ranker / mix",
            "test MAP bm25",
            "test MAP ranker",
            "test MAP mix",
            "train s",
        ],
        &fold_rows,
    );
    r.heading(2, "Beside AILA 2019");
    if m.anchors.is_empty() {
        r.para(
            "The AILA 2019 overview (Bhattacharya et al., FIRE 2019, CEUR-WS Vol-2517) reports \
             the participants' Task 2 runs (MAP, BPREF, recip_rank, P@10 by trec_eval) on the \
             official test queries AILA_Q11–Q50. We could not open the overview's result table \
             here, so no anchor numbers are given rather than unverified ones; note also that \
             our numbers are cross-validated over Q1–Q40 (Q41–Q50 are not in the shared \
             data), so they are not on the same query set as the official runs.",
        );
    } else {
        let rows: Vec<Vec<String>> = m
            .anchors
            .iter()
            .map(|a| {
                vec![
                    a.run.clone(),
                    a.measures
                        .iter()
                        .map(|(k, v)| format!("{k} {}", f(*v)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    a.source.clone(),
                ]
            })
            .collect();
        r.table(&["run", "measures", "source"], &rows);
    }
    r.heading(2, "What differs from the paper");
    r.bullet(&[
        "No pretrained encoder: the paper's Paraformer builds on a pretrained transformer (as its \
         abstract says); here nothing is pretrained — word embeddings are learned from the 24 \
         training queries of a fold and the statutes, with small sizes (config.json) so a fold \
         trains on one CPU thread."
            .to_string(),
        "The paper evaluates on statute collections in English, Japanese and Vietnamese \
         (COLIEE among them); AILA 2019 is the issue's choice of an openly shared statute \
         collection, so the paper's numbers are not directly comparable and are not quoted as \
         anchors."
            .to_string(),
        "Dense softmax attention instead of the paper's sparse attention; only the paper's \
         abstract and outline were readable here, so sizes, optimiser and schedule are ours \
         (config.json), not traced to its tables."
            .to_string(),
        "Long texts are cut to the first max_sentences × max_words words for the ranker; BM25 \
         reads the whole text."
            .to_string(),
    ]);
    r.heading(2, "Files");
    r.bullet(&[
        "`runs/{bm25,ranker,mix}.txt`: the pooled test runs in TREC format (`trec_eval \
         relevance_judgments_statutes.txt runs/mix.txt` reproduces the trec_eval columns; F2 is COLIEE's)."
            .to_string(),
        "`model/`: the first fold's ranker (kind `text.attentive_ranker`, with `vocab.json` and \
         the fold's mixing weight in its config); `deepfield-text search --docs DIR --model \
         model/ \"query\"` re-ranks a folder with it."
            .to_string(),
    ]);
    results.write_report(&r)?;
    Ok(())
}
