//! Which variables are pruned: chosen by name patterns, by default every weight of rank ≥ 2
//! (biases and normalisation parameters, which are 1-D, are left alone).

use tch::nn::VarStore;

use crate::{Error, Result};

/// Does `name` match the glob `pattern` (`*` matches any run of characters, everything else
/// itself)?
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// The variables of `vs` to prune, sorted by name: those matching any of the comma-separated
/// glob `patterns` (and of rank ≥ 2 unless a pattern names a variable exactly), or, without
/// patterns, every variable of rank ≥ 2. A pattern that matches no variable is an error that
/// lists the variables there are.
pub fn select(vs: &VarStore, patterns: Option<&str>) -> Result<Vec<String>> {
    let vars = vs.variables();
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort();
    let chosen: Vec<String> = match patterns {
        None => names
            .iter()
            .filter(|n| vars[**n].dim() >= 2)
            .map(|n| n.to_string())
            .collect(),
        Some(p) => {
            let mut chosen = Vec::new();
            for pat in p.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let hits: Vec<&&String> = names
                    .iter()
                    .filter(|n| n.as_str() == pat || (glob_match(pat, n) && vars[**n].dim() >= 2))
                    .collect();
                if hits.is_empty() {
                    return Err(Error::input(format!(
                        "prune: no weight of the model matches `{pat}` (patterns match \
                         variable names, `*` any text; weights of rank >= 2 are: {})",
                        crate::error::list_some(
                            &names
                                .iter()
                                .filter(|n| vars[**n].dim() >= 2)
                                .map(|n| n.to_string())
                                .collect::<Vec<_>>(),
                            20,
                            ", "
                        )
                    )));
                }
                chosen.extend(hits.into_iter().map(|n| n.to_string()));
            }
            chosen.sort();
            chosen.dedup();
            chosen
        }
    };
    if chosen.is_empty() {
        return Err(Error::input(
            "prune: the model has no weight of rank >= 2 to prune".to_string(),
        ));
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("hidden.*.weight", "hidden.0.weight"));
        assert!(glob_match("*", "x"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "aXcYb"));
        assert!(!glob_match("hidden.*.weight", "hidden.0.bias"));
        assert!(glob_match("out.weight", "out.weight"));
        assert!(!glob_match("ab*ba", "aba"));
    }

    #[test]
    fn default_selection_skips_biases_and_bad_patterns_are_named() {
        let vs = VarStore::new(tch::Device::Cpu);
        let _m = crate::nn::mlp::MlpConfig::new(3, [4], 2)
            .init(&vs.root())
            .unwrap();
        assert_eq!(
            select(&vs, None).unwrap(),
            ["hidden.0.weight", "out.weight"]
        );
        assert_eq!(select(&vs, Some("out.*")).unwrap(), ["out.weight"]);
        assert_eq!(select(&vs, Some("out.bias")).unwrap(), ["out.bias"]);
        let e = select(&vs, Some("conv.*")).unwrap_err().to_string();
        assert!(
            e.contains("`conv.*`") && e.contains("hidden.0.weight"),
            "{e}"
        );
    }
}
