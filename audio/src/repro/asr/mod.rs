//! `subword-asr`: words vs characters vs knowledge-driven subwords vs BPE/Unigram subwords as
//! the output units of a CTC recogniser for Tamil and Kannada, on a synthetic eSpeak NG corpus
//! with real background noise (seed: Madhavaraj A., Bharathi Pilar, Ramakrishnan A. G.,
//! "Knowledge-driven Subword Grammar Modeling for Automatic Speech Recognition in Tamil and
//! Kannada", arXiv:2207.13333, 2022).
//!
//! Reading order: [`config`] → [`run`] (one language: corpus, every unit kind) → [`report`]
//! (report.md and the plots). The pieces live in [`crate::asr`].

pub mod config;
pub mod report;
pub mod run;

use deepfield_core::data::DatasetSpec;
use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};
use serde::{Deserialize, Serialize};

pub use config::SubwordAsrConfig;
use run::{CorpusStats, UnitResult};

use crate::asr::text::Language;
use crate::asr::treebank::{tamil_agreement, Agreement};
use crate::asr::units::UnitKind;
use crate::{Error, Result};

/// The Tamil sentences (and treebank).
pub const TAMIL_TEXT: DatasetSpec = DatasetSpec {
    name: "tamil_text_ttb",
    files: &["ttb_sentences.tsv", "flores200/tam_Taml.dev", "ta_ttb-ud-train.conllu"],
    source: "UD Tamil-TTB (github.com/UniversalDependencies/UD_Tamil-TTB) and FLORES-200 dev (tam_Taml.dev)",
};
/// The Kannada sentences.
pub const KANNADA_TEXT: DatasetSpec = DatasetSpec {
    name: "kannada_text_flores200",
    files: &["kan_Knda.dev"],
    source: "FLORES-200 dev (github.com/facebookresearch/flores), kan_Knda.dev",
};

/// The seed paper's absolute WER reductions of subword over word units (points).
pub const PAPER_GAIN: [(Language, f64); 2] = [(Language::Tamil, 12.39), (Language::Kannada, 13.56)];
/// The companion paper's best data-driven (BPE/extended-BPE/Morfessor) reductions (points;
/// arXiv:2207.13331, same authors and corpora).
pub const PAPER_DATA_DRIVEN_GAIN: [(Language, f64); 2] =
    [(Language::Tamil, 6.24), (Language::Kannada, 6.63)];

/// Per language: the word baseline against the subword units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gain {
    /// The language's name.
    pub model: String,
    pub word_wer: f64,
    pub morph_wer: Option<f64>,
    pub best_data_driven_wer: Option<f64>,
    /// Word WER − knowledge-driven subword WER, points (×100).
    pub knowledge_gain_points: Option<f64>,
    /// Word WER − best of BPE/Unigram WER, points.
    pub data_driven_gain_points: Option<f64>,
    pub paper_gain_points: f64,
    pub paper_data_driven_gain_points: f64,
}

/// `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubwordAsrMetrics {
    pub results: Vec<UnitResult>,
    pub gains: Vec<Gain>,
    pub corpora: Vec<CorpusStats>,
    /// The knowledge-driven segmenter against UD Tamil-TTB.
    pub segmenter_tamil: Agreement,
    pub espeak: String,
}

fn wer_of(results: &[UnitResult], lang: Language, kind: UnitKind) -> Option<f64> {
    results
        .iter()
        .find(|r| r.language == lang && r.unit == kind)
        .map(|r| r.beam.wer)
}

fn gains(results: &[UnitResult], langs: &[Language]) -> Vec<Gain> {
    langs
        .iter()
        .filter_map(|&l| {
            let word = wer_of(results, l, UnitKind::Word)?;
            let morph = wer_of(results, l, UnitKind::Morph);
            let dd = [UnitKind::Bpe, UnitKind::Unigram]
                .iter()
                .filter_map(|&k| wer_of(results, l, k))
                .reduce(f64::min);
            let paper =
                |t: &[(Language, f64); 2]| t.iter().find(|x| x.0 == l).map_or(f64::NAN, |x| x.1);
            Some(Gain {
                model: l.name().into(),
                word_wer: word,
                morph_wer: morph,
                best_data_driven_wer: dd,
                knowledge_gain_points: morph.map(|m| 100.0 * (word - m)),
                data_driven_gain_points: dd.map(|m| 100.0 * (word - m)),
                paper_gain_points: paper(&PAPER_GAIN),
                paper_data_driven_gain_points: paper(&PAPER_DATA_DRIVEN_GAIN),
            })
        })
        .collect()
}

/// The reproduction (run it as `Typed(SubwordAsr)`).
pub struct SubwordAsr;

impl SubwordAsr {
    fn execute_inner(
        &self,
        cfg: &SubwordAsrConfig,
        opts: &ReproOptions,
    ) -> Result<SubwordAsrMetrics> {
        let mut root = None;
        for spec in [
            &TAMIL_TEXT,
            &KANNADA_TEXT,
            &crate::data::FSDD,
            &crate::data::COUGH,
        ] {
            let d = opts.dataset(spec)?;
            root = d.parent().map(std::path::Path::to_path_buf);
        }
        let root = root.ok_or_else(|| Error::input("no data directory"))?;
        let espeak = crate::asr::synth::espeak_version()?;
        let threads = if opts.threads == 0 {
            deepfield_core::tch::get_num_threads().max(1) as usize
        } else {
            opts.threads
        };
        let segmenter_tamil = tamil_agreement(&root)?;
        let (mut results, mut corpora, mut histories) = (Vec::new(), Vec::new(), Vec::new());
        for &lang in &cfg.languages {
            let r = run::run_language(cfg, lang, &root, threads, &opts.out)?;
            results.extend(r.results);
            corpora.push(r.corpus);
            histories.extend(r.histories);
        }
        let metrics = SubwordAsrMetrics {
            gains: gains(&results, &cfg.languages),
            results,
            corpora,
            segmenter_tamil,
            espeak,
        };
        // The default model: the best knowledge-driven one (else the best beam WER).
        let best = metrics
            .results
            .iter()
            .filter(|r| r.unit == UnitKind::Morph)
            .chain(metrics.results.iter())
            .min_by(|a, b| a.beam.wer.total_cmp(&b.beam.wer))
            .ok_or_else(|| Error::input("no model trained"))?;
        let from = run::model_folder(&opts.out, best.language, best.unit);
        copy_dir(&from, &deepfield_core::repro::model_dir(&opts.out))?;
        let runs: Vec<(String, &deepfield_core::train::History)> =
            histories.iter().map(|(n, h)| (n.clone(), h)).collect();
        deepfield_core::train::write_histories_csv(&opts.out.join("history.csv"), &runs)?;
        report::write_plots(&metrics, &opts.out)?;
        report::write_report(cfg, &metrics, &root, &opts.out, opts.quick)?;
        Ok(metrics)
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> Result<()> {
    deepfield_core::fsutil::create_dir_all(to)?;
    let entries =
        std::fs::read_dir(from).map_err(|e| Error::input(format!("{}: {e}", from.display())))?;
    for e in entries.flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name()))
                .map_err(|err| Error::input(format!("copying {}: {err}", e.path().display())))?;
        }
    }
    Ok(())
}

impl Experiment for SubwordAsr {
    type Config = SubwordAsrConfig;
    type Metrics = SubwordAsrMetrics;

    fn id(&self) -> &'static str {
        "subword-asr"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<SubwordAsrConfig> {
        Ok(if opts.quick {
            SubwordAsrConfig::quick(opts.seed)
        } else {
            SubwordAsrConfig::full(opts.seed)
        })
    }

    fn validate(&self, cfg: &SubwordAsrConfig) -> deepfield_core::Result<()> {
        cfg.validate().map_err(Error::into_core)
    }

    fn execute(
        &self,
        cfg: &SubwordAsrConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<SubwordAsrMetrics> {
        self.execute_inner(cfg, opts).map_err(Error::into_core)
    }

    fn summary(&self, m: &SubwordAsrMetrics) -> Vec<MetricRow> {
        let mut rows: Vec<MetricRow> = m
            .results
            .iter()
            .flat_map(|r| {
                [
                    MetricRow::new(&r.model, "test", "wer_greedy", r.greedy.wer),
                    MetricRow::new(&r.model, "test", "wer_beam", r.beam.wer),
                    MetricRow::new(&r.model, "test", "cer_beam", r.beam.cer),
                ]
            })
            .collect();
        for g in &m.gains {
            rows.push(MetricRow::new(
                &g.model,
                "test",
                "knowledge_gain_points",
                g.knowledge_gain_points.unwrap_or(f64::NAN),
            ));
            rows.push(MetricRow::new(
                &g.model,
                "paper",
                "gain_points",
                g.paper_gain_points,
            ));
        }
        rows
    }
}
