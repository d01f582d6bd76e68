//! The look shared by every plot: image sizes, fonts, grid and categorical colours, colour maps.

use plotters::prelude::*;

/// Image size of [`line_plot`](super::line_plot), [`bar_chart`](super::bar_chart) and of [`training_curves`](super::training_curves) without a metric.
pub const LINE_SIZE: (u32, u32) = (1000, 640);
/// Image size of [`training_curves`](super::training_curves) with a metric panel (two panels side by side).
pub const TWO_PANEL_SIZE: (u32, u32) = (1500, 600);
/// Image size of [`confusion_matrix`](super::confusion_matrix).
pub const CONFUSION_SIZE: (u32, u32) = (900, 840);
/// Image size of [`heatmap`](super::heatmap).
pub const HEATMAP_SIZE: (u32, u32) = (1000, 720);
/// Image size of [`pred_vs_true`](super::pred_vs_true) and [`scatter_classes`](super::scatter_classes).
pub const SCATTER_SIZE: (u32, u32) = (860, 800);
/// Image size of [`forecast`](super::forecast).
pub const FORECAST_SIZE: (u32, u32) = (1300, 600);

pub(super) const FONT: &str = "sans-serif";
pub(super) const TITLE_PX: u32 = 26;
pub(super) const DESC_PX: u32 = 19;
pub(super) const LABEL_PX: u32 = 15;
pub(super) const LEGEND_PX: u32 = 16;
/// Lines with at most this many points also get a dot at every point.
pub(super) const MARKER_MAX_POINTS: usize = 40;
pub(super) const GRID_BOLD: RGBColor = RGBColor(215, 215, 215);
pub(super) const GRID_LIGHT: RGBColor = RGBColor(240, 240, 240);
pub(super) const OBSERVED: RGBColor = RGBColor(30, 30, 30);

/// Tableau-10: distinct, colour-blind-friendlier categorical colours.
pub(super) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Sequential white → dark blue (matplotlib "Blues"), for fractions.
pub(super) const BLUES: [(u8, u8, u8); 9] = [
    (247, 251, 255),
    (222, 235, 247),
    (198, 219, 239),
    (158, 202, 225),
    (107, 174, 214),
    (66, 146, 198),
    (33, 113, 181),
    (8, 81, 156),
    (8, 48, 107),
];

/// Perceptually uniform dark purple → yellow (matplotlib "viridis"), for non-negative data.
pub(super) const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Diverging blue → grey → red (matplotlib "coolwarm"), for data with both signs.
pub(super) const COOLWARM: [(u8, u8, u8); 5] = [
    (59, 76, 192),
    (141, 176, 254),
    (221, 221, 221),
    (244, 154, 123),
    (180, 4, 38),
];

/// The `i`-th of `n` categorical colours: Tableau-10 up to 10, evenly spaced hues beyond.
pub fn category_color(i: usize, n: usize) -> RGBColor {
    if n <= PALETTE.len() {
        PALETTE[i % PALETTE.len()]
    } else {
        let (r, g, b) = HSLColor(i as f64 / n as f64, 0.65, 0.45).rgb();
        RGBColor(r, g, b)
    }
}

/// Interpolate the colour map `stops` (evenly spaced) at `t` in [0, 1].
pub(super) fn colormap(stops: &[(u8, u8, u8)], t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

pub(super) fn luminance(c: RGBColor) -> f64 {
    0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64
}

pub(super) fn font(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colormaps_and_categories() {
        assert_eq!(colormap(&BLUES, 0.0), RGBColor(247, 251, 255));
        assert_eq!(colormap(&BLUES, 1.0), RGBColor(8, 48, 107));
        assert_eq!(colormap(&COOLWARM, 0.5), RGBColor(221, 221, 221));
        assert_eq!(colormap(&COOLWARM, 0.125), RGBColor(100, 126, 223));
        assert_eq!(category_color(1, 3), PALETTE[1]);
        assert_ne!(category_color(0, 12), category_color(6, 12));
    }
}
