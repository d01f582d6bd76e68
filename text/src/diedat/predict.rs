//! Die/dat for a user's text file (`deepfield-text eval die-dat`): a saved model folder is
//! restored, the file is read as plain text ([`crate::read::plain`]), split into sentences and
//! words, and every gap is filled. Gaps are the masked positions — `<mask>` or a run of
//! underscores (`___`) — or, when the file has none, every die/dat as written; then the written
//! word counts as the label and the accuracy is reported. The previous sentence of the file is
//! the context.

use std::path::Path;

use serde::Serialize;

use super::data::{label_of, Example, LABELS, MASK, NO_CONTEXT, POS_NAMES};
use super::model::{DieDat, DieDatConfig};
use super::train::predict;
use crate::read::plain;
use crate::{Error, Result};

/// One filled gap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapPrediction {
    /// 1-based line of the sentence's start.
    pub line: usize,
    /// 0-based word index in the sentence.
    pub word: usize,
    pub sentence: String,
    /// What the file has at the gap (`<mask>`, `___`, `die`, `Dat`, …).
    pub written: String,
    /// `die` or `dat`.
    pub predicted: String,
    /// Probability of `dat`.
    pub p_dat: f64,
    /// The masked word's POS class, for a multitask model.
    pub pos: Option<String>,
}

/// All gaps of a file, with the accuracy when the file's own die/dat were the gaps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilePredictions {
    pub gaps: Vec<GapPrediction>,
    /// Share of die/dat the model restored, when the gaps were the written die/dat.
    pub accuracy: Option<f64>,
}

fn is_mask(t: &str) -> bool {
    t == MASK || (t.len() >= 2 && t.chars().all(|c| c == '_'))
}

/// A restored die/dat model.
pub struct DieDatPredictor {
    pub config: DieDatConfig,
    model: DieDat,
    _vs: tch::nn::VarStore,
}

impl DieDatPredictor {
    /// Restores the model folder `dir` (a `text.die_dat` checkpoint).
    pub fn load(dir: &Path) -> Result<Self> {
        let (config, vs, model) =
            deepfield_core::models::restore_model::<DieDatConfig>(dir, deepfield_core::device())?;
        Ok(Self {
            config,
            model,
            _vs: vs,
        })
    }

    /// Fills the gaps of the text file `path`.
    pub fn predict_file(&self, path: &Path) -> Result<FilePredictions> {
        let text = plain::read_text(path)?.replace("<mask>", " ___ ");
        let sentences: Vec<(usize, String, Vec<String>)> = plain::split_sentences(&text)
            .into_iter()
            .map(|(l, s)| {
                let t = plain::tokenize(&s);
                (l, s, t)
            })
            .collect();
        let masked_mode = sentences
            .iter()
            .any(|(_, _, t)| t.iter().any(|w| is_mask(w)));
        let mut examples = Vec::new();
        let mut meta = Vec::new();
        for (k, (line, s, toks)) in sentences.iter().enumerate() {
            let gap = |w: &String| {
                if masked_mode {
                    is_mask(w)
                } else {
                    label_of(w).is_some()
                }
            };
            let masked: Vec<String> = toks
                .iter()
                .map(|w| {
                    if gap(w) || label_of(w).is_some() {
                        MASK.to_string()
                    } else {
                        w.to_lowercase()
                    }
                })
                .collect();
            let context = match k.checked_sub(1).map(|p| &sentences[p].2) {
                Some(c) if !c.is_empty() => c.iter().map(|w| w.to_lowercase()).collect(),
                _ => vec![NO_CONTEXT.to_string()],
            };
            for (i, w) in toks.iter().enumerate().filter(|(_, w)| gap(w)) {
                examples.push(Example {
                    tokens: masked.clone(),
                    target: i,
                    label: label_of(w).unwrap_or(0),
                    pos: None,
                    context: context.clone(),
                    source: "user",
                    article: false,
                });
                meta.push((*line, i, s.clone(), w.clone()));
            }
        }
        if examples.is_empty() {
            return Err(Error::input(format!(
                "{}: no gap to fill (mark gaps with <mask> or ___, or write die/dat)",
                path.display()
            )));
        }
        let vocab = self.config.vocabulary()?;
        let (p, pos) = predict(&self.model, &examples, &vocab, 256)?;
        let accuracy = (!masked_mode).then(|| super::train::accuracy(&p, &examples));
        let gaps = meta
            .into_iter()
            .zip(&p)
            .enumerate()
            .map(
                |(k, ((line, word, sentence, written), &p_dat))| GapPrediction {
                    line,
                    word,
                    sentence,
                    written,
                    predicted: LABELS[(p_dat >= 0.5) as usize].to_string(),
                    p_dat,
                    pos: pos
                        .as_ref()
                        .and_then(|v| v.get(k))
                        .and_then(|&c| POS_NAMES.get(c as usize))
                        .map(|s| s.to_string()),
                },
            )
            .collect();
        Ok(FilePredictions { gaps, accuracy })
    }
}

impl FilePredictions {
    /// A CSV: `line,word,written,predicted,p_dat,pos,sentence`.
    pub fn csv(&self) -> Result<String> {
        let rows: Vec<Vec<String>> = self
            .gaps
            .iter()
            .map(|g| {
                vec![
                    g.line.to_string(),
                    g.word.to_string(),
                    g.written.clone(),
                    g.predicted.clone(),
                    format!("{:.4}", g.p_dat),
                    g.pos.clone().unwrap_or_default(),
                    g.sentence.clone(),
                ]
            })
            .collect();
        Ok(deepfield_core::fsutil::csv_string(
            [
                "line",
                "word",
                "written",
                "predicted",
                "p_dat",
                "pos",
                "sentence",
            ],
            rows,
        )?)
    }
}
