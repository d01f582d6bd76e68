//! `cargo xtask repro convnet-efficiency` first asks every domain binary to profile its model
//! kinds (`deepfield-<crate> profile --out results/profiles/<crate>.json`): the reproduction
//! lives in core, which cannot link the domain crates, and reads those files. Like `list
//! --models`, this builds and asks the binaries (xtask cannot link libtorch).

use std::path::Path;
use std::process::Command;

/// The reproduction that reads the domain binaries' profiles.
pub const REPRO: &str = "convnet-efficiency";

/// The folder the profiles go to (the reproduction's default `profiles`).
pub const DIR: &str = "results/profiles";

/// The `profile` arguments for one crate: its output file, one thread, and a shorter timing
/// budget for a quick run.
pub fn args(krate: &str, dir: &Path, quick: bool) -> Vec<String> {
    let mut a = vec![
        "profile".to_string(),
        "--out".to_string(),
        dir.join(format!("{krate}.json")).display().to_string(),
        "--threads".to_string(),
        "1".to_string(),
    ];
    if quick {
        a.extend(["--seconds".to_string(), "0.05".to_string()]);
    }
    a
}

/// Run `profile` of each crate's binary (release build) through `cargo run`.
pub fn collect(
    crates: &[&str],
    dir: &Path,
    quick: bool,
    cargo: impl Fn() -> Command,
) -> Result<(), String> {
    for krate in crates {
        let bin = format!("deepfield-{krate}");
        eprintln!("xtask: profiling the model kinds of {bin}");
        let mut cmd = cargo();
        cmd.args(["run", "--release", "-q", "-p", &bin, "--bin", &bin, "--"])
            .args(args(krate, dir, quick));
        let status = cmd
            .status()
            .map_err(|e| format!("could not run cargo for {bin}: {e}"))?;
        if !status.success() {
            return Err(format!("{bin} profile failed ({status})"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_arguments_name_the_crate_file() {
        let a = args("vision", Path::new("results/profiles"), true);
        assert_eq!(a[0], "profile");
        assert_eq!(
            a[2],
            Path::new("results/profiles/vision.json")
                .display()
                .to_string()
        );
        assert_eq!(a[a.len() - 2..], ["--seconds", "0.05"]);
        assert_eq!(args("graph", Path::new("p"), false).len(), 5);
    }
}
