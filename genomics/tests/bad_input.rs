//! Bad input at the genomics crate's readers: FASTA/FASTQ (plain and gzip), PennCNV signal files
//! and metadata/labels tables. Hand-made cases with the error each must give (naming the file
//! and the problem), seeded mutation runs (300 damaged files per format) that must never panic
//! nor give an empty or long message, and `predict_signal` writing no output for refused input.

use std::io::Write;
use std::path::Path;

use deepfield_core::testing::{
    assert_cases, assert_mutants_refused, assert_refused_without_output, case_table,
};
use deepfield_genomics::seq::{read_all, read_labels, read_metadata};
use deepfield_genomics::snp;
use deepfield_genomics::snp::signal::read_penncnv;

mod common;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

const FASTA: &str = ">hCoV-19/A,1 \"first\" 2020\nACGTACGTNNacgtRYKM\nACGT-ACGU\n\
                     >B/2\nGGGGCCCCAAAATTTT\n>C/3 last\nacgtacgtacgtacgt\nACGT\n";
const FASTQ: &str = "@r1 desc\nACGTACGTAC\n+\nIIIIIIIIII\n@r2\nGGCCNNAATT\n+r2\n#########I\n";

fn records(p: &Path) -> deepfield_genomics::Result<usize> {
    read_all(p).map(|(r, _)| r.len())
}

fn s(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

#[test]
fn hand_made_sequence_cases_give_clear_errors() {
    let gz = gzip(FASTA.as_bytes());
    let mut bad_crc = gz.clone();
    let n = bad_crc.len();
    bad_crc[n - 6] ^= 0xff;
    assert_cases(
        case_table(
            r"
            empty.fa        |                                 | no FASTA/FASTQ records
            blank.fa        | \n\n  \n                        | no FASTA/FASTQ records
            header_only.fa  | >a desc\n                       | :1 | `a` has no sequence
            empty_record.fa | >a\n>b\nACGT\n                  | :1 | `a` has no sequence
            seq_first.fa    | ACGT\n>a\nACGT\n                | :1 | first line
            digit.fa        | >a\nACGT\nAC1T\n                | :3 | '1'
            nul.fa          | >a\nAC\0GT\n                    | :2 | byte 0x00
            utf8.fa         | >a\nACGTé\n                     | :2 | byte 0xc3
            no_id.fa        | >\nACGT\n                       | :1 | without an id
            duplicate.fa    | >a x\nAC\n>b\nGG\n>a y\nGT\n    | :5 | duplicated record id `a`
            short_qual.fq   | @r1\nACGT\n+\nIII\n             | 3 quality characters for 4 bases
            no_plus.fq      | @r1\nACGT\n                     | ends before its '+' line
            lost_header.fq  | @r1\nAC\n+\nII\nr2\nAC\n+\nII\n | :5 | FASTQ header
            ",
        ),
        records,
    );
    // Damaged gzip.
    assert_cases(
        vec![
            (
                "truncated.fa.gz",
                gz[..gz.len() / 2].to_vec(),
                vec!["truncated or damaged gzip"],
            ),
            ("bad_crc.fa.gz", bad_crc, vec!["gzip"]),
            (
                "not_gzip.fa.gz",
                [&[0x1f, 0x8b][..], b"this is not deflate at all"].concat(),
                vec!["gzip"],
            ),
            (
                "empty_gzip.fa.gz",
                gzip(b""),
                vec!["no FASTA/FASTQ records"],
            ),
        ],
        records,
    );
    // The valid files read, plain and gzip; a missing file and a folder name themselves.
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, n) in [
        ("ok.fa", s(FASTA), 3),
        ("ok.fa.gz", gzip(FASTA.as_bytes()), 3),
        ("ok.fq", s(FASTQ), 2),
        ("ok.fq.gz", gzip(FASTQ.as_bytes()), 2),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        assert_eq!(records(&p).unwrap(), n, "{name}");
    }
    let err = records(&dir.path().join("missing.fa"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.fa"), "{err}");
    let err = records(dir.path()).unwrap_err().to_string();
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
}

#[test]
fn mutated_sequences_never_panic() {
    // Much damage to a FASTA text leaves a FASTA (a flipped letter is often another base);
    // refused today: FASTA 207, FASTQ 274, gzip 300 of 300.
    assert_mutants_refused("m.fa", FASTA.as_bytes(), (21, 300), 150, records);
    assert_mutants_refused("m.fq", FASTQ.as_bytes(), (22, 300), 200, records);
    let gz = gzip(FASTA.as_bytes());
    assert_mutants_refused("m.fa.gz", &gz, (23, 300), 280, records);
}

const SIGNAL: &str = "Name\tChr\tPosition\tkid.GType\tkid.Log R Ratio\tkid.B Allele Freq\n\
                      rs2\t1\t2000\tAB\t0.125\t0.5\n\
                      rs1\t1\t1000\tAA\t-0.25\t0.0\n\
                      rs3\t1\t3000\tNC\tNaN\tNA\n\
                      rs4\tX\t500\tBB\t0.5\t1.0\n";

fn signal(p: &Path) -> deepfield_genomics::Result<usize> {
    read_penncnv(p).map(|s| s.len())
}

#[test]
fn hand_made_signal_cases_give_clear_errors() {
    assert_cases(
        case_table(
            r"
            empty.txt       |                                   | :1 | empty signal file
            header_only.txt | Name\tChr\tPosition\tLog R Ratio\tB Allele Freq\n | :2 | no probes
            no_baf.txt | Name\tChr\tPosition\tLog R Ratio\nrs1\t1\t5\t0.1\n
                       | :1 | no `B Allele Freq` column | found: Name, Chr
            commas.txt | Name,Chr,Position,Log R Ratio,B Allele Freq\nrs1,1,5,0.1,0.5\n
                       | :1 | no `Name` column
            latin1.txt | Name\tChr\tPosition\tLog R Ratio\tB Allele Freq\nrs1\t1\t5\t0.1\t0.5\tcaf\xe9\n
                       | UTF-8
            ",
        ),
        signal,
    );
    // One bad probe after a good one, on line 3.
    let h = "Name\tChr\tPosition\tLog R Ratio\tB Allele Freq\nrs0\t1\t50\t0.1\t0.5\n";
    let rows = case_table(
        r"
        text_lrr.txt       | rs1\t1\t60\tabc\t0.5   | :3 | Log R Ratio `abc` is not a
        text_baf.txt       | rs1\t1\t60\t0.1\thigh  | :3 | B Allele Freq `high` is not a
        inf_lrr.txt        | rs1\t1\t60\tinf\t0.5   | :3 | Log R Ratio `inf` | finite
        huge_baf.txt       | rs1\t1\t60\t0.1\t1e309 | :3 | B Allele Freq `1e309` | finite
        baf_range.txt      | rs1\t1\t60\t0.1\t1.7   | :3 | outside [0, 1]
        fractional_pos.txt | rs1\t1\t60.5\t0.1\t0.5 | :3 | Position `60.5` is not a whole number
        negative_pos.txt   | rs1\t1\t-60\t0.1\t0.5  | :3 | Position `-60` | 0 or more
        short_row.txt      | rs1\t1\t60             | :3 | 3 fields, expected at least 5
        ",
    );
    let rows = rows.into_iter().map(|(name, row, fragments)| {
        let text = [h.as_bytes(), &row, b"\n"].concat();
        (name, text, fragments)
    });
    assert_cases(rows.collect(), signal);
    // Probes out of order are sorted (the format does not require order), NaN/NA kept.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ok.txt");
    std::fs::write(&p, SIGNAL).unwrap();
    let sig = read_penncnv(&p).unwrap();
    assert_eq!(sig.sample, "kid");
    assert_eq!(sig.names, ["rs1", "rs2", "rs3", "rs4"]);
    assert!(sig.lrr[2].is_nan() && sig.baf[2].is_nan());
}

#[test]
fn mutated_signals_never_panic() {
    // 289 of 300 refused today.
    assert_mutants_refused("m.txt", SIGNAL.as_bytes(), (24, 300), 220, signal);
}

const LABELS: &str = "name,country,date\n\"hCoV, \"\"A\"\"/1\",Spain,2020-03-01\n\
                      B/2,?,2020-03-02\nC/3,China,2020-01-05\n";

fn labels(p: &Path) -> deepfield_genomics::Result<usize> {
    read_labels(p, None, "country").map(|m| m.rows.len())
}

#[test]
fn hand_made_label_cases_give_clear_errors() {
    assert_cases(
        case_table(
            r#"
            empty.csv           |                                           | :1 | empty table
            no_label_column.csv | name,region\na,Asia\n                     | :1
                                | no column `country` | name, region
            duplicate.csv       | name,country\na,Spain\nb,Italy\n\na,China\n | :5
                                | duplicated id `a` | first on line 2
            short_row.csv       | name,date,country\na,2020\n               | :2 | 2 fields, the header has 3
            empty_id.csv        | name,country\n,Spain\n                    | :2 | empty `name`
            open_q.csv          | name,date,country\n"a,2020,Spain\nb,2021,Italy\n | :2 | quote left open
            open_q_last.csv     | name,date,country\na,2020,"Spain\nb,2021,Italy\n | :2 | quote left open
            latin1.csv          | name,country\nb,Espa\xf1a\n               | latin1.csv line 2 | UTF-8
            commas_in_tsv.tsv   | name,country\na,Spain\n                   | :1 | no column `country`
            "#,
        ),
        labels,
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ok.csv");
    std::fs::write(&p, format!("{LABELS}\n\n")).unwrap();
    assert_eq!(labels(&p).unwrap(), 2);
    // A named id column that is not there.
    let err = read_metadata(&p, "strain", "country")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ok.csv:1") && err.contains("no column `strain`"),
        "{err}"
    );
}

#[test]
fn mutated_labels_never_panic() {
    // 179 (CSV) and 187 (TSV) of 300 refused today.
    assert_mutants_refused("m.csv", LABELS.as_bytes(), (25, 300), 130, labels);
    let tsv = LABELS.replace(',', "\t").replace("\"hCoV\t ", "\"hCoV, ");
    assert_mutants_refused("m.tsv", tsv.as_bytes(), (26, 300), 130, |p| {
        read_metadata(p, "name", "country").map(|m| m.rows.len())
    });
}

#[test]
fn predict_signal_writes_nothing_for_a_refused_signal_file() {
    let tmp = tempfile::tempdir().unwrap();
    let model = common::save_deep_snp_model(tmp.path());
    let out = tmp.path().join("windows.csv");
    for (name, text, fragment) in [
        (
            "bad_lrr.txt",
            SIGNAL.replace("0.125", "x"),
            "Log R Ratio `x`",
        ),
        (
            "header_only.txt",
            SIGNAL.lines().next().unwrap().to_string(),
            "no probes",
        ),
    ] {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        let refused = snp::predict::predict_signal(&model, &p, Some(&out));
        assert_refused_without_output(refused, &[name, fragment], &out);
    }
}
