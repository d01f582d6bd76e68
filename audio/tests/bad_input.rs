//! Bad input at the audio crate's readers: the WAV reader and the labels file of `eval --labels`.
//! Hand-made cases with the error each must give (naming the file and the problem), seeded
//! mutation runs (300 damaged files per format) that must never panic nor give an empty or long
//! message, and `evaluate` writing no predictions file when its input is refused.

use std::path::Path;

use deepfield_audio::predict::labels::read_labels;
use deepfield_audio::predict::{evaluate, EvalOptions};
use deepfield_audio::wav::{read_wav, read_wav_limited};
use deepfield_core::testing::{
    assert_cases, assert_mutants_refused, assert_refused_without_output, case_table,
};

mod common;

/// A valid 16-bit PCM mono WAV of `n` samples at `rate` Hz, as bytes.
fn wav_bytes(n: usize, rate: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
    for i in 0..n {
        let v = ((i as f32 * 0.07).sin() * 12_000.0) as i16;
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
    cursor.into_inner()
}

/// A 32-bit float mono WAV holding `samples`.
fn float_wav_bytes(samples: &[f32]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
    cursor.into_inner()
}

/// `bytes` with the little-endian `value` written at `at`.
fn patched(bytes: &[u8], at: usize, value: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at..at + value.len()].copy_from_slice(value);
    b
}

/// Offset of the `fmt ` chunk's fields in hound's output (RIFF header 12 bytes, chunk header 8).
const FMT: usize = 20;

/// `(file name, contents, fragments the error must contain)`.
fn wav_cases() -> Vec<(&'static str, Vec<u8>, Vec<&'static str>)> {
    let good = wav_bytes(400, 8000);
    let mut nan = vec![0.25f32; 300];
    nan[123] = f32::NAN;
    let mut inf = vec![0.25f32; 300];
    inf[7] = f32::INFINITY;
    vec![
        ("empty.wav", Vec::new(), vec!["empty WAV"]),
        (
            "truncated_header.wav",
            good[..30].to_vec(),
            vec!["truncated"],
        ),
        (
            "truncated_data.wav",
            good[..good.len() - 301].to_vec(),
            vec!["truncated"],
        ),
        (
            "text.wav",
            b"file,label\na.wav,none\nthis is not audio at all\n".to_vec(),
            vec!["not a valid WAV"],
        ),
        (
            "zero_channels.wav",
            patched(&good, FMT + 2, &0u16.to_le_bytes()),
            vec![],
        ),
        (
            "zero_rate.wav", // Sample rate and byte rate 0 (hound checks that they agree).
            patched(
                &patched(&good, FMT + 4, &0u32.to_le_bytes()),
                FMT + 8,
                &0u32.to_le_bytes(),
            ),
            vec!["0 Hz"],
        ),
        ("no_samples.wav", wav_bytes(0, 8000), vec!["no samples"]),
        ("nan.wav", float_wav_bytes(&nan), vec!["sample 123", "NaN"]),
        (
            "inf.wav",
            float_wav_bytes(&inf),
            vec!["sample 7", "infinite"],
        ),
        (
            "twelve_bits.wav",
            patched(&good, FMT + 14, &12u16.to_le_bytes()),
            vec![],
        ),
    ]
}

#[test]
fn hand_made_wav_cases_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert_cases(wav_cases(), read_wav);
    // The valid file reads back whole; a folder or a missing file is an error naming it.
    let ok = dir.path().join("ok.wav");
    std::fs::write(&ok, wav_bytes(400, 8000)).unwrap();
    let (a, info) = read_wav_limited(&ok, 10.0).unwrap();
    assert_eq!(
        (a.samples.len(), info.sample_rate, info.channels),
        (400, 8000, 1)
    );
    let missing = dir.path().join("missing.wav");
    let err = read_wav(&missing).unwrap_err().to_string();
    assert!(err.contains("missing.wav"), "{err}");
    let err = read_wav(dir.path()).unwrap_err().to_string();
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
}

/// Peak virtual memory of this process in kB (Linux), if known.
fn vm_peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmPeak:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A 300-byte file whose header claims 4·10⁹ 8-bit samples at 4 GHz (1 s, under the length
/// limit) is refused as truncated without reserving 17 GB for them first (which aborts the
/// process where memory is short): the reservation shows in the peak virtual memory.
#[test]
fn a_header_claiming_billions_of_samples_is_refused_without_allocating_them() {
    let dir = tempfile::tempdir().unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 8,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
    for i in 0..256 {
        w.write_sample((i % 100) as i8).unwrap();
    }
    w.finalize().unwrap();
    let good = cursor.into_inner();
    // Sample rate = byte rate = 4·10⁹ (hound checks that they agree), data length 2³² − 2.
    let mut b = patched(&good, FMT + 4, &4_000_000_000u32.to_le_bytes());
    b = patched(&b, FMT + 8, &4_000_000_000u32.to_le_bytes());
    let data_len_at = good.len() - 256 - 4;
    assert_eq!(&b[data_len_at - 4..data_len_at], b"data");
    b = patched(&b, data_len_at, &(u32::MAX - 1).to_le_bytes());
    let p = dir.path().join("huge.wav");
    std::fs::write(&p, b).unwrap();
    let before = vm_peak_kb();
    let err = read_wav(&p).unwrap_err().to_string();
    assert!(
        err.contains("huge.wav") && err.contains("truncated"),
        "{err}"
    );
    if let (Some(a), Some(b)) = (before, vm_peak_kb()) {
        assert!(
            b - a < 4_000_000,
            "reading a 300-byte WAV raised the peak virtual memory by {} MB",
            (b - a) / 1000
        );
    }
}

#[test]
fn mutated_wavs_never_panic() {
    let good = wav_bytes(400, 8000);
    // 180 of 300 are refused today; flipped sample bytes and appended bytes stay valid WAVs.
    assert_mutants_refused("m.wav", &good, (11, 300), 120, read_wav);
    let float = float_wav_bytes(&[0.5f32; 200]);
    // 168 today: a flipped exponent bit makes a NaN or ∞ sample.
    assert_mutants_refused("f.wav", &float, (12, 300), 120, read_wav);
}

fn names() -> Vec<String> {
    ["none", "hand", "elbow"].map(String::from).to_vec()
}

const LABELS: &str = "file,participant_id,etiquette\n\
                      elbow_short/1-m-e-01.wav,1,elbow\n\
                      \"hand, short/2 \"\"b\"\".wav\",2,hand\n\
                      none_short/3.wav,3,0\n";

fn cough_labels(p: &Path) -> deepfield_audio::Result<usize> {
    read_labels(p, Some("etiquette"), &names()).map(|t| t.len())
}

#[test]
fn hand_made_labels_cases_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = case_table(
        r#"
        empty.csv              |                                 | no `file` column
        missing_column.csv     | file,label\na.wav,none\n        | no `etiquette` column | file, label
        no_file_column.csv     | path,etiquette\na.wav,none\n    | no `file` column
        duplicate.csv          | file,etiquette\na.wav,none\nb.wav,hand\n./a.wav,elbow\n
                               | line 4 | ./a.wav | twice | line 2
        open_q.csv             | file,etiquette\n"a.wav,none\nb.wav,hand\n | line 2 | quote left open
        short_row.csv          | file,etiquette\na.wav\n         | line 2 | too few fields
        unknown_label.csv      | file,etiquette\na.wav,none\nb.wav,sneeze\n | line 3 | "sneeze"
        index_out_of_range.csv | file,etiquette\na.wav,3\n       | line 2 | "3"
        bad.tsv                | file\tetiquette\na.wav\tsneeze\n | "sneeze"
        "#,
    );
    assert_cases(cases, cough_labels);
    let ok = dir.path().join("ok.csv");
    std::fs::write(&ok, format!("{LABELS}\n\n")).unwrap();
    assert_eq!(cough_labels(&ok).unwrap(), 3);
    // The same file listed twice with the same label is harmless.
    let twice = dir.path().join("twice.csv");
    std::fs::write(&twice, "file,etiquette\na.wav,none\na.wav,none\n").unwrap();
    assert_eq!(cough_labels(&twice).unwrap(), 1);
}

#[test]
fn mutated_labels_never_panic() {
    // 244 (CSV) and 231 (TSV) of 300 are refused today.
    assert_mutants_refused("l.csv", LABELS.as_bytes(), (13, 300), 170, cough_labels);
    let tsv = LABELS
        .replace(',', "\t")
        .replace("\"hand\t short", "\"hand, short");
    assert_mutants_refused("l.tsv", tsv.as_bytes(), (14, 300), 160, cough_labels);
}

#[test]
fn evaluate_writes_no_predictions_when_its_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    common::save_cough_model(&model);
    let good = dir.path().join("good.wav");
    std::fs::write(&good, wav_bytes(8000, 16_000)).unwrap();
    let out = dir.path().join("predictions.csv");
    // The pipeline works on the good file: the refusals below are about the input.
    let opts = EvalOptions {
        out: Some(&out),
        ..Default::default()
    };
    let r = evaluate(&model, &good, &opts).unwrap();
    assert_eq!(r.predictions.len(), 1);
    assert!(out.is_file());
    std::fs::remove_file(&out).unwrap();

    let bad_wav = dir.path().join("bad.wav");
    std::fs::write(&bad_wav, b"not a wav").unwrap();
    let refused = evaluate(&model, &bad_wav, &opts);
    assert_refused_without_output(refused, &["bad.wav", "not a valid WAV"], &out);

    let labels = dir.path().join("labels.csv");
    std::fs::write(&labels, "file,label\ngood.wav,sneeze\n").unwrap();
    let opts = EvalOptions {
        out: Some(&out),
        labels: Some(&labels),
        ..Default::default()
    };
    let refused = evaluate(&model, &good, &opts);
    assert_refused_without_output(refused, &["labels.csv line 2", "sneeze"], &out);

    // A folder whose every file is unreadable.
    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.wav"), b"").unwrap();
    std::fs::write(folder.join("b.wav"), wav_bytes(0, 16_000)).unwrap();
    let opts = EvalOptions {
        out: Some(&out),
        ..Default::default()
    };
    let refused = evaluate(&model, &folder, &opts);
    let fragments = ["none of the WAV files could be read", "no samples"];
    assert_refused_without_output(refused, &fragments, &out);
}
