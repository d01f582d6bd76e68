//! The reproductions xtask knows: id → the crate and binary that run it.
//!
//! xtask cannot depend on the domain crates (they need libtorch to build), so the table lives here;
//! each crate's binary answers `repro <id>` for its own ids.

pub struct Repro {
    pub id: &'static str,
    pub package: &'static str,
    pub binary: &'static str,
    pub description: &'static str,
}

pub const REPROS: &[Repro] = &[Repro {
    id: "concrete-mlp",
    package: "deepfield-core",
    binary: "deepfield-core",
    description: "MLP regressor vs linear baseline on UCI concrete compressive strength (Yeh 1998): MAE, RMSE, R²",
}];

pub fn find(id: &str) -> Option<&'static Repro> {
    REPROS.iter().find(|r| r.id == id)
}

pub fn print_list() {
    println!("{:<16} {:<18} description", "id", "crate");
    for r in REPROS {
        println!("{:<16} {:<18} {}", r.id, r.package, r.description);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_binaries_exist() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for (i, r) in REPROS.iter().enumerate() {
            assert!(
                REPROS[i + 1..].iter().all(|o| o.id != r.id),
                "duplicate id {}",
                r.id
            );
            let dir = r.package.trim_start_matches("deepfield-");
            let bin = root.join(dir).join("src/bin");
            let file = bin.join(format!("{}.rs", r.binary));
            let folder = bin.join(r.binary).join("main.rs");
            assert!(
                file.exists() || folder.exists(),
                "{} names missing binary {}",
                r.id,
                file.display()
            );
        }
    }
}
