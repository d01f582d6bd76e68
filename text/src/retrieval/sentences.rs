//! Sentences and words for the neural ranker: lower-cased alphanumeric words, sentences ended by
//! `.`, `?`, `!` or `;` before whitespace (legal text runs long between full stops), and the
//! padded `[documents, sentences, words]` id tensor the ranker reads.

use tch::Tensor;

use crate::vocab::Vocab;
use crate::Result;

/// The sentences of `text`, each a list of lower-cased words (sentences without a word are
/// dropped).
pub fn split(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
            continue;
        }
        if !word.is_empty() {
            cur.push(std::mem::take(&mut word));
        }
        let ends =
            matches!(c, '.' | '?' | '!' | ';') && chars.peek().is_none_or(|n| n.is_whitespace());
        if ends && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !word.is_empty() {
        cur.push(word);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Word ids of `text`: at most `max_sentences` sentences of at most `max_words` words each; a
/// text without words becomes one sentence holding `<unk>` (so every document has a sentence).
pub fn encode(vocab: &Vocab, text: &str, max_sentences: usize, max_words: usize) -> Vec<Vec<i64>> {
    let mut out: Vec<Vec<i64>> = split(text)
        .into_iter()
        .take(max_sentences)
        .map(|s| {
            let ids = vocab.encode(&s);
            ids.into_iter().take(max_words).collect()
        })
        .collect();
    if out.is_empty() {
        out.push(vec![vocab.unk_id()]);
    }
    out
}

/// `docs` (each as [`encode`] gives it) as one `[B, S, W]` int64 tensor padded with 0 (`<pad>`),
/// `S`, `W` the given sizes (longer documents and sentences are cut).
pub fn pack(docs: &[Vec<Vec<i64>>], sentences: usize, words: usize) -> Result<Tensor> {
    let mut flat = vec![0i64; docs.len() * sentences * words];
    for (b, doc) in docs.iter().enumerate() {
        for (s, sent) in doc.iter().take(sentences).enumerate() {
            for (w, id) in sent.iter().take(words).enumerate() {
                flat[(b * sentences + s) * words + w] = *id;
            }
        }
    }
    Ok(Tensor::from_slice(&flat).f_view([docs.len() as i64, sentences as i64, words as i64])?)
}
