//! Retrieval: BM25 through tantivy ([`bm25`], cargo feature `search`), trec_eval's IR metrics
//! and COLIEE's F2 ([`metrics`]), the attentive neural ranker ([`ranker`], trained by
//! [`train`] over [`sentences`]) and BM25 + neural score mixing ([`mix`]).

#[cfg(feature = "search")]
pub mod bm25;
pub mod document;
pub mod metrics;
pub mod mix;
pub mod ranker;
pub mod sentences;
pub mod train;
