//! The markdown report builder and its "ours next to the paper's" comparison rows.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::source::SourceSummary;
use super::{fmt_num, fmt_signed, SOURCE_FILE};
use crate::{fsutil, Result};

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

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn escape_cell(text: &str) -> String {
    text.trim()
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>")
}
