//! The tokeniser bench on a slice of the Tatoeba sentences: both modes timed, the same token
//! count on both sides (the bench refuses a mismatch), the Python side present when the Python
//! has `tokenizers`. Speed itself is not asserted (a shared machine).
#![cfg(feature = "tokenizers")]

use deepfield_text::bench_tokenize::{run, TokenizeBenchSettings};

#[test]
fn tokenize_bench_runs_both_modes_with_equal_token_counts() {
    let s = TokenizeBenchSettings {
        sentences: Some(3000),
        rounds: 1,
        vocab_size: 2000,
        ..Default::default()
    };
    let r = run(&s).unwrap();
    assert_eq!(r.sentences, 3000);
    let modes: Vec<&str> = r.rows.iter().map(|x| x.mode.as_str()).collect();
    assert_eq!(modes, ["single", "batch"]);
    assert_eq!(r.rows[0].tokens, r.rows[1].tokens);
    assert!(r.rows[0].tokens > 3000 * 5, "{}", r.rows[0].tokens);
    assert!(r.rows.iter().all(|x| x.ours_s > 0.0 && x.megabytes > 0.05));
    let python = deepfield_core::python::interpreter().is_some_and(|p| {
        std::process::Command::new(p)
            .args(["-c", "import tokenizers"])
            .status()
            .is_ok_and(|s| s.success())
    });
    if python {
        assert!(r.rows.iter().all(|x| x.ratio.is_some()), "{:?}", r.rows);
    } else {
        eprintln!("SKIPPED the Python side: no Python with `tokenizers`");
    }
    let bad = TokenizeBenchSettings {
        rounds: 0,
        ..Default::default()
    };
    assert!(run(&bad).unwrap_err().to_string().contains("--rounds"));
}
