//! Readers of text formats: streaming, with errors that name the file and line.

pub mod conllu;
pub mod plain;
