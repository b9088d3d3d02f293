//! The spike-pattern classification task of Maass, Natschläger & Markram (2002), "Real-time
//! computing without stable states": `K` random Poisson spike templates over `C` input
//! channels and `T` ms; each sample is one template with every spike moved by Gaussian jitter.
//! The class of a sample is the index of its template.
//!
//! * Template `k`, channel `c`: a homogeneous Poisson process of `rate_hz` on `[0, T)`
//!   (exponential inter-spike intervals), drawn from `rng_for(seed, stream::SPIKE_TEMPLATES)`
//!   in template then channel order.
//! * Sample `i` (in the order of [`generate`]: all training samples, then all test samples,
//!   each part class by class within a repetition): every template spike time `t` becomes
//!   `t + σ·z` with `z ~ N(0, 1)` from `rng_for(seed, stream::SPIKE_JITTER + i)`, clipped to
//!   `[0, T)` and rounded to the nearest step of `dt_ms` (the last step if it rounds to `T`).
//!   So every sample depends on the seed and its own index only: the same seed and config
//!   give the same samples whatever the number of threads.
//!
//! The defaults (2 templates, 40 channels, 200 ms, 20 Hz, σ = 4 ms, dt = 1 ms, 100 + 100
//! samples per class) follow the task's usual setting; the paper's exact figures may differ.
//!
//! # Segment tasks (XOR, parity)
//! With `segments` S ≥ 1 (default 0: the task above), a sample is S consecutive segments of
//! `T / S` ms (Maass, Natschläger & Markram 2002; Legenstein & Maass 2007): each segment
//! position `s` has its own K templates of `T / S` ms, and segment `s` of a sample shows
//! template `b_s` of its position. The label is `(b_0 + … + b_{S-1}) mod K`: with K = 2, the
//! XOR of the two segment bits (S = 2) or the parity of three (S = 3). The templates are
//! drawn from `SPIKE_TEMPLATES` in position, template, channel order; sample `i` draws
//! `b_0 … b_{S-2}` uniformly from its own stream `SPIKE_JITTER + i` and sets `b_{S-1}` so
//! that the sum has the sample's class (so classes stay balanced and every combination of
//! the other bits is equally likely in each class), then jitters every spike as above.
//! Each segment alone, and any sum of per-segment features, says nothing about the label:
//! a linear readout of the input is at chance by construction.

use crate::audio::Split;
use crate::error::{DatasetError, Result};
use crate::spikes::{write_spike_dataset, SpikeDatasetInfo, SpikeSampleOut};
use lsm_core::limits::{self, checked_steps, Limit};
use lsm_core::{rng_for, stream, Real, SpikeTrains};
use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

const GENERATOR: &str = "spike_patterns";

/// Parameters of the task (see the module docs). Read from JSON strictly: unknown fields are
/// refused, absent ones take their default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpikePatternConfig {
    /// Number of templates (classes) `K`. Default 2. >= 1.
    pub n_templates: usize,
    /// Number of input channels `C`. Default 40. >= 1.
    pub n_channels: usize,
    /// Length `T` of a template and of every sample, in ms. Default 200.
    pub duration_ms: Real,
    /// Poisson rate of each template channel, in Hz. Default 20. >= 0.
    pub rate_hz: Real,
    /// Standard deviation σ of the jitter of each spike, in ms. Default 4. >= 0.
    pub jitter_ms: Real,
    /// Time step of the output grid, in ms. Default 1.
    pub dt_ms: Real,
    /// Training samples per class. Default 100.
    pub n_train: usize,
    /// Test samples per class. Default 100.
    pub n_test: usize,
    /// Segments S per sample (see the module docs): 0 (default) for the whole-template task,
    /// S ≥ 1 for the segment task whose label is the sum of the segment symbols modulo K
    /// (the parity of the segment bits with 2 templates). Each segment lasts `duration_ms / S`.
    pub segments: usize,
}

impl Default for SpikePatternConfig {
    fn default() -> Self {
        Self {
            n_templates: 2,
            n_channels: 40,
            duration_ms: 200.0,
            rate_hz: 20.0,
            jitter_ms: 4.0,
            dt_ms: 1.0,
            n_train: 100,
            n_test: 100,
            segments: 0,
        }
    }
}

/// One generated sample.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedSample {
    /// File-friendly name, e.g. `train_p1_0007`.
    pub name: String,
    /// Class label: the template index as text (`"0"`, `"1"`...).
    pub label: String,
    /// [`Split::Train`] or [`Split::Test`].
    pub split: Split,
    /// The spikes (`n_channels` channels, `duration_ms / dt_ms` steps of `dt_ms`).
    pub spikes: SpikeTrains,
    /// The template shown in each segment (one entry, the class, for the whole-template task).
    pub symbols: Vec<usize>,
}

/// Spike times of one template: per channel, ascending, in `[0, T)`.
pub type Template = Vec<Vec<Real>>;

fn bad(field: &'static str, msg: impl Into<String>) -> DatasetError {
    DatasetError::BadParam {
        generator: GENERATOR,
        field,
        msg: msg.into(),
    }
}

fn limit(l: Limit, amount: f64, what: &str) -> Result<()> {
    limits::check(l, amount, what).map_err(|source| DatasetError::ParamLimit {
        generator: GENERATOR,
        source,
    })
}

impl SpikePatternConfig {
    /// Read a config from strict JSON (`file` names it in errors).
    ///
    /// # Errors
    /// [`DatasetError::Json`] for bad JSON, an unknown field or a wrong type (naming the line
    /// and column), and as [`Self::check`].
    pub fn from_json(bytes: &[u8], file: &str) -> Result<Self> {
        let c: Self = lsm_core::json::from_object_slice(bytes, file).map_err(DatasetError::Json)?;
        c.check()?;
        Ok(c)
    }

    /// Steps per sample (`duration_ms / dt_ms`, rounded).
    pub fn n_steps(&self) -> usize {
        (self.duration_ms / self.dt_ms).round() as usize
    }

    /// Check every field, and what generating the dataset will cost against the limits,
    /// before anything is drawn.
    ///
    /// # Errors
    /// [`DatasetError::BadParam`] naming the field; [`DatasetError::ParamLimit`] for a size
    /// above a limit.
    pub fn check(&self) -> Result<()> {
        let pos = |v: Real| v.is_finite() && v > 0.0;
        let non_neg = |v: Real| v.is_finite() && v >= 0.0;
        if self.n_templates == 0 {
            return Err(bad("n_templates", "expected at least 1"));
        }
        if self.n_channels == 0 {
            return Err(bad("n_channels", "expected at least 1"));
        }
        if !pos(self.dt_ms) {
            return Err(bad(
                "dt_ms",
                format!("{}: expected a finite step > 0", self.dt_ms),
            ));
        }
        if !pos(self.duration_ms) {
            return Err(bad(
                "duration_ms",
                format!("{}: expected a finite duration > 0", self.duration_ms),
            ));
        }
        if !non_neg(self.rate_hz) {
            return Err(bad(
                "rate_hz",
                format!("{}: expected a finite rate >= 0", self.rate_hz),
            ));
        }
        if !non_neg(self.jitter_ms) {
            return Err(bad(
                "jitter_ms",
                format!(
                    "{}: expected a finite standard deviation >= 0",
                    self.jitter_ms
                ),
            ));
        }
        if self.n_train == 0 && self.n_test == 0 {
            return Err(bad("n_train", "expected n_train + n_test >= 1"));
        }
        let steps = checked_steps((self.duration_ms / self.dt_ms).round())
            .filter(|&s| s >= 1)
            .ok_or_else(|| {
                bad(
                    "duration_ms",
                    format!(
                        "{} ms / dt_ms {}: expected at least one and at most 2^52 steps",
                        self.duration_ms, self.dt_ms
                    ),
                )
            })? as f64;
        if self.segments as f64 > steps {
            return Err(bad(
                "segments",
                format!(
                    "{}: expected at most one segment per step ({steps} steps of dt_ms)",
                    self.segments
                ),
            ));
        }
        limit(Limit::Inputs, self.n_channels as f64, "n_channels")?;
        limit(Limit::Steps, steps, "duration_ms / dt_ms")?;
        // Memory of the whole dataset: the step index of every sample, and its spikes (the
        // expected count, with room for Poisson fluctuations).
        let samples = self.n_templates as f64 * (self.n_train as f64 + self.n_test as f64);
        let spikes_per_sample = self.n_channels as f64 * self.rate_hz * self.duration_ms / 1000.0;
        let bytes = samples * ((steps + 1.0) * 4.0 + 2.0 * spikes_per_sample * 4.0)
            + self.n_templates as f64 * 2.0 * spikes_per_sample * 8.0;
        limit(
            Limit::MemoryBytes,
            bytes,
            "n_templates x (n_train + n_test) samples of duration_ms / dt_ms steps and \
             n_channels x rate_hz x duration_ms spikes",
        )
    }

    /// The `K` templates drawn from `seed` (see the module docs); for the segment task, the
    /// `S × K` segment templates of `duration_ms / S` ms, position by position.
    ///
    /// # Errors
    /// As [`Self::check`].
    pub fn templates(&self, seed: u64) -> Result<Vec<Template>> {
        self.check()?;
        let mut rng = rng_for(seed, stream::SPIKE_TEMPLATES);
        let mean_isi_ms = if self.rate_hz > 0.0 {
            1000.0 / self.rate_hz
        } else {
            Real::INFINITY
        };
        let length = self.segment_ms();
        let template = |rng: &mut lsm_core::SimRng| -> Template {
            (0..self.n_channels)
                .map(|_| {
                    let mut times = Vec::new();
                    let mut t = 0.0;
                    loop {
                        let isi: Real = Exp1.sample(rng);
                        t += isi * mean_isi_ms;
                        if t.is_nan() || t >= length {
                            return times;
                        }
                        times.push(t);
                    }
                })
                .collect()
        };
        let count = self.n_templates * self.segments.max(1);
        Ok((0..count).map(|_| template(&mut rng)).collect())
    }

    /// Length of one template: `duration_ms`, or `duration_ms / segments`.
    pub fn segment_ms(&self) -> Real {
        self.duration_ms / self.segments.max(1) as Real
    }

    /// The segment symbols of a sample of class `class` (the segment task), drawn with `rng`.
    fn symbols<R: Rng>(&self, class: usize, rng: &mut R) -> Vec<usize> {
        let k = self.n_templates;
        let mut b: Vec<usize> = (1..self.segments).map(|_| rng.gen_range(0..k)).collect();
        let sum = b.iter().sum::<usize>() % k;
        b.push((class + k - sum) % k);
        b
    }

    /// The segment-task sample showing template `symbols[s]` of position `s` in segment `s`
    /// (`templates` as [`Self::templates`] returns them), jittered with `rng`.
    pub fn segmented<R: Rng>(
        &self,
        templates: &[Template],
        symbols: &[usize],
        rng: &mut R,
    ) -> SpikeTrains {
        let parts: Vec<(&Template, Real)> = symbols
            .iter()
            .enumerate()
            .map(|(s, &b)| {
                let offset = s as Real * self.segment_ms();
                (&templates[s * self.n_templates + b], offset)
            })
            .collect();
        self.jittered_parts(&parts, rng)
    }

    /// A template jittered with `rng` (σ = `jitter_ms`; σ = 0 gives the template itself on
    /// the grid), as spike trains.
    pub fn jittered<R: Rng>(&self, template: &Template, rng: &mut R) -> SpikeTrains {
        self.jittered_parts(&[(template, 0.0)], rng)
    }

    /// Templates shifted by their offsets (ms), every spike jittered with `rng`, clipped to
    /// `[0, T)` and put on the grid.
    fn jittered_parts<R: Rng>(&self, parts: &[(&Template, Real)], rng: &mut R) -> SpikeTrains {
        let n_steps = self.n_steps();
        let last = (n_steps - 1) as Real;
        let total = parts.iter().flat_map(|p| p.0.iter()).map(Vec::len).sum();
        let mut events = Vec::with_capacity(total);
        for (template, offset) in parts {
            for (c, times) in template.iter().enumerate() {
                for &t in times {
                    let z: Real = StandardNormal.sample(rng);
                    let moved = (offset + t + self.jitter_ms * z).clamp(0.0, self.duration_ms);
                    let step = (moved / self.dt_ms).round().min(last);
                    events.push((step as usize, c));
                }
            }
        }
        SpikeTrains::from_events(self.n_channels, self.dt_ms, n_steps, events)
            .expect("channels and steps are in range by construction")
    }
}

/// Generate the dataset: for each split (train, then test), `n_train` (`n_test`) repetitions
/// of every class in class order; sample `i` of that order is jittered with
/// `rng_for(seed, stream::SPIKE_JITTER + i)`. Runs in parallel; the result does not depend on
/// the number of threads.
///
/// # Errors
/// As [`SpikePatternConfig::check`].
pub fn generate(cfg: &SpikePatternConfig, seed: u64) -> Result<Vec<GeneratedSample>> {
    let templates = cfg.templates(seed)?;
    let k = cfg.n_templates;
    let plan: Vec<(Split, usize, usize)> = [(Split::Train, cfg.n_train), (Split::Test, cfg.n_test)]
        .into_iter()
        .flat_map(|(split, n)| (0..n).flat_map(move |rep| (0..k).map(move |c| (split, rep, c))))
        .collect();
    let width = plan.len().to_string().len().max(4);
    Ok(plan
        .into_par_iter()
        .enumerate()
        .map(|(i, (split, rep, class))| {
            let mut rng = rng_for(seed, stream::SPIKE_JITTER.wrapping_add(i as u64));
            let (symbols, spikes) = if cfg.segments == 0 {
                (vec![class], cfg.jittered(&templates[class], &mut rng))
            } else {
                let b = cfg.symbols(class, &mut rng);
                let st = cfg.segmented(&templates, &b, &mut rng);
                (b, st)
            };
            GeneratedSample {
                name: format!("{split}_p{class}_{rep:0width$}"),
                label: class.to_string(),
                split,
                spikes,
                symbols,
            }
        })
        .collect())
}

/// Write generated samples as a spike dataset (see [`crate::spikes`]): `NAME.csv` per sample,
/// `labels.csv` with `file,label,split`, and `dataset.json` whose `meta` holds the config and
/// the seed.
///
/// # Errors
/// As [`write_spike_dataset`].
pub fn write_dataset(
    dir: &Path,
    cfg: &SpikePatternConfig,
    seed: u64,
    samples: &[GeneratedSample],
) -> Result<()> {
    let files: Vec<String> = samples.iter().map(|s| format!("{}.csv", s.name)).collect();
    let out: Vec<SpikeSampleOut<'_>> = samples
        .iter()
        .zip(&files)
        .map(|(s, file)| SpikeSampleOut {
            file,
            label: &s.label,
            split: Some(s.split),
            group: None,
            spikes: &s.spikes,
        })
        .collect();
    let info = SpikeDatasetInfo {
        n_channels: Some(cfg.n_channels),
        dt_ms: Some(cfg.dt_ms),
        duration_ms: Some(cfg.n_steps() as Real * cfg.dt_ms),
        meta: serde_json::json!({
            "generator": if cfg.segments == 0 {
                "spike_patterns (Maass, Natschlaeger & Markram 2002)"
            } else {
                "spike_patterns, segment task (Maass, Natschlaeger & Markram 2002; Legenstein & Maass 2007)"
            },
            "seed": seed,
            "config": cfg,
        }),
    };
    write_spike_dataset(dir, &info, &out)
}
