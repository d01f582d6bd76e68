//! What a run records about where it ran: host, hardware, code version, time.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The machine a run ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hardware {
    /// `Cpu` or `Cuda(0)`.
    pub device: String,
    pub cuda_devices: i64,
    /// libtorch threads.
    pub threads: usize,
    /// Logical CPUs of the machine.
    pub cpus: usize,
    /// The CPU's model name (Linux: /proc/cpuinfo).
    pub cpu: Option<String>,
    pub os: String,
}

/// Host, hardware, code version and start time of a run.
#[derive(Debug, Clone)]
pub struct Environment {
    pub time: f64,
    pub host: String,
    pub hardware: Hardware,
    pub code_version: String,
}

fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn host() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// `deepfield <version>` and, when the sources this build came from are a git checkout, its
/// commit (`+dirty` with uncommitted changes). Computed once per process.
pub fn code_version() -> String {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            let version = format!("deepfield {}", env!("CARGO_PKG_VERSION"));
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
            let git = |args: &[&str]| {
                Command::new("git")
                    .args(args)
                    .current_dir(dir)
                    .output()
                    .ok()
                    .filter(|o| o.status.success())
                    .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            };
            match git(&["rev-parse", "--short=12", "HEAD"]) {
                Some(commit) if !commit.is_empty() => {
                    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                        .is_some_and(|s| !s.is_empty());
                    format!("{version} {commit}{}", if dirty { "+dirty" } else { "" })
                }
                _ => version,
            }
        })
        .clone()
}

impl Environment {
    /// The environment at this moment.
    pub fn now() -> Environment {
        let info = crate::device::info();
        Environment {
            time: now(),
            host: host(),
            hardware: Hardware {
                device: info.device,
                cuda_devices: info.cuda_devices,
                threads: info.threads,
                cpus: std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1),
                cpu: cpu_model(),
                os: std::env::consts::OS.to_string(),
            },
            code_version: code_version(),
        }
    }
}
