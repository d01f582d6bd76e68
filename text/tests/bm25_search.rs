//! tantivy BM25: a small corpus in RAM and on disk, the expected document first, stemming and
//! stop words at work.
#![cfg(feature = "search")]

use deepfield_text::retrieval::bm25::{analyze, Bm25Index, Document};

fn corpus() -> Vec<Document> {
    [
        ("murder", "Whoever commits murder shall be punished with death or imprisonment for life."),
        ("theft", "Whoever intending to take dishonestly any movable property out of the possession of any person commits theft."),
        ("writ", "Every High Court shall have power to issue writs including habeas corpus."),
        ("cheating", "Whoever cheats and thereby dishonestly induces the person deceived to deliver any property."),
    ]
    .iter()
    .map(|(id, text)| Document {
        id: id.to_string(),
        text: text.to_string(),
    })
    .collect()
}

#[test]
fn analyzer_stems_and_drops_stop_words() {
    assert_eq!(
        analyze("The accused was punished for the murders").unwrap(),
        vec!["accus", "punish", "murder"]
    );
}

#[test]
fn known_document_ranks_first_in_ram() {
    let idx = Bm25Index::in_ram(&corpus()).unwrap();
    assert_eq!(idx.len(), 4);
    let hits = idx
        .search("the accused murdered his neighbour and was punished", 10)
        .unwrap();
    assert_eq!(hits[0].0, "murder");
    assert!(hits[0].1 > 0.0);
    assert!(hits.windows(2).all(|w| w[0].1 >= w[1].1));
    let hits = idx
        .search("petition for habeas corpus before the High Court", 2)
        .unwrap();
    assert_eq!(hits[0].0, "writ");
    assert!(hits.len() <= 2);
    // no shared term, only stop words: nothing
    assert!(idx.search("zebra quantum", 10).unwrap().is_empty());
    assert!(idx.search("the of and", 10).unwrap().is_empty());
}

#[test]
fn index_on_disk_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let at = dir.path().join("idx");
    let built = Bm25Index::create(&at, &corpus()).unwrap();
    let q = "he dishonestly took movable property: theft";
    let first = built.search(q, 3).unwrap();
    drop(built);
    let reopened = Bm25Index::open(&at).unwrap();
    assert_eq!(reopened.len(), 4);
    let again = reopened.search(q, 3).unwrap();
    assert_eq!(first, again);
    assert_eq!(again[0].0, "theft");
    let texts = reopened.search_texts(q, 1).unwrap();
    assert!(texts[0].0.text.contains("movable property"));
    // no partial folders left beside it
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
    assert!(Bm25Index::open(&dir.path().join("missing")).is_err());
}
