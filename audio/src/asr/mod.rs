//! Speech recognition with word, character and subword units for Tamil and Kannada — the
//! pieces of the `subword-asr` reproduction (seed: "Knowledge-driven Subword Grammar Modeling
//! for ASR in Tamil and Kannada").
//!
//! Reading order:
//! 1. [`text`] — the sentences of the shared data, normalised, cut into phrases;
//! 2. [`synth`], [`noise`], [`corpus`] — the synthetic corpus: eSpeak NG voices, real background
//!    noise, synthetic rooms, sentence- and voice-disjoint splits, cached;
//! 3. [`morph`], [`treebank`] — the knowledge-driven segmenter and its agreement with UD
//!    Tamil-TTB; [`units`] — words, characters, knowledge-driven and BPE/Unigram subwords;
//! 4. [`logmel`] → [`model`] (CNN + BiLSTM + CTC) → [`train`] (core's Trainer);
//! 5. [`lm`] (Witten-Bell n-gram) and [`decode`] (greedy, prefix beam search); [`wer`];
//! 6. [`saved`] — a trained model folder and `transcribe`.

pub mod corpus;
pub mod decode;
pub mod lm;
pub mod logmel;
pub mod model;
pub mod morph;
pub mod noise;
pub mod saved;
pub mod synth;
pub mod text;
pub mod train;
pub mod treebank;
pub mod units;
pub mod wer;

pub use saved::{AsrModelConfig, Transcriber};
