//! Seeded speaker split and digit-matched image pairing, kept apart from any I/O so their rules
//! can be tested: speakers are disjoint across train/val/test, and every image is used once.

use std::collections::BTreeMap;

use deepfield_core::rng::Rng;

use crate::{Error, Result};

/// Which speakers go where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpeakerSplit {
    pub train: Vec<String>,
    pub val: Vec<String>,
    pub test: Vec<String>,
}

/// A seeded permutation of the sorted distinct `speakers`: the first `test` go to test, the next
/// `val` to validation, the rest to training (at least one must remain).
pub fn split_speakers(
    speakers: &[String],
    test: usize,
    val: usize,
    seed: u64,
) -> Result<SpeakerSplit> {
    let mut uniq: Vec<String> = speakers.to_vec();
    uniq.sort();
    uniq.dedup();
    if uniq.len() < test + val + 1 {
        return Err(Error::input(format!(
            "AV-MNIST: {} speaker(s) ({}) cannot give {test} test, {val} validation and ≥ 1 training speaker",
            uniq.len(),
            uniq.join(", ")
        )));
    }
    let mut rng = Rng::new(seed);
    rng.shuffle(&mut uniq);
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    Ok(SpeakerSplit {
        test: sorted(&uniq[..test]),
        val: sorted(&uniq[test..test + val]),
        train: sorted(&uniq[test + val..]),
    })
}

/// Image pools per digit: a seeded shuffle of the indices of each label, drawn from without
/// replacement, so no image is paired twice (and the train and validation pairs of one MNIST
/// half never share an image).
#[derive(Debug)]
pub struct ImagePool {
    pools: BTreeMap<i64, Vec<usize>>,
    what: &'static str,
}

impl ImagePool {
    /// Pools over `labels` (`labels[i]` = the digit of image `i`).
    pub fn new(labels: &[i64], seed: u64, what: &'static str) -> Self {
        let mut pools: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (i, &l) in labels.iter().enumerate() {
            pools.entry(l).or_default().push(i);
        }
        let mut rng = Rng::new(seed);
        for v in pools.values_mut() {
            rng.shuffle(v);
        }
        ImagePool { pools, what }
    }

    /// The next unused image of `digit`.
    pub fn draw(&mut self, digit: i64) -> Result<usize> {
        self.pools
            .get_mut(&digit)
            .and_then(Vec::pop)
            .ok_or_else(|| {
                Error::input(format!(
                    "AV-MNIST: the {} images have no unused image of digit {digit} left",
                    self.what
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speakers_are_disjoint_and_seeded() {
        let names: Vec<String> = ["a", "b", "c", "d", "e", "a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let s = split_speakers(&names, 1, 1, 3).unwrap();
        assert_eq!(s.test.len() + s.val.len() + s.train.len(), 5);
        for t in &s.test {
            assert!(!s.train.contains(t) && !s.val.contains(t));
        }
        assert_eq!(s, split_speakers(&names, 1, 1, 3).unwrap());
        assert!(split_speakers(&names[..2], 1, 1, 0).is_err());
    }

    #[test]
    fn images_are_drawn_once_per_label() {
        let labels = [0i64, 1, 0, 1, 0];
        let mut pool = ImagePool::new(&labels, 1, "train");
        let mut zeros: Vec<usize> = (0..3).map(|_| pool.draw(0).unwrap()).collect();
        zeros.sort();
        assert_eq!(zeros, [0, 2, 4]);
        assert!(pool.draw(0).unwrap_err().to_string().contains("digit 0"));
        assert!(pool.draw(7).is_err());
    }
}
