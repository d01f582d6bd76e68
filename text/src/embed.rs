//! Embedding matrices for a [`Vocab`]: random (seeded N(0, σ²), PyTorch's `nn.Embedding` draws
//! N(0, 1)) or taken from a word-vector text file in the word2vec / GloVe text format — one
//! `word v1 v2 … vD` line per word, separated by spaces, with or without word2vec's `count dim`
//! header line. Rows of words the file lacks are drawn at random with the σ of the loaded
//! vectors; the padding row is zero. The share of the vocabulary found is reported.
//!
//! A line with the wrong number of values, a value that is not a number, or a file whose vectors
//! do not cover one vocabulary word is reported with the file and line (the last is not an error:
//! coverage says how much was found).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::vocab::Vocab;
use crate::{Error, Result};

/// How much of a vocabulary a word-vector file covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Vocabulary entries other than `<pad>` / `<unk>`.
    pub vocab: usize,
    /// Of those, the ones with a vector in the file.
    pub found: usize,
    /// Vectors in the file (lines read).
    pub file_vectors: usize,
    /// Vector dimension.
    pub dim: usize,
}

impl Coverage {
    /// `found / vocab` (1 for an empty vocabulary).
    pub fn rate(&self) -> f64 {
        if self.vocab == 0 {
            1.0
        } else {
            self.found as f64 / self.vocab as f64
        }
    }
}

/// Reads the vectors of the words `keep` accepts (all when `None`): word → vector, the
/// dimension and the number of vectors in the file. The first vector of a repeated word wins.
pub fn read_word_vectors(
    path: &Path,
    keep: Option<&dyn Fn(&str) -> bool>,
) -> Result<(HashMap<String, Vec<f32>>, usize, usize)> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut out = HashMap::new();
    let mut dim: Option<usize> = None;
    let mut count = 0;
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                Error::parse(path, n, "not UTF-8 text")
            } else {
                Error::io(path, e)
            }
        })?;
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        if n == 1 && fields.len() == 2 && fields.iter().all(|f| f.parse::<usize>().is_ok()) {
            // word2vec header: count dim
            dim = fields[1].parse().ok();
            if dim == Some(0) {
                return Err(Error::parse(path, n, "header gives dimension 0"));
            }
            continue;
        }
        let d = *dim.get_or_insert(fields.len() - 1);
        if d == 0 || fields.len() < d + 1 {
            return Err(Error::parse(
                path,
                n,
                format!(
                    "expected a word and {d} values, found {} fields",
                    fields.len()
                ),
            ));
        }
        // A word may hold spaces (GloVe 840B has some): every field before the last d, as
        // long as none of them is a number (then the line has too many values).
        let split = fields.len() - d;
        if fields[1..split].iter().any(|f| f.parse::<f64>().is_ok()) {
            return Err(Error::parse(
                path,
                n,
                format!(
                    "expected a word and {d} values, found {} fields",
                    fields.len()
                ),
            ));
        }
        let word = fields[..split].join(" ");
        count += 1;
        if out.contains_key(&word) || keep.is_some_and(|k| !k(&word)) {
            continue;
        }
        let v = fields[split..]
            .iter()
            .map(|x| {
                x.parse::<f32>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| Error::parse(path, n, format!("{x:?} is not a finite number")))
            })
            .collect::<Result<Vec<f32>>>()?;
        out.insert(word, v);
    }
    let dim = dim.ok_or_else(|| Error::parse(path, 0, "no word vectors in the file"))?;
    Ok((out, dim, count))
}

/// A `[vocab, dim]` float matrix: rows drawn from N(0, `std`²) with `seed`, the padding row zero.
pub fn random_matrix(vocab: &Vocab, dim: usize, std: f64, seed: u64) -> Result<Tensor> {
    if dim == 0 || std.is_nan() || std < 0.0 {
        return Err(Error::config(format!(
            "embedding: dim must be ≥ 1 and std ≥ 0, got {dim} and {std}"
        )));
    }
    let mut rng = deepfield_core::Rng::new(seed);
    let mut data: Vec<f32> = (0..vocab.len() * dim)
        .map(|_| (rng.normal() * std) as f32)
        .collect();
    data[..dim].iter_mut().for_each(|x| *x = 0.0);
    Ok(Tensor::from_slice(&data).view([vocab.len() as i64, dim as i64]))
}

/// The matrix for `vocab` from a word-vector file: known words get their vectors (looked up
/// lower-cased when the vocabulary is), the others random rows with the loaded vectors' σ.
pub fn from_word_vectors(vocab: &Vocab, path: &Path, seed: u64) -> Result<(Tensor, Coverage)> {
    let lower = vocab.lowercase();
    let wanted = |w: &str| {
        if lower {
            vocab.get(&w.to_lowercase()).is_some()
        } else {
            vocab.get(w).is_some()
        }
    };
    let (vectors, dim, file_vectors) = read_word_vectors(path, Some(&wanted))?;
    let mut by_id: HashMap<i64, &Vec<f32>> = HashMap::new();
    for (w, v) in &vectors {
        let id = vocab.id(w);
        if id > 1 {
            by_id.entry(id).or_insert(v);
        }
    }
    let n: usize = by_id.values().map(|v| v.len()).sum();
    let mean = by_id
        .values()
        .flat_map(|v| v.iter())
        .map(|&x| x as f64)
        .sum::<f64>()
        / n.max(1) as f64;
    let var = by_id
        .values()
        .flat_map(|v| v.iter())
        .map(|&x| (x as f64 - mean).powi(2))
        .sum::<f64>()
        / n.max(1) as f64;
    let std = if n > 1 { var.sqrt() } else { 1.0 };
    let m = random_matrix(vocab, dim, std, seed)?;
    for (id, v) in &by_id {
        m.get(*id).copy_(&Tensor::from_slice(v));
    }
    let cov = Coverage {
        vocab: vocab.len().saturating_sub(2),
        found: by_id.len(),
        file_vectors,
        dim,
    };
    Ok((m, cov))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::VocabConfig;

    #[test]
    fn loads_vectors_with_and_without_header_and_reports_coverage() {
        let dir = tempfile::tempdir().unwrap();
        let vocab = Vocab::build(
            ["die", "dat", "huis", "kat"],
            &VocabConfig {
                lowercase: true,
                ..Default::default()
            },
        )
        .unwrap();
        for header in ["", "3 2\n"] {
            let p = dir.path().join("v.txt");
            std::fs::write(
                &p,
                format!("{header}Die 1.0 2.0\nhuis -0.5 0.25\nboom 9 9\n"),
            )
            .unwrap();
            let (m, cov) = from_word_vectors(&vocab, &p, 7).unwrap();
            assert_eq!(m.size(), vec![6, 2]);
            assert_eq!(
                (cov.found, cov.vocab, cov.file_vectors, cov.dim),
                (2, 4, 3, 2)
            );
            assert!((cov.rate() - 0.5).abs() < 1e-12);
            let row = |w: &str| Vec::<f32>::try_from(m.get(vocab.id(w))).unwrap();
            assert_eq!(row("die"), vec![1.0, 2.0]);
            assert_eq!(row("huis"), vec![-0.5, 0.25]);
            assert_eq!(Vec::<f32>::try_from(m.get(0)).unwrap(), vec![0.0, 0.0]);
        }
        let a = random_matrix(&vocab, 4, 1.0, 3).unwrap();
        let b = random_matrix(&vocab, 4, 1.0, 3).unwrap();
        assert_eq!(
            Vec::<f32>::try_from(a.view([-1])).unwrap(),
            Vec::<f32>::try_from(b.view([-1])).unwrap()
        );
        let p = dir.path().join("bad.txt");
        std::fs::write(&p, "die 1 2\ndat 1\n").unwrap();
        let e = from_word_vectors(&vocab, &p, 1).unwrap_err().to_string();
        assert!(e.contains("bad.txt:2:") && e.contains("2 values"), "{e}");
        std::fs::write(&p, "die 1 2\ndat 1 x\n").unwrap();
        let e = from_word_vectors(&vocab, &p, 1).unwrap_err().to_string();
        assert!(e.contains("bad.txt:2:") && e.contains("\"x\""), "{e}");
    }
}
