//! A linear-chain conditional random field over per-token tag scores: Lafferty, McCallum & Pereira
//! (2001), "Conditional Random Fields: Probabilistic Models for Segmenting and Labeling Sequence
//! Data", ICML, as the output layer of the BiLSTM-CRF taggers (Lample et al. 2016, "Neural
//! Architectures for Named Entity Recognition"; Dernoncourt et al. 2017, NeuroNER).
//!
//! The score of a tag path `y` for emissions `E` `[T, K]` is
//! `start[y₀] + Σₜ E[t, yₜ] + Σₜ trans[yₜ₋₁, yₜ] + end[y_last]`; [`Crf::log_likelihood`] is that
//! score minus the log partition function, computed by the forward algorithm in log space
//! (`logsumexp`, never products of probabilities), and [`Crf::decode`] is Viterbi decoding.
//! Padded batches carry a `[B, T]` mask, right padding only, whose first column is all true.
//!
//! Parameters and initialisation are pytorch-crf 0.7.2's (`torchcrf.CRF`): `start_transitions`
//! `[K]`, `end_transitions` `[K]`, `transitions` `[K, K]` (from, to), each U(−0.1, 0.1); a
//! checkpoint loads into `torchcrf.CRF(K, batch_first=True)` unchanged, and the
//! log-likelihood, its gradients and the decoded paths agree with it (core/tests/crf_pytorch_crf.rs).
//!
//! Constrained transitions ([`TagConstraint`], an addition over pytorch-crf): for BIO or BIOES
//! tag sets a fixed penalty of −10⁴ is added to every forbidden start, transition and end score
//! (`I-X` after `O` or after another type, `I-X` at the start, …), so neither training nor
//! decoding gives an invalid sequence weight; the learned parameters themselves stay
//! pytorch-crf's.

use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

use crate::{ensure_config, ensure_input, Result};

/// Added to a forbidden score under a [`TagConstraint`] (finite, so a gold path that breaks
/// the scheme gives a large loss instead of infinity).
pub const FORBIDDEN: f64 = -1.0e4;

/// A tagging scheme whose transitions can be constrained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagScheme {
    /// `B-X` begins an entity, `I-X` continues it, `O` is outside.
    Bio,
    /// BIO plus `E-X` (ends an entity) and `S-X` (a one-token entity).
    Bioes,
}

/// Which transitions a CRF may take: the scheme and the tag names, index by index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagConstraint {
    pub scheme: TagScheme,
    /// The tag of each index, e.g. `["O", "B-PER", "I-PER"]`. A label without a `B-`/`I-`/
    /// `E-`/`S-` prefix (`O`, `<pad>`) counts as outside.
    pub labels: Vec<String>,
}

/// The prefix and type of a label; `None` for outside labels.
fn split_label(label: &str) -> Option<(char, &str)> {
    let mut chars = label.chars();
    let p = chars.next()?;
    if matches!(p, 'B' | 'I' | 'E' | 'S') && chars.next() == Some('-') {
        Some((p, &label[2..]))
    } else {
        None
    }
}

impl TagConstraint {
    /// Whether a path may start at `to`.
    fn start_ok(&self, to: &str) -> bool {
        !matches!(split_label(to), Some(('I' | 'E', _)))
    }

    /// Whether a path may end at `from`.
    fn end_ok(&self, from: &str) -> bool {
        match self.scheme {
            TagScheme::Bio => true,
            TagScheme::Bioes => !matches!(split_label(from), Some(('B' | 'I', _))),
        }
    }

    /// Whether `to` may follow `from`.
    fn step_ok(&self, from: &str, to: &str) -> bool {
        let (f, t) = (split_label(from), split_label(to));
        match self.scheme {
            TagScheme::Bio => match t {
                Some(('I', ty)) => matches!(f, Some(('B' | 'I', fy)) if fy == ty),
                _ => true,
            },
            TagScheme::Bioes => match f {
                Some(('B' | 'I', fy)) => matches!(t, Some(('I' | 'E', ty)) if ty == fy),
                _ => !matches!(t, Some(('I' | 'E', _))),
            },
        }
    }

    /// Penalties `(start [K], end [K], transitions [K, K])`: 0 where allowed, [`FORBIDDEN`]
    /// elsewhere.
    pub fn penalties(&self) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let pen = |ok: bool| if ok { 0.0 } else { FORBIDDEN as f32 };
        let l = &self.labels;
        let start = l.iter().map(|t| pen(self.start_ok(t))).collect();
        let end = l.iter().map(|f| pen(self.end_ok(f))).collect();
        let trans = l
            .iter()
            .flat_map(|f| l.iter().map(move |t| (f, t)))
            .map(|(f, t)| pen(self.step_ok(f, t)))
            .collect();
        (start, end, trans)
    }

    /// Whether the whole tag path is allowed.
    pub fn allows(&self, path: &[i64]) -> bool {
        let label = |i: i64| {
            self.labels
                .get(i as usize)
                .map(String::as_str)
                .unwrap_or("O")
        };
        let Some((&first, &last)) = path.first().zip(path.last()) else {
            return true;
        };
        self.start_ok(label(first))
            && self.end_ok(label(last))
            && path
                .windows(2)
                .all(|w| self.step_ok(label(w[0]), label(w[1])))
    }
}

/// A linear-chain CRF's config; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrfConfig {
    /// Number of tags `K`.
    pub tags: i64,
    /// Forbidden transitions (none by default, as pytorch-crf).
    #[serde(default)]
    pub constraint: Option<TagConstraint>,
}

impl CrfConfig {
    /// An unconstrained CRF over `tags` tags.
    pub fn new(tags: i64) -> Self {
        CrfConfig {
            tags,
            constraint: None,
        }
    }

    /// A CRF over `labels` whose transitions follow `scheme`.
    pub fn constrained(scheme: TagScheme, labels: Vec<String>) -> Self {
        CrfConfig {
            tags: labels.len() as i64,
            constraint: Some(TagConstraint { scheme, labels }),
        }
    }

    /// Check the tag count (and that the constraint names every tag).
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.tags > 0, "crf: tags must be > 0, got {}", self.tags);
        if let Some(c) = &self.constraint {
            ensure_config!(
                c.labels.len() as i64 == self.tags,
                "crf: the constraint names {} labels for {} tags",
                c.labels.len(),
                self.tags
            );
        }
        Ok(())
    }

    /// Create the parameters under `path` (pytorch-crf's names and U(−0.1, 0.1)).
    pub fn init(&self, path: &nn::Path) -> Result<Crf> {
        self.validate()?;
        let k = self.tags;
        let init = nn::Init::Uniform { lo: -0.1, up: 0.1 };
        let dev = path.device();
        let penalties = match &self.constraint {
            None => None,
            Some(c) => {
                let (s, e, t) = c.penalties();
                let f = |v: &[f32]| Tensor::from_slice(v).to_device(dev);
                Some([f(&s), f(&e), f(&t).f_view([k, k])?])
            }
        };
        Ok(Crf {
            start: path.var("start_transitions", &[k], init),
            end: path.var("end_transitions", &[k], init),
            transitions: path.var("transitions", &[k, k], init),
            penalties,
            config: self.clone(),
        })
    }
}

/// A built linear-chain CRF.
#[derive(Debug)]
pub struct Crf {
    /// `start_transitions` `[K]`.
    pub start: Tensor,
    /// `end_transitions` `[K]`.
    pub end: Tensor,
    /// `transitions` `[K, K]`, from row to column.
    pub transitions: Tensor,
    /// The constraint's penalties, `[start, end, transitions]`.
    penalties: Option<[Tensor; 3]>,
    config: CrfConfig,
}

impl Crf {
    /// The config this layer was built from.
    pub fn config(&self) -> &CrfConfig {
        &self.config
    }

    /// Start, end and transition scores with the constraint's penalties added.
    fn scores(&self) -> Result<(Tensor, Tensor, Tensor)> {
        Ok(match &self.penalties {
            None => (
                self.start.shallow_clone(),
                self.end.shallow_clone(),
                self.transitions.shallow_clone(),
            ),
            Some([s, e, t]) => (
                self.start.f_add(s)?,
                self.end.f_add(e)?,
                self.transitions.f_add(t)?,
            ),
        })
    }

    /// Check `[B, T, K]` emissions and an optional mask; the bool mask (all true when absent).
    fn check(&self, emissions: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
        let s = emissions.size();
        ensure_input!(
            s.len() == 3 && s[2] == self.config.tags && s[0] > 0 && s[1] > 0,
            "crf: emissions must be [B, T, {}] with B, T > 0, got {s:?}",
            self.config.tags
        );
        let Some(mask) = mask else {
            return Ok(Tensor::f_ones(
                [s[0], s[1]],
                (Kind::Bool, emissions.device()),
            )?);
        };
        ensure_input!(
            mask.size() == s[..2],
            "crf: mask must be [B, T] = {:?}, got {:?}",
            &s[..2],
            mask.size()
        );
        let mask = super::attention::bool_mask(mask)?;
        ensure_input!(
            mask.f_select(1, 0)?
                .f_all()?
                .f_to_kind(Kind::Int64)?
                .f_int64_value(&[])?
                != 0,
            "crf: the first time step of every sequence must be unmasked"
        );
        Ok(mask)
    }

    /// Log-likelihood of each gold tag path, `log p(tags | emissions)`.
    ///
    /// # Shapes
    /// * `emissions`: `[B, T, K]` float
    /// * `tags`: `[B, T]` int64 (values at padded steps are ignored but must be in range)
    /// * `mask`: `[B, T]` bool or 0/1, right padding, first column all true; `None` = no padding
    /// * returns `[B]` (pytorch-crf's `reduction="none"`; sum it for its default)
    pub fn log_likelihood(
        &self,
        emissions: &Tensor,
        tags: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<Tensor> {
        let mask = self.check(emissions, mask)?;
        ensure_input!(
            tags.size() == mask.size(),
            "crf: tags must be [B, T] = {:?}, got {:?}",
            mask.size(),
            tags.size()
        );
        let tags = tags.f_to_kind(Kind::Int64)?;
        let k = self.config.tags;
        if tags.numel() > 0 {
            let (lo, hi) = (
                tags.f_min()?.int64_value(&[]),
                tags.f_max()?.int64_value(&[]),
            );
            ensure_input!(
                lo >= 0 && hi < k,
                "crf: tags must be in 0..{k}, got {lo}..={hi}"
            );
        }
        let numerator = self.path_score(emissions, &tags, &mask)?;
        let denominator = self.log_partition(emissions, &mask)?;
        Ok(numerator.f_sub(&denominator)?)
    }

    /// Score of the given tag paths, `[B]`.
    fn path_score(&self, emissions: &Tensor, tags: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (start, end, trans) = self.scores()?;
        let t = tags.size()[1];
        let maskf = mask.f_to_kind(emissions.kind())?;
        let emitted = emissions
            .f_gather(2, &tags.f_unsqueeze(-1)?, false)?
            .f_squeeze_dim(-1)?
            .f_mul(&maskf)?
            .f_sum_dim_intlist(1, false, None)?;
        let first = tags.f_select(1, 0)?;
        let mut score = emitted.f_add(&start.f_index_select(0, &first)?)?;
        if t > 1 {
            let k = self.config.tags;
            let from = tags.f_narrow(1, 0, t - 1)?;
            let to = tags.f_narrow(1, 1, t - 1)?;
            let flat = from.f_mul_scalar(k)?.f_add(&to)?;
            let steps = trans
                .f_view([-1])?
                .f_index_select(0, &flat.f_view([-1])?)?
                .f_view_as(&flat)?
                .f_mul(&maskf.f_narrow(1, 1, t - 1)?)?
                .f_sum_dim_intlist(1, false, None)?;
            score = score.f_add(&steps)?;
        }
        let last_index = mask
            .f_sum_dim_intlist(1, false, Kind::Int64)?
            .f_sub_scalar(1)?
            .f_unsqueeze(1)?;
        let last = tags.f_gather(1, &last_index, false)?.f_squeeze_dim(1)?;
        Ok(score.f_add(&end.f_index_select(0, &last)?)?)
    }

    /// Log partition function by the forward algorithm, `[B]`.
    fn log_partition(&self, emissions: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (start, end, trans) = self.scores()?;
        let t = emissions.size()[1];
        let trans = trans.f_unsqueeze(0)?;
        let mut alpha = start.f_add(&emissions.f_select(1, 0)?)?;
        for i in 1..t {
            let next = alpha
                .f_unsqueeze(2)?
                .f_add(&trans)?
                .f_add(&emissions.f_select(1, i)?.f_unsqueeze(1)?)?
                .f_logsumexp(&[1i64][..], false)?;
            let m = mask.f_select(1, i)?.f_unsqueeze(1)?;
            alpha = next.f_where_self(&m, &alpha)?;
        }
        Ok(alpha.f_add(&end)?.f_logsumexp(&[1i64][..], false)?)
    }

    /// The best tag path of each sequence by Viterbi decoding, each as long as its mask's real
    /// steps (pytorch-crf's `decode`).
    ///
    /// # Shapes
    /// `emissions` `[B, T, K]`, `mask` `[B, T]` as in [`log_likelihood`](Self::log_likelihood).
    pub fn decode(&self, emissions: &Tensor, mask: Option<&Tensor>) -> Result<Vec<Vec<i64>>> {
        let mask = self.check(emissions, mask)?;
        let _guard = tch::no_grad_guard();
        let (start, end, trans) = self.scores()?;
        let s = emissions.size();
        let (b, t, k) = (s[0], s[1], s[2]);
        let trans = trans.f_unsqueeze(0)?;
        let mut score = start.f_add(&emissions.f_select(1, 0)?)?;
        let mut history = Vec::with_capacity(t.max(1) as usize - 1);
        for i in 1..t {
            let next = score
                .f_unsqueeze(2)?
                .f_add(&trans)?
                .f_add(&emissions.f_select(1, i)?.f_unsqueeze(1)?)?;
            let (best, index) = next.f_max_dim(1, false)?;
            let m = mask.f_select(1, i)?.f_unsqueeze(1)?;
            score = best.f_where_self(&m, &score)?;
            history.push(index);
        }
        let score = score.f_add(&end)?;
        let last = Vec::<i64>::try_from(score.f_argmax(1, false)?.f_to_device(tch::Device::Cpu)?)?;
        let lengths = Vec::<i64>::try_from(
            mask.f_sum_dim_intlist(1, false, Kind::Int64)?
                .f_to_device(tch::Device::Cpu)?,
        )?;
        let history: Vec<i64> = if history.is_empty() {
            Vec::new()
        } else {
            Vec::<i64>::try_from(
                Tensor::f_stack(&history, 0)?
                    .f_to_device(tch::Device::Cpu)?
                    .f_contiguous()?
                    .f_view([-1])?,
            )?
        };
        // history[step][row][to] = best previous tag, flattened.
        let at = |step: i64, row: i64, tag: i64| history[((step * b + row) * k + tag) as usize];
        Ok((0..b)
            .map(|row| {
                let len = lengths[row as usize];
                let mut tag = last[row as usize];
                let mut path = vec![tag];
                for step in (0..len - 1).rev() {
                    tag = at(step, row, tag);
                    path.push(tag);
                }
                path.reverse();
                path
            })
            .collect())
    }
}
