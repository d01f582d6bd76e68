//! Reading a user's feature values (form fields, JSON, CSV) into rows of the model's features,
//! with a message naming the field (and row) for every problem: a missing field, text where a
//! number belongs, a value outside the training range, an unknown field.
//!
//! Out-of-range values are rejected, not warned about: the MLP extrapolates freely and a user
//! of a web form cannot see that its answer outside the data is a guess.

use crate::tabular::FeatureRange;

/// A request the server refuses: HTTP status and the message shown to the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub status: u16,
    pub message: String,
}

impl Rejection {
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Rejection {
            status: 422,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Rejection {
            status: 400,
            message: message.into(),
        }
    }
}

type Checked<T> = std::result::Result<T, Rejection>;

/// One value of feature `f` from its text; `place` prefixes the message (e.g. "row 3, ").
fn parse_value(f: &FeatureRange, text: &str, place: &str) -> Checked<f64> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Rejection::unprocessable(format!(
            "{place}missing value for `{}`",
            f.name
        )));
    }
    let v: f64 = t.parse().map_err(|_| {
        Rejection::unprocessable(format!("{place}`{}`: \"{t}\" is not a number", f.name))
    })?;
    check_value(f, v, place)
}

/// `v` for feature `f`: finite and within its training range.
fn check_value(f: &FeatureRange, v: f64, place: &str) -> Checked<f64> {
    if !v.is_finite() {
        return Err(Rejection::unprocessable(format!(
            "{place}`{}`: {v} is not a finite number",
            f.name
        )));
    }
    if !f.contains(v) {
        return Err(Rejection::unprocessable(format!(
            "{place}`{}` = {v} is outside the training range [{}, {}]; the model was not \
             trained there",
            f.name, f.min, f.max
        )));
    }
    Ok(v)
}

fn names(features: &[FeatureRange]) -> String {
    features
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row from `(name, text)` pairs (an HTML form): every feature once, no unknown names.
pub fn from_pairs(features: &[FeatureRange], pairs: &[(String, String)]) -> Checked<Vec<f64>> {
    if let Some((k, _)) = pairs
        .iter()
        .find(|(k, _)| !features.iter().any(|f| &f.name == k))
    {
        return Err(Rejection::unprocessable(format!(
            "unknown field `{k}`; the model's features are: {}",
            names(features)
        )));
    }
    features
        .iter()
        .map(|f| {
            let text = pairs
                .iter()
                .find(|(k, _)| k == &f.name)
                .map_or("", |(_, v)| v.as_str());
            parse_value(f, text, "")
        })
        .collect()
}

/// One row from a JSON object `{"feature": number, ...}` (numbers given as strings are read too).
pub fn from_json_object(
    features: &[FeatureRange],
    obj: &serde_json::Value,
    place: &str,
) -> Checked<Vec<f64>> {
    let Some(map) = obj.as_object() else {
        return Err(Rejection::unprocessable(format!(
            "{place}expected a JSON object of feature values ({})",
            names(features)
        )));
    };
    if let Some(k) = map.keys().find(|k| !features.iter().any(|f| &f.name == *k)) {
        return Err(Rejection::unprocessable(format!(
            "{place}unknown field `{k}`; the model's features are: {}",
            names(features)
        )));
    }
    features
        .iter()
        .map(|f| match map.get(&f.name) {
            None | Some(serde_json::Value::Null) => Err(Rejection::unprocessable(format!(
                "{place}missing value for `{}`",
                f.name
            ))),
            Some(serde_json::Value::Number(n)) => {
                check_value(f, n.as_f64().unwrap_or(f64::NAN), place)
            }
            Some(serde_json::Value::String(s)) => parse_value(f, s, place),
            Some(other) => Err(Rejection::unprocessable(format!(
                "{place}`{}`: {other} is not a number",
                f.name
            ))),
        })
        .collect()
}

/// Parse a JSON body.
pub fn json_body(body: &[u8]) -> Checked<serde_json::Value> {
    serde_json::from_slice(body)
        .map_err(|e| Rejection::bad_request(format!("the request body is not valid JSON: {e}")))
}

/// A CSV table with (at least) the feature columns: its header, its records as text and the
/// feature rows. Messages name the 1-based data row and the column.
#[derive(Debug)]
pub struct CsvInput {
    pub header: Vec<String>,
    pub records: Vec<Vec<String>>,
    pub rows: Vec<Vec<f64>>,
}

pub fn from_csv(features: &[FeatureRange], bytes: &[u8]) -> Checked<CsvInput> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Rejection::unprocessable("the CSV is not UTF-8 text"))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Rejection::unprocessable(format!("the CSV header cannot be read: {e}")))?
        .iter()
        .map(String::from)
        .collect();
    let cols = features
        .iter()
        .map(|f| {
            header.iter().position(|h| h == &f.name).ok_or_else(|| {
                Rejection::unprocessable(format!(
                    "the CSV has no column `{}` (its columns: {}; needed: {})",
                    f.name,
                    header.join(", "),
                    names(features)
                ))
            })
        })
        .collect::<Checked<Vec<usize>>>()?;
    let mut records = Vec::new();
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec =
            rec.map_err(|e| Rejection::unprocessable(format!("CSV data row {}: {e}", i + 1)))?;
        let place = format!("CSV data row {}, ", i + 1);
        let row = features
            .iter()
            .zip(&cols)
            .map(|(f, &c)| parse_value(f, rec.get(c).unwrap_or(""), &place))
            .collect::<Checked<Vec<f64>>>()?;
        rows.push(row);
        records.push(rec.iter().map(String::from).collect());
    }
    if rows.is_empty() {
        return Err(Rejection::unprocessable("the CSV has no data rows"));
    }
    Ok(CsvInput {
        header,
        records,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feats() -> Vec<FeatureRange> {
        vec![
            FeatureRange {
                name: "a".into(),
                min: 0.0,
                max: 10.0,
            },
            FeatureRange {
                name: "b".into(),
                min: -1.0,
                max: 1.0,
            },
        ]
    }

    #[test]
    fn bad_values_are_named() {
        let f = feats();
        let p = |a: &str, b: &str| vec![("a".to_string(), a.to_string()), ("b".into(), b.into())];
        assert_eq!(from_pairs(&f, &p("2", "0.5")).unwrap(), vec![2.0, 0.5]);
        let e = from_pairs(&f, &p("x1", "0")).unwrap_err();
        assert!(
            e.status == 422 && e.message.contains("`a`: \"x1\" is not a number"),
            "{e:?}"
        );
        let e = from_pairs(&f, &p("", "0")).unwrap_err();
        assert!(e.message.contains("missing value for `a`"), "{e:?}");
        let e = from_pairs(&f, &p("11", "0")).unwrap_err();
        assert!(
            e.message
                .contains("`a` = 11 is outside the training range [0, 10]"),
            "{e:?}"
        );
        let e = from_json_object(&f, &serde_json::json!({"a": 1, "c": 2}), "").unwrap_err();
        assert!(e.message.contains("unknown field `c`"), "{e:?}");
        let e = from_json_object(&f, &serde_json::json!({"a": 1}), "").unwrap_err();
        assert!(e.message.contains("missing value for `b`"), "{e:?}");
        let e = from_json_object(&f, &serde_json::json!({"a": true, "b": 0}), "").unwrap_err();
        assert!(e.message.contains("`a`: true is not a number"), "{e:?}");
        let ok = from_csv(&f, b"id,b,a\nx,0.5,3\ny,-1,10\n").unwrap();
        assert_eq!(ok.rows, vec![vec![3.0, 0.5], vec![10.0, -1.0]]);
        let e = from_csv(&f, b"id,b,a\nx,0.5,3\ny,-1,abc\n").unwrap_err();
        assert!(e.message.contains("CSV data row 2, `a`: \"abc\""), "{e:?}");
        let e = from_csv(&f, b"id,a\nx,1\n").unwrap_err();
        assert!(e.message.contains("no column `b`"), "{e:?}");
        assert_eq!(json_body(b"{").unwrap_err().status, 400);
    }
}
