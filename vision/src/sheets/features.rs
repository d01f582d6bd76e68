//! The cell feature map of a sheet: `f32 [CHANNELS, rows, cols]`, one vector per cell, the
//! input of the fully convolutional table detector (TableSense's cell-feature tensor).
//!
//! TableSense (Dong et al. 2019, § "Cell featurization") describes each cell by its value
//! (string length, the share of digits and letters, whether it is numeric, a date, a formula,
//! its case) and its formatting (fill colour, fonts, borders, alignment, merged ranges). **A CSV
//! sheet has no formatting and no formulas**: only the value channels exist here, widened by
//! neighbourhood channels (a value's type against the cells above and to the left, how full its
//! row and column are) and position channels, which carry part of what borders and fills show
//! a human.
//!
//! Channels (each in `[0, 1]`): see [`CHANNEL_NAMES`]. Cells outside the sheet's
//! `rows × cols` grid (padding) are all zero, `in_sheet` included.

use tch::{Kind, Tensor};

use super::Sheet;
use crate::{Error, Result};

/// What a cell's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Empty,
    Numeric,
    Date,
    Text,
}

/// The names of the feature channels, index = channel.
pub const CHANNEL_NAMES: [&str; 23] = [
    "in_sheet",
    "filled",
    "numeric",
    "date",
    "text",
    "length",
    "all_caps",
    "starts_upper",
    "punctuation",
    "percent_or_currency",
    "numeric_above_numeric",
    "numeric_left_numeric",
    "same_kind_above",
    "same_kind_left",
    "row_fill",
    "col_fill",
    "row_empty",
    "row_near_top",
    "col_near_left",
    "row_relative",
    "col_relative",
    "text_with_digits",
    "padded_spaces",
];

/// Number of feature channels.
pub const CHANNELS: usize = CHANNEL_NAMES.len();

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Whether `s` is a number as spreadsheets show them: optional sign or parentheses, currency
/// sign, thousands separators, decimal point, exponent, trailing `%`.
pub fn is_numeric(s: &str) -> bool {
    let t = s.trim();
    let t = t
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .unwrap_or(t);
    let t = t.trim_start_matches(['+', '-']);
    let t = t.trim_start_matches(['$', '€', '£', '¥']);
    let t = t.trim_end_matches('%').trim();
    let cleaned: String = t.chars().filter(|&c| c != ',' && c != ' ').collect();
    !cleaned.is_empty()
        && cleaned.chars().any(|c| c.is_ascii_digit())
        && cleaned.parse::<f64>().is_ok()
}

/// Whether `s` looks like a date or a time: `2012-01-05`, `1/5/2012`, `05.01.2012`, `12:30`,
/// `00:20:00`, `Jan 2012`, `5-Jan-12`.
pub fn is_date(s: &str) -> bool {
    let t = s.trim();
    if t.is_empty() || t.len() > 40 {
        return false;
    }
    let digits = t.chars().filter(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    let only = |allowed: &[char]| {
        t.chars()
            .all(|c| c.is_ascii_digit() || allowed.contains(&c))
    };
    let parts = |sep: char| t.split(sep).filter(|p| !p.is_empty()).count();
    if only(&[':', '.']) && t.contains(':') && (2..=3).contains(&parts(':')) {
        return true;
    }
    for sep in ['-', '/', '.'] {
        if only(&[sep, ' ', ':']) && parts(sep) == 3 && t.split(sep).all(|p| !p.is_empty()) {
            return true;
        }
    }
    let lower = t.to_lowercase();
    let words: Vec<&str> = lower
        .split([' ', '-', '/', ','])
        .filter(|w| !w.is_empty())
        .collect();
    words.len() <= 4
        && words
            .iter()
            .any(|w| MONTHS.iter().any(|m| w.starts_with(m) && w.len() <= 9))
        && words
            .iter()
            .all(|w| w.chars().all(|c| c.is_ascii_digit()) || w.chars().all(char::is_alphabetic))
}

/// The kind of a cell value.
pub fn cell_kind(s: &str) -> CellKind {
    if s.trim().is_empty() {
        CellKind::Empty
    } else if is_numeric(s) {
        CellKind::Numeric
    } else if is_date(s) {
        CellKind::Date
    } else {
        CellKind::Text
    }
}

/// The feature map of the whole sheet, `f32 [CHANNELS, rows, cols]`.
pub fn feature_map(sheet: &Sheet) -> Result<Tensor> {
    let (h, w) = (sheet.rows(), sheet.cols());
    if h == 0 || w == 0 {
        return Err(Error::input(format!(
            "{}: the sheet has no cells",
            sheet.name
        )));
    }
    let kinds: Vec<Vec<CellKind>> = (0..h)
        .map(|r| (0..w).map(|c| cell_kind(sheet.get(r, c))).collect())
        .collect();
    let filled = |r: usize, c: usize| kinds[r][c] != CellKind::Empty;
    let row_fill: Vec<f32> = (0..h)
        .map(|r| (0..w).filter(|&c| filled(r, c)).count() as f32 / w as f32)
        .collect();
    let col_fill: Vec<f32> = (0..w)
        .map(|c| (0..h).filter(|&r| filled(r, c)).count() as f32 / h as f32)
        .collect();
    let plane = h * w;
    let mut f = vec![0f32; CHANNELS * plane];
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    for r in 0..h {
        for c in 0..w {
            let v = sheet.get(r, c);
            let k = kinds[r][c];
            let t = v.trim();
            let letters = t.chars().filter(|c| c.is_alphabetic());
            let has_letters = letters.clone().next().is_some();
            let above = (r > 0).then(|| kinds[r - 1][c]);
            let left = (c > 0).then(|| kinds[r][c - 1]);
            let is_num = k == CellKind::Numeric;
            let is_text = k == CellKind::Text;
            let vals: [f32; CHANNELS] = [
                1.0,
                b(k != CellKind::Empty),
                b(is_num),
                b(k == CellKind::Date),
                b(is_text),
                ((1.0 + t.chars().count() as f32).ln() / 101f32.ln()).min(1.0),
                b(has_letters && !letters.clone().any(char::is_lowercase)),
                b(t.chars()
                    .find(|c| c.is_alphabetic())
                    .is_some_and(char::is_uppercase)),
                b(is_text && t.chars().any(|c| ":;,.!?()/-".contains(c))),
                b(t.contains(['%', '$', '€', '£', '¥'])),
                b(is_num && above == Some(CellKind::Numeric)),
                b(is_num && left == Some(CellKind::Numeric)),
                b(k != CellKind::Empty && above == Some(k)),
                b(k != CellKind::Empty && left == Some(k)),
                row_fill[r],
                col_fill[c],
                b(row_fill[r] == 0.0),
                r.min(32) as f32 / 32.0,
                c.min(16) as f32 / 16.0,
                r as f32 / h as f32,
                c as f32 / w as f32,
                b(is_text && t.chars().any(|c| c.is_ascii_digit())),
                b(k != CellKind::Empty && v.len() != t.len()),
            ];
            for (ch, x) in vals.into_iter().enumerate() {
                f[ch * plane + r * w + c] = x;
            }
        }
    }
    Ok(Tensor::from_slice(&f).reshape([CHANNELS as i64, h as i64, w as i64]))
}

/// The `h × w` window of a `[C, rows, cols]` map whose top-left cell is (`r0`, `c0`), zero
/// where it reaches past the map (the fixed-size input of training batches).
pub fn window(map: &Tensor, r0: i64, c0: i64, h: i64, w: i64) -> Tensor {
    let s = map.size();
    let (rows, cols) = (s[1], s[2]);
    let out = Tensor::zeros([s[0], h, w], (Kind::Float, map.device()));
    let rh = (rows - r0).clamp(0, h);
    let cw = (cols - c0).clamp(0, w);
    if rh > 0 && cw > 0 {
        out.narrow(1, 0, rh)
            .narrow(2, 0, cw)
            .copy_(&map.narrow(1, r0, rh).narrow(2, c0, cw));
    }
    out
}
