//! The `search` command: BM25 over a folder of text documents through tantivy, optionally
//! re-ranked by a saved attentive ranker (`text.attentive_ranker` checkpoint with its
//! `vocab.json`), printed as `rank  doc  score` and optionally written as a TREC run file.

use std::path::{Path, PathBuf};

use clap::Args;

use deepfield_core::models::restore_model;

use crate::read::trec::Run;
use crate::retrieval::bm25::{Bm25Index, Document};
use crate::retrieval::document::read_folder;
use crate::retrieval::mix;
use crate::retrieval::ranker::AttentiveRankerConfig;
use crate::retrieval::{sentences, train::score_all};
use crate::vocab::Vocab;
use crate::{Error, Result};

/// `deepfield-text search`.
#[derive(Debug, Clone, Args)]
pub struct SearchArgs {
    /// The query text.
    pub query: String,
    /// Folder of text documents to index (every file, recursively; unreadable and non-UTF-8
    /// files are listed and skipped).
    #[arg(long, value_name = "DIR")]
    pub docs: Option<PathBuf>,
    /// Keep the index in this folder (written atomically from --docs; reused when --docs is
    /// left out). Without it the index lives in memory.
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// Only files with these extensions (comma separated, e.g. `txt,md`); all files when empty.
    #[arg(long, value_delimiter = ',')]
    pub ext: Vec<String>,
    /// How many documents to print.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// A saved ranker (a `legal-retrieval` results `model/` folder) to re-rank BM25's hits.
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// BM25 hits re-ranked by --model.
    #[arg(long, default_value_t = 100)]
    pub depth: usize,
    /// Weight of BM25 in the mix (default: the one saved with the model).
    #[arg(long)]
    pub bm25_weight: Option<f64>,
    /// Also write the ranking as a TREC run file.
    #[arg(long, value_name = "FILE")]
    pub run: Option<PathBuf>,
    /// Query id in the run file.
    #[arg(long, default_value = "Q1")]
    pub query_id: String,
}

/// The index the arguments ask for; skipped files are reported on stderr.
fn index(args: &SearchArgs) -> Result<Bm25Index> {
    match (&args.docs, &args.index) {
        (Some(dir), target) => {
            let exts: Vec<&str> = args.ext.iter().map(String::as_str).collect();
            let folder = read_folder(dir, &exts)?;
            for (path, why) in &folder.skipped {
                eprintln!("skipped {}: {why}", path.display());
            }
            if folder.documents.is_empty() {
                return Err(Error::input(format!(
                    "{}: no readable text document to index",
                    dir.display()
                )));
            }
            match target {
                Some(t) => Bm25Index::create(t, &folder.documents),
                None => Bm25Index::in_ram(&folder.documents),
            }
        }
        (None, Some(t)) => Bm25Index::open(t),
        (None, None) => Err(Error::input(
            "search: give --docs DIR (a folder to index) or --index DIR (an index built before)",
        )),
    }
}

/// Re-ranks `hits` with the ranker saved in `dir`: `w · bm25 + (1 − w) · ranker`, each min–max
/// normalised over the hits.
pub fn rerank(
    dir: &Path,
    query: &str,
    hits: Vec<(Document, f64)>,
    weight: Option<f64>,
) -> Result<Vec<(String, f64)>> {
    let device = deepfield_core::device();
    let (config, _vs, model) = restore_model::<AttentiveRankerConfig>(dir, device)?;
    let vocab = Vocab::load(&dir.join("vocab.json"))?;
    let w = weight.unwrap_or(config.bm25_weight);
    if !(0.0..=1.0).contains(&w) {
        return Err(Error::input(format!(
            "--bm25-weight must be in [0, 1], got {w}"
        )));
    }
    if hits.is_empty() {
        return Ok(Vec::new());
    }
    let (s, wd) = (config.max_sentences as usize, config.max_words as usize);
    let docs: Vec<Vec<Vec<i64>>> = hits
        .iter()
        .map(|(d, _)| sentences::encode(&vocab, &d.text, s, wd))
        .collect();
    let q = sentences::pack(&[sentences::encode(&vocab, query, s, wd)], s, wd)?;
    let d = sentences::pack(&docs, s, wd)?;
    let neural = score_all(&model, &q.to_device(device), &d.to_device(device), 64)?;
    let neural = neural.into_iter().next().unwrap_or_default();
    let bm25: Vec<f64> = hits.iter().map(|(_, s)| *s).collect();
    let mixed = mix::mix(&bm25, &neural, w);
    Ok(hits
        .into_iter()
        .zip(mixed)
        .map(|((d, _), m)| (d.id, m))
        .collect())
}

/// Runs the command: the ranking, best first (also printed and, with --run, written).
pub fn run(args: &SearchArgs) -> Result<Vec<(String, f64)>> {
    if args.top == 0 {
        return Err(Error::input("--top must be at least 1"));
    }
    let idx = index(args)?;
    let depth = if args.model.is_some() {
        args.depth.max(args.top)
    } else {
        args.top
    };
    let hits = idx.search_texts(&args.query, depth)?;
    let ranked: Vec<(String, f64)> = match &args.model {
        Some(dir) => rerank(dir, &args.query, hits, args.bm25_weight)?,
        None => hits.into_iter().map(|(d, s)| (d.id, s)).collect(),
    };
    let mut run = Run::new();
    run.set(&args.query_id, ranked);
    let mut top: Vec<(String, f64)> = run.ranking(&args.query_id).unwrap_or(&[]).to_vec();
    top.truncate(args.top);
    if let Some(path) = &args.run {
        let mut cut = Run::new();
        cut.set(&args.query_id, top.clone());
        cut.write(path, "deepfield")?;
    }
    if top.is_empty() {
        eprintln!("no document shares a term with the query");
    }
    for (i, (d, s)) in top.iter().enumerate() {
        println!("{}\t{d}\t{s:.4}", i + 1);
    }
    Ok(top)
}
