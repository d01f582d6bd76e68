//! Radius graphs and triplets of one structure, as index lists.
//!
//! An edge `j → i` joins atoms closer than the cut-off; its vector is `r_ji = x_j − x_i + s`
//! where `s` is the Cartesian shift of the periodic image of `j` (zero without periodic
//! boundaries). The lists are found once from the coordinates; the vectors and distances are
//! then tensor ops of the positions ([`super::batch::MoleculeBatch::edge_vectors`]), so forces
//! flow through them by autograd. A triplet `k → j → i` pairs the edge `k → j` (the message
//! coming in) with the edge `j → i` (the message updated), `k ≠ i`; its angle is the one at `j`
//! between `x_i − x_j` and `x_k − x_j`.

use crate::{GraphError, Result};

/// The directed edges of a structure within a cut-off.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Neighbors {
    /// Source atom `j` of each edge.
    pub src: Vec<i64>,
    /// Target atom `i` of each edge.
    pub dst: Vec<i64>,
    /// Cartesian image shift of the source (Å).
    pub shifts: Vec<[f64; 3]>,
}

impl Neighbors {
    /// Number of edges.
    pub fn len(&self) -> usize {
        self.src.len()
    }

    /// True without edges.
    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
    }
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// How many images to search along each cell vector so that every neighbour within `cutoff`
/// is found: `ceil(cutoff / h)` where `h` is the distance between the lattice planes.
fn image_range(cell: &[[f64; 3]; 3], pbc: [bool; 3], cutoff: f64) -> Result<[i64; 3]> {
    let vol = dot(cell[0], cross(cell[1], cell[2])).abs();
    if vol.is_nan() || vol <= 1e-9 {
        return Err(GraphError::invalid(
            "radius graph: the periodic cell has zero volume",
        ));
    }
    let mut r = [0i64; 3];
    for d in 0..3 {
        if pbc[d] {
            let h = vol / norm(cross(cell[(d + 1) % 3], cell[(d + 2) % 3]));
            r[d] = (cutoff / h).ceil() as i64;
        }
    }
    Ok(r)
}

fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

/// Every directed edge `j → i` with `|x_j + s − x_i| < cutoff` (and not the atom onto itself),
/// over the periodic images of `cell` along the directions `pbc` marks (none when `cell` is
/// `None`).
pub fn radius_graph(
    positions: &[[f64; 3]],
    cutoff: f64,
    cell: Option<&[[f64; 3]; 3]>,
    pbc: [bool; 3],
) -> Result<Neighbors> {
    if !cutoff.is_finite() || cutoff <= 0.0 {
        return Err(GraphError::config(format!(
            "radius graph: cutoff must be > 0, got {cutoff}"
        )));
    }
    let range = match cell {
        Some(c) => image_range(c, pbc, cutoff)?,
        None => [0; 3],
    };
    let mut shifts = Vec::new();
    for a in -range[0]..=range[0] {
        for b in -range[1]..=range[1] {
            for c in -range[2]..=range[2] {
                let s = match cell {
                    Some(m) => {
                        let (a, b, c) = (a as f64, b as f64, c as f64);
                        [
                            a * m[0][0] + b * m[1][0] + c * m[2][0],
                            a * m[0][1] + b * m[1][1] + c * m[2][1],
                            a * m[0][2] + b * m[1][2] + c * m[2][2],
                        ]
                    }
                    None => [0.0; 3],
                };
                shifts.push((a == 0 && b == 0 && c == 0, s));
            }
        }
    }
    let mut out = Neighbors::default();
    let c2 = cutoff * cutoff;
    for (i, xi) in positions.iter().enumerate() {
        for (j, xj) in positions.iter().enumerate() {
            for &(home, s) in &shifts {
                if i == j && home {
                    continue;
                }
                let d = [
                    xj[0] + s[0] - xi[0],
                    xj[1] + s[1] - xi[1],
                    xj[2] + s[2] - xi[2],
                ];
                if dot(d, d) < c2 {
                    out.src.push(j as i64);
                    out.dst.push(i as i64);
                    out.shifts.push(s);
                }
            }
        }
    }
    Ok(out)
}

/// The triplets `k → j → i` of `nb` as pairs of edge indices `(in = k→j, out = j→i)`, leaving
/// out the back-and-forth `i → j → i` (same atom and same image).
pub fn triplets(nb: &Neighbors) -> (Vec<i64>, Vec<i64>) {
    let n_atoms = nb
        .src
        .iter()
        .chain(&nb.dst)
        .map(|&a| a as usize + 1)
        .max()
        .unwrap_or(0);
    let mut incoming: Vec<Vec<usize>> = vec![Vec::new(); n_atoms];
    for (e, &d) in nb.dst.iter().enumerate() {
        incoming[d as usize].push(e);
    }
    let (mut tin, mut tout) = (Vec::new(), Vec::new());
    for (ji, &j) in nb.src.iter().enumerate() {
        let i = nb.dst[ji];
        for &kj in &incoming[j as usize] {
            let back = nb.src[kj] == i
                && (0..3).all(|d| (nb.shifts[kj][d] + nb.shifts[ji][d]).abs() < 1e-9);
            if !back {
                tin.push(kj as i64);
                tout.push(ji as i64);
            }
        }
    }
    (tin, tout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_and_triplets_of_a_chain() {
        // Three atoms on a line 1 Å apart; cutoff 1.5 Å joins neighbours only.
        let x = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]];
        let nb = radius_graph(&x, 1.5, None, [false; 3]).unwrap();
        assert_eq!(nb.len(), 4);
        let (tin, tout) = triplets(&nb);
        // 0→1→2 and 2→1→0 only.
        assert_eq!(tin.len(), 2);
        for (a, b) in tin.iter().zip(&tout) {
            assert_eq!(nb.dst[*a as usize], nb.src[*b as usize]);
            assert_ne!(nb.src[*a as usize], nb.dst[*b as usize]);
        }
        assert_eq!(radius_graph(&x, 2.5, None, [false; 3]).unwrap().len(), 6);
    }

    #[test]
    fn periodic_images_are_neighbours() {
        // One atom in a 2 Å cubic box: 6 images at 2 Å, 12 at 2.83 Å within 3 Å.
        let cell = [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]];
        let nb = radius_graph(&[[0.5, 0.5, 0.5]], 3.0, Some(&cell), [true; 3]).unwrap();
        assert_eq!(nb.len(), 18);
        let nb = radius_graph(&[[0.5, 0.5, 0.5]], 3.0, Some(&cell), [true, false, false]).unwrap();
        assert_eq!(nb.len(), 2);
    }
}
