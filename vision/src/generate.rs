//! Images from a trained label-conditional generator (`deepfield-vision eval generate`), and
//! the labelled sample grid PNG that command and the `cond-gan` reproduction draw.
//!
//! A grid holds `rows × cols` cells of `size·scale` pixels with a 2-pixel white gutter; with
//! row labels a 110-pixel column on the left names each row's class; a 24-pixel title line runs
//! on top. So its size is `(label + cols·(size·scale + 2) + 2, 24 + rows·(size·scale + 2) + 2)`
//! ([`grid_size`]).

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use tch::{Device, Kind, Tensor};

use deepfield_core::models::restore_model;
use deepfield_core::report::plots::render_png;

use crate::models::gan::{CondGenerator, CondGeneratorConfig};
use crate::{Error, Result};

/// Width of the row-label column, pixels.
pub const LABEL_WIDTH: u32 = 110;
/// Height of the title line, pixels.
pub const TITLE_HEIGHT: u32 = 24;
/// Most images one command may ask for.
pub const MAX_IMAGES: usize = 4096;

/// Pixel size of a grid of `rows × cols` images of `side` pixels drawn `scale` times larger.
pub fn grid_size(rows: usize, cols: usize, side: i64, scale: u32, labelled: bool) -> (u32, u32) {
    let cell = side as u32 * scale + 2;
    let label = if labelled { LABEL_WIDTH } else { 0 };
    (
        label + cols as u32 * cell + 2,
        TITLE_HEIGHT + rows as u32 * cell + 2,
    )
}

/// Draw `images` `[rows·cols, C, H, W]` with values in [0, 1] (C 1 or 3), row-major, as a PNG
/// grid at `path` (atomically), `row_labels` (one per row) on the left when given.
pub fn write_grid(
    path: &Path,
    images: &Tensor,
    cols: usize,
    row_labels: Option<&[String]>,
    title: &str,
    scale: u32,
) -> Result<()> {
    let s = images.size();
    if s.len() != 4 || !(s[1] == 1 || s[1] == 3) || s[2] != s[3] || s[0] < 1 || cols < 1 {
        return Err(Error::input(format!(
            "sample grid {}: images must be [N >= 1, 1 or 3, S, S], got {s:?}",
            path.display()
        )));
    }
    let n = s[0] as usize;
    let rows = n.div_ceil(cols);
    if let Some(l) = row_labels {
        if l.len() != rows {
            return Err(Error::input(format!(
                "sample grid {}: {} row labels for {rows} rows",
                path.display(),
                l.len()
            )));
        }
    }
    let side = s[2];
    let scale = scale.max(1);
    // HWC bytes of every image.
    let px: Vec<u8> = Vec::try_from(
        (images
            .to_device(Device::Cpu)
            .to_kind(Kind::Float)
            .clamp(0.0, 1.0)
            * 255.0)
            .round()
            .to_kind(Kind::Uint8)
            .expand([s[0], 3, side, side], false)
            .permute([0, 2, 3, 1])
            .contiguous()
            .view([-1]),
    )?;
    let size = grid_size(rows, cols, side, scale, row_labels.is_some());
    let x0 = if row_labels.is_some() { LABEL_WIDTH } else { 0 } as i32;
    let cell = side as i32 * scale as i32 + 2;
    let side = side as usize;
    render_png(path, size, |root| {
        root.draw(&Text::new(
            title.to_string(),
            (4, 4),
            ("sans-serif", 16).into_font(),
        ))?;
        for k in 0..n {
            let (r, c) = ((k / cols) as i32, (k % cols) as i32);
            let (ox, oy) = (x0 + 2 + c * cell, TITLE_HEIGHT as i32 + 2 + r * cell);
            for y in 0..side {
                for x in 0..side {
                    let o = ((k * side + y) * side + x) * 3;
                    let color = RGBColor(px[o], px[o + 1], px[o + 2]);
                    let (bx, by) = (
                        ox + (x as u32 * scale) as i32,
                        oy + (y as u32 * scale) as i32,
                    );
                    // Pixel by pixel: a filled rectangle leaves its far edge out.
                    for dy in 0..scale as i32 {
                        for dx in 0..scale as i32 {
                            root.draw_pixel((bx + dx, by + dy), &color)?;
                        }
                    }
                }
            }
        }
        if let Some(labels) = row_labels {
            let style = TextStyle::from(("sans-serif", 14).into_font())
                .pos(Pos::new(HPos::Right, VPos::Center));
            for (r, l) in labels.iter().enumerate() {
                let y = TITLE_HEIGHT as i32 + 2 + r as i32 * cell + cell / 2;
                root.draw(&Text::new(
                    l.clone(),
                    (LABEL_WIDTH as i32 - 6, y),
                    style.clone(),
                ))?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// Which classes to draw: one (by index or name) or every class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassChoice {
    One(i64),
    All,
}

/// Resolve `--class`: `all`, a class index, or a class name (case-insensitive).
pub fn parse_class(text: &str, config: &CondGeneratorConfig) -> Result<ClassChoice> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("all") {
        return Ok(ClassChoice::All);
    }
    let known = || {
        config
            .class_names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{i} = {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Ok(i) = t.parse::<i64>() {
        if (0..config.classes).contains(&i) {
            return Ok(ClassChoice::One(i));
        }
        return Err(Error::input(format!(
            "--class {i}: the model has {} classes (0..={}: {}), or `all`",
            config.classes,
            config.classes - 1,
            known()
        )));
    }
    match config
        .class_names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(t))
    {
        Some(i) => Ok(ClassChoice::One(i as i64)),
        None => Err(Error::input(format!(
            "--class {t:?}: not a class of the model ({}), nor `all`",
            known()
        ))),
    }
}

/// What `eval generate` is asked for.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The generator's checkpoint folder (e.g. `results/cond-gan/model`).
    pub model: PathBuf,
    /// `all`, a class index or a class name.
    pub class: String,
    /// Images per class.
    pub n: usize,
    pub seed: u64,
    /// The PNG to write.
    pub out: PathBuf,
    /// Pixel magnification in the grid.
    pub scale: u32,
}

/// What was written.
#[derive(Debug)]
pub struct Generated {
    pub classes: Vec<i64>,
    pub images: usize,
    pub size: (u32, u32),
}

/// Restore a generator from its checkpoint folder (CPU or the default device).
pub fn load_generator(
    dir: &Path,
) -> Result<(CondGeneratorConfig, tch::nn::VarStore, CondGenerator)> {
    Ok(restore_model::<CondGeneratorConfig>(
        dir,
        deepfield_core::device(),
    )?)
}

/// `n` images of every class in `classes` (class-major), in [0, 1], from noise seeded by
/// `seed`, with the generator in inference mode.
pub fn sample(g: &CondGenerator, classes: &[i64], n: usize, seed: u64) -> Result<Tensor> {
    let c = g.config();
    let device = g.device();
    let labels: Vec<i64> = classes
        .iter()
        .flat_map(|&k| std::iter::repeat_n(k, n))
        .collect();
    let mut rng = deepfield_core::Rng::new(seed);
    let z: Vec<f32> = (0..labels.len() as i64 * c.z_dim)
        .map(|_| rng.normal() as f32)
        .collect();
    let z = Tensor::from_slice(&z)
        .view([labels.len() as i64, c.z_dim])
        .to_device(device);
    let y = Tensor::from_slice(&labels).to_device(device);
    let x = tch::no_grad(|| g.generate(&z, &y, false))?;
    Ok((x + 1.0) / 2.0)
}

/// Write a grid of generated images: one class as a square-ish grid, or `all` as one row per
/// class. Bad options (no such model, class, count, not a `.png`) are errors before anything
/// is written.
pub fn generate(opts: &GenerateOptions) -> Result<Generated> {
    if opts.n == 0 || opts.n > MAX_IMAGES {
        return Err(Error::input(format!(
            "--n {}: ask for 1..={MAX_IMAGES} images per class",
            opts.n
        )));
    }
    if !opts
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
    {
        return Err(Error::input(format!(
            "--out {}: the grid is a PNG; name it *.png",
            opts.out.display()
        )));
    }
    if opts.scale == 0 || opts.scale > 16 {
        return Err(Error::input(format!("--scale {}: use 1..=16", opts.scale)));
    }
    let (config, _vs, g) = load_generator(&opts.model)?;
    let choice = parse_class(&opts.class, &config)?;
    let classes: Vec<i64> = match choice {
        ClassChoice::One(k) => vec![k],
        ClassChoice::All => (0..config.classes).collect(),
    };
    let images = sample(&g, &classes, opts.n, opts.seed)?;
    let (cols, labels, title) = match choice {
        ClassChoice::One(k) => (
            (opts.n as f64).sqrt().ceil() as usize,
            None,
            format!(
                "class {k} ({}): {} generated images, seed {}",
                config.class_names[k as usize], opts.n, opts.seed
            ),
        ),
        ClassChoice::All => (
            opts.n,
            Some(config.class_names.clone()),
            format!("{} generated images per class, seed {}", opts.n, opts.seed),
        ),
    };
    write_grid(
        &opts.out,
        &images,
        cols,
        labels.as_deref(),
        &title,
        opts.scale,
    )?;
    let rows = (classes.len() * opts.n).div_ceil(cols);
    Ok(Generated {
        images: classes.len() * opts.n,
        size: grid_size(rows, cols, config.size, opts.scale, labels.is_some()),
        classes,
    })
}
