//! Offset-keeping word splitting for de-identification: whitespace separates tokens, and
//! punctuation at a word's edges (`(`, `,`, `.`, `"`, …) becomes tokens of its own, while
//! punctuation inside a word stays (`12/03/2020`, `555-0123`, `O'Brien`). Each token keeps its
//! byte span in the line, so found entities can be replaced in the original text.

/// Characters split off the edges of a word.
const EDGE: &[char] = &[
    '(', ')', '[', ']', '{', '}', ',', '.', ';', ':', '!', '?', '"', '\'', '`',
];

/// A token and its byte span `start..end` in the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// Split one line into tokens with their byte spans.
pub fn split(line: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut pos = 0;
    for word in line.split_whitespace() {
        let start = pos + line[pos..].find(word).unwrap_or(0);
        pos = start + word.len();
        let core = word.trim_start_matches(EDGE);
        let lead = word.len() - core.len();
        let core = core.trim_end_matches(EDGE);
        let push = |out: &mut Vec<Span>, s: usize, e: usize| {
            out.push(Span {
                text: line[s..e].to_string(),
                start: s,
                end: e,
            })
        };
        for (i, c) in word[..lead].char_indices() {
            push(&mut out, start + i, start + i + c.len_utf8());
        }
        if !core.is_empty() {
            push(&mut out, start + lead, start + lead + core.len());
        }
        let tail = start + lead + core.len();
        for (i, c) in line[tail..pos].char_indices() {
            push(&mut out, tail + i, tail + i + c.len_utf8());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_split_and_spans_point_into_the_line() {
        let line = "Seen by (Dr. O'Brien) on 12/03/2020, call 555-0123.";
        let toks = split(line);
        let words: Vec<&str> = toks.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            words,
            [
                "Seen", "by", "(", "Dr", ".", "O'Brien", ")", "on", "12/03/2020", ",", "call",
                "555-0123", "."
            ]
        );
        assert!(toks.iter().all(|s| line[s.start..s.end] == s.text));
        assert!(split("  ").is_empty());
    }
}
