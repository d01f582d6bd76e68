//! The PyTorch 2.13.0 environment that libtorch comes from.
//!
//! `tch` 0.26 links against PyTorch 2.13.0. This module installs the `torch==2.13.0` wheel from the
//! Python registry into a per-user virtual environment keyed by the version
//! (`${XDG_CACHE_HOME:-~/.cache}/deepfield/torch-2.13.0`, or `DEEPFIELD_TORCH_ENV`), checks the
//! installed version before reusing it, and links `target/libtorch` (the wheel's `torch` package
//! folder, which `.cargo/config.toml` hands to torch-sys as `LIBTORCH`) and `target/deepfield-venv`
//! (the environment, for tests and benches that compare against Python).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{fail, Result};

/// The PyTorch version `tch` 0.26 (torch-sys 0.26) is built against.
pub const TORCH_VERSION: &str = "2.13.0";

/// A ready environment.
pub struct TorchEnv {
    pub venv: PathBuf,
    pub python: PathBuf,
    pub torch_dir: PathBuf,
    pub version: String,
}

/// Where the environment lives.
pub fn env_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("DEEPFIELD_TORCH_ENV") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    cache
        .join("deepfield")
        .join(format!("torch-{TORCH_VERSION}"))
}

fn run_capture(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Version and package folder of torch importable by `python`, if any.
fn probe_torch(python: &Path) -> Option<(String, PathBuf)> {
    let out = run_capture(Command::new(python).args([
        "-c",
        "import os, torch; print(torch.__version__); print(os.path.dirname(torch.__file__))",
    ]))?;
    let mut lines = out.lines();
    let version = lines.next()?.trim().to_string();
    let dir = PathBuf::from(lines.next()?.trim());
    Some((version, dir))
}

fn base_version(v: &str) -> &str {
    v.split('+').next().unwrap_or(v)
}

fn find_python3() -> Result<PathBuf> {
    let candidates: Vec<PathBuf> = match std::env::var_os("PYTHON") {
        Some(p) => vec![PathBuf::from(p)],
        None => vec![PathBuf::from("python3"), PathBuf::from("python")],
    };
    for c in candidates {
        if let Some(v) = run_capture(
            Command::new(&c).args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]),
        ) {
            let ok = v
                .split_once('.')
                .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
                .is_some_and(|(a, b)| a == 3 && b >= 10);
            if ok {
                return Ok(c);
            }
            eprintln!("xtask: {} is Python {v}; PyTorch {TORCH_VERSION} needs Python >= 3.10, trying others", c.display());
        }
    }
    fail(format!(
        "no usable Python 3 found. deepfield installs PyTorch {TORCH_VERSION} (libtorch for tch) from the Python \
         registry and needs Python >= 3.10 with the venv and pip modules.\n  \
         Debian/Ubuntu: apt-get install python3 python3-venv python3-pip\n  \
         or point PYTHON at an interpreter: PYTHON=/path/to/python3 cargo xtask setup"
    ))
}

fn pip(python: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new(python)
        .args(["-m", "pip", "--disable-pip-version-check"])
        .args(args)
        .status()
        .map_err(|e| format!("could not run {} -m pip: {e}", python.display()))?;
    if !status.success() {
        return fail(format!(
            "`pip {}` failed ({status}). Check that this machine reaches the Python package registry \
             (or a mirror set in PIP_INDEX_URL) and has ~5 GB free in {}. Then re-run the command.",
            args.join(" "),
            env_dir().display()
        ));
    }
    Ok(())
}

/// Make sure PyTorch 2.13.0 is installed and linked into `target/`; install it when missing.
pub fn ensure(root: &Path) -> Result<TorchEnv> {
    let venv = env_dir();
    let python = venv.join("bin").join("python");
    let existing = if python.exists() {
        probe_torch(&python)
    } else {
        None
    };
    let (version, torch_dir) = match existing {
        Some((v, dir)) if base_version(&v) == TORCH_VERSION => (v, dir),
        other => {
            if let Some((v, _)) = other {
                eprintln!(
                    "xtask: {} has torch {v}, but tch 0.26 needs {TORCH_VERSION}: reinstalling",
                    venv.display()
                );
            }
            install(&venv, &python)?;
            match probe_torch(&python) {
                Some((v, dir)) if base_version(&v) == TORCH_VERSION => (v, dir),
                Some((v, _)) => {
                    return fail(format!(
                        "after installing, {} reports torch {v}, not {TORCH_VERSION}. Remove {} and retry.",
                        python.display(),
                        venv.display()
                    ))
                }
                None => {
                    return fail(format!(
                        "torch {TORCH_VERSION} was installed into {} but `import torch` fails there. \
                         Remove that folder and run `cargo xtask setup` again.",
                        venv.display()
                    ))
                }
            }
        }
    };
    if !torch_dir.join("lib").join("libtorch_cpu.so").exists() {
        return fail(format!(
            "{} has no lib/libtorch_cpu.so: the torch install is incomplete. Remove {} and retry.",
            torch_dir.display(),
            venv.display()
        ));
    }
    let target = root.join("target");
    std::fs::create_dir_all(&target).map_err(|e| format!("creating {}: {e}", target.display()))?;
    relink(&target.join("libtorch"), &torch_dir)?;
    relink(&target.join("deepfield-venv"), &venv)?;
    Ok(TorchEnv {
        venv,
        python,
        torch_dir,
        version,
    })
}

fn install(venv: &Path, python: &Path) -> Result<()> {
    let base = find_python3()?;
    eprintln!(
        "xtask: installing PyTorch {TORCH_VERSION} (libtorch for tch) into {} — about 5 GB, a few minutes, once per machine",
        venv.display()
    );
    if !python.exists() {
        if let Some(parent) = venv.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        let status = Command::new(&base)
            .args(["-m", "venv"])
            .arg(venv)
            .status()
            .map_err(|e| format!("could not run {} -m venv: {e}", base.display()))?;
        if !status.success() || !python.exists() {
            return fail(format!(
                "`{} -m venv {}` failed. Install the venv module (Debian/Ubuntu: apt-get install python3-venv) and retry.",
                base.display(),
                venv.display()
            ));
        }
    }
    if run_capture(Command::new(python).args(["-m", "pip", "--version"])).is_none() {
        return fail(format!(
            "pip is missing in {}. Install it (Debian/Ubuntu: apt-get install python3-pip python3-venv), remove {} and retry.",
            venv.display(),
            venv.display()
        ));
    }
    pip(
        python,
        &[
            "install",
            "--progress-bar",
            "off",
            &format!("torch=={TORCH_VERSION}"),
        ],
    )
}

/// Install extra Python packages (test or bench comparisons) when not importable yet.
pub fn ensure_python_packages(env: &TorchEnv, packages: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(module, _)| {
            run_capture(Command::new(&env.python).args(["-c", &format!("import {module}")]))
                .is_none()
        })
        .map(|(_, spec)| *spec)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!(
        "xtask: installing {} into {}",
        missing.join(" "),
        env.venv.display()
    );
    let mut args = vec!["install", "--progress-bar", "off"];
    args.extend(missing.iter().copied());
    pip(&env.python, &args)
}

fn relink(link: &Path, to: &Path) -> Result<()> {
    if let Ok(current) = std::fs::read_link(link) {
        if current == to {
            return Ok(());
        }
    }
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(link)
            .or_else(|_| std::fs::remove_dir_all(link))
            .map_err(|e| format!("removing stale {}: {e}", link.display()))?;
    }
    std::os::unix::fs::symlink(to, link)
        .map_err(|e| format!("linking {} -> {}: {e}", link.display(), to.display()).into())
}
