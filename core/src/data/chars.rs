//! Character-level text (tiny_shakespeare and the like): the sorted set of characters of a file
//! as the vocabulary and the text as ids into it, with the 90/10 split by position that the
//! character language models of core's reproductions train and test on.

use std::path::Path;

use crate::{Error, Result};

/// A text as character ids.
#[derive(Debug, Clone)]
pub struct CharText {
    /// The distinct characters, sorted; id i is `vocab[i]`.
    pub vocab: Vec<char>,
    /// The text as ids into `vocab`.
    pub ids: Vec<i64>,
}

impl CharText {
    /// Read a UTF-8 text file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Ok(Self::from_text(&text))
    }

    /// Encode `text`.
    pub fn from_text(text: &str) -> Self {
        let mut vocab: Vec<char> = text.chars().collect();
        vocab.sort_unstable();
        vocab.dedup();
        let ids = text
            .chars()
            .map(|c| vocab.binary_search(&c).map_or(0, |i| i as i64))
            .collect();
        CharText { vocab, ids }
    }

    /// Where the held-out last tenth of the text starts.
    pub fn test_start(&self) -> usize {
        self.ids.len() * 9 / 10
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_index_the_sorted_vocabulary() {
        let t = CharText::from_text("abca b");
        assert_eq!(t.vocab, vec![' ', 'a', 'b', 'c']);
        assert_eq!(t.ids, vec![1, 2, 3, 1, 0, 2]);
        assert_eq!(t.test_start(), 5);
        assert!(CharText::read(Path::new("/no/such/file.txt"))
            .unwrap_err()
            .to_string()
            .contains("/no/such/file.txt"));
    }
}
