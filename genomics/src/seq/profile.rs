//! k-mer profile vectors: dense and exact for k ≤ 8 (index = packed k-mer, 4^k entries), hashed
//! above (index = a multiplicative hash of the packed k-mer into 2^`hashed_bits` buckets, the
//! "hashing trick"). Profiles are stored sparse (only the k-mers a sequence holds), which is what
//! makes 500,000 genomes × 30 kb tractable: a SARS-CoV-2 genome has ≈ 30,000 distinct k-mers.

use serde::{Deserialize, Serialize};

use super::kmer::{check_k, KmerCounter};
use crate::{Error, Result};

/// The largest k whose profile is kept dense and exact.
pub const MAX_DENSE_K: usize = 8;

/// How sequences become k-mer profiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileConfig {
    /// k-mer length (1..=31).
    pub k: usize,
    /// Count canonical k-mers (a k-mer and its reverse complement together).
    pub canonical: bool,
    /// Buckets (as a power of two) of the hashed profile used when k > 8.
    pub hashed_bits: u32,
}

impl Default for ProfileConfig {
    fn default() -> Self {
        ProfileConfig {
            k: 8,
            canonical: false,
            hashed_bits: 20,
        }
    }
}

impl ProfileConfig {
    /// Check k and the hash size.
    pub fn validate(&self) -> Result<()> {
        check_k(self.k)?;
        if self.k > MAX_DENSE_K && !(8..=28).contains(&self.hashed_bits) {
            return Err(Error::config(format!(
                "hashed_bits must be in 8..=28, got {}",
                self.hashed_bits
            )));
        }
        Ok(())
    }

    /// Whether the profile is dense and exact.
    pub fn is_dense(&self) -> bool {
        self.k <= MAX_DENSE_K
    }

    /// Length of the profile vector.
    pub fn dim(&self) -> usize {
        if self.is_dense() {
            1 << (2 * self.k)
        } else {
            1 << self.hashed_bits
        }
    }

    /// Profile index of a packed k-mer.
    #[inline]
    pub fn index(&self, kmer: u64) -> u32 {
        if self.is_dense() {
            kmer as u32
        } else {
            (kmer.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.hashed_bits)) as u32
        }
    }

    /// The sparse profile of one sequence.
    pub fn sparse(&self, seq: &[u8]) -> Result<SparseProfile> {
        self.validate()?;
        let mut c = KmerCounter::new(self.k, self.canonical)?;
        c.add_seq(seq);
        let mut pairs: Vec<(u32, f32)> = Vec::with_capacity(c.len());
        for (kmer, n) in c.iter() {
            pairs.push((self.index(kmer), n as f32));
        }
        pairs.sort_unstable_by_key(|p| p.0);
        // Hash collisions add up.
        let mut out = SparseProfile::default();
        for (i, v) in pairs {
            if out.indices.last() == Some(&i) {
                if let Some(last) = out.values.last_mut() {
                    *last += v;
                }
            } else {
                out.indices.push(i);
                out.values.push(v);
            }
        }
        out.dim = self.dim();
        Ok(out)
    }

    /// The dense profile of one sequence (`dim()` entries).
    pub fn dense(&self, seq: &[u8]) -> Result<Vec<f32>> {
        Ok(self.sparse(seq)?.to_dense())
    }
}

/// A sparse count vector: sorted `indices` with their `values`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SparseProfile {
    pub dim: usize,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseProfile {
    /// Sum of the values (the number of k-mers).
    pub fn total(&self) -> f64 {
        self.values.iter().map(|&v| v as f64).sum()
    }

    /// Non-zero entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Dense vector of length `dim`.
    pub fn to_dense(&self) -> Vec<f32> {
        let mut v = vec![0f32; self.dim];
        for (&i, &x) in self.indices.iter().zip(&self.values) {
            v[i as usize] = x;
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_profile_counts_and_hashed_total() {
        let cfg = ProfileConfig {
            k: 2,
            canonical: false,
            hashed_bits: 20,
        };
        let p = cfg.dense(b"AACGTNAA").unwrap();
        assert_eq!(p.len(), 16);
        // AA ×2, AC, CG, GT.
        assert_eq!(p[0], 2.0);
        assert_eq!(p[1], 1.0);
        assert_eq!(p[6], 1.0);
        assert_eq!(p[11], 1.0);
        assert_eq!(p.iter().sum::<f32>(), 5.0);
        let h = ProfileConfig {
            k: 12,
            canonical: true,
            hashed_bits: 10,
        };
        let s = h.sparse(b"ACGTACGTACGTTTGACCA").unwrap();
        assert_eq!(s.dim, 1024);
        assert_eq!(s.total(), 8.0);
        assert!(ProfileConfig {
            k: 40,
            ..Default::default()
        }
        .validate()
        .is_err());
    }
}
