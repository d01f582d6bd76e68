//! The extended XYZ reader on the real `molecules_forces` files (counts, first values, ranges
//! from SOURCE.md) and on malformed files (each error names the file, the frame and the line);
//! the writer's round trip.

use std::path::{Path, PathBuf};

use deepfield_graph::molecule::xyz::{parse_xyz, read_xyz, write_xyz, XyzOptions};
use deepfield_graph::molecule::ReferenceEnergies;

fn data() -> Option<PathBuf> {
    let root = std::env::var("DEEPFIELD_DATA").unwrap_or_else(|_| "../../shared/datasets".into());
    let d = Path::new(&root).join("molecules_forces");
    if d.join("ethanol_rmd17/train.xyz").is_file() {
        Some(d)
    } else {
        eprintln!(
            "skipped: {} not found (see molecules_forces/SOURCE.md)",
            d.display()
        );
        None
    }
}

#[test]
fn real_files_read_as_documented() {
    let Some(d) = data() else { return };
    let lab = XyzOptions::labelled();
    let eth = read_xyz(&d.join("ethanol_rmd17/train.xyz"), &lab).unwrap();
    assert_eq!(eth.len(), 1000);
    assert!(eth
        .iter()
        .all(|f| f.len() == 9 && f.numbers == vec![6, 6, 8, 1, 1, 1, 1, 1, 1]));
    let f0 = &eth[0];
    assert!((f0.energy.unwrap() - -4209.4657843064815).abs() < 1e-9);
    assert_eq!(f0.positions[0], [0.40162460, 0.38569419, 0.07944170]);
    assert_eq!(
        f0.forces.as_ref().unwrap()[0],
        [-4.15950961, 0.10729389, 3.61777644]
    );
    assert_eq!(f0.info["config_type"], "Training_set");
    assert!(
        f0.periodic_cell().is_none(),
        "pbc F F F: the dummy cell is ignored"
    );
    // Ranges from SOURCE.md.
    let (lo, hi) = eth.iter().fold((f64::MAX, f64::MIN), |(a, b), f| {
        (a.min(f.energy.unwrap()), b.max(f.energy.unwrap()))
    });
    assert!(
        (lo - -4210.040).abs() < 1e-3 && (hi - -4208.819).abs() < 1e-3,
        "{lo} {hi}"
    );
    let fmax = eth
        .iter()
        .flat_map(|f| f.forces.clone().unwrap())
        .flatten()
        .fold(0.0f64, |m, x| m.max(x.abs()));
    assert!((fmax - 7.91).abs() < 0.01, "{fmax}");
    for (file, e0) in [
        ("acac/train_300K.xyz", -9391.45554428476),
        ("acac/train_600K.xyz", -9390.791202754173),
    ] {
        let a = read_xyz(&d.join(file), &lab).unwrap();
        assert_eq!(a.len(), 500);
        assert!(a.iter().all(|f| f.len() == 15));
        assert!((a[0].energy.unwrap() - e0).abs() < 1e-9);
    }
    let iso = ReferenceEnergies::read(&d.join("ethanol_rmd17/isolated_atoms.xyz")).unwrap();
    assert_eq!(iso.0.len(), 4);
    assert!((iso.0[&1] - -13.568422383046626).abs() < 1e-12);
    // Ethanol's atomisation energy is negative and a few tens of eV.
    let ea = f0.energy.unwrap() - iso.sum(&f0.numbers).unwrap();
    assert!((-50.0..-20.0).contains(&ea), "{ea}");
}

const GOOD: &str = "2\nProperties=species:S:1:pos:R:3:forces:R:3 energy=-1.0 pbc=\"F F F\"\nO 0 0 0 0.1 0.2 0.3\nH 0 0 0.97 -0.1 -0.2 -0.3\n";

fn err(text: &str, opts: &XyzOptions) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("bad.xyz");
    std::fs::write(&p, text).unwrap();
    let e = read_xyz(&p, opts).unwrap_err().to_string();
    assert!(e.contains("bad.xyz"), "names the file: {e}");
    e
}

#[test]
fn malformed_frames_are_clear_errors() {
    let lab = XyzOptions::labelled();
    let two = format!("{GOOD}{GOOD}");
    // Bad atom count in frame 2 (line 5).
    let e = err(
        &two.replace(
            "H 0 0 0.97 -0.1 -0.2 -0.3\n2\n",
            "H 0 0 0.97 -0.1 -0.2 -0.3\ntwo\n",
        ),
        &lab,
    );
    assert!(
        e.contains(":5:") && e.contains("frame 2") && e.contains("atom count"),
        "{e}"
    );
    // Missing energy.
    let e = err(&two.replacen(" energy=-1.0", "", 2), &lab);
    assert!(e.contains("frame 1") && e.contains("energy"), "{e}");
    // Wrong column count (frame 2, line 8).
    let e = err(
        &format!(
            "{GOOD}{}",
            GOOD.replace("H 0 0 0.97 -0.1 -0.2 -0.3", "H 0 0 0.97 -0.1 -0.2")
        ),
        &lab,
    );
    assert!(
        e.contains(":8:") && e.contains("frame 2") && e.contains("6 columns"),
        "{e}"
    );
    // Non-numeric value.
    let e = err(&GOOD.replace("0.97", "abc"), &lab);
    assert!(
        e.contains(":4:") && e.contains("`abc` is not a number"),
        "{e}"
    );
    // Truncated file.
    let e = err(&format!("{GOOD}3\n{}", GOOD.lines().nth(1).unwrap()), &lab);
    assert!(e.contains("frame 2") && e.contains("truncated"), "{e}");
    // Unknown element, missing forces column, empty file.
    let e = err(&GOOD.replace("H 0 0", "Qq 0 0"), &lab);
    assert!(e.contains("not a chemical element"), "{e}");
    let e = err(
        "1\nProperties=species:S:1:pos:R:3 energy=1\nH 0 0 0\n",
        &lab,
    );
    assert!(e.contains("no forces"), "{e}");
    let e = err("\n", &lab);
    assert!(e.contains("no frames"), "{e}");
    // Unlabelled frames read without energies when not required.
    let ok = parse_xyz("1\n\nH 0 0 0\n", Path::new("u.xyz"), &XyzOptions::default()).unwrap();
    assert_eq!(ok[0].energy, None);
}

#[test]
fn writer_round_trips() {
    let frames = parse_xyz(GOOD, Path::new("g.xyz"), &XyzOptions::labelled()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("out.xyz");
    write_xyz(&p, &frames).unwrap();
    assert_eq!(read_xyz(&p, &XyzOptions::labelled()).unwrap(), frames);
}
