//! `deepfield-core serve` over HTTP: the page, the JSON API, CSV in and out, and bad input —
//! a missing field, text in a number, an out-of-range value, an unknown field, broken JSON, a
//! bad CSV cell and a 100 MB upload — each answered with a 4xx and a message naming the
//! problem, after which the server still answers.
#![cfg(feature = "serve")]

mod serve_support;

use deepfield_core::repro::concrete::FEATURES;
use serde_json::{json, Value};

fn row_json(row: &[f64]) -> Value {
    let m: serde_json::Map<String, Value> = FEATURES
        .iter()
        .zip(row)
        .map(|(f, v)| (f.to_string(), json!(v)))
        .collect();
    Value::Object(m)
}

/// A 100 MB upload is refused: a 413 answer, or — when the server answers 413 and closes before
/// the client has finished writing the body — the client's write fails with a broken pipe or a
/// reset connection. Any answer other than 413 (or any other error) fails.
fn refused_as_too_large(r: reqwest::Result<reqwest::Response>) {
    match r {
        Ok(r) => assert_eq!(r.status(), 413),
        Err(e) => {
            let mut src: Option<&dyn std::error::Error> = Some(&e);
            let mut closed = false;
            while let Some(s) = src {
                if let Some(io) = s.downcast_ref::<std::io::Error>() {
                    closed |= matches!(
                        io.kind(),
                        std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
                    );
                }
                src = s.source();
            }
            assert!(
                closed && e.is_request(),
                "upload neither refused nor cut off: {e:?}"
            );
        }
    }
}

#[test]
fn serve_answers_good_and_bad_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    let rows = serve_support::write_model(&model);
    let base = serve_support::start_server(&model);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let c = reqwest::Client::new();
    rt.block_on(async {
        // The page: a form field per feature with the training range.
        let page = c.get(&base).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        for f in FEATURES {
            assert!(
                html.contains(&format!("name=\"{f}\"")),
                "{f} not in the form"
            );
        }
        assert!(html.contains("max=\"540\""), "cement's range is 102–540");
        // Bounds read as the data's decimals, and the data's own extreme is accepted.
        assert!(html.contains("max=\"359.4\""), "slag's maximum is 359.4");
        let mut at_max = row_json(&rows[0]);
        at_max["blast_furnace_slag_kg_m3"] = json!(359.4);
        let r = c
            .post(format!("{base}/api/predict"))
            .json(&at_max)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);

        // Predictions equal the CLI's (`deepfield-core eval`) for the same rows.
        let picked = [rows[0].clone(), rows[500].clone(), rows[1029].clone()];
        let cli = serve_support::cli_predictions(tmp.path(), &model, &picked);
        let body: Vec<Value> = picked.iter().map(|r| row_json(r)).collect();
        let r = c
            .post(format!("{base}/api/predict"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        let preds: Vec<f64> = serde_json::from_value(v["predictions"].clone()).unwrap();
        let cli_f: Vec<f64> = cli.iter().map(|s| s.parse().unwrap()).collect();
        assert_eq!(preds, cli_f, "server vs CLI");
        // One row alone, as the page and /api/explain compute it.
        let single = serve_support::cli_predictions(tmp.path(), &model, &picked[1..2]);

        // Explain: base + Σ SHAP = the prediction (efficiency), one value per feature.
        let r = c
            .post(format!("{base}/api/explain"))
            .json(&row_json(&rows[500]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        let shap = v["shap"].as_object().unwrap();
        assert_eq!(shap.len(), 8);
        let sum: f64 = shap.values().map(|s| s.as_f64().unwrap()).sum();
        let (p, b) = (
            v["prediction"].as_f64().unwrap(),
            v["base"].as_f64().unwrap(),
        );
        assert_eq!(p, single[0].parse::<f64>().unwrap());
        assert!((b + sum - p).abs() < 1e-3, "base {b} + {sum} vs {p}");
        assert!(
            shap.values().any(|s| s.as_f64().unwrap().abs() > 1e-3),
            "{v}"
        );

        // The HTML form post shows the prediction and the chart.
        let form: Vec<(String, String)> = FEATURES
            .iter()
            .zip(&rows[500])
            .map(|(f, v)| (f.to_string(), v.to_string()))
            .collect();
        let r = c.post(&base).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(
            html.contains(&format!("<output id=\"prediction\">{}</output>", single[0])),
            "{html}"
        );
        assert_eq!(html.matches("class=\"bar\"").count(), 8);

        // Bad inputs: 4xx with the field named.
        let mut missing = row_json(&rows[0]);
        missing.as_object_mut().unwrap().remove("water_kg_m3");
        let mut text = row_json(&rows[0]);
        text["cement_kg_m3"] = json!("lots");
        let mut far = row_json(&rows[0]);
        far["age_days"] = json!(10_000);
        let mut unknown = row_json(&rows[0]);
        unknown["colour"] = json!(1);
        let cases = [
            (missing, 422, "missing value for `water_kg_m3`"),
            (text, 422, "`cement_kg_m3`: \"lots\" is not a number"),
            (
                far,
                422,
                "`age_days` = 10000 is outside the training range [1, 365]",
            ),
            (unknown, 422, "unknown field `colour`"),
        ];
        for (body, code, msg) in cases {
            for ep in ["predict", "explain"] {
                let r = c
                    .post(format!("{base}/api/{ep}"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), code, "{ep} {msg}");
                let v: Value = r.json().await.unwrap();
                let e = v["error"].as_str().unwrap();
                assert!(e.contains(msg), "{ep}: {e}");
            }
        }
        let r = c
            .post(format!("{base}/api/predict"))
            .header("content-type", "application/json")
            .body("{\"cement_kg_m3\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        // The form: an error page that keeps the values.
        let mut bad_form = form.clone();
        bad_form[3].1 = "wet".into();
        let r = c.post(&base).form(&bad_form).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("`water_kg_m3`: &quot;wet&quot; is not a number"),
            "{html}"
        );
        assert!(html.contains("value=\"wet\""));

        // CSV in, CSV out (the id column kept), as a body and as a multipart upload.
        let mut csv = format!("id,{}\n", FEATURES.join(","));
        for (i, r) in picked.iter().enumerate() {
            let cells: Vec<String> = r.iter().map(|v| v.to_string()).collect();
            csv += &format!("s{i},{}\n", cells.join(","));
        }
        let r = c
            .post(format!("{base}/api/predict.csv"))
            .body(csv.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let out = r.text().await.unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4, "{out}");
        assert!(lines[0].ends_with(",prediction") && lines[0].starts_with("id,"));
        for (i, l) in lines[1..].iter().enumerate() {
            assert!(l.starts_with(&format!("s{i},")));
            assert_eq!(l.rsplit(',').next().unwrap(), cli[i]);
        }
        let part = reqwest::multipart::Part::text(csv.clone()).file_name("mine.csv");
        let r = c
            .post(format!("{base}/predict.csv"))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), out);
        let bad_csv = csv.replacen(&format!("s1,{}", picked[1][0]), "s1,abc", 1);
        let r = c
            .post(format!("{base}/api/predict.csv"))
            .body(bad_csv)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let e = r.text().await.unwrap();
        assert!(e.contains("CSV data row 2, `cement_kg_m3`: \"abc\""), "{e}");
        let r = c
            .post(format!("{base}/api/predict.csv"))
            .body("id,cement_kg_m3\nx,300\n")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("no column `blast_furnace_slag_kg_m3`"));

        // 100 MB uploads: 413, as a body and as a multipart file.
        let big = vec![b'1'; 100 * 1024 * 1024];
        let r = c
            .post(format!("{base}/api/predict.csv"))
            .body(big.clone())
            .send()
            .await;
        refused_as_too_large(r);
        let part = reqwest::multipart::Part::bytes(big).file_name("big.csv");
        let r = c
            .post(format!("{base}/predict.csv"))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await;
        refused_as_too_large(r);

        // Still alive.
        let r = c.get(format!("{base}/api/model")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["features"].as_array().unwrap().len(), 8);
        assert_eq!(v["unit"], "MPa");
    });
}
