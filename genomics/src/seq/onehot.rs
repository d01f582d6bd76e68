//! One-hot encoding of sequences for CNN input, channels first `[4, length]` (A, C, G, T).
//!
//! Policy: A/C/G/T are one-hot; an IUPAC code spreads its unit mass evenly over the bases it
//! stands for (`R` = ½ A + ½ G, `N` = ¼ each); padding (a sequence shorter than `length`) is all
//! zeros, so the network can tell "unknown base" from "no base". Longer sequences are truncated
//! to their first `length` bases.

/// The `[A, C, G, T]` weights of a normalised base.
pub fn base_weights(b: u8) -> [f32; 4] {
    let set: &[usize] = match b.to_ascii_uppercase() {
        b'A' => &[0],
        b'C' => &[1],
        b'G' => &[2],
        b'T' | b'U' => &[3],
        b'R' => &[0, 2],
        b'Y' => &[1, 3],
        b'S' => &[1, 2],
        b'W' => &[0, 3],
        b'K' => &[2, 3],
        b'M' => &[0, 1],
        b'B' => &[1, 2, 3],
        b'D' => &[0, 2, 3],
        b'H' => &[0, 1, 3],
        b'V' => &[0, 1, 2],
        _ => &[0, 1, 2, 3],
    };
    let mut w = [0f32; 4];
    for &i in set {
        w[i] = 1.0 / set.len() as f32;
    }
    w
}

/// Append the `[4 × length]` channels-first one-hot matrix of `seq` to `out`.
pub fn one_hot_into(seq: &[u8], length: usize, out: &mut Vec<f32>) {
    let start = out.len();
    out.resize(start + 4 * length, 0.0);
    let block = &mut out[start..];
    for (i, &b) in seq.iter().take(length).enumerate() {
        let w = base_weights(b);
        for (c, &x) in w.iter().enumerate() {
            block[c * length + i] = x;
        }
    }
}

/// The `[4 × length]` channels-first one-hot matrix of `seq` (row-major, channel by channel).
pub fn one_hot(seq: &[u8], length: usize) -> Vec<f32> {
    let mut v = Vec::with_capacity(4 * length);
    one_hot_into(seq, length, &mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hot_padding_truncation_and_iupac() {
        let v = one_hot(b"ACRN", 5);
        assert_eq!(v.len(), 20);
        let col = |i: usize| [v[i], v[5 + i], v[10 + i], v[15 + i]];
        assert_eq!(col(0), [1.0, 0.0, 0.0, 0.0]);
        assert_eq!(col(1), [0.0, 1.0, 0.0, 0.0]);
        assert_eq!(col(2), [0.5, 0.0, 0.5, 0.0]);
        assert_eq!(col(3), [0.25; 4]);
        assert_eq!(col(4), [0.0; 4]);
        let t = one_hot(b"GGGT", 2);
        assert_eq!(t, vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    }
}
