//! A tokenised sentence with one tag per token: what the CoNLL NER reader yields, what the PHI
//! note simulator writes and what the taggers train on and predict. Tags are BIO/BIOES strings
//! (`O`, `B-PER`, `I-LOC`, `S-DATE`, …).

use serde::{Deserialize, Serialize};

/// Tokens and their tags, index by index (same length).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tagged {
    /// The tokens, as written.
    pub tokens: Vec<String>,
    /// One tag per token.
    pub tags: Vec<String>,
}

impl Tagged {
    /// A sentence from tokens and tags; an error when their lengths differ.
    pub fn new(tokens: Vec<String>, tags: Vec<String>) -> crate::Result<Self> {
        if tokens.len() != tags.len() {
            return Err(crate::Error::input(format!(
                "{} tokens but {} tags",
                tokens.len(),
                tags.len()
            )));
        }
        Ok(Self { tokens, tags })
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True for a sentence without tokens.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}
