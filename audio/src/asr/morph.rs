//! The knowledge-driven subword units of the seed paper (Knowledge-driven Subword Grammar
//! Modeling for ASR in Tamil and Kannada): a rule/lexicon-based segmenter that splits an
//! agglutinative word into a stem and its suffixes (case markers, plural, tense and person
//! endings, participles, clitics, fused postpositions).
//!
//! The suffix lists below are written by hand in native script from standard grammars of the
//! two languages — surface forms, as they appear after the stem in writing (a suffix starting
//! with a vowel sign, such as Tamil `ில்` of the locative, replaces the inherent vowel or
//! virama of the stem's last consonant). Segmentation is surface-preserving: the pieces
//! concatenate back to the word, so no sandhi has to be undone when the recogniser's units are
//! joined into text. The paper's segmenter also restores underlying forms; ours does not.
//!
//! Algorithm: repeatedly strip the longest listed suffix from the end of the word, while the
//! remaining stem keeps at least [`MIN_STEM`] characters (code points) and at most
//! [`MAX_SUFFIXES`] suffixes are stripped. After a suffix starting with a vowel sign has been
//! stripped, the stem ends in a bare consonant; the next suffix may then match that consonant
//! with a virama (Tamil `வீட்டிலும்` → `வீட்ட` `ில` `ும்`: locative, then the clitic
//! "also"). [`crate::asr::treebank`] measures agreement with the UD Tamil-TTB morphology.

use super::text::Language;

/// A stem keeps at least this many code points.
pub const MIN_STEM: usize = 3;
/// At most this many suffixes are stripped from one word.
pub const MAX_SUFFIXES: usize = 3;

/// Tamil suffixes (surface forms), by category.
#[rustfmt::skip]
pub const TAMIL_SUFFIXES: &[(&str, &[&str])] = &[
    ("case", &[
        "ை", "ுக்கு", "க்கு", "ிற்கு", "ற்கு", "ில்", "ிடம்", "ால்", "ோடு", "ுடன்", "ின்", "ுடைய",
        "ிலிருந்து", "ிருந்து", "இலிருந்து", "ிடமிருந்து", "த்தில்", "த்தை", "த்துக்கு", "த்தின்",
        "த்தால்", "த்துடன்", "ாக", "ாகவும்", "ான", "ாகும்", "ாகிய", "ிலான", "ுக்கான", "க்கான",
        "ில்லாத",
    ]),
    ("plural", &[
        "கள்", "க்கள்", "கள", "க்கள", "களை", "களில்", "களுக்கு", "களின்", "களால்", "களும்",
        "களிடம்", "களுடன்", "களது", "கள்து",
    ]),
    ("clitic", &[
        "ும்", "ுமே", "தான்", "ாவது", "ுமான", "ாகவே", "ிலேயே", "ையும்", "க்கும்", "ுக்கும்",
    ]),
    ("tense-person", &[
        "கிறது", "கிறார்", "கிறார்கள்", "கிறான்", "கிறாள்", "கிறேன்", "கிறோம்", "கின்றன",
        "கின்றனர்", "கின்றது", "கின்றார்", "கிற", "கின்ற", "ந்தது", "ந்தார்", "ந்தனர்", "ந்தான்",
        "ந்தாள்", "த்தது", "த்தார்", "த்தனர்", "த்தான்", "ட்டது", "ட்டார்", "ினார்", "ினான்",
        "ினாள்", "ினர்", "ினது", "ியது", "ிவிட்டது", "ார்", "ான்", "ாள்", "ார்கள்", "ேன்", "ோம்",
        "ீர்கள்", "னர்", "ப்பார்", "வார்", "ப்போம்", "வோம்", "ப்பது", "வது", "து",
    ]),
    ("participle-infinitive", &[
        "ந்த", "த்த", "ட்ட", "ிய", "ந்து", "த்து", "ட்டு", "க்க", "ப்ப", "ப்பட்ட", "ப்பட்டது",
        "ப்பட்டு", "ப்படும்", "ப்பட்டுள்ளது", "ப்படுகிறது", "ுள்ளது", "ுள்ளார்", "ுள்ளனர்", "ுள்ள",
        "ுள்ளன", "ும்போது", "போது", "ாமல்", "ாத", "வில்லை", "ில்லை", "ாலும்", "ினால்", "ந்தால்",
        "த்தால்",
    ]),
];

/// Kannada suffixes (surface forms), by category.
#[rustfmt::skip]
pub const KANNADA_SUFFIXES: &[(&str, &[&str])] = &[
    ("case", &[
        "ನ್ನು", "ಯನ್ನು", "ವನ್ನು", "ಅನ್ನು", "ಗೆ", "ಕ್ಕೆ", "ಿಗೆ", "ಯಿಗೆ", "ಕ್ಕಾಗಿ", "ಗಾಗಿ", "ಲ್ಲಿ",
        "ದಲ್ಲಿ", "ನಲ್ಲಿ", "ಯಲ್ಲಿ", "ವಲ್ಲಿ", "ಿಂದ", "ದಿಂದ", "ನಿಂದ", "ಯಿಂದ", "ರಿಂದ", "ಿನ", "ದ",
        "ೊಂದಿಗೆ", "ೊಡನೆ", "ಕ್ಕಿಂತ", "ಿಗಿಂತ", "ದಂತೆ", "ಂತೆ",
    ]),
    ("plural", &[
        "ಗಳು", "ಗಳ", "ಗಳನ್ನು", "ಗಳಿಗೆ", "ಗಳಲ್ಲಿ", "ಗಳಿಂದ", "ಗಳೊಂದಿಗೆ", "ಗಳಾದ", "ಗಳಾಗಿ", "ರು",
    ]),
    ("clitic", &[
        "ೂ", "ಯೂ", "ವೂ", "ನ್ನೂ", "ಲ್ಲೂ", "ೇ", "ಲ್ಲೇ",
    ]),
    ("tense-person", &[
        "ುತ್ತಾನೆ", "ುತ್ತಾಳೆ", "ುತ್ತಾರೆ", "ುತ್ತದೆ", "ುತ್ತೇನೆ", "ುತ್ತೇವೆ", "ುತ್ತಿದೆ", "ುತ್ತಿದ್ದಾರೆ",
        "ುತ್ತಿದ್ದರು", "ುತ್ತಿತ್ತು", "ತ್ತದೆ", "ತ್ತಾರೆ", "ಿದನು", "ಿದಳು", "ಿದರು", "ಿದೆ", "ಿದ್ದಾರೆ",
        "ಿದ್ದರು", "ಿದ್ದಾನೆ", "ಿದ್ದಳು", "ಿತು", "ದರು", "ದನು", "ದಳು", "ತು", "ದೆ", "ಲಾಯಿತು", "ಲಾಗಿದೆ",
        "ಲಾಗುತ್ತದೆ", "ಾಯಿತು", "ಾಗಿದೆ", "ವಾಗಿದೆ", "ಬಹುದು", "ಬೇಕು", "ುವುದಿಲ್ಲ", "ಲಿಲ್ಲ",
    ]),
    ("participle-infinitive", &[
        "ುತ್ತಿರುವ", "ುತ್ತಾ", "ುತ್ತ", "ಲು", "ಲಿಕ್ಕೆ", "ುವ", "ಿದ", "ಿದ್ದ", "ುವುದು", "ುವುದನ್ನು",
        "ುವುದಕ್ಕೆ", "ಾಗಿ", "ಾದ", "ಾಗಿದ್ದ", "ಾಗಿರುವ", "ವಾಗಿ", "ವಾದ", "ಬೇಕಾದ", "ಿರುವ", "ಿಸಿ", "ಿಸುವ",
    ]),
];

/// Function words never split (the lexicon part of the segmenter): conjunctions, quotative
/// and demonstratives whose endings look like suffixes.
#[rustfmt::skip]
pub const UNSPLIT: &[&str] = &[
    "என்று", "அது", "இது", "மற்றும்", "ஒரு", "போது", "பற்றி", "எனவும்", "உள்ளது", "இருந்து",
    "ಮತ್ತು", "ಎಂದು", "ಅದು", "ಇದು", "ಒಂದು", "ಆದರೆ", "ಇದೆ", "ಅವರು", "ಇವರು", "ನಂತರ",
];

/// The virama of the language's script.
fn virama(lang: Language) -> char {
    match lang {
        Language::Tamil => '\u{0BCD}',
        Language::Kannada => '\u{0CCD}',
    }
}

/// A dependent sign (vowel sign, virama, anusvara, …): it cannot start a stem's last letter.
pub fn is_sign(c: char) -> bool {
    matches!(c as u32, 0x0B82 | 0x0BBE..=0x0BCD | 0x0BD7 | 0x0C81..=0x0C83 | 0x0CBC | 0x0CBE..=0x0CCD | 0x0CD5 | 0x0CD6)
}

/// A rule/lexicon-based segmenter for one language.
#[derive(Debug, Clone)]
pub struct Segmenter {
    lang: Language,
    /// Suffixes as code points, longest first.
    suffixes: Vec<Vec<char>>,
}

impl Segmenter {
    /// The segmenter of `lang` with its built-in suffix tables.
    pub fn new(lang: Language) -> Self {
        let table = match lang {
            Language::Tamil => TAMIL_SUFFIXES,
            Language::Kannada => KANNADA_SUFFIXES,
        };
        let mut suffixes: Vec<Vec<char>> = table
            .iter()
            .flat_map(|(_, s)| s.iter())
            .map(|s| s.chars().collect())
            .collect();
        suffixes.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        suffixes.dedup();
        Segmenter { lang, suffixes }
    }

    /// Number of listed suffixes.
    pub fn n_suffixes(&self) -> usize {
        self.suffixes.len()
    }

    /// The longest listed suffix of `word` leaving a stem of at least [`MIN_STEM`] code
    /// points, as its length in `word` (which may be one shorter than the listed suffix when it
    /// matched with the virama of a bare consonant).
    fn longest(&self, word: &[char], bare_end: bool) -> Option<usize> {
        let vir = virama(self.lang);
        for s in &self.suffixes {
            let n = s.len();
            if word.len() >= n + MIN_STEM && word.ends_with(s) {
                return Some(n);
            }
            // Match through the virama the stripped vowel sign replaced.
            if bare_end && n >= 2 && s[n - 1] == vir {
                let core = &s[..n - 1];
                if word.len() >= core.len() + MIN_STEM && word.ends_with(core) {
                    return Some(core.len());
                }
            }
        }
        None
    }

    /// The pieces of one word: stem first, then the suffixes in order; they concatenate to
    /// `word`. A word without a listed suffix is one piece.
    pub fn segment_word(&self, word: &str) -> Vec<String> {
        if UNSPLIT.contains(&word) {
            return vec![word.to_string()];
        }
        let mut rest: Vec<char> = word.chars().collect();
        let mut suffixes: Vec<String> = Vec::new();
        let mut bare_end = false;
        while suffixes.len() < MAX_SUFFIXES {
            let Some(n) = self.longest(&rest, bare_end) else {
                break;
            };
            let cut = rest.len() - n;
            // A stem cannot end just before a sign that belongs to the suffix's first letter.
            if cut == 0 || is_sign(rest[cut]) && is_sign(rest[cut - 1]) {
                break;
            }
            bare_end = is_sign(rest[cut]) && rest[cut] != virama(self.lang);
            suffixes.push(rest[cut..].iter().collect());
            rest.truncate(cut);
        }
        let mut out = vec![rest.into_iter().collect::<String>()];
        out.extend(suffixes.into_iter().rev());
        out
    }

    /// Character offsets (code points from the word's start) of the boundaries between pieces.
    pub fn boundaries(&self, word: &str) -> Vec<usize> {
        let mut acc = 0;
        let pieces = self.segment_word(word);
        let mut out = Vec::new();
        for p in &pieces[..pieces.len().saturating_sub(1)] {
            acc += p.chars().count();
            out.push(acc);
        }
        out
    }
}
