//! Data handling on the real files: timestamps, sorting, resampling, windows without look-ahead,
//! scalers fitted on training rows only, NSE by hand, and the bad-input errors.

use deepfield_core::data::scale::{FittedScaler, Scaler};
use deepfield_core::metrics::nse;
use deepfield_timeseries::data::clean::{interpolate_missing, resample};
use deepfield_timeseries::data::split::{assign, chronological, fit_scaler};
use deepfield_timeseries::data::{forecast_windows, LoadOptions, Series, WindowSpec};
use deepfield_timeseries::Error;

fn data(name: &str) -> std::path::PathBuf {
    deepfield_core::data::data_dir().unwrap().join(name)
}

#[test]
fn descending_price_file_is_sorted_and_filtered() {
    let s = Series::from_csv(
        &data("stock_ohlcv/dash-stock-ticker-demo.csv"),
        &LoadOptions::new("Date", &["Open", "Close", "Volume"]).filter("Stock", "AAPL"),
    )
    .unwrap();
    assert_eq!(s.len(), 753);
    assert!(s.time().windows(2).all(|w| w[0] < w[1]));
    // 2017-12-29 is the last row after sorting (the file starts with it).
    assert!((s.column("Close").unwrap()[752] - 169.23).abs() < 1e-9);
}

#[test]
fn pollution_missing_values_are_interpolated_and_resampled() {
    let mut s = Series::from_csv(
        &data("timeseries_classic/pollution.csv"),
        &LoadOptions::new("No", &["pm2.5", "TEMP"]),
    )
    .unwrap();
    assert_eq!(s.missing()[0], 2067);
    assert_eq!(interpolate_missing(&mut s).unwrap(), 2067);
    let r = resample(&s, 4).unwrap(); // grid 0, 4, …, 43824 over row numbers 1..=43824
    assert_eq!(r.len(), 43824 / 4 + 1);
    assert_eq!(r.column("TEMP").unwrap()[1], s.column("TEMP").unwrap()[3]);
}

#[test]
fn windows_have_no_look_ahead_and_scalers_see_training_rows_only() {
    let s = Series::from_csv(
        &data("timeseries_classic/airline-passengers.csv"),
        &LoadOptions::new("Month", &["Passengers"]),
    )
    .unwrap();
    assert_eq!(s.len(), 144);
    let x = s.to_tensor().unwrap();
    let spans = chronological(144, 0.0, 0.25).unwrap();
    let sc = fit_scaler(&Scaler::Standard, &x, spans.train_end).unwrap();
    let FittedScaler::Standard(st) = &sc else {
        panic!()
    };
    let train = &s.column("Passengers").unwrap()[..spans.train_end];
    let mean = train.iter().sum::<f64>() / train.len() as f64;
    assert!(
        (st.mean()[0] - mean).abs() < 1e-3,
        "{} vs {mean}",
        st.mean()[0]
    );
    let w = forecast_windows(&sc.transform(&x).unwrap(), &x, WindowSpec::new(12, 3)).unwrap();
    assert_eq!(w.x.size(), [130, 12, 1]);
    assert_eq!(w.y.size(), [130, 3, 1]);
    let (tr, _, te) = assign(&w, &spans);
    assert!(tr.iter().all(|&i| w.target_rows(i).end <= spans.train_end));
    assert!(te
        .iter()
        .all(|&i| w.target_rows(i).start >= spans.train_end));
    // First window's first target is row 12 (January 1950 = 115 passengers).
    assert_eq!(w.y.double_value(&[0, 0, 0]), 115.0);
}

#[test]
fn nse_against_a_hand_computed_value() {
    // mean 2.5, SS_tot = 5, SS_res = 0.25 + 0 + 0.25 + 1 = 1.5 -> NSE = 1 - 1.5/5 = 0.7
    let v = nse(&[1.0, 2.0, 3.0, 4.0], &[1.5, 2.0, 2.5, 5.0]).unwrap();
    assert!((v - 0.7).abs() < 1e-12, "{v}");
}

#[test]
fn bad_inputs_give_clear_errors() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("x.csv");
    std::fs::write(
        &p,
        "t,a,b\n2020-01-01,1,5\n2020-01-02,2,5\n2020-01-03,3,5\n",
    )
    .unwrap();
    let s = Series::from_csv(&p, &LoadOptions::new("t", &["a", "b"])).unwrap();
    let e = s.check_not_constant(0, 3).unwrap_err();
    assert!(
        matches!(e, Error::ConstantColumn { ref column, .. } if column == "b"),
        "{e}"
    );
    let x = s.to_tensor().unwrap();
    let e = forecast_windows(&x, &x, WindowSpec::new(3, 1)).unwrap_err();
    assert!(
        e.to_string().contains("longer than the series (3 steps)"),
        "{e}"
    );
    std::fs::write(&p, "t,a\n2020-01-01,1\nnot a date,2\n").unwrap();
    let e = Series::from_csv(&p, &LoadOptions::new("t", &["a"]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad timestamp \"not a date\" at data row 2"),
        "{e}"
    );
    std::fs::write(&p, "t,a\n2020-01-01,1\n2020-01-02,x1\n").unwrap();
    let e = Series::from_csv(&p, &LoadOptions::new("t", &["a"]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("not numeric") && e.contains("x1"), "{e}");
    let e = Series::from_csv(
        &d.path().join("missing.csv"),
        &LoadOptions::new("t", &["a"]),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("missing.csv"), "{e}");
}

#[test]
fn parquet_timestamps_dates_and_nulls_load_like_csv() {
    // Written by pyarrow (scripts/make_parquet_fixture.py): timestamp[us], date32, a null value,
    // one row out of time order.
    let path = deepfield_core::fixture!("readings.parquet");
    let s = Series::from_file(&path, &LoadOptions::new("timestamp", &["value", "count"])).unwrap();
    let t0 = deepfield_timeseries::data::time::parse_timestamp("2024-03-01 12:00:00").unwrap();
    assert_eq!(s.time(), [t0, t0 + 300, t0 + 600, t0 + 900]);
    let v = s.column("value").unwrap();
    assert_eq!((v[0], v[1], v[3]), (1.5, -2.0, 4.25));
    assert!(v[2].is_nan(), "a Parquet null is a missing value");
    assert_eq!(s.column("count").unwrap(), [1.0, 2.0, 3.0, 4.0]);
    // Every row falls on the same day: as time column, a clear duplicate-timestamp error.
    let err = Series::from_file(&path, &LoadOptions::new("day", &["value"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("duplicate timestamp 2024-03-01"), "{err}");
    // The same data as CSV gives the same series.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("readings.csv");
    std::fs::write(
        &csv,
        "timestamp,value,count\n2024-03-01 12:00:00,1.5,1\n2024-03-01 12:10:00,,3\n\
         2024-03-01 12:05:00,-2.0,2\n2024-03-01 12:15:00,4.25,4\n",
    )
    .unwrap();
    let c = Series::from_file(&csv, &LoadOptions::new("timestamp", &["value", "count"])).unwrap();
    assert_eq!(c.time(), s.time());
    assert_eq!(c.column("count").unwrap(), s.column("count").unwrap());
}
