//! Tokeniser throughput (`bench text --task tokenize`): a BPE tokenizer is trained on the
//! Tatoeba Dutch sentences and saved as `tokenizer.json`; then the same file encodes the same
//! sentences here (through the `tokenizers` crate) and in Hugging Face's Python `tokenizers`
//! (needs `tokenizers==0.23.3` in the Python), one call per sentence and as one batch, on the
//! same number of threads. Both sides must produce the same number of tokens. The sides
//! alternate round by round and the best round of each counts; the ratio is Python's time over
//! ours (≥ 1: we are at least as fast).

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::diedat::data::DUTCH_TEXT;
use crate::tokenize::{SubwordTokenizer, TokenizerConfig, TokenizerKind};
use crate::{Error, Result};

/// Settings of one bench run.
#[derive(Debug, Clone)]
pub struct TokenizeBenchSettings {
    /// Threads on both sides (batch encoding; 1 = sequential).
    pub threads: usize,
    /// Python interpreter with `tokenizers` [default: DEEPFIELD_PYTHON or the workspace venv].
    pub python: Option<PathBuf>,
    /// Sentences encoded per round (`None`: all of Tatoeba's 57,697).
    pub sentences: Option<usize>,
    /// Rounds per side.
    pub rounds: usize,
    /// Vocabulary size of the BPE tokenizer.
    pub vocab_size: usize,
}

impl Default for TokenizeBenchSettings {
    fn default() -> Self {
        Self {
            threads: 1,
            python: None,
            sentences: None,
            rounds: 3,
            vocab_size: 8000,
        }
    }
}

/// One mode's result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TokenizeBenchRow {
    /// `single` (one call per sentence) or `batch`.
    pub mode: String,
    pub tokens: usize,
    pub megabytes: f64,
    /// Best round, seconds.
    pub ours_s: f64,
    pub theirs_s: Option<f64>,
    /// `theirs_s / ours_s`.
    pub ratio: Option<f64>,
    /// Why the Python side did not run, if it did not.
    pub python_error: Option<String>,
}

/// The whole bench.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TokenizeBench {
    pub sentences: usize,
    pub threads: usize,
    pub rows: Vec<TokenizeBenchRow>,
}

const PY: &str = r#"
import sys, time
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1])
texts = open(sys.argv[2], encoding="utf-8").read().split("\n")
mode, rounds = sys.argv[3], int(sys.argv[4])
best, n = float("inf"), 0
for _ in range(rounds):
    t = time.perf_counter()
    if mode == "single":
        n = sum(len(tok.encode(s, add_special_tokens=False).ids) for s in texts)
    else:
        n = sum(len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=False))
    best = min(best, time.perf_counter() - t)
print(f"seconds={best} tokens={n}")
"#;

fn python_side(
    py: &Path,
    tok: &Path,
    texts: &Path,
    mode: &str,
    threads: usize,
) -> std::result::Result<(f64, usize), String> {
    let out = std::process::Command::new(py)
        .arg("-c")
        .arg(PY)
        .arg(tok)
        .arg(texts)
        .arg(mode)
        .arg("1")
        .env("RAYON_NUM_THREADS", threads.to_string())
        .env(
            "TOKENIZERS_PARALLELISM",
            if threads > 1 { "true" } else { "false" },
        )
        .output()
        .map_err(|e| format!("could not start {}: {e}", py.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or("failed").to_string());
    }
    let get = |k: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .map(str::to_string)
    };
    match (get("seconds="), get("tokens=")) {
        (Some(s), Some(n)) => Ok((
            s.parse().map_err(|_| format!("bad seconds {s}"))?,
            n.parse().map_err(|_| format!("bad tokens {n}"))?,
        )),
        _ => Err(format!("unexpected output: {}", text.trim())),
    }
}

fn ours(tok: &SubwordTokenizer, texts: &[&str], mode: &str) -> Result<(f64, usize)> {
    let t = Instant::now();
    let n = if mode == "single" {
        let mut n = 0;
        for s in texts {
            n += tok.encode(s)?.len();
        }
        n
    } else {
        tok.encode_batch(texts)?.iter().map(Vec::len).sum()
    };
    Ok((t.elapsed().as_secs_f64(), n))
}

/// Runs the bench, prints its table and returns the numbers.
pub fn run(s: &TokenizeBenchSettings) -> Result<TokenizeBench> {
    if s.rounds == 0 || s.threads == 0 {
        return Err(Error::config(
            "bench tokenize: --rounds and --threads must be at least 1",
        ));
    }
    // The tokenizers crate's rayon pool reads these once, at its first parallel call.
    std::env::set_var("RAYON_NUM_THREADS", s.threads.to_string());
    std::env::set_var(
        "TOKENIZERS_PARALLELISM",
        if s.threads > 1 { "true" } else { "false" },
    );
    let dir = deepfield_core::data::dir::dataset(&DUTCH_TEXT)?;
    let tsv = crate::read::plain::read_text(&dir.join(DUTCH_TEXT.files[0]))?;
    let mut texts: Vec<&str> = tsv
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(_, t)| t))
        .collect();
    if let Some(n) = s.sentences {
        texts.truncate(n);
    }
    if texts.is_empty() {
        return Err(Error::input("bench tokenize: no sentences to encode"));
    }
    let tmp = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let cfg = TokenizerConfig {
        kind: TokenizerKind::Bpe,
        vocab_size: s.vocab_size,
        ..Default::default()
    };
    let tok = SubwordTokenizer::train(&cfg, &texts)?;
    let tok_path = tmp.path().join("tokenizer.json");
    tok.save(&tok_path)?;
    let tok = SubwordTokenizer::load(&tok_path)?;
    let text_path = tmp.path().join("texts.txt");
    deepfield_core::fsutil::write_atomic(&text_path, texts.join("\n").as_bytes())?;
    let megabytes = texts.iter().map(|t| t.len()).sum::<usize>() as f64 / 1e6;
    let py = s
        .python
        .clone()
        .or_else(deepfield_core::python::interpreter);
    let mut rows = Vec::new();
    for mode in ["single", "batch"] {
        let (mut best_ours, mut best_theirs, mut err) = (f64::INFINITY, None::<f64>, None);
        let mut tokens = 0;
        for _ in 0..s.rounds {
            let (t, n) = ours(&tok, &texts, mode)?;
            best_ours = best_ours.min(t);
            tokens = n;
            match py
                .as_deref()
                .map(|p| python_side(p, &tok_path, &text_path, mode, s.threads))
            {
                None => {
                    err = Some(
                        "no Python interpreter (pass --python or set DEEPFIELD_PYTHON)".to_string(),
                    )
                }
                Some(Ok((t, m))) => {
                    if m != n {
                        return Err(Error::input(format!(
                            "bench tokenize: Python produced {m} tokens, we produced {n}"
                        )));
                    }
                    best_theirs = Some(best_theirs.map_or(t, |b| b.min(t)));
                }
                Some(Err(e)) => err = Some(e),
            }
        }
        rows.push(TokenizeBenchRow {
            mode: mode.to_string(),
            tokens,
            megabytes,
            ours_s: best_ours,
            theirs_s: best_theirs,
            ratio: best_theirs.map(|t| t / best_ours),
            python_error: if best_theirs.is_some() { None } else { err },
        });
    }
    println!(
        "tokenize bench: BPE (vocabulary {}), {} sentences, {:.2} MB, {} thread(s), best of {} rounds",
        s.vocab_size,
        texts.len(),
        megabytes,
        s.threads,
        s.rounds
    );
    println!(
        "| mode | tokens | deepfield MB/s | python tokenizers MB/s | ratio (python s / ours s) |"
    );
    println!("|---|---|---|---|---|");
    for r in &rows {
        let mbs = |t: f64| format!("{:.2}", r.megabytes / t);
        println!(
            "| {} | {} | {} | {} | {} |",
            r.mode,
            r.tokens,
            mbs(r.ours_s),
            r.theirs_s.map_or("—".into(), mbs),
            r.ratio.map_or_else(
                || format!(
                    "unavailable: {}",
                    r.python_error.clone().unwrap_or_default()
                ),
                |x| format!("{x:.2}")
            )
        );
    }
    Ok(TokenizeBench {
        sentences: texts.len(),
        threads: s.threads,
        rows,
    })
}
