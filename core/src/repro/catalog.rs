//! A crate's list of reproductions as data: `<crate>/reproductions.tsv`, one
//! `id<TAB>description` line per reproduction (`#` starts a comment). The crate includes the file
//! (`include_str!`) and its [`Reproduction`](super::Reproduction)s take their descriptions from
//! it, and `cargo xtask list`/`repro` read the same files — xtask cannot link the crates — so the
//! two lists cannot drift apart. [`check`] (called from each crate's tests) fails when an id has
//! no line or a line has no reproduction.

use super::Reproduction;
use crate::{Error, Result};

/// The `(id, description)` entries of a catalog text, in file order.
pub fn entries(catalog: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    catalog.lines().filter_map(|line| {
        let line = line.trim_end();
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            return None;
        }
        let (id, desc) = line.split_once('\t').unwrap_or((line, ""));
        Some((id.trim(), desc.trim()))
    })
}

/// The description of `id` in `catalog` (empty when the id has no line; [`check`] catches that).
pub fn describe(catalog: &'static str, id: &str) -> &'static str {
    entries(catalog)
        .find(|(i, _)| *i == id)
        .map(|(_, d)| d)
        .unwrap_or("")
}

/// Check that `repros` and `catalog` name the same ids, each once, every one with a description.
pub fn check(catalog: &'static str, repros: &[Box<dyn Reproduction>]) -> Result<()> {
    let listed: Vec<(&str, &str)> = entries(catalog).collect();
    let mut problems = Vec::new();
    for (i, (id, desc)) in listed.iter().enumerate() {
        if desc.is_empty() {
            problems.push(format!("`{id}` has no description (id<TAB>description)"));
        }
        if listed[..i].iter().any(|(j, _)| j == id) {
            problems.push(format!("`{id}` is listed twice"));
        }
        if !repros.iter().any(|r| r.id() == *id) {
            problems.push(format!("`{id}` is listed but no reproduction has that id"));
        }
    }
    for r in repros {
        if !listed.iter().any(|(id, _)| *id == r.id()) {
            problems.push(format!("reproduction `{}` is not listed", r.id()));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::config(format!(
            "reproductions.tsv: {}",
            problems.join("; ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = "# comment\nfoo\tThe foo paper\n\nbar\tBar: a, b\n";

    #[test]
    fn parses_ids_and_descriptions_and_skips_comments() {
        let e: Vec<_> = entries(CATALOG).collect();
        assert_eq!(e, vec![("foo", "The foo paper"), ("bar", "Bar: a, b")]);
        assert_eq!(describe(CATALOG, "bar"), "Bar: a, b");
        assert_eq!(describe(CATALOG, "baz"), "");
    }

    #[test]
    fn core_catalog_matches_core_reproductions() {
        check(super::super::REPRODUCTIONS, &super::super::all()).unwrap();
        let bad = "concrete-mlp\tx\nghost\tnobody\n";
        let e = check(bad, &super::super::all()).unwrap_err().to_string();
        assert!(e.contains("`ghost` is listed but no reproduction"), "{e}");
    }
}
