//! The CoNLL-U reader on the real UD Alpino files (counts, round trip byte for byte) and on
//! broken copies of them (each error names the file and the broken line); plain-text reading of
//! the Tatoeba sentences.

use std::path::PathBuf;

use deepfield_text::read::{conllu, plain};

fn data() -> PathBuf {
    deepfield_core::data::dir::data_dir().unwrap()
}

fn ud(file: &str) -> PathBuf {
    data().join("ud_dutch_alpino").join(file)
}

#[test]
fn alpino_files_read_with_their_counts_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    for (file, sentences, words) in [
        ("nl_alpino-ud-dev.conllu", 718, 11_541),
        ("nl_alpino-ud-test.conllu", 596, 11_046),
    ] {
        let path = ud(file);
        let s = conllu::read_file(&path).unwrap();
        assert_eq!(s.len(), sentences, "{file}");
        assert_eq!(
            s.iter().map(|x| x.words.len()).sum::<usize>(),
            words,
            "{file}"
        );
        assert!(s
            .iter()
            .all(|x| x.sent_id().is_some() && !x.text().is_empty()));
        let empty: usize = s.iter().map(|x| x.empty.len()).sum();
        assert!(empty > 0, "{file}: the Alpino files have empty nodes");
        let out = dir.path().join(file);
        conllu::write_file(&out, &s).unwrap();
        let (a, b) = (std::fs::read(&path).unwrap(), std::fs::read(&out).unwrap());
        assert!(a == b, "{file}: the written file differs from the original");
    }
}

#[test]
fn broken_copies_name_file_and_line() {
    let text = std::fs::read_to_string(ud("nl_alpino-ud-test.conllu")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The first token line of the 3rd sentence and its line number.
    let mut starts = lines.iter().enumerate().filter(|(i, l)| {
        !l.starts_with('#') && !l.is_empty() && (*i == 0 || lines[i - 1].starts_with('#'))
    });
    let (k, _) = starts.nth(2).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(String, &str)> = vec![
        (lines[k + 1].replacen('\t', " ", 1), "10 TAB"),
        (lines[k + 1].replacen("2\t", "7\t", 1), "word ID 7 where 2"),
        (lines[k + 1].replacen("2\t", "2x\t", 1), "bad ID"),
        (lines[k + 1].replacen("2\t", "0-0\t", 1), "range"),
    ];
    for (bad, frag) in cases {
        let mut l = lines.clone();
        l[k + 1] = &bad;
        let p = dir.path().join("broken.conllu");
        std::fs::write(&p, l.join("\n") + "\n").unwrap();
        let e = conllu::read_file(&p).unwrap_err().to_string();
        assert!(
            e.contains(&format!("broken.conllu:{}:", k + 2)) && e.contains(frag),
            "{frag}: {e}"
        );
    }
}

#[test]
fn tatoeba_sentences_read_as_plain_text() {
    let p = data().join("dutch_text_tatoeba_ntrex/tatoeba/nld_sentences.tsv");
    let text = plain::read_text(&p).unwrap();
    let first = text.lines().next().unwrap().split_once('\t').unwrap().1;
    assert_eq!(
        plain::tokenize(first),
        ["Dit", "is", "de", "stad", "waar", "hij", "geboren", "is", "."]
    );
    let two = format!(
        "{first} {}",
        text.lines().nth(1).unwrap().split_once('\t').unwrap().1
    );
    assert_eq!(plain::split_sentences(&two).len(), 2);
}
