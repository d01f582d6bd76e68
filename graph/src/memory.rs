//! Peak memory of a training run: the process's peak resident set size (`VmHWM` in
//! `/proc/self/status`), reset before the run by writing `5` to `/proc/self/clear_refs` (Linux ≥ 4.0).
//! Elsewhere both calls report `None` and the reports say "n/a".

/// Reset the peak-RSS watermark to the current RSS; false when the platform does not allow it.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident set size in MiB since the last [`reset_peak`] (or process start).
pub fn peak_rss_mib() -> Option<f64> {
    status_kib("VmHWM:").map(|k| k / 1024.0)
}

/// Current resident set size in MiB.
pub fn rss_mib() -> Option<f64> {
    status_kib("VmRSS:").map(|k| k / 1024.0)
}

fn status_kib(key: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
