//! Growing connected regions of cells on a grid, the step the heuristic baseline and the
//! detector's box extraction share, and merging overlapping boxes.

use super::CellBox;

/// The bounding boxes of the connected regions of member cells with at least `min_cells`
/// cells, sorted and with overlapping boxes merged. `member(r, c)` says whether a cell belongs
/// to any region; `links(r, c, out)` pushes the cells that cell (`r`, `c`) is joined to (the
/// non-members among them are skipped).
pub fn grow_regions(
    rows: usize,
    cols: usize,
    min_cells: usize,
    member: impl Fn(usize, usize) -> bool,
    mut links: impl FnMut(usize, usize, &mut Vec<(usize, usize)>),
) -> Vec<CellBox> {
    let mut seen = vec![false; rows * cols];
    let mut boxes = Vec::new();
    let mut stack = Vec::new();
    let mut next = Vec::new();
    for r0 in 0..rows {
        for c0 in 0..cols {
            if seen[r0 * cols + c0] || !member(r0, c0) {
                continue;
            }
            seen[r0 * cols + c0] = true;
            stack.push((r0, c0));
            let mut b = CellBox::new(r0, c0, r0, c0);
            let mut n = 0;
            while let Some((r, c)) = stack.pop() {
                n += 1;
                b = CellBox::new(b.top.min(r), b.left.min(c), b.bottom.max(r), b.right.max(c));
                next.clear();
                links(r, c, &mut next);
                for &(rr, cc) in &next {
                    if rr < rows && cc < cols && !seen[rr * cols + cc] && member(rr, cc) {
                        seen[rr * cols + cc] = true;
                        stack.push((rr, cc));
                    }
                }
            }
            if n >= min_cells {
                boxes.push(b);
            }
        }
    }
    merge_overlapping(boxes)
}

/// Merge boxes that overlap until none do; sorted by (top, left).
pub fn merge_overlapping(mut boxes: Vec<CellBox>) -> Vec<CellBox> {
    loop {
        let mut merged = false;
        'outer: for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                let (a, b) = (boxes[i], boxes[j]);
                if a.top <= b.bottom && b.top <= a.bottom && a.left <= b.right && b.left <= a.right
                {
                    boxes[i] = CellBox::new(
                        a.top.min(b.top),
                        a.left.min(b.left),
                        a.bottom.max(b.bottom),
                        a.right.max(b.right),
                    );
                    boxes.swap_remove(j);
                    merged = true;
                    break 'outer;
                }
            }
        }
        if !merged {
            break;
        }
    }
    boxes.sort();
    boxes
}
