//! The seed paper's own use of Smooth Grad-CAM++: maps "for a layer, a subset of feature maps,
//! or a subset of neurons within a feature map". For each gallery image and its true class:
//! one map per conv block; the map of the last block restricted to its single feature map with
//! the largest classifier weight for the class (`class_activation_map_of`); and the map, at the
//! middle block, of one neuron — the most active position of that same feature map
//! ([`deepfield_core::explain::NeuronTarget`]).

use tch::{Kind, Tensor};

use deepfield_core::explain::cam::{class_activation_map, class_activation_map_of, upsample};
use deepfield_core::explain::{CamMethod, Inputs, NeuronTarget, Neurons, Target};
use deepfield_core::nn::capture::Capture;
use deepfield_core::nn::cnn::CnnClassifier;
use deepfield_core::Forward;

use crate::Result;

/// Column titles and, per image, the maps `[S, S]` of those columns.
pub struct SeedViews {
    pub titles: Vec<String>,
    pub maps: Vec<Vec<Tensor>>,
}

/// The views of `images` `[G, 1, S, S]` for `labels`, with Smooth Grad-CAM++ (`method`).
pub fn seed_views(
    model: &CnnClassifier,
    head_weight: &Tensor,
    blocks: usize,
    images: &Tensor,
    labels: &[i64],
    method: &CamMethod,
) -> Result<SeedViews> {
    let side = images.size()[2];
    let last = format!("blocks.{}", blocks - 1);
    let middle = format!("blocks.{}", blocks.saturating_sub(2));
    let mut titles: Vec<String> = (0..blocks).map(|b| format!("layer blocks.{b}")).collect();
    titles.push(format!("one feature map of {last}"));
    titles.push(format!("one neuron of {last}, at {middle}"));
    let mut maps = Vec::with_capacity(labels.len());
    for (i, &label) in labels.iter().enumerate() {
        let x = images.narrow(0, i as i64, 1);
        let target = Target::Class(label);
        let mut row = Vec::with_capacity(titles.len());
        for b in 0..blocks {
            let layer = format!("blocks.{b}");
            let m = class_activation_map(model, Inputs::new(&x), &layer, &target, method, true)?;
            row.push(upsample(&m, &[side, side])?.get(0).detach());
        }
        // The feature map the class leans on most.
        let k = head_weight.get(label).argmax(0, false).int64_value(&[]);
        let m = class_activation_map_of(
            model,
            Inputs::new(&x),
            &last,
            &target,
            method,
            true,
            Some(&[k]),
        )?;
        row.push(upsample(&m, &[side, side])?.get(0).detach());
        // Its most active neuron.
        let cap = Capture::layers([last.as_str()]);
        let _ = tch::no_grad(|| cap.run(|| model.try_forward_t(&x, None, false)))?;
        let a = cap
            .activation(&last)
            .ok_or_else(|| crate::Error::config(format!("the model has no layer {last}")))?;
        let position = a
            .get(0)
            .get(k)
            .flatten(0, -1)
            .argmax(0, false)
            .int64_value(&[]);
        let neuron = NeuronTarget {
            model,
            neurons: Neurons {
                layer: last.clone(),
                channels: vec![k],
                positions: Some(vec![position]),
            },
        };
        let m = class_activation_map(
            &neuron,
            Inputs::new(&x),
            &middle,
            &Target::Class(0),
            method,
            true,
        )?;
        row.push(
            upsample(&m, &[side, side])?
                .get(0)
                .detach()
                .to_kind(Kind::Float),
        );
        maps.push(row);
    }
    Ok(SeedViews { titles, maps })
}
