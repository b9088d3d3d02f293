//! Spiking networks: generate, load, save, simulate.

use crate::arrays::{matrix, out2};
use crate::errors::{config_err, data_err, run, IntoPy};
use crate::json::{to_json_text, to_py};
use crate::spikes::PySpikeTrains;
use lsm_core::Real;
use lsm_reservoir::{Drive, GeneratorConfig, Network, NetworkSpec, RecordSpec};
use pyo3::prelude::*;
use std::path::PathBuf;

/// A spiking network (neurons, input and recurrent synapses), as in a network file.
///
/// >>> import lsm
/// >>> net = lsm.Network.generate({"n_neurons": 50}, n_inputs=4, seed=1)
/// >>> net.n_neurons, net.n_inputs
/// (50, 4)
/// >>> inp = lsm.SpikeTrains.from_numpy([0, 1, 2, 3] * 25, [float(t) for t in range(100)],
/// ...                                  n_channels=4, dt=net.dt, duration=100.0)
/// >>> out = net.simulate(inp, seed=3)
/// >>> out.n_channels, out.n_steps
/// (50, 100)
/// >>> out == net.simulate(inp, seed=3)
/// True
#[pyclass(module = "lsm", frozen, name = "Network")]
pub struct PyNetwork {
    inner: Network,
}

impl PyNetwork {
    fn from_spec(spec: &NetworkSpec) -> PyResult<Self> {
        Ok(Self {
            inner: Network::from_spec(spec).py_err()?,
        })
    }
}

#[pymethods]
impl PyNetwork {
    /// Generate a network from a generator config (a dict of the fields to change from the
    /// default: the spoken-digit pipeline's 1000 LIF neurons, dt 1 ms; see
    /// `lsm network generate`) or a preset name: `"spoken-digits"` (that default) or
    /// `"anchor"` (the speed-anchor network of the Brian2 comparisons: dimensionless LIF,
    /// 80 % excitatory, 100 synapses out of each neuron, dt 0.1 ms, one Poisson input
    /// channel per neuron; 4000 neurons unless `n_neurons` says), or one of the named networks
    /// of `lsm network generate --preset`: `"maass2002"` (the original LSM column with dynamic
    /// synapses), `"cuba"`, `"coba"` (Brette et al. 2007), `"brunel2000"` (Brunel 2000 model
    /// A, with parameters as `"brunel2000:g=3,nu=2"`). `n_inputs` defaults to the
    /// default audio encoder's channels; `n_neurons` overrides the config's size. The same
    /// seed gives the network `lsm network generate` writes.
    #[staticmethod]
    #[pyo3(signature = (config=None, n_inputs=None, seed=42, n_neurons=None))]
    fn generate(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        n_inputs: Option<usize>,
        seed: u64,
        n_neurons: Option<usize>,
    ) -> PyResult<Self> {
        let base = lsm_pipeline::DigitsConfig::default_network();
        // A string is a preset name, unless it is JSON text (an object).
        let preset = config
            .and_then(|c| c.extract::<String>().ok())
            .filter(|s| !s.trim_start().starts_with('{'));
        let mut cfg = match (preset.as_deref(), config) {
            (Some("anchor"), _) => {
                if n_inputs.is_some() {
                    return Err(config_err(
                        "n_inputs: the anchor network has one input channel per neuron",
                    ));
                }
                let n = n_neurons.unwrap_or(4000);
                let spec = run(py, None, |_| lsm_reservoir::anchor::anchor_spec(n, seed).py_err())?;
                return Self::from_spec(&spec);
            }
            (Some("spoken-digits"), _) | (None, None) => base,
            (Some(name), _)
                if lsm_reservoir::generate::PRESETS
                    .iter()
                    .any(|p| name.split(':').next() == Some(*p)) =>
            {
                lsm_reservoir::preset(name).config_err()?
            }
            (Some(other), _) => {
                return Err(config_err(format!(
                    "config: unknown preset \"{other}\" (expected a dict, \"spoken-digits\", \"anchor\", {})",
                    lsm_reservoir::generate::PRESETS.map(|p| format!("\"{p}\"")).join(", ")
                )))
            }
            (None, Some(c)) => {
                GeneratorConfig::from_json_str_over(&to_json_text(c, "config")?, "config", &base)
                    .config_err()?
            }
        };
        if let Some(n) = n_neurons {
            cfg.n_neurons = Some(n);
        }
        let n_inputs = match n_inputs {
            Some(n) => n,
            None => lsm_encoding::AudioEncoder::new(&lsm_pipeline::DigitsConfig::default_encoder())
                .py_err()?
                .n_channels(),
        };
        let spec = run(py, None, |_| cfg.generate(n_inputs, seed).py_err())?;
        Self::from_spec(&spec)
    }

    /// Read a network file (JSON, as `lsm network generate` writes).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let net = run(py, None, |_| Network::load(&path).py_err())?;
        Ok(Self { inner: net })
    }

    /// A network from a dict in the network-file format.
    #[staticmethod]
    fn from_dict(spec: &Bound<'_, PyAny>) -> PyResult<Self> {
        let spec = NetworkSpec::from_json_str(&to_json_text(spec, "spec")?, "spec").py_err()?;
        Self::from_spec(&spec)
    }

    /// The network-file format as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.inner.spec())
    }

    /// Write the network file (atomically; refuses to replace anything but a regular file).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let spec = self.inner.spec().clone();
        run(py, None, |_| spec.save(&path).py_err())
    }

    /// Number of neurons.
    #[getter]
    fn n_neurons(&self) -> usize {
        self.inner.n_neurons()
    }
    /// Number of input channels.
    #[getter]
    fn n_inputs(&self) -> usize {
        self.inner.n_inputs()
    }
    /// Simulation step, ms.
    #[getter]
    fn dt(&self) -> f64 {
        self.inner.dt_ms()
    }
    /// Number of recurrent synapses.
    #[getter]
    fn n_synapses(&self) -> usize {
        self.inner.recurrent().n_synapses()
    }

    /// Simulate from rest. `inputs` is a `SpikeTrains` (channels = `n_inputs`, step = `dt`),
    /// an array of input currents (steps × `n_inputs`, nA), or None (no input).
    /// `duration` (ms) defaults to the input's. Noise draws from `seed` and `sample_id`, as
    /// in the CLI. Returns the reservoir's spikes, or `(spikes, v)` with `record_v=True`,
    /// `v` being steps × neurons membrane potentials in mV (or the columns of `v_neurons`).
    #[pyo3(signature = (inputs=None, duration=None, seed=0, sample_id=0, record_v=false, v_neurons=None))]
    #[allow(clippy::too_many_arguments)]
    fn simulate<'py>(
        &self,
        py: Python<'py>,
        inputs: Option<&Bound<'py, PyAny>>,
        duration: Option<f64>,
        seed: u64,
        sample_id: u64,
        record_v: bool,
        v_neurons: Option<Vec<usize>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let dt = self.inner.dt_ms();
        enum In<'a> {
            None,
            Spikes(std::sync::Arc<lsm_core::SpikeTrains>),
            Current(numpy::PyReadonlyArray2<'a, f64>),
        }
        let inp = match inputs {
            None => In::None,
            Some(x) => match x.cast::<PySpikeTrains>() {
                Ok(s) => In::Spikes(s.get().inner.clone()),
                Err(_) => In::Current(matrix(x, "inputs")?),
            },
        };
        let natural = match &inp {
            In::None => 0,
            In::Spikes(s) => s.n_steps(),
            In::Current(c) => c.as_array().nrows(),
        };
        let n_steps = match duration {
            Some(d) if d.is_finite() && d >= 0.0 => (d / dt).round() as usize,
            Some(d) => return Err(config_err(format!("duration: expected >= 0 ms, got {d}"))),
            None if natural == 0 => {
                return Err(config_err("duration: required when there is no input"))
            }
            None => natural,
        };
        if let Some(v) = &v_neurons {
            if let Some(&bad) = v.iter().find(|&&i| i >= self.inner.n_neurons()) {
                return Err(data_err(format!(
                    "v_neurons: neuron {bad} is out of range (the network has {})",
                    self.inner.n_neurons()
                )));
            }
        }
        let rec_cols = v_neurons.as_ref().map_or(self.inner.n_neurons(), Vec::len);
        if record_v {
            lsm_core::limits::check(
                lsm_core::limits::Limit::MemoryBytes,
                (n_steps as Real) * (rec_cols as Real) * 8.0,
                "simulate(record_v=True): the membrane potentials' bytes",
            )
            .py_err()?;
        }
        let spec = RecordSpec {
            spikes: true,
            v: record_v,
            v_neurons,
            ..RecordSpec::default()
        };
        let current = match &inp {
            In::Current(c) => Some(c.as_array()),
            _ => None,
        };
        let spike_in = match &inp {
            In::Spikes(s) => Some(s.clone()),
            _ => None,
        };
        let net = &self.inner;
        let rec = run(py, None, |_| {
            let drive = match (&spike_in, current) {
                (Some(s), _) => Drive::Spikes(s),
                (None, Some(c)) => Drive::Current(c),
                (None, None) => Drive::None,
            };
            net.run(drive, n_steps, &spec, seed, sample_id).py_err()
        })?;
        let spikes = PySpikeTrains::new(
            rec.spikes
                .unwrap_or_else(|| lsm_core::SpikeTrains::empty(net.n_neurons(), dt, n_steps)),
        );
        let spikes = Bound::new(py, spikes)?.into_any();
        match rec.v {
            Some(v) if record_v => Ok((spikes, out2(py, v)).into_pyobject(py)?.into_any()),
            _ => Ok(spikes),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Network(n_neurons={}, n_inputs={}, dt={}, n_synapses={})",
            self.inner.n_neurons(),
            self.inner.n_inputs(),
            self.inner.dt_ms(),
            self.inner.recurrent().n_synapses()
        )
    }
}
