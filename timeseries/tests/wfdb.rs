//! WFDB readers on the shared MIT-BIH records (sample counts, first physical values, the
//! header's checksums over every sample, beat counts per class from SOURCE.md) and on corrupted
//! copies in a temporary folder, where every error names the file at fault.

use std::path::{Path, PathBuf};

use deepfield_timeseries::biosignal::{aami_class, extract_beats, BeatConfig, Lead};
use deepfield_timeseries::wfdb::{read_annotations, Header, Record, MITBIH};

fn dir() -> PathBuf {
    deepfield_core::data::dataset(&MITBIH).unwrap()
}

fn copy_record(to: &Path, name: &str) {
    for ext in ["hea", "dat", "atr"] {
        std::fs::copy(
            dir().join(format!("{name}.{ext}")),
            to.join(format!("{name}.{ext}")),
        )
        .unwrap();
    }
}

fn err_of<T: std::fmt::Debug>(r: deepfield_timeseries::Result<T>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn mitbih_records_read_with_their_checksums() {
    // (record, leads, first ADC values = header initial values, comment)
    let cases = [
        ("100", ["MLII", "V5"], [995, 1011], "69 M 1085 1629 x1"),
        ("208", ["MLII", "V1"], [1003, 1062], "23 F 2546 N/A x1"),
    ];
    for (name, leads, first, comment) in cases {
        let rec = Record::read(&dir().join(format!("{name}.hea"))).unwrap();
        let h = &rec.header;
        assert_eq!(
            (h.record.as_str(), h.fs, h.samples),
            (name, 360.0, Some(650_000))
        );
        assert_eq!(rec.len(), 650_000);
        assert_eq!(h.comments[0], comment);
        for (i, lead) in leads.iter().enumerate() {
            let s = &h.signals[i];
            assert_eq!(
                (s.format, s.gain, s.baseline, s.adc_resolution),
                (212, 200.0, 1024, 11)
            );
            assert_eq!((s.description.as_str(), s.units.as_str()), (*lead, "mV"));
            assert_eq!(h.signal_index(lead).unwrap(), i);
            assert_eq!(rec.adc[i][0], first[i]);
            let mv = rec.physical(i).unwrap();
            let want = (first[i] - 1024) as f32 / 200.0;
            assert!(
                (mv[0] - want).abs() < 1e-6,
                "{name} {lead}: {} vs {want}",
                mv[0]
            );
            // 11-bit ADC: every sample within 0..2048, and not constant.
            assert!(rec.adc[i].iter().all(|&v| (0..2048).contains(&v)));
            let (lo, hi) = mv
                .iter()
                .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
            assert!(hi - lo > 1.0, "{name} {lead}: range {lo}..{hi} mV");
        }
        // The reader verified the header's 16-bit checksum of every signal (650,000 samples).
        assert!(h.signals.iter().all(|s| s.checksum.is_some()));
    }
    // Record 100's first MLII samples in mV (PhysioNet's rdsamp gives -0.145 for the first).
    let rec = Record::read(&dir().join("100.hea")).unwrap();
    let mv = rec.physical(0).unwrap();
    assert_eq!(&mv[..3], &[-0.145f32, -0.145, -0.145]);
    let e = err_of(rec.header.signal_index("V1"));
    assert!(e.contains("100.hea") && e.contains("MLII, V5"), "{e}");
}

/// A record, its beat counts per annotation symbol and per AAMI class (N, S, V, F, Q).
type BeatCounts<'a> = (&'a str, &'a [(&'a str, usize)], [usize; 5]);

#[test]
fn annotations_give_source_md_beat_counts() {
    // SOURCE.md: 100 — N 2,239, A 33, V 1; 208 — N 1,586, V 992, F 373, S 2, Q 2.
    let cases: [BeatCounts; 2] = [
        (
            "100",
            &[("N", 2239), ("A", 33), ("V", 1)],
            [2239, 33, 1, 0, 0],
        ),
        (
            "208",
            &[("N", 1586), ("V", 992), ("F", 373), ("S", 2), ("Q", 2)],
            [1586, 2, 992, 373, 2],
        ),
    ];
    for (name, symbols, aami) in cases {
        let ann = read_annotations(&dir().join(format!("{name}.atr"))).unwrap();
        for (sym, n) in symbols {
            assert_eq!(
                ann.iter().filter(|a| a.symbol() == *sym).count(),
                *n,
                "{name} {sym}"
            );
        }
        let beats: Vec<_> = ann
            .iter()
            .filter(|a| aami_class(a.symbol()).is_some())
            .collect();
        assert_eq!(beats.len(), symbols.iter().map(|s| s.1).sum::<usize>());
        assert!(
            ann.windows(2).all(|w| w[0].sample <= w[1].sample),
            "sorted in time"
        );
        assert!(ann.last().unwrap().sample < 650_000);
        // Beat windows: every beat whose window fits, classes as AAMI says.
        let rec = Record::read(&dir().join(format!("{name}.hea"))).unwrap();
        let cfg = BeatConfig::default();
        let lead = Lead::of(&rec, &cfg).unwrap();
        assert_eq!(lead.fs, 180.0);
        let b = extract_beats(&lead, &ann, &cfg).unwrap();
        assert_eq!(b.count() + b.dropped_at_edges, beats.len());
        assert!(b.dropped_at_edges <= 2, "{}", b.dropped_at_edges);
        assert_eq!(b.len, 45 + 81);
        let mut want = aami;
        for a in beats
            .iter()
            .filter(|a| a.sample < 45 * 2 || a.sample + 81 * 2 > 650_000)
        {
            want[aami_class(a.symbol()).unwrap()] -= 1;
        }
        assert_eq!(b.class_counts(), want, "{name}");
        assert_eq!(b.windows.len(), b.count() * b.len);
        // Windows are mean-free.
        let m: f32 = b.windows[..b.len].iter().sum::<f32>() / b.len as f32;
        assert!(m.abs() < 1e-5);
    }
    // Record 100 starts with a rhythm annotation `+` carrying "(N" (an AUX field).
    let ann = read_annotations(&dir().join("100.atr")).unwrap();
    assert_eq!(
        (ann[0].symbol(), ann[0].sample, ann[0].aux.as_str()),
        ("+", 18, "(N")
    );
}

#[test]
fn format_16_copy_reads_back_the_same_samples() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = Record::read(&dir().join("100.hea")).unwrap();
    let n = 3600;
    let mut bytes = Vec::new();
    for i in 0..n {
        for s in &rec.adc {
            bytes.extend_from_slice(&(s[i] as i16).to_le_bytes());
        }
    }
    std::fs::write(tmp.path().join("x16.dat"), bytes).unwrap();
    let sum = |s: &[i32]| s[..n].iter().map(|&v| v as i64).sum::<i64>() as i16;
    let hea = format!(
        "x16 2 360 {n}\n# a format-16 copy\nx16.dat 16 200(1024)/mV 11 1024 {} {} 0 MLII\nx16.dat 16 200 11 1024 {} {} 0 V5\n",
        rec.adc[0][0], sum(&rec.adc[0]), rec.adc[1][0], sum(&rec.adc[1])
    );
    std::fs::write(tmp.path().join("x16.hea"), hea).unwrap();
    let back = Record::read(&tmp.path().join("x16.hea")).unwrap();
    assert_eq!(back.header.comments, ["a format-16 copy"]);
    assert_eq!(back.adc[0], rec.adc[0][..n]);
    assert_eq!(back.adc[1], rec.adc[1][..n]);
    assert_eq!(
        back.physical(0).unwrap()[..10],
        rec.physical(0).unwrap()[..10]
    );
}

#[test]
fn corrupted_copies_are_errors_that_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    copy_record(t, "100");
    let hea = t.join("100.hea");
    let dat = t.join("100.dat");
    let atr = t.join("100.atr");
    let good_hea = std::fs::read_to_string(&hea).unwrap();
    let good_dat = std::fs::read(&dat).unwrap();
    let good_atr = std::fs::read(&atr).unwrap();
    let read = || err_of(Record::read(&hea));

    // Truncated signal file.
    std::fs::write(&dat, &good_dat[..good_dat.len() - 100]).unwrap();
    let e = read();
    assert!(
        e.contains("100.dat") && e.contains("truncated") && e.contains("1950000"),
        "{e}"
    );
    // Extra bytes: the header's sample count is wrong.
    let mut padded = good_dat.clone();
    padded.extend_from_slice(&[0; 30]);
    std::fs::write(&dat, &padded).unwrap();
    let e = read();
    assert!(
        e.contains("100.dat") && e.contains("wrong sample count"),
        "{e}"
    );
    // A flipped byte in the middle: the header's checksum catches it.
    let mut flipped = good_dat.clone();
    flipped[900_000] ^= 0x5A;
    std::fs::write(&dat, &flipped).unwrap();
    let e = read();
    assert!(e.contains("100.dat") && e.contains("checksum"), "{e}");
    // No signal file at all.
    std::fs::remove_file(&dat).unwrap();
    let e = read();
    assert!(e.contains("100.dat") && e.contains("100.hea"), "{e}");
    std::fs::write(&dat, &good_dat).unwrap();
    assert_eq!(Record::read(&hea).unwrap().len(), 650_000);

    // Header faults.
    let bad = [
        (good_hea.replace("212 200 11", "212 abc 11"), "gain `abc`"),
        (
            good_hea.replace("100.dat 212", "100.dat 311"),
            "format 311 is not supported",
        ),
        (
            good_hea.replace("100 2 360", "100 3 360"),
            "announces 3 signals but 2 signal lines",
        ),
        (good_hea.replace("360 650000", "360 650001"), "truncated"),
        (
            good_hea.replace("360 650000", "x 650000"),
            "sampling frequency `x`",
        ),
        (good_hea.replace(" 995 ", " 996 "), "initial value is 996"),
        (String::new(), "no record line"),
    ];
    for (text, want) in bad {
        std::fs::write(&hea, &text).unwrap();
        let e = read();
        let file = if want == "truncated" || want.starts_with("initial") {
            "100.dat"
        } else {
            "100.hea"
        };
        assert!(e.contains(file) && e.contains(want), "{want}: {e}");
    }
    std::fs::write(&hea, &good_hea).unwrap();
    let e = err_of(Header::read(&t.join("nope.hea")));
    assert!(e.contains("nope.hea"), "{e}");

    // Annotation faults: odd length, an AUX field running past the end, an unknown code.
    std::fs::write(&atr, &good_atr[..good_atr.len() - 1]).unwrap();
    let e = err_of(read_annotations(&atr));
    assert!(e.contains("100.atr") && e.contains("16-bit words"), "{e}");
    std::fs::write(&atr, &good_atr[..4]).unwrap(); // `+`, then AUX of 3 bytes: cut off
    let e = err_of(read_annotations(&atr));
    assert!(e.contains("100.atr") && e.contains("AUX"), "{e}");
    std::fs::write(&atr, [0x05u8, 0xD0, 0, 0]).unwrap(); // code 52
    let e = err_of(read_annotations(&atr));
    assert!(
        e.contains("100.atr") && e.contains("unknown annotation code 52"),
        "{e}"
    );
    std::fs::write(&atr, [0x12u8, 0x70, 0x00, 0xEC, 0x01]).unwrap(); // SKIP cut off (odd)
    assert!(err_of(read_annotations(&atr)).contains("100.atr"));
    std::fs::write(&atr, [0x12u8, 0x04, 0x00, 0xEC, 0x00, 0x00]).unwrap(); // SKIP cut off
    let e = err_of(read_annotations(&atr));
    assert!(e.contains("100.atr") && e.contains("SKIP"), "{e}");
}
