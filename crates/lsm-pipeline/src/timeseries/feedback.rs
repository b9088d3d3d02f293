//! Readout feedback: the readout's outputs fed back into the reservoir through their own
//! weights `W_fb` (reservoirpy's feedback connection).
//!
//! A reservoir with feedback is driven by `[u(t); y(t − 1)]`: the series' inputs and the
//! output of the step before. The feedback channels are extra input channels with their own
//! weights, drawn from `rng_for(seed, stream::FEEDBACK)` (so adding feedback changes none of
//! the reservoir's own weights):
//! * ESN: `W_fb` is N × O, each entry nonzero with probability `connectivity`, then drawn
//!   like the ESN's input weights (`U[−1, 1]` or `±1`) times `scaling`;
//! * spiking reservoir: the network is generated with the feedback channels as extra input
//!   channels (current, or encoded to spikes by the same encoder as the input); each of their
//!   input synapses is kept with probability `connectivity` and its weight multiplied by
//!   `scaling`.
//!
//! **Training** is teacher forced: `y(t − 1)` is the true target of the step before
//! (`0` before the first row), plus Gaussian noise of standard deviation `noise` (scaled
//! units; from `rng_for(seed, stream::FEEDBACK_NOISE)`) on the training rows only.
//! **One-step scoring** feeds back the true previous target too: one step ahead, the value
//! the readout predicted a step ago has been observed since. **Closed loop** feeds back the
//! readout's own output, from a teacher-forced start. `k-step` prediction would feed back
//! targets not yet observed, and is refused.

use super::*;
use lsm_core::{rng_for, stream, Real};
use ndarray::{s, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// The `"feedback"` object of a time-series config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedbackConfig {
    /// Gain of the feedback weights (reservoirpy's `fb_scaling`). Default 1.
    pub scaling: Real,
    /// Probability that a unit receives a given output (reservoirpy's `fb_connectivity`).
    /// Default 0.1. In (0, 1].
    pub connectivity: Real,
    /// Standard deviation of the Gaussian noise added to the teacher signal fed back during
    /// training (scaled units). Default 0.
    pub noise: Real,
}

impl Default for FeedbackConfig {
    fn default() -> Self {
        Self {
            scaling: 1.0,
            connectivity: 0.1,
            noise: 0.0,
        }
    }
}

impl FeedbackConfig {
    /// Check the fields and that the reservoir and mode allow feedback.
    pub(crate) fn validate(&self, cfg: &TsConfig) -> Result<()> {
        if !(self.scaling.is_finite() && self.scaling >= 0.0 && self.scaling <= 1e6) {
            return cfg_err(
                "feedback.scaling",
                format!("expected a value in [0, 1e6], found {}", self.scaling),
            );
        }
        if !(self.connectivity > 0.0 && self.connectivity <= 1.0) {
            return cfg_err(
                "feedback.connectivity",
                format!("expected a value in (0, 1], found {}", self.connectivity),
            );
        }
        if !(self.noise.is_finite() && self.noise >= 0.0 && self.noise <= 1e6) {
            return cfg_err(
                "feedback.noise",
                format!("expected a value in [0, 1e6], found {}", self.noise),
            );
        }
        match &cfg.reservoir {
            ReservoirConfig::Nvar(_) => {
                return cfg_err(
                    "feedback",
                    "an NVAR has no state to feed back into (its features are delayed inputs); \
                     use an ESN or a spiking reservoir, or remove \"feedback\"",
                )
            }
            ReservoirConfig::Spiking(s) => {
                if let lsm_reservoir::SpikingInput::Encoder(e) = &s.input {
                    use lsm_encoding::Encoder;
                    let one_each = e.n_channels(2) == 2;
                    if !one_each && (self.scaling != 1.0 || self.connectivity != 1.0) {
                        return cfg_err(
                            "feedback",
                            "this encoder gives several spike channels per signal channel: \
                             feedback through it needs scaling = 1 and connectivity = 1 \
                             (or use current input)",
                        );
                    }
                }
            }
            ReservoirConfig::DeepEsn(_) => {
                return cfg_err(
                    "feedback",
                    "feedback weights are not available for a deep ESN; use \"esn\" or \
                     \"spiking\", or remove \"feedback\"",
                )
            }
            ReservoirConfig::Esn(_) => {}
        }
        if cfg.prediction.mode == Mode::KStep {
            return cfg_err(
                "feedback",
                "k-step prediction would feed back targets that are not observed yet; use \
                 one-step or closed-loop with feedback",
            );
        }
        Ok(())
    }
}

/// Build the reservoir of `cfg` for `k` series inputs, with `o` feedback channels when the
/// config has feedback (see the module doc).
pub(crate) fn build_reservoir(cfg: &TsConfig, k: usize, o: usize) -> Result<Reservoir> {
    let Some(fb) = &cfg.feedback else {
        return Ok(Reservoir::build(&cfg.reservoir, k, cfg.seed)?);
    };
    use rand::Rng;
    match &cfg.reservoir {
        ReservoirConfig::Esn(e) => {
            let esn = lsm_reservoir::Esn::build(e, k, cfg.seed)?;
            let esn =
                esn.with_feedback(o, e.input_weights, fb.scaling, fb.connectivity, cfg.seed)?;
            Ok(Reservoir::Esn(esn))
        }
        ReservoirConfig::Spiking(s) => {
            let mut s = (**s).clone();
            // Per-channel current gains given for the series inputs: the feedback channels
            // get gain 1 and offset 0 (their strength is `feedback.scaling`).
            if let lsm_reservoir::SpikingInput::Current { scale, offset } = &mut s.input {
                for (v, fill) in [(scale, 1.0), (offset, 0.0)] {
                    if v.len() == k && k > 1 {
                        v.resize(v.len() + o, fill);
                    }
                }
            }
            let mut sr = lsm_reservoir::SpikingReservoir::build(&s, k + o, cfg.seed)?;
            // Input channels of the network that carry feedback: with current input (or a
            // one-channel-per-signal encoder) network channel j is series channel j.
            let first_fb = k as u32;
            let mut rng = rng_for(cfg.seed, stream::FEEDBACK);
            let inp = &mut sr.spec.input;
            let mut keep = Vec::with_capacity(inp.pre.len());
            for (pre, w) in inp.pre.iter().zip(inp.weight.iter_mut()) {
                let is_fb = *pre >= first_fb;
                let on = !is_fb || fb.connectivity >= 1.0 || rng.gen::<Real>() < fb.connectivity;
                if is_fb {
                    *w *= fb.scaling;
                }
                keep.push(on);
            }
            if keep.iter().any(|k| !k) {
                fn filt<T>(v: &mut Vec<T>, keep: &[bool]) {
                    let mut it = keep.iter();
                    v.retain(|_| *it.next().expect("one flag per synapse"));
                }
                filt(&mut inp.pre, &keep);
                filt(&mut inp.post, &keep);
                filt(&mut inp.weight, &keep);
                if let Some(d) = inp.delay_ms.as_mut() {
                    filt(d, &keep);
                }
            }
            Ok(Reservoir::Spiking(Box::new(sr)))
        }
        ReservoirConfig::Nvar(_) => cfg_err("feedback", "an NVAR takes no feedback"),
        ReservoirConfig::DeepEsn(_) => cfg_err("feedback", "a deep ESN takes no feedback"),
    }
}

/// The reservoir's drive: the inputs, then (with feedback) the teacher signal `y(t − 1)`,
/// with noise of `fb.noise` on rows `noisy` (see the module doc).
pub(crate) fn drive_rows(
    cfg: &TsConfig,
    inputs: ArrayView2<Real>,
    targets: ArrayView2<Real>,
    noisy: std::ops::Range<usize>,
) -> Array2<Real> {
    let Some(fb) = &cfg.feedback else {
        return inputs.to_owned();
    };
    let (t, k, o) = (inputs.nrows(), inputs.ncols(), targets.ncols());
    let mut d = Array2::zeros((t, k + o));
    d.slice_mut(s![.., ..k]).assign(&inputs);
    if t > 1 {
        d.slice_mut(s![1.., k..])
            .assign(&targets.slice(s![..t - 1, ..]));
    }
    if fb.noise > 0.0 {
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = rng_for(cfg.seed, stream::FEEDBACK_NOISE);
        for r in noisy.start.min(t)..noisy.end.min(t) {
            for c in k..k + o {
                let z: Real = StandardNormal.sample(&mut rng);
                d[[r, c]] += fb.noise * z;
            }
        }
    }
    d
}
