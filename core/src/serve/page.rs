//! The HTML page (a form generated from the model's features and ranges, the prediction, a
//! SHAP bar chart as inline SVG, a CSV upload form) — no script, no external resource.

use crate::tabular::TabularInfo;

/// HTML-escape text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What the page shows below the form.
pub enum Outcome<'a> {
    None,
    /// A prediction with its SHAP values (one per feature) and base value.
    Prediction {
        value: f64,
        base: f64,
        shap: &'a [f64],
    },
    Error(&'a str),
}

/// A horizontal SHAP bar chart as SVG: one `rect.bar` per feature, largest |value| first, red
/// pushes the prediction up, blue down.
pub fn shap_svg(features: &[String], shap: &[f64], unit: &str) -> String {
    let mut order: Vec<usize> = (0..features.len().min(shap.len())).collect();
    order.sort_by(|&a, &b| shap[b].abs().total_cmp(&shap[a].abs()));
    let (label_w, plot_w, row_h, top) = (230.0, 420.0, 26.0, 30.0);
    let width = label_w + plot_w + 90.0;
    let height = top + row_h * order.len() as f64 + 40.0;
    let lo = shap.iter().copied().fold(0.0f64, f64::min);
    let hi = shap.iter().copied().fold(0.0f64, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let x_of = |v: f64| label_w + (v - lo) / span * plot_w;
    let mut s = format!(
        "<svg id=\"shap-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" \
         height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-label=\"SHAP values\" font-family=\"sans-serif\" font-size=\"13\">\
         <text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"15\">SHAP value of each \
         feature ({})</text>",
        width / 2.0,
        escape(unit)
    );
    for (r, &j) in order.iter().enumerate() {
        let y = top + row_h * r as f64;
        let (x0, x1) = (x_of(0.0), x_of(shap[j]));
        let (x, w) = (x0.min(x1), (x1 - x0).abs().max(1.0));
        let color = if shap[j] >= 0.0 { "#d62728" } else { "#1f77b4" };
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect class=\"bar\" data-feature=\"{}\" x=\"{x:.2}\" y=\"{}\" width=\"{w:.2}\" \
             height=\"{}\" fill=\"{color}\"><title>{}: {}</title></rect>\
             <text x=\"{:.2}\" y=\"{}\">{:.4}</text>",
            label_w - 8.0,
            y + row_h * 0.65,
            escape(&features[j]),
            escape(&features[j]),
            y + 4.0,
            row_h - 8.0,
            escape(&features[j]),
            shap[j],
            x0.max(x1) + 4.0,
            y + row_h * 0.65,
            shap[j]
        ));
    }
    let x0 = x_of(0.0);
    let bottom = top + row_h * order.len() as f64;
    s.push_str(&format!(
        "<line x1=\"{x0:.2}\" y1=\"{top}\" x2=\"{x0:.2}\" y2=\"{bottom}\" stroke=\"#555\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">SHAP value ({}); red raises the \
         prediction, blue lowers it</text></svg>",
        label_w + plot_w / 2.0,
        bottom + 28.0,
        escape(unit)
    ));
    s
}

/// The whole page: the form (filled with `values` when given, else the background means),
/// the outcome, and the CSV upload form.
pub fn render(info: &TabularInfo, values: Option<&[String]>, outcome: Outcome) -> String {
    let names: Vec<String> = info.features.iter().map(|f| f.name.clone()).collect();
    let mut fields = String::new();
    for (j, f) in info.features.iter().enumerate() {
        let value = match values {
            Some(v) => v.get(j).cloned().unwrap_or_default(),
            None => {
                let n = info.background.len().max(1) as f64;
                let mean = info.background.iter().map(|r| r[j]).sum::<f64>() / n;
                format!("{}", mean.clamp(f.min, f.max))
            }
        };
        fields.push_str(&format!(
            "<label for=\"f{j}\">{name}</label><input id=\"f{j}\" name=\"{name}\" type=\"number\" \
             step=\"any\" min=\"{min}\" max=\"{max}\" value=\"{value}\" required>\
             <span class=\"range\">{min} – {max}</span>\n",
            name = escape(&f.name),
            min = f.min,
            max = f.max,
            value = escape(&value),
        ));
    }
    let result = match outcome {
        Outcome::None => String::new(),
        Outcome::Error(msg) => format!(
            "<p id=\"error\" class=\"error\" role=\"alert\">{}</p>",
            escape(msg)
        ),
        Outcome::Prediction { value, base, shap } => format!(
            "<h2>Prediction</h2><p>{target}: <output id=\"prediction\">{value}</output> {unit} \
             (mean over the background: <span id=\"base\">{base}</span>)</p>{svg}",
            target = escape(&info.target),
            unit = escape(&info.unit),
            svg = shap_svg(&names, shap, &info.unit)
        ),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>deepfield — {target}</title><style>\
         body{{font-family:sans-serif;max-width:62rem;margin:1.5rem auto;padding:0 1rem}}\
         form.values{{display:grid;grid-template-columns:16rem 10rem auto;gap:.4rem 1rem;align-items:center}}\
         .range{{color:#666;font-size:.85rem}} .error{{color:#b00;font-weight:bold}}\
         button{{margin-top:.8rem;padding:.4rem 1.2rem}}</style></head><body>\
         <h1>Predict {target} ({unit})</h1>\
         <p>Enter the feature values (within the ranges of the training data) and press Predict.</p>\
         <form class=\"values\" method=\"post\" action=\"/\">{fields}\
         <span></span><button id=\"predict\" type=\"submit\">Predict</button></form>\
         <div id=\"result\">{result}</div>\
         <h2>Predict a CSV</h2><p>A CSV with the columns {cols}; other columns are kept. \
         The predictions come back as CSV.</p>\
         <form method=\"post\" action=\"/predict.csv\" enctype=\"multipart/form-data\">\
         <input id=\"csv\" type=\"file\" name=\"file\" accept=\".csv,text/csv\" required> \
         <button id=\"upload\" type=\"submit\">Predict CSV</button></form>\
         </body></html>",
        target = escape(&info.target),
        unit = escape(&info.unit),
        cols = escape(&names.join(", ")),
    )
}
