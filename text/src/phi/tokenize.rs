//! The word tokeniser of clinical notes, with character offsets: whitespace splits words, and
//! leading/trailing brackets, quotes and sentence punctuation become tokens of their own, while
//! punctuation inside a word stays (`03/14/2019`, `555-0134`, `j.smith@mail.org`, `w/`). A final
//! period stays on the abbreviations notes use (`Dr.`, `Mr.`, `St.`). The simulator tags what this
//! tokeniser yields and `deidentify` replaces by its offsets, so both see the same tokens.

/// A token and its byte range in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The token text.
    pub text: String,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset one past its last character.
    pub end: usize,
}

/// Abbreviations whose final period belongs to the word.
const KEEP_PERIOD: &[&str] = &[
    "Dr.", "Mr.", "Mrs.", "Ms.", "St.", "Ave.", "Rd.", "Jr.", "Sr.", "No.", "approx.", "vs.",
    "e.g.", "i.e.", "a.m.", "p.m.",
];

fn is_edge_punct(c: char) -> bool {
    matches!(
        c,
        '(' | ')' | '[' | ']' | '{' | '}' | '"' | '\'' | ',' | ';' | ':' | '.' | '!' | '?'
    )
}

/// Splits `text` into tokens with byte offsets.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word_start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = word_start.take() {
                split_word(text, s, i, &mut out);
            }
        } else if word_start.is_none() {
            word_start = Some(i);
        }
    }
    if let Some(s) = word_start {
        split_word(text, s, text.len(), &mut out);
    }
    out
}

fn push(text: &str, start: usize, end: usize, out: &mut Vec<Token>) {
    if start < end {
        out.push(Token {
            text: text[start..end].to_string(),
            start,
            end,
        });
    }
}

fn split_word(text: &str, mut start: usize, mut end: usize, out: &mut Vec<Token>) {
    // Leading punctuation, one token each.
    while start < end {
        let Some(c) = text[start..end].chars().next() else {
            break;
        };
        if !is_edge_punct(c) || text[start..end].chars().count() == 1 {
            break;
        }
        push(text, start, start + c.len_utf8(), out);
        start += c.len_utf8();
    }
    // Trailing punctuation, kept aside and pushed after the core.
    let mut tail = Vec::new();
    while start < end {
        let word = &text[start..end];
        if KEEP_PERIOD.iter().any(|a| a.eq_ignore_ascii_case(word)) {
            break;
        }
        let Some(c) = word.chars().next_back() else {
            break;
        };
        if !is_edge_punct(c) || word.chars().count() == 1 {
            break;
        }
        tail.push((end - c.len_utf8(), end));
        end -= c.len_utf8();
    }
    push(text, start, end, out);
    for &(s, e) in tail.iter().rev() {
        push(text, s, e, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &str) -> Vec<String> {
        tokenize(t).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn keeps_inner_punctuation_and_splits_edges() {
        assert_eq!(
            words("Seen by Dr. Okafor (617) 555-0134, on 03/14/2019."),
            [
                "Seen",
                "by",
                "Dr.",
                "Okafor",
                "(",
                "617",
                ")",
                "555-0134",
                ",",
                "on",
                "03/14/2019",
                "."
            ]
        );
        assert_eq!(
            words("pt w/ \"chest pain\"; f/u"),
            ["pt", "w/", "\"", "chest", "pain", "\"", ";", "f/u"]
        );
        for t in tokenize("Zoë  (São Paulo).") {
            assert_eq!(&"Zoë  (São Paulo)."[t.start..t.end], t.text);
        }
        assert!(tokenize("  \n ").is_empty());
    }
}
