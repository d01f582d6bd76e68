//! The bigram language-model baseline of the die/dat table: a word bigram model with add-k
//! smoothing trained on the training sentences (lower-cased, with sentence boundary marks),
//! which fills a gap with whichever of die/dat makes the two bigrams around it more likely,
//! `P(w | previous) · P(next | w)`.

use std::collections::HashMap;

use super::data::label_of;

const BOS: &str = "<s>";
const EOS: &str = "</s>";

/// Counts of a bigram model.
#[derive(Debug, Clone, Default)]
pub struct BigramLm {
    unigrams: HashMap<String, f64>,
    bigrams: HashMap<(String, String), f64>,
    /// Add-k smoothing constant.
    pub k: f64,
}

impl BigramLm {
    /// Counts the bigrams of `sentences` (tokens as written; lower-cased here).
    pub fn train<S: AsRef<str>>(sentences: &[Vec<S>], k: f64) -> Self {
        let mut lm = BigramLm {
            k,
            ..Default::default()
        };
        for s in sentences {
            let toks: Vec<String> = std::iter::once(BOS.to_string())
                .chain(s.iter().map(|t| t.as_ref().to_lowercase()))
                .chain(std::iter::once(EOS.to_string()))
                .collect();
            for w in toks.windows(2) {
                *lm.unigrams.entry(w[0].clone()).or_default() += 1.0;
                *lm.bigrams.entry((w[0].clone(), w[1].clone())).or_default() += 1.0;
            }
        }
        lm
    }

    fn log_p(&self, prev: &str, next: &str) -> f64 {
        let v = self.unigrams.len() as f64 + 1.0;
        let c = self
            .bigrams
            .get(&(prev.to_string(), next.to_string()))
            .copied()
            .unwrap_or(0.0);
        let n = self.unigrams.get(prev).copied().unwrap_or(0.0);
        ((c + self.k) / (n + self.k * v)).ln()
    }

    /// 1 (dat) or 0 (die) for the gap at `target` of `tokens`; the neighbours are read as
    /// written (a neighbouring die/dat counts as itself). Ties go to `tie`.
    pub fn predict<S: AsRef<str>>(&self, tokens: &[S], target: usize, tie: i64) -> i64 {
        let at = |i: isize| -> String {
            if i < 0 {
                BOS.into()
            } else if i as usize >= tokens.len() {
                EOS.into()
            } else {
                tokens[i as usize].as_ref().to_lowercase()
            }
        };
        let (prev, next) = (at(target as isize - 1), at(target as isize + 1));
        let score = |w: &str| self.log_p(&prev, w) + self.log_p(w, &next);
        let (die, dat) = (score("die"), score("dat"));
        if (die - dat).abs() < 1e-12 {
            tie
        } else if dat > die {
            1
        } else {
            0
        }
    }
}

/// Whether a token is die/dat (a gap the model may fill).
pub fn is_gap(token: &str) -> bool {
    label_of(token).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_likelier_bigrams() {
        let s: Vec<Vec<&str>> = vec![
            vec!["ik", "denk", "dat", "het", "regent"],
            vec!["de", "man", "die", "loopt"],
            vec!["de", "vrouw", "die", "zingt"],
        ];
        let lm = BigramLm::train(&s, 0.1);
        assert_eq!(
            lm.predict(&["zij", "denkt", "die", "het", "klopt"], 2, 0),
            1
        );
        assert_eq!(lm.predict(&["de", "hond", "dat", "loopt"], 2, 1), 0);
        assert_eq!(lm.predict(&["x", "y", "z"], 1, 1), 1);
    }
}
