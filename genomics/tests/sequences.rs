//! Sequence readers, k-mer counting and metadata on edge cases and on the real SARS-CoV-2 genomes
//! (`sarscov2_nextstrain_example` in the data directory).

use std::io::Write;

use deepfield_genomics::gmna::repro::DATASET;
use deepfield_genomics::seq::kmer::{naive_count, reverse_complement};
use deepfield_genomics::seq::{
    join, read_all, read_metadata, KmerCounter, ProfileConfig, SeqReader,
};

fn write_gz(path: &std::path::Path, text: &str) {
    let f = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap();
}

#[test]
fn gzip_fasta_and_fastq_read_like_plain() {
    let dir = tempfile::tempdir().unwrap();
    let fa = ">s1 first\nACGTacgt\nNNRY\n>s2\nGGGG\n";
    std::fs::write(dir.path().join("a.fa"), fa).unwrap();
    write_gz(&dir.path().join("a.fa.gz"), fa);
    let (plain, stats) = read_all(&dir.path().join("a.fa")).unwrap();
    let (gz, _) = read_all(&dir.path().join("a.fa.gz")).unwrap();
    assert_eq!(plain, gz);
    assert_eq!(plain[0].seq, b"ACGTACGTNNRY");
    assert_eq!(
        (stats.records, stats.bases, stats.ambiguous, stats.lowercase),
        (2, 16, 4, 4)
    );

    write_gz(
        &dir.path().join("r.fq.gz"),
        "@r1\nACGTN\n+\nIIII#\n@r2\nTT\n+\nII\n",
    );
    let (fq, _) = read_all(&dir.path().join("r.fq.gz")).unwrap();
    assert_eq!(fq.len(), 2);
    assert_eq!(fq[0].qual.as_deref(), Some(&b"IIII#"[..]));

    // Empty files, missing files and truncated gzip are errors, not panics.
    std::fs::write(dir.path().join("empty.fa"), "").unwrap();
    let e = read_all(&dir.path().join("empty.fa"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no FASTA/FASTQ records"), "{e}");
    assert!(read_all(&dir.path().join("missing.fa")).is_err());
    let bytes = std::fs::read(dir.path().join("a.fa.gz")).unwrap();
    std::fs::write(dir.path().join("cut.fa.gz"), &bytes[..bytes.len() / 2]).unwrap();
    assert!(read_all(&dir.path().join("cut.fa.gz")).is_err());
}

#[test]
fn real_genomes_kmer_counts_match_naive_and_are_canonical() {
    let dir = deepfield_core::data::dataset(&DATASET).unwrap();
    let reader = SeqReader::from_path(&dir.join("example_sequences.fasta.gz")).unwrap();
    let recs: Vec<_> = reader.take(3).map(|r| r.unwrap()).collect();
    assert_eq!(recs[0].id, "Wuhan/Hu-1/2019");
    assert_eq!(recs[0].seq.len(), 29_903);
    for k in [21, 31] {
        let mut c = KmerCounter::new(k, true).unwrap();
        let mut naive = std::collections::HashMap::new();
        for r in &recs {
            c.add_seq(&r.seq);
            for (s, n) in naive_count(&r.seq, k, true) {
                *naive.entry(s).or_insert(0u64) += n;
            }
        }
        assert_eq!(c.len(), naive.len(), "k={k}");
        assert_eq!(c.total(), naive.values().sum::<u64>());
        for (s, n) in naive.iter().take(5_000) {
            assert_eq!(c.get_str(s) as u64, *n, "{s}");
        }
    }
    // A canonical count of a genome equals that of its reverse complement.
    let rc = reverse_complement(&recs[1].seq);
    let (mut a, mut b) = (
        KmerCounter::new(21, true).unwrap(),
        KmerCounter::new(21, true).unwrap(),
    );
    a.add_seq(&recs[1].seq);
    b.add_seq(&rc);
    assert_eq!(a.sorted(), b.sorted());
    // Not canonically, they differ.
    let (mut a, mut b) = (
        KmerCounter::new(21, false).unwrap(),
        KmerCounter::new(21, false).unwrap(),
    );
    a.add_seq(&recs[1].seq);
    b.add_seq(&rc);
    assert_ne!(a.sorted(), b.sorted());
    // A dense 8-mer profile sums to the number of valid 8-mers.
    let p = ProfileConfig::default().dense(&recs[0].seq).unwrap();
    assert_eq!(p.len(), 65_536);
    assert_eq!(p.iter().map(|&x| x as u64).sum::<u64>(), 29_903 - 7);
}

#[test]
fn real_metadata_joins_every_genome_and_counts_mismatches() {
    let dir = deepfield_core::data::dataset(&DATASET).unwrap();
    let (recs, _) = read_all(&dir.join("example_sequences.fasta.gz")).unwrap();
    assert_eq!(recs.len(), 418);
    let meta = read_metadata(&dir.join("example_metadata.tsv"), "strain", "region").unwrap();
    let mut ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
    let j = join(&ids, &meta).unwrap();
    assert_eq!(j.matched.len() + j.sequences_without_label, 418);
    assert_eq!(j.metadata_without_sequence, 0);
    // Drop ten sequences: their metadata rows become counted warnings.
    ids.truncate(408);
    let j = join(&ids, &meta).unwrap();
    assert_eq!(meta.unknown_labels, 0);
    assert_eq!(j.metadata_without_sequence, 10);
    let e = read_metadata(&dir.join("example_metadata.tsv"), "strain", "continent")
        .unwrap_err()
        .to_string();
    assert!(e.contains("no column `continent`"), "{e}");
}
