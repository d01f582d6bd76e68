//! The panel method and boundary layer against published values, and bad geometry as errors.
//!
//! References and tolerances:
//! - Thin-airfoil theory (Abbott & von Doenhoff, *Theory of Wing Sections*, ch. 4): lift slope
//!   2π per radian, zero-lift angle and quarter-chord moment from the camber line (NACA 2412:
//!   α₀ = −2.08°, c_m = −0.053; NACA 4412: α₀ = −4.15°, c_m = −0.106). A panel method adds the
//!   thickness effect, slope ≈ 2π(1 + 0.77 t/c) (Joukowski sections); we assert lift within 4 %
//!   of 2π(1 + 0.77 t/c)(α − α₀) over α = 0…6°, and a thin NACA 0006 within 6 % of plain 2π α.
//!   Quarter-chord moment within 0.015 of thin-airfoil theory (thickness makes it more negative).
//! - XFOIL inviscid: NACA 0012 at α = 5°, c_l ≈ 0.60; asserted within ±0.02.
//! - Abbott & von Doenhoff's measured zero-lift angles (≈ −2.0° for 2412, ≈ −4.0° for 4412),
//!   within 0.4° (inviscid lift is slightly too cambered-looking; their measured slopes, about
//!   0.105/°, are below our inviscid ≈ 0.12/°, which we bound to [0.105, 0.125]/°).
//! - Drag of NACA 0012 at α = 0°, Re = 10⁶: XFOIL (free transition, N = 9) ≈ 0.0054; ours is an
//!   uncoupled boundary-layer estimate, about 0.0074 — asserted in [0.75, 1.75] × XFOIL's, and
//!   falling with Reynolds number.

use deepfield_core::aero::{self, dat, panel, Airfoil, Conditions};

fn cl(code: &str, alpha: f64) -> f64 {
    panel::solve(&aero::naca4(code, 80).unwrap(), alpha)
        .unwrap()
        .cl
}

#[test]
fn thin_airfoil_lift_slope() {
    for alpha in [1.0f64, 2.0, 3.0] {
        let got = cl("0006", alpha);
        let thin = 2.0 * std::f64::consts::PI * alpha.to_radians();
        assert!(
            (got / thin - 1.0).abs() < 0.06,
            "α {alpha}: {got} vs 2πα {thin}"
        );
        assert!(got > thin, "thickness raises the slope: {got} vs {thin}");
    }
}

#[test]
fn naca_sections_match_theory_and_published_values() {
    for (code, a0_theory, a0_measured, cm_theory, t) in [
        ("0012", 0.0, 0.0, 0.0, 0.12),
        ("2412", -2.08, -2.0, -0.053, 0.12),
        ("4412", -4.15, -4.0, -0.106, 0.12),
    ] {
        let slope = 2.0 * std::f64::consts::PI * (1.0 + 0.77 * t);
        for alpha in [0.0f64, 2.0, 4.0, 6.0] {
            let s = panel::solve(&aero::naca4(code, 80).unwrap(), alpha).unwrap();
            let want = slope * (alpha - a0_theory).to_radians();
            if want.abs() > 0.05 {
                assert!(
                    (s.cl / want - 1.0).abs() < 0.04,
                    "{code} α {alpha}: cl {} vs {want}",
                    s.cl
                );
            } else {
                assert!(s.cl.abs() < 1e-6, "{code} α {alpha}: {}", s.cl);
            }
            // Pressure integral and Kutta–Joukowski agree.
            assert!((s.cl - s.cl_circulation).abs() < 0.015 * s.cl.abs().max(0.1));
            assert!(
                (s.cm_quarter - cm_theory).abs() < 0.015,
                "{code}: cm {}",
                s.cm_quarter
            );
        }
        let (c0, c4) = (cl(code, 0.0), cl(code, 4.0));
        let per_deg = (c4 - c0) / 4.0;
        assert!(
            (0.105..0.125).contains(&per_deg),
            "{code}: slope {per_deg}/°"
        );
        let a0 = -c0 / per_deg;
        assert!(
            (a0 - a0_theory).abs() < 0.25,
            "{code}: α₀ {a0} vs {a0_theory}"
        );
        assert!(
            (a0 - a0_measured).abs() < 0.4,
            "{code}: α₀ {a0} vs {a0_measured}"
        );
    }
    let c = cl("0012", 5.0);
    assert!(
        (c - 0.60).abs() < 0.02,
        "NACA 0012 α 5°: {c}, XFOIL inviscid ≈ 0.60"
    );
}

#[test]
fn drag_is_of_the_right_order_and_behaves() {
    let foil = aero::naca4("0012", 80).unwrap();
    let at = |alpha: f64, re: f64| {
        aero::evaluate(
            &foil,
            &Conditions {
                alpha_deg: alpha,
                reynolds: re,
                trip: None,
            },
        )
        .unwrap()
        .0
    };
    let p = at(0.0, 1e6);
    assert!(
        (0.75..1.75).contains(&(p.cd / 0.0054)),
        "cd {} vs XFOIL 0.0054",
        p.cd
    );
    // Symmetric section, symmetric layer.
    assert!((p.upper.cd - p.lower.cd).abs() < 1e-9);
    assert!((0.3..0.8).contains(&p.upper.x_transition), "{:?}", p.upper);
    assert!(at(0.0, 3e6).cd < p.cd && p.cd < at(0.0, 3e5).cd);
    assert!(at(6.0, 1e6).cd > p.cd);
    // Transition moves forward on the suction side with angle of attack.
    assert!(at(6.0, 1e6).upper.x_transition < p.upper.x_transition);
    // A cambered section at a moderate angle: L/D of the order XFOIL gives (~90–100).
    let (q, _) = aero::evaluate(&aero::naca4("2412", 80).unwrap(), &Conditions::default()).unwrap();
    assert!(
        (50.0..130.0).contains(&q.ld),
        "NACA 2412 α 4°: L/D {}",
        q.ld
    );
    // A forced transition at the leading edge raises the drag.
    let tripped = aero::evaluate(
        &foil,
        &Conditions {
            alpha_deg: 0.0,
            reynolds: 1e6,
            trip: Some(0.05),
        },
    )
    .unwrap()
    .0;
    assert!(tripped.cd > 1.3 * p.cd, "{} vs {}", tripped.cd, p.cd);
}

#[test]
fn bad_geometry_is_a_clear_error() {
    let msg = |r: deepfield_core::Result<Airfoil>| r.unwrap_err().to_string();
    // Lower surface above the upper one.
    let e = msg(aero::cst(&[0.1, 0.1], &[0.3, 0.3], 40));
    assert!(e.contains("cst"), "{e}");
    assert!(msg(aero::cst(&[0.1, f64::NAN], &[-0.1], 40)).contains("not finite"));
    assert!(msg(aero::naca4("24123", 40)).contains("four digits"));
    assert!(msg(aero::naca4("2400", 40)).contains("thickness"));
    // A figure-eight: the upper surface crosses the lower one.
    let mut a = aero::naca4("0012", 30).unwrap();
    let n = a.y.len();
    for i in 0..n {
        if a.x[i] > 0.5 {
            a.y[i] = -a.y[i];
        }
    }
    let e = a.check().unwrap_err().to_string();
    assert!(e.contains("intersects") || e.contains("thickness"), "{e}");
    // Non-finite point, too few points, wide trailing-edge gap, reversed order.
    let mut b = aero::naca4("0012", 30).unwrap();
    b.y[7] = f64::NAN;
    assert!(b.check().unwrap_err().to_string().contains("point 8"));
    let c = Airfoil {
        name: "tiny".into(),
        x: vec![1.0, 0.0, 1.0],
        y: vec![0.0, 0.0, 0.01],
    };
    assert!(c.check().unwrap_err().to_string().contains("at least"));
    let mut d = aero::naca4("0012", 30).unwrap();
    d.x.pop();
    d.y.pop();
    d.x.pop();
    d.y.pop();
    d.x.pop();
    d.y.pop();
    assert!(d.check().unwrap_err().to_string().contains("gap"));
    let mut r = aero::naca4("0012", 30).unwrap();
    r.x.reverse();
    r.y.reverse();
    assert!(r.check().unwrap_err().to_string().contains("clockwise"));
    // Bad conditions.
    let ok = aero::naca4("0012", 30).unwrap();
    assert!(panel::solve(&ok, 40.0).is_err());
    assert!(panel::solve(&ok, f64::NAN).is_err());
    let bad_re = Conditions {
        alpha_deg: 2.0,
        reynolds: 0.0,
        trip: None,
    };
    assert!(aero::evaluate(&ok, &bad_re)
        .unwrap_err()
        .to_string()
        .contains("Reynolds"));
}

#[test]
fn selig_files_round_trip_and_bad_lines_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let a = aero::naca4("2412", 60).unwrap();
    let path = dir.path().join("n2412.dat");
    std::fs::write(&path, dat::to_selig(&a)).unwrap();
    let b = dat::read_selig(&path).unwrap();
    assert_eq!(b.name, "NACA 2412");
    assert_eq!(b.x.len(), a.x.len());
    let (ca, cb) = (
        panel::solve(&a, 4.0).unwrap().cl,
        panel::solve(&b, 4.0).unwrap().cl,
    );
    assert!((ca - cb).abs() < 1e-4, "{ca} vs {cb}");

    let mut text = dat::to_selig(&a);
    text = text.replacen("\n0.", "\n0.x", 1);
    let bad = dir.path().join("bad.dat");
    std::fs::write(&bad, &text).unwrap();
    let e = dat::read_selig(&bad).unwrap_err().to_string();
    assert!(e.contains("bad.dat:3") && e.contains("0.x"), "{e}");
    let e = dat::read_selig(&dir.path().join("missing.dat"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.dat"), "{e}");
    // Coordinates in the wrong order (lower surface first) are rejected, naming the file.
    let mut rev = a.clone();
    rev.x.reverse();
    rev.y.reverse();
    let wrong = dir.path().join("wrong.dat");
    std::fs::write(&wrong, dat::to_selig(&rev)).unwrap();
    let e = dat::read_selig(&wrong).unwrap_err().to_string();
    assert!(e.contains("wrong.dat") && e.contains("clockwise"), "{e}");
}

#[test]
fn airfoil_command_scores_sections_and_names_bad_files() {
    use deepfield_core::aero::cli::{run, Args};
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("polar.json");
    let polars = run(&Args {
        naca: Some("2412".into()),
        alpha: vec![0.0, 4.0],
        re: 1e6,
        panels: 80,
        json: Some(json.clone()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(polars.len(), 2);
    assert!(polars[1].cl > polars[0].cl && polars[1].ld > 50.0);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(written.as_array().unwrap().len(), 2);
    // CST weights through the same command.
    let cst = run(&Args {
        cst_upper: Some(vec![0.2, 0.25, 0.2, 0.2]),
        cst_lower: Some(vec![-0.15, -0.1, -0.05, 0.0]),
        alpha: vec![3.0],
        re: 1e6,
        panels: 60,
        ..Default::default()
    })
    .unwrap();
    assert!(cst[0].cl > 0.3 && cst[0].cd > 0.003, "{:?}", cst[0]);
    // A bad file is named in the error, with its line.
    let bad = dir.path().join("mine.dat");
    std::fs::write(&bad, "my foil\n1.0 0.0\n0.5 0.06 0.1\n").unwrap();
    let e = run(&Args {
        dat: Some(bad),
        alpha: vec![2.0],
        re: 1e6,
        panels: 80,
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("mine.dat:3") && e.contains("two numbers"), "{e}");
    // Nothing given.
    assert!(run(&Args {
        alpha: vec![2.0],
        re: 1e6,
        panels: 80,
        ..Default::default()
    })
    .is_err());
}
