//! [`score_vs_labels`]: an anomaly score over time against labelled windows and the threshold.

use std::path::Path;

use super::axis::Axis;
use super::line_chart::{Line, LineChart};
use super::reference::RefLine;
use super::render::{check, check_finite};
use super::style::{FORECAST_SIZE, PALETTE};
use crate::Result;

/// An anomaly score per step (x = 0, 1, …, in units of `x`) as a line, the steps labelled
/// anomalous as shaded windows behind it, and, if given, the detection threshold as a dashed
/// line over the score with a legend entry. Scores are drawn as they are (no rescaling needed);
/// the y axis is "anomaly score". Size [`FORECAST_SIZE`].
pub fn score_vs_labels(
    path: &Path,
    title: &str,
    x: impl Into<Axis>,
    scores: &[f64],
    labels: &[bool],
    threshold: Option<f64>,
) -> Result<()> {
    check(path, !scores.is_empty(), || "no scores".into())?;
    check(path, scores.len() == labels.len(), || {
        format!("{} scores but {} labels", scores.len(), labels.len())
    })?;
    check_finite(path, "scores", scores)?;
    if let Some(t) = threshold {
        check(path, t.is_finite(), || format!("the threshold is {t}"))?;
    }
    let points: Vec<(f64, f64)> = scores
        .iter()
        .enumerate()
        .map(|(i, &s)| (i as f64, s))
        .collect();
    let line = Line::new("anomaly score", &points, PALETTE[0]);
    let mut chart = LineChart::new(title, x.into(), Axis::new("anomaly score"), vec![line]);
    chart.bands = Some((label_windows(labels), "labelled anomaly"));
    chart.refs = threshold
        .map(|t| RefLine::new("threshold", t))
        .into_iter()
        .collect();
    chart.render(path, FORECAST_SIZE)
}

/// The runs of `true` in `labels` as x intervals: step `i` covers `i − 0.5 .. i + 0.5`.
fn label_windows(labels: &[bool]) -> Vec<(f64, f64)> {
    let mut windows = vec![];
    let mut start = None;
    for (i, &l) in labels.iter().chain([&false]).enumerate() {
        match (l, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                windows.push((s as f64 - 0.5, i as f64 - 0.5));
                start = None;
            }
            _ => {}
        }
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_steps_become_windows() {
        let l = [true, true, false, false, true, false, true];
        assert_eq!(label_windows(&l), vec![(-0.5, 1.5), (3.5, 4.5), (5.5, 6.5)]);
        assert!(label_windows(&[false, false]).is_empty());
    }

    #[test]
    fn the_threshold_is_visible_over_a_dense_score() {
        use crate::report::plots::line_chart::BAND_COLOR;
        use crate::report::plots::reference::FIRST_REF_COLOR;
        use crate::report::plots::testutil::*;
        let mut rng = crate::Rng::new(5);
        let n = 3000;
        let scores: Vec<f64> = (0..n).map(|_| 0.01 + 0.2 * rng.uniform()).collect();
        let labels: Vec<bool> = (0..n).map(|i| i % 700 < 40).collect();
        // The threshold lies inside the band the noisy score fills.
        let px = render_pixels(|p| {
            score_vs_labels(p, "score", "5-minute step", &scores, &labels, Some(0.1))
        });
        let rows = px.rows_with(FIRST_REF_COLOR, px.width / 3);
        assert!(
            !rows.is_empty() && rows.len() <= 4,
            "threshold rows {rows:?}"
        );
        assert!(
            px.count(BAND_COLOR, 0..px.width, 0..px.height) > 5000,
            "labelled windows"
        );
        assert_rejects("lengths", |p| {
            score_vs_labels(p, "t", "x", &[1.0], &[], None)
        });
        assert_rejects("NaN", |p| {
            score_vs_labels(p, "t", "x", &[f64::NAN], &[true], None)
        });
    }
}
