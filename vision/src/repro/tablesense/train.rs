//! Training the detector of one fold: random fixed-size windows of the training sheets' cell
//! feature maps (the paper's fixed-size cell-feature tensor), per-cell binary cross-entropy
//! on the five target maps, through core's Trainer.

use std::time::Instant;

use tch::nn::VarStore;
use tch::{Kind, Reduction, Tensor};

use deepfield_core::data::Batch;
use deepfield_core::models::ModelConfig;
use deepfield_core::train::{FnSource, History, StepOutput, TrainStep, Trainer};
use deepfield_core::Rng;

use super::data::Annotated;
use super::TableSenseReproConfig;
use crate::models::tablesense::TableSense;
use crate::sheets::compose::{stack_tables, Part};
use crate::sheets::features::{feature_map, window};
use crate::sheets::labels::target_maps;
use crate::Result;

/// A training sheet's features and targets (its first `max_train_rows` rows), its draw weight
/// and the sheet itself (for stacked composites).
pub struct TrainSheet<'a> {
    pub x: Tensor,
    pub y: Tensor,
    pub weight: f64,
    pub source: &'a Annotated,
}

/// Features and targets of `a`, cut to `max_rows` rows.
pub fn prepare(a: &Annotated, max_rows: usize, weight: f64) -> Result<TrainSheet<'_>> {
    let x = feature_map(&a.sheet)?;
    let y = target_maps(&a.tables, a.sheet.rows(), a.sheet.cols());
    let keep = a.sheet.rows().min(max_rows) as i64;
    Ok(TrainSheet {
        x: x.narrow(1, 0, keep),
        y: y.narrow(1, 0, keep),
        weight,
        source: a,
    })
}

/// Features and targets of a composite of two tables drawn from `sheets`, stacked 1–2 blank
/// rows apart (3–17 rows of each); `None` when a drawn sheet has no table.
fn stacked(
    sheets: &[TrainSheet<'_>],
    cum: &[f64],
    rng: &mut Rng,
) -> Result<Option<(Tensor, Tensor)>> {
    let mut parts = Vec::new();
    for _ in 0..2 {
        let a = sheets[draw(cum, rng)].source;
        if a.tables.is_empty() {
            return Ok(None);
        }
        parts.push(Part {
            sheet: &a.sheet,
            table: a.tables[rng.below(a.tables.len())],
            rows: 3 + rng.below(15),
        });
    }
    let (sheet, boxes) = stack_tables("stacked", &parts, 1 + rng.below(2));
    Ok(Some((
        feature_map(&sheet)?,
        target_maps(&boxes, sheet.rows(), sheet.cols()),
    )))
}

/// The training step: weighted per-cell binary cross-entropy of the five maps.
struct Step<'a> {
    model: &'a TableSense,
    pos_weight: Tensor,
}

impl TrainStep<Batch> for Step<'_> {
    fn step(&self, b: &Batch, train: bool) -> deepfield_core::Result<StepOutput> {
        let logits = self.model.logits(&b.x, train)?;
        let loss = logits.f_binary_cross_entropy_with_logits(
            &b.y,
            None::<&Tensor>,
            Some(&self.pos_weight),
            Reduction::Mean,
        )?;
        Ok(StepOutput::new(loss, b.x.size()[0]))
    }
}

/// A trained fold model.
pub struct Trained {
    pub model: TableSense,
    pub vs: VarStore,
    pub history: History,
    pub seconds: f64,
    pub parameters: usize,
}

fn draw(cum: &[f64], rng: &mut Rng) -> usize {
    let total = cum.last().copied().unwrap_or(0.0);
    let u = rng.uniform() * total;
    cum.partition_point(|&c| c <= u)
        .min(cum.len().saturating_sub(1))
}

/// Train a fresh detector on `sheets`.
pub fn train_fold(
    cfg: &TableSenseReproConfig,
    sheets: &[TrainSheet<'_>],
    seed: u64,
) -> Result<Trained> {
    let device = deepfield_core::device();
    deepfield_core::seed(seed);
    let mut vs = VarStore::new(device);
    let model = cfg.model.build(&vs.root())?;
    let parameters: usize = vs.trainable_variables().iter().map(|t| t.numel()).sum();
    let w = cfg.edge_pos_weight;
    let pos_weight = Tensor::from_slice(&[1.0f32, w as f32, w as f32, w as f32, w as f32])
        .reshape([5, 1, 1])
        .to_device(device);
    let mut cum = Vec::with_capacity(sheets.len());
    let mut acc = 0.0;
    for s in sheets {
        acc += s.weight;
        cum.push(acc);
    }
    let (h, wd) = (cfg.window_rows, cfg.window_cols);
    let bs = cfg.train.batch_size;
    let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9).wrapping_add(17));
    let mut source = FnSource(|_epoch: usize| -> deepfield_core::Result<Vec<Batch>> {
        let mut out = Vec::with_capacity(cfg.steps_per_epoch);
        for _ in 0..cfg.steps_per_epoch {
            let mut xs = Vec::with_capacity(bs);
            let mut ys = Vec::with_capacity(bs);
            for _ in 0..bs {
                if rng.uniform() < cfg.stack_fraction {
                    if let Some((x, y)) = stacked(sheets, &cum, &mut rng)? {
                        xs.push(window(&x, 0, 0, h, wd));
                        ys.push(window(&y, 0, 0, h, wd));
                        continue;
                    }
                }
                let s = &sheets[draw(&cum, &mut rng)];
                let size = s.x.size();
                let (rows, cols) = (size[1], size[2]);
                // Half the windows start at the sheet's top / left edge, where titles and
                // headers are; the others anywhere with at least half a window of sheet.
                let pick = |rng: &mut Rng, n: i64, win: i64| -> i64 {
                    let span = (n - win / 2).max(0) as usize;
                    if rng.uniform() < 0.5 || span == 0 {
                        0
                    } else {
                        rng.below(span + 1) as i64
                    }
                };
                let r0 = pick(&mut rng, rows, h);
                let c0 = pick(&mut rng, cols, wd);
                xs.push(window(&s.x, r0, c0, h, wd));
                ys.push(window(&s.y, r0, c0, h, wd));
            }
            out.push(Batch {
                x: Tensor::stack(&xs, 0).to_device(device),
                y: Tensor::stack(&ys, 0).to_kind(Kind::Float).to_device(device),
                mask: None,
            });
        }
        Ok(out)
    });
    let trainer = Trainer::new(cfg.train.clone(), deepfield_core::train::Task::regression())?;
    let mut step = Step {
        model: &model,
        pos_weight,
    };
    let started = Instant::now();
    let history = trainer.fit_steps(&mut step, &mut vs, &mut source, None, &mut [])?;
    let seconds = started.elapsed().as_secs_f64();
    drop(step);
    Ok(Trained {
        model,
        vs,
        history,
        seconds,
        parameters,
    })
}
