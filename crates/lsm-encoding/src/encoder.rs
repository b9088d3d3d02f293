//! The [`Encoder`] abstraction and the config enum that chooses one ([`EncoderConfig`]).
//!
//! An encoder turns a signal of shape `[n_frames, n_features]` (time first), whose frames have
//! the period `frame_ms`, into spike trains on the simulator grid `dt_ms`
//! ([`lsm_core::SpikeTrains`], one train per output channel). Frames are mapped onto steps by
//! a zero-order hold ([`TimeGrid`]). Encoders that draw random numbers take them from the
//! `&mut SimRng` they are given; the caller derives it as
//! `lsm_core::rng_for(seed, lsm_core::stream::ENCODER + sample_id)`.
//!
//! | `kind` | encoder | output channels |
//! |---|---|---|
//! | `rate` | [`RateParams`]: Poisson or regular (integrate-and-fire) rate code | `n` |
//! | `latency` | [`LatencyParams`]: time to first spike, one spike per channel per frame | `n` |
//! | `delta` | [`DeltaParams`]: send-on-delta between frames, optional OFF channels | `n` or `2n` |
//! | `step_forward` | [`StepForwardParams`]: step-forward (SF) with ON and OFF channels | `2n` |
//! | `bsa` | [`BsaParams`]: Ben's Spiker Algorithm with an FIR filter | `n` |
//!
//! ON channels come first (`0..n`), OFF channels after them (`n..2n`).

use crate::bsa::BsaParams;
use crate::delta::{DeltaParams, StepForwardParams};
use crate::error::Result;
use crate::grid::TimeGrid;
use crate::latency::LatencyParams;
use crate::rate::RateParams;
use lsm_core::{Real, SimRng, SpikeTrains};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

/// A signal-to-spikes encoder.
///
/// ```
/// use lsm_encoding::{Encoder, EncoderConfig, TimeGrid};
/// use ndarray::array;
/// let enc: EncoderConfig = serde_json::from_str(
///     r#"{"kind": "rate", "process": "regular", "max_rate_hz": 500}"#)?;
/// enc.check()?;
/// let x = array![[1.0, 0.0], [0.5, 0.0]]; // 2 frames x 2 features
/// let grid = TimeGrid::new(10.0, 1.0)?;     // 10 ms frames, 1 ms steps
/// let mut rng = lsm_core::rng_for(7, lsm_core::stream::ENCODER);
/// let st = enc.encode(x.view(), &grid, &mut rng)?;
/// assert_eq!(st.n_steps(), 20);
/// assert_eq!(st.counts(), vec![5 + 2, 0]); // 500 Hz for 10 ms, then 250 Hz for 10 ms
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Encoder: Send + Sync {
    /// Number of output channels for a signal of `n_features` features.
    fn n_channels(&self, n_features: usize) -> usize;

    /// Encode `signal` (`[n_frames, n_features]`) on `grid`, with scratch memory reused
    /// across calls (allocates only the returned spike trains once `scratch` has grown).
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidSignal`] for non-finite values or values outside the
    /// range the encoder documents.
    fn encode_with(
        &self,
        signal: ArrayView2<'_, Real>,
        grid: &TimeGrid,
        rng: &mut SimRng,
        scratch: &mut Scratch,
    ) -> Result<SpikeTrains>;

    /// [`Encoder::encode_with`] with fresh scratch memory.
    ///
    /// # Errors
    /// As [`Encoder::encode_with`].
    fn encode(
        &self,
        signal: ArrayView2<'_, Real>,
        grid: &TimeGrid,
        rng: &mut SimRng,
    ) -> Result<SpikeTrains> {
        self.encode_with(signal, grid, rng, &mut Scratch::default())
    }
}

/// Reusable working memory of the encoders ("only temporary working memory": never part of
/// a result). Create one per thread with `Scratch::default()`.
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    pub(crate) state: Vec<Real>,
    pub(crate) state2: Vec<Real>,
    pub(crate) fired: Vec<u32>,
    pub(crate) events: Vec<(u32, u32)>,
}

/// The encoder, chosen by `kind` (a serde tagged enum; see the [module docs](self)).
///
/// JSON examples (omitted fields take their documented defaults):
/// ```json
/// {"kind": "rate", "process": "regular", "max_rate_hz": 400, "slot_ms": 1.0}
/// {"kind": "rate", "process": "poisson", "max_rate_hz": 200}
/// {"kind": "latency", "tau": 5, "threshold": 0.01, "linear": false, "normalize": true, "clip": true}
/// {"kind": "delta", "threshold": 0.1, "off_spike": true}
/// {"kind": "step_forward", "threshold": 0.05}
/// {"kind": "bsa", "filter": {"shape": "hann", "length": 50}, "threshold": 0.9, "max_rate_hz": 400}
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EncoderConfig {
    /// Rate coding (Poisson or regular).
    Rate(RateParams),
    /// Latency (time-to-first-spike) coding, as snnTorch's `spikegen.latency`.
    Latency(LatencyParams),
    /// Send-on-delta coding, as snnTorch's `spikegen.delta`.
    Delta(DeltaParams),
    /// Step-forward coding (Kasabov et al.).
    StepForward(StepForwardParams),
    /// Ben's Spiker Algorithm (Schrauwen & Van Campenhout 2003).
    Bsa(BsaParams),
}

impl Default for EncoderConfig {
    /// Regular rate coding up to 400 Hz on 1 ms slots (the Brian2 baseline's encoding).
    fn default() -> Self {
        EncoderConfig::Rate(RateParams::default())
    }
}

impl EncoderConfig {
    /// Validate every field.
    ///
    /// # Errors
    /// [`crate::EncodingError::InvalidConfig`] naming the field and the expected range.
    pub fn check(&self) -> Result<()> {
        match self {
            EncoderConfig::Rate(p) => p.check(),
            EncoderConfig::Latency(p) => p.check(),
            EncoderConfig::Delta(p) => p.check(),
            EncoderConfig::StepForward(p) => p.check(),
            EncoderConfig::Bsa(p) => p.check(),
        }
    }

    /// Validate against a simulator step `dt_ms` too (slots must be whole numbers of steps,
    /// rates must give probabilities `<= 1` per step...).
    ///
    /// # Errors
    /// As [`EncoderConfig::check`].
    pub fn check_dt(&self, dt_ms: Real) -> Result<()> {
        self.check()?;
        match self {
            EncoderConfig::Rate(p) => p.check_dt(dt_ms),
            _ => Ok(()),
        }
    }

    fn inner(&self) -> &dyn Coding {
        match self {
            EncoderConfig::Rate(p) => p,
            EncoderConfig::Latency(p) => p,
            EncoderConfig::Delta(p) => p,
            EncoderConfig::StepForward(p) => p,
            EncoderConfig::Bsa(p) => p,
        }
    }
}

impl Coding for EncoderConfig {
    fn out_channels(&self, n_features: usize) -> usize {
        self.inner().out_channels(n_features)
    }
    fn encode_checked(&self, job: Job<'_, '_>) -> Result<SpikeTrains> {
        self.inner().encode_checked(job)
    }
}

/// One encoding call whose config and signal have been checked (every value finite).
pub(crate) struct Job<'a, 's> {
    pub(crate) signal: ArrayView2<'s, Real>,
    pub(crate) grid: &'a TimeGrid,
    pub(crate) rng: &'a mut SimRng,
    pub(crate) scratch: &'a mut Scratch,
}

/// What an encoder does once its inputs are checked; [`impl_encoder!`] turns it into an
/// [`Encoder`].
pub(crate) trait Coding {
    /// Output channels for `n_features` features (default: one per feature).
    fn out_channels(&self, n_features: usize) -> usize {
        n_features
    }
    /// Encode a checked signal.
    fn encode_checked(&self, job: Job<'_, '_>) -> Result<SpikeTrains>;
}

/// `impl Encoder` for types with an inherent `check(&self) -> Result<()>` and a [`Coding`]
/// impl: the config and the signal are validated here, once for every encoder.
macro_rules! impl_encoder {
    ($($t:ty),+) => {$(
        impl Encoder for $t {
            fn n_channels(&self, n_features: usize) -> usize {
                self.out_channels(n_features)
            }
            fn encode_with(
                &self,
                signal: ArrayView2<'_, Real>,
                grid: &TimeGrid,
                rng: &mut SimRng,
                scratch: &mut Scratch,
            ) -> Result<SpikeTrains> {
                self.check()?;
                check_finite(signal)?;
                self.encode_checked(Job { signal, grid, rng, scratch })
            }
        }
    )+};
}

impl_encoder!(
    EncoderConfig,
    RateParams,
    LatencyParams,
    DeltaParams,
    StepForwardParams,
    BsaParams
);

/// Fail on non-finite values.
fn check_finite(signal: ArrayView2<'_, Real>) -> Result<()> {
    if let Some(((t, c), v)) = signal.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(crate::EncodingError::InvalidSignal(format!(
            "non-finite value {v} at frame {t}, feature {c}"
        )));
    }
    Ok(())
}

/// Build spike trains from `(step, channel)` events that are already sorted by step, then
/// channel.
pub(crate) fn trains_from_sorted(
    n_channels: usize,
    dt_ms: Real,
    n_steps: usize,
    events: &[(u32, u32)],
) -> SpikeTrains {
    let mut st = SpikeTrains::with_capacity(n_channels, dt_ms, n_steps, events.len());
    let mut i = 0;
    for s in 0..n_steps {
        let start = i;
        while i < events.len() && events[i].0 as usize == s {
            i += 1;
        }
        if start == i {
            st.push_step(&[]);
        } else {
            push_events(&mut st, &events[start..i]);
        }
    }
    st
}

fn push_events(st: &mut SpikeTrains, ev: &[(u32, u32)]) {
    // Small fixed buffer avoids an allocation for the common case.
    let mut small = [0u32; 64];
    if ev.len() <= small.len() {
        for (d, e) in small.iter_mut().zip(ev) {
            *d = e.1;
        }
        st.push_step(&small[..ev.len()]);
    } else {
        let v: Vec<u32> = ev.iter().map(|e| e.1).collect();
        st.push_step(&v);
    }
}
