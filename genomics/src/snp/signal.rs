//! SNP-array signal (Log R Ratio and B Allele Frequency per probe) and the PennCNV signal-file
//! format: TAB-separated with a header holding `Name`, `Chr`, `Position` and columns whose names
//! end in `Log R Ratio` and `B Allele Freq` (BeadStudio exports prefix them with the sample id,
//! e.g. `99HI0700A.Log R Ratio`); other columns (genotype calls) are ignored.
//!
//! Probes are ordered by chromosome (in order of first appearance) and position. `NaN`, `NA`
//! and empty values are kept as NaN (the models impute them, see [`crate::snp::window`]).

use std::ops::Range;
use std::path::Path;

use crate::{Error, Result};

/// Per-probe signal of one sample, sorted by chromosome and position.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnpSignal {
    /// Sample name (from the LRR column's prefix, or the file name).
    pub sample: String,
    pub names: Vec<String>,
    pub chrom: Vec<String>,
    pub pos: Vec<u64>,
    pub lrr: Vec<f32>,
    pub baf: Vec<f32>,
}

impl SnpSignal {
    /// Number of probes.
    pub fn len(&self) -> usize {
        self.pos.len()
    }

    /// True without probes.
    pub fn is_empty(&self) -> bool {
        self.pos.is_empty()
    }

    /// Each chromosome's contiguous probe range, in order.
    pub fn chromosomes(&self) -> Vec<(String, Range<usize>)> {
        let mut out: Vec<(String, Range<usize>)> = Vec::new();
        for (i, c) in self.chrom.iter().enumerate() {
            match out.last_mut() {
                Some((name, r)) if name == c => r.end = i + 1,
                _ => out.push((c.clone(), i..i + 1)),
            }
        }
        out
    }

    /// Check lengths agree.
    pub fn validate(&self) -> Result<()> {
        let n = self.pos.len();
        if [
            self.names.len(),
            self.chrom.len(),
            self.lrr.len(),
            self.baf.len(),
        ]
        .iter()
        .any(|&l| l != n)
        {
            return Err(Error::input("SNP signal: column lengths differ"));
        }
        Ok(())
    }
}

/// A signal value: a finite number, or NaN for a missing one (`NaN`, `NA`, empty); `None` for
/// anything else, infinities and numbers beyond `f32` (`1e309`) included.
fn parse_value(s: &str) -> Option<f32> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("nan") || t.eq_ignore_ascii_case("na") {
        return Some(f32::NAN);
    }
    t.parse::<f32>().ok().filter(|v| v.is_finite())
}

/// Read a PennCNV-style signal file.
pub fn read_penncnv(path: &Path) -> Result<SnpSignal> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_penncnv(&text, path)
}

/// Parse PennCNV signal text; `path` names the file in errors.
pub fn parse_penncnv(text: &str, path: &Path) -> Result<SnpSignal> {
    let err = |line: usize, message: String| Error::parse(path, line, message);
    let (header, lines) = crate::seq::metadata::tsv_header(text, path, "empty signal file")?;
    let find = |pred: &dyn Fn(&str) -> bool, what: &str| {
        header.iter().position(|c| pred(c)).ok_or_else(|| {
            err(
                1,
                format!(
                    "no `{what}` column (a PennCNV signal file needs Name, Chr, Position, *Log R Ratio, *B Allele Freq; found: {})",
                    header.join(", ")
                ),
            )
        })
    };
    let name_c = find(&|c| c.eq_ignore_ascii_case("Name"), "Name")?;
    let chr_c = find(
        &|c| c.eq_ignore_ascii_case("Chr") || c.eq_ignore_ascii_case("Chromosome"),
        "Chr",
    )?;
    let pos_c = find(&|c| c.eq_ignore_ascii_case("Position"), "Position")?;
    let lrr_c = find(&|c| c.ends_with("Log R Ratio"), "Log R Ratio")?;
    let baf_c = find(&|c| c.ends_with("B Allele Freq"), "B Allele Freq")?;
    let sample = header[lrr_c]
        .strip_suffix("Log R Ratio")
        .map(|s| s.trim_end_matches('.').to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    let need = [name_c, chr_c, pos_c, lrr_c, baf_c]
        .into_iter()
        .max()
        .unwrap_or(0);
    let mut rows: Vec<(usize, u64, String, String, f32, f32)> = Vec::new();
    let mut chrom_order: Vec<String> = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() <= need {
            return Err(err(
                i + 1,
                format!("{} fields, expected at least {}", f.len(), need + 1),
            ));
        }
        let pos: u64 = f[pos_c].trim().parse().map_err(|_| {
            err(
                i + 1,
                format!(
                    "Position `{}` is not a whole number of base pairs (0 or more)",
                    f[pos_c].trim()
                ),
            )
        })?;
        let lrr = parse_value(f[lrr_c]).ok_or_else(|| {
            err(
                i + 1,
                format!("Log R Ratio `{}` is not a finite number", f[lrr_c].trim()),
            )
        })?;
        let baf = parse_value(f[baf_c]).ok_or_else(|| {
            err(
                i + 1,
                format!("B Allele Freq `{}` is not a finite number", f[baf_c].trim()),
            )
        })?;
        if baf.is_finite() && !(-0.01..=1.01).contains(&baf) {
            return Err(err(i + 1, format!("B Allele Freq {baf} outside [0, 1]")));
        }
        let chrom = f[chr_c].trim().to_string();
        let ci = match chrom_order.iter().position(|c| *c == chrom) {
            Some(ci) => ci,
            None => {
                chrom_order.push(chrom.clone());
                chrom_order.len() - 1
            }
        };
        rows.push((ci, pos, chrom, f[name_c].trim().to_string(), lrr, baf));
    }
    if rows.is_empty() {
        return Err(err(2, "no probes after the header".into()));
    }
    rows.sort_by_key(|r| (r.0, r.1));
    let mut s = SnpSignal {
        sample,
        ..Default::default()
    };
    for (_, pos, chrom, name, lrr, baf) in rows {
        s.names.push(name);
        s.chrom.push(chrom);
        s.pos.push(pos);
        s.lrr.push(lrr);
        s.baf.push(baf);
    }
    Ok(s)
}

/// Write a signal in PennCNV format (`Name, Chr, Position, <sample>.Log R Ratio,
/// <sample>.B Allele Freq`), atomically.
pub fn write_penncnv(path: &Path, s: &SnpSignal) -> Result<()> {
    s.validate()?;
    let mut t = format!(
        "Name\tChr\tPosition\t{0}.Log R Ratio\t{0}.B Allele Freq\n",
        s.sample
    );
    for i in 0..s.len() {
        t.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            s.names[i], s.chrom[i], s.pos[i], s.lrr[i], s.baf[i]
        ));
    }
    Ok(deepfield_core::fsutil::write_atomic(path, t.as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_sorts_and_keeps_nan() {
        let text = "Name\tChr\tPosition\tS1.GType\tS1.Log R Ratio\tS1.B Allele Freq\n\
                    rs2\t3\t200\tAB\t0.1\t0.5\n\
                    rs1\t3\t100\tNC\tNaN\tNaN\n\
                    rs3\tX\t50\tAA\t-0.2\t0.0\n";
        let s = parse_penncnv(text, Path::new("s.txt")).unwrap();
        assert_eq!(s.sample, "S1");
        assert_eq!(s.names, ["rs1", "rs2", "rs3"]);
        assert!(s.lrr[0].is_nan() && s.baf[0].is_nan());
        assert_eq!(
            s.chromosomes(),
            vec![("3".to_string(), 0..2), ("X".to_string(), 2..3)]
        );
    }

    #[test]
    fn bad_files_are_errors() {
        let p = Path::new("s.txt");
        let e = parse_penncnv("Name\tChr\tPosition\tLRR\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("Log R Ratio"), "{e}");
        let h = "Name\tChr\tPosition\tLog R Ratio\tB Allele Freq\n";
        let e = parse_penncnv(&format!("{h}rs1\t1\tx\t0\t0\n"), p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.txt:2") && e.contains("Position"), "{e}");
        let e = parse_penncnv(&format!("{h}rs1\t1\t5\t0\t1.7\n"), p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("outside [0, 1]"), "{e}");
        assert!(parse_penncnv(h, p).is_err());
        assert!(parse_penncnv("", p).is_err());
    }

    #[test]
    fn interleaved_chromosomes_values_and_a_round_trip() {
        // Chromosomes in order of first appearance, probes by position within each; NA, empty
        // and NaN are missing; the sample name falls back to the file stem.
        let text = "Chr\tName\tPosition\tLog R Ratio\tB Allele Freq\n\
                    2\tb2\t30\t-0.25\t0.5\n\
                    1\ta2\t20\tNA\t\n\
                    2\tb1\t10\t0.125\t1.0\n\
                    1\ta1\t5\t1.5\t0.0\n";
        let s = parse_penncnv(text, Path::new("dir/child.txt")).unwrap();
        assert_eq!(s.sample, "child");
        assert_eq!(s.names, ["b1", "b2", "a1", "a2"]);
        assert_eq!(s.pos, [10, 30, 5, 20]);
        assert_eq!(&s.lrr[..3], &[0.125, -0.25, 1.5]);
        assert_eq!(&s.baf[..3], &[1.0, 0.5, 0.0]);
        assert!(s.lrr[3].is_nan() && s.baf[3].is_nan());
        assert_eq!(
            s.chromosomes(),
            vec![("2".to_string(), 0..2), ("1".to_string(), 2..4)]
        );
        s.validate().unwrap();
        let mut broken = s.clone();
        broken.baf.pop();
        assert!(broken.validate().is_err());

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.txt");
        write_penncnv(&p, &s).unwrap();
        let back = read_penncnv(&p).unwrap();
        assert_eq!(
            (back.sample.as_str(), &back.names, &back.pos),
            ("child", &s.names, &s.pos)
        );
        assert_eq!(&back.lrr[..3], &s.lrr[..3]);
        assert!(back.lrr[3].is_nan());
        assert!(write_penncnv(&p, &broken).is_err());
    }
}
