//! Explaining a GNN's prediction for one node with every method of `deepfield_core::explain`
//! (saliency, integrated gradients, SmoothGrad, SHAP), as Captum explains a PyTorch Geometric
//! node classifier: the graph is fixed, the input is the whole node-feature matrix, and the
//! output is the chosen node's class logits. [`NodeTarget`] makes any [`GraphModel`] such a
//! model: it takes a batch `[B, N, F]` of feature matrices (one per integration step, noisy copy
//! or SHAP coalition) and returns `[B, classes]`, so attributions come back as `[B, N, F]`:
//! how much each feature of each node moved the node's prediction. With [`node_groups`], SHAP
//! treats each node (all its features) as one player.

use deepfield_core::tch::Tensor;
use deepfield_core::Forward;

use crate::adjacency::MessageGraph;
use crate::model::GraphModel;

/// `model` on `graph`, seen from node `node`.
pub struct NodeTarget<'a> {
    pub model: &'a dyn GraphModel,
    pub graph: &'a MessageGraph,
    pub node: i64,
}

impl Forward for NodeTarget<'_> {
    fn try_forward_t(
        &self,
        xs: &Tensor,
        _mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        let size = xs.size();
        let n = self.graph.n as i64;
        if size.len() != 3 || size[1] != n {
            return Err(deepfield_core::Error::input(format!(
                "node explanations take node-feature matrices [B, {n}, features], got {size:?}"
            )));
        }
        if self.node < 0 || self.node >= n {
            return Err(deepfield_core::Error::input(format!(
                "node {} does not exist: the graph has {n} nodes",
                self.node
            )));
        }
        let rows: Vec<Tensor> = (0..size[0])
            .map(|b| {
                self.model
                    .forward(&xs.get(b), self.graph, train)
                    .get(self.node)
            })
            .collect();
        Ok(Tensor::stack(&rows, 0))
    }
}

/// SHAP feature groups for node-feature matrices `[N, F]`: element `(i, f)` belongs to node `i`.
pub fn node_groups(nodes: usize, features: usize) -> Vec<usize> {
    (0..nodes)
        .flat_map(|i| std::iter::repeat_n(i, features))
        .collect()
}

/// The methods of [`explain_node`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum NodeMethod {
    /// |∂y/∂x| over every node's features.
    Saliency,
    /// x · ∂y/∂x.
    InputXGradient,
    /// Integrated gradients from all-zero features (`steps` points, 4 per forward pass).
    IntegratedGradients,
}

/// What [`explain_node`] found: the node explained, its class, and the nodes ranked by the
/// summed absolute attribution of their features.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NodeExplanation {
    pub node: String,
    pub class: String,
    /// (node id, Σ attribution, Σ |attribution|), largest Σ |attribution| first.
    pub ranking: Vec<(String, f64, f64)>,
    /// Integrated gradients' completeness delta.
    pub delta: Option<f64>,
}

/// Which node, output and method [`explain_node`] explains.
#[derive(Debug, Clone)]
pub struct NodeRequest {
    /// The node's id in the graph.
    pub node: String,
    /// Output index; `None`: the predicted class.
    pub class: Option<i64>,
    pub method: NodeMethod,
    /// Integration steps (integrated gradients).
    pub steps: usize,
}

/// Explain the prediction of the saved node classifier `model` for the node of `req` in the
/// graph of `source` and write `attributions.safetensors` (`[N, F]`), `nodes.csv` (the
/// ranking) and `explain.json` into `out`, atomically.
pub fn explain_node(
    registry: &deepfield_core::models::ModelRegistry,
    model: &std::path::Path,
    source: &crate::io::GraphSource,
    req: &NodeRequest,
    out: &std::path::Path,
) -> crate::Result<NodeExplanation> {
    let (node_id, class, method, steps) = (req.node.as_str(), req.class, req.method, req.steps);
    use deepfield_core::explain::Target;
    use deepfield_core::explain::{input_x_gradient, saliency, Inputs, IntegratedGradients};
    use deepfield_core::tch::{Device, Kind};

    let device = deepfield_core::device();
    let restored = registry.restore_as::<dyn GraphModel>(model, device)?;
    let (net, saved) = (&restored.model, restored.model.task());
    let mut graph = source.load()?;
    crate::predict::check_compatible(saved, model, &graph)?;
    let node = graph.ids.iter().position(|i| i == node_id).ok_or_else(|| {
        crate::GraphError::invalid(format!(
            "no node `{node_id}` in the graph ({} nodes, e.g. `{}`)",
            graph.ids.len(),
            graph.ids.first().map_or("", String::as_str)
        ))
    })?;
    if saved.normalize_features {
        graph.features.row_normalize();
    }
    let data = crate::train::Prepared::new(graph, device)?;
    let x = data.x.to_dense(None, false).unsqueeze(0);
    let target_model = NodeTarget {
        model: &**net,
        graph: &data.mg,
        node: node as i64,
    };
    let logits = deepfield_core::tch::no_grad(|| target_model.try_forward_t(&x, None, false))?;
    let k = match class {
        Some(k) => k,
        None => logits.argmax(1, false).int64_value(&[0]),
    };
    let classes = saved.class_names.len() as i64;
    if k < 0 || k >= classes {
        return Err(crate::GraphError::invalid(format!(
            "class {k} is out of range: the model has {classes} classes"
        )));
    }
    let target = Target::Class(k);
    let (a, delta) = match method {
        NodeMethod::Saliency => (
            saliency(&target_model, Inputs::new(&x), &target, true)?,
            None,
        ),
        NodeMethod::InputXGradient => (
            input_x_gradient(&target_model, Inputs::new(&x), &target)?,
            None,
        ),
        NodeMethod::IntegratedGradients => {
            let r = IntegratedGradients {
                steps,
                internal_batch_size: Some(4),
                ..Default::default()
            }
            .attribute(&target_model, Inputs::new(&x), &target)?;
            (r.attributions, Some(r.delta.double_value(&[0])))
        }
    };
    let a = a
        .get(0)
        .detach()
        .to_device(Device::Cpu)
        .to_kind(Kind::Float);
    let sums = Vec::<f64>::try_from(a.sum_dim_intlist(1, false, Kind::Double))?;
    let abs = Vec::<f64>::try_from(a.abs().sum_dim_intlist(1, false, Kind::Double))?;
    let g = &data.graph;
    let mut ranking: Vec<(String, f64, f64)> = (0..g.n_nodes())
        .map(|i| (g.ids[i].clone(), sums[i], abs[i]))
        .filter(|r| r.2 > 0.0)
        .collect();
    ranking.sort_by(|p, q| q.2.total_cmp(&p.2));
    let e = NodeExplanation {
        node: node_id.to_string(),
        class: saved.class_names[k as usize].clone(),
        ranking,
        delta,
    };
    deepfield_core::fsutil::write_dir_atomic(out, |tmp| {
        deepfield_core::checkpoint::write_tensors(
            &tmp.join("attributions.safetensors"),
            &[("attributions", &a)],
        )?;
        deepfield_core::fsutil::write_csv(
            &tmp.join("nodes.csv"),
            [g.id_column.as_str(), "attribution", "abs_attribution"],
            e.ranking
                .iter()
                .map(|(id, s, m)| [id.clone(), s.to_string(), m.to_string()]),
        )?;
        let record = serde_json::json!({
            "model": model, "node": node_id, "class": e.class, "method": method,
            "steps": steps, "delta": delta, "nodes_with_attribution": e.ranking.len(),
        });
        deepfield_core::fsutil::write_json(&tmp.join("explain.json"), &record)?;
        Ok(())
    })?;
    Ok(e)
}
