//! Keep freed memory in the process for reuse, instead of handing it back to the OS each step.
//!
//! With glibc's defaults, the blocks of a few hundred KiB to a few MiB that a training step
//! allocates and frees (activations, gradients, oneDNN's RNN scratch space) are returned to the
//! kernel on free (by `munmap` or by trimming the heap) and page-faulted back on the next step:
//! over a hundred faults per CNN-LSTM step, about a tenth of its time, and a step time that
//! swings by that much from run to run. [`tune`] raises the mmap threshold to 32 MiB (the
//! ceiling of glibc's own adaptive threshold) and the trim threshold to 512 MiB, so those blocks
//! stay in the heap and are reused; the price is that the process keeps up to that much freed
//! memory. It is what PyTorch's CPU performance guide gets by preloading jemalloc or tcmalloc.
//!
//! The deepfield binaries call it first thing. It does nothing when the user set glibc's
//! allocator variables (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`, `GLIBC_TUNABLES`),
//! when `DEEPFIELD_TUNE_MALLOC=0`, or on platforms other than Linux with glibc.

/// Blocks up to this size come from the heap (glibc's `DEFAULT_MMAP_THRESHOLD_MAX` on 64-bit).
pub const MMAP_THRESHOLD: usize = 32 << 20;
/// Free memory at the top of the heap kept before trimming.
pub const TRIM_THRESHOLD: usize = 512 << 20;

/// What [`tune`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tuning {
    /// Both thresholds were set.
    Applied,
    /// The user's environment already configures the allocator, or opts out.
    LeftToEnvironment,
    /// Not glibc, or a value mallopt cannot take.
    Unsupported,
}

/// The environment variables that, set, tell [`tune`] to leave the allocator alone.
const USER_SETTINGS: [&str; 3] = [
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
    "GLIBC_TUNABLES",
];

/// The user configured glibc's allocator, or opted out with `DEEPFIELD_TUNE_MALLOC=0`.
fn left_to_environment() -> bool {
    std::env::var("DEEPFIELD_TUNE_MALLOC").is_ok_and(|v| v == "0")
        || USER_SETTINGS.iter().any(|k| std::env::var_os(k).is_some())
}

/// Raise glibc's mmap and trim thresholds (see the module docs). Safe to call more than once.
pub fn tune() -> Tuning {
    if left_to_environment() {
        return Tuning::LeftToEnvironment;
    }
    set_thresholds(MMAP_THRESHOLD, TRIM_THRESHOLD)
}

/// The same settings as environment variables, for a child process that should allocate the
/// way a tuned deepfield process does.
pub fn env_vars() -> [(&'static str, String); 2] {
    [
        ("MALLOC_MMAP_THRESHOLD_", MMAP_THRESHOLD.to_string()),
        ("MALLOC_TRIM_THRESHOLD_", TRIM_THRESHOLD.to_string()),
    ]
}

/// Give `cmd` this process's allocator settings: the benches start their PyTorch (or other
/// reference) twins through it, so both sides of a comparison allocate alike. Settings the user
/// exported are inherited unchanged; with `DEEPFIELD_TUNE_MALLOC=0` nothing is added.
pub fn configure_child(cmd: &mut std::process::Command) -> &mut std::process::Command {
    if left_to_environment() {
        return cmd;
    }
    cmd.envs(env_vars())
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_thresholds(mmap: usize, trim: usize) -> Tuning {
    let (Ok(mmap), Ok(trim)) = (i32::try_from(mmap), i32::try_from(trim)) else {
        return Tuning::Unsupported;
    };
    // SAFETY: mallopt only reads its two integer arguments and updates glibc's own settings
    // under its lock; it returns 0 when it rejects a value.
    let ok = unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, mmap) == 1
            && libc::mallopt(libc::M_TRIM_THRESHOLD, trim) == 1
    };
    if ok {
        Tuning::Applied
    } else {
        Tuning::Unsupported
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_thresholds(_mmap: usize, _trim: usize) -> Tuning {
    Tuning::Unsupported
}

#[cfg(test)]
mod env_tests {
    use super::*;

    #[test]
    fn xtask_gives_the_core_bench_twin_the_same_settings() {
        // xtask does not link core, so it spells the values out; they must not drift.
        let xtask = include_str!("../../xtask/src/main.rs");
        for (key, value) in env_vars() {
            let pair = format!("(\"{key}\", \"{value}\")");
            assert!(xtask.contains(&pair), "xtask/src/main.rs lacks {pair}");
        }
    }

    #[test]
    fn a_child_gets_the_settings() {
        let mut cmd = std::process::Command::new("true");
        configure_child(&mut cmd);
        let set: Vec<_> = cmd.get_envs().collect();
        if left_to_environment() {
            assert!(set.is_empty());
        } else {
            for (key, value) in env_vars() {
                let v = std::ffi::OsString::from(value);
                assert!(set.contains(&(std::ffi::OsStr::new(key), Some(v.as_os_str()))));
            }
        }
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// Minor page faults of the calling thread so far.
    fn minor_faults() -> i64 {
        // SAFETY: getrusage writes one `rusage` struct, which we own.
        unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            assert_eq!(libc::getrusage(libc::RUSAGE_THREAD, &mut usage), 0);
            usage.ru_minflt
        }
    }

    /// Allocate, touch and free 4 MiB `rounds` times; the faults that cost.
    fn churn(rounds: usize) -> i64 {
        let before = minor_faults();
        for i in 0..rounds {
            let block = vec![i as u8 + 1; 4 << 20];
            std::hint::black_box(&block);
        }
        minor_faults() - before
    }

    #[test]
    fn freed_blocks_are_reused_instead_of_faulted_back() {
        // glibc's starting point (128 KiB, which its adaptive threshold may since have raised,
        // hence set here): a 4 MiB block is mmapped and unmapped each time (1024 pages).
        // SAFETY: as in `set_thresholds`.
        assert_eq!(
            unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10) },
            1
        );
        let untuned = churn(1);
        assert!(
            untuned > 500,
            "an untuned 4 MiB block cost only {untuned} faults"
        );
        assert_eq!(
            set_thresholds(MMAP_THRESHOLD, TRIM_THRESHOLD),
            Tuning::Applied
        );
        churn(1); // first touch of the heap's new pages
        let tuned = churn(20);
        assert!(tuned < 100, "20 reused 4 MiB blocks cost {tuned} faults");
        // Values mallopt cannot take are reported, not ignored.
        assert_eq!(
            set_thresholds(usize::MAX, TRIM_THRESHOLD),
            Tuning::Unsupported
        );
    }
}
