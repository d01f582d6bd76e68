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

/// A saved ranker re-ranks BM25's hits; with `--bm25-weight 1` the order is BM25's.
#[test]
fn search_reranks_with_a_saved_ranker() {
    use deepfield_text::retrieval::ranker::AttentiveRankerConfig;
    use deepfield_text::vocab::{Vocab, VocabConfig};
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    let texts = [
        ("a.txt", "The tenant shall pay rent. Rent is due monthly."),
        (
            "b.txt",
            "The landlord may evict a tenant who does not pay rent.",
        ),
        ("c.txt", "A tenant may sublet with consent."),
    ];
    for (n, t) in texts {
        std::fs::write(docs.join(n), t).unwrap();
    }
    let words: Vec<String> = texts
        .iter()
        .flat_map(|(_, t)| {
            t.split_whitespace()
                .map(|w| w.trim_matches('.').to_lowercase())
        })
        .collect();
    let vocab = Vocab::build(words, &VocabConfig::default()).unwrap();
    let config = AttentiveRankerConfig {
        vocab_size: vocab.len() as i64,
        embed_dim: 8,
        hidden: 4,
        attention: 4,
        mlp_hidden: 4,
        max_sentences: 4,
        max_words: 8,
        bm25_weight: 0.5,
    };
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let _model = deepfield_core::models::ModelConfig::build(&config, &vs.root()).unwrap();
    let model_dir = dir.path().join("model");
    deepfield_core::models::save_model(&model_dir, &vs, &config, None::<&()>).unwrap();
    vocab.save(&model_dir.join("vocab.json")).unwrap();

    let ranked = |extra: &[&str]| -> Vec<String> {
        let out = bin()
            .args(["search", "tenant does not pay rent"])
            .arg("--docs")
            .arg(&docs)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.split('\t').nth(1).unwrap().to_string())
            .collect()
    };
    let bm25 = ranked(&[]);
    let m = model_dir.to_str().unwrap();
    let reranked = ranked(&["--model", m]);
    let mut a = bm25.clone();
    let mut b = reranked.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b, "re-ranking keeps BM25's hits");
    assert_eq!(bm25.len(), 3);
    assert_eq!(ranked(&["--model", m, "--bm25-weight", "1"]), bm25);
    let out = bin()
        .args(["search", "rent", "--model", m, "--bm25-weight", "2"])
        .arg("--docs")
        .arg(&docs)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bm25-weight"));
}
