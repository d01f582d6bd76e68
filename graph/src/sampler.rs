//! GraphSAGE-style neighbour sampling (Hamilton, Ying & Leskovec 2017): for a mini-batch of
//! seed nodes, hop `l` samples at most `fanouts[l]` neighbours (without replacement) of every
//! node reached at hop `l - 1`. The result is the sampled subgraph with local node ids, seeds
//! first, on which a GNN runs exactly like on a whole graph (PyTorch Geometric's
//! `NeighborLoader` does the same).

use std::collections::HashMap;

use deepfield_core::Rng;

use crate::{GraphError, Result};

/// A sampled subgraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subgraph {
    /// Global node index of every local node; the first `n_seeds` are the seeds.
    pub nodes: Vec<usize>,
    /// Number of seed nodes.
    pub n_seeds: usize,
    /// Sampled directed edges `(src, dst)` in local ids: `src` is a sampled neighbour of `dst`.
    pub edges: Vec<(usize, usize)>,
    /// Hop at which each local node was first reached (0 for seeds).
    pub hop: Vec<usize>,
}

/// Neighbour sampler with per-layer fan-outs.
#[derive(Debug, Clone)]
pub struct NeighbourSampler {
    fanouts: Vec<usize>,
}

impl NeighbourSampler {
    /// `fanouts[l]` neighbours per node at hop `l + 1`; every fan-out must be > 0.
    pub fn new(fanouts: Vec<usize>) -> Result<Self> {
        if fanouts.is_empty() || fanouts.contains(&0) {
            return Err(GraphError::config(format!(
                "sampler: fan-outs must be non-empty and > 0, got {fanouts:?}"
            )));
        }
        Ok(NeighbourSampler { fanouts })
    }

    /// The fan-outs.
    pub fn fanouts(&self) -> &[usize] {
        &self.fanouts
    }

    /// Sample the subgraph around `seeds` (distinct global ids) in the graph given by its
    /// neighbour lists.
    pub fn sample(
        &self,
        neighbours: &[Vec<usize>],
        seeds: &[usize],
        rng: &mut Rng,
    ) -> Result<Subgraph> {
        let mut local: HashMap<usize, usize> = HashMap::with_capacity(seeds.len() * 8);
        let mut nodes = Vec::with_capacity(seeds.len() * 8);
        let mut hop = Vec::new();
        for &s in seeds {
            if s >= neighbours.len() {
                return Err(GraphError::invalid(format!(
                    "seed {s} outside the {} nodes",
                    neighbours.len()
                )));
            }
            if local.insert(s, nodes.len()).is_some() {
                return Err(GraphError::invalid(format!("seed {s} given twice")));
            }
            nodes.push(s);
            hop.push(0);
        }
        let mut frontier: Vec<usize> = (0..nodes.len()).collect();
        let mut edges = Vec::new();
        let mut pick: Vec<usize> = Vec::new();
        for (l, &k) in self.fanouts.iter().enumerate() {
            let mut next = Vec::new();
            for &dst in &frontier {
                let nb = &neighbours[nodes[dst]];
                pick.clear();
                if nb.len() <= k {
                    pick.extend_from_slice(nb);
                } else {
                    // Partial Fisher–Yates: k distinct neighbours.
                    let mut pool = nb.clone();
                    for i in 0..k {
                        let j = i + rng.below(pool.len() - i);
                        pool.swap(i, j);
                    }
                    pick.extend_from_slice(&pool[..k]);
                }
                for &g in &pick {
                    let src = *local.entry(g).or_insert_with(|| {
                        nodes.push(g);
                        hop.push(l + 1);
                        next.push(nodes.len() - 1);
                        nodes.len() - 1
                    });
                    edges.push((src, dst));
                }
            }
            frontier = next;
        }
        Ok(Subgraph {
            nodes,
            n_seeds: seeds.len(),
            edges,
            hop,
        })
    }
}

/// Seeded mini-batches of `nodes` (shuffled, last batch may be smaller).
pub fn batches(nodes: &[usize], batch_size: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
    let mut order = nodes.to_vec();
    rng.shuffle(&mut order);
    order
        .chunks(batch_size.max(1))
        .map(<[usize]>::to_vec)
        .collect()
}
