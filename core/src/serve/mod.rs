//! `deepfield-core serve --model <dir>`: a local web page and JSON API for a tabular model
//! (a `pile-xai` or `concrete-mlp` model folder with `tabular.json`).
//!
//! * `GET /` — a form generated from the model's features and training ranges; `POST /` —
//!   the page with the prediction and a SHAP bar chart (inline SVG) or the error message.
//! * `POST /predict.csv` (multipart, field `file`) and `POST /api/predict.csv` (the CSV as the
//!   body) — the table with a `prediction` column, as CSV.
//! * `GET /api/model`, `POST /api/predict` (a JSON object of feature values, or an array of
//!   them), `POST /api/explain` (one object → prediction, base and SHAP values).
//!
//! Bad input gets a 4xx with a message naming the field (see [`input`]); bodies over
//! [`MAX_BODY`] get 413. The server binds to 127.0.0.1 unless told otherwise.

pub mod input;
pub mod page;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Form, Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::tabular::TabularModel;
use crate::{Error, Result};
use input::Rejection;
use page::Outcome;

/// Largest accepted request body (a CSV upload): 10 MiB.
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// Seed of the (deterministic, budget-covers-all-coalitions) KernelSHAP of the page.
const SHAP_SEED: u64 = 0;

/// Arguments of `serve`.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// The trained model folder (e.g. `results/pile-xai/model`).
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// Address to listen on (loopback by default: the page has no authentication).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// libtorch threads (0: libtorch's default).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

type Shared = Arc<Mutex<TabularModel>>;

/// Run the server until Ctrl-C.
pub fn run(args: &ServeArgs) -> Result<()> {
    crate::device::set_threads(args.threads);
    let model = TabularModel::load(&args.model)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::config(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| Error::config(format!("cannot listen on {}: {e}", args.addr)))?;
        println!(
            "serving {} on http://{} (Ctrl-C stops)",
            args.model.display(),
            args.addr
        );
        axum::serve(listener, router(model))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Error::config(format!("server error: {e}")))
    })
}

/// The application: routes, the body limit and the shared model.
pub fn router(model: TabularModel) -> Router {
    let state: Shared = Arc::new(Mutex::new(model));
    Router::new()
        .route("/", get(index).post(submit))
        .route("/predict.csv", post(upload_csv))
        .route("/api/model", get(api_model))
        .route("/api/predict", post(api_predict))
        .route("/api/explain", post(api_explain))
        .route("/api/predict.csv", post(api_predict_csv))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// Run `f` on the model (a poisoned lock — a panic elsewhere — is a 500, not a crash).
fn with_model<T>(
    state: &Shared,
    f: impl FnOnce(&TabularModel) -> std::result::Result<T, Rejection>,
) -> std::result::Result<T, Rejection> {
    let model = state.lock().map_err(|_| Rejection {
        status: 500,
        message: "the model is unavailable after an earlier failure; restart the server".into(),
    })?;
    f(&model)
}

/// A model error on validated input is the server's fault (500), with its message.
fn internal(e: Error) -> Rejection {
    Rejection {
        status: 500,
        message: e.to_string(),
    }
}

fn status(r: &Rejection) -> StatusCode {
    StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST)
}

fn json_error(r: Rejection) -> Response {
    (
        status(&r),
        axum::Json(serde_json::json!({"error": r.message})),
    )
        .into_response()
}

fn text_error(r: Rejection) -> Response {
    (status(&r), r.message).into_response()
}

async fn index(State(state): State<Shared>) -> Response {
    match with_model(&state, |m| Ok(page::render(m.info(), None, Outcome::None))) {
        Ok(html) => Html(html).into_response(),
        Err(r) => text_error(r),
    }
}

async fn submit(State(state): State<Shared>, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let result = with_model(&state, |m| {
        let info = m.info();
        let texts: Vec<String> = info
            .features
            .iter()
            .map(|f| {
                pairs
                    .iter()
                    .find(|(k, _)| k == &f.name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect();
        let html = match input::from_pairs(&info.features, &pairs) {
            Err(r) => {
                return Ok((
                    r.status,
                    page::render(info, Some(texts.as_slice()), Outcome::Error(&r.message)),
                ))
            }
            Ok(row) => {
                let pred = m.predict(std::slice::from_ref(&row)).map_err(internal)?;
                let sv = m.explain(&row, SHAP_SEED).map_err(internal)?;
                let outcome = Outcome::Prediction {
                    value: pred[0],
                    base: sv.base,
                    shap: &sv.values,
                };
                page::render(info, Some(texts.as_slice()), outcome)
            }
        };
        Ok((200, html))
    });
    match result {
        Ok((code, html)) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::OK),
            Html(html),
        )
            .into_response(),
        Err(r) => text_error(r),
    }
}

/// The CSV of `input` with a `prediction` column appended.
fn predict_csv(m: &TabularModel, bytes: &[u8]) -> std::result::Result<String, Rejection> {
    let t = input::from_csv(&m.info().features, bytes)?;
    let preds = m.predict(&t.rows).map_err(internal)?;
    let mut header = t.header.clone();
    header.push("prediction".into());
    let rows = t.records.iter().zip(&preds).map(|(rec, p)| {
        let mut r = rec.clone();
        r.push(p.to_string());
        r
    });
    crate::fsutil::csv_string(&header, rows).map_err(internal)
}

fn csv_response(csv: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"predictions.csv\"",
            ),
        ],
        csv,
    )
        .into_response()
}

async fn upload_csv(State(state): State<Shared>, mut form: Multipart) -> Response {
    let mut file: Option<Bytes> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                if field.name() == Some("file") {
                    match field.bytes().await {
                        Ok(b) => file = Some(b),
                        Err(e) => return (e.status(), e.body_text()).into_response(),
                    }
                }
            }
            Ok(None) => break,
            Err(e) => return (e.status(), e.body_text()).into_response(),
        }
    }
    let Some(bytes) = file else {
        return text_error(Rejection::unprocessable(
            "no file: upload the CSV in the form field `file`",
        ));
    };
    match with_model(&state, |m| predict_csv(m, &bytes)) {
        Ok(csv) => csv_response(csv),
        Err(r) => text_error(r),
    }
}

async fn api_predict_csv(State(state): State<Shared>, body: Bytes) -> Response {
    match with_model(&state, |m| predict_csv(m, &body)) {
        Ok(csv) => csv_response(csv),
        Err(r) => text_error(r),
    }
}

async fn api_model(State(state): State<Shared>) -> Response {
    match with_model(&state, |m| {
        let i = m.info();
        Ok(serde_json::json!({"features": i.features, "target": i.target, "unit": i.unit}))
    }) {
        Ok(v) => axum::Json(v).into_response(),
        Err(r) => json_error(r),
    }
}

async fn api_predict(State(state): State<Shared>, body: Bytes) -> Response {
    let result = with_model(&state, |m| {
        let feats = &m.info().features;
        match input::json_body(&body)? {
            serde_json::Value::Array(items) => {
                let rows = items
                    .iter()
                    .enumerate()
                    .map(|(i, o)| input::from_json_object(feats, o, &format!("item {}: ", i + 1)))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                let p = m.predict(&rows).map_err(internal)?;
                Ok(serde_json::json!({ "predictions": p }))
            }
            obj => {
                let row = input::from_json_object(feats, &obj, "")?;
                let p = m.predict(&[row]).map_err(internal)?;
                Ok(serde_json::json!({ "prediction": p[0] }))
            }
        }
    });
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(r) => json_error(r),
    }
}

async fn api_explain(State(state): State<Shared>, body: Bytes) -> Response {
    let result = with_model(&state, |m| {
        let obj = input::json_body(&body)?;
        let row = input::from_json_object(&m.info().features, &obj, "")?;
        let p = m.predict(std::slice::from_ref(&row)).map_err(internal)?;
        let sv = m.explain(&row, SHAP_SEED).map_err(internal)?;
        let shap: serde_json::Map<String, serde_json::Value> = m
            .features()
            .iter()
            .zip(&sv.values)
            .map(|(f, v)| (f.clone(), serde_json::json!(v)))
            .collect();
        Ok(serde_json::json!({
            "prediction": p[0], "base": sv.base, "shap": shap, "unit": m.info().unit,
        }))
    });
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(r) => json_error(r),
    }
}
