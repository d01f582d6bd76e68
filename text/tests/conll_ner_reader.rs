//! The CoNLL NER reader: the WNUT 2017 files, round trips, repairs and malformed files.

use std::io::Cursor;
use std::path::Path;

use deepfield_core::nn::crf::TagScheme;
use deepfield_text::read::conll_ner::{self, ConllNerReader, WNUT17};
use deepfield_text::tagged::Tagged;

fn reader(text: &str, scheme: TagScheme) -> ConllNerReader<Cursor<Vec<u8>>> {
    ConllNerReader::new(
        Cursor::new(text.as_bytes().to_vec()),
        Path::new("mem.conll"),
        scheme,
    )
}

#[test]
fn wnut17_files_have_the_documented_sizes() {
    // Counts from the dataset's SOURCE.md (sentences, tokens, B- tags of `person`).
    for (file, sentences, tokens, persons) in [
        (WNUT17.files[0], 3394, 62730, 660),
        (WNUT17.files[1], 1009, 15733, 470),
        (WNUT17.files[2], 1287, 23394, 429),
    ] {
        let data = conll_ner::read_wnut17(file).unwrap();
        assert_eq!(data.sentences.len(), sentences, "{file}");
        let n: usize = data.sentences.iter().map(Tagged::len).sum();
        assert_eq!(n, tokens, "{file}");
        let p = data
            .sentences
            .iter()
            .flat_map(|s| &s.tags)
            .filter(|t| *t == "B-person")
            .count();
        assert!(p >= persons, "{file}: {p} B-person");
        assert!(
            data.repairs.len() < 20,
            "{file}: {} repairs",
            data.repairs.len()
        );
    }
}

#[test]
fn round_trip_docstart_and_repairs() {
    let text =
        "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\n\n\
                Peter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n \nBRUSSELS NNP B-NP B-LOC\n";
    let mut r = reader(text, TagScheme::Bio);
    let sentences: Vec<Tagged> = r.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(sentences.len(), 3);
    assert_eq!(sentences[0].tokens, ["EU", "rejects", "German"]);
    // I-MISC after O is repaired to B-MISC and reported with its line.
    assert_eq!(sentences[0].tags, ["B-ORG", "O", "B-MISC"]);
    assert_eq!(r.repairs.len(), 1);
    assert_eq!(
        (
            r.repairs[0].line,
            r.repairs[0].from.as_str(),
            r.repairs[0].to.as_str()
        ),
        (5, "I-MISC", "B-MISC")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.conll");
    conll_ner::write(&path, &sentences).unwrap();
    let back = conll_ner::read(&path, TagScheme::Bio).unwrap();
    assert_eq!(back.sentences, sentences);
    assert!(back.repairs.is_empty());

    // BIOES: a B- without its E- reads as a one-token entity.
    let mut r = reader("a\tB-X\nb\tO\nc\tS-Y\n", TagScheme::Bioes);
    let s = r.next().unwrap().unwrap();
    assert_eq!(s.tags, ["S-X", "O", "S-Y"]);
    assert_eq!(r.repairs.len(), 1);
    assert!(r.next().is_none());
}

#[test]
fn malformed_files_are_errors_naming_file_and_line() {
    let cases = [
        (
            "a\tO\nb\n",
            TagScheme::Bio,
            "mem.conll:2:",
            "2 or more columns",
        ),
        (
            "a x O\nb O\n",
            TagScheme::Bio,
            "mem.conll:2:",
            "first token line has 3",
        ),
        (
            "a\tO\n\nb\tE-PER\n",
            TagScheme::Bio,
            "mem.conll:3:",
            "\"E-PER\"",
        ),
        ("a\tB-\n", TagScheme::Bioes, "mem.conll:1:", "\"B-\""),
        ("a\tPER\n", TagScheme::Bio, "mem.conll:1:", "\"PER\""),
    ];
    for (text, scheme, at, what) in cases {
        let e = reader(text, scheme)
            .collect::<Result<Vec<_>, _>>()
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(at) && e.contains(what), "{text:?}: {e}");
    }
    let e = conll_ner::read(Path::new("/nonexistent/x.conll"), TagScheme::Bio)
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/x.conll"), "{e}");
    let bad = Tagged::new(vec!["two words".into()], vec!["O".into()]).unwrap();
    assert!(conll_ner::to_string(&[bad]).is_err());
}
