//! Pieces every domain crate (audio, genomics, graph, timeseries) needs the same way: the
//! [`Reproduction`](crate::repro::Reproduction) impl of a catalogued reproduction, a report's
//! plot section, and the source scan behind the crates' layering tests.

use std::path::Path;

use crate::report::Report;

/// Implement [`Reproduction`](crate::repro::Reproduction) for `$ty` with id `$id`, its
/// description from the catalog `$catalog` (a crate's `REPRODUCTIONS`), and `run` as the body
/// given with the options bound to `$opts`:
///
/// ```ignore
/// deepfield_core::reproduction!(GraphFm, "graphfm", crate::REPRODUCTIONS, |opts| run(opts));
/// ```
#[macro_export]
macro_rules! reproduction {
    ($ty:ty, $id:literal, $catalog:expr, |$opts:ident| $body:expr) => {
        impl $crate::repro::Reproduction for $ty {
            fn id(&self) -> &'static str {
                $id
            }

            fn description(&self) -> &'static str {
                $crate::repro::catalog::describe($catalog, self.id())
            }

            fn run(
                &self,
                $opts: &$crate::repro::ReproOptions,
            ) -> $crate::Result<$crate::domain::serde_json::Value> {
                $body
            }
        }
    };
}

#[doc(hidden)]
pub use serde_json;

/// A report's `## Plots` section: one image per `(alt text, file name)`.
pub fn plots(r: &mut Report, images: &[(&str, &str)]) {
    r.heading(2, "Plots");
    for (alt, file) in images {
        r.image(alt, file);
    }
}

/// A report's usage section: `## heading`, the shell command(s), and a note when given.
pub fn usage(r: &mut Report, heading: &str, command: &str, note: Option<&str>) {
    r.heading(2, heading);
    r.code("sh", command);
    if let Some(note) = note {
        r.para(note);
    }
}

/// Lines (`path:line: text`) of the `.rs` files under `dir` that contain any of `patterns`,
/// skipping folders named in `skip_dirs` and files named in `skip_files` — for tests that keep
/// a layer (e.g. inference modules) free of references to another (e.g. `repro`).
pub fn source_lines_matching(
    dir: &Path,
    patterns: &[&str],
    skip_dirs: &[&str],
    skip_files: &[&str],
) -> Vec<String> {
    fn visit(dir: &Path, pats: &[&str], dirs: &[&str], files: &[&str], hits: &mut Vec<String>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for p in paths {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if p.is_dir() {
                if !dirs.contains(&name) {
                    visit(&p, pats, dirs, files, hits);
                }
            } else if name.ends_with(".rs") && !files.contains(&name) {
                let text = std::fs::read_to_string(&p).unwrap();
                for (i, line) in text.lines().enumerate() {
                    if pats.iter().any(|pat| line.contains(pat)) {
                        hits.push(format!("{}:{}: {line}", p.display(), i + 1));
                    }
                }
            }
        }
    }
    let mut hits = Vec::new();
    visit(dir, patterns, skip_dirs, skip_files, &mut hits);
    hits
}
