//! Sequences: the streaming FASTA/FASTQ reader, 2-bit k-mers and their counter, k-mer profiles,
//! one-hot encoding and metadata tables.

pub mod kmer;
pub mod metadata;
pub mod onehot;
pub mod profile;
pub mod reader;

pub use kmer::{for_each_kmer, KmerCounter, MAX_K};
pub use metadata::{join, read_labels, read_metadata, JoinReport, Metadata};
pub use onehot::one_hot;
pub use profile::{ProfileConfig, SparseProfile};
pub use reader::{read_all, ReadStats, Record, SeqReader};
