//! The reproductions xtask knows, read from each crate's `reproductions.tsv` (`id<TAB>description`
//! per line) — the same file the crate builds its reproduction list from
//! (`deepfield_core::repro::catalog`), so the two cannot drift. xtask cannot depend on the domain
//! crates (they need libtorch to build); each crate's binary answers `repro <id>` for its ids.

use std::path::Path;

/// The crates that may hold reproductions, in listing order.
pub const CRATES: [&str; 7] = [
    "core",
    "audio",
    "graph",
    "genomics",
    "timeseries",
    "vision",
    "text",
];

pub struct Repro {
    pub id: String,
    /// The crate folder (`core`, `audio`, …).
    pub krate: &'static str,
    pub package: String,
    pub binary: String,
    pub description: String,
}

/// Every reproduction of every crate under `root`, or the first unreadable catalog as an error.
pub fn all(root: &Path) -> Result<Vec<Repro>, String> {
    let mut out = Vec::new();
    for krate in CRATES {
        let path = root.join(krate).join("reproductions.tsv");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let Some((id, description)) = line.split_once('\t') else {
                return Err(format!(
                    "{}:{}: expected `id<TAB>description`",
                    path.display(),
                    n + 1
                ));
            };
            out.push(Repro {
                id: id.trim().to_string(),
                krate,
                package: format!("deepfield-{krate}"),
                binary: format!("deepfield-{krate}"),
                description: description.trim().to_string(),
            });
        }
    }
    Ok(out)
}

/// Print `id  crate  description` for each reproduction.
pub fn print_list(repros: &[Repro]) {
    let wi = repros.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    let wc = repros
        .iter()
        .map(|r| r.krate.len())
        .max()
        .unwrap_or(5)
        .max(5);
    println!("{:<wi$}  {:<wc$}  description", "id", "crate");
    for r in repros {
        println!("{:<wi$}  {:<wc$}  {}", r.id, r.krate, r.description);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_crate_catalog_of_the_workspace() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let all = all(&root).unwrap();
        let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
        for id in [
            "concrete-mlp",
            "cough-bilstm",
            "graphfm",
            "deep-snp",
            "stackvae-g",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        let snp = all.iter().find(|r| r.id == "deep-snp").unwrap();
        assert_eq!(snp.package, "deepfield-genomics");
        assert!(all.iter().all(|r| !r.description.is_empty()));
    }
}
