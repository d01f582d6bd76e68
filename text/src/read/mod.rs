//! Readers and writers of text corpora and retrieval files, streaming, with line-numbered errors.

pub mod conll_ner;
pub mod trec;
