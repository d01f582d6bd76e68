//! Plain running text: read a UTF-8 file (an invalid byte is an error naming the file, line and
//! byte), split it into sentences and the sentences into words — rules meant for Dutch (and
//! other Latin-script) prose, no trained model.
//!
//! Sentences end at `.`, `!`, `?` or `…` (with any closing quotes or brackets) followed by white
//! space and an upper-case letter, digit or opening quote, and at blank lines; a full stop after
//! a known abbreviation (`bijv.`, `d.w.z.`, `dhr.`, `nr.`, …) or a single capital (an initial,
//! `J. Jansen`) does not end one. Words are runs of letters and digits that may hold an inner
//! apostrophe, hyphen or dot (`auto's`, `zo'n`, `e-mail`, `d.w.z.`), numbers with a decimal comma
//! or point (`3,5`), the Dutch clitics `'s`, `'t`, `'n` as one token; every other non-space
//! character is a token of its own.

use std::path::Path;

use crate::{Error, Result};

/// Abbreviations whose full stop does not end a sentence (compared lower-case, without the
/// final dot).
const ABBREVIATIONS: &[&str] = &[
    "bijv", "bv", "d.w.z", "dhr", "mevr", "mw", "nr", "blz", "ca", "o.a", "enz", "etc", "e.d",
    "m.b.t", "t.a.v", "i.p.v", "z.g.a.n", "jl", "vs", "prof", "dr", "drs", "ir", "mr", "ing", "st",
    "jan", "feb", "aug", "sept", "okt", "nov", "dec", "incl", "excl", "resp", "zgn", "evt", "e.a",
    "o.m", "p", "pag", "art", "min", "max", "afb", "fig",
];

/// One sentence of a text file: where it starts, its text and its words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlainSentence {
    /// 1-based line of the file where the sentence starts.
    pub line: usize,
    pub text: String,
    pub tokens: Vec<String>,
}

/// Reads a whole file as UTF-8; an invalid byte is an error with its line and byte offset.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
            Err(Error::parse(
                path,
                line,
                format!(
                    "not UTF-8 text (invalid byte 0x{:02x} at byte {at})",
                    bytes[at]
                ),
            ))
        }
    }
}

/// The sentences of a text file, tokenised.
pub fn read_sentences(path: &Path) -> Result<Vec<PlainSentence>> {
    let text = read_text(path)?;
    Ok(split_sentences(&text)
        .into_iter()
        .map(|(line, text)| PlainSentence {
            line,
            tokens: tokenize(&text),
            text,
        })
        .collect())
}

/// Splits `text` into sentences: `(1-based start line, sentence)`, white space collapsed.
pub fn split_sentences(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for words in paragraphs(text) {
        let mut cur: Vec<&str> = Vec::new();
        let mut start = 0;
        for (k, &(line, w)) in words.iter().enumerate() {
            if cur.is_empty() {
                start = line;
            }
            cur.push(w);
            if ends_sentence(w, words.get(k + 1).map(|(_, n)| *n)) {
                out.push((start, cur.join(" ")));
                cur.clear();
            }
        }
        if !cur.is_empty() {
            out.push((start, cur.join(" ")));
        }
    }
    out
}

/// Paragraphs (separated by blank lines), each as its words with their 1-based line.
fn paragraphs(text: &str) -> Vec<Vec<(usize, &str)>> {
    let mut paras = Vec::new();
    let mut cur = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            if !cur.is_empty() {
                paras.push(std::mem::take(&mut cur));
            }
            continue;
        }
        cur.extend(l.split_whitespace().map(|w| (i + 1, w)));
    }
    if !cur.is_empty() {
        paras.push(cur);
    }
    paras
}

fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\'' | ')' | ']' | '»' | '”' | '’')
}

fn ends_sentence(word: &str, next: Option<&str>) -> bool {
    let core = word.trim_end_matches(is_closing);
    let Some(last) = core.chars().last() else {
        return false;
    };
    if !matches!(last, '.' | '!' | '?' | '…') {
        return false;
    }
    if last == '.' {
        let stem = core
            .trim_end_matches('.')
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        let initial =
            stem.chars().count() == 1 && core.chars().next().is_some_and(char::is_uppercase);
        if ABBREVIATIONS.contains(&stem.as_str()) || initial {
            return false;
        }
    }
    match next.and_then(|n| n.chars().next()) {
        None => true,
        Some(c) => {
            c.is_uppercase()
                || c.is_ascii_digit()
                || matches!(c, '"' | '\'' | '„' | '“' | '‘' | '(' | '«' | '-' | '–')
        }
    }
}

/// Splits a sentence into words and punctuation.
pub fn tokenize(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // Dutch clitics 's 't 'n before a non-letter.
        if matches!(c, '\'' | '’')
            && i + 1 < chars.len()
            && matches!(chars[i + 1], 's' | 't' | 'n')
            && chars.get(i + 2).is_none_or(|c| !c.is_alphanumeric())
            && (i == 0 || !chars[i - 1].is_alphanumeric())
        {
            out.push(chars[i..i + 2].iter().collect());
            i += 2;
            continue;
        }
        if c.is_alphanumeric() {
            let start = i;
            i += 1;
            while i < chars.len() {
                let d = chars[i];
                let joins = |j: usize| chars.get(j).is_some_and(|x| x.is_alphanumeric());
                // Inside a word: an apostrophe or hyphen before a letter (zo'n, e-mail), a decimal
                // comma or point between digits (3,5), a dot in letter-dot-letter-dot (d.w.z.).
                let inner = d.is_alphanumeric()
                    || (matches!(d, '\'' | '’' | '-') && joins(i + 1))
                    || (matches!(d, ',' | '.')
                        && chars[i - 1].is_ascii_digit()
                        && chars.get(i + 1).is_some_and(char::is_ascii_digit))
                    || (d == '.' && joins(i + 1) && chars.get(i + 2).is_some_and(|x| *x == '.'));
                if inner {
                    i += 1;
                } else {
                    break;
                }
            }
            let word: String = chars[start..i].iter().collect();
            // Keep the final dot of an abbreviation with inner dots (d.w.z.).
            if word.contains('.')
                && chars.get(i) == Some(&'.')
                && !word.chars().any(|c| c.is_ascii_digit())
            {
                out.push(format!("{word}."));
                i += 1;
            } else {
                out.push(word);
            }
            continue;
        }
        // Runs of the same punctuation (..., !!) stay one token.
        let start = i;
        i += 1;
        while i < chars.len() && chars[i] == c && !c.is_alphanumeric() {
            i += 1;
        }
        out.push(chars[start..i].iter().collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_dutch_sentences_and_words() {
        let text = "Dhr. J. Jansen zei dat het 3,5 km was, d.w.z. ver.\nIs dat zo?\n\n\
                    Hij kwam 's avonds met zo'n auto. \"Die is mooi!\" zei ze.";
        let s = split_sentences(text);
        let texts: Vec<&str> = s.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "Dhr. J. Jansen zei dat het 3,5 km was, d.w.z. ver.",
                "Is dat zo?",
                "Hij kwam 's avonds met zo'n auto.",
                "\"Die is mooi!\" zei ze."
            ]
        );
        assert_eq!(
            s.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            vec![1, 2, 4, 4]
        );
        assert_eq!(
            tokenize(texts[0]),
            vec![
                "Dhr", ".", "J", ".", "Jansen", "zei", "dat", "het", "3,5", "km", "was", ",",
                "d.w.z.", "ver", "."
            ]
        );
        assert_eq!(
            tokenize(texts[2]),
            vec!["Hij", "kwam", "'s", "avonds", "met", "zo'n", "auto", "."]
        );
        assert_eq!(
            tokenize("auto's... e-mail!!"),
            vec!["auto's", "...", "e-mail", "!!"]
        );
    }

    #[test]
    fn invalid_utf8_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.txt");
        std::fs::write(&p, b"goed\nook goed\nfout \xff hier\n").unwrap();
        let e = read_sentences(&p).unwrap_err().to_string();
        assert!(
            e.contains("bad.txt:3:") && e.contains("UTF-8") && e.contains("0xff"),
            "{e}"
        );
    }
}
