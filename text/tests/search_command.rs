//! `deepfield-text search` on a temporary folder: the known document first, skipped files
//! listed, a TREC run file written, an index reused, bad input as a clear error.
#![cfg(feature = "search")]

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deepfield-text"))
}

#[test]
fn search_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(docs.join("sub")).unwrap();
    std::fs::write(
        docs.join("bail.txt"),
        "Bail may be granted by the court to a person accused of a non-bailable offence.",
    )
    .unwrap();
    std::fs::write(docs.join("sub/dowry.txt"), "Dowry death: where the death of a woman is caused by burns within seven years of marriage.").unwrap();
    std::fs::write(
        docs.join("contract.txt"),
        "A contract is an agreement enforceable by law between parties.",
    )
    .unwrap();
    std::fs::write(docs.join("image.bin"), [0xffu8, 0xfe, 0x00, 0x81]).unwrap();
    let run = dir.path().join("out.run");
    let index = dir.path().join("index");
    let out = bin()
        .args([
            "search",
            "woman died of burns after marriage, dowry demanded",
        ])
        .arg("--docs")
        .arg(&docs)
        .arg("--index")
        .arg(&index)
        .arg("--run")
        .arg(&run)
        .args(["--top", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let first = stdout.lines().next().unwrap();
    assert!(first.starts_with("1\tsub/dowry.txt\t"), "{stdout}");
    assert!(stdout.lines().count() <= 2);
    assert!(
        stderr.contains("image.bin") && stderr.contains("UTF-8"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&run).unwrap();
    assert!(written.starts_with("Q1 Q0 sub/dowry.txt 1 "), "{written}");

    // the saved index answers without --docs
    let out = bin()
        .args(["search", "bail for an accused"])
        .arg("--index")
        .arg(&index)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("1\tbail.txt\t"));

    // neither --docs nor --index, and a missing folder: clear errors
    let out = bin().args(["search", "x"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--docs"));
    let out = bin()
        .args(["search", "x", "--docs", "/no/such/folder"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/folder"));
}
