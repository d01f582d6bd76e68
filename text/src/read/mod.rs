//! Readers (and writers) of the text file formats, streaming, with line-numbered errors.

pub mod trec;
