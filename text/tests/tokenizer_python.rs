//! BPE, WordPiece and Unigram tokenizers trained here on Dutch Tatoeba sentences, saved as
//! `tokenizer.json`, are loaded unchanged by Hugging Face's Python `tokenizers` (0.23.3) and
//! encode held-back sentences to the same ids. Skipped, with a message, when the Python or its
//! `tokenizers` package is absent.
#![cfg(feature = "tokenizers")]

use std::process::Command;

use deepfield_text::diedat::data::DUTCH_TEXT;
use deepfield_text::tokenize::{SubwordTokenizer, TokenizerConfig, TokenizerKind};

const PY: &str = r#"
import sys, json
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1])
texts = json.load(open(sys.argv[2], encoding="utf-8"))
print(json.dumps([tok.encode(t, add_special_tokens=False).ids for t in texts]))
"#;

#[test]
fn python_tokenizers_loads_our_tokenizer_json_and_encodes_the_same_ids() {
    let dir = deepfield_core::data::dir::dataset(&DUTCH_TEXT).unwrap();
    let tsv = std::fs::read_to_string(dir.join(DUTCH_TEXT.files[0])).unwrap();
    let sentences: Vec<&str> = tsv
        .lines()
        .filter_map(|l| l.split_once('\t').map(|x| x.1))
        .collect();
    let (train, held) = (&sentences[..6000], &sentences[6000..6200]);
    let mut texts: Vec<String> = held.iter().map(|s| s.to_string()).collect();
    texts.push("Die zoëtrope? Dat café 'n ½ ‰ 日本 — onbekende tekens!".into());

    let py = deepfield_core::python::interpreter();
    let usable = py.as_ref().is_some_and(|p| {
        Command::new(p)
            .args(["-c", "import tokenizers"])
            .status()
            .is_ok_and(|s| s.success())
    });
    let tmp = tempfile::tempdir().unwrap();
    let texts_path = tmp.path().join("texts.json");
    std::fs::write(&texts_path, serde_json::to_string(&texts).unwrap()).unwrap();
    for kind in TokenizerKind::ALL {
        let cfg = TokenizerConfig {
            kind,
            vocab_size: 2000,
            ..Default::default()
        };
        let tok = SubwordTokenizer::train(&cfg, train).unwrap();
        let path = tmp.path().join(format!("{}.json", kind.name()));
        tok.save(&path).unwrap();
        let ours: Vec<Vec<u32>> = texts.iter().map(|t| tok.encode(t).unwrap()).collect();
        assert!(ours.iter().all(|ids| !ids.is_empty()));
        // The vocabulary reached its target and the unseen characters map to [UNK] (id 0).
        assert!(
            tok.vocab_size() > 1500 && tok.vocab_size() <= 2000,
            "{kind:?} {}",
            tok.vocab_size()
        );
        assert!(
            ours.last().unwrap().contains(&0),
            "{kind:?}: {:?}",
            ours.last()
        );
        let Some(py) = py.as_ref().filter(|_| usable) else {
            eprintln!(
                "SKIPPED the Python comparison: no Python with `tokenizers` (pip install \
                 tokenizers==0.23.3, or set DEEPFIELD_PYTHON)"
            );
            return;
        };
        let out = Command::new(py)
            .args(["-c", PY])
            .arg(&path)
            .arg(&texts_path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: Vec<Vec<u32>> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(theirs, ours, "{kind:?}: Python encodes differently");
    }
}
