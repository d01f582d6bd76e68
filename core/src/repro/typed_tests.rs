//! The results-folder contract of [`super::Typed`]: one unit, quick runs marked, symlinks kept.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::typed::{read_run_info, Experiment, Typed};
use super::ReproOptions;
use crate::{Error, Result};

#[derive(Debug, Serialize, Deserialize)]
struct Cfg {
    #[serde(default)]
    fail: bool,
    #[serde(default = "two")]
    n: u32,
}

fn two() -> u32 {
    2
}

#[derive(Debug, Serialize, Deserialize)]
struct Metrics {
    model_a: Scores,
}

#[derive(Debug, Serialize, Deserialize)]
struct Scores {
    accuracy: f64,
}

struct Toy;

impl Experiment for Toy {
    type Config = Cfg;
    type Metrics = Metrics;
    fn id(&self) -> &'static str {
        "toy"
    }
    fn description(&self) -> &'static str {
        "a toy"
    }
    fn config(&self, opts: &ReproOptions) -> Result<Cfg> {
        Ok(Cfg {
            fail: opts.seed == 13,
            n: 2,
        })
    }
    fn execute(&self, cfg: &Cfg, opts: &ReproOptions) -> Result<Metrics> {
        crate::fsutil::write_atomic(&opts.out.join("report.md"), b"# Toy\n")?;
        if cfg.fail {
            return Err(Error::input("the toy failed on purpose"));
        }
        Ok(Metrics {
            model_a: Scores {
                accuracy: 0.25 * f64::from(cfg.n),
            },
        })
    }
    fn validate(&self, cfg: &Cfg) -> Result<()> {
        crate::ensure_config!(cfg.n > 0, "n must be > 0");
        Ok(())
    }
}

fn opts(out: &Path, seed: u64, quick: bool) -> ReproOptions {
    let mut o = ReproOptions::new("toy");
    o.out = out.to_path_buf();
    o.seed = seed;
    o.quick = quick;
    o
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_failed_run_leaves_the_previous_results_and_no_temporary_folder() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("toy");
    Typed(Toy).run_typed(&opts(&out, 1, false)).unwrap();
    assert_eq!(
        listing(&out),
        ["config.json", "metrics.csv", "metrics.json", "report.md"]
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.starts_with("> Full run, seed 1"), "{report}");
    let err = Typed(Toy).run_typed(&opts(&out, 13, false)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&out.display().to_string()) && msg.contains("failed on purpose"),
        "{msg}"
    );
    assert_eq!(read_run_info(&out).unwrap().seed, 1, "old results kept");
    // The failed run's partial folder is removed by the next run.
    Typed(Toy).run_typed(&opts(&out, 2, false)).unwrap();
    assert_eq!(listing(root.path()), ["toy"]);
    assert_eq!(read_run_info(&out).unwrap().seed, 2);
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(csv, "model,fold,metric,value\nmodel_a,,accuracy,0.5\n");
}

#[cfg(unix)]
#[test]
fn out_on_a_symlink_writes_through_it() {
    let root = tempfile::tempdir().unwrap();
    let real = root.path().join("real");
    std::fs::create_dir_all(&real).unwrap();
    let link = root.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    Typed(Toy).run_typed(&opts(&link, 3, false)).unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(read_run_info(&real).unwrap().seed, 3);
}

#[test]
fn quick_runs_do_not_replace_full_ones_without_force_and_config_files_are_checked() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("toy");
    Typed(Toy).run_typed(&opts(&out, 1, false)).unwrap();
    let err = Typed(Toy)
        .run_typed(&opts(&out, 1, true))
        .unwrap_err()
        .to_string();
    assert!(err.contains("--force"), "{err}");
    let mut forced = opts(&out, 1, true);
    forced.force = true;
    Typed(Toy).run_typed(&forced).unwrap();
    assert!(read_run_info(&out).unwrap().quick);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.starts_with("> **Quick run**"), "{report}");

    // --config: a partial file takes defaults; a wrong field type and a failed validation are
    // errors naming the file.
    let file = root.path().join("my config.json");
    std::fs::write(&file, r#"{"n": 4}"#).unwrap();
    let mut o = opts(&out, 1, false);
    o.config = Some(file.clone());
    let m = Typed(Toy).run_typed(&o).unwrap();
    assert_eq!(m.model_a.accuracy, 1.0);
    std::fs::write(&file, r#"{"n": "four"}"#).unwrap();
    let err = Typed(Toy).run_typed(&o).unwrap_err().to_string();
    assert!(
        err.contains("my config.json") && err.contains("not a toy config"),
        "{err}"
    );
    std::fs::write(&file, r#"{"n": 0}"#).unwrap();
    let err = Typed(Toy).run_typed(&o).unwrap_err().to_string();
    assert!(err.contains("n must be > 0"), "{err}");
}
