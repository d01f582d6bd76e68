//! `deepfield-text eval tag`: tag a user's CoNLL or plain-text file with a saved tagger, write
//! the predictions as CoNLL, and score them with seqeval when the file has gold tags.

use std::path::{Path, PathBuf};

use deepfield_core::nn::crf::TagScheme;

use super::Tagger;
use crate::phi::tokenize::tokenize;
use crate::read::conll_ner::{self, Repair};
use crate::seqeval::{evaluate, Mode, Report};
use crate::tagged::Tagged;
use crate::{Error, Result};

/// What `eval tag` does.
#[derive(Debug, Clone)]
pub struct TagOptions {
    /// The saved tagger's folder.
    pub model: PathBuf,
    /// A CoNLL NER file (token … tag columns; its tags are the gold standard), or a `.txt` file
    /// of plain text (one sentence per line, split like `deidentify` splits it).
    pub input: PathBuf,
    /// Tag scheme of the CoNLL input and of the written predictions.
    pub scheme: TagScheme,
    /// Write the predictions here as CoNLL (atomically).
    pub out: Option<PathBuf>,
}

/// What `eval tag` found.
#[derive(Debug, Clone)]
pub struct TagOutcome {
    pub sentences: usize,
    pub tokens: usize,
    /// seqeval scores (default mode) against the gold tags of a CoNLL input.
    pub report: Option<Report>,
    /// Broken gold sequences repaired while reading.
    pub repairs: Vec<Repair>,
    pub predictions: Vec<Tagged>,
}

fn is_plain(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

/// Run `eval tag`.
pub fn tag_file(opts: &TagOptions) -> Result<TagOutcome> {
    let tagger = Tagger::load(&opts.model, deepfield_core::device())?;
    let (input, gold, repairs) = if is_plain(&opts.input) {
        let text = std::fs::read_to_string(&opts.input).map_err(|e| Error::io(&opts.input, e))?;
        let sentences: Vec<Tagged> = text
            .lines()
            .map(tokenize)
            .filter(|t| !t.is_empty())
            .map(|t| Tagged {
                tags: vec!["O".into(); t.len()],
                tokens: t.into_iter().map(|s| s.text).collect(),
            })
            .collect();
        (sentences, false, Vec::new())
    } else {
        let data = conll_ner::read(&opts.input, opts.scheme)?;
        (data.sentences, true, data.repairs)
    };
    if input.is_empty() {
        return Err(Error::parse(&opts.input, 0, "no sentences to tag"));
    }
    let predictions = tagger.tag_sentences(&input, opts.scheme)?;
    let report = if gold {
        let g: Vec<&Vec<String>> = input.iter().map(|s| &s.tags).collect();
        let p: Vec<&Vec<String>> = predictions.iter().map(|s| &s.tags).collect();
        let g: Vec<Vec<&str>> = g
            .iter()
            .map(|v| v.iter().map(String::as_str).collect())
            .collect();
        let p: Vec<Vec<&str>> = p
            .iter()
            .map(|v| v.iter().map(String::as_str).collect())
            .collect();
        Some(evaluate(&g, &p, Mode::Default)?)
    } else {
        None
    };
    if let Some(out) = &opts.out {
        conll_ner::write(out, &predictions)?;
    }
    Ok(TagOutcome {
        sentences: input.len(),
        tokens: input.iter().map(Tagged::len).sum(),
        report,
        repairs,
        predictions,
    })
}
