//! Result reports: the `results/<id>/` folder every reproduction writes, a small markdown
//! builder for its `report.md`, and PNG plots ([`plots`]).
//!
//! A reproduction's folder holds `metrics.json` ([`ResultsDir::write_metrics`]), `report.md`
//! ([`ResultsDir::write_report`]: what ran, where the data came from, our numbers next to the
//! paper's), PNG plots and the trained model. Everything is written atomically
//! ([`crate::fsutil`]), so an interrupted run never leaves half a file.
//!
//! ```no_run
//! use std::path::Path;
//! use deepfield_core::report::{plots, Comparison, Report, ResultsDir};
//!
//! # fn main() -> deepfield_core::Result<()> {
//! let out = ResultsDir::create(Path::new("results"), "gcn-cora")?;
//! plots::training_curves(&out.file("curves.png"), &[1.9, 1.2, 0.8], Some(&[1.8, 1.3, 1.0]), None)?;
//! let mut report = Report::new("GCN on Cora (Kipf & Welling 2017)");
//! report
//!     .para("Two-layer GCN, 200 epochs, seed 0.")
//!     .provenance(Path::new("/work/shared/datasets/cora_planetoid"))
//!     .heading(2, "Results")
//!     .comparison(&[Comparison::new("test accuracy", 0.803).with_anchor(0.815, "paper, Table 2")])
//!     .image("Training curves", "curves.png");
//! out.write_report(&report)?;
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "plots")]
pub mod plots;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{fsutil, Error, Result};

/// File name of the metrics written by [`ResultsDir::write_metrics`].
pub const METRICS_FILE: &str = "metrics.json";
/// File name of the report written by [`ResultsDir::write_report`].
pub const REPORT_FILE: &str = "report.md";
/// File name [`Report::provenance`] reads inside a data set folder.
pub const SOURCE_FILE: &str = "SOURCE.md";

// ---------------------------------------------------------------------------------------------
// ResultsDir
// ---------------------------------------------------------------------------------------------

/// The output folder of one reproduction, `results/<id>/`. It exists once constructed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsDir {
    dir: PathBuf,
}

impl ResultsDir {
    /// Create (if needed) `root/id`. `id` must be one plain folder name of letters, digits,
    /// `-`, `_` and `.` (no separators, not `.`/`..`), so a result never lands outside `root`.
    pub fn create(root: &Path, id: &str) -> Result<Self> {
        let valid = !id.is_empty()
            && id != "."
            && id != ".."
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(Error::input(format!(
                "result id {id:?} must be a non-empty folder name of letters, digits, '-', '_' or '.'"
            )));
        }
        Self::at(root.join(id))
    }

    /// Use `dir` as the results folder, creating it and its parents if needed.
    pub fn at(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        fsutil::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Path of a file inside the folder (nothing is created).
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Write `metrics` as pretty JSON to `metrics.json`, atomically. Returns the path.
    pub fn write_metrics<T: Serialize + ?Sized>(&self, metrics: &T) -> Result<PathBuf> {
        let path = self.file(METRICS_FILE);
        fsutil::write_json(&path, metrics)?;
        Ok(path)
    }

    /// Write `report` to `report.md`, atomically. Returns the path.
    pub fn write_report(&self, report: &Report) -> Result<PathBuf> {
        let path = self.file(REPORT_FILE);
        report.write(&path)?;
        Ok(path)
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

/// One row of "our number next to the paper's" ([`Report::comparison`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Comparison {
    /// What is measured, e.g. `"test accuracy"`.
    pub metric: String,
    /// Our value.
    pub ours: f64,
    /// The reference value (paper, baseline, sklearn), if there is one.
    pub anchor: Option<f64>,
    /// Where the anchor comes from, e.g. `"paper, Table 2"`; shown next to it.
    pub anchor_source: String,
    /// Anything a reader needs to compare fairly (smaller data, fewer epochs, …).
    pub note: String,
}

impl Comparison {
    /// A row with our value only.
    pub fn new(metric: &str, ours: f64) -> Self {
        Self {
            metric: metric.to_string(),
            ours,
            anchor: None,
            anchor_source: String::new(),
            note: String::new(),
        }
    }

    /// Set the reference value and where it comes from.
    pub fn with_anchor(mut self, anchor: f64, source: &str) -> Self {
        self.anchor = Some(anchor);
        self.anchor_source = source.to_string();
        self
    }

    /// Set the note.
    pub fn with_note(mut self, note: &str) -> Self {
        self.note = note.to_string();
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/// A markdown document built block by block. Text passed to [`para`](Self::para),
/// [`bullet`](Self::bullet) and [`heading`](Self::heading) is markdown and is kept as is; table
/// cells are escaped.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    title: String,
    blocks: Vec<String>,
}

impl Report {
    /// A report whose first line is `# title`.
    pub fn new(title: &str) -> Self {
        Self {
            title: one_line(title),
            blocks: Vec::new(),
        }
    }

    /// A paragraph (surrounding white space trimmed; empty text adds nothing).
    pub fn para(&mut self, text: &str) -> &mut Self {
        self.push(text.trim().to_string())
    }

    /// A heading; `level` is clamped to 1..=6 (the title is level 1, sections are usually 2).
    pub fn heading(&mut self, level: usize, text: &str) -> &mut Self {
        let level = level.clamp(1, 6);
        self.push(format!("{} {}", "#".repeat(level), one_line(text)))
    }

    /// A bullet list, one item per string. An item's further lines are indented under it, so an
    /// item may carry a nested list (`"parent\n- child"`). Empty lists add nothing.
    pub fn bullet(&mut self, items: &[String]) -> &mut Self {
        let text = items
            .iter()
            .map(|item| {
                let mut lines = item.trim().lines();
                let first = lines.next().unwrap_or("");
                let mut out = format!("- {first}");
                for line in lines {
                    out.push('\n');
                    if !line.trim().is_empty() {
                        out.push_str("  ");
                        out.push_str(line);
                    }
                }
                out
            })
            .collect::<Vec<_>>()
            .join("\n");
        self.push(text)
    }

    /// `- **key:** value` lines, e.g. for hyper-parameters or what ran.
    pub fn key_values(&mut self, pairs: &[(&str, String)]) -> &mut Self {
        let items: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("**{}:** {}", one_line(k), v.trim()))
            .collect();
        self.bullet(&items)
    }

    /// A markdown table. Cells are escaped (`|` → `\|`, line breaks → `<br>`). Rows shorter
    /// than the header are padded with empty cells; a longer row widens the table. Nothing is
    /// added when there are neither headers nor rows.
    pub fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) -> &mut Self {
        let width = rows
            .iter()
            .map(Vec::len)
            .chain([headers.len()])
            .max()
            .unwrap_or(0);
        if width == 0 {
            return self;
        }
        let line = |cells: &mut dyn Iterator<Item = String>| {
            let cells: Vec<String> = cells.collect();
            let padded = (0..width).map(|i| cells.get(i).cloned().unwrap_or_default());
            format!("| {} |", padded.collect::<Vec<_>>().join(" | "))
        };
        let mut out = vec![
            line(&mut headers.iter().map(|h| escape_cell(h))),
            format!("|{}", " --- |".repeat(width)),
        ];
        for row in rows {
            out.push(line(&mut row.iter().map(|c| escape_cell(c))));
        }
        self.push(out.join("\n"))
    }

    /// The "our numbers next to the paper's" table: `Metric | Ours | Paper / anchor | Ours − anchor
    /// | Note`. The anchor cell names its source; a row without an anchor shows `—`.
    pub fn comparison(&mut self, rows: &[Comparison]) -> &mut Self {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|c| {
                let source = c.anchor_source.trim();
                let anchor = match (c.anchor, source.is_empty()) {
                    (Some(a), true) => fmt_num(a),
                    (Some(a), false) => format!("{} ({source})", fmt_num(a)),
                    (None, true) => "—".to_string(),
                    (None, false) => format!("— ({source})"),
                };
                let delta = match c.anchor {
                    Some(a) => fmt_signed(c.ours - a),
                    None => "—".to_string(),
                };
                vec![
                    c.metric.clone(),
                    fmt_num(c.ours),
                    anchor,
                    delta,
                    c.note.clone(),
                ]
            })
            .collect();
        self.table(
            &["Metric", "Ours", "Paper / anchor", "Ours − anchor", "Note"],
            &rows,
        )
    }

    /// An image, relative to the report (`![alt](file_name)`), e.g. a plot in the same folder.
    pub fn image(&mut self, alt: &str, file_name: &str) -> &mut Self {
        let alt = one_line(alt).replace('[', "\\[").replace(']', "\\]");
        let target = if file_name.contains([' ', '(', ')']) {
            format!("<{file_name}>")
        } else {
            file_name.to_string()
        };
        self.push(format!("![{alt}]({target})"))
    }

    /// A fenced code block (the fence grows if `text` itself contains one).
    pub fn code(&mut self, lang: &str, text: &str) -> &mut Self {
        let mut fence = "```".to_string();
        while text.contains(&fence) {
            fence.push('`');
        }
        self.push(format!(
            "{fence}{}\n{}\n{fence}",
            lang.trim(),
            text.trim_end_matches('\n')
        ))
    }

    /// Raw markdown, added as its own block.
    pub fn raw(&mut self, markdown: &str) -> &mut Self {
        self.push(markdown.trim_end().to_string())
    }

    /// A "Data" section for a data set folder: its path, then from its `SOURCE.md` (if any) the
    /// title and the origin / license / citation lines (with their sub-items). A missing
    /// `SOURCE.md` is said so, not an error: the report must still be written.
    pub fn provenance(&mut self, dataset_dir: &Path) -> &mut Self {
        let mut items = vec![format!("Folder: `{}`", dataset_dir.display())];
        let source_path = dataset_dir.join(SOURCE_FILE);
        match std::fs::read_to_string(&source_path) {
            Ok(text) => {
                let summary = SourceSummary::parse(&text);
                if let Some(title) = summary.title {
                    items.push(format!("Data set: {title}"));
                }
                items.extend(summary.lines);
                items.push(format!("Full provenance: `{}`", source_path.display()));
            }
            Err(_) if !dataset_dir.is_dir() => {
                items.push("**The folder does not exist** (no provenance available).".to_string())
            }
            Err(_) => items.push(format!(
                "No `{SOURCE_FILE}` in this folder: provenance not recorded."
            )),
        }
        self.heading(2, "Data").bullet(&items)
    }

    /// The document: `# title`, then the blocks separated by blank lines, ending in a newline.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        for block in &self.blocks {
            out.push('\n');
            out.push_str(block);
            out.push('\n');
        }
        out
    }

    /// Write [`to_markdown`](Self::to_markdown) to `path`, atomically (parents are created).
    pub fn write(&self, path: &Path) -> Result<()> {
        fsutil::write_atomic(path, self.to_markdown().as_bytes())
    }

    fn push(&mut self, block: String) -> &mut Self {
        if !block.trim().is_empty() {
            self.blocks.push(block);
        }
        self
    }
}

/// What [`Report::provenance`] keeps from a `SOURCE.md`.
struct SourceSummary {
    /// The first `# ` heading, else the first non-empty line.
    title: Option<String>,
    /// Top-level bullets about origin, license, citation (sub-items kept as `- ` lines below).
    lines: Vec<String>,
}

impl SourceSummary {
    const KEYWORDS: [&'static str; 9] = [
        "origin",
        "licen",
        "source",
        "cite",
        "citation",
        "doi",
        "url",
        "author",
        "copyright",
    ];

    fn parse(text: &str) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        let heading = lines
            .iter()
            .find_map(|l| l.strip_prefix("# ").map(|t| t.trim().to_string()));
        let title = heading.clone().or_else(|| {
            lines
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty())
                .map(|l| l.trim_start_matches('#').trim().to_string())
        });

        let mut kept = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            i += 1;
            let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) else {
                continue;
            };
            // The item's indented continuation lines (nested bullets, wrapped text).
            let mut children = Vec::new();
            while i < lines.len()
                && lines[i].starts_with([' ', '\t'])
                && !lines[i].trim().is_empty()
            {
                children.push(lines[i]);
                i += 1;
            }
            let lower = item.to_lowercase();
            if Self::KEYWORDS.iter().any(|k| lower.contains(k)) {
                let indent = children
                    .iter()
                    .map(|c| c.len() - c.trim_start().len())
                    .min()
                    .unwrap_or(0);
                let mut entry = item.trim().to_string();
                for child in children {
                    entry.push('\n');
                    entry.push_str(child.get(indent..).unwrap_or(child.trim_start()));
                }
                kept.push(entry);
            }
        }
        if kept.is_empty() {
            // No recognisable provenance bullets: keep the first paragraph after the title.
            kept = lines
                .iter()
                .map(|l| l.trim())
                .skip_while(|l| l.is_empty() || l.starts_with('#') || Some(*l) == title.as_deref())
                .take_while(|l| !l.is_empty() && !l.starts_with('#'))
                .take(5)
                .map(str::to_string)
                .collect();
        }
        Self { title, lines: kept }
    }
}

// ---------------------------------------------------------------------------------------------
// Number formatting
// ---------------------------------------------------------------------------------------------

/// A number with 4 significant digits, trailing zeros dropped: `0.0012`, `0.9123`, `12.35`,
/// `1234`; integer digits are never rounded away (`123457`) below 1e6. Magnitudes below 1e-4
/// or from 1e6 up use exponent notation (`1.235e-5`, `2.5e7`). `NaN`, `inf`, `-inf` as such.
pub fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    let exponent = x.abs().log10().floor() as i32;
    if !(-4..6).contains(&exponent) {
        let s = format!("{x:.3e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exp}", trim_zeros(mantissa));
    }
    let decimals = (3 - exponent).max(0) as usize;
    trim_zeros(&format!("{x:.decimals$}")).to_string()
}

/// [`fmt_num`] with an explicit `+` for positive values (differences).
pub fn fmt_signed(x: f64) -> String {
    let s = fmt_num(x);
    if x > 0.0 && x.is_finite() && s != "0" {
        format!("+{s}")
    } else {
        s
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn escape_cell(text: &str) -> String {
    text.trim()
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmt_num_keeps_four_significant_digits() {
        let cases = [
            (0.0012, "0.0012"),
            (0.00123456, "0.001235"),
            (1234.5, "1234"),
            (1235.5, "1236"),
            (123456.7, "123457"),
            (0.912345, "0.9123"),
            (12.3456, "12.35"),
            (-2.71234, "-2.712"),
            (1.0, "1"),
            (0.5, "0.5"),
            (0.99996, "1"),
            (0.0, "0"),
            (-0.0, "0"),
            (1.23456e-5, "1.235e-5"),
            (1e-7, "1e-7"),
            (2.5e7, "2.5e7"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (x, want) in cases {
            assert_eq!(fmt_num(x), want, "fmt_num({x})");
        }
        assert_eq!(fmt_signed(0.0125), "+0.0125");
        assert_eq!(fmt_signed(-0.5), "-0.5");
        assert_eq!(fmt_signed(0.0), "0");
    }

    #[test]
    fn small_report_renders_expected_markdown() {
        let mut r = Report::new("GCN  on\nCora");
        r.para("  Two layers, *200* epochs.  ")
            .heading(9, "Setup")
            .bullet(&["lr 0.01".into(), "parent\n- child".into()])
            .key_values(&[("seed", "0".into())])
            .table(
                &["name", "value"],
                &[
                    vec!["a|b".into(), "line1\nline2".into()],
                    vec!["short".into()],
                    vec!["x".into(), "y".into(), "extra".into()],
                ],
            )
            .table(&[], &[])
            .para("")
            .comparison(&[
                Comparison::new("accuracy", 0.8031)
                    .with_anchor(0.815, "paper, Table 2")
                    .with_note("same split"),
                Comparison::new("loss", 0.51234),
                Comparison::new("F1 | macro", 0.5).with_anchor(0.75, ""),
            ])
            .image("curves [train]", "curves.png")
            .image("cm", "my plot.png")
            .code("json", "{\"a\": 1}\n");
        let want = "\
# GCN on Cora

Two layers, *200* epochs.

###### Setup

- lr 0.01
- parent
  - child

- **seed:** 0

| name | value |  |
| --- | --- | --- |
| a\\|b | line1<br>line2 |  |
| short |  |  |
| x | y | extra |

| Metric | Ours | Paper / anchor | Ours − anchor | Note |
| --- | --- | --- | --- | --- |
| accuracy | 0.8031 | 0.815 (paper, Table 2) | -0.0119 | same split |
| loss | 0.5123 | — | — |  |
| F1 \\| macro | 0.5 | 0.75 | -0.25 |  |

![curves \\[train\\]](curves.png)

![cm](<my plot.png>)

```json
{\"a\": 1}
```
";
        assert_eq!(r.to_markdown(), want);
    }

    #[test]
    fn code_fence_grows_around_fences() {
        let mut r = Report::new("t");
        r.code("", "```\nx\n```");
        assert_eq!(r.to_markdown(), "# t\n\n````\n```\nx\n```\n````\n");
    }

    #[test]
    fn provenance_reads_source_md() {
        let dir = tempfile::tempdir().unwrap();
        let ds = dir.path().join("cora");
        std::fs::create_dir(&ds).unwrap();
        std::fs::write(
            ds.join(SOURCE_FILE),
            "# Cora citation graph\n\n\
             - **Origin repositories:**\n  - `kimiyoung/planetoid`, MIT\n  - `tkipf/pygcn`, MIT\n\
             - **License:** MIT\n\
             - **Size:** 1020K\n\n\
             ## Files\n- `nodes.tsv` nodes\n",
        )
        .unwrap();
        let mut r = Report::new("t");
        r.provenance(&ds);
        let md = r.to_markdown();
        let want = format!(
            "# t\n\n## Data\n\n\
             - Folder: `{d}`\n\
             - Data set: Cora citation graph\n\
             - **Origin repositories:**\n  - `kimiyoung/planetoid`, MIT\n  - `tkipf/pygcn`, MIT\n\
             - **License:** MIT\n\
             - Full provenance: `{d}/SOURCE.md`\n",
            d = ds.display()
        );
        assert_eq!(md, want);
        assert!(!md.contains("1020K"), "size line is not provenance");
        assert!(!md.contains("nodes.tsv"));
    }

    #[test]
    fn provenance_without_source_md_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Report::new("t");
        r.provenance(dir.path());
        assert!(r.to_markdown().contains("No `SOURCE.md` in this folder"));
        let mut r = Report::new("t");
        r.provenance(&dir.path().join("missing"));
        assert!(r.to_markdown().contains("does not exist"));
    }

    #[test]
    fn provenance_falls_back_to_first_paragraph() {
        let s = SourceSummary::parse(
            "Some data\n\nDownloaded from example.org by hand.\nSecond line.\n\nMore.",
        );
        assert_eq!(s.title.as_deref(), Some("Some data"));
        assert_eq!(
            s.lines,
            vec!["Downloaded from example.org by hand.", "Second line."]
        );
    }

    #[test]
    fn results_dir_writes_metrics_and_report_atomically() {
        let root = tempfile::tempdir().unwrap();
        let out = ResultsDir::create(root.path(), "gcn-cora_v1.2").unwrap();
        assert_eq!(out.path(), root.path().join("gcn-cora_v1.2"));
        assert!(out.path().is_dir());
        assert_eq!(out.file("a.png"), out.path().join("a.png"));

        let metrics = serde_json::json!({"accuracy": 0.8});
        let p = out.write_metrics(&metrics).unwrap();
        let back: serde_json::Value = fsutil::read_json(&p).unwrap();
        assert_eq!(back, metrics);
        let mut r = Report::new("x");
        r.para("y");
        let p = out.write_report(&r).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "# x\n\ny\n");
        let mut names: Vec<String> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![METRICS_FILE, REPORT_FILE],
            "temp file left behind"
        );

        for bad in ["", ".", "..", "a/b", "../x", "a b"] {
            assert!(
                ResultsDir::create(root.path(), bad).is_err(),
                "{bad:?} accepted"
            );
        }
        let nested = ResultsDir::at(root.path().join("p/q")).unwrap();
        assert!(nested.path().is_dir());
    }

    #[test]
    fn comparison_round_trips_through_json() {
        let c = Comparison::new("rmse", 4.2)
            .with_anchor(5.0, "paper")
            .with_note("n");
        let s = serde_json::to_string(&c).unwrap();
        let back: Comparison = serde_json::from_str(&s).unwrap();
        assert_eq!(back, c);
    }
}
