//! Readers and writers of text corpora, streaming, with line-numbered errors.

pub mod conll_ner;
