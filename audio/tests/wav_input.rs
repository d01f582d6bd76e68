//! Reading every WAV format (files generated here), and every bad-input case: truncated, empty,
//! not a WAV, NaN-filled, absurdly long, and a folder mixing good and bad files.

use std::io::Write;
use std::path::Path;

use deepfield_audio::wav::{read_folder, read_wav, read_wav_limited, DEFAULT_MAX_SECONDS};
use deepfield_audio::Error;

fn sine(n: usize, rate: u32, f: f64) -> Vec<f64> {
    (0..n)
        .map(|i| 0.6 * (2.0 * std::f64::consts::PI * f * i as f64 / rate as f64).sin())
        .collect()
}

fn write_int(path: &Path, bits: u16, channels: u16, rate: u32, x: &[f64]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let full = (1i64 << (bits - 1)) as f64;
    for &v in x {
        for ch in 0..channels {
            // channel 1 carries the negated signal plus 0.2, so the downmix is 0.1 + 0 · signal…
            let s = if ch == 0 { v } else { 0.2 - v };
            let q = (s * full).round().clamp(-full, full - 1.0) as i32;
            match bits {
                8 => w.write_sample(q as i8).unwrap(),
                16 => w.write_sample(q as i16).unwrap(),
                _ => w.write_sample(q).unwrap(),
            }
        }
    }
    w.finalize().unwrap();
}

fn write_float(path: &Path, x: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 22050,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &v in x {
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn every_pcm_width_and_float_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let x = sine(500, 16000, 440.0);
    for bits in [8u16, 16, 24, 32] {
        let p = dir.path().join(format!("i{bits}.wav"));
        write_int(&p, bits, 1, 16000, &x);
        let a = read_wav(&p).unwrap();
        assert_eq!((a.sample_rate, a.samples.len()), (16000, 500));
        let step = 1.0 / (1u64 << (bits - 1)) as f64;
        let err = a
            .samples
            .iter()
            .zip(&x)
            .map(|(a, b)| (*a as f64 - b).abs())
            .fold(0.0, f64::max);
        assert!(
            err <= step * 0.51 + 1e-7,
            "{bits}-bit: error {err} > half step {step}"
        );
    }
    // stereo → mono average: (v + 0.2 − v) / 2 = 0.1 at every sample
    let p = dir.path().join("stereo.wav");
    write_int(&p, 16, 2, 44100, &x);
    let a = read_wav(&p).unwrap();
    assert_eq!((a.sample_rate, a.samples.len()), (44100, 500));
    assert!(
        a.samples.iter().all(|s| (s - 0.1).abs() < 1e-4),
        "{:?}",
        &a.samples[..4]
    );
    // 32-bit float is taken as is
    let p = dir.path().join("f32.wav");
    let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    write_float(&p, &xf);
    let a = read_wav(&p).unwrap();
    assert_eq!(a.sample_rate, 22050);
    assert_eq!(a.samples, xf);
}

fn message(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(e @ Error::BadAudio { .. }) => e.to_string(),
        other => panic!("expected a bad-audio error, got {other:?}"),
    }
}

#[test]
fn bad_files_give_clear_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // not a WAV
    let p = d.join("notes.wav");
    std::fs::write(&p, "this is a text file, not audio").unwrap();
    let e = message(read_wav(&p));
    assert!(
        e.contains("notes.wav") && e.contains("not a valid WAV"),
        "{e}"
    );
    // empty file and a WAV with no samples
    let p = d.join("zero_bytes.wav");
    std::fs::write(&p, b"").unwrap();
    assert!(message(read_wav(&p)).contains("zero_bytes.wav"));
    let p = d.join("no_samples.wav");
    write_int(&p, 16, 1, 8000, &[]);
    let e = message(read_wav(&p));
    assert!(e.contains("no_samples.wav") && e.contains("empty"), "{e}");
    // truncated: cut a valid file in the middle of its data
    let p = d.join("cut.wav");
    write_int(&p, 16, 1, 8000, &sine(4000, 8000, 300.0));
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 2 + 1]).unwrap();
    let e = message(read_wav(&p));
    assert!(e.contains("cut.wav") && e.contains("truncated"), "{e}");
    // NaN samples
    let p = d.join("nan.wav");
    write_float(&p, &[0.1, f32::NAN, 0.2]);
    let e = message(read_wav(&p));
    assert!(e.contains("nan.wav") && e.contains("NaN"), "{e}");
    // absurdly long: a header announcing ~18 hours is rejected before any sample is read
    let p = d.join("huge.wav");
    let mut f = std::fs::File::create(&p).unwrap();
    let data_len: u32 = 0xFFFF_FF00;
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(data_len.wrapping_add(36)).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes()); // PCM
    h.extend_from_slice(&1u16.to_le_bytes()); // mono
    h.extend_from_slice(&32000u32.to_le_bytes());
    h.extend_from_slice(&64000u32.to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h.extend_from_slice(&[0u8; 64]);
    f.write_all(&h).unwrap();
    drop(f);
    let e = message(read_wav(&p));
    assert!(
        e.contains("huge.wav") && e.contains(&format!("{DEFAULT_MAX_SECONDS}")),
        "{e}"
    );
    // an explicit lower limit
    let p = d.join("ok.wav");
    write_int(&p, 16, 1, 8000, &sine(8000, 8000, 300.0));
    assert!(read_wav_limited(&p, 2.0).is_ok());
    assert!(message(read_wav_limited(&p, 0.5)).contains("ok.wav"));
}

#[test]
fn a_folder_with_bad_files_keeps_the_good_ones_and_lists_the_bad() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_int(&d.join("a.wav"), 16, 1, 8000, &sine(800, 8000, 300.0));
    write_int(&d.join("c.WAV"), 24, 2, 8000, &sine(800, 8000, 300.0));
    std::fs::write(d.join("b.wav"), "garbage").unwrap();
    write_float(&d.join("d.wav"), &[f32::INFINITY]);
    std::fs::write(d.join("readme.txt"), "not audio, ignored").unwrap();
    let r = read_folder(d, DEFAULT_MAX_SECONDS).unwrap();
    let names = |v: Vec<&Path>| -> Vec<String> {
        v.iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(
        names(r.good.iter().map(|g| g.0.as_path()).collect()),
        ["a.wav", "c.WAV"]
    );
    assert_eq!(
        names(r.bad.iter().map(|b| b.0.as_path()).collect()),
        ["b.wav", "d.wav"]
    );
    assert!(r.bad[1].1.contains("inf"), "{}", r.bad[1].1);
    // a folder without WAV files is an error, not an empty success
    let empty = tempfile::tempdir().unwrap();
    assert!(read_folder(empty.path(), DEFAULT_MAX_SECONDS).is_err());
}
