//! Plots and `report.md` of `galaxy-rotinv`.

use deepfield_core::report::plots::{confusion_matrix, Axis, LinePlot, RefLine, Series};
use deepfield_core::report::{fmt_num, Comparison, Report, ResultsDir};

use super::run::CLASS_NAMES;
use super::{GalaxyConfig, GalaxyMetrics};
use crate::Result;

/// `accuracy_by_angle.png` and `confusion_<key>.png` for the first (headline) variant.
pub fn write_plots(m: &GalaxyMetrics, results: &ResultsDir) -> Result<()> {
    let series: Vec<Series> = m
        .variants
        .iter()
        .map(|v| {
            Series::new(
                &v.name,
                m.angles
                    .iter()
                    .zip(&v.accuracy_by_angle)
                    .map(|(a, x)| (*a, *x))
                    .collect(),
            )
        })
        .collect();
    LinePlot::new(
        "Galaxy Zoo 1 test accuracy vs test-time rotation",
        Axis::new("rotation of the test images (counter-clockwise)").unit("°"),
        Axis::new("test accuracy (6 classes)"),
    )
    .series(series)
    .reference(RefLine::new("majority class", m.majority_rate).higher_is_better())
    .render(&results.file("accuracy_by_angle.png"))?;
    if let Some(v) = m.variants.first() {
        let names: Vec<String> = CLASS_NAMES.iter().map(|s| s.to_string()).collect();
        confusion_matrix(
            &results.file(&format!("confusion_{}.png", v.key)),
            &v.confusion,
            &names,
            &format!("{} — test confusion at 0°", v.name),
        )?;
    }
    Ok(())
}

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

/// `report.md`.
pub fn write(cfg: &GalaxyConfig, m: &GalaxyMetrics, results: &ResultsDir) -> Result<()> {
    let mut r = Report::new(
        "galaxy-rotinv — rotation-invariant CNN for galaxy morphology (Dieleman et al. 2015)",
    );
    r.para(
        "Dieleman, Willett & Dambre, \"Rotation-invariant convolutional neural networks for \
         galaxy morphology prediction\", MNRAS 450, 1441 (2015): the input is presented in its \
         four 90° rotations, one convolutional stack is shared by the views, and the views' \
         features are pooled (cyclic slicing + cyclic pooling), so predictions do not depend on \
         how the galaxy happens to be oriented on the sky. Here that network is compared with a \
         plain CNN of exactly the same parameters (the same network on the unrotated view only), \
         each trained with and without random rotations of the training images, and every model \
         is tested on the test images rotated by 0–345° in 15° steps.",
    );
    r.provenance(&m.data_dir());
    let counts: Vec<String> = CLASS_NAMES
        .iter()
        .zip(&m.class_counts)
        .enumerate()
        .map(|(i, (n, c))| format!("{i} {n}: {c}"))
        .collect();
    r.bullet(&[
        format!(
            "{} SDSS colour cut-outs (423×423 JPEG), 6 Galaxy Zoo 1 classes — {}; {} files did \
             not decode.",
            m.images,
            counts.join(", "),
            m.bad_files
        ),
        format!(
            "Stratified split (seed {}): {} train, {} validation (model selection), {} test. \
             Always answering the largest training class scores {} % on the test split.",
            m.seed,
            m.train,
            m.validation,
            m.test,
            pct(m.majority_rate)
        ),
        format!(
            "Each image: centre crop of {} of its side, resized to {}×{} (antialiased), \
             normalised per channel with the training images' mean and standard deviation; the \
             networks read the central {}×{} window, which stays inside the image under any \
             rotation.",
            cfg.preprocess.crop_fraction,
            cfg.preprocess.height,
            cfg.preprocess.width,
            cfg.part,
            cfg.part
        ),
        "Rotations only, never flips: classes 1 and 2 (clockwise / anticlockwise spirals) are \
         mirror images of each other, so a flip would turn one label into the other."
            .to_string(),
    ]);
    r.heading(2, "Results");
    let rows: Vec<Vec<String>> = m
        .variants
        .iter()
        .map(|v| {
            vec![
                v.name.clone(),
                v.parameters.to_string(),
                pct(v.accuracy),
                fmt_num(v.f1_macro),
                pct(v.angle_mean),
                format!("{}–{}", pct(v.angle_min), pct(v.angle_max)),
                pct(v.angle_spread),
                pct(v.angle_drop),
                v.epochs_run.to_string(),
                format!("{:.0}", v.train_seconds),
            ]
        })
        .collect();
    r.table(
        &[
            "model",
            "parameters",
            "accuracy at 0° (%)",
            "macro-F1 at 0°",
            "mean accuracy over angles (%)",
            "range over angles (%)",
            "spread (pt)",
            "drop from 0° (pt)",
            "epochs",
            "train s",
        ],
        &rows,
    );
    r.image("test accuracy vs rotation angle", "accuracy_by_angle.png");
    if let Some(v) = m.variants.first() {
        r.image(
            "confusion matrix of the headline model",
            &format!("confusion_{}.png", v.key),
        );
    }
    r.heading(2, "The issue's goals");
    let g = &m.goals;
    let yes = |b: bool| if b { "met" } else { "not met" };
    let get = |key: &str| m.get(key);
    let mut comps = Vec::new();
    if let Some(v) = get("rotinv_aug") {
        comps.push(
            Comparison::new(
                "rotation-invariant (aug.): spread over angles, points",
                100.0 * v.angle_spread,
            )
            .with_anchor(1.0, "goal: ≤ 1")
            .with_note(yes(g.rotinv_spread_le_1pt)),
        );
    }
    if let Some(v) = get("plain_noaug") {
        comps.push(
            Comparison::new(
                "plain CNN (no aug.): drop from 0°, points",
                100.0 * v.angle_drop,
            )
            .with_anchor(10.0, "goal: ≥ 10")
            .with_note(yes(g.plain_drop_ge_10pt)),
        );
    }
    r.comparison(&comps);
    r.bullet(&[format!(
        "A rotation-invariant model is the most accurate (mean over angles): {}.",
        yes(g.rotinv_most_accurate)
    )]);
    r.para(
        "The paper reports no six-class accuracy: it predicted the 37 Galaxy Zoo 2 vote \
         fractions (RMSE 0.0749 on the Kaggle leaderboard) from 61,578 training images; these \
         numbers come from 1,926 images of a different label set, so only the comparison between \
         the four models here carries over.",
    );
    r.heading(2, "What differs from the paper");
    r.bullet(&[
        "Scale: 16/32/64/64 filters and one dense layer of 256 ReLU units (paper: 32/64/128/128 \
         and two maxout layers of 2048), inputs of 46 pixels read through a 32-pixel window \
         (paper: 69-pixel inputs, 45-pixel views); the quick run is smaller still."
            .to_string(),
        "Views: the whole central window in its four rotations, pooled by the mean (cyclic \
         pooling of Dieleman, De Fauw & Kavukcuoglu 2016); the 2015 network cut four overlapping \
         corner parts of each rotation, added flipped copies and concatenated the views."
            .to_string(),
        "Objective: six-class softmax with cross-entropy and Adam (lr 1e-3, batch 32, early \
         stopping on validation accuracy) instead of 37 outputs with a squared error and \
         Nesterov momentum SGD; augmentation is rotation only (the paper also zoomed, \
         translated, flipped and changed brightness)."
            .to_string(),
        "Test-time rotations by angles that are not multiples of 90° resample the image \
         bilinearly, so even an invariant network sees slightly blurred inputs there."
            .to_string(),
    ]);
    r.heading(2, "Files");
    r.bullet(&[
        "`model/`: the first model of the table (checkpoint: `deepfield-vision eval classify \
         --model model IMAGES`); `models/<key>/`: the others."
            .to_string(),
        "`metrics.json`, `metrics.csv`, `history.csv` (per-epoch validation accuracy), \
         `config.json`."
            .to_string(),
    ]);
    results.write_report(&r)?;
    Ok(())
}

impl GalaxyMetrics {
    fn data_dir(&self) -> std::path::PathBuf {
        let d = self.data.trim_end_matches(" (labels.csv + images/)");
        std::path::PathBuf::from(d)
    }
}
