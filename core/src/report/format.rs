//! Numbers for people: significant digits, signed differences.

/// A number with 4 significant digits, trailing zeros dropped: `0.0012`, `0.9123`, `12.35`,
/// `1234`; integer digits are never rounded away (`123457`) below 1e6. Magnitudes below 1e-4
/// or from 1e6 up use exponent notation (`1.235e-5`, `2.5e7`). `NaN`, `inf`, `-inf` as such.
pub fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    let exponent = x.abs().log10().floor() as i32;
    if !(-4..6).contains(&exponent) {
        let s = format!("{x:.3e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exp}", trim_zeros(mantissa));
    }
    let decimals = (3 - exponent).max(0) as usize;
    trim_zeros(&format!("{x:.decimals$}")).to_string()
}

/// [`fmt_num`] with an explicit `+` for positive values (differences).
pub fn fmt_signed(x: f64) -> String {
    let s = fmt_num(x);
    if x > 0.0 && x.is_finite() && s != "0" {
        format!("+{s}")
    } else {
        s
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}
