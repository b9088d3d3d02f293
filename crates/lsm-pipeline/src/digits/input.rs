//! The input stage: a sample's input spikes, from audio (a WAV file or samples in memory)
//! through the encoder, or from spike trains (a `channel,time_ms` CSV file or trains in
//! memory) as they are.

use crate::config::DigitsConfig;
use crate::error::PipelineError;
use crate::sources::InputSource;
use lsm_core::{rng_for, stream, Real, SpikeTrains};
use lsm_encoding::{AudioEncoder, AudioWorkspace};
use std::borrow::Cow;
use std::path::Path;

use super::*;

/// How the samples become input spikes.
#[derive(Debug)]
pub(crate) enum InputStage {
    /// Audio through the encoder.
    Audio(Box<AudioEncoder>),
    /// Spike trains as they are, on `dt_ms`, widened to `n_channels`.
    Spikes {
        n_channels: usize,
        dt_ms: Real,
        duration_ms: Option<Real>,
    },
}

impl InputStage {
    /// The stage of `config` (spike input must have its channel count resolved, see
    /// [`resolve_spike_channels`]).
    pub(crate) fn new(config: &DigitsConfig) -> Result<Self, PipelineError> {
        Ok(match &config.input {
            InputSource::Audio => InputStage::Audio(Box::new(
                AudioEncoder::new(&config.encoder)
                    .map_err(|e| PipelineError::config("encoder", e.to_string()))?,
            )),
            InputSource::Spikes {
                n_channels,
                dt_ms,
                duration_ms,
            } => InputStage::Spikes {
                n_channels: n_channels.ok_or_else(|| {
                    PipelineError::config(
                        "input.n_channels",
                        "unknown: give it, or fit on samples from which it is found",
                    )
                })?,
                dt_ms: *dt_ms,
                duration_ms: *duration_ms,
            },
        })
    }

    /// Input channels (the reservoir's inputs).
    pub(crate) fn n_channels(&self) -> usize {
        match self {
            InputStage::Audio(e) => e.n_channels(),
            InputStage::Spikes { n_channels, .. } => *n_channels,
        }
    }

    /// The step of the input spikes, ms.
    pub(crate) fn dt_ms(&self) -> Real {
        match self {
            InputStage::Audio(e) => e.dt_ms(),
            InputStage::Spikes { dt_ms, .. } => *dt_ms,
        }
    }

    /// What feeds the reservoir, for error messages.
    pub(crate) fn feeds(&self) -> &'static str {
        match self {
            InputStage::Audio(_) => "the encoder's spike channels",
            InputStage::Spikes { .. } => "the input's spike channels (input.n_channels)",
        }
    }

    /// The input spikes of `s`: encoded (noise from `rng_for(seed, ENCODER + id)`), read, or
    /// borrowed from memory. Errors name the sample.
    pub(crate) fn spikes<'a>(
        &self,
        s: &'a Sample,
        seed: u64,
        ews: &mut AudioWorkspace,
    ) -> Result<Cow<'a, SpikeTrains>, PipelineError> {
        let in_sample = |e: PipelineError| PipelineError::sample(&s.path, e);
        match (self, &s.data) {
            (InputStage::Audio(enc), SampleData::File) => {
                let mut rng = rng_for(seed, stream::ENCODER.wrapping_add(s.id));
                // Its errors name the file.
                Ok(Cow::Owned(
                    enc.encode_file_with(&s.path, &mut rng, ews)?.spikes,
                ))
            }
            (
                InputStage::Audio(enc),
                SampleData::Audio {
                    samples,
                    sample_rate,
                },
            ) => {
                let mut rng = rng_for(seed, stream::ENCODER.wrapping_add(s.id));
                let e = enc
                    .encode_samples_with(samples, *sample_rate, &mut rng, ews)
                    .map_err(|e| in_sample(e.into()))?;
                Ok(Cow::Owned(e.spikes))
            }
            (InputStage::Audio(_), SampleData::Spikes(_)) => {
                Err(in_sample(mismatch("spike trains", "audio", "audio")))
            }
            (InputStage::Spikes { .. }, SampleData::Audio { .. }) => {
                Err(in_sample(mismatch("audio", "spikes", "spike trains")))
            }
            (InputStage::Spikes { .. }, SampleData::File) if is_wav(&s.path) => Err(in_sample(
                mismatch("a WAV file", "spikes", "a spike CSV (`channel,time_ms`)"),
            )),
            (
                InputStage::Spikes {
                    n_channels,
                    dt_ms,
                    duration_ms,
                },
                SampleData::File,
            ) => Ok(Cow::Owned(read_spike_csv(
                &s.path,
                *dt_ms,
                Some(*n_channels),
                *duration_ms,
            )?)),
            (
                InputStage::Spikes {
                    n_channels, dt_ms, ..
                },
                SampleData::Spikes(st),
            ) => {
                let (a, b) = (st.dt_ms(), *dt_ms);
                if (a - b).abs() > 1e-9 * a.abs().max(b.abs()) {
                    return Err(in_sample(PipelineError::Data(format!(
                        "the spike trains are on a {a} ms step; expected input.dt_ms = {b} ms"
                    ))));
                }
                if st.n_channels() > *n_channels {
                    return Err(in_sample(PipelineError::Data(format!(
                        "the spike trains have {} channels; expected at most input.n_channels = \
                         {n_channels}",
                        st.n_channels()
                    ))));
                }
                if st.n_channels() == *n_channels {
                    Ok(Cow::Borrowed(&**st))
                } else {
                    let events = st.iter().map(|(t, c)| (t, c as usize));
                    Ok(Cow::Owned(SpikeTrains::from_events(
                        *n_channels,
                        b,
                        st.n_steps(),
                        events,
                    )?))
                }
            }
        }
    }
}

/// `given` handed to a model whose `input.kind` is `kind`.
fn mismatch(given: &str, kind: &str, expected: &str) -> PipelineError {
    let model = if kind == "audio" { "audio" } else { "spike" };
    PipelineError::Data(format!(
        "{given} given to a model of {model} input (config `input.kind` is \"{kind}\"); \
         expected {expected}"
    ))
}

fn is_wav(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav"))
}

/// Read a spike CSV (`channel,time_ms`; capped read): `n_channels` channels (`None`: one
/// more than the largest channel), `duration_ms` long (`None`: up to the last spike); see
/// [`lsm_datasets::read_spike_file`].
///
/// # Errors
/// The reader's error, naming the file, the line and the field.
pub fn read_spike_csv(
    path: &Path,
    dt_ms: Real,
    n_channels: Option<usize>,
    duration_ms: Option<Real>,
) -> Result<SpikeTrains, PipelineError> {
    Ok(lsm_datasets::read_spike_file(
        path,
        dt_ms,
        n_channels,
        duration_ms,
    )?)
}

/// The spike input's channel count of `config`, if it is left open: the largest of the
/// training samples (files are read once for it).
///
/// # Errors
/// The error of an unreadable sample; [`PipelineError::Data`] if a sample is audio.
pub(crate) fn resolve_spike_channels(
    config: &mut DigitsConfig,
    train: &[Sample],
) -> Result<(), PipelineError> {
    let InputSource::Spikes {
        n_channels: n @ None,
        dt_ms,
        duration_ms,
    } = &mut config.input
    else {
        return Ok(());
    };
    use rayon::prelude::*;
    let counts = train
        .par_iter()
        .map(|s| match &s.data {
            SampleData::Spikes(st) => Ok(st.n_channels()),
            SampleData::File => Ok(read_spike_csv(&s.path, *dt_ms, None, *duration_ms)
                .map_err(|e| PipelineError::sample(&s.path, e))?
                .n_channels()),
            SampleData::Audio { .. } => Err(PipelineError::sample(
                &s.path,
                PipelineError::Data(
                    "audio given to a config of spike input (`input.kind` is \"spikes\")".into(),
                ),
            )),
        })
        .collect::<Result<Vec<usize>, _>>()?;
    let c = counts.into_iter().max().unwrap_or(0).max(1);
    lsm_core::limits::check(
        lsm_core::limits::Limit::Inputs,
        c as f64,
        "spike input channels (largest channel + 1)",
    )
    .map_err(|e| PipelineError::config("input.n_channels", e.to_string()))?;
    *n = Some(c);
    Ok(())
}
