//! Pieces every domain crate (audio, genomics, graph, timeseries) needs the same way: the
//! [`Reproduction`](crate::repro::Reproduction) impl of a catalogued reproduction and a report's
//! plot and usage sections (the source scan behind the crates' layering tests is
//! [`crate::testing::source_lines_matching`]).

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
