//! What a report keeps from a data set's `SOURCE.md`.

/// What [`Report::provenance`](super::Report::provenance) keeps from a `SOURCE.md`.
pub(super) struct SourceSummary {
    /// The first `# ` heading, else the first non-empty line.
    pub(super) title: Option<String>,
    /// Top-level bullets about origin, license, citation (sub-items kept as `- ` lines below).
    pub(super) lines: Vec<String>,
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

    pub(super) fn parse(text: &str) -> Self {
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
