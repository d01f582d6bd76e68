//! 2-bit packed k-mers (A=0, C=1, G=2, T=3) with a rolling update, canonical k-mers, k ≤ 31, and a
//! fast single-threaded counter.
//!
//! The forward k-mer and its reverse complement are both updated in O(1) per base:
//! `fwd = ((fwd << 2) | b) & mask` and `rev = (rev >> 2) | ((3 − b) << 2(k−1))`; the canonical k-mer
//! is `min(fwd, rev)` (the same convention as `jellyfish count -C`). A base that is not A/C/G/T
//! (an `N` or an IUPAC code, see [`crate::seq::reader`]) restarts the run: no k-mer spans it.
//!
//! [`KmerCounter`] is an open-addressing hash table of packed keys (linear probing,
//! multiplicative hashing, grown at 70 % load); keys never equal the empty marker because a
//! 31-mer uses at most 62 bits.

use std::collections::HashMap;

use crate::{Error, Result};

/// The largest k a `u64` holds in 2 bits per base, keeping one value free as the empty marker.
pub const MAX_K: usize = 31;

/// 2-bit code per byte; 4 for anything that is not A/C/G/T (upper or lower case).
pub static CODE: [u8; 256] = {
    let mut t = [4u8; 256];
    t[b'A' as usize] = 0;
    t[b'C' as usize] = 1;
    t[b'G' as usize] = 2;
    t[b'T' as usize] = 3;
    t[b'a' as usize] = 0;
    t[b'c' as usize] = 1;
    t[b'g' as usize] = 2;
    t[b't' as usize] = 3;
    t
};

/// Check `k` against [`MAX_K`].
pub fn check_k(k: usize) -> Result<()> {
    if k == 0 || k > MAX_K {
        return Err(Error::config(format!(
            "k-mer length must be in 1..={MAX_K}, got {k}"
        )));
    }
    Ok(())
}

/// Call `f` with every (canonical, if asked) packed k-mer of `seq`, in order.
///
/// `k` must be in `1..=31` (checked by [`check_k`]; here it is only debug-asserted because this is
/// the hot loop).
#[inline]
pub fn for_each_kmer(seq: &[u8], k: usize, canonical: bool, mut f: impl FnMut(u64)) {
    debug_assert!((1..=MAX_K).contains(&k));
    let mask: u64 = if k == 32 {
        u64::MAX
    } else {
        (1u64 << (2 * k)) - 1
    };
    let shift = 2 * (k as u64 - 1);
    let (mut fwd, mut rev, mut run) = (0u64, 0u64, 0usize);
    for &b in seq {
        let c = CODE[b as usize];
        if c > 3 {
            run = 0;
            fwd = 0;
            rev = 0;
            continue;
        }
        let c = c as u64;
        fwd = ((fwd << 2) | c) & mask;
        rev = (rev >> 2) | ((3 - c) << shift);
        run += 1;
        if run >= k {
            f(if canonical { fwd.min(rev) } else { fwd });
        }
    }
}

/// The k-mer string of a packed code.
pub fn decode(code: u64, k: usize) -> String {
    (0..k)
        .map(|i| b"ACGT"[((code >> (2 * (k - 1 - i))) & 3) as usize] as char)
        .collect()
}

/// The packed code of an A/C/G/T string (`None` if it holds another letter or is longer than 31).
pub fn encode(kmer: &[u8]) -> Option<u64> {
    if kmer.is_empty() || kmer.len() > MAX_K {
        return None;
    }
    kmer.iter().try_fold(0u64, |acc, &b| {
        let c = CODE[b as usize];
        (c < 4).then_some((acc << 2) | c as u64)
    })
}

/// Reverse complement of an A/C/G/T(/N) string (other IUPAC codes map to `N`).
pub fn reverse_complement(seq: &[u8]) -> Vec<u8> {
    seq.iter()
        .rev()
        .map(|&b| match b.to_ascii_uppercase() {
            b'A' => b'T',
            b'C' => b'G',
            b'G' => b'C',
            b'T' => b'A',
            _ => b'N',
        })
        .collect()
}

const EMPTY: u64 = u64::MAX;

/// Counts of packed k-mers in an open-addressing table.
#[derive(Debug, Clone)]
pub struct KmerCounter {
    k: usize,
    canonical: bool,
    keys: Vec<u64>,
    counts: Vec<u32>,
    len: usize,
    shift: u32,
    total: u64,
}

impl KmerCounter {
    /// An empty counter for `k`-mers (canonical or as read).
    pub fn new(k: usize, canonical: bool) -> Result<Self> {
        check_k(k)?;
        Ok(Self::with_capacity_bits(k, canonical, 16))
    }

    fn with_capacity_bits(k: usize, canonical: bool, bits: u32) -> Self {
        let cap = 1usize << bits;
        KmerCounter {
            k,
            canonical,
            keys: vec![EMPTY; cap],
            counts: vec![0; cap],
            len: 0,
            shift: 64 - bits,
            total: 0,
        }
    }

    /// k.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Whether k-mers are counted canonically.
    pub fn canonical(&self) -> bool {
        self.canonical
    }

    /// Distinct k-mers.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True before any k-mer was counted.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Total k-mers counted (with multiplicity).
    pub fn total(&self) -> u64 {
        self.total
    }

    #[inline]
    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Add one occurrence of `key`.
    #[inline]
    pub fn add(&mut self, key: u64) {
        if (self.len + 1) * 10 > self.keys.len() * 7 {
            self.grow();
        }
        let m = self.keys.len() - 1;
        let mut i = self.slot(key);
        loop {
            let k = self.keys[i];
            if k == key {
                self.counts[i] = self.counts[i].saturating_add(1);
                break;
            }
            if k == EMPTY {
                self.keys[i] = key;
                self.counts[i] = 1;
                self.len += 1;
                break;
            }
            i = (i + 1) & m;
        }
        self.total += 1;
    }

    fn grow(&mut self) {
        let bits = 64 - self.shift + 1;
        let mut bigger = Self::with_capacity_bits(self.k, self.canonical, bits);
        let m = bigger.keys.len() - 1;
        for (&key, &c) in self.keys.iter().zip(&self.counts) {
            if key != EMPTY {
                let mut i = bigger.slot(key);
                while bigger.keys[i] != EMPTY {
                    i = (i + 1) & m;
                }
                bigger.keys[i] = key;
                bigger.counts[i] = c;
            }
        }
        bigger.len = self.len;
        bigger.total = self.total;
        *self = bigger;
    }

    /// Count every k-mer of `seq`.
    pub fn add_seq(&mut self, seq: &[u8]) {
        let (k, canonical) = (self.k, self.canonical);
        for_each_kmer(seq, k, canonical, |x| self.add(x));
    }

    /// Count of a packed k-mer (canonicalise it first when the counter is canonical).
    pub fn get(&self, key: u64) -> u32 {
        let m = self.keys.len() - 1;
        let mut i = self.slot(key);
        loop {
            match self.keys[i] {
                k if k == key => return self.counts[i],
                EMPTY => return 0,
                _ => i = (i + 1) & m,
            }
        }
    }

    /// Count of a k-mer string (canonicalised when the counter is canonical; 0 when absent or
    /// not an A/C/G/T string of length k).
    pub fn get_str(&self, kmer: &str) -> u32 {
        if kmer.len() != self.k {
            return 0;
        }
        let Some(fwd) = encode(kmer.as_bytes()) else {
            return 0;
        };
        if self.canonical {
            let rc = encode(&reverse_complement(kmer.as_bytes())).unwrap_or(fwd);
            self.get(fwd.min(rc))
        } else {
            self.get(fwd)
        }
    }

    /// `(packed k-mer, count)` pairs in table order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.keys
            .iter()
            .zip(&self.counts)
            .filter(|(&k, _)| k != EMPTY)
            .map(|(&k, &c)| (k, c))
    }

    /// `(packed k-mer, count)` pairs sorted by k-mer.
    pub fn sorted(&self) -> Vec<(u64, u32)> {
        let mut v: Vec<(u64, u32)> = self.iter().collect();
        v.sort_unstable();
        v
    }
}

/// Reference counter for tests: every k-mer as a string, canonical as the lexicographically
/// smaller of the k-mer and its reverse complement; windows holding anything but A/C/G/T skipped.
pub fn naive_count(seq: &[u8], k: usize, canonical: bool) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    if k == 0 || seq.len() < k {
        return out;
    }
    for w in seq.windows(k) {
        let up: Vec<u8> = w.iter().map(u8::to_ascii_uppercase).collect();
        if !up.iter().all(|b| b"ACGT".contains(b)) {
            continue;
        }
        let mut s = String::from_utf8(up.clone()).unwrap_or_default();
        if canonical {
            let rc = String::from_utf8(reverse_complement(&up)).unwrap_or_default();
            if rc < s {
                s = rc;
            }
        }
        *out.entry(s).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip() {
        for s in ["A", "ACGT", "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT", "GATTACA"] {
            let c = encode(s.as_bytes()).unwrap();
            assert_eq!(decode(c, s.len()), s);
        }
        assert_eq!(encode(b"ACNT"), None);
        assert!(check_k(32).is_err() && check_k(0).is_err() && check_k(31).is_ok());
    }

    #[test]
    fn counter_grows_and_matches_naive() {
        let mut rng = deepfield_core::Rng::new(3);
        let seq: Vec<u8> = (0..50_000)
            .map(|_| {
                b"ACGTN"[if rng.uniform() < 0.01 {
                    4
                } else {
                    rng.below(4)
                }]
            })
            .collect();
        for (k, canonical) in [(5, true), (13, false), (31, true)] {
            let mut c = KmerCounter::new(k, canonical).unwrap();
            c.add_seq(&seq);
            let naive = naive_count(&seq, k, canonical);
            assert_eq!(c.len(), naive.len(), "k={k}");
            assert_eq!(c.total(), naive.values().sum::<u64>());
            for (s, n) in &naive {
                assert_eq!(c.get_str(s) as u64, *n, "{s}");
            }
        }
    }
}
