//! Count the canonical k-mers of a FASTA/FASTQ file (gzip allowed) and print the most frequent.
//!
//! ```sh
//! cargo run -p deepfield-genomics --example top_kmers                    # SARS-CoV-2 genomes, k = 21
//! cargo run -p deepfield-genomics --example top_kmers -- your.fasta.gz 12 20
//! ```
//!
//! Arguments: `[FILE] [K] [TOP]`; the default file is the Nextstrain example genomes of the data
//! directory (`$DEEPFIELD_DATA/sarscov2_nextstrain_example/example_sequences.fasta.gz`).
// No panics on user input: library and binary code may not unwrap or expect.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use deepfield_genomics::gmna::repro::DATASET;
use deepfield_genomics::seq::kmer::decode;
use deepfield_genomics::seq::{KmerCounter, SeqReader};
use deepfield_genomics::{Error, Result};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, name: &str, default: T) -> Result<T> {
    match args.get(i) {
        None => Ok(default),
        Some(s) => s
            .parse()
            .map_err(|_| Error::config(format!("{name} must be a positive number, got `{s}`"))),
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = match args.first() {
        Some(p) => PathBuf::from(p),
        None => deepfield_core::data::dataset(&DATASET)?.join("example_sequences.fasta.gz"),
    };
    let k: usize = arg(&args, 1, "K", 21)?;
    let top: usize = arg(&args, 2, "TOP", 10)?;

    let start = Instant::now();
    let mut counter = KmerCounter::new(k, true)?;
    let mut reader = SeqReader::from_path(&path)?;
    let mut records = 0usize;
    for record in &mut reader {
        counter.add_seq(&record?.seq);
        records += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let stats = reader.stats();
    println!(
        "{}: {records} records, {} bases ({} ambiguous) in {secs:.2} s",
        path.display(),
        stats.bases,
        stats.ambiguous
    );
    println!(
        "{} canonical {k}-mers counted, {} distinct",
        counter.total(),
        counter.len()
    );
    let mut by_count: Vec<(u64, u32)> = counter.iter().collect();
    by_count.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    println!("top {top}:");
    for (code, count) in by_count.into_iter().take(top) {
        println!("  {}  {count}", decode(code, k));
    }
    Ok(())
}
