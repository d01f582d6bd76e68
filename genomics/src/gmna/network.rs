//! The misclassification network of GMNA: labels are nodes, and the classifier's soft confusion
//! between them gives weighted directed edges.
//!
//! From out-of-fold class probabilities, `M[i][j]` is the mean probability the classifier gives
//! label `j` to genomes whose true label is `i` (each row sums to 1; the diagonal is the soft
//! accuracy of label `i`). Every off-diagonal `M[i][j]` above a threshold becomes the edge
//! `i → j` of a `petgraph` directed graph. The analysis: node strength (out = how often a label is
//! mistaken for others, in = how often others are mistaken for it), the strongest edges,
//! communities by Louvain modularity optimisation (Blondel et al. 2008) on the symmetrised weights
//! `M[i][j] + M[j][i]`, and exports to DOT, GraphML and a PNG drawing (circular layout).

use std::path::Path;

use petgraph::dot::Dot;
use petgraph::graph::{DiGraph, EdgeReference, NodeIndex};
use petgraph::visit::EdgeRef;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A label's strength in the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeStrength {
    pub label: String,
    /// Genomes with this label.
    pub genomes: usize,
    /// Soft accuracy `M[i][i]`.
    pub self_weight: f64,
    /// Σ_j≠i M[i][j].
    pub out_strength: f64,
    /// Σ_j≠i M[j][i].
    pub in_strength: f64,
}

/// One directed edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub weight: f64,
}

/// The network and its soft confusion matrix.
#[derive(Debug, Clone)]
pub struct MisclassificationNetwork {
    pub labels: Vec<String>,
    pub genomes: Vec<usize>,
    /// Row-normalised soft confusion `M[true][predicted]`.
    pub matrix: Vec<Vec<f64>>,
    pub graph: DiGraph<String, f64>,
}

impl MisclassificationNetwork {
    /// Build from true class ids and per-genome class probabilities; edges with
    /// `M[i][j] > min_weight`.
    pub fn from_probabilities(
        labels: &[String],
        y_true: &[usize],
        probs: &[Vec<f64>],
        min_weight: f64,
    ) -> Result<Self> {
        let n = labels.len();
        if n == 0 || y_true.len() != probs.len() || y_true.is_empty() {
            return Err(Error::input(format!(
                "misclassification network: {} labels, {} truths, {} probability rows",
                n,
                y_true.len(),
                probs.len()
            )));
        }
        let mut matrix = vec![vec![0f64; n]; n];
        let mut genomes = vec![0usize; n];
        for (&t, p) in y_true.iter().zip(probs) {
            if t >= n || p.len() != n {
                return Err(Error::input(format!(
                    "misclassification network: label {t} or a row of {} probabilities for {n} labels",
                    p.len()
                )));
            }
            genomes[t] += 1;
            for (m, &x) in matrix[t].iter_mut().zip(p) {
                *m += x;
            }
        }
        for (row, &g) in matrix.iter_mut().zip(&genomes) {
            if g > 0 {
                row.iter_mut().for_each(|x| *x /= g as f64);
            }
        }
        let mut graph = DiGraph::new();
        let nodes: Vec<NodeIndex> = labels.iter().map(|l| graph.add_node(l.clone())).collect();
        for i in 0..n {
            for j in 0..n {
                if i != j && matrix[i][j] > min_weight {
                    graph.add_edge(nodes[i], nodes[j], matrix[i][j]);
                }
            }
        }
        Ok(MisclassificationNetwork {
            labels: labels.to_vec(),
            genomes,
            matrix,
            graph,
        })
    }

    /// Strength of every label, in label order.
    pub fn strengths(&self) -> Vec<NodeStrength> {
        let n = self.labels.len();
        (0..n)
            .map(|i| NodeStrength {
                label: self.labels[i].clone(),
                genomes: self.genomes[i],
                self_weight: self.matrix[i][i],
                out_strength: (0..n).filter(|&j| j != i).map(|j| self.matrix[i][j]).sum(),
                in_strength: (0..n).filter(|&j| j != i).map(|j| self.matrix[j][i]).sum(),
            })
            .collect()
    }

    /// The `top` heaviest edges of the graph, heaviest first.
    pub fn top_edges(&self, top: usize) -> Vec<Edge> {
        let mut e: Vec<Edge> = self
            .graph
            .edge_indices()
            .filter_map(|ei| {
                let (a, b) = self.graph.edge_endpoints(ei)?;
                Some(Edge {
                    from: self.graph[a].clone(),
                    to: self.graph[b].clone(),
                    weight: self.graph[ei],
                })
            })
            .collect();
        e.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        e.truncate(top);
        e
    }

    /// Symmetrised off-diagonal weights of the graph's edges.
    fn symmetric(&self) -> Vec<Vec<f64>> {
        let n = self.labels.len();
        let mut w = vec![vec![0f64; n]; n];
        for ei in self.graph.edge_indices() {
            if let Some((a, b)) = self.graph.edge_endpoints(ei) {
                let x = self.graph[ei];
                w[a.index()][b.index()] += x;
                w[b.index()][a.index()] += x;
            }
        }
        w
    }

    /// Louvain communities (one id per label, numbered from 0 in order of first appearance).
    pub fn communities(&self) -> Vec<usize> {
        louvain(&self.symmetric())
    }

    /// Modularity of a partition on the symmetrised weights.
    pub fn modularity(&self, communities: &[usize]) -> f64 {
        modularity(&self.symmetric(), communities)
    }

    /// Graphviz DOT text (edge labels and pen widths from the weights).
    pub fn to_dot(&self) -> String {
        // Labels become node and edge weights, so petgraph quotes and escapes them.
        let shown = self.graph.map(
            |i, l| {
                let genomes = self.genomes.get(i.index()).copied().unwrap_or(0);
                format!("{l} ({genomes})")
            },
            |_, w| format!("{w:.3}"),
        );
        let edge_attributes = |_, e: EdgeReference<'_, String>| {
            let w = self.graph[e.id()];
            format!("weight = {w:.6} penwidth = {:.2} ", 1.0 + 8.0 * w)
        };
        let node_attributes = |_, _| "shape = ellipse ".to_string();
        Dot::with_attr_getters(&shown, &[], &edge_attributes, &node_attributes).to_string()
    }

    /// GraphML text with `label`, `genomes`, `community` node data and `weight` edge data.
    pub fn to_graphml(&self, communities: &[usize]) -> String {
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n\
             \x20 <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n\
             \x20 <key id=\"genomes\" for=\"node\" attr.name=\"genomes\" attr.type=\"int\"/>\n\
             \x20 <key id=\"community\" for=\"node\" attr.name=\"community\" attr.type=\"int\"/>\n\
             \x20 <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n\
             \x20 <graph id=\"G\" edgedefault=\"directed\">\n",
        );
        for (i, l) in self.labels.iter().enumerate() {
            s.push_str(&format!(
                "    <node id=\"n{i}\"><data key=\"label\">{}</data><data key=\"genomes\">{}</data><data key=\"community\">{}</data></node>\n",
                xml_escape(l),
                self.genomes[i],
                communities.get(i).copied().unwrap_or(0)
            ));
        }
        for ei in self.graph.edge_indices() {
            if let Some((a, b)) = self.graph.edge_endpoints(ei) {
                s.push_str(&format!(
                    "    <edge source=\"n{}\" target=\"n{}\"><data key=\"weight\">{}</data></edge>\n",
                    a.index(),
                    b.index(),
                    self.graph[ei]
                ));
            }
        }
        s.push_str("  </graph>\n</graphml>\n");
        s
    }

    /// Draw the network (circular layout; node area ∝ genomes, colour = community, edge width and
    /// opacity ∝ weight, an arrow head at the predicted label) to a PNG, atomically.
    pub fn draw_png(&self, path: &Path, title: &str, communities: &[usize]) -> Result<()> {
        deepfield_core::report::plots::render_png(path, (1000, 1000), |root| {
            self.draw_on(root, title, communities)
        })?;
        Ok(())
    }

    fn draw_on(
        &self,
        root: &deepfield_core::report::plots::Area,
        title: &str,
        communities: &[usize],
    ) -> deepfield_core::report::plots::DrawResult {
        let (w, h) = (1000i32, 1000i32);
        root.draw(&Text::new(
            title.to_string(),
            (20, 15),
            ("sans-serif", 26).into_font(),
        ))?;
        let n = self.labels.len();
        let (cx, cy, radius) = (w as f64 / 2.0, h as f64 / 2.0 + 20.0, 360.0);
        let pos: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let a =
                    2.0 * std::f64::consts::PI * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
                (cx + radius * a.cos(), cy + radius * a.sin())
            })
            .collect();
        let max_g = self.genomes.iter().copied().max().unwrap_or(1).max(1) as f64;
        let node_r: Vec<f64> = self
            .genomes
            .iter()
            .map(|&g| 10.0 + 30.0 * (g as f64 / max_g).sqrt())
            .collect();
        let max_w = self
            .graph
            .edge_weights()
            .copied()
            .fold(0f64, f64::max)
            .max(1e-12);
        for ei in self.graph.edge_indices() {
            let Some((a, b)) = self.graph.edge_endpoints(ei) else {
                continue;
            };
            let rel = self.graph[ei] / max_w;
            let (p, q) = (pos[a.index()], pos[b.index()]);
            // Offset the two directions of a pair sideways so both stay visible.
            let (dx, dy) = (q.0 - p.0, q.1 - p.1);
            let len = (dx * dx + dy * dy).sqrt().max(1e-9);
            let (ux, uy) = (dx / len, dy / len);
            let (ox, oy) = (-uy * 6.0, ux * 6.0);
            let start = (
                p.0 + ux * node_r[a.index()] + ox,
                p.1 + uy * node_r[a.index()] + oy,
            );
            let end = (
                q.0 - ux * node_r[b.index()] + ox,
                q.1 - uy * node_r[b.index()] + oy,
            );
            let color = RGBColor(40, 40, 120).mix(0.15 + 0.85 * rel);
            let style = ShapeStyle {
                color,
                filled: false,
                stroke_width: (1.0 + 9.0 * rel).round() as u32,
            };
            root.draw(&PathElement::new(
                vec![
                    (start.0 as i32, start.1 as i32),
                    (end.0 as i32, end.1 as i32),
                ],
                style,
            ))?;
            let head = 10.0 + 6.0 * rel;
            let base = (end.0 - ux * head, end.1 - uy * head);
            root.draw(&Polygon::new(
                vec![
                    (end.0 as i32, end.1 as i32),
                    (
                        (base.0 - uy * head * 0.5) as i32,
                        (base.1 + ux * head * 0.5) as i32,
                    ),
                    (
                        (base.0 + uy * head * 0.5) as i32,
                        (base.1 - ux * head * 0.5) as i32,
                    ),
                ],
                color.filled(),
            ))?;
        }
        let n_comm = communities.iter().copied().max().map_or(1, |m| m + 1);
        for i in 0..n {
            let c = deepfield_core::report::plots::category_color(
                communities.get(i).copied().unwrap_or(0),
                n_comm,
            );
            let (x, y) = (pos[i].0 as i32, pos[i].1 as i32);
            root.draw(&Circle::new((x, y), node_r[i] as i32, c.filled()))?;
            root.draw(&Circle::new(
                (x, y),
                node_r[i] as i32,
                BLACK.stroke_width(1),
            ))?;
            let a = (pos[i].1 - cy).atan2(pos[i].0 - cx);
            let lx =
                pos[i].0 + (node_r[i] + 14.0) * a.cos() - if a.cos() < -0.3 { 90.0 } else { 0.0 };
            let ly = pos[i].1 + (node_r[i] + 14.0) * a.sin() - 8.0;
            root.draw(&Text::new(
                format!("{} ({})", self.labels[i], self.genomes[i]),
                (lx as i32, ly as i32),
                ("sans-serif", 18).into_font(),
            ))?;
        }
        Ok(())
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Modularity `Q = Σ_ij [w_ij − k_i k_j / 2m] δ(c_i, c_j) / 2m` of a symmetric weight matrix.
pub fn modularity(w: &[Vec<f64>], c: &[usize]) -> f64 {
    let k: Vec<f64> = w.iter().map(|r| r.iter().sum()).collect();
    let two_m: f64 = k.iter().sum();
    if two_m <= 0.0 {
        return 0.0;
    }
    let mut q = 0.0;
    for i in 0..w.len() {
        for j in 0..w.len() {
            if c[i] == c[j] {
                q += w[i][j] - k[i] * k[j] / two_m;
            }
        }
    }
    q / two_m
}

/// Louvain community detection on a symmetric non-negative weight matrix: local moves in node
/// order until no move raises modularity, then aggregation of communities into nodes, repeated
/// until nothing changes. Deterministic. Isolated nodes stay alone.
pub fn louvain(w: &[Vec<f64>]) -> Vec<usize> {
    let n = w.len();
    let mut membership: Vec<usize> = (0..n).collect();
    let mut graph = w.to_vec();
    loop {
        let m = graph.len();
        let k: Vec<f64> = graph.iter().map(|r| r.iter().sum()).collect();
        let two_m: f64 = k.iter().sum();
        if two_m <= 0.0 {
            break;
        }
        let mut comm: Vec<usize> = (0..m).collect();
        let mut tot = k.clone();
        let mut moved_any = false;
        for _sweep in 0..100 {
            let mut moved = false;
            for i in 0..m {
                let old = comm[i];
                tot[old] -= k[i];
                // Links from i to each community.
                let mut links = vec![0f64; m];
                for j in 0..m {
                    if j != i {
                        links[comm[j]] += graph[i][j];
                    }
                }
                let gain = |c: usize| links[c] - tot[c] * k[i] / two_m;
                let mut best = old;
                let mut best_gain = gain(old);
                for (c, &l) in links.iter().enumerate() {
                    if l > 0.0 && gain(c) > best_gain + 1e-12 {
                        best = c;
                        best_gain = gain(c);
                    }
                }
                tot[best] += k[i];
                if best != old {
                    comm[i] = best;
                    moved = true;
                    moved_any = true;
                }
            }
            if !moved {
                break;
            }
        }
        if !moved_any {
            break;
        }
        // Renumber and aggregate.
        let mut ids = vec![usize::MAX; m];
        let mut next = 0;
        for c in comm.iter_mut() {
            if ids[*c] == usize::MAX {
                ids[*c] = next;
                next += 1;
            }
            *c = ids[*c];
        }
        for mem in membership.iter_mut() {
            *mem = comm[*mem];
        }
        let mut agg = vec![vec![0f64; next]; next];
        for i in 0..m {
            for j in 0..m {
                agg[comm[i]][comm[j]] += graph[i][j];
            }
        }
        graph = agg;
        if next == m {
            break;
        }
    }
    // Number communities by first appearance.
    let mut ids = std::collections::HashMap::new();
    membership
        .iter()
        .map(|c| {
            let len = ids.len();
            *ids.entry(*c).or_insert(len)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn louvain_finds_two_cliques() {
        // Two triangles joined by one weak edge.
        let mut w = vec![vec![0.0; 6]; 6];
        for (a, b, x) in [
            (0, 1, 1.0),
            (1, 2, 1.0),
            (0, 2, 1.0),
            (3, 4, 1.0),
            (4, 5, 1.0),
            (3, 5, 1.0),
            (2, 3, 0.1),
        ] {
            w[a][b] = x;
            w[b][a] = x;
        }
        let c = louvain(&w);
        assert_eq!(c, vec![0, 0, 0, 1, 1, 1]);
        // Q = Σ_ij [w_ij − k_i k_j / 2m] δ / 2m computed by hand (Python) for this graph.
        let q = modularity(&w, &c);
        assert!((q - 0.483_606_557_377_049).abs() < 1e-9, "{q}");
    }

    #[test]
    fn network_from_probabilities() {
        let labels: Vec<String> = ["A", "B", "C"].iter().map(|s| s.to_string()).collect();
        let probs = vec![
            vec![0.8, 0.2, 0.0],
            vec![0.6, 0.4, 0.0],
            vec![0.3, 0.7, 0.0],
            vec![0.0, 0.1, 0.9],
        ];
        let net =
            MisclassificationNetwork::from_probabilities(&labels, &[0, 0, 1, 2], &probs, 0.05)
                .unwrap();
        assert!((net.matrix[0][1] - 0.3).abs() < 1e-12);
        assert!((net.matrix[1][0] - 0.3).abs() < 1e-12);
        assert_eq!(net.graph.edge_count(), 3);
        let top = net.top_edges(1);
        assert_eq!((top[0].from.as_str(), top[0].to.as_str()), ("A", "B"));
        let s = net.strengths();
        assert!((s[1].in_strength - 0.4).abs() < 1e-12);
        let dot = net.to_dot();
        assert!(dot.contains("0 -> 1 [ label = \"0.300\"") && dot.starts_with("digraph"));
        assert!(dot.contains("0 [ label = \"A (2)\""), "{dot}");
        let gml = net.to_graphml(&net.communities());
        assert_eq!(gml.matches("<edge ").count(), 3);
        assert!(MisclassificationNetwork::from_probabilities(
            &labels,
            &[5],
            &[vec![1.0, 0.0, 0.0]],
            0.0
        )
        .is_err());
    }

    /// One DOT line split into its text outside quotes and its quoted strings (unescaped);
    /// `None` if a string is not closed.
    fn dot_strings(line: &str) -> Option<(String, Vec<String>)> {
        let (mut bare, mut strings) = (String::new(), vec![]);
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            if c != '"' {
                bare.push(c);
                continue;
            }
            let mut s = String::new();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => s.push(chars.next()?),
                    c => s.push(c),
                }
            }
            strings.push(s);
        }
        Some((bare, strings))
    }

    #[test]
    fn dot_escapes_quotes_and_backslashes_in_labels() {
        let labels: Vec<String> = ["say \"hi\"", "back\\slash", "plain"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let probs = vec![
            vec![0.5, 0.5, 0.0],
            vec![0.0, 0.6, 0.4],
            vec![0.0, 0.0, 1.0],
        ];
        let net = MisclassificationNetwork::from_probabilities(&labels, &[0, 1, 2], &probs, 0.05)
            .unwrap();
        let dot = net.to_dot();
        let lines: Vec<&str> = dot.lines().collect();
        assert_eq!(lines.first(), Some(&"digraph {"), "{dot}");
        assert_eq!(lines.last(), Some(&"}"), "{dot}");
        let mut node_labels = vec![];
        for line in &lines[1..lines.len() - 1] {
            let (bare, strings) =
                dot_strings(line).unwrap_or_else(|| panic!("unclosed string: {line}"));
            // Outside the strings a statement is `id [ … ]` or `id -> id [ … ]`.
            assert!(
                bare.trim_end().ends_with(']') && bare.contains('['),
                "{line}"
            );
            if !line.contains("->") {
                node_labels.push(strings[0].clone());
            }
        }
        assert_eq!(
            node_labels,
            vec!["say \"hi\" (1)", "back\\slash (1)", "plain (1)"]
        );
        assert!(dot.contains(r#"label = "say \"hi\" (1)""#), "{dot}");
        assert!(
            dot.contains(r#"0 -> 1 [ label = "0.500" weight = 0.500000 penwidth = 5.00 ]"#),
            "{dot}"
        );
    }

    /// Soft confusion, strengths, edges and communities of a 4-label case computed by hand.
    #[test]
    fn soft_confusion_strengths_and_communities_by_hand() {
        let labels: Vec<String> = ["A", "B", "C", "D"].iter().map(|s| s.to_string()).collect();
        // Two genomes of A, one each of B, C, D: A and B confuse each other, C and D too.
        let probs = vec![
            vec![0.6, 0.4, 0.0, 0.0],
            vec![0.8, 0.2, 0.0, 0.0],
            vec![0.5, 0.5, 0.0, 0.0],
            vec![0.0, 0.0, 0.7, 0.3],
            vec![0.0, 0.0, 0.4, 0.6],
        ];
        let net =
            MisclassificationNetwork::from_probabilities(&labels, &[0, 0, 1, 2, 3], &probs, 0.25)
                .unwrap();
        assert_eq!(net.genomes, vec![2, 1, 1, 1]);
        // Row A is the mean of its two genomes' rows.
        let want = [
            [0.7, 0.3, 0.0, 0.0],
            [0.5, 0.5, 0.0, 0.0],
            [0.0, 0.0, 0.7, 0.3],
            [0.0, 0.0, 0.4, 0.6],
        ];
        for (row, w) in net.matrix.iter().zip(want) {
            assert!(
                row.iter().zip(w).all(|(a, b)| (a - b).abs() < 1e-12),
                "{row:?}"
            );
        }
        // Edges above 0.25: A→B 0.3, B→A 0.5, C→D 0.3, D→C 0.4.
        let top = net.top_edges(10);
        let got: Vec<(&str, &str)> = top
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str()))
            .collect();
        assert_eq!(got, [("B", "A"), ("D", "C"), ("A", "B"), ("C", "D")]);
        assert!((top[0].weight - 0.5).abs() < 1e-12);
        let s = net.strengths();
        assert!((s[0].self_weight - 0.7).abs() < 1e-12);
        assert!((s[0].out_strength - 0.3).abs() < 1e-12);
        assert!((s[0].in_strength - 0.5).abs() < 1e-12);
        assert!((s[3].in_strength - 0.3).abs() < 1e-12);
        // {A, B} and {C, D}: symmetric weights 0.8 and 0.7, degrees 0.8, 0.8, 0.7, 0.7, 2m = 3:
        // Q = Σ_c [Σ_in w − (Σ_c k)² / 2m] / 2m = [1.6 − 1.6²/3 + 1.4 − 1.4²/3] / 3 = 1 − 4.52/9.
        let c = net.communities();
        assert_eq!(c, vec![0, 0, 1, 1]);
        let q = net.modularity(&c);
        assert!((q - (1.0 - 4.52 / 9.0)).abs() < 1e-12, "{q}");
        // Everything in one community scores 0.
        assert!(net.modularity(&[0, 0, 0, 0]).abs() < 1e-12);
    }

    #[test]
    fn louvain_and_modularity_edge_cases() {
        // No edges: every node alone, modularity 0.
        let empty = vec![vec![0.0; 3]; 3];
        assert_eq!(louvain(&empty), vec![0, 1, 2]);
        assert_eq!(modularity(&empty, &[0, 1, 2]), 0.0);
        // A 4-cycle with one heavy chord pair: {0,1} and {2,3} joined by light edges.
        let mut w = vec![vec![0.0; 4]; 4];
        for (a, b, x) in [(0, 1, 5.0), (2, 3, 5.0), (1, 2, 0.5), (3, 0, 0.5)] {
            w[a][b] = x;
            w[b][a] = x;
        }
        assert_eq!(louvain(&w), vec![0, 0, 1, 1]);
        // k = 5.5 each, 2m = 22: Q = 2·(10 − 11²/22) / 22 = 9/22.
        let q = modularity(&w, &[0, 0, 1, 1]);
        assert!((q - 9.0 / 22.0).abs() < 1e-12, "{q}");
        assert!(modularity(&w, &[0, 1, 0, 1]) < 0.0);
    }
}
