//! The group GL⁺(2, ℝ) of 2×2 matrices with positive determinant, handled through its polar
//! decomposition `g = R(θ) · P` into a rotation `R(θ) ∈ SO(2)` and a symmetric positive-definite
//! `P = exp(S)`, as Mironenco & Forré (ICLR 2024, §4) decompose it: every element has exactly one
//! such factorisation, the Haar measure factorises into the measure on SO(2) (uniform angle) and
//! one on the positive-definite part, and both factors have global coordinates — the angle `θ`
//! and the three entries of the symmetric logarithm `S = [[a + c, b], [b, a − c]]` (`a` the log
//! scale, `b`, `c` the two stretch directions). Those coordinates are what the affine
//! convolution's kernels are functions of ([`super::affine_conv`]).
//!
//! Sampling for Monte Carlo integration follows the paper's code defaults: `n` equidistant
//! angles from −π to π (`EquiDistantSO2`, the same every pass) and a random log-normal
//! positive-definite factor (`a, b, c ~ N(0, σ²)`; the code's `LogNormalSPD2` with covariance
//! 0.1, square-rooted, gives σ ≈ 0.16).

use deepfield_core::Rng;

/// A 2×2 matrix, row-major.
pub type Mat2 = [[f64; 2]; 2];

/// `a · b`.
pub fn mul(a: &Mat2, b: &Mat2) -> Mat2 {
    [
        [
            a[0][0] * b[0][0] + a[0][1] * b[1][0],
            a[0][0] * b[0][1] + a[0][1] * b[1][1],
        ],
        [
            a[1][0] * b[0][0] + a[1][1] * b[1][0],
            a[1][0] * b[0][1] + a[1][1] * b[1][1],
        ],
    ]
}

/// Determinant.
pub fn det(a: &Mat2) -> f64 {
    a[0][0] * a[1][1] - a[0][1] * a[1][0]
}

/// Inverse (the caller keeps to GL⁺(2), where the determinant is positive).
pub fn inv(a: &Mat2) -> Mat2 {
    let d = det(a);
    [[a[1][1] / d, -a[0][1] / d], [-a[1][0] / d, a[0][0] / d]]
}

/// The rotation by `theta` radians.
pub fn rotation(theta: f64) -> Mat2 {
    let (s, c) = theta.sin_cos();
    [[c, -s], [s, c]]
}

/// `exp(S)` of the symmetric `S = [[a + c, b], [b, a − c]]`, in closed form:
/// `e^a (cosh r · I + sinh r / r · T)` with `T = [[c, b], [b, −c]]`, `r = √(b² + c²)`.
pub fn spd_exp(a: f64, b: f64, c: f64) -> Mat2 {
    let r = (b * b + c * c).sqrt();
    let k = if r < 1e-12 { 1.0 } else { r.sinh() / r };
    let (ch, e) = (r.cosh(), a.exp());
    [[e * (ch + k * c), e * k * b], [e * k * b, e * (ch - k * c)]]
}

/// The inverse of [`spd_exp`]: `(a, b, c)` of the symmetric logarithm of a positive-definite `p`.
pub fn spd_log(p: &Mat2) -> [f64; 3] {
    let a = 0.5 * det(p).max(1e-300).ln();
    let e = a.exp();
    let half_trace = 0.5 * (p[0][0] + p[1][1]) / e;
    let r = half_trace.max(1.0).acosh();
    let k = if r < 1e-9 { 1.0 } else { r / r.sinh() };
    let c = 0.5 * (p[0][0] - p[1][1]) / e * k;
    let b = 0.5 * (p[0][1] + p[1][0]) / e * k;
    [a, b, c]
}

/// The polar decomposition `g = R(θ) · P`: `(θ, P)`, `P = √(gᵀg)`.
pub fn polar(g: &Mat2) -> (f64, Mat2) {
    let gt = [[g[0][0], g[1][0]], [g[0][1], g[1][1]]];
    let [a, b, c] = spd_log(&mul(&gt, g));
    let p = spd_exp(0.5 * a, 0.5 * b, 0.5 * c);
    let r = mul(g, &inv(&p));
    (r[1][0].atan2(r[0][0]), p)
}

/// Global coordinates of `g` for a kernel network: `[cos θ, sin θ, a, b, c]` (angle of the
/// rotation factor, symmetric logarithm of the positive-definite factor).
pub fn coordinates(g: &Mat2) -> [f64; 5] {
    let (theta, p) = polar(g);
    let [a, b, c] = spd_log(&p);
    [theta.cos(), theta.sin(), a, b, c]
}

/// `n` samples `R(θ_i) · exp(S_i)`: angles equally spaced from −π to π (both ends when
/// `n > 1`, as `torch.linspace`; 0 when `n = 1`), `S_i` entries `N(0, sigma²)`.
pub fn sample(n: usize, sigma: f64, rng: &mut Rng) -> Vec<Mat2> {
    let pi = std::f64::consts::PI;
    let step = if n > 1 {
        2.0 * pi / (n - 1) as f64
    } else {
        0.0
    };
    let offset = if n > 1 { -pi } else { 0.0 };
    (0..n)
        .map(|i| {
            let p = spd_exp(
                sigma * rng.normal(),
                sigma * rng.normal(),
                sigma * rng.normal(),
            );
            mul(&rotation(offset + i as f64 * step), &p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polar_and_log_invert_exp() {
        let p = spd_exp(0.2, -0.3, 0.1);
        let [a, b, c] = spd_log(&p);
        assert!((a - 0.2).abs() < 1e-9 && (b + 0.3).abs() < 1e-9 && (c - 0.1).abs() < 1e-9);
        let g = mul(&rotation(0.7), &p);
        let (t, q) = polar(&g);
        assert!((t - 0.7).abs() < 1e-9, "{t}");
        for i in 0..2 {
            for j in 0..2 {
                assert!((q[i][j] - p[i][j]).abs() < 1e-9);
            }
        }
        let x = coordinates(&mul(&inv(&g), &g));
        assert!((x[0] - 1.0).abs() < 1e-9 && x[1].abs() < 1e-9 && x[2].abs() < 1e-9);
    }
}
