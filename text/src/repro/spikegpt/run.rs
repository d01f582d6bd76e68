//! The `spikegpt` run: read tiny_shakespeare, train SpikeGPT and its twin for the same steps on
//! the same windows (same seed), score, sample, time generation, save both models, write the
//! plots and the report.

use tch::nn::VarStore;

use deepfield_core::models::{save_model, ModelConfig};
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::{variant_dir, ReproOptions};

use super::{report, Goals, ModelResult, SpikeGptMetrics, SpikeGptReproConfig};
use crate::lm::data::TINY_SHAKESPEARE;
use crate::lm::{bpc, generate, generation_speed, train, CharCorpus, CharLmConfig, SampleOptions};
use crate::rwkv::{Activity, RwkvLm};
use crate::Result;

/// Train, score and save one of the two models.
fn one<const SPIKING: bool>(
    cfg: &SpikeGptReproConfig,
    corpus: &CharCorpus,
    eval_ids: &[i64],
    out: &std::path::Path,
) -> Result<ModelResult>
where
    CharLmConfig<SPIKING>: ModelConfig<Model = RwkvLm>,
{
    let name = if SPIKING { "spikegpt" } else { "rwkv" };
    let config = CharLmConfig::<SPIKING>::new(cfg.model.clone(), &corpus.vocab);
    deepfield_core::seed(cfg.seed);
    let mut vs = VarStore::new(deepfield_core::device());
    let model = config.build(&vs.root())?;
    let parameters = vs
        .trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum();
    let trained = train(&model, &mut vs, &corpus.train, &corpus.val, &cfg.train)?;
    let mut activity = Activity::default();
    let val_bpc = bpc(&model, eval_ids, cfg.train.seq_len, 32, Some(&mut activity))?;
    let generation = generation_speed(&model, &corpus.vocab, &cfg.prompt, cfg.speed_chars)?;
    let sample = generate(
        &model,
        &corpus.vocab,
        &cfg.prompt,
        &SampleOptions {
            chars: cfg.sample_chars,
            temperature: cfg.temperature,
            seed: cfg.seed,
        },
    )?;
    let result = ModelResult {
        name: name.to_string(),
        kind: <CharLmConfig<SPIKING> as ModelConfig>::KIND.to_string(),
        parameters,
        steps: cfg.train.epochs * cfg.train.steps_per_epoch,
        train_seconds: trained.seconds,
        val_bpc,
        curve: trained.curve,
        activity: activity.stats(),
        generation,
        sample,
    };
    save_model(
        &variant_dir(out, name, SPIKING),
        &vs,
        &config,
        Some(&result),
    )?;
    Ok(result)
}

/// Run the reproduction into `opts.out`.
pub fn run(cfg: &SpikeGptReproConfig, opts: &ReproOptions) -> Result<SpikeGptMetrics> {
    cfg.validate()?;
    let dir = opts.dataset(&TINY_SHAKESPEARE)?;
    let corpus = CharCorpus::read(&dir.join("input.txt"), 0.9)?;
    let eval_ids = match cfg.eval_chars {
        0 => &corpus.val[..],
        n => &corpus.val[..n.min(corpus.val.len())],
    };
    let spiking = one::<true>(cfg, &corpus, eval_ids, &opts.out)?;
    let twin = one::<false>(cfg, &corpus, eval_ids, &opts.out)?;
    let gap = spiking.val_bpc - twin.val_bpc;
    let e = &spiking.activity.energy;
    let metrics = SpikeGptMetrics {
        data: dir.display().to_string(),
        characters: corpus.chars,
        train_chars: corpus.train.len(),
        val_chars: corpus.val.len(),
        eval_chars: eval_ids.len(),
        vocab_size: corpus.vocab.len(),
        unigram_entropy: corpus.unigram_entropy(),
        unigram_val_bpc: corpus.unigram_val_bpc(),
        gap_bpc: gap,
        spikegpt_sops_per_char: e.sops,
        spikegpt_macs_per_char: e.macs,
        twin_macs_per_char: twin.activity.energy.twin_macs,
        paper_enwik8_bpc: 1.11,
        goals: Goals {
            spiking_within_0_1_bpc: gap <= 0.1,
            recurrent_5x_faster: spiking.generation.speedup >= 5.0
                && twin.generation.speedup >= 5.0,
        },
        models: vec![spiking, twin],
        seed: cfg.seed,
    };
    let results = ResultsDir::at(&opts.out)?;
    report::write_plots(&metrics, &results)?;
    report::write(cfg, &metrics, &results)?;
    Ok(metrics)
}
