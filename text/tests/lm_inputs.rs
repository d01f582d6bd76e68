//! The character language model's handling of user input: a saved model restores with the same
//! scores, an empty or one-character file is a clear error naming the file, characters the
//! model never saw are scored as `<unk>` and counted, a folder of another kind is refused, and
//! sampling is repeatable by seed.

use std::path::Path;

use deepfield_core::models::{save_model, ModelConfig};
use deepfield_text::lm::{self, RwkvLmConfig, SampleOptions, SpikeGptConfig};
use deepfield_text::rwkv::RwkvConfig;
use deepfield_text::vocab::{Vocab, VocabConfig};
use tch::nn::VarStore;
use tch::Device;

fn tiny() -> RwkvConfig {
    RwkvConfig {
        n_embd: 16,
        n_layer: 1,
        ctx_len: 16,
        ..RwkvConfig::default()
    }
}

fn vocab() -> Vocab {
    Vocab::build_chars(["the cat sat on the mat\n"], &VocabConfig::default()).unwrap()
}

/// Save an (untrained) model of `C` into `dir`.
fn save<C: ModelConfig>(dir: &Path, config: &C) {
    tch::manual_seed(1);
    let vs = VarStore::new(Device::Cpu);
    config.build(&vs.root()).unwrap();
    save_model(dir, &vs, config, None::<&()>).unwrap();
}

#[test]
fn restored_models_score_files_and_reject_bad_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let v = vocab();
    let spiking = tmp.path().join("spikegpt");
    let twin = tmp.path().join("rwkv");
    save(&spiking, &SpikeGptConfig::new(tiny(), &v));
    save(&twin, &RwkvLmConfig::new(tiny(), &v));

    let text = tmp.path().join("text.txt");
    std::fs::write(&text, "the mat sat on the cat\n".repeat(3)).unwrap();
    for dir in [&spiking, &twin] {
        let e = lm::eval_file(dir, &text, 0).unwrap();
        assert_eq!(e.characters, 69);
        assert_eq!(e.unknown_characters, 0);
        // An untrained model is near-uniform over the vocabulary (12 entries: log2 12 = 3.58).
        assert!(e.bpc > 2.0 && e.bpc < 8.0, "{}", e.bpc);
        // The same folder scores the same again (save → load → same BPC).
        let again = lm::eval_file(dir, &text, 0).unwrap();
        assert_eq!(e.bpc, again.bpc);
        assert_eq!(e.spikes.is_some(), dir == &spiking);
    }

    // Unknown characters are <unk>, counted, and scored.
    let odd = tmp.path().join("odd.txt");
    std::fs::write(&odd, "the zebra sat\n").unwrap();
    let e = lm::eval_file(&twin, &odd, 8).unwrap();
    assert_eq!(
        e.unknown_characters, 3,
        "z, b and r are not in the vocabulary"
    );

    // Empty and one-character files are errors naming the file.
    let empty = tmp.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let err = lm::eval_file(&twin, &empty, 0).unwrap_err().to_string();
    assert!(err.contains("empty.txt") && err.contains("empty"), "{err}");
    let one = tmp.path().join("one.txt");
    std::fs::write(&one, "t").unwrap();
    let err = lm::eval_file(&twin, &one, 0).unwrap_err().to_string();
    assert!(
        err.contains("one.txt") && err.contains("at least 2"),
        "{err}"
    );
    let bin = tmp.path().join("latin1.txt");
    std::fs::write(&bin, [b't', 0xff, b'a']).unwrap();
    let err = lm::eval_file(&twin, &bin, 0).unwrap_err().to_string();
    assert!(err.contains("latin1.txt") && err.contains("UTF-8"), "{err}");
    let err = lm::eval_file(&tmp.path().join("none"), &text, 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("none"), "{err}");

    // Sampling: repeatable by seed, the prompt kept, only known characters produced.
    let m = lm::load(&spiking, Device::Cpu).unwrap();
    let opts = SampleOptions {
        chars: 30,
        temperature: 1.0,
        seed: 5,
    };
    let a = lm::generate(&m.model, &m.vocab, "the ", &opts).unwrap();
    let b = lm::generate(&m.model, &m.vocab, "the ", &opts).unwrap();
    assert_eq!(a, b);
    assert!(a.starts_with("the ") && a.chars().count() == 34, "{a:?}");
    assert!(!a.contains("<unk>") && !a.contains("<pad>"));
    let bad = SampleOptions {
        temperature: -1.0,
        ..opts
    };
    assert!(lm::generate(&m.model, &m.vocab, "the", &bad).is_err());
    // Greedy decoding is the same in both forms.
    let greedy = SampleOptions {
        temperature: 0.0,
        ..opts
    };
    assert_eq!(
        lm::generate(&m.model, &m.vocab, "the", &greedy).unwrap(),
        lm::generate_parallel(&m.model, &m.vocab, "the", &greedy).unwrap()
    );
}

#[test]
fn configs_check_the_variant_and_the_vocabulary() {
    let v = vocab();
    let mut c = SpikeGptConfig::new(tiny(), &v);
    assert!(c.validate().is_ok());
    c.rwkv.spiking = None;
    assert!(c.validate().unwrap_err().to_string().contains("spiking"));
    let mut t = RwkvLmConfig::new(tiny(), &v);
    assert!(t.rwkv.spiking.is_none() && t.validate().is_ok());
    t.vocab.pop();
    assert!(t.validate().unwrap_err().to_string().contains("vocab"));
    let reg = deepfield_text::models().unwrap();
    assert!(reg.contains("text.spikegpt") && reg.contains("text.rwkv"));
}
