//! TREC qrels and run files: round trips, trec_eval's ordering, malformed lines as errors
//! naming the file and line.

use std::path::Path;

use deepfield_text::read::trec::{Qrels, Run, RunLines};

fn err_of<T: std::fmt::Debug>(r: deepfield_text::Result<T>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn qrels_round_trip_and_relevant() {
    let text = "# judgements\nq1 0 d1 1\nq1 0 d2 0\n\nq2 Q0 d9 2\nq1 0 d3 -1\n";
    let q = Qrels::parse(text.as_bytes(), Path::new("mem.qrels")).unwrap();
    assert_eq!(q.len(), 2);
    assert_eq!(q.relevant("q1"), vec!["d1"]);
    assert_eq!(q.relevant("q2"), vec!["d9"]);
    assert_eq!(q.judged("q1").unwrap().len(), 3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.qrels");
    q.write(&path).unwrap();
    let back = Qrels::read(&path).unwrap();
    assert_eq!(back, q);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "q1 0 d1 1\nq1 0 d2 0\nq1 0 d3 -1\nq2 0 d9 2\n"
    );
}

#[test]
fn run_round_trip_orders_like_trec_eval() {
    // rank column ignored; ties broken by docid descending
    let text = "q1 Q0 a 1 0.5 t\nq1 Q0 b 2 0.9 t\nq1 Q0 c 3 0.5 t\nq0 Q0 z 1 1e-3 t\n";
    let run = Run::parse(text.as_bytes(), Path::new("mem.run")).unwrap();
    let order: Vec<&str> = run
        .ranking("q1")
        .unwrap()
        .iter()
        .map(|(d, _)| d.as_str())
        .collect();
    assert_eq!(order, vec!["b", "c", "a"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.run");
    run.write(&path, "mine").unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        written.starts_with("q0 Q0 z 1 0.001 mine\nq1 Q0 b 1 0.9 mine\n"),
        "{written}"
    );
    assert_eq!(Run::read(&path).unwrap(), run);
    // streaming reader yields the records in file order
    let recs: Vec<_> = RunLines::new(text.as_bytes(), Path::new("m"))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[2].doc, "c");
    assert_eq!(recs[2].rank, 3);
    assert!(run.write(&path, "two words").is_err());
}

#[test]
fn malformed_lines_name_file_and_line() {
    let p = Path::new("judged.txt");
    let e = err_of(Qrels::parse("q1 0 d1 1\nq1 0 d2\n".as_bytes(), p));
    assert!(e.contains("judged.txt:2") && e.contains("4 columns"), "{e}");
    let e = err_of(Qrels::parse("q1 0 d1 yes\n".as_bytes(), p));
    assert!(
        e.contains("judged.txt:1") && e.contains("not an integer"),
        "{e}"
    );
    let e = err_of(Qrels::parse("q1 0 d1 1\n\nq1 0 d1 0\n".as_bytes(), p));
    assert!(e.contains("judged.txt:3") && e.contains("twice"), "{e}");

    let r = Path::new("sys.run");
    let e = err_of(Run::parse("q1 Q0 d1 1 0.5\n".as_bytes(), r));
    assert!(e.contains("sys.run:1") && e.contains("6 columns"), "{e}");
    let e = err_of(Run::parse("q1 Q0 d1 first 0.5 t\n".as_bytes(), r));
    assert!(e.contains("sys.run:1") && e.contains("rank"), "{e}");
    let e = err_of(Run::parse(
        "q1 Q0 d1 1 0.5 t\nq1 Q0 d2 2 NaN t\n".as_bytes(),
        r,
    ));
    assert!(e.contains("sys.run:2") && e.contains("finite"), "{e}");
    let e = err_of(Run::parse(
        "q1 Q0 d1 1 0.5 t\nq1 Q0 d1 2 0.4 t\n".as_bytes(),
        r,
    ));
    assert!(e.contains("sys.run:2") && e.contains("twice"), "{e}");

    let e = err_of(Qrels::read(Path::new("/no/such/qrels.txt")));
    assert!(e.contains("/no/such/qrels.txt"), "{e}");
}
