//! Using deepfield from a crate outside this workspace: the environment it needs (`env`), an
//! install with an absolute run path (`install`), and the check that such a crate builds and
//! runs (`test` runs it after the test suite).
//!
//! A program that depends on deepfield links libtorch through `tch`/`torch-sys`. It needs two
//! things this workspace's `.cargo/config.toml` gives its own builds: `LIBTORCH` (where torch-sys
//! finds the headers and libraries at build time) and a run path (where the dynamic loader finds
//! `libtorch_cpu.so` at run time). Workspace binaries carry an `$ORIGIN`-relative run path, which
//! only holds inside `target/`; dependants and installed binaries get an absolute one.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::torch_env::TorchEnv;
use crate::{fail, run, workspace_root, Result};

/// The `rustflags` that bake `lib` of `torch_dir` into a binary as its run path.
pub fn rpath_flags(torch_dir: &Path) -> Vec<String> {
    vec![
        "-C".to_string(),
        format!("link-arg=-Wl,-rpath,{}", torch_dir.join("lib").display()),
    ]
}

/// Shell exports for a dependant's build and run.
pub fn shell_exports(env: &TorchEnv) -> String {
    let lib = env.torch_dir.join("lib");
    format!(
        "export LIBTORCH='{}'\nexport LD_LIBRARY_PATH='{}'\"${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}\"\n",
        env.torch_dir.display(),
        lib.display()
    )
}

/// A `.cargo/config.toml` for a dependant: `LIBTORCH` and an absolute run path, so `cargo build`,
/// `cargo run` and `cargo test` work without any environment and its binaries run when copied.
pub fn cargo_config(env: &TorchEnv) -> String {
    let flags = rpath_flags(&env.torch_dir)
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "# Written by `cargo xtask env --cargo-config` (deepfield): where libtorch is.\n\
         [env]\nLIBTORCH = {:?}\n\n\
         [target.x86_64-unknown-linux-gnu]\nrustflags = [{flags}]\n",
        env.torch_dir.display().to_string()
    )
}

/// `cargo xtask env [--cargo-config]`.
pub fn env(args: &[String]) -> Result<()> {
    let env = crate::torch_env::ensure(&workspace_root())?;
    match args.first().map(String::as_str) {
        None => print!("{}", shell_exports(&env)),
        Some("--cargo-config") => print!("{}", cargo_config(&env)),
        Some(other) => return fail(format!("env: unknown option `{other}` (--cargo-config)")),
    }
    Ok(())
}

/// The crates with binaries, in install order.
const BINARY_CRATES: [&str; 7] = [
    "core",
    "audio",
    "genomics",
    "graph",
    "timeseries",
    "vision",
    "text",
];

/// `cargo xtask install [--root DIR] [CRATE…]`: `cargo install` the deepfield binaries with an
/// absolute run path to libtorch, so they run from anywhere (`~/.cargo/bin` by default).
pub fn install(args: &[String]) -> Result<()> {
    let env = crate::torch_env::ensure(&workspace_root())?;
    let mut root: Option<String> = None;
    let mut crates = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--root" => root = Some(it.next().cloned().ok_or("--root needs a folder")?),
            c if BINARY_CRATES.contains(&c) => crates.push(c.to_string()),
            other => {
                return fail(format!(
                    "install: unknown argument `{other}` (crates: {})",
                    BINARY_CRATES.join(", ")
                ))
            }
        }
    }
    if crates.is_empty() {
        crates = BINARY_CRATES.iter().map(|c| c.to_string()).collect();
    }
    for c in &crates {
        eprintln!(
            "xtask: installing deepfield-{c} (a release build: several minutes the first time)"
        );
        let mut cmd = crate::cargo();
        cmd.args(["install", "--locked", "--force", "--path", c])
            .env("LIBTORCH", &env.torch_dir)
            .env("RUSTFLAGS", rpath_flags(&env.torch_dir).join(" "));
        if let Some(r) = &root {
            cmd.args(["--root", r]);
        }
        run(cmd, &format!("cargo install deepfield-{c}"))?;
    }
    Ok(())
}

/// The dependant `test` builds: a binary crate outside the workspace that trains, saves and
/// restores an MLP through `deepfield-core` without its default features: core's own example.
const DEPENDENT_MAIN: &str = include_str!("../../core/examples/train_mlp.rs");

/// Build and run a tiny crate outside the workspace that depends on `deepfield-core` by path,
/// configured only by `cargo xtask env --cargo-config`, then run its binary from a copy in
/// another folder with no `LD_LIBRARY_PATH`. Its target folder (`target/dependent-check`) is
/// kept between runs.
pub fn check(env: &TorchEnv) -> Result<()> {
    let root = workspace_root();
    let dir = std::env::temp_dir().join(format!("deepfield-dependent-{}", std::process::id()));
    let write = |p: PathBuf, text: &str| -> Result<()> {
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()).into())
    };
    write(
        dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"deepfield-dependent-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [workspace]\n\n[dependencies]\ndeepfield-core = {{ path = {:?}, default-features = false }}\n",
            root.join("core").display().to_string()
        ),
    )?;
    // The dependant uses this workspace's lock file, so it builds the versions tested here.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|e| format!("copying Cargo.lock: {e}"))?;
    write(dir.join(".cargo").join("config.toml"), &cargo_config(env))?;
    write(dir.join("src").join("main.rs"), DEPENDENT_MAIN)?;
    eprintln!(
        "xtask: building a crate that depends on deepfield-core from outside the workspace ({})",
        dir.display()
    );
    let target = root.join("target").join("dependent-check");
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(&dir)
        .args(["build", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("LIBTORCH")
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    let built = run(cmd, "building the dependent crate");
    let exe = target.join("debug").join("deepfield-dependent-check");
    let result = built.and_then(|()| {
        // Run a copy from elsewhere: the absolute run path must find libtorch by itself.
        let copy = dir.join("copied-binary");
        std::fs::copy(&exe, &copy).map_err(|e| format!("copying {}: {e}", exe.display()))?;
        let out = Command::new(&copy)
            .current_dir(&dir)
            .env_remove("LD_LIBRARY_PATH")
            .output()
            .map_err(|e| format!("running {}: {e}", copy.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || !stdout.contains("dependent crate ok") {
            return fail(format!(
                "the dependent crate's binary failed ({}):\n{stdout}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        eprint!("xtask: {stdout}");
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}
