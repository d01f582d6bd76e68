//! Segmentation on a recording assembled from real cough clips and silences: the known number of
//! coughs is found, each boundary lies inside its cough's slot, and the boundaries are saved.

use deepfield_audio::data::COUGH;
use deepfield_audio::segment::{save_epochs, segment, SegmentConfig};
use deepfield_audio::wav::read_wav;

#[test]
fn finds_each_real_cough_between_silences() {
    let dir = deepfield_core::data::dataset(&COUGH).expect("cough_etiquette data");
    let clips = [
        "none_short/1-m-n-01.wav",
        "hand_short/2-m-h-03.wav",
        "elbow_short/5-f-e-07.wav",
        "none_short/97-m-n-05.wav",
        "hand_short/7-f-h-02.wav",
        "elbow_short/3-m-e-02.wav",
        "none_short/6-m-n-04.wav",
    ];
    let sr = 44100u32;
    let gap = (0.7 * sr as f64) as usize;
    let mut x: Vec<f32> = Vec::new();
    let mut slots = Vec::new();
    // Faint deterministic noise (−70 dBFS-ish) instead of digital silence.
    let noise =
        |i: usize| ((i.wrapping_mul(2_654_435_761) >> 7) % 1000) as f32 / 1000.0 * 6e-4 - 3e-4;
    for c in clips {
        let a = read_wav(&dir.join(c)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.sample_rate, sr);
        let n = x.len();
        x.extend((0..gap).map(|i| noise(n + i)));
        slots.push((x.len(), x.len() + a.samples.len()));
        x.extend_from_slice(&a.samples);
    }
    let n = x.len();
    x.extend((0..gap).map(|i| noise(n + i)));

    let epochs = segment(&x, sr, &SegmentConfig::default()).unwrap();
    assert_eq!(epochs.len(), clips.len(), "{epochs:?}");
    for (e, (s, t)) in epochs.iter().zip(&slots) {
        assert!(
            e.start >= *s && e.end <= *t + 441,
            "epoch {e:?} outside its clip {s}..{t}"
        );
        assert!(e.end - e.start >= 2205, "epoch {e:?} shorter than 50 ms");
    }
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("epochs.csv");
    save_epochs(&csv, &epochs).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), clips.len() + 1);
    assert!(text.starts_with("index,start_sample,end_sample,start_s,end_s"));
}
