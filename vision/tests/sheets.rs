//! Spreadsheet reading, cell features, the EoB metric, the heuristic baseline and box
//! extraction on hand-made sheets with known answers.

use std::path::Path;

use deepfield_vision::sheets::eob::eob_counts;
use deepfield_vision::sheets::extract::{extract_boxes, ExtractConfig};
use deepfield_vision::sheets::features::{cell_kind, feature_map, CellKind, CHANNEL_NAMES};
use deepfield_vision::sheets::heuristic::{connected_regions, whole_sheet, RegionHeuristic};
use deepfield_vision::sheets::labels::target_maps;
use deepfield_vision::sheets::reader::parse_sheet;
use deepfield_vision::sheets::{read_folder, read_sheet, CellBox, Sheet};

fn b(top: usize, left: usize, bottom: usize, right: usize) -> CellBox {
    CellBox::new(top, left, bottom, right)
}

#[test]
fn reader_keeps_quoting_ragged_rows_and_blank_lines() {
    let text = "a,\"b, with comma\",c\r\n\n\"multi\nline\",\"say \"\"hi\"\"\"\nx,y,z,w\nlast";
    let s = parse_sheet(text.as_bytes(), Path::new("t.csv")).unwrap();
    assert_eq!(s.name, "t.csv");
    assert_eq!(s.rows(), 5);
    assert_eq!(s.cols(), 4);
    assert_eq!(s.cells[0], ["a", "b, with comma", "c"]);
    assert_eq!(s.cells[1], [""]);
    assert_eq!(s.cells[2], ["multi\nline", "say \"hi\""]);
    assert_eq!(s.get(3, 3), "w");
    assert_eq!(s.get(4, 0), "last");
    assert_eq!(s.get(4, 3), "");
    assert_eq!(s.get(99, 0), "");
    // A trailing newline adds no row; a quote inside an unquoted field is literal.
    let s = parse_sheet(b"1,2\n3,4 \"in\"\n", Path::new("u.csv")).unwrap();
    assert_eq!(s.rows(), 2);
    assert_eq!(s.get(1, 1), "4 \"in\"");
}

#[test]
fn reader_decodes_bom_utf16_and_latin1() {
    let s = parse_sheet(b"\xEF\xBB\xBFname,x\n", Path::new("bom.csv")).unwrap();
    assert_eq!(s.get(0, 0), "name");
    let mut u16 = vec![0xFF, 0xFE];
    for c in "Zürich,5\n".encode_utf16() {
        u16.extend_from_slice(&c.to_le_bytes());
    }
    let s = parse_sheet(&u16, Path::new("u16.csv")).unwrap();
    assert_eq!(s.get(0, 0), "Zürich");
    assert_eq!(s.get(0, 1), "5");
    let s = parse_sheet(b"Z\xFCrich,5\n", Path::new("latin1.csv")).unwrap();
    assert_eq!(s.get(0, 0), "Zürich");
}

#[test]
fn reader_refuses_bad_files_naming_them() {
    let garbage: Vec<u8> = (0..400u32).map(|i| (i * 37 % 256) as u8).collect();
    for (name, bytes, want) in [
        ("empty.csv", b"".to_vec(), "empty"),
        ("garbage.bin.csv", garbage, "binary"),
        (
            "controls.csv",
            b"\x01\x02\x03\x04,\x05\x06\x07".to_vec(),
            "binary",
        ),
        (
            "open.csv",
            b"a,b\n\"never closed,c\n".to_vec(),
            "never closed",
        ),
        ("blank.csv", b" , \n,,\n".to_vec(), "no non-empty cell"),
    ] {
        let e = parse_sheet(&bytes, Path::new(name))
            .unwrap_err()
            .to_string();
        assert!(e.contains(name) && e.contains(want), "{name}: {e}");
    }
    let e = parse_sheet(b"a,b\n\"x\n", Path::new("q.csv"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("q.csv:2"), "{e}");
    let e = read_sheet(Path::new("/nonexistent/x.csv"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/x.csv"), "{e}");
}

#[test]
fn a_folder_with_bad_files_keeps_the_good_ones_and_lists_the_bad() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.csv"), "x,y\n1,2\n").unwrap();
    std::fs::write(tmp.path().join("b.csv"), "p\nq,r,s\n").unwrap();
    std::fs::write(tmp.path().join("c.csv"), "").unwrap();
    std::fs::write(tmp.path().join("d.csv"), [0u8, 159, 146, 150, 0, 1]).unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "not a sheet").unwrap();
    let set = read_folder(tmp.path()).unwrap();
    let names: Vec<&str> = set.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a.csv", "b.csv"]);
    assert_eq!(set.sheets[1].cols(), 3);
    let bad: Vec<String> = set
        .bad
        .iter()
        .map(|b| b.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(bad, ["c.csv", "d.csv"]);
    assert!(set.bad[0].reason.contains("empty"), "{}", set.bad[0].reason);
    let empty = tempfile::tempdir().unwrap();
    let e = read_folder(empty.path()).unwrap_err().to_string();
    assert!(e.contains("no .csv files"), "{e}");
}

#[test]
fn cell_kinds_and_feature_values_on_a_tiny_sheet() {
    assert_eq!(cell_kind("$1,200.50"), CellKind::Numeric);
    assert_eq!(cell_kind("(3.5%)"), CellKind::Numeric);
    assert_eq!(cell_kind("-1e3"), CellKind::Numeric);
    assert_eq!(cell_kind("2012-01-05"), CellKind::Date);
    assert_eq!(cell_kind("1/5/2012"), CellKind::Date);
    assert_eq!(cell_kind("00:20:00"), CellKind::Date);
    assert_eq!(cell_kind("Jan 2012"), CellKind::Date);
    assert_eq!(cell_kind("Persons, 2012"), CellKind::Text);
    assert_eq!(cell_kind("  "), CellKind::Empty);
    let s = Sheet::from_rows(
        "tiny",
        &[
            &["NAME", "Score", "When"],
            &["alice", "12.5", "2012-01-05"],
            &["Bob:", "$1,200", ""],
            &[],
        ],
    );
    let f = feature_map(&s).unwrap();
    assert_eq!(f.size(), [CHANNEL_NAMES.len() as i64, 4, 3]);
    let ch = |name: &str| CHANNEL_NAMES.iter().position(|c| *c == name).unwrap() as i64;
    let at = |name: &str, r: i64, c: i64| f.double_value(&[ch(name), r, c]);
    assert_eq!(at("in_sheet", 3, 2), 1.0);
    assert_eq!(at("filled", 2, 2), 0.0);
    assert_eq!(at("numeric", 1, 1), 1.0);
    assert_eq!(at("numeric", 2, 1), 1.0);
    assert_eq!(at("date", 1, 2), 1.0);
    assert_eq!(at("text", 0, 0), 1.0);
    assert_eq!(at("all_caps", 0, 0), 1.0);
    assert_eq!(at("all_caps", 0, 1), 0.0);
    assert_eq!(at("starts_upper", 0, 1), 1.0);
    assert_eq!(at("starts_upper", 1, 0), 0.0);
    assert_eq!(at("punctuation", 2, 0), 1.0);
    assert_eq!(at("percent_or_currency", 2, 1), 1.0);
    assert_eq!(at("numeric_above_numeric", 2, 1), 1.0);
    assert_eq!(at("numeric_above_numeric", 1, 1), 0.0);
    assert_eq!(at("same_kind_above", 1, 0), 1.0);
    assert_eq!(at("same_kind_left", 1, 1), 0.0);
    assert!((at("row_fill", 2, 0) - 2.0 / 3.0).abs() < 1e-6);
    assert!((at("col_fill", 0, 2) - 0.5).abs() < 1e-6);
    assert_eq!(at("row_empty", 3, 0), 1.0);
    assert!((at("length", 0, 0) - (5f64).ln() / (101f64).ln()).abs() < 1e-6);
    assert!((at("row_relative", 2, 0) - 0.5).abs() < 1e-6);
    assert!((at("col_near_left", 0, 2) - 2.0 / 16.0).abs() < 1e-6);
}

#[test]
fn boxes_print_in_a1_notation_and_targets_mark_edges() {
    assert_eq!(b(0, 0, 41, 10).a1(), "A1:K42");
    assert_eq!(b(2, 25, 3, 27).a1(), "Z3:AB4");
    assert_eq!(b(0, 701, 0, 702).a1(), "ZZ1:AAA1");
    let t = target_maps(&[b(1, 1, 2, 3)], 4, 5);
    assert_eq!(t.size(), [5, 4, 5]);
    let sum = |c: i64| t.get(c).sum(tch::Kind::Double).double_value(&[]);
    assert_eq!(
        [sum(0), sum(1), sum(2), sum(3), sum(4)],
        [6.0, 3.0, 3.0, 2.0, 2.0]
    );
    assert_eq!(t.double_value(&[1, 1, 2]), 1.0);
    assert_eq!(t.double_value(&[2, 1, 2]), 0.0);
}

#[test]
fn eob_metric_on_hand_made_boxes() {
    let truth = [b(0, 0, 9, 4), b(12, 0, 20, 3)];
    let pred = [b(0, 0, 9, 4), b(13, 0, 22, 3), b(30, 0, 31, 1)];
    assert_eq!(pred[1].eob(&truth[1]), 2);
    let c0 = eob_counts(&pred, &truth, 0);
    assert_eq!((c0.matched, c0.predicted, c0.truth), (1, 3, 2));
    assert!((c0.precision() - 1.0 / 3.0).abs() < 1e-12);
    assert!((c0.recall() - 0.5).abs() < 1e-12);
    let c2 = eob_counts(&pred, &truth, 2);
    assert_eq!(c2.matched, 2);
    assert!((c2.precision() - 2.0 / 3.0).abs() < 1e-12);
    assert!((c2.recall() - 1.0).abs() < 1e-12);
    // One prediction never matches two tables.
    let c = eob_counts(&[b(0, 0, 5, 5)], &[b(0, 0, 5, 5), b(0, 0, 5, 6)], 2);
    assert_eq!(c.matched, 1);
    assert_eq!(eob_counts(&[], &truth, 2).precision(), 0.0);
}

fn two_table_sheet() -> Sheet {
    Sheet::from_rows(
        "two",
        &[
            &["Title", "", ""],
            &["", "", ""],
            &["a", "b", "c"],
            &["1", "2", "3"],
            &["4", "5", "6"],
            &["", "", ""],
            &["x", "y", ""],
            &["7", "8", ""],
        ],
    )
}

#[test]
fn heuristic_finds_two_tables_and_the_trivial_box_does_not() {
    let s = two_table_sheet();
    let h = RegionHeuristic {
        gap: 0,
        min_cells: 2,
    };
    let boxes = connected_regions(&s, &h);
    assert_eq!(boxes, [b(2, 0, 4, 2), b(6, 0, 7, 1)]);
    // With min_cells 1 the lone title is a region too; with gap 1 everything is one region.
    let with_title = connected_regions(
        &s,
        &RegionHeuristic {
            gap: 0,
            min_cells: 1,
        },
    );
    assert_eq!(with_title.len(), 3);
    assert_eq!(
        connected_regions(
            &s,
            &RegionHeuristic {
                gap: 1,
                min_cells: 2
            }
        ),
        [b(0, 0, 7, 2)]
    );
    let whole = whole_sheet(&s);
    assert_eq!(whole, [b(0, 0, 7, 2)]);
    let truth = [b(2, 0, 4, 2), b(6, 0, 7, 1)];
    assert_eq!(eob_counts(&boxes, &truth, 0).recall(), 1.0);
    assert_eq!(eob_counts(&whole, &truth, 2).recall(), 0.0);
}

#[test]
fn extraction_cuts_stacked_tables_at_predicted_edges() {
    // Two tables stacked without a gap: rows 0–2 and 3–5, columns 0–2, in a 7 × 4 grid.
    let truth = [b(0, 0, 2, 2), b(3, 0, 5, 2)];
    let t = target_maps(&truth, 7, 4);
    let mut p: Vec<f32> = Vec::try_from(t.reshape([-1])).unwrap();
    for v in p.iter_mut() {
        *v = 0.1 + 0.8 * *v;
    }
    let cfg = ExtractConfig::default();
    assert_eq!(extract_boxes(&p, 7, 4, &cfg).unwrap(), truth);
    // Without the edge maps the two merge into one region.
    let plane = 28;
    for v in p[plane..].iter_mut() {
        *v = 0.1;
    }
    assert_eq!(extract_boxes(&p, 7, 4, &cfg).unwrap(), [b(0, 0, 5, 2)]);
    assert!(extract_boxes(&p, 7, 5, &cfg).is_err());
}

#[test]
fn the_detector_saves_restores_and_validates_its_config() {
    use deepfield_core::models::{restore_model, save_model, ModelConfig};
    use deepfield_vision::models::tablesense::TableSenseConfig;
    let cfg = TableSenseConfig {
        width: 4,
        dilations: vec![1, 2],
        ..TableSenseConfig::default()
    };
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let net = cfg.build(&vs.root()).unwrap();
    let s = two_table_sheet();
    let p = net.probabilities(&s, tch::Device::Cpu).unwrap();
    assert_eq!(p.size(), [5, 8, 3]);
    let tmp = tempfile::tempdir().unwrap();
    save_model(tmp.path(), &vs, &cfg, None::<&()>).unwrap();
    let reg = deepfield_vision::models().unwrap();
    assert!(reg.contains("vision.tablesense"));
    reg.restore(tmp.path(), tch::Device::Cpu).unwrap();
    let (back, _vs, net2) =
        restore_model::<TableSenseConfig>(tmp.path(), tch::Device::Cpu).unwrap();
    assert_eq!(back, cfg);
    let p2 = net2.probabilities(&s, tch::Device::Cpu).unwrap();
    assert!(p.allclose(&p2, 0.0, 0.0, false));
    assert_eq!(
        net.detect(&s, tch::Device::Cpu).unwrap(),
        net2.detect(&s, tch::Device::Cpu).unwrap()
    );
    for bad in [
        TableSenseConfig {
            in_channels: 3,
            ..cfg.clone()
        },
        TableSenseConfig {
            dilations: vec![],
            ..cfg.clone()
        },
        TableSenseConfig {
            width: 0,
            ..cfg.clone()
        },
    ] {
        assert!(ModelConfig::validate(&bad).is_err());
    }
}
