//! `cargo xtask` — deepfield's set-up, test, bench and reproduction runner.
//!
//! It never depends on `tch`: it must run before libtorch exists, install it, and then drive cargo.
//!
//! ```text
//! cargo xtask setup                      install PyTorch 2.13.0 (libtorch) if missing, link target/libtorch
//! cargo xtask doctor                     torch version, library path, CUDA, threads
//! cargo xtask test [cargo test args]     the whole test suite (installs what it needs first)
//! cargo xtask bench core [--threads N]   Trainer steps/s against PyTorch eager, with ratios
//! cargo xtask bench compress             int8 / torch.ao latency, PGD throughput vs torchattacks
//! cargo xtask list [--models]            every reproduction with its crate (and every model kind)
//! cargo xtask repro <id> [--quick] [--seed N] [--out DIR] [--data DIR]
//! ```

mod dependent;
mod models;
mod profiles;
mod repros;
mod torch_env;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn fail<T>(msg: impl Into<String>) -> Result<T> {
    Err(msg.into().into())
}

fn workspace_root() -> PathBuf {
    // xtask/Cargo.toml sits one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(workspace_root());
    cmd
}

fn run(mut cmd: Command, what: &str) -> Result<()> {
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {what}: {e}"))?;
    if !status.success() {
        return fail(format!("{what} failed ({status})"));
    }
    Ok(())
}

fn with_python_env(cmd: &mut Command, env: &torch_env::TorchEnv) {
    cmd.env("DEEPFIELD_PYTHON", &env.python);
}

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup                         install PyTorch 2.13.0 (libtorch for tch) when missing and link it
  doctor                        print torch version, library path, CUDA availability, thread count
  env [--cargo-config]          what a crate outside this workspace needs to build and run against
                                deepfield: shell exports (LIBTORCH, LD_LIBRARY_PATH), or a
                                .cargo/config.toml with LIBTORCH and an absolute run path
  check-dependent               only the dependent-crate check of `test`
  install [--root DIR] [CRATE…] cargo install the deepfield binaries (core, audio, genomics, graph,
                                timeseries, vision) with an absolute run path to libtorch
  test [ARGS]                   run the whole test suite (extra ARGS go to `cargo test`), check
                                core without default features, then build and run a crate outside
                                the workspace that depends on deepfield-core (the first time: a few
                                minutes; DEEPFIELD_SKIP_DEPENDENT=1 skips it)
  bench core [--threads N]      Trainer training steps/s vs PyTorch eager, printed with ratios
  bench compress [ARGS]         int8 vs f32 latency (MLP, LSTM, CNN) beside torch.ao dynamic
                                quantization, and PGD-10 throughput vs torchattacks, on the same
                                weights, at 1 and all threads; writes results/bench-compress/
                                (ARGS: --threads N, --seconds S, --out DIR)
  bench <crate> [ARGS]          a domain crate's bench against its reference tool (audio, graph, …)
  list [--models]               list every reproduction with its crate and description; with
                                --models also every model kind the crates' registries hold (builds
                                the binaries and asks each its `models`)
  repro <id> [--quick] [--seed N] [--out DIR] [--data DIR] [--threads N] [--config FILE] [--force]
                                run a reproduction (release build); writes results/<id>/ (a quick
                                run: results/<id>-quick/). --threads N: libtorch threads (0 = all
                                cores; 1 for long runs beside other work); --config FILE: a full
                                config.json to run with; --force: let a quick run replace a full one;
                                convnet-efficiency first runs every domain binary's `profile`
                                into results/profiles/

environment:
  DEEPFIELD_DATA       data directory (default: ../shared/datasets beside the checkout)
  DEEPFIELD_TORCH_ENV  where the PyTorch environment lives (default: ~/.cache/deepfield/torch-2.13.0)
  PYTHON               the Python 3 used to create that environment (default: python3)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup().map(|_| ()),
        Some("doctor") => doctor(),
        Some("env") => dependent::env(&args[1..]),
        Some("install") => dependent::install(&args[1..]),
        Some("check-dependent") => setup().and_then(|env| dependent::check(&env)),
        Some("test") => test(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("list") => list(&args[1..]),
        Some("repro") => repro(&args[1..]),
        Some("-h") | Some("--help") | Some("help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => fail(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `list [--models]`.
fn list(args: &[String]) -> Result<()> {
    let root = workspace_root();
    repros::print_list(&repros::all(&root)?);
    match args {
        [] => Ok(()),
        [flag] if flag == "--models" => {
            setup()?;
            let crates: Vec<&str> = repros::CRATES
                .iter()
                .copied()
                .filter(|c| has_binary(c))
                .collect();
            let per_crate = models::collect(&crates, cargo)?;
            println!();
            models::print(&models::merge(&per_crate));
            Ok(())
        }
        _ => fail(format!("list takes only --models, not {}", args.join(" "))),
    }
}

/// Whether `crates/<krate>` has the binary `deepfield-<krate>`.
fn has_binary(krate: &str) -> bool {
    let root = workspace_root().join(krate);
    root.join(format!("src/bin/deepfield-{krate}.rs")).exists()
        || root
            .join(format!("src/bin/deepfield-{krate}/main.rs"))
            .exists()
}

fn setup() -> Result<torch_env::TorchEnv> {
    let env = torch_env::ensure(&workspace_root())?;
    eprintln!(
        "xtask: torch {} ready: {} (linked as target/libtorch)",
        env.version,
        env.torch_dir.display()
    );
    Ok(env)
}

/// Say that cargo is about to build `package` (release or debug), and how long a first build
/// takes, so a long compile is not a silent wait.
fn announce_build(package: &str, binary: &str, release: bool) {
    let profile = if release { "release" } else { "debug" };
    let exe = workspace_root().join("target").join(profile).join(binary);
    if exe.exists() {
        eprintln!(
            "xtask: bringing {package} ({profile}) up to date (seconds, or minutes after changes)"
        );
    } else {
        eprintln!(
            "xtask: building {package} ({profile}) for the first time: about 10-15 minutes on 2 cores \
             (libtorch bindings, polars, plotters); later runs reuse it"
        );
    }
}

fn doctor() -> Result<()> {
    let env = setup()?;
    announce_build("deepfield-core", "deepfield-core", false);
    println!("python env      {}", env.venv.display());
    println!("torch (python)  {}", env.version);
    println!("libtorch dir    {}", env.torch_dir.display());
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--quiet",
        "-p",
        "deepfield-core",
        "--bin",
        "deepfield-core",
        "--",
        "doctor",
    ]);
    run(cmd, "deepfield-core doctor")
}

fn test(extra: &[String]) -> Result<()> {
    let env = setup()?;
    // The checkpoint interop test loads deepfield weights in PyTorch through safetensors;
    // pile-xai's quick test trains its LightGBM baseline in the same environment.
    torch_env::ensure_python_packages(
        &env,
        &[
            ("safetensors", "safetensors"),
            ("numpy", "numpy"),
            ("lightgbm", "lightgbm"),
            // lightgbm's scikit-learn API (LGBMRegressor) needs scikit-learn, which lightgbm
            // does not pull in by itself.
            ("sklearn", "scikit-learn"),
            // The text tokenizer test loads our tokenizer.json in Hugging Face's library.
            ("tokenizers", "tokenizers==0.23.3"),
        ],
    )?;
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"]).args(extra);
    with_python_env(&mut cmd, &env);
    // Test binaries run in parallel on few cores: one libtorch thread each avoids
    // oversubscription stalls (set OMP_NUM_THREADS yourself to override).
    if std::env::var_os("OMP_NUM_THREADS").is_none() {
        cmd.env("OMP_NUM_THREADS", "1");
    }
    run(cmd, "cargo test --workspace")?;
    // Core without its optional parts (tables, plots, cli) must build for dependants.
    let mut cmd = cargo();
    cmd.args([
        "check",
        "--quiet",
        "-p",
        "deepfield-core",
        "--no-default-features",
        "--lib",
    ]);
    run(cmd, "cargo check -p deepfield-core --no-default-features")?;
    if std::env::var_os("DEEPFIELD_SKIP_DEPENDENT").is_some() {
        eprintln!("xtask: DEEPFIELD_SKIP_DEPENDENT set: the dependent-crate check is skipped");
        return Ok(());
    }
    dependent::check(&env)
}

/// The allocator settings every deepfield binary applies at start-up
/// (`deepfield_core::allocator::{MMAP_THRESHOLD, TRIM_THRESHOLD}`; xtask does not link core),
/// given to the PyTorch side of `bench core` so both sides allocate alike. The domain benches
/// start their twins through `deepfield_core::allocator::configure_child`.
const TWIN_MALLOC_ENV: [(&str, &str); 2] = [
    ("MALLOC_MMAP_THRESHOLD_", "33554432"),
    ("MALLOC_TRIM_THRESHOLD_", "536870912"),
];

fn bench(args: &[String]) -> Result<()> {
    let target = args.first().map(String::as_str).unwrap_or("core");
    if target == "compress" {
        return bench_compress(&args[1..]);
    }
    if target != "core" {
        return bench_domain(target, &args[1..]);
    }
    let env = setup()?;
    let root = workspace_root();
    let threads: Vec<String> = match args.iter().position(|a| a == "--threads") {
        Some(i) => vec![args.get(i + 1).cloned().ok_or("--threads needs a number")?],
        None => {
            let all = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1);
            if all > 1 {
                vec!["1".into(), all.to_string()]
            } else {
                vec!["1".into()]
            }
        }
    };
    let mut build = cargo();
    build.args([
        "build",
        "--release",
        "-p",
        "deepfield-core",
        "--bin",
        "deepfield-core",
    ]);
    run(build, "cargo build --release")?;
    let bin = root.join("target/release/deepfield-core");
    let script = root.join("core/bench/bench_core.py");
    let mut rust = Vec::new();
    let mut py = Vec::new();
    // The two sides alternate, three rounds each, and the best round counts (best-of-N is the
    // least noisy estimate on a shared machine).
    for t in &threads {
        for _ in 0..3 {
            let out = capture(
                Command::new(&bin).args(["bench", "--threads", t, "--seconds", "2"]),
                "deepfield-core bench",
            )?;
            keep_best(&mut rust, parse_bench(&out));
            let out = capture(
                Command::new(&env.python)
                    .envs(TWIN_MALLOC_ENV)
                    .arg(&script)
                    .args(["--threads", t, "--seconds", "2"]),
                "PyTorch eager bench",
            )?;
            keep_best(&mut py, parse_bench(&out));
        }
    }
    println!();
    println!("best of 3 alternating rounds:");
    println!(
        "{:<8} {:>7} {:>16} {:>16} {:>7}",
        "model", "threads", "deepfield st/s", "pytorch st/s", "ratio"
    );
    for (model, t, ours) in &rust {
        if let Some((_, _, theirs)) = py.iter().find(|(m, tt, _)| m == model && tt == t) {
            println!(
                "{model:<8} {t:>7} {ours:>16.1} {theirs:>16.1} {:>7.2}",
                ours / theirs
            );
        }
    }
    println!();
    for (model, t, ours) in &rust {
        if let Some((_, _, theirs)) = py.iter().find(|(m, tt, _)| m == model && tt == t) {
            println!(
                "ratio {model} {:.2} (threads {t}: deepfield {ours:.1} / pytorch eager {theirs:.1} steps/s)",
                ours / theirs
            );
        }
    }
    Ok(())
}

/// `bench compress`: make sure the PyTorch side's packages are there (torchattacks without its
/// dependencies: they would replace the workspace's torch), then run `deepfield-core
/// bench-compress`, which measures both sides in one command and writes results/bench-compress/.
fn bench_compress(extra: &[String]) -> Result<()> {
    let env = setup()?;
    torch_env::ensure_python_packages(&env, &[("safetensors", "safetensors")])?;
    let has = |module: &str| {
        Command::new(&env.python)
            .args(["-c", &format!("import {module}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if !has("torchattacks") {
        eprintln!(
            "xtask: installing torchattacks 3.5.1 (--no-deps) into {}",
            env.venv.display()
        );
        let mut pip = Command::new(&env.python);
        pip.args([
            "-m",
            "pip",
            "--disable-pip-version-check",
            "install",
            "-q",
            "--no-deps",
            "torchattacks==3.5.1",
        ]);
        run(pip, "pip install --no-deps torchattacks==3.5.1")?;
        if !has("torchattacks") {
            return fail(format!(
                "torchattacks is installed in {} but does not import (a missing dependency such \
                 as scipy or torchvision?): `{} -c 'import torchattacks'` shows which",
                env.venv.display(),
                env.python.display()
            ));
        }
    }
    announce_build("deepfield-core", "deepfield-core", true);
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--release",
        "-p",
        "deepfield-core",
        "--bin",
        "deepfield-core",
        "--",
        "bench-compress",
        "--python",
    ])
    .arg(&env.python)
    .args(extra);
    with_python_env(&mut cmd, &env);
    run(cmd, "deepfield-core bench-compress")
}

/// `bench <crate>`: install the Python packages the crate's bench compares against
/// (`<crate>/bench/requirements.txt`), then run `deepfield-<crate> bench --python <venv python>`,
/// which measures both sides in one command and prints the ratio.
fn bench_domain(krate: &str, extra: &[String]) -> Result<()> {
    let root = workspace_root();
    let bin = root
        .join(krate)
        .join("src/bin")
        .join(format!("deepfield-{krate}.rs"));
    if !bin.exists() {
        return fail(format!(
            "no bench for `{krate}` (crates with benches: core{})",
            ["audio", "genomics", "graph", "timeseries", "vision", "text"]
                .iter()
                .filter(|c| root
                    .join(c)
                    .join(format!("src/bin/deepfield-{c}.rs"))
                    .exists())
                .map(|c| format!(", {c}"))
                .collect::<String>()
        ));
    }
    let env = setup()?;
    let req = root.join(krate).join("bench/requirements.txt");
    if req.exists() {
        eprintln!(
            "xtask: installing the bench's Python packages from {}",
            req.display()
        );
        let status = Command::new(&env.python)
            .args([
                "-m",
                "pip",
                "--disable-pip-version-check",
                "install",
                "-q",
                "--progress-bar",
                "off",
                "-r",
            ])
            .arg(&req)
            .status()
            .map_err(|e| format!("could not run pip: {e}"))?;
        if !status.success() {
            return fail(format!(
                "pip install -r {} failed ({status})",
                req.display()
            ));
        }
    }
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--release",
        "-p",
        &format!("deepfield-{krate}"),
        "--bin",
        &format!("deepfield-{krate}"),
        "--",
        "bench",
        "--python",
    ])
    .arg(&env.python)
    .args(extra);
    with_python_env(&mut cmd, &env);
    run(cmd, &format!("deepfield-{krate} bench"))
}

fn capture(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("could not start {what}: {e}"))?;
    if !out.status.success() {
        return fail(format!(
            "{what} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    print!("{text}");
    Ok(text)
}

fn keep_best(best: &mut Vec<(String, String, f64)>, new: Vec<(String, String, f64)>) {
    for (m, t, v) in new {
        match best.iter_mut().find(|(bm, bt, _)| *bm == m && *bt == t) {
            Some(entry) => entry.2 = entry.2.max(v),
            None => best.push((m, t, v)),
        }
    }
}

/// Lines `bench <model> threads=<n> steps_per_s=<x>` from either side.
fn parse_bench(out: &str) -> Vec<(String, String, f64)> {
    out.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            if it.next()? != "bench" {
                return None;
            }
            let model = it.next()?.to_string();
            let threads = it.next()?.strip_prefix("threads=")?.to_string();
            let sps = it.next()?.strip_prefix("steps_per_s=")?.parse().ok()?;
            Some((model, threads, sps))
        })
        .collect()
}

fn repro(args: &[String]) -> Result<()> {
    let all = repros::all(&workspace_root())?;
    let Some(id) = args.first() else {
        repros::print_list(&all);
        return fail("repro needs an id (see the list above)");
    };
    let Some(entry) = all.iter().find(|r| &r.id == id) else {
        repros::print_list(&all);
        return fail(format!("no reproduction with id `{id}`"));
    };
    setup()?;
    if id == profiles::REPRO {
        // Every domain binary profiles its own kinds first; core's reproduction reads them.
        let crates: Vec<&str> = repros::CRATES
            .iter()
            .copied()
            .filter(|c| *c != "core" && has_binary(c))
            .collect();
        let quick = args.iter().any(|a| a == "--quick");
        profiles::collect(&crates, Path::new(profiles::DIR), quick, cargo)?;
    }
    announce_build(&entry.package, &entry.binary, true);
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--release",
        "-p",
        &entry.package,
        "--bin",
        &entry.binary,
        "--",
        "repro",
    ])
    .args(args);
    run(cmd, &format!("repro {id}"))
}
