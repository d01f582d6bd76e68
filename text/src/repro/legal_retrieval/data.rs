//! The AILA 2019 statute-retrieval data: `Query_doc.txt` (`AILA_Q<n>||text`), the 197 statutes
//! `Object_statutes/S<id>.txt` (`Title: …` and `Desc: …` lines) and the TREC qrels.

use std::path::{Path, PathBuf};

use deepfield_core::data::DatasetSpec;

use crate::read::trec::Qrels;
use crate::retrieval::document::Document;
use crate::{Error, Result};

/// The dataset folder and what it must hold.
pub const AILA: DatasetSpec = DatasetSpec {
    name: "legal_retrieval_aila2019",
    files: &[
        "Query_doc.txt",
        "relevance_judgments_statutes.txt",
        "Object_statutes",
    ],
    source: "AILA 2019 (FIRE) statute retrieval, Zenodo record 4063986 (copy in GitHub \
             Ananyapam7/AILA-Artificial-Intelligence-for-Legal-Assistance commit 1c26652c), \
             queries AILA_Q1–Q40; subset rule in legal_retrieval_aila2019/SOURCE.md",
};

/// Queries, statutes and judgements.
pub struct Aila {
    pub dir: PathBuf,
    /// (id, text) in file order.
    pub queries: Vec<(String, String)>,
    /// Statutes in id order (`S1`, `S2`, … numerically).
    pub statutes: Vec<Document>,
    pub qrels: Qrels,
}

/// Reads `Query_doc.txt`-style lines `id||text`.
pub fn read_queries(path: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((id, body)) = line.split_once("||") else {
            return Err(Error::parse(
                path,
                i + 1,
                "expected `<query id>||<query text>`",
            ));
        };
        if id.trim().is_empty() || body.trim().is_empty() {
            return Err(Error::parse(path, i + 1, "empty query id or text"));
        }
        out.push((id.trim().to_string(), body.trim().to_string()));
    }
    Ok(out)
}

/// A statute file's text: the `Title:` and `Desc:` lines without their labels, joined.
pub fn read_statute(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut parts = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        let l = l
            .strip_prefix("Title:")
            .or_else(|| l.strip_prefix("Desc:"))
            .unwrap_or(l)
            .trim();
        if !l.is_empty() {
            parts.push(l.to_string());
        }
    }
    if parts.is_empty() {
        return Err(Error::parse(path, 0, "empty statute file"));
    }
    Ok(parts.join(". "))
}

fn number(id: &str) -> u64 {
    id.trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap_or(u64::MAX)
}

/// Loads the folder `dir`.
pub fn load(dir: &Path) -> Result<Aila> {
    let queries = read_queries(&dir.join("Query_doc.txt"))?;
    let qrels = Qrels::read(&dir.join("relevance_judgments_statutes.txt"))?;
    let sdir = dir.join("Object_statutes");
    let mut statutes = Vec::new();
    for entry in std::fs::read_dir(&sdir).map_err(|e| Error::io(&sdir, e))? {
        let path = entry.map_err(|e| Error::io(&sdir, e))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        let Some(id) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        statutes.push(Document {
            id: id.to_string(),
            text: read_statute(&path)?,
        });
    }
    statutes.sort_by_key(|d| (number(&d.id), d.id.clone()));
    if queries.is_empty() || statutes.is_empty() || qrels.is_empty() {
        return Err(Error::input(format!(
            "{}: no queries, statutes or judgements",
            dir.display()
        )));
    }
    Ok(Aila {
        dir: dir.to_path_buf(),
        queries,
        statutes,
        qrels,
    })
}
