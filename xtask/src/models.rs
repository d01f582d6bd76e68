//! `cargo xtask list --models`: every model kind the crates register, read from each domain
//! binary's `models` command — the registry itself, so a kind appears here as soon as its crate
//! registers it (one `register::<Config>()` line), with nothing else to keep in step. xtask
//! cannot link the domain crates (they need libtorch), so it builds and asks their binaries.

use std::process::Command;

/// `(kind, description)` pairs of one crate's registry, tagged with the crate.
pub type CrateKinds = (String, Vec<(String, String)>);

/// One registered kind: the first crate (in listing order) whose registry holds it.
pub struct Kind {
    pub kind: String,
    pub krate: String,
    pub description: String,
}

/// Parse a binary's `models` output (`kind  description` per line) into `(kind, description)`.
pub fn parse(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter_map(|l| {
            let l = l.trim_end();
            let (kind, rest) = l.split_once(char::is_whitespace)?;
            Some((kind.to_string(), rest.trim().to_string()))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// Merge the kinds of several crates: a kind listed by more than one (core's kinds are in every
/// domain registry) is attributed to the first crate that lists it, so `core` comes first.
pub fn merge(per_crate: &[CrateKinds]) -> Vec<Kind> {
    let mut out: Vec<Kind> = Vec::new();
    for (krate, kinds) in per_crate {
        for (kind, description) in kinds {
            if !out.iter().any(|k| &k.kind == kind) {
                out.push(Kind {
                    kind: kind.clone(),
                    krate: krate.clone(),
                    description: description.clone(),
                });
            }
        }
    }
    out
}

/// Print `kind  crate  description`.
pub fn print(kinds: &[Kind]) {
    let wk = kinds.iter().map(|k| k.kind.len()).max().unwrap_or(4).max(4);
    let wc = kinds
        .iter()
        .map(|k| k.krate.len())
        .max()
        .unwrap_or(5)
        .max(5);
    println!("{:<wk$}  {:<wc$}  description", "kind", "crate");
    for k in kinds {
        println!("{:<wk$}  {:<wc$}  {}", k.kind, k.krate, k.description);
    }
}

/// Run `models` of each crate's binary through `cargo run` (the caller sets up libtorch).
pub fn collect(crates: &[&str], cargo: impl Fn() -> Command) -> Result<Vec<CrateKinds>, String> {
    let mut out = Vec::new();
    for krate in crates {
        let bin = format!("deepfield-{krate}");
        let mut cmd = cargo();
        cmd.args(["run", "-q", "-p", &bin, "--bin", &bin, "--", "models"]);
        let res = cmd
            .output()
            .map_err(|e| format!("could not run cargo for {bin}: {e}"))?;
        if !res.status.success() {
            return Err(format!(
                "{bin} models failed ({}): {}",
                res.status,
                String::from_utf8_lossy(&res.stderr).trim()
            ));
        }
        out.push((
            krate.to_string(),
            parse(&String::from_utf8_lossy(&res.stdout)),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_parsed_and_attributed_to_the_first_crate() {
        let core = parse("mlp          multi-layer perceptron\ncnn   1-D/2-D CNN\n\n");
        assert_eq!(core.len(), 2);
        assert_eq!(core[0], ("mlp".into(), "multi-layer perceptron".into()));
        let vision =
            parse("mlp  multi-layer perceptron\nvision.lenet5  LeNet-5 (LeCun et al. 1998)\n");
        let all = merge(&[("core".into(), core), ("vision".into(), vision)]);
        let names: Vec<(&str, &str)> = all
            .iter()
            .map(|k| (k.kind.as_str(), k.krate.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("mlp", "core"),
                ("cnn", "core"),
                ("vision.lenet5", "vision")
            ]
        );
        assert_eq!(all[2].description, "LeNet-5 (LeCun et al. 1998)");
    }
}
