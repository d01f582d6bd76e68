//! Progress bars that stay quiet when output is not a terminal or `CI` is set.

use indicatif::{ProgressDrawTarget, ProgressStyle};

/// The bar type [`bar`] returns (indicatif's), so crates can hold one without depending on
/// indicatif themselves.
pub use indicatif::ProgressBar;
use std::io::IsTerminal;

/// True when progress bars should be drawn: stderr is a terminal and `CI` is not set.
pub fn interactive() -> bool {
    std::env::var_os("CI").is_none() && std::io::stderr().is_terminal()
}

/// A progress bar of `len` steps with a message; hidden when not [`interactive`].
pub fn bar(len: u64, message: impl Into<String>) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(
        Some(len),
        if interactive() {
            ProgressDrawTarget::stderr_with_hz(8)
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:<24} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta} {prefix}",
    ) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(message.into());
    pb
}
