//! The labelled genome corpus of a GMNA run: records from a FASTA file joined with a metadata
//! label column, labels with too few genomes for stratified cross-validation left out (counted).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::seq::{self, ReadStats, Record};
use crate::{Error, Result};

/// Genomes with class ids, and what was left out on the way.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub records: Vec<Record>,
    /// Class id per record.
    pub y: Vec<usize>,
    /// Class names, most frequent first.
    pub labels: Vec<String>,
    pub summary: CorpusSummary,
}

/// Counted warnings and sizes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CorpusSummary {
    pub read: ReadStats,
    pub metadata_without_sequence: usize,
    pub sequences_without_label: usize,
    pub unknown_labels: usize,
    /// Labels with fewer than `min_class_size` genomes, and their genomes, left out.
    pub dropped_labels: Vec<(String, usize)>,
    pub genomes: usize,
    pub genomes_per_label: Vec<(String, usize)>,
}

/// Read `fasta` and `metadata`, join on `id_column`, label by `label_column`, keep labels with at
/// least `min_class_size` genomes.
pub fn load(
    fasta: &Path,
    metadata: &Path,
    id_column: &str,
    label_column: &str,
    min_class_size: usize,
) -> Result<Corpus> {
    let (records, read) = seq::read_all(fasta)?;
    let meta = seq::read_metadata(metadata, id_column, label_column)?;
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let joined = seq::join(&ids, &meta)?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, l) in &joined.matched {
        *counts.entry(l.as_str()).or_default() += 1;
    }
    let mut kept: Vec<(&str, usize)> = counts
        .iter()
        .filter(|(_, &c)| c >= min_class_size)
        .map(|(l, &c)| (*l, c))
        .collect();
    kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if kept.len() < 2 {
        return Err(Error::input(format!(
            "`{label_column}` has {} label(s) with at least {min_class_size} genomes; need 2",
            kept.len()
        )));
    }
    let labels: Vec<String> = kept.iter().map(|(l, _)| l.to_string()).collect();
    let dropped_labels: Vec<(String, usize)> = counts
        .iter()
        .filter(|(_, &c)| c < min_class_size)
        .map(|(l, &c)| (l.to_string(), c))
        .collect();
    let mut slots: Vec<Option<Record>> = records.into_iter().map(Some).collect();
    let (mut out, mut y) = (Vec::new(), Vec::new());
    for (i, l) in &joined.matched {
        if let Some(c) = labels.iter().position(|x| x == l) {
            if let Some(r) = slots[*i].take() {
                out.push(r);
                y.push(c);
            }
        }
    }
    let summary = CorpusSummary {
        read,
        metadata_without_sequence: joined.metadata_without_sequence,
        sequences_without_label: joined.sequences_without_label,
        unknown_labels: joined.unknown_labels,
        dropped_labels,
        genomes: out.len(),
        genomes_per_label: kept.iter().map(|(l, c)| (l.to_string(), *c)).collect(),
    };
    Ok(Corpus {
        records: out,
        y,
        labels,
        summary,
    })
}
