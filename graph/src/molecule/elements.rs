//! Chemical element symbols ↔ atomic numbers (H … Kr).

/// The symbols of elements 1 … 36, in order.
const SYMBOLS: [&str; 36] = [
    "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl",
    "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As",
    "Se", "Br", "Kr",
];

/// The largest atomic number known here.
pub const MAX_Z: i64 = SYMBOLS.len() as i64;

/// The atomic number of `symbol` (case as written: `C`, `Cl`), or `None`.
pub fn atomic_number(symbol: &str) -> Option<i64> {
    SYMBOLS
        .iter()
        .position(|s| *s == symbol)
        .map(|i| i as i64 + 1)
}

/// The symbol of atomic number `z` (`X` when out of range).
pub fn symbol(z: i64) -> &'static str {
    usize::try_from(z - 1)
        .ok()
        .and_then(|i| SYMBOLS.get(i))
        .copied()
        .unwrap_or("X")
}

#[cfg(test)]
mod tests {
    #[test]
    fn symbols_round_trip() {
        for z in 1..=super::MAX_Z {
            assert_eq!(super::atomic_number(super::symbol(z)), Some(z));
        }
        assert_eq!(super::atomic_number("Xx"), None);
        assert_eq!(super::atomic_number("O"), Some(8));
    }
}
