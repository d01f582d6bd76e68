//! The predictions file of `eval --out`: one row per recording, its path (relative to the
//! evaluated folder, or as given for one file) as the id column, then the predicted class, its
//! probability, the true label where known, and the probability of every class. RFC 4180
//! quoting through the `csv` crate (`.tsv`: tab-separated), written atomically.

use std::path::Path;

use super::Prediction;
use crate::{Error, Result};

/// The header of the predictions file for `class_names`, with a `label` column or not.
pub fn header(class_names: &[String], with_label: bool) -> Vec<String> {
    let mut h: Vec<String> = ["file", "predicted", "confidence"]
        .map(String::from)
        .to_vec();
    if with_label {
        h.push("label".into());
    }
    h.extend(class_names.iter().map(|c| format!("p_{c}")));
    h
}

/// Write `predictions` to `out` (the `label` column when any recording has a label).
pub fn write_predictions(
    out: &Path,
    class_names: &[String],
    predictions: &[Prediction],
) -> Result<()> {
    let with_label = predictions.iter().any(|p| p.label.is_some());
    let rows = predictions.iter().map(|pr| {
        let mut row = vec![
            pr.id.clone(),
            pr.predicted.clone(),
            format!("{:.6}", pr.confidence),
        ];
        if with_label {
            row.push(pr.label.clone().unwrap_or_default());
        }
        row.extend(pr.probabilities.iter().map(|p| format!("{p:.6}")));
        row
    });
    let header = header(class_names, with_label);
    let tsv = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    if !tsv {
        deepfield_core::fsutil::write_csv(out, header, rows)?;
        return Ok(());
    }
    let mut w = csv::WriterBuilder::new()
        .delimiter(b'\t')
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let fail = |e: csv::Error| Error::input(format!("{}: {e}", out.display()));
    w.write_record(&header).map_err(fail)?;
    for row in rows {
        w.write_record(&row).map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::input(format!("{}: {e}", out.display())))?;
    deepfield_core::fsutil::write_atomic(out, &bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn prediction(id: &str, label: Option<&str>) -> Prediction {
        Prediction {
            id: id.into(),
            file: PathBuf::from("recordings").join(id),
            predicted: "hand".into(),
            confidence: 0.75,
            probabilities: vec![0.25, 0.75],
            label: label.map(str::to_string),
        }
    }

    #[test]
    fn awkward_file_names_round_trip_through_the_predictions_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("predictions.csv");
        let classes = ["none".to_string(), "hand".to_string()];
        let odd = "sub dir/a,b \"c\".wav";
        let preds = [
            prediction(odd, Some("none, really")),
            prediction("plain.wav", None),
        ];
        write_predictions(&out, &classes, &preds).unwrap();
        let mut r = csv::Reader::from_path(&out).unwrap();
        assert_eq!(
            r.headers().unwrap(),
            vec![
                "file",
                "predicted",
                "confidence",
                "label",
                "p_none",
                "p_hand"
            ]
        );
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            vec![
                odd,
                "hand",
                "0.750000",
                "none, really",
                "0.250000",
                "0.750000"
            ]
        );
        assert_eq!(rows[1][0], *"plain.wav");
        assert_eq!(rows[1][3], *"");

        // Without any label there is no label column.
        write_predictions(&out, &classes, &preds[1..]).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            text,
            "file,predicted,confidence,p_none,p_hand\nplain.wav,hand,0.750000,0.250000,0.750000\n"
        );
        // .tsv: tab-separated, the name with a comma unquoted, the one with a quote quoted.
        let tsv = dir.path().join("predictions.tsv");
        write_predictions(&tsv, &classes, &[prediction("a,b.wav", None)]).unwrap();
        let text = std::fs::read_to_string(&tsv).unwrap();
        assert_eq!(
            text,
            "file\tpredicted\tconfidence\tp_none\tp_hand\na,b.wav\thand\t0.750000\t0.250000\t0.750000\n"
        );
    }
}
