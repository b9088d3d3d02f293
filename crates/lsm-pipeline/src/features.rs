//! State features: how a sequence of spikes becomes one fixed-length feature vector.
//!
//! A spoken digit lasts a variable number of time steps; the readout needs one vector per
//! sample. [`Pooling`] is the explicit, documented choice of how to get it. Every pooling works
//! on spike trains (the reservoir's output spikes and, optionally, the encoder's input spikes,
//! pooled the same way) and is computed event by event, without any per-step pass over all
//! neurons:
//!
//! A sample has `T` steps of `dt` ms; `s_i(t)` is the number of spikes of channel `i` at step
//! `t`. The definitions are the same as the recordings of `lsm_reservoir::RecordSpec`:
//!
//! * [`Pooling::SpikeCounts`]: the spike count of each channel in `bins` (B) bins spanning the
//!   sample. With `warp` λ = 0 they are equal time bins: step `t` falls in bin `⌊t·B / T⌋`.
//!   With λ > 0 the bin edges follow the sample's *input* (the encoder's spikes, the same
//!   for the reservoir's and the input's features): step `t` falls in bin
//!   `min(B−1, ⌊B·p(t)⌋)` with the progress `p(t) = λ·C(t)/C + (1−λ)·t/T` at the start of
//!   step `t`, where `C(t)` is the number of input spikes before step `t` and `C` their total
//!   (λ is taken as 0 for a sample without input spikes). The edges then move with where the
//!   sound's energy lies, so that bins line up with the parts of a word whatever their
//!   durations: a slow onset or a long fricative of one speaker takes its own share of
//!   time. Features are `B × channels`, bin-major (feature `b·n + i` is channel `i` in bin
//!   `b`).
//! * [`Pooling::Traces`]: the exponentially filtered spike trace of each channel,
//!   `r_i(t) = r_i(t−1)·a + s_i(t)`, `a = exp(−dt/τ)`, `r_i(−1) = 0` (a spike adds 1, the
//!   trace decays with time constant `tau_ms`), sampled at the K = `samples` evenly spaced
//!   steps `⌊(k+1)·T/K⌋ − 1`, `k = 0..K` (the last one is the last step; clamped at 0 when
//!   `T < K`). Features are `K × channels`, sample-major.
//! * [`Pooling::Mean`]: the time average of that trace over the sample,
//!   `(1/T) Σ_{t<T} r_i(t) = (1/T) Σ_{spikes at t_s} (1 − a^{T−t_s}) / (1 − a)`.
//! * [`Pooling::Last`]: the trace at the last step, `r_i(T−1)`.
//!
//! An empty sample (0 steps) gives all-zero features.
//!
//! After pooling, a [`Transform`] is applied to every feature: by default `sqrt`
//! (`x ↦ √x`), the variance-stabilising transform of Poisson counts (Anscombe's, without its
//! constant offset, which standardisation removes anyway). Spike counts are roughly Poisson:
//! their variance grows with their mean, so a few fast-firing neurons dominate a linear
//! readout's errors. On FSDD (default network, nested leave-one-speaker-out CV of α) the
//! mean leave-one-speaker-out accuracy is 0.828 raw, 0.841 with `sqrt`, 0.844 with `log1p`;
//! the official test split gives 0.984 / 0.976 / 0.976, and `sqrt` with the input features
//! appended (the default) 0.847 / 0.980.

use crate::error::PipelineError;
use lsm_core::{Real, SpikeTrains};
use serde::{Deserialize, Serialize};

/// Element-wise transform of the pooled features (`"transform"` in the features config).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// Identity (the raw counts or traces).
    None,
    /// `ln(1 + x)`.
    Log1p,
    /// `√x` (the square-root, Anscombe-like, variance stabiliser; the default).
    #[default]
    Sqrt,
}

impl Transform {
    /// Apply in place. Pooled features are `≥ 0`, so both transforms are defined.
    pub fn apply(self, x: &mut [Real]) {
        match self {
            Transform::None => {}
            Transform::Log1p => x.iter_mut().for_each(|v| *v = v.ln_1p()),
            Transform::Sqrt => x.iter_mut().for_each(|v| *v = v.max(0.0).sqrt()),
        }
    }
}

/// How a sample's spike trains are pooled into one feature vector (see the module docs for the
/// exact formulas). JSON form: an object with a `"kind"` field, e.g.
/// `{"kind": "spike_counts", "bins": 4}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Pooling {
    /// Spike counts in `bins` time bins spanning the sample, equal in time (`warp` 0) or
    /// with edges drawn toward equal shares of the input's spikes (`warp` up to 1).
    SpikeCounts {
        /// Number of time bins B. Default 4; range 1..=1000.
        bins: usize,
        /// Time warp λ of the bin edges by the input's cumulative spike count (see the module
        /// docs). Default 0.5 (absent in a model file older than format version 4: 0);
        /// range 0..=1.
        #[serde(default = "default_warp")]
        warp: Real,
    },
    /// Filtered spike traces sampled at `samples` evenly spaced times.
    Traces {
        /// Trace time constant τ in ms. Default 20 ms; range > 0.
        tau_ms: Real,
        /// Number of sampling times K. Default 4; range 1..=1000.
        samples: usize,
    },
    /// Time average of the filtered spike trace.
    Mean {
        /// Trace time constant τ in ms. Default 20 ms; range > 0.
        tau_ms: Real,
    },
    /// Filtered spike trace at the last step.
    Last {
        /// Trace time constant τ in ms. Default 20 ms; range > 0.
        tau_ms: Real,
    },
}

fn default_warp() -> Real {
    0.5
}

impl Default for Pooling {
    /// Spike counts in 4 bins warped halfway by the input (`warp` 0.5): on the full FSDD,
    /// leave-one-speaker-out 0.886 / 0.879 / 0.888 / 0.866 / 0.882 / 0.883 for network seeds
    /// 42 / 1 / 2 / 3 / 4 / 5 (mean 0.881) against 0.874 / 0.873 / 0.878 / 0.865 / 0.863 /
    /// 0.870 (mean 0.871) with equal time bins; warp 0.3 / 0.6 / 0.7 / 1 gave 0.872 / 0.880 /
    /// 0.881 / 0.871 on seed 42.
    fn default() -> Self {
        Pooling::SpikeCounts {
            bins: 4,
            warp: default_warp(),
        }
    }
}

impl Pooling {
    /// Check the parameters; `field` names the config field in the error.
    pub fn validate(&self, field: &str) -> Result<(), PipelineError> {
        let bad = |name: &str, msg: String| {
            Err(PipelineError::Config {
                field: format!("{field}.{name}"),
                msg,
            })
        };
        match *self {
            Pooling::SpikeCounts { bins, warp } => {
                if !(1..=1000).contains(&bins) {
                    return bad("bins", format!("expected 1..=1000 time bins, found {bins}"));
                }
                if !(0.0..=1.0).contains(&warp) {
                    return bad("warp", format!("expected a weight in 0..=1, found {warp}"));
                }
            }
            Pooling::Traces { tau_ms, samples } => {
                if !(1..=1000).contains(&samples) {
                    return bad(
                        "samples",
                        format!("expected 1..=1000 sampling times, found {samples}"),
                    );
                }
                if !(tau_ms.is_finite() && tau_ms > 0.0) {
                    return bad("tau_ms", format!("expected a time > 0 ms, found {tau_ms}"));
                }
            }
            Pooling::Mean { tau_ms } | Pooling::Last { tau_ms } => {
                if !(tau_ms.is_finite() && tau_ms > 0.0) {
                    return bad("tau_ms", format!("expected a time > 0 ms, found {tau_ms}"));
                }
            }
        }
        Ok(())
    }

    /// Number of feature values per channel (B, K or 1).
    pub fn per_channel(&self) -> usize {
        match *self {
            Pooling::SpikeCounts { bins, .. } => bins,
            Pooling::Traces { samples, .. } => samples,
            Pooling::Mean { .. } | Pooling::Last { .. } => 1,
        }
    }

    /// Number of features for `n_channels` channels.
    pub fn n_features(&self, n_channels: usize) -> usize {
        self.per_channel() * n_channels
    }

    /// Pool `st` into `out` (length [`Pooling::n_features`]`(st.n_channels())`), overwriting it.
    ///
    /// **Panics** if `out` has the wrong length (an internal invariant of the pipeline).
    pub fn pool_into(&self, st: &SpikeTrains, input: &SpikeTrains, out: &mut [Real]) {
        let n = st.n_channels();
        assert_eq!(out.len(), self.n_features(n), "pooled feature length");
        out.iter_mut().for_each(|v| *v = 0.0);
        let n_steps = st.n_steps();
        if n_steps == 0 {
            return;
        }
        let dt = st.dt_ms();
        match *self {
            Pooling::SpikeCounts { bins, warp } => {
                let total = input.n_spikes();
                if warp == 0.0 || total == 0 {
                    for s in 0..n_steps {
                        let b = s * bins / n_steps;
                        let row = &mut out[b * n..(b + 1) * n];
                        for &c in st.at(s) {
                            row[c as usize] += 1.0;
                        }
                    }
                } else {
                    let (bf, tf, nf) = (bins as Real, total as Real, n_steps as Real);
                    let mut before = 0usize; // input spikes before step s
                    for s in 0..n_steps {
                        let p = warp * before as Real / tf + (1.0 - warp) * s as Real / nf;
                        let b = ((bf * p).floor() as usize).min(bins - 1);
                        let row = &mut out[b * n..(b + 1) * n];
                        for &c in st.at(s) {
                            row[c as usize] += 1.0;
                        }
                        if s < input.n_steps() {
                            before += input.at(s).len();
                        }
                    }
                }
            }
            Pooling::Traces { tau_ms, samples } => {
                // Event-driven: each channel's trace is kept as (value, step of last update).
                let ln_a = -dt / tau_ms;
                let mut last = vec![0usize; n];
                let mut val = vec![0.0 as Real; n];
                let mut s = 0usize;
                for k in 0..samples {
                    let step_k = sample_step(k, samples, n_steps);
                    while s <= step_k {
                        for &c in st.at(s) {
                            let c = c as usize;
                            val[c] = val[c] * (ln_a * (s - last[c]) as Real).exp() + 1.0;
                            last[c] = s;
                        }
                        s += 1;
                    }
                    let row = &mut out[k * n..(k + 1) * n];
                    for c in 0..n {
                        row[c] = if val[c] == 0.0 {
                            0.0
                        } else {
                            val[c] * (ln_a * (step_k - last[c]) as Real).exp()
                        };
                    }
                }
            }
            Pooling::Mean { tau_ms } => {
                let ln_a = -dt / tau_ms;
                for (step, c) in st.iter() {
                    out[c as usize] += -(ln_a * (n_steps - step) as Real).exp_m1();
                }
                let scale = 1.0 / (-ln_a.exp_m1() * n_steps as Real);
                out.iter_mut().for_each(|v| *v *= scale);
            }
            Pooling::Last { tau_ms } => {
                let ln_a = -dt / tau_ms;
                for (step, c) in st.iter() {
                    out[c as usize] += (ln_a * (n_steps - 1 - step) as Real).exp();
                }
            }
        }
    }

    /// Pool `st` into a new vector, with `st` as its own input for warped bins.
    pub fn pool(&self, st: &SpikeTrains) -> Vec<Real> {
        let mut out = vec![0.0; self.n_features(st.n_channels())];
        self.pool_into(st, st, &mut out);
        out
    }
}

/// Step of sampling time `k` of `k_total` over `n_steps` steps: `⌊(k+1)·T/K⌋ − 1`, clamped
/// at 0.
#[inline]
pub(crate) fn sample_step(k: usize, k_total: usize, n_steps: usize) -> usize {
    ((k + 1) * n_steps / k_total).saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn train() -> SpikeTrains {
        // 2 channels, 10 steps of 1 ms: ch0 at 0, 1, 9; ch1 at 5.
        SpikeTrains::from_events(2, 1.0, 10, [(0, 0), (1, 0), (9, 0), (5, 1)]).unwrap()
    }

    #[test]
    fn spike_counts_in_bins() {
        let eq = |bins| Pooling::SpikeCounts { bins, warp: 0.0 };
        let f = eq(2).pool(&train());
        // bin 0 = steps 0..5, bin 1 = steps 5..10; layout [bin][channel].
        assert_eq!(f, vec![2.0, 0.0, 1.0, 1.0]);
        let f = eq(3).pool(&train());
        // bins 0..3, 3..6, 6..10
        assert_eq!(f, vec![2.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
        // More bins than steps: every step lands in exactly one bin, totals preserved.
        let f = eq(25).pool(&train());
        assert_eq!(f.iter().sum::<Real>(), 4.0);
    }

    #[test]
    fn warped_bins_follow_the_input() {
        // Input: 3 spikes at steps 0, 1, 2 of 8; output channel spikes at every step.
        let input = SpikeTrains::from_events(1, 1.0, 8, [(0, 0), (1, 0), (2, 0)]).unwrap();
        let out = SpikeTrains::from_events(1, 1.0, 8, (0..8).map(|t| (t, 0))).unwrap();
        let pool = |warp| {
            let p = Pooling::SpikeCounts { bins: 2, warp };
            let mut f = vec![0.0; 2];
            p.pool_into(&out, &input, &mut f);
            f
        };
        // λ = 0: steps 0..4 | 4..8.
        assert_eq!(pool(0.0), vec![4.0, 4.0]);
        // λ = 1: p(t) = C(t)/3 = 0, 1/3, 2/3, 1, ...: bin 1 from step 2 on.
        assert_eq!(pool(1.0), vec![2.0, 6.0]);
        // λ = 0.5: p(t) = C(t)/6 + t/16 = 0, 0.229, 0.458, 0.6875, ...: bin 1 from step 3 on.
        assert_eq!(pool(0.5), vec![3.0, 5.0]);
        // Without input spikes the bins are equal in time.
        let silent = SpikeTrains::empty(1, 1.0, 8);
        let mut f = vec![0.0; 2];
        Pooling::SpikeCounts { bins: 2, warp: 1.0 }.pool_into(&out, &silent, &mut f);
        assert_eq!(f, vec![4.0, 4.0]);
        // λ = 0 reproduces the integer edges ⌊t·B/T⌋ exactly, for any B and T.
        for (bins, t) in [(3, 10), (4, 7), (7, 100), (4, 1)] {
            let st = SpikeTrains::from_events(1, 1.0, t, (0..t).map(|s| (s, 0))).unwrap();
            let mut f = vec![0.0; bins];
            Pooling::SpikeCounts { bins, warp: 0.0 }.pool_into(&st, &input, &mut f);
            for (b, &fb) in f.iter().enumerate() {
                let n = (0..t).filter(|s| s * bins / t == b).count();
                assert_eq!(fb, n as Real);
            }
        }
    }

    #[test]
    fn traces_match_direct_sum() {
        let tau = 3.0;
        let f = Pooling::Traces {
            tau_ms: tau,
            samples: 2,
        }
        .pool(&train());
        // sample steps: floor(10/2)-1 = 4, floor(20/2)-1 = 9
        let e = |d: Real| (-d / tau).exp();
        assert_relative_eq!(f[0], e(4.0) + e(3.0), epsilon = 1e-12);
        assert_relative_eq!(f[1], 0.0);
        assert_relative_eq!(f[2], e(9.0) + e(8.0) + 1.0, epsilon = 1e-12);
        assert_relative_eq!(f[3], e(4.0), epsilon = 1e-12);
        let last = Pooling::Last { tau_ms: tau }.pool(&train());
        assert_relative_eq!(last[0], f[2], epsilon = 1e-12);
        assert_relative_eq!(last[1], f[3], epsilon = 1e-12);
    }

    /// The per-step recursion `r(t) = a·r(t−1) + s(t)`, the direct definition.
    fn direct_traces(st: &SpikeTrains, tau: Real) -> Vec<Vec<Real>> {
        let a = (-st.dt_ms() / tau).exp();
        let mut r = vec![0.0; st.n_channels()];
        let mut out = Vec::new();
        for t in 0..st.n_steps() {
            r.iter_mut().for_each(|v| *v *= a);
            for &c in st.at(t) {
                r[c as usize] += 1.0;
            }
            out.push(r.clone());
        }
        out
    }

    #[test]
    fn pooling_matches_per_step_recursion() {
        let st = SpikeTrains::from_events(
            3,
            0.5,
            37,
            [(0, 0), (3, 1), (3, 2), (10, 0), (11, 0), (36, 2), (20, 1)],
        )
        .unwrap();
        let tau = 4.0;
        let r = direct_traces(&st, tau);
        let mean = Pooling::Mean { tau_ms: tau }.pool(&st);
        let last = Pooling::Last { tau_ms: tau }.pool(&st);
        let tr = Pooling::Traces {
            tau_ms: tau,
            samples: 5,
        }
        .pool(&st);
        for c in 0..3 {
            let m: Real = r.iter().map(|row| row[c]).sum::<Real>() / 37.0;
            assert_relative_eq!(mean[c], m, epsilon = 1e-12);
            assert_relative_eq!(last[c], r[36][c], epsilon = 1e-12);
            for k in 0..5 {
                let step = (k + 1) * 37 / 5 - 1;
                assert_relative_eq!(tr[k * 3 + c], r[step][c], epsilon = 1e-12);
            }
        }
    }

    #[test]
    fn transforms() {
        let mut x = [0.0, 3.0, 8.0];
        Transform::None.apply(&mut x);
        assert_eq!(x, [0.0, 3.0, 8.0]);
        Transform::Sqrt.apply(&mut x);
        assert_eq!(x[1], 3f64.sqrt());
        let mut y = [0.0, (1f64).exp_m1()];
        Transform::Log1p.apply(&mut y);
        assert_eq!(y[0], 0.0);
        assert!((y[1] - 1.0).abs() < 1e-15);
        assert_eq!(Transform::default(), Transform::Sqrt);
        let t: Transform = serde_json::from_str("\"sqrt\"").unwrap();
        assert_eq!(t, Transform::Sqrt);
        assert!(serde_json::from_str::<Transform>("\"log\"").is_err());
    }

    #[test]
    fn empty_sample_gives_zeros() {
        let st = SpikeTrains::empty(3, 1.0, 0);
        for p in [
            Pooling::SpikeCounts { bins: 4, warp: 0.5 },
            Pooling::Traces {
                tau_ms: 20.0,
                samples: 3,
            },
            Pooling::Mean { tau_ms: 20.0 },
            Pooling::Last { tau_ms: 20.0 },
        ] {
            let f = p.pool(&st);
            assert_eq!(f.len(), p.n_features(3));
            assert!(f.iter().all(|&v| v == 0.0));
        }
    }

    #[test]
    fn json_form_and_unknown_fields() {
        let p: Pooling = serde_json::from_str(r#"{"kind":"spike_counts","bins":8}"#).unwrap();
        assert_eq!(
            p,
            Pooling::SpikeCounts { bins: 8, warp: 0.5 },
            "warp defaults to 0.5"
        );
        let e = serde_json::from_str::<Pooling>(r#"{"kind":"spike_counts","bins":8,"binz":1}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("binz"), "{e}");
        assert!(Pooling::SpikeCounts { bins: 0, warp: 0.0 }
            .validate("features")
            .is_err());
        assert!(Pooling::SpikeCounts { bins: 4, warp: 1.5 }
            .validate("features")
            .unwrap_err()
            .to_string()
            .contains("features.warp"));
        assert!(Pooling::Mean { tau_ms: -1.0 }
            .validate("features")
            .unwrap_err()
            .to_string()
            .contains("features.tau_ms"));
    }
}

/// The spikes of chosen neurons only: neuron `neurons[k]` becomes channel `k` (the reservoir
/// features of chosen layers, `readout_layers`).
#[derive(Clone, Debug, PartialEq)]
pub struct NeuronSelection {
    /// New channel of every neuron (`u32::MAX`: not chosen).
    map: Vec<u32>,
    n: usize,
}

impl NeuronSelection {
    /// Keep `neurons` (distinct, each below `n_neurons`) in this order.
    pub fn new(neurons: &[usize], n_neurons: usize) -> Self {
        let mut map = vec![u32::MAX; n_neurons];
        for (k, &i) in neurons.iter().enumerate() {
            map[i] = k as u32;
        }
        Self {
            map,
            n: neurons.len(),
        }
    }

    /// Neurons kept.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether no neuron is kept.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The kept neurons' spikes, renumbered, step by step.
    pub fn apply(&self, st: &SpikeTrains) -> SpikeTrains {
        let mut out = SpikeTrains::with_capacity(self.n, st.dt_ms(), st.n_steps(), 0);
        let mut step: Vec<u32> = Vec::new();
        for t in 0..st.n_steps() {
            step.clear();
            step.extend(
                st.at(t)
                    .iter()
                    .map(|&c| self.map[c as usize])
                    .filter(|&c| c != u32::MAX),
            );
            out.push_step(&step);
        }
        out
    }
}

/// A [`lsm_reservoir::NetworkSpec::layer_neurons`] error as a config error of `field`.
pub(crate) fn readout_err(field: &str, e: lsm_reservoir::ReservoirError) -> PipelineError {
    match e {
        lsm_reservoir::ReservoirError::Config { msg, .. } => PipelineError::config(field, msg),
        e => PipelineError::Reservoir(e),
    }
}
