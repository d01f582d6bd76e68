//! PNG plots for result folders, drawn with `plotters` on a bitmap: line plots, training
//! curves, confusion matrices, heat maps, predicted-vs-true scatter, forecasts, class-coloured
//! embeddings and bar charts.
//!
//! Every function takes plain numbers (no trainer or tensor types), validates them first and
//! returns [`Error::Plot`](crate::Error::Plot) naming the file instead of panicking on empty,
//! ragged or non-finite input. A PNG is rendered to a temporary file beside the target and
//! renamed into place, so a failed plot leaves neither a partial file nor a temporary one (and an
//! older plot stays).
//!
//! Non-finite values are errors, except in line plots ([`line_plot`], [`training_curves`],
//! [`forecast`]): there a non-finite point breaks the line (a loss that diverged to `NaN` shows
//! as a gap), but a series without any finite point is still an error.
//!
//! One file per concern: `style` (sizes, fonts, colours), `render` (atomic PNG output and input
//! checks), `layout` (ranges, tick labels, the titled chart and its styled grid, text, legend
//! placement), `colorbar`, `line_chart` (the chart behind the three line plots), and one file per
//! chart kind.

mod axis;
mod bars;
mod colorbar;
mod confusion;
mod curves;
mod forecasts;
mod grid;
mod heat;
mod layout;
mod line_chart;
mod lines;
mod parity;
mod reference;
mod render;
mod scatter;
mod score;
mod series;
mod shap;
mod style;
#[cfg(test)]
mod testutil;

pub use axis::Axis;
pub use bars::{bar_chart, grouped_bar_chart, BarChart, BarSeries};
pub use confusion::confusion_matrix;
pub use curves::{training_curves, TrainingCurves};
pub use forecasts::{forecast, forecast_with_axes};
pub use grid::{image_grid, GridCell};
pub use heat::heatmap;
pub use lines::{line_plot, LinePlot};
pub use parity::{pred_vs_true, pred_vs_true_in};
pub use reference::{Better, RefLine};
pub use render::{render_png, Area, DrawResult};
pub use scatter::{scatter_classes, scatter_classes_with_axes};
pub use score::score_vs_labels;
pub use series::Series;
pub use shap::{shap_bars, shap_beeswarm};
pub use style::{
    category_color, CONFUSION_SIZE, FORECAST_SIZE, HEATMAP_SIZE, LINE_SIZE, SCATTER_SIZE,
    TWO_PANEL_SIZE,
};

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    #[test]
    fn degenerate_but_valid_inputs_still_render() {
        let dir = tempfile::tempdir().unwrap();
        let f = |name: &str| dir.path().join(name);
        let one = Series::new("one point", vec![(3.0, 2.0)]);
        line_plot(&f("point.png"), "t", "x", "y", &[one]).unwrap();
        line_plot(
            &f("flat.png"),
            "t",
            "x",
            "y",
            &[Series::from_ys("", 0.0, &[0.0; 5])],
        )
        .unwrap();
        training_curves(
            &f("one_epoch.png"),
            &[0.7],
            Some(&[0.9]),
            Some(("acc", &[0.5])),
        )
        .unwrap();
        confusion_matrix(&f("cm1.png"), &[vec![0]], &names(1), "t").unwrap();
        heatmap(&f("h1.png"), "t", &[vec![-2.5]], "x", "y").unwrap();
        let big: Vec<Vec<f64>> = (0..600)
            .map(|r| (0..900).map(|c| ((r + c) % 7) as f64).collect())
            .collect();
        heatmap(&f("h_big.png"), "t", &big, "x", "y").unwrap();
        pred_vs_true(&f("pvt1.png"), "t", &[1.0], &[1.0]).unwrap();
        scatter_classes(&f("s1.png"), "t", &[(1.0, 1.0)], &[0], &names(1)).unwrap();
        bar_chart(&f("b1.png"), "t", &names(1), &[0.0], "y").unwrap();
        bar_chart(&f("b_neg.png"), "t", &names(2), &[-1.0, -3.0], "y").unwrap();
        forecast(&f("fc_only.png"), "t", &[(0.0, 1.0), (1.0, 2.0)], &[], None).unwrap();
        for (name, size) in [
            ("point.png", LINE_SIZE),
            ("one_epoch.png", TWO_PANEL_SIZE),
            ("cm1.png", CONFUSION_SIZE),
            ("h1.png", HEATMAP_SIZE),
            ("h_big.png", HEATMAP_SIZE),
            ("pvt1.png", SCATTER_SIZE),
            ("b_neg.png", LINE_SIZE),
            ("fc_only.png", FORECAST_SIZE),
        ] {
            assert_eq!(png_size(&f(name)), size, "{name}");
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            11,
            "temporary files left"
        );
    }

    /// Every chart kind with a title far wider than its image: the title wraps and shrinks
    /// instead of running off both edges (the adjacency heat map's title was cut at both).
    #[test]
    fn long_titles_stay_inside_the_image() {
        let long = "Learned adjacency (rows read from columns): ec2_cpu_utilization_5f5533, \
                    ec2_cpu_utilization_24ae8d, rds_cpu_utilization_cc0c53, \
                    ec2_network_in_257a54, elb_request_count_8c0756";
        let (obs, pred) = wave_forecast();
        let (t, y) = regression(&mut crate::Rng::new(0));
        let (pts, labels) = clusters(&mut crate::Rng::new(1), 100, 3, 3.0);
        let adj = vec![vec![0.1, 0.9], vec![0.5, 0.0]];
        type Plot<'a> = Box<dyn Fn(&std::path::Path) -> crate::Result<()> + 'a>;
        let plots: Vec<(&str, Plot)> = vec![
            (
                "heatmap",
                Box::new(|p| heatmap(p, long, &adj, "source channel", "target channel")),
            ),
            (
                "line",
                Box::new(|p| {
                    line_plot(p, long, "x", "y", &[Series::from_ys("a", 0.0, &[1.0, 2.0])])
                }),
            ),
            (
                "bars",
                Box::new(|p| bar_chart(p, long, &names(3), &[1.0, 2.0, 3.0], "y")),
            ),
            (
                "grouped",
                Box::new(|p| {
                    BarChart::new(long, "F1")
                        .groups(&names(2))
                        .series("a", &[0.1, 0.2])
                        .series("b", &[0.3, 0.4])
                        .render(p)
                }),
            ),
            (
                "confusion",
                Box::new(|p| confusion_matrix(p, &[vec![3, 1], vec![0, 4]], &names(2), long)),
            ),
            ("pred_vs_true", Box::new(|p| pred_vs_true(p, long, &t, &y))),
            (
                "scatter",
                Box::new(|p| scatter_classes(p, long, &pts, &labels, &names(3))),
            ),
            (
                "forecast",
                Box::new(|p| {
                    forecast(
                        p,
                        long,
                        &obs,
                        &[Series::new("LSTM", pred.clone())],
                        Some(150.0),
                    )
                }),
            ),
            (
                "score",
                Box::new(|p| {
                    score_vs_labels(
                        p,
                        long,
                        "step",
                        &[0.1, 0.5, 0.2],
                        &[false, true, false],
                        Some(0.3),
                    )
                }),
            ),
            (
                "curves metric",
                Box::new(|p| training_curves(p, &[1.0, 0.5], None, Some((long, &[0.5, 0.6])))),
            ),
        ];
        for (name, plot) in plots {
            let px = render_pixels(plot);
            let (w, top) = (px.width, 110);
            // Something was written at the top, and nothing touches the left or right edge.
            assert!(!px.blank(0..w, 0..40), "{name}: no title");
            assert!(px.blank(0..4, 0..top), "{name}: title cut at the left edge");
            assert!(
                px.blank(w - 4..w, 0..top),
                "{name}: title cut at the right edge"
            );
            if name == "curves metric" {
                // The metric panel's title stays in its half.
                assert!(
                    px.blank(w / 2..w / 2 + 4, 0..top),
                    "{name}: title crosses panels"
                );
            }
        }
    }

    /// Renders one example of every plot into `$TMPDIR/deepfield-plot-gallery` to look at:
    /// `cargo test -p deepfield-core --lib report::plots::tests::gallery -- --ignored`.
    #[test]
    #[ignore]
    fn gallery() {
        let dir = std::env::temp_dir().join("deepfield-plot-gallery");
        std::fs::create_dir_all(&dir).unwrap();
        let mut rng = crate::Rng::new(7);
        let train: Vec<f64> = (0..60)
            .map(|e| 2.0 * (-0.08 * e as f64).exp() + 0.1 + 0.02 * rng.normal())
            .collect();
        let val: Vec<f64> = (0..60)
            .map(|e| 2.1 * (-0.07 * e as f64).exp() + 0.25 + 0.003 * e as f64 + 0.02 * rng.normal())
            .collect();
        let acc: Vec<f64> = (0..60)
            .map(|e| 0.91 - 0.7 * (-0.1 * e as f64).exp() + 0.01 * rng.normal())
            .collect();
        training_curves(
            &dir.join("curves2.png"),
            &train,
            Some(&val),
            Some(("validation accuracy", &acc)),
        )
        .unwrap();
        training_curves(&dir.join("curves1.png"), &train[..5], Some(&val[..5]), None).unwrap();
        let sine: Vec<(f64, f64)> = (0..100)
            .map(|i| (i as f64 / 10.0, (i as f64 / 10.0).sin()))
            .collect();
        let cosine: Vec<(f64, f64)> = sine.iter().map(|&(x, _)| (x, 0.5 * x.cos())).collect();
        line_plot(
            &dir.join("lines.png"),
            "Waves",
            "x",
            "y",
            &[Series::new("sin", sine), Series::new("cos / 2", cosine)],
        )
        .unwrap();
        let fashion = [
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ];
        let names10: Vec<String> = fashion.iter().map(|s| s.to_string()).collect();
        let m: Vec<Vec<u64>> = (0..10)
            .map(|i| {
                (0..10)
                    .map(|j| {
                        if i == j {
                            800 + 15 * i as u64
                        } else {
                            ((i * 7 + j * 3) % 11) as u64 * 4
                        }
                    })
                    .collect()
            })
            .collect();
        confusion_matrix(
            &dir.join("cm10.png"),
            &m,
            &names10,
            "Fashion-MNIST, test set",
        )
        .unwrap();
        let m3 = vec![vec![50, 3, 2], vec![4, 40, 11], vec![0, 9, 35]];
        confusion_matrix(&dir.join("cm3.png"), &m3, &names(3), "Cough etiquette").unwrap();
        let mfcc: Vec<Vec<f64>> = (0..13)
            .map(|r| {
                (0..120)
                    .map(|c| ((r * c) as f64 / 40.0).sin() * (13 - r) as f64 * 3.0)
                    .collect()
            })
            .collect();
        heatmap(
            &dir.join("heat_signed.png"),
            "MFCC",
            &mfcc,
            "frame",
            "coefficient",
        )
        .unwrap();
        let adj: Vec<Vec<f64>> = (0..30)
            .map(|r| {
                (0..30)
                    .map(|c| (-(((r as f64) - (c as f64)).powi(2)) / 20.0).exp())
                    .collect()
            })
            .collect();
        heatmap(
            &dir.join("heat_pos.png"),
            "Learned adjacency",
            &adj,
            "node",
            "node",
        )
        .unwrap();
        let (t, y) = regression(&mut rng);
        pred_vs_true(
            &dir.join("pvt.png"),
            "Concrete compressive strength (MPa)",
            &t,
            &y,
        )
        .unwrap();
        let (obs, pred) = wave_forecast();
        let pred2: Vec<(f64, f64)> = obs[150..].iter().map(|&(x, y)| (x, y - 2.0)).collect();
        forecast(
            &dir.join("forecast.png"),
            "NAB ambient temperature",
            &obs,
            &[Series::new("LSTM", pred), Series::new("naive", pred2)],
            Some(150.0),
        )
        .unwrap();
        let (pts, labels) = clusters(&mut rng, 700, 7, 4.0);
        let cora = [
            "Theory",
            "Reinforcement_Learning",
            "Genetic_Algorithms",
            "Neural_Networks",
            "Probabilistic_Methods",
            "Case_Based",
            "Rule_Learning",
        ];
        let cora: Vec<String> = cora.iter().map(|s| s.to_string()).collect();
        scatter_classes(
            &dir.join("emb.png"),
            "GCN hidden layer (PCA)",
            &pts,
            &labels,
            &cora,
        )
        .unwrap();
        bar_chart(
            &dir.join("bars.png"),
            "Accuracy per class",
            &names(5),
            &[0.91, 0.85, 0.42, 0.77, 0.66],
            "accuracy",
        )
        .unwrap();
        bar_chart(
            &dir.join("bars_long.png"),
            "Coefficient per feature",
            &cora,
            &[0.5, -1.2, 2.25, 0.01, -0.3, 1.1, 0.7],
            "weight",
        )
        .unwrap();
        BarChart::new("Best F1 on the 5-channel AWS set", Axis::new("F1"))
            .groups(&["F1", "point-adjusted F1"])
            .series_with_std("StackVAE-G", &[0.41, 0.62], &[0.03, 0.05])
            .series_with_std("VAE", &[0.35, 0.58], &[0.04, 0.02])
            .series("LSTM-AE", &[0.3, 0.5])
            .reference(RefLine::new("flag everything", 0.45).higher_is_better())
            .x_axis("score")
            .render(&dir.join("bars_grouped.png"))
            .unwrap();
        let scores: Vec<f64> = (0..3000)
            .map(|i| {
                0.02 + 0.1 * rng.uniform()
                    + if i % 700 < 30 {
                        0.5 * rng.uniform()
                    } else {
                        0.0
                    }
            })
            .collect();
        let labels: Vec<bool> = (0..3000).map(|i| i % 700 < 40).collect();
        score_vs_labels(
            &dir.join("score.png"),
            "StackVAE-G score against labelled anomaly windows, 5-channel AWS set",
            Axis::new("step").unit("5 min"),
            &scores,
            &labels,
            Some(0.12),
        )
        .unwrap();
        LinePlot::new("Accuracy over 5 folds", "epoch", "accuracy")
            .series([Series::from_ys("GCN", 1.0, &[0.3, 0.5, 0.62, 0.7, 0.74])
                .with_std(vec![0.05, 0.04, 0.04, 0.03, 0.03])])
            .reference(RefLine::chance(1.0 / 7.0))
            .reference(RefLine::new("majority class", 0.8).higher_is_better())
            .render(&dir.join("lines_std.png"))
            .unwrap();
        heatmap(
            &dir.join("heat_long_title.png"),
            "Learned adjacency (rows read from columns): ec2_cpu_utilization_5f5533, ec2_cpu_utilization_24ae8d, rds_cpu_utilization_cc0c53, ec2_network_in_257a54, elb_request_count_8c0756",
            &adj[..5].iter().map(|r| r[..5].to_vec()).collect::<Vec<_>>(),
            "source channel",
            "target channel",
        )
        .unwrap();
        // Degenerate inputs.
        training_curves(
            &dir.join("one_epoch.png"),
            &[0.7],
            Some(&[0.9]),
            Some(("acc", &[0.5])),
        )
        .unwrap();
        bar_chart(
            &dir.join("bars_neg.png"),
            "t",
            &names(2),
            &[-1.0, -3.0],
            "y",
        )
        .unwrap();
        pred_vs_true(&dir.join("pvt1.png"), "t", &[1.0], &[1.0]).unwrap();
        line_plot(
            &dir.join("flat.png"),
            "t",
            "x",
            "y",
            &[Series::from_ys("", 0.0, &[0.0; 5])],
        )
        .unwrap();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let size = png_size(&p);
            assert!(size.0 > 0 && size.1 > 0);
        }
    }
}
