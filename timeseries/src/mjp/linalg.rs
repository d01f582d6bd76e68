//! Small dense square matrices (row-major `f64`) and the matrix exponential, enough for the
//! EM of a chain on at most six states (its Van Loan blocks are 12 × 12).

/// A square matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Mat {
    pub n: usize,
    pub a: Vec<f64>,
}

impl Mat {
    /// The `n × n` zero matrix.
    pub fn zeros(n: usize) -> Self {
        Mat {
            n,
            a: vec![0.0; n * n],
        }
    }

    /// The identity.
    pub fn eye(n: usize) -> Self {
        let mut m = Mat::zeros(n);
        for i in 0..n {
            m.a[i * n + i] = 1.0;
        }
        m
    }

    /// Entry `(i, j)`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.n + j]
    }

    /// Set entry `(i, j)`.
    pub fn set(&mut self, i: usize, j: usize, v: f64) {
        self.a[i * self.n + j] = v;
    }

    /// `self · other`.
    pub fn matmul(&self, other: &Mat) -> Mat {
        let n = self.n;
        let mut out = Mat::zeros(n);
        for i in 0..n {
            for l in 0..n {
                let x = self.a[i * n + l];
                if x == 0.0 {
                    continue;
                }
                for j in 0..n {
                    out.a[i * n + j] += x * other.a[l * n + j];
                }
            }
        }
        out
    }

    /// Every entry times `s`.
    pub fn scale(&self, s: f64) -> Mat {
        Mat {
            n: self.n,
            a: self.a.iter().map(|v| v * s).collect(),
        }
    }

    /// The largest absolute column sum (the 1-norm).
    pub fn norm1(&self) -> f64 {
        (0..self.n)
            .map(|j| (0..self.n).map(|i| self.get(i, j).abs()).sum::<f64>())
            .fold(0.0, f64::max)
    }

    /// `exp(self)` by scaling and squaring: a Taylor series of `self / 2^s` (1-norm ≤ 1/2, 20
    /// terms, truncation below 1e-25 relative) squared `s` times.
    pub fn expm(&self) -> Mat {
        let norm = self.norm1();
        let s = if norm > 0.5 {
            (norm / 0.5).log2().ceil() as i32
        } else {
            0
        };
        let b = self.scale(0.5f64.powi(s));
        let mut sum = Mat::eye(self.n);
        let mut term = Mat::eye(self.n);
        for m in 1..=20 {
            term = term.matmul(&b).scale(1.0 / m as f64);
            for (x, t) in sum.a.iter_mut().zip(&term.a) {
                *x += t;
            }
        }
        for _ in 0..s {
            sum = sum.matmul(&sum);
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expm_of_a_two_state_generator_is_exact() {
        // Q = [[-a, a], [b, -b]]: P(t)_00 = b/(a+b) + a/(a+b) e^{-(a+b)t}.
        let (a, b, t) = (2.0, 0.5, 3.0);
        let q = Mat {
            n: 2,
            a: vec![-a * t, a * t, b * t, -b * t],
        };
        let p = q.expm();
        let want = b / (a + b) + a / (a + b) * (-(a + b) * t).exp();
        assert!(
            (p.get(0, 0) - want).abs() < 1e-12,
            "{} vs {want}",
            p.get(0, 0)
        );
        assert!((p.get(0, 0) + p.get(0, 1) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn expm_of_a_diagonal_matrix() {
        let m = Mat {
            n: 2,
            a: vec![3.0, 0.0, 0.0, -7.0],
        };
        let e = m.expm();
        assert!((e.get(0, 0) / 3f64.exp() - 1.0).abs() < 1e-12);
        assert!((e.get(1, 1) / (-7f64).exp() - 1.0).abs() < 1e-10);
    }
}
