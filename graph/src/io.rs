//! Readers for the two supported graph layouts. Every bad line is an error naming the file and
//! the 1-based line number (ragged or non-numeric rows, duplicate ids, dangling edges).
//!
//! 1. **Planetoid text layout** (a folder, as in `cora_planetoid`): `nodes.tsv` with a header
//!    `node<TAB>label[<TAB>split]` (label may be empty or `-1` for unknown; split ∈
//!    train/val/test/other), `features.txt` with one line per node in `nodes.tsv` order holding
//!    space-separated feature indices (value 1) or `index:value` pairs, and `edges.txt` with
//!    one `a b` node-id pair per line.
//! 2. **CSV/TSV pair**: a node file with a header, an id column (`id` or `node`, else the first
//!    column), optional `label` and `split` columns, and numeric feature columns; an edge list
//!    whose first two columns are node ids (a first line is a header only when neither field is
//!    a node id or a number and both read as column names, e.g. `source,target`). `.tsv` files are tab-separated, `.csv` comma-separated, others split on
//!    white space.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::features::SparseFeatures;
use crate::graph::Graph;
use crate::split::NodeSplit;
use crate::{GraphError, Result};

/// Files of the Planetoid text layout.
pub const PLANETOID_FILES: [&str; 3] = ["nodes.tsv", "features.txt", "edges.txt"];

/// Where a graph comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphSource {
    /// A folder in the Planetoid text layout.
    Planetoid(PathBuf),
    /// A node CSV/TSV file and an edge list.
    CsvPair { nodes: PathBuf, edges: PathBuf },
}

impl GraphSource {
    /// Read the graph.
    pub fn load(&self) -> Result<Graph> {
        match self {
            GraphSource::Planetoid(dir) => read_planetoid(dir),
            GraphSource::CsvPair { nodes, edges } => read_csv_pair(nodes, edges),
        }
    }
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| deepfield_core::Error::io(path, e).into())
}

fn split_fields(line: &str, delim: Option<char>) -> Vec<&str> {
    match delim {
        Some(d) => line.split(d).map(str::trim).collect(),
        None => line.split_whitespace().collect(),
    }
}

fn delimiter(path: &Path) -> Option<char> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("tsv") | Some("tab") => Some('\t'),
        Some("csv") => Some(','),
        _ => None,
    }
}

/// The records of a delimited file with their 1-based line numbers: `.csv` through core's RFC
/// 4180 reader (quoted fields with commas, spaces or quotes), `.tsv` split on tabs, other files
/// on white space (blank and `#` lines skipped). Fields are trimmed.
fn records(path: &Path) -> Result<Vec<(usize, Vec<String>)>> {
    if delimiter(path) == Some(',') {
        let r = deepfield_core::fsutil::read_csv_records(path)?;
        if r.header.is_empty() {
            return Ok(Vec::new());
        }
        let text = read_text(path)?;
        let first = text
            .lines()
            .position(|l| !l.trim().is_empty())
            .map_or(1, |i| i + 1);
        return Ok(std::iter::once((first, r.header))
            .chain(r.rows.into_iter().map(|x| (x.line as usize, x.fields)))
            .collect());
    }
    let text = read_text(path)?;
    let delim = delimiter(path);
    Ok(lines(&text)
        .map(|(no, l)| {
            (
                no,
                split_fields(l, delim)
                    .into_iter()
                    .map(String::from)
                    .collect(),
            )
        })
        .collect())
}

/// Non-empty, non-comment lines with their 1-based numbers.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
}

/// Labels as classes: one class per distinct label, numeric labels (non-negative integers)
/// ordered by value, others by name. A class is only ever a label that occurs, so a label such as
/// `4000000000` makes one class, not four billion empty ones.
fn encode_labels(raw: &[Option<String>]) -> (Vec<i64>, Vec<String>) {
    let mut names: Vec<&str> = raw
        .iter()
        .flatten()
        .map(String::as_str)
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .collect();
    let numbers: Option<Vec<u128>> = names.iter().map(|s| s.parse::<u128>().ok()).collect();
    if let Some(numbers) = numbers {
        let mut pairs: Vec<(u128, &str)> = numbers.into_iter().zip(names).collect();
        pairs.sort();
        names = pairs.into_iter().map(|(_, s)| s).collect();
    }
    let index: HashMap<&str, i64> = names
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, i as i64))
        .collect();
    let labels = raw
        .iter()
        .map(|r| {
            r.as_deref()
                .and_then(|s| index.get(s).copied())
                .unwrap_or(-1)
        })
        .collect();
    (labels, names.iter().map(|s| s.to_string()).collect())
}

fn parse_label(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s != "-1" && !s.eq_ignore_ascii_case("nan")).then(|| s.to_string())
}

/// Collects the split column into a [`NodeSplit`] (None when no node is marked).
fn build_split(
    marks: &[Option<String>],
    path: &Path,
    line_of: &[usize],
) -> Result<Option<NodeSplit>> {
    let mut s = NodeSplit {
        train: vec![],
        val: vec![],
        test: vec![],
    };
    for (i, m) in marks.iter().enumerate() {
        match m.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("train") => s.train.push(i),
            Some("val") | Some("valid") | Some("validation") => s.val.push(i),
            Some("test") => s.test.push(i),
            Some("") | Some("unused") | Some("other") | Some("none") | None => {}
            Some(other) => {
                return Err(GraphError::parse(
                    path,
                    line_of[i],
                    format!("split `{other}` is not one of train, val, test, unused"),
                ))
            }
        }
    }
    Ok((!s.train.is_empty()).then_some(s))
}

/// Whether `field` reads as the name of an edge-list column (`source`, `target`, `src`, `dst`,
/// `from`, `to`, `node1`, `<id column>_2`, …) rather than a node id.
fn column_name_like(field: &str, id_column: &str) -> bool {
    const NAMES: [&str; 24] = [
        "source",
        "target",
        "src",
        "dst",
        "from",
        "to",
        "u",
        "v",
        "a",
        "b",
        "head",
        "tail",
        "citing",
        "cited",
        "node",
        "id",
        "node_id",
        "start",
        "end",
        "sender",
        "receiver",
        "source_id",
        "target_id",
        "edge",
    ];
    let lower = field.to_ascii_lowercase();
    let base = lower.trim_end_matches(|c: char| c.is_ascii_digit() || "_- ".contains(c));
    let base = base.strip_suffix("_id").unwrap_or(base);
    !base.is_empty()
        && (NAMES.contains(&base)
            || base == id_column.to_ascii_lowercase()
            || NAMES.contains(&lower.as_str()))
}

/// Read edges `a b` (node ids) from `path`, mapping ids through `index`. The first line is a
/// header only when neither of its fields is a node id or a number and both read as column
/// names (`source,target`, `src dst`, `node1 node2`, …); a first line with an unknown node is a
/// dangling edge like any other.
fn read_edges(
    path: &Path,
    index: &HashMap<&str, usize>,
    id_column: &str,
) -> Result<Vec<(usize, usize)>> {
    let mut edges = Vec::new();
    for (k, (no, f)) in records(path)?.into_iter().enumerate() {
        if f.len() < 2 {
            return Err(GraphError::parse(
                path,
                no,
                format!("expected two node ids, found {:?}", f.join(" ")),
            ));
        }
        let f: Vec<&str> = f.iter().map(String::as_str).collect();
        match (index.get(f[0]), index.get(f[1])) {
            (Some(&a), Some(&b)) => edges.push((a, b)),
            (None, None)
                if k == 0
                    && f[..2].iter().all(|s| s.parse::<f64>().is_err())
                    && f[..2].iter().all(|s| column_name_like(s, id_column)) => {}
            (None, None) if k == 0 => {
                return Err(GraphError::parse(
                    path,
                    no,
                    format!(
                        "neither `{}` nor `{}` is a node id of the node file (a header line \
                         must name its columns, e.g. `source,target`)",
                        f[0], f[1]
                    ),
                ));
            }
            (a, _) => {
                let missing = if a.is_none() { f[0] } else { f[1] };
                return Err(GraphError::parse(
                    path,
                    no,
                    format!("dangling edge: node id `{missing}` is not in the node file"),
                ));
            }
        }
    }
    Ok(edges)
}

/// Read a folder in the Planetoid text layout (see the module docs).
pub fn read_planetoid(dir: &Path) -> Result<Graph> {
    for f in PLANETOID_FILES {
        if !dir.join(f).is_file() {
            return Err(deepfield_core::Error::MissingData(format!(
                "{}: missing {f} (the Planetoid text layout needs {})",
                dir.display(),
                PLANETOID_FILES.join(", ")
            ))
            .into());
        }
    }
    let nodes_path = dir.join("nodes.tsv");
    let text = read_text(&nodes_path)?;
    let mut it = lines(&text);
    let (_, header) = it.next().ok_or_else(|| {
        GraphError::parse(
            &nodes_path,
            1,
            "empty file: expected a header node<TAB>label[<TAB>split]",
        )
    })?;
    let cols = split_fields(header, Some('\t'));
    if cols.len() < 2 {
        return Err(GraphError::parse(
            &nodes_path,
            1,
            "header must be node<TAB>label[<TAB>split]",
        ));
    }
    let has_split = cols.len() >= 3;
    let mut ids = Vec::new();
    let mut raw_labels = Vec::new();
    let mut marks = Vec::new();
    let mut line_of = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (no, line) in it {
        let f = split_fields(line, Some('\t'));
        if f.len() != cols.len() {
            return Err(GraphError::parse(
                &nodes_path,
                no,
                format!("{} fields, the header has {}", f.len(), cols.len()),
            ));
        }
        if let Some(first) = seen.insert(f[0].to_string(), no) {
            return Err(GraphError::parse(
                &nodes_path,
                no,
                format!("duplicate node id `{}` (first on line {first})", f[0]),
            ));
        }
        ids.push(f[0].to_string());
        raw_labels.push(parse_label(f[1]));
        marks.push(has_split.then(|| f[2].to_string()));
        line_of.push(no);
    }
    let split = build_split(&marks, &nodes_path, &line_of)?;

    let feat_path = dir.join("features.txt");
    let text = read_text(&feat_path)?;
    let mut rows = Vec::with_capacity(ids.len());
    let mut max_col = -1i64;
    for (i, line) in text.lines().enumerate() {
        let no = i + 1;
        if no > ids.len() {
            if line.trim().is_empty() {
                continue;
            }
            return Err(GraphError::parse(
                &feat_path,
                no,
                format!("more feature lines than the {} nodes", ids.len()),
            ));
        }
        let mut row = Vec::new();
        for tok in line.split_whitespace() {
            let (c, v) = match tok.split_once(':') {
                Some((c, v)) => (c, v.parse::<f32>().ok()),
                None => (tok, Some(1.0)),
            };
            let (Ok(c), Some(v)) = (c.parse::<i64>(), v) else {
                return Err(GraphError::parse(
                    &feat_path,
                    no,
                    format!("`{tok}` is not a feature index (or index:value)"),
                ));
            };
            if c < 0 || !v.is_finite() {
                return Err(GraphError::parse(
                    &feat_path,
                    no,
                    format!("bad feature entry `{tok}`"),
                ));
            }
            max_col = max_col.max(c);
            row.push((c, v));
        }
        rows.push(row);
    }
    if rows.len() != ids.len() {
        return Err(GraphError::parse(
            &feat_path,
            rows.len() + 1,
            format!(
                "{} feature lines for {} nodes in nodes.tsv",
                rows.len(),
                ids.len()
            ),
        ));
    }
    let features = SparseFeatures::from_rows(rows, (max_col + 1).max(1) as usize)?;
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let edges = read_edges(&dir.join("edges.txt"), &index, cols[0])?;
    let (labels, class_names) = encode_labels(&raw_labels);
    let name = dir.file_name().and_then(|s| s.to_str()).unwrap_or("graph");
    let mut g = Graph::new(name, ids, features, labels, class_names, edges, split)?;
    g.id_column = cols[0].to_string();
    Ok(g)
}

/// Read a node CSV/TSV (id, optional label and split, numeric features) and an edge list.
pub fn read_csv_pair(nodes: &Path, edges: &Path) -> Result<Graph> {
    let mut it = records(nodes)?.into_iter();
    let (_, cols) = it.next().ok_or_else(|| {
        GraphError::parse(nodes, 1, "empty file: expected a header with an id column")
    })?;
    let find = |names: &[&str]| {
        cols.iter()
            .position(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
    };
    let id_col = find(&["id", "node", "node_id"]).unwrap_or(0);
    let label_col = find(&["label", "class", "y"]);
    let split_col = find(&["split"]);
    let feat_cols: Vec<usize> = (0..cols.len())
        .filter(|&c| c != id_col && Some(c) != label_col && Some(c) != split_col)
        .collect();
    if feat_cols.is_empty() {
        return Err(GraphError::parse(
            nodes,
            1,
            "no feature columns besides id/label/split",
        ));
    }
    let mut ids = Vec::new();
    let mut raw_labels = Vec::new();
    let mut marks = Vec::new();
    let mut line_of = Vec::new();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (no, f) in it {
        let f: Vec<&str> = f.iter().map(String::as_str).collect();
        if f.len() != cols.len() {
            return Err(GraphError::parse(
                nodes,
                no,
                format!("{} fields, the header has {}", f.len(), cols.len()),
            ));
        }
        if let Some(first) = seen.insert(f[id_col].to_string(), no) {
            return Err(GraphError::parse(
                nodes,
                no,
                format!("duplicate node id `{}` (first on line {first})", f[id_col]),
            ));
        }
        let mut row = Vec::new();
        for (j, &c) in feat_cols.iter().enumerate() {
            let v: f32 = f[c].parse().map_err(|_| {
                GraphError::parse(
                    nodes,
                    no,
                    format!("column `{}`: `{}` is not a number", cols[c], f[c]),
                )
            })?;
            if !v.is_finite() {
                return Err(GraphError::parse(
                    nodes,
                    no,
                    format!("column `{}`: {v} is not finite", cols[c]),
                ));
            }
            if v != 0.0 {
                row.push((j as i64, v));
            }
        }
        ids.push(f[id_col].to_string());
        raw_labels.push(label_col.and_then(|c| parse_label(f[c])));
        marks.push(split_col.map(|c| f[c].to_string()));
        line_of.push(no);
        rows.push(row);
    }
    let split = build_split(&marks, nodes, &line_of)?;
    let features = SparseFeatures::from_rows(rows, feat_cols.len())?;
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let edge_list = read_edges(edges, &index, &cols[id_col])?;
    let (labels, class_names) = encode_labels(&raw_labels);
    let name = nodes
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("graph");
    let mut g = Graph::new(name, ids, features, labels, class_names, edge_list, split)?;
    g.id_column = cols[id_col].clone();
    Ok(g)
}

/// Write a graph in the Planetoid text layout (used to hand the pipeline another graph).
pub fn write_planetoid(g: &Graph, dir: &Path) -> Result<()> {
    deepfield_core::fsutil::create_dir_all(dir)?;
    let split_of = |i: usize| -> &str {
        match &g.split {
            Some(s) if s.train.contains(&i) => "train",
            Some(s) if s.val.contains(&i) => "val",
            Some(s) if s.test.contains(&i) => "test",
            _ => "unused",
        }
    };
    let mut nodes = String::from("node\tlabel\tsplit\n");
    let mut feats = String::new();
    for i in 0..g.n_nodes() {
        nodes.push_str(&format!("{}\t{}\t{}\n", g.ids[i], g.labels[i], split_of(i)));
        let r = g.features.indptr[i]..g.features.indptr[i + 1];
        let toks: Vec<String> = r
            .map(|k| format!("{}:{}", g.features.indices[k], g.features.values[k]))
            .collect();
        feats.push_str(&toks.join(" "));
        feats.push('\n');
    }
    let edges: String = g
        .edges
        .iter()
        .map(|&(a, b)| format!("{} {}\n", g.ids[a], g.ids[b]))
        .collect();
    let w = deepfield_core::fsutil::write_atomic;
    w(&dir.join("nodes.tsv"), nodes.as_bytes())?;
    w(&dir.join("features.txt"), feats.as_bytes())?;
    w(&dir.join("edges.txt"), edges.as_bytes())?;
    Ok(())
}

/// Cora (Planetoid version, plain text) in the data directory.
pub const CORA: deepfield_core::data::DatasetSpec = deepfield_core::data::DatasetSpec {
    name: "cora_planetoid",
    files: &["nodes.tsv", "features.txt", "edges.txt"],
    source: "Planetoid Cora (github.com/kimiyoung/planetoid, MIT) converted to text; see SOURCE.md",
};
