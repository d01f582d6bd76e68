//! Inference with a trained GMNA model: load a model folder ([`super::folder`]) and predict the
//! location of every genome of a FASTA with both classifiers; with a labels table, score them
//! ([`super::scores`]). Nothing here depends on the `gmna` reproduction
//! ([`repro`](crate::gmna::repro)), which trains the models and saves them through [`save`].

use std::path::Path;

use serde::Serialize;

use super::cnn;
use super::naive_bayes::argmax;
use super::scores::{label_scores, LabelScores};
use crate::seq::Record;
use crate::{Error, Result};

pub use super::folder::{load, save, GmnaModel, GmnaNaiveBayes, NB_FILE, OLDER_NB_FILE};

/// Where a user's true labels are: a CSV/TSV table (separator by extension) with an id column
/// matching the FASTA record ids and a label column.
#[derive(Debug, Clone, Copy)]
pub struct LabelsSpec<'a> {
    pub path: &'a Path,
    /// The id column [default: `strain` or `id` when the table has one, else its first column].
    pub id_column: Option<&'a str>,
    /// The label column [default: the column the model was trained on].
    pub label_column: Option<&'a str>,
}

/// Predictions of a saved GMNA model on a user's FASTA.
#[derive(Debug, Clone, Serialize)]
pub struct GmnaEval {
    pub genomes: usize,
    /// The label column that was read (with labels).
    pub label_column: Option<String>,
    /// Genomes whose label is one of the model's classes: the ones scored.
    pub labelled: usize,
    /// Genomes labelled with a class the model does not know (left out of the scores).
    pub other_labels: usize,
    /// Scores of each model on the labelled genomes (with labels).
    pub naive_bayes: Option<LabelScores>,
    pub cnn: Option<LabelScores>,
}

/// The columns of the predictions CSV: `id` (the FASTA record id), each model's label and its
/// probability, and the true label when labels were given.
pub const HEADER: [&str; 5] = ["id", "nb_label", "nb_prob", "cnn_label", "cnn_prob"];

/// Run a saved GMNA model folder on `fasta`; with `labels`, score both models; `out` gets
/// `id,nb_label,nb_prob,cnn_label,cnn_prob[,true_label]` (atomically, also when one genome is
/// labelled and scores are undefined).
pub fn evaluate_fasta(
    model: &Path,
    fasta: &Path,
    labels: Option<&LabelsSpec<'_>>,
    out: Option<&Path>,
) -> Result<GmnaEval> {
    let m = load(model, deepfield_core::device())?;
    let classes = &m.cnn_config.labels;
    let (records, _) = crate::seq::read_all(fasta)?;
    let truth: Option<(String, std::collections::HashMap<String, String>)> = match labels {
        Some(spec) => {
            let column = spec.label_column.unwrap_or(&m.cnn_config.label_column);
            let table = crate::seq::read_labels(spec.path, spec.id_column, column)?;
            let ids: std::collections::HashSet<&str> =
                records.iter().map(|r| r.id.as_str()).collect();
            if !table.rows.is_empty() && !table.rows.iter().any(|(id, _)| ids.contains(id.as_str()))
            {
                return Err(Error::input(format!(
                    "{}: no id of column `{}` matches a record of {} (first record id: `{}`); \
                     give the id column with --id-column",
                    spec.path.display(),
                    table.id_column,
                    fasta.display(),
                    records.first().map_or("", |r| r.id.as_str())
                )));
            }
            Some((column.to_string(), table.rows.into_iter().collect()))
        }
        None => None,
    };
    let mut header: Vec<&str> = HEADER.to_vec();
    if truth.is_some() {
        header.push("true_label");
    }
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(records.len());
    let (mut y_true, mut nb_pred, mut cnn_pred) = (Vec::new(), Vec::new(), Vec::new());
    let (mut nb_probs, mut cnn_probs_kept) = (Vec::new(), Vec::new());
    let mut other_labels = 0usize;
    for chunk in records.chunks(64) {
        let refs: Vec<&Record> = chunk.iter().collect();
        let x = cnn::one_hot_tensor(&refs, m.cnn_config.length).to_device(m.vs.device());
        let cnn_probs = cnn::predict_proba(&m.cnn, &x)?;
        for (r, cp) in chunk.iter().zip(cnn_probs) {
            let np = m.naive_bayes.predict_proba(&r.seq)?;
            let (ni, ci) = (argmax(&np), argmax(&cp));
            let name = |i: usize| classes.get(i).cloned().unwrap_or_default();
            let mut row = vec![
                r.id.clone(),
                name(ni),
                format!("{:.6}", np.get(ni).copied().unwrap_or(f64::NAN)),
                name(ci),
                format!("{:.6}", cp.get(ci).copied().unwrap_or(f64::NAN)),
            ];
            if let Some((_, t)) = &truth {
                let tl = t.get(&r.id).cloned().unwrap_or_default();
                match classes.iter().position(|c| c == &tl) {
                    Some(k) => {
                        y_true.push(k);
                        nb_pred.push(ni);
                        cnn_pred.push(ci);
                        nb_probs.push(np);
                        cnn_probs_kept.push(cp);
                    }
                    None if !tl.is_empty() => other_labels += 1,
                    None => {}
                }
                row.push(tl);
            }
            rows.push(row);
        }
    }
    if let Some(o) = out {
        deepfield_core::fsutil::write_csv(o, header, rows)?;
    }
    let (naive_bayes, cnn) = match truth {
        Some(_) => (
            Some(label_scores(&y_true, &nb_pred, &nb_probs)?),
            Some(label_scores(&y_true, &cnn_pred, &cnn_probs_kept)?),
        ),
        None => (None, None),
    };
    Ok(GmnaEval {
        genomes: records.len(),
        label_column: truth.map(|(c, _)| c),
        labelled: y_true.len(),
        other_labels,
        naive_bayes,
        cnn,
    })
}
