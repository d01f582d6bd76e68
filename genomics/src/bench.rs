//! k-mer counting throughput (canonical k = 21, one thread) against `jellyfish count -C -t 1`
//! (Debian package `jellyfish`) on the same FASTA, in the same command, with the counts checked
//! identical k-mer by k-mer (`jellyfish dump`).
//!
//! Both sides read the same uncompressed FASTA (jellyfish does not read gzip), decompressed once
//! into a temporary folder. Each side runs `repeats` times; the median wall time (the headline
//! ratio) and CPU time (user + system: `/proc/self/stat` for us, `/usr/bin/time -v` for
//! jellyfish) are reported. Jellyfish's hash is sized to the number of distinct k-mers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::seq::{KmerCounter, SeqReader};
use crate::{Error, Result};

/// How to install the reference tool.
pub const JELLYFISH_INSTALL: &str =
    "jellyfish is not installed: install it with `apt-get update && apt-get install -y jellyfish` \
     (Debian/Ubuntu package `jellyfish`, Jellyfish 2.x), or put a `jellyfish` binary on PATH";

/// One side's measurement.
#[derive(Debug, Clone)]
pub struct Side {
    pub seconds: f64,
    /// CPU time (user + system), when it could be measured.
    pub cpu_seconds: Option<f64>,
    pub kmers: u64,
    pub distinct: usize,
    pub peak_mb: Option<f64>,
}

/// Count canonical `k`-mers of a FASTA file with [`KmerCounter`].
pub fn count_file(path: &Path, k: usize, canonical: bool) -> Result<(KmerCounter, u64)> {
    let mut c = KmerCounter::new(k, canonical)?;
    let mut bases = 0u64;
    for rec in SeqReader::from_path(path)?.allow_duplicates() {
        let rec = rec?;
        bases += rec.seq.len() as u64;
        c.add_seq(&rec.seq);
    }
    Ok((c, bases))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Peak resident memory of this process (Linux `VmHWM`), MB.
fn own_peak_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time (user + system) of this process so far, from `/proc/self/stat` (100 ticks/s).
fn own_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = s.rsplit(')').next()?;
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn jellyfish_available() -> bool {
    Command::new("jellyfish")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_jellyfish(
    fasta: &Path,
    out: &Path,
    k: usize,
    hash_size: usize,
) -> Result<(f64, Option<f64>, Option<f64>)> {
    let args = [
        "count".to_string(),
        "-m".into(),
        k.to_string(),
        "-C".into(),
        "-t".into(),
        "1".into(),
        "-s".into(),
        hash_size.to_string(),
        "-o".into(),
        out.display().to_string(),
        fasta.display().to_string(),
    ];
    let use_time = Path::new("/usr/bin/time").exists();
    let t = Instant::now();
    // jellyfish allocates with the same glibc settings as this process.
    let mut cmd = if use_time {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-v").arg("jellyfish");
        c
    } else {
        Command::new("jellyfish")
    };
    let output = deepfield_core::allocator::configure_child(&mut cmd)
        .args(&args)
        .output()
        .map_err(|e| Error::input(format!("running jellyfish: {e}")))?;
    let secs = t.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(Error::input(format!(
            "jellyfish count failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let err = String::from_utf8_lossy(&output.stderr);
    let field = |name: &str| {
        err.lines()
            .find(|l| l.contains(name))
            .and_then(|l| l.rsplit(':').next()?.trim().parse::<f64>().ok())
    };
    let peak = field("Maximum resident set size").map(|kb| kb / 1024.0);
    let cpu = match (field("User time (seconds)"), field("System time (seconds)")) {
        (Some(u), Some(s)) => Some(u + s),
        _ => None,
    };
    Ok((secs, cpu, peak))
}

/// Compare jellyfish's table with ours; returns (distinct, total) on success.
fn check_identical(jf: &Path, ours: &KmerCounter) -> Result<(usize, u64)> {
    let out = Command::new("jellyfish")
        .args(["dump", "-c", "-t"])
        .arg(jf)
        .output()
        .map_err(|e| Error::input(format!("running jellyfish dump: {e}")))?;
    if !out.status.success() {
        return Err(Error::input("jellyfish dump failed"));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut theirs: HashMap<&str, u64> = HashMap::new();
    for line in text.lines() {
        let mut f = line.split('\t');
        if let (Some(k), Some(c)) = (f.next(), f.next()) {
            theirs.insert(k, c.trim().parse().unwrap_or(0));
        }
    }
    if theirs.len() != ours.len() {
        return Err(Error::input(format!(
            "distinct k-mers differ: jellyfish {} vs ours {}",
            theirs.len(),
            ours.len()
        )));
    }
    let mut total = 0u64;
    for (kmer, &n) in &theirs {
        let o = ours.get_str(kmer) as u64;
        if o != n {
            return Err(Error::input(format!(
                "count of {kmer}: jellyfish {n} vs ours {o}"
            )));
        }
        total += n;
    }
    Ok((theirs.len(), total))
}

/// Run the benchmark and print both sides and the ratio.
pub fn run(fasta: &Path, k: usize, threads: usize, repeats: usize) -> Result<()> {
    deepfield_core::device::set_threads(threads.max(1));
    let tmp = std::env::temp_dir().join(format!("deepfield-genomics-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let result = run_in(fasta, k, repeats.max(1), &tmp);
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

fn run_in(fasta: &Path, k: usize, repeats: usize, tmp: &Path) -> Result<()> {
    let plain: PathBuf = tmp.join("genomes.fasta");
    {
        let mut r = crate::seq::reader::open_maybe_gz(fasta)?;
        let mut w = std::fs::File::create(&plain).map_err(|e| Error::io(&plain, e))?;
        std::io::copy(&mut r, &mut w).map_err(|e| Error::io(&plain, e))?;
    }
    println!(
        "bench genomics: canonical {k}-mer counting, one thread, file {} (decompressed)",
        fasta.display()
    );
    let mut times = Vec::new();
    let mut cpus = Vec::new();
    let mut last = None;
    for _ in 0..repeats {
        let (t, c0) = (Instant::now(), own_cpu_seconds());
        let (c, bases) = count_file(&plain, k, true)?;
        times.push(t.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (c0, own_cpu_seconds()) {
            cpus.push(b - a);
        }
        last = Some((c, bases));
    }
    let (ours, bases) = last.ok_or_else(|| Error::input("no run"))?;
    let ours_side = Side {
        seconds: median(times),
        cpu_seconds: (!cpus.is_empty()).then(|| median(cpus)),
        kmers: ours.total(),
        distinct: ours.len(),
        peak_mb: own_peak_mb(),
    };
    let line = |name: &str, s: &Side| {
        println!(
            "{name:<12} {:.3} s wall ({} CPU)  {:.1} M bases/s  {:.1} M k-mers/s  {} distinct  {} k-mers  peak {}",
            s.seconds,
            s.cpu_seconds.map_or("n/a".into(), |c| format!("{c:.2} s")),
            bases as f64 / s.seconds / 1e6,
            s.kmers as f64 / s.seconds / 1e6,
            s.distinct,
            s.kmers,
            s.peak_mb.map_or("n/a".into(), |m| format!("{m:.0} MB (process)"))
        )
    };
    line("deepfield", &ours_side);
    if !jellyfish_available() {
        return Err(Error::input(JELLYFISH_INSTALL));
    }
    let jf = tmp.join("counts.jf");
    // Hash sized to the distinct k-mers (rounded up to a power of two): jellyfish's best case,
    // no table growth and no oversized table to scan.
    let hash_size = ours.len().next_power_of_two().max(1 << 16);
    let (mut jtimes, mut jcpus) = (Vec::new(), Vec::new());
    let mut peak = None;
    for _ in 0..repeats {
        let _ = std::fs::remove_file(&jf);
        let (s, c, p) = run_jellyfish(&plain, &jf, k, hash_size)?;
        jtimes.push(s);
        jcpus.extend(c);
        peak = p;
    }
    let (distinct, total) = check_identical(&jf, &ours)?;
    let jf_side = Side {
        seconds: median(jtimes),
        cpu_seconds: (!jcpus.is_empty()).then(|| median(jcpus.clone())),
        kmers: total,
        distinct,
        peak_mb: peak,
    };
    line("jellyfish", &jf_side);
    println!("counts identical: yes ({distinct} distinct canonical {k}-mers, {total} k-mers)");
    println!(
        "ratio kmer_count {:.2}x (deepfield throughput / jellyfish count -C -t 1; target ≥ 3x)",
        jf_side.seconds / ours_side.seconds
    );
    if let (Some(a), Some(b)) = (ours_side.cpu_seconds, jf_side.cpu_seconds) {
        if a > 0.0 {
            println!(
                "ratio kmer_count_cpu {:.2}x (CPU time, user + system)",
                b / a
            );
        }
    }
    println!(
        "(jellyfish count -m {k} -C -t 1 -s {hash_size}; wall times are sensitive to machine load)"
    );
    Ok(())
}
