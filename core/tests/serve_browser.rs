//! End to end in a real headless browser (Debian's chromium driven by chromedriver through
//! WebDriver): load the served page, type a data row's feature values into the form, submit,
//! read the prediction and check it equals `deepfield-core eval`'s for the same row, and check
//! the SHAP chart rendered (an SVG with one visible bar per feature).
//!
//! Without /usr/bin/chromium and /usr/bin/chromedriver the test fails when CI=true (`.ci/run`
//! installs them) and is skipped with a message otherwise.
#![cfg(feature = "serve")]

mod serve_support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use deepfield_core::repro::concrete::FEATURES;
use fantoccini::{ClientBuilder, Locator};

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";

/// Kills the driver (and the browser it started) when the test ends, even on failure.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn page_predicts_like_the_cli_and_draws_the_chart_in_chromium() {
    if !Path::new(CHROMIUM).exists() || !Path::new(DRIVER).exists() {
        let msg = format!(
            "{CHROMIUM} or {DRIVER} is missing (Debian: apt-get install chromium chromium-driver)"
        );
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("the browser test cannot run on CI: {msg}");
        }
        eprintln!("skipped: {msg}");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    let rows = serve_support::write_model(&model);
    let base = serve_support::start_server(&model);
    let row = rows[321].clone();
    let cli = serve_support::cli_predictions(tmp.path(), &model, std::slice::from_ref(&row));

    let port = free_port();
    let _driver = Driver(
        Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tmp.path().join("chromium-profile");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let webdriver = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            let up = reqwest::get(format!("{webdriver}/status")).await;
            if up.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&webdriver)
            .await
            .expect("a WebDriver session in chromium");
        client.goto(&base).await.unwrap();
        for (j, v) in row.iter().enumerate() {
            let input = client.find(Locator::Css(&format!("#f{j}"))).await.unwrap();
            assert_eq!(
                input.attr("name").await.unwrap().as_deref(),
                Some(FEATURES[j])
            );
            input.clear().await.unwrap();
            input.send_keys(&v.to_string()).await.unwrap();
        }
        client
            .find(Locator::Css("#predict"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let shown = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#prediction"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            shown, cli[0],
            "the page's prediction vs `deepfield-core eval`"
        );
        let bars = client
            .find_all(Locator::Css("#shap-chart rect.bar"))
            .await
            .unwrap();
        assert_eq!(bars.len(), FEATURES.len());
        // Rendered: the chart has a layout box and its widest bar is visibly wide.
        let size = client
            .execute(
                "const s = document.querySelector('#shap-chart').getBoundingClientRect();\
                 const w = [...document.querySelectorAll('#shap-chart rect.bar')]\
                   .map(b => b.getBBox().width);\
                 return [s.width, s.height, Math.max(...w)];",
                vec![],
            )
            .await
            .unwrap();
        let size: Vec<f64> = serde_json::from_value(size).unwrap();
        assert!(
            size[0] > 300.0 && size[1] > 200.0 && size[2] > 20.0,
            "{size:?}"
        );
        client.close().await.unwrap();
    });
}
