//! Readers and writers of text corpora and retrieval files, streaming, with errors that name the
//! file and line.

pub mod conll_ner;
pub mod conllu;
pub mod plain;
pub mod trec;
