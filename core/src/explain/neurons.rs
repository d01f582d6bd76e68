//! Explaining a subset of neurons instead of a class: the seed paper of Smooth Grad-CAM++
//! (Omeiza et al. 2019) visualises "a layer, a subset of feature maps, or a subset of neurons
//! within a feature map". [`NeuronTarget`] turns any model into one whose single output is the
//! summed activation of chosen neurons of one of its captured layers — chosen channels, and
//! optionally chosen positions within them — so every method of [`crate::explain`] (CAM family
//! at an earlier layer, gradients, integrated gradients, SHAP) explains those neurons with
//! `Target::Class(0)`, as captum's neuron attributions do.
//!
//! The wrapped model runs under a capture session of its own; every activation it records is
//! tapped again into the caller's session afterwards, so a class activation map of another
//! layer still finds its feature map. (Gradients captured through probes in the caller's
//! session are not available for layers inside the wrapper; the CAM methods do not use them.)

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::nn::capture::{tap, Capture};
use crate::{Error, Forward, Result};

/// Which neurons: channels of a captured `[B, K, spatial…]` (or `[B, K]`) layer and,
/// optionally, flat positions within each channel's map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Neurons {
    /// The captured layer (a tap name).
    pub layer: String,
    /// Channels (0-based); empty: every channel.
    #[serde(default)]
    pub channels: Vec<i64>,
    /// Flat (row-major) positions within each channel's map; `None`: every position.
    #[serde(default)]
    pub positions: Option<Vec<i64>>,
}

/// A model whose output `[B, 1]` is the summed activation of [`Neurons`] of `model`.
pub struct NeuronTarget<'a> {
    pub model: &'a dyn Forward,
    pub neurons: Neurons,
}

impl Neurons {
    /// Σ of the chosen neurons per example, `[B]`, from the layer's activation `a`.
    fn score(&self, a: &Tensor) -> Result<Tensor> {
        let size = a.size();
        if size.len() < 2 {
            return Err(Error::input(format!(
                "layer {:?} gives {size:?}: neurons need a [B, K, …] activation",
                self.layer
            )));
        }
        let (b, k) = (size[0], size[1]);
        let flat = a.reshape([b, k, -1]);
        let places = flat.size()[2];
        let pick = |what: &str, ids: &[i64], n: i64| -> Result<Tensor> {
            if let Some(bad) = ids.iter().find(|&&i| i < 0 || i >= n) {
                return Err(Error::input(format!(
                    "{what} {bad} is out of range: layer {:?} has {n} {what}s",
                    self.layer
                )));
            }
            Ok(Tensor::from_slice(ids).to_device(a.device()))
        };
        let flat = if self.channels.is_empty() {
            flat
        } else {
            flat.index_select(1, &pick("channel", &self.channels, k)?)
        };
        let flat = match &self.positions {
            None => flat,
            Some(p) if p.is_empty() => {
                return Err(Error::input(
                    "choose at least one position (or none for all)",
                ))
            }
            Some(p) => flat.index_select(2, &pick("position", p, places)?),
        };
        Ok(flat.sum_dim_intlist([1i64, 2].as_slice(), false, Kind::Float))
    }
}

impl Forward for NeuronTarget<'_> {
    fn try_forward_t(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let cap = Capture::all();
        let _out = cap.run(|| self.model.try_forward_t(xs, mask, train))?;
        // Hand the inner session's records to the caller's session (if any).
        for name in cap.seen() {
            for a in cap.activations(&name) {
                let _ = tap(&name, a);
            }
        }
        let acts = cap.activations(&self.neurons.layer);
        let a = match acts.as_slice() {
            [a] => a,
            [] => {
                return Err(Error::input(format!(
                    "the model has no captured layer {:?}; its layers are: {}",
                    self.neurons.layer,
                    cap.seen().join(", ")
                )))
            }
            _ => {
                return Err(Error::input(format!(
                    "layer {:?} ran {} times in one forward pass; choose a layer that runs once",
                    self.neurons.layer,
                    acts.len()
                )))
            }
        };
        Ok(self.neurons.score(a)?.unsqueeze(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::{class_activation_map, saliency, CamMethod, Inputs, Target};
    use crate::models::ModelConfig;
    use crate::nn::cnn::{CnnClassifierConfig, ConvStackConfig};
    use tch::{nn::VarStore, Device};

    fn cnn() -> (VarStore, Box<dyn Forward>) {
        crate::seed(4);
        let vs = VarStore::new(Device::Cpu);
        let cfg = CnnClassifierConfig {
            stack: ConvStackConfig::new(2, 1, [4, 6], 3),
            output: 3,
            ..Default::default()
        };
        let m = cfg.build(&vs.root()).unwrap();
        (vs, Box::new(m))
    }

    /// The score is the sum of the chosen activations, read back from a capture of the layer.
    #[test]
    fn score_sums_the_chosen_channels_and_positions() {
        let (_vs, model) = cnn();
        let x = Tensor::randn([2, 1, 10, 10], (Kind::Float, Device::Cpu));
        let cap = Capture::layers(["blocks.1"]);
        let _ = cap.run(|| model.forward_t(&x, None, false));
        let a = cap.activation("blocks.1").unwrap();
        let neurons = Neurons {
            layer: "blocks.1".into(),
            channels: vec![1, 4],
            positions: Some(vec![0, 7]),
        };
        let t = NeuronTarget {
            model: &*model,
            neurons,
        };
        let got = t.forward_t(&x, None, false);
        assert_eq!(got.size(), [2, 1]);
        let flat = a.reshape([2, 6, -1]);
        for b in 0..2 {
            let want: f64 = [(1, 0), (1, 7), (4, 0), (4, 7)]
                .iter()
                .map(|&(k, p)| flat.double_value(&[b, k, p]))
                .sum();
            assert!((got.double_value(&[b, 0]) - want).abs() < 1e-5);
        }
    }

    /// A Grad-CAM of `blocks.0` for neurons of `blocks.1` works (the inner activations reach the
    /// caller's capture), differs from the class map, and only the chosen positions' receptive
    /// field gets input gradient: saliency of one corner neuron is zero far from that corner.
    #[test]
    fn maps_and_gradients_of_a_neuron_subset() {
        let (_vs, model) = cnn();
        let x = Tensor::randn([1, 1, 16, 16], (Kind::Float, Device::Cpu));
        let corner = Neurons {
            layer: "blocks.0".into(),
            channels: vec![],
            positions: Some(vec![0]),
        };
        let t = NeuronTarget {
            model: &*model,
            neurons: corner,
        };
        let s = saliency(&t, Inputs::new(&x), &Target::Class(0), true).unwrap();
        // blocks.0: one 3×3 convolution, padding 1, no pool: output position 0 sees rows and
        // columns 0 and 1 of the input only.
        let far = s.narrow(2, 2, 14).abs().max().double_value(&[]);
        let near = s
            .narrow(2, 0, 2)
            .narrow(3, 0, 2)
            .abs()
            .max()
            .double_value(&[]);
        assert!(far == 0.0 && near > 0.0, "far {far}, near {near}");
        let neurons = Neurons {
            layer: "blocks.1".into(),
            channels: vec![2],
            positions: None,
        };
        let t = NeuronTarget {
            model: &*model,
            neurons,
        };
        let m = class_activation_map(
            &t,
            Inputs::new(&x),
            "blocks.0",
            &Target::Class(0),
            &CamMethod::GradCam,
            false,
        )
        .unwrap();
        assert_eq!(m.size(), [1, 16, 16]);
        let c = class_activation_map(
            &*model,
            Inputs::new(&x),
            "blocks.0",
            &Target::Class(0),
            &CamMethod::GradCam,
            false,
        )
        .unwrap();
        assert!((&m - &c).abs().max().double_value(&[]) > 1e-6);
        // Bad choices are errors naming the layer.
        let bad = NeuronTarget {
            model: &*model,
            neurons: Neurons {
                layer: "blocks.1".into(),
                channels: vec![6],
                positions: None,
            },
        };
        let e = bad.try_forward_t(&x, None, false).unwrap_err().to_string();
        assert!(e.contains("channel 6") && e.contains("blocks.1"), "{e}");
        let bad = NeuronTarget {
            model: &*model,
            neurons: Neurons {
                layer: "nope".into(),
                channels: vec![],
                positions: None,
            },
        };
        assert!(bad
            .try_forward_t(&x, None, false)
            .unwrap_err()
            .to_string()
            .contains("blocks.0"));
    }
}
