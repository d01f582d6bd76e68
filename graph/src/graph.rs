//! The in-memory graph: node ids, sparse features, labels, undirected edges, an optional given
//! node split, and a `petgraph` view for analysis (components, degrees).

use std::collections::HashMap;

use petgraph::graph::UnGraph;
use serde::Serialize;

use crate::features::SparseFeatures;
use crate::split::NodeSplit;
use crate::{GraphError, Result};

/// An attributed, undirected graph for node-level learning.
#[derive(Debug, Clone)]
pub struct Graph {
    /// A short name for reports (the folder or file stem it was read from).
    pub name: String,
    /// Node ids as written in the input, in node order.
    pub ids: Vec<String>,
    /// Node features, one row per node.
    pub features: SparseFeatures,
    /// Class index per node, `-1` where unknown.
    pub labels: Vec<i64>,
    /// Class names, indexed by label.
    pub class_names: Vec<String>,
    /// Undirected edges `(a, b)` with `a < b`, unique, no self-loops.
    pub edges: Vec<(usize, usize)>,
    /// The split given with the data (e.g. Planetoid's 140/500/1000), if any.
    pub split: Option<NodeSplit>,
    /// The name of the node-id column in the input (`node` unless the input named it), kept for
    /// the outputs that list nodes.
    pub id_column: String,
}

/// Summary numbers of a graph for reports.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct GraphStats {
    pub nodes: usize,
    pub edges: usize,
    pub features: usize,
    pub feature_density: f64,
    pub classes: usize,
    pub labelled: usize,
    pub mean_degree: f64,
    pub max_degree: usize,
    pub isolated: usize,
    pub components: usize,
    pub largest_component: usize,
}

impl Graph {
    /// Assemble and check a graph: one feature row per node, edges inside `0..n`, labels below
    /// the number of classes. Edges are made undirected, deduplicated, and self-loops dropped.
    pub fn new(
        name: &str,
        ids: Vec<String>,
        features: SparseFeatures,
        labels: Vec<i64>,
        class_names: Vec<String>,
        edges: Vec<(usize, usize)>,
        split: Option<NodeSplit>,
    ) -> Result<Self> {
        let n = ids.len();
        if n == 0 {
            return Err(GraphError::invalid(format!(
                "{name}: the graph has no nodes"
            )));
        }
        if features.n_rows != n || labels.len() != n {
            return Err(GraphError::invalid(format!(
                "{name}: {n} nodes but {} feature rows and {} labels",
                features.n_rows,
                labels.len()
            )));
        }
        if let Some(&l) = labels
            .iter()
            .find(|&&l| l < -1 || l >= class_names.len() as i64)
        {
            return Err(GraphError::invalid(format!(
                "{name}: label {l} outside 0..{}",
                class_names.len()
            )));
        }
        let mut und = Vec::with_capacity(edges.len());
        for (a, b) in edges {
            if a >= n || b >= n {
                return Err(GraphError::invalid(format!(
                    "{name}: edge ({a}, {b}) outside the {n} nodes"
                )));
            }
            if a != b {
                und.push((a.min(b), a.max(b)));
            }
        }
        und.sort_unstable();
        und.dedup();
        if let Some(s) = &split {
            s.check(n)?;
        }
        Ok(Graph {
            name: name.to_string(),
            ids,
            features,
            labels,
            class_names,
            edges: und,
            split,
            id_column: "node".to_string(),
        })
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.ids.len()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.class_names.len()
    }

    /// Feature dimension.
    pub fn n_features(&self) -> usize {
        self.features.n_cols
    }

    /// Node index of every id.
    pub fn id_index(&self) -> HashMap<&str, usize> {
        self.ids
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect()
    }

    /// Degree of every node (undirected, no self-loops).
    pub fn degrees(&self) -> Vec<usize> {
        let mut d = vec![0; self.n_nodes()];
        for &(a, b) in &self.edges {
            d[a] += 1;
            d[b] += 1;
        }
        d
    }

    /// Neighbour lists (CSR-like, sorted), for samplers and analysis.
    pub fn neighbours(&self) -> Vec<Vec<usize>> {
        let mut nb = vec![Vec::new(); self.n_nodes()];
        for &(a, b) in &self.edges {
            nb[a].push(b);
            nb[b].push(a);
        }
        nb.iter_mut().for_each(|v| v.sort_unstable());
        nb
    }

    /// The `petgraph` view: node weights are node indices, edges unweighted.
    pub fn petgraph(&self) -> UnGraph<usize, ()> {
        let mut g = UnGraph::with_capacity(self.n_nodes(), self.edges.len());
        let nodes: Vec<_> = (0..self.n_nodes()).map(|i| g.add_node(i)).collect();
        for &(a, b) in &self.edges {
            g.add_edge(nodes[a], nodes[b], ());
        }
        g
    }

    /// The same graph with another edge set (e.g. only the training edges of a link split).
    pub fn with_edges(&self, edges: Vec<(usize, usize)>) -> Result<Graph> {
        Graph::new(
            &self.name,
            self.ids.clone(),
            self.features.clone(),
            self.labels.clone(),
            self.class_names.clone(),
            edges,
            self.split.clone(),
        )
        .map(|g| Graph {
            id_column: self.id_column.clone(),
            ..g
        })
    }

    /// Nodes, edges, degrees and connected components (through `petgraph`).
    pub fn stats(&self) -> GraphStats {
        let deg = self.degrees();
        let g = self.petgraph();
        let mut uf = petgraph::unionfind::UnionFind::<usize>::new(self.n_nodes());
        for e in g.edge_indices() {
            if let Some((a, b)) = g.edge_endpoints(e) {
                uf.union(a.index(), b.index());
            }
        }
        let mut sizes: HashMap<usize, usize> = HashMap::new();
        for i in 0..self.n_nodes() {
            *sizes.entry(uf.find(i)).or_default() += 1;
        }
        GraphStats {
            nodes: self.n_nodes(),
            edges: self.edges.len(),
            features: self.n_features(),
            feature_density: self.features.density(),
            classes: self.n_classes(),
            labelled: self.labels.iter().filter(|&&l| l >= 0).count(),
            mean_degree: 2.0 * self.edges.len() as f64 / self.n_nodes() as f64,
            max_degree: deg.iter().copied().max().unwrap_or(0),
            isolated: deg.iter().filter(|&&d| d == 0).count(),
            components: petgraph::algo::connected_components(&g),
            largest_component: sizes.values().copied().max().unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn toy() -> Graph {
        let f = SparseFeatures::from_dense(&[
            vec![1.0, 0.0],
            vec![0.0, 1.0],
            vec![1.0, 1.0],
            vec![0.0, 0.0],
        ])
        .unwrap();
        Graph::new(
            "toy",
            (0..4).map(|i| i.to_string()).collect(),
            f,
            vec![0, 1, 0, -1],
            vec!["a".into(), "b".into()],
            vec![(1, 0), (0, 1), (1, 2), (2, 2)],
            None,
        )
        .unwrap()
    }

    #[test]
    fn edges_are_undirected_unique_without_self_loops_and_stats_count() {
        let g = toy();
        assert_eq!(g.edges, vec![(0, 1), (1, 2)]);
        let s = g.stats();
        assert_eq!(
            (s.components, s.largest_component, s.isolated, s.labelled),
            (2, 3, 1, 3)
        );
        assert_eq!(g.neighbours()[1], vec![0, 2]);
        assert_eq!(g.petgraph().edge_count(), 2);
    }

    #[test]
    fn inconsistent_graphs_are_errors() {
        let f = SparseFeatures::from_dense(&[vec![1.0]]).unwrap();
        let e = Graph::new(
            "x",
            vec!["a".into()],
            f.clone(),
            vec![0],
            vec!["c".into()],
            vec![(0, 3)],
            None,
        );
        assert!(e.unwrap_err().to_string().contains("outside"));
        let e = Graph::new(
            "x",
            vec!["a".into()],
            f,
            vec![2],
            vec!["c".into()],
            vec![],
            None,
        );
        assert!(e.unwrap_err().to_string().contains("label 2"));
    }
}
