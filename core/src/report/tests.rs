use super::source::SourceSummary;
use super::*;
use crate::fsutil;

#[test]
fn fmt_num_keeps_four_significant_digits() {
    let cases = [
        (0.0012, "0.0012"),
        (0.00123456, "0.001235"),
        (1234.5, "1234"),
        (1235.5, "1236"),
        (123456.7, "123457"),
        (0.912345, "0.9123"),
        (12.3456, "12.35"),
        (-2.71234, "-2.712"),
        (1.0, "1"),
        (0.5, "0.5"),
        (0.99996, "1"),
        (0.0, "0"),
        (-0.0, "0"),
        (1.23456e-5, "1.235e-5"),
        (1e-7, "1e-7"),
        (2.5e7, "2.5e7"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ];
    for (x, want) in cases {
        assert_eq!(fmt_num(x), want, "fmt_num({x})");
    }
    assert_eq!(fmt_signed(0.0125), "+0.0125");
    assert_eq!(fmt_signed(-0.5), "-0.5");
    assert_eq!(fmt_signed(0.0), "0");
}

#[test]
fn small_report_renders_expected_markdown() {
    let mut r = Report::new("GCN  on\nCora");
    r.para("  Two layers, *200* epochs.  ")
        .heading(9, "Setup")
        .bullet(&["lr 0.01".into(), "parent\n- child".into()])
        .key_values(&[("seed", "0".into())])
        .table(
            &["name", "value"],
            &[
                vec!["a|b".into(), "line1\nline2".into()],
                vec!["short".into()],
                vec!["x".into(), "y".into(), "extra".into()],
            ],
        )
        .table(&[], &[])
        .para("")
        .comparison(&[
            Comparison::new("accuracy", 0.8031)
                .with_anchor(0.815, "paper, Table 2")
                .with_note("same split"),
            Comparison::new("loss", 0.51234),
            Comparison::new("F1 | macro", 0.5).with_anchor(0.75, ""),
        ])
        .image("curves [train]", "curves.png")
        .image("cm", "my plot.png")
        .code("json", "{\"a\": 1}\n");
    let want = "\
# GCN on Cora

Two layers, *200* epochs.

###### Setup

- lr 0.01
- parent
  - child

- **seed:** 0

| name | value |  |
| --- | --- | --- |
| a\\|b | line1<br>line2 |  |
| short |  |  |
| x | y | extra |

| Metric | Ours | Paper / anchor | Ours − anchor | Note |
| --- | --- | --- | --- | --- |
| accuracy | 0.8031 | 0.815 (paper, Table 2) | -0.0119 | same split |
| loss | 0.5123 | — | — |  |
| F1 \\| macro | 0.5 | 0.75 | -0.25 |  |

![curves \\[train\\]](curves.png)

![cm](<my plot.png>)

```json
{\"a\": 1}
```
";
    assert_eq!(r.to_markdown(), want);
}

#[test]
fn code_fence_grows_around_fences() {
    let mut r = Report::new("t");
    r.code("", "```\nx\n```");
    assert_eq!(r.to_markdown(), "# t\n\n````\n```\nx\n```\n````\n");
}

#[test]
fn provenance_reads_source_md() {
    let dir = tempfile::tempdir().unwrap();
    let ds = dir.path().join("cora");
    std::fs::create_dir(&ds).unwrap();
    std::fs::write(
        ds.join(SOURCE_FILE),
        "# Cora citation graph\n\n\
         - **Origin repositories:**\n  - `kimiyoung/planetoid`, MIT\n  - `tkipf/pygcn`, MIT\n\
         - **License:** MIT\n\
         - **Size:** 1020K\n\n\
         ## Files\n- `nodes.tsv` nodes\n",
    )
    .unwrap();
    let mut r = Report::new("t");
    r.provenance(&ds);
    let md = r.to_markdown();
    let want = format!(
        "# t\n\n## Data\n\n\
         - Folder: `{d}`\n\
         - Data set: Cora citation graph\n\
         - **Origin repositories:**\n  - `kimiyoung/planetoid`, MIT\n  - `tkipf/pygcn`, MIT\n\
         - **License:** MIT\n\
         - Full provenance: `{d}/SOURCE.md`\n",
        d = ds.display()
    );
    assert_eq!(md, want);
    assert!(!md.contains("1020K"), "size line is not provenance");
    assert!(!md.contains("nodes.tsv"));
}

#[test]
fn provenance_without_source_md_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Report::new("t");
    r.provenance(dir.path());
    assert!(r.to_markdown().contains("No `SOURCE.md` in this folder"));
    let mut r = Report::new("t");
    r.provenance(&dir.path().join("missing"));
    assert!(r.to_markdown().contains("does not exist"));
}

#[test]
fn provenance_falls_back_to_first_paragraph() {
    let s = SourceSummary::parse(
        "Some data\n\nDownloaded from example.org by hand.\nSecond line.\n\nMore.",
    );
    assert_eq!(s.title.as_deref(), Some("Some data"));
    assert_eq!(
        s.lines,
        vec!["Downloaded from example.org by hand.", "Second line."]
    );
}

#[test]
fn results_dir_writes_metrics_and_report_atomically() {
    let root = tempfile::tempdir().unwrap();
    let out = ResultsDir::create(root.path(), "gcn-cora_v1.2").unwrap();
    assert_eq!(out.path(), root.path().join("gcn-cora_v1.2"));
    assert!(out.path().is_dir());
    assert_eq!(out.file("a.png"), out.path().join("a.png"));

    let metrics = serde_json::json!({"accuracy": 0.8});
    let p = out.write_metrics(&metrics).unwrap();
    let back: serde_json::Value = fsutil::read_json(&p).unwrap();
    assert_eq!(back, metrics);
    let mut r = Report::new("x");
    r.para("y");
    let p = out.write_report(&r).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "# x\n\ny\n");
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![METRICS_FILE, REPORT_FILE],
        "temp file left behind"
    );

    for bad in ["", ".", "..", "a/b", "../x", "a b"] {
        assert!(
            ResultsDir::create(root.path(), bad).is_err(),
            "{bad:?} accepted"
        );
    }
    let nested = ResultsDir::at(root.path().join("p/q")).unwrap();
    assert!(nested.path().is_dir());
}

#[test]
fn comparison_round_trips_through_json() {
    let c = Comparison::new("rmse", 4.2)
        .with_anchor(5.0, "paper")
        .with_note("n");
    let s = serde_json::to_string(&c).unwrap();
    let back: Comparison = serde_json::from_str(&s).unwrap();
    assert_eq!(back, c);
}
