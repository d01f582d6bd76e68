//! BM25 first-stage retrieval through the `tantivy` search engine (cargo feature `search`).
//!
//! One text field analysed by tantivy's English chain — `SimpleTokenizer` (split on
//! non-alphanumerics), tokens over 40 bytes dropped, lower-casing, tantivy's English stop-word
//! list, the Snowball English (Porter 2) stemmer — and one stored id field. Scoring is tantivy's
//! BM25 (k1 = 1.2, b = 0.75). A query is analysed by the same chain and searched as a bag of
//! words: one `Should` clause per distinct term, boosted by the term's count in the query (the
//! query-term-frequency weighting of Anserini's bag-of-words queries), so a long legal
//! situation needs no query syntax and cannot fail to parse.
//!
//! The text is stored too (the `search` command re-ranks hits with a neural ranker from the index
//! alone). Indexes live in RAM ([`Bm25Index::in_ram`]) or in a folder ([`Bm25Index::create`], built in a
//! temporary sibling and renamed into place, so a failed build leaves no half index;
//! [`Bm25Index::open`] reopens it).

use std::collections::BTreeMap;
use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, TantivyDocument, Term};

use deepfield_core::fsutil;

pub use super::document::Document;
use crate::{Error, Result};

/// The analyzer's registered name.
pub const ANALYZER: &str = "en_stem_stop";

/// A BM25 index over [`Document`]s.
pub struct Bm25Index {
    index: Index,
    reader: IndexReader,
    id: Field,
    text: Field,
}

fn search_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::input(format!("search index: {what}: {e}"))
}

/// tantivy's English analysis chain (see the [module docs](self)).
pub fn english_analyzer() -> Result<TextAnalyzer> {
    let stop = StopWordFilter::new(Language::English)
        .ok_or_else(|| Error::config("tantivy has no English stop-word list"))?;
    Ok(TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(stop)
        .filter(Stemmer::new(Language::English))
        .build())
}

/// The analysed terms of `text` (what the index stores and a query searches).
pub fn analyze(text: &str) -> Result<Vec<String>> {
    let mut analyzer = english_analyzer()?;
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    Ok(out)
}

fn schema() -> (Schema, Field, Field) {
    let mut b = Schema::builder();
    let id = b.add_text_field("id", STRING | STORED);
    let opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let text = b.add_text_field("text", opts.set_stored());
    (b.build(), id, text)
}

impl Bm25Index {
    fn wrap(index: Index) -> Result<Self> {
        index.tokenizers().register(ANALYZER, english_analyzer()?);
        let s = index.schema();
        let field = |name: &str| {
            s.get_field(name)
                .map_err(|e| search_err("not a deepfield BM25 index", e))
        };
        let (id, text) = (field("id")?, field("text")?);
        let reader = index.reader().map_err(|e| search_err("reader", e))?;
        Ok(Bm25Index {
            index,
            reader,
            id,
            text,
        })
    }

    fn fill(&self, docs: &[Document]) -> Result<()> {
        let mut writer = self
            .index
            .writer_with_num_threads::<TantivyDocument>(1, 50_000_000)
            .map_err(|e| search_err("writer", e))?;
        for d in docs {
            let mut doc = TantivyDocument::default();
            doc.add_text(self.id, &d.id);
            doc.add_text(self.text, &d.text);
            writer
                .add_document(doc)
                .map_err(|e| search_err("adding a document", e))?;
        }
        writer.commit().map_err(|e| search_err("commit", e))?;
        self.reader.reload().map_err(|e| search_err("reload", e))?;
        Ok(())
    }

    /// An index in memory over `docs`.
    pub fn in_ram(docs: &[Document]) -> Result<Self> {
        let me = Self::wrap(Index::create_in_ram(schema().0))?;
        me.fill(docs)?;
        Ok(me)
    }

    /// An index in the folder `dir` over `docs` (built beside it and renamed into place; an
    /// existing index there is replaced).
    pub fn create(dir: &Path, docs: &[Document]) -> Result<Self> {
        fsutil::write_dir_atomic(dir, |partial| {
            let index = Index::create_in_dir(partial, schema().0)
                .map_err(|e| search_err(&partial.display().to_string(), e))?;
            let me = Self::wrap(index)?;
            me.fill(docs)?;
            Ok(())
        })?;
        Self::open(dir)
    }

    /// Reopens the index in `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        let index =
            Index::open_in_dir(dir).map_err(|e| search_err(&dir.display().to_string(), e))?;
        Self::wrap(index)
    }

    /// Number of indexed documents.
    pub fn len(&self) -> usize {
        self.reader.searcher().num_docs() as usize
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k` best documents for `query` as (id, BM25 score), best first; documents sharing
    /// no term with the query are not returned.
    pub fn search(&self, query: &str, k: usize) -> Result<Vec<(String, f64)>> {
        Ok(self
            .search_texts(query, k)?
            .into_iter()
            .map(|(d, s)| (d.id, s))
            .collect())
    }

    /// [`search`](Self::search) with each document's stored text.
    pub fn search_texts(&self, query: &str, k: usize) -> Result<Vec<(Document, f64)>> {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for t in analyze(query)? {
            *counts.entry(t).or_default() += 1;
        }
        if counts.is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = counts
            .into_iter()
            .map(|(t, n)| {
                let term = TermQuery::new(
                    Term::from_field_text(self.text, &t),
                    IndexRecordOption::WithFreqs,
                );
                let q: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(term), n as f32));
                (Occur::Should, q)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let hits = searcher
            .search(&query, &TopDocs::with_limit(k))
            .map_err(|e| search_err("search", e))?;
        let mut out = Vec::with_capacity(hits.len());
        for (score, addr) in hits {
            let doc: TantivyDocument = searcher
                .doc(addr)
                .map_err(|e| search_err("stored document", e))?;
            let field = |f: Field| {
                doc.get_first(f)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .ok_or_else(|| search_err("stored document", "no id or text"))
            };
            let d = Document {
                id: field(self.id)?,
                text: field(self.text)?,
            };
            out.push((d, score as f64));
        }
        Ok(out)
    }
}
