//! Spike trains and the encoders: signals and audio to spikes.

use crate::arrays::{matrix, out1, vector};
use crate::errors::{config_err, data_err, run, IntoPy};
use crate::json::from_py;
use lsm_core::{rng_for, stream, Real};
use lsm_encoding::{AudioEncoder, AudioEncoderConfig, Encoder, EncoderConfig, TimeGrid};
use numpy::PyArray2;
use pyo3::prelude::*;
use std::sync::Arc;

/// Spike trains on a time grid: `n_channels` channels, `n_steps` steps of `dt` ms.
///
/// >>> import numpy as np, lsm
/// >>> st = lsm.SpikeTrains.from_numpy(np.array([0, 2, 1]), np.array([0.0, 1.0, 3.0]),
/// ...                                 n_channels=3, dt=1.0, duration=5.0)
/// >>> st.n_spikes, st.n_steps
/// (3, 5)
/// >>> ch, t = st.to_numpy()
/// >>> ch.tolist(), t.tolist()
/// ([0, 2, 1], [0.0, 1.0, 3.0])
/// >>> st.to_dense().sum(axis=0).tolist()
/// [1.0, 1.0, 1.0]
#[pyclass(module = "lsm", frozen, name = "SpikeTrains")]
#[derive(Clone)]
pub struct PySpikeTrains {
    pub inner: Arc<lsm_core::SpikeTrains>,
}

impl PySpikeTrains {
    pub fn new(s: lsm_core::SpikeTrains) -> Self {
        Self { inner: Arc::new(s) }
    }
}

#[pymethods]
impl PySpikeTrains {
    /// Spike trains from event arrays: `channels[i]` fired at `times[i]` ms (rounded to the
    /// step of `dt` ms). `n_channels` defaults to the largest channel + 1, `duration` to just
    /// past the last spike.
    #[staticmethod]
    #[pyo3(signature = (channels, times, n_channels=None, dt=1.0, duration=None))]
    fn from_numpy(
        channels: &Bound<'_, PyAny>,
        times: &Bound<'_, PyAny>,
        n_channels: Option<usize>,
        dt: f64,
        duration: Option<f64>,
    ) -> PyResult<Self> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(config_err(format!(
                "dt: expected a positive step in ms, got {dt}"
            )));
        }
        let (ch, t) = (events(channels, "channels")?, events(times, "times")?);
        if ch.len() != t.len() {
            return Err(data_err(format!(
                "channels and times: expected the same length, got {} and {}",
                ch.len(),
                t.len()
            )));
        }
        let mut ev = Vec::with_capacity(ch.len());
        for (i, (&c, &tm)) in ch.iter().zip(&t).enumerate() {
            if c < 0.0 || c.fract() != 0.0 {
                return Err(data_err(format!(
                    "channels[{i}]: expected a non-negative integer, got {c}"
                )));
            }
            if tm < 0.0 {
                return Err(data_err(format!(
                    "times[{i}]: expected a time >= 0 ms, got {tm}"
                )));
            }
            ev.push(((tm / dt).round() as usize, c as usize));
        }
        let inferred = ev.iter().map(|e| e.1 + 1).max().unwrap_or(0);
        let n_channels = n_channels.unwrap_or(inferred);
        let n_steps = match duration {
            Some(d) if d.is_finite() && d >= 0.0 => (d / dt).round() as usize,
            Some(d) => return Err(config_err(format!("duration: expected >= 0 ms, got {d}"))),
            None => ev.iter().map(|e| e.0 + 1).max().unwrap_or(0),
        };
        lsm_core::limits::check(
            lsm_core::limits::Limit::Steps,
            n_steps as Real,
            "SpikeTrains.from_numpy: the number of steps",
        )
        .py_err()?;
        lsm_core::limits::check(
            lsm_core::limits::Limit::Inputs,
            n_channels as Real,
            "SpikeTrains.from_numpy: the number of channels",
        )
        .py_err()?;
        Ok(Self::new(
            lsm_core::SpikeTrains::from_events(n_channels, dt, n_steps, ev).py_err()?,
        ))
    }

    /// `(channels, times)`: the channel (int64) and time in ms (float64) of every spike,
    /// sorted by time then channel.
    fn to_numpy<'py>(&self, py: Python<'py>) -> (Bound<'py, PyAny>, Bound<'py, PyAny>) {
        let dt = self.inner.dt_ms();
        let (mut ch, mut t) = (Vec::new(), Vec::new());
        for (s, c) in self.inner.iter() {
            ch.push(c as i64);
            t.push(s as f64 * dt);
        }
        (out1(py, ch).into_any(), out1(py, t).into_any())
    }

    /// A dense `n_steps × n_channels` array of spike counts per step (float64), on this
    /// train's own grid, or on a coarser grid of `dt` ms (a whole multiple of the step) with
    /// the counts summed per bin.
    #[pyo3(signature = (dt=None))]
    fn to_dense<'py>(
        &self,
        py: Python<'py>,
        dt: Option<f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let own = self.inner.dt_ms();
        let k = match dt {
            None => 1,
            Some(d) => {
                let k = (d / own).round();
                if !(d.is_finite() && k >= 1.0 && ((k * own) - d).abs() <= 1e-9 * d) {
                    return Err(config_err(format!(
                        "dt: expected a whole multiple of the train's step {own} ms, got {d}"
                    )));
                }
                k as usize
            }
        };
        let rows = self.inner.n_steps().div_ceil(k);
        let cols = self.inner.n_channels();
        lsm_core::limits::check(
            lsm_core::limits::Limit::MemoryBytes,
            (rows * cols * 8) as Real,
            "SpikeTrains.to_dense: the dense array's bytes",
        )
        .py_err()?;
        let mut a = ndarray::Array2::<f64>::zeros((rows, cols));
        for (s, c) in self.inner.iter() {
            a[[s / k, c as usize]] += 1.0;
        }
        Ok(PyArray2::from_owned_array(py, a))
    }

    /// Number of channels.
    #[getter]
    fn n_channels(&self) -> usize {
        self.inner.n_channels()
    }
    /// Number of time steps.
    #[getter]
    fn n_steps(&self) -> usize {
        self.inner.n_steps()
    }
    /// Step, ms.
    #[getter]
    fn dt(&self) -> f64 {
        self.inner.dt_ms()
    }
    /// Duration, ms (`n_steps * dt`).
    #[getter]
    fn duration(&self) -> f64 {
        self.inner.duration_ms()
    }
    /// Total number of spikes.
    #[getter]
    fn n_spikes(&self) -> usize {
        self.inner.n_spikes()
    }
    /// Spike count of each channel (int64 array).
    fn counts<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        let c: Vec<i64> = self.inner.counts().into_iter().map(|x| x as i64).collect();
        out1(py, c).into_any()
    }
    fn __len__(&self) -> usize {
        self.inner.n_spikes()
    }
    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
    fn __repr__(&self) -> String {
        format!(
            "SpikeTrains(n_channels={}, n_steps={}, dt={}, n_spikes={})",
            self.inner.n_channels(),
            self.inner.n_steps(),
            self.inner.dt_ms(),
            self.inner.n_spikes()
        )
    }
}

/// A 1-D numeric array as f64 values (empty allowed).
fn events(x: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<f64>> {
    let n: usize = x.len().unwrap_or(1);
    if n == 0 {
        return Ok(Vec::new());
    }
    vector(x, name)
}

/// Encode a signal (`T` samples, or `T × C` for C channels, one sample per frame of
/// `frame_ms` ms) into spike trains on a grid of `dt` ms with the encoder `config` (a dict
/// as in the CLI's configs, e.g. `{"kind": "rate", "max_rate_hz": 200}`; default regular
/// rate coding). Random encoders draw from `seed` (and `sample_id`), as the CLI does.
///
/// >>> import numpy as np, lsm
/// >>> x = np.sin(np.linspace(0, 6.28, 50)) * 0.5 + 0.5
/// >>> st = lsm.encode(x, config={"kind": "delta", "threshold": 0.05, "off_spike": True},
/// ...                 frame_ms=1.0, dt=1.0)
/// >>> st.n_channels, st.n_steps
/// (2, 50)
#[pyfunction]
#[pyo3(signature = (signal, config=None, frame_ms=1.0, dt=1.0, seed=0, sample_id=0))]
pub fn encode(
    py: Python<'_>,
    signal: &Bound<'_, PyAny>,
    config: Option<&Bound<'_, PyAny>>,
    frame_ms: f64,
    dt: f64,
    seed: u64,
    sample_id: u64,
) -> PyResult<PySpikeTrains> {
    let cfg: EncoderConfig = match config {
        None => EncoderConfig::default(),
        Some(c) => from_py(c, "config")?,
    };
    cfg.check_dt(dt).py_err()?;
    let grid = TimeGrid::new(frame_ms, dt).py_err()?;
    let x = matrix(signal, "signal")?;
    let view = x.as_array();
    run(py, None, |_| {
        let mut rng = rng_for(seed, stream::ENCODER.wrapping_add(sample_id));
        cfg.encode(view, &grid, &mut rng).py_err()
    })
    .map(PySpikeTrains::new)
}

/// Encode audio with a front end (cochlear filterbank or mel, then an encoder): a WAV file
/// path, or samples (full scale ±1) with their `sample_rate`. `config` is the `audio` section
/// of a pipeline config (default: the spoken-digit default's). Returns `(spikes, features)`:
/// the spike trains and the frames × bands features (the cochleagram).
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, config=None, seed=0, sample_id=0))]
pub fn encode_audio<'py>(
    py: Python<'py>,
    audio: &Bound<'py, PyAny>,
    sample_rate: Option<u32>,
    config: Option<&Bound<'py, PyAny>>,
    seed: u64,
    sample_id: u64,
) -> PyResult<(PySpikeTrains, Bound<'py, PyArray2<f64>>)> {
    let cfg: AudioEncoderConfig = match config {
        None => lsm_pipeline::DigitsConfig::default().encoder,
        Some(c) => from_py(c, "config")?,
    };
    let enc = AudioEncoder::new(&cfg).py_err()?;
    let source = if let Ok(p) = audio.extract::<std::path::PathBuf>() {
        if sample_rate.is_some() {
            return Err(config_err(
                "sample_rate: only for samples; a WAV file carries its own rate",
            ));
        }
        Err(p)
    } else {
        let rate = sample_rate
            .ok_or_else(|| config_err("sample_rate: required with an array of samples (Hz)"))?;
        Ok((vector(audio, "audio")?, rate))
    };
    let out = run(py, None, |_| {
        let mut rng = rng_for(seed, stream::ENCODER.wrapping_add(sample_id));
        match &source {
            Err(path) => enc.encode_file(path, &mut rng).py_err(),
            Ok((x, rate)) => enc.encode_samples(x, *rate, &mut rng).py_err(),
        }
    })?;
    Ok((
        PySpikeTrains::new(out.spikes),
        PyArray2::from_owned_array(py, out.features),
    ))
}
