//! Augmentations as seeded tensor operations on batches, through `affine_grid`/`grid_sample`
//! so they run wherever the batch lives (CPU or CUDA).
