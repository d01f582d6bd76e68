//! The labelled genome corpus of a GMNA run: records from a FASTA file joined with a metadata
//! label column, labels with too few genomes for stratified cross-validation left out (counted).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Seven genomes: label x ×3, y ×2, z ×1, one `?`, one without metadata, one metadata row
    /// without a genome.
    fn files(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let fasta = dir.join("g.fa");
        let mut fa = String::new();
        for i in 0..8 {
            fa.push_str(&format!(">g{i} sample\nACGTAC\nGT\n"));
        }
        std::fs::write(&fasta, fa).unwrap();
        let meta = dir.join("m.tsv");
        std::fs::write(
            &meta,
            "strain\tcountry\n\
             g0\ty\ng1\tx\ng2\tz\ng3\tx\ng4\t?\ng5\ty\ng6\tx\nghost\tx\n",
        )
        .unwrap();
        (fasta, meta)
    }

    #[test]
    fn labels_by_frequency_and_small_classes_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (fasta, meta) = files(dir.path());
        let c = load(&fasta, &meta, "strain", "country", 2).unwrap();
        // Most frequent first; z (one genome) left out.
        assert_eq!(c.labels, ["x", "y"]);
        let ids: Vec<&str> = c.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["g0", "g1", "g3", "g5", "g6"]);
        assert_eq!(c.y, [1, 0, 0, 1, 0]);
        assert_eq!(c.records[0].seq, b"ACGTACGT");
        let s = &c.summary;
        assert_eq!(s.genomes, 5);
        assert_eq!(s.dropped_labels, [("z".to_string(), 1)]);
        assert_eq!(
            s.genomes_per_label,
            [("x".to_string(), 3), ("y".to_string(), 2)]
        );
        assert_eq!(
            (
                s.unknown_labels,
                s.metadata_without_sequence,
                s.sequences_without_label
            ),
            (1, 1, 2)
        );
        // With a minimum of 1, z stays; ties in frequency are ordered by name.
        let c1 = load(&fasta, &meta, "strain", "country", 1).unwrap();
        assert_eq!(c1.labels, ["x", "y", "z"]);
        // Fewer than two labels left, or a missing column: errors that say why.
        let e = load(&fasta, &meta, "strain", "country", 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 label(s) with at least 3 genomes"), "{e}");
        let e = load(&fasta, &meta, "strain", "region", 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("region"), "{e}");
    }
}
