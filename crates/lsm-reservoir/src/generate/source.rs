//! Where a pipeline's spiking network comes from: generated from a [`GeneratorConfig`], or read
//! from a network file (`lsm network generate`, `lsm network stdp`, a hand-written file, an
//! imported one).
//!
//! In a config they look like this (the generator's fields directly, as before; a named
//! network, [`crate::preset`], whose fields the others given override, each replaced whole as
//! with `lsm network generate --preset NAME --config GEN.json`; or one `file` member):
//!
//! ```json
//! "network": { "n_neurons": 1000, "topology": {"kind": "random", "p": 0.1} }
//! "network": { "preset": "maass2002", "dt_ms": 1.0 }
//! "network": { "file": "net.json" }
//! "network": { "dt_ms": 1.0, "layers": [{"name": "a", "n_neurons": 200}, {"name": "b", "n_neurons": 100}],
//!              "projections": [{"from": "a", "to": "b", "rule": {"kind": "random", "p": 0.1}}] }
//! ```
//!
//! An object with a `layers` member is a layered network ([`super::LayeredConfig`]).
//!
//! A generated network (from a preset or not) is written back as the full generator config,
//! so a saved model or config records what was built.
//!
//! A relative `file` is relative to the folder of the config file that names it
//! ([`NetworkSource::resolve_relative_to`]).

use super::{GeneratorConfig, LayeredConfig};
use crate::error::{ReservoirError, Result};
use crate::spec::NetworkSpec;
use lsm_core::Real;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::path::{Path, PathBuf};

/// A generated network or a network file.
// A config value, built once per run: its size does not matter, and unboxed the generator
// config reads and matches like the field it replaces.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum NetworkSource {
    /// Generate the network from this config and the pipeline's seed.
    Generate(GeneratorConfig),
    /// Generate a layered network ([`LayeredConfig`]) from the pipeline's seed.
    Layered(LayeredConfig),
    /// Read the network file (format `lsm-network`, [`crate::spec`]).
    File(PathBuf),
}

impl Default for NetworkSource {
    fn default() -> Self {
        NetworkSource::Generate(GeneratorConfig::default())
    }
}

impl From<GeneratorConfig> for NetworkSource {
    fn from(g: GeneratorConfig) -> Self {
        NetworkSource::Generate(g)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileForm {
    file: PathBuf,
}

impl Serialize for NetworkSource {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            NetworkSource::Generate(g) => g.serialize(s),
            NetworkSource::Layered(g) => g.serialize(s),
            NetworkSource::File(f) => FileForm { file: f.clone() }.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for NetworkSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        if v.get("file").is_some() {
            let f: FileForm = serde_json::from_value(v).map_err(|e| {
                D::Error::custom(format!(
                    "a network file is given as {{\"file\": \"net.json\"}} alone: {e}"
                ))
            })?;
            if f.file.as_os_str().is_empty() {
                return Err(D::Error::custom(
                    "network.file: expected a path, found \"\"",
                ));
            }
            Ok(NetworkSource::File(f.file))
        } else if v.get("layers").is_some() {
            LayeredConfig::deserialize(v)
                .map(NetworkSource::Layered)
                .map_err(|e| D::Error::custom(format!("network (layered): {e}")))
        } else if let (Some(p), serde_json::Value::Object(mut given)) = (v.get("preset"), v.clone())
        {
            let name = p.as_str().ok_or_else(|| {
                D::Error::custom(format!(
                    "network.preset: expected a preset name (one of {}), found {p}",
                    crate::generate::PRESETS.join(", ")
                ))
            })?;
            let base = crate::preset(name)
                .map_err(|e| D::Error::custom(format!("network.preset: {e}")))?;
            given.remove("preset");
            GeneratorConfig::from_map_over(given, &base)
                .map(NetworkSource::Generate)
                .map_err(|e| D::Error::custom(format!("network (over preset \"{name}\"): {e}")))
        } else {
            GeneratorConfig::deserialize(v)
                .map(NetworkSource::Generate)
                .map_err(D::Error::custom)
        }
    }
}

impl NetworkSource {
    /// The generator config, if the network is generated.
    pub fn generator(&self) -> Option<&GeneratorConfig> {
        match self {
            NetworkSource::Generate(g) => Some(g),
            NetworkSource::Layered(_) | NetworkSource::File(_) => None,
        }
    }

    /// The generator config, mutably, if the network is generated.
    pub fn generator_mut(&mut self) -> Option<&mut GeneratorConfig> {
        match self {
            NetworkSource::Generate(g) => Some(g),
            NetworkSource::Layered(_) | NetworkSource::File(_) => None,
        }
    }

    /// Set the step of a generated network (plain or layered; a file keeps its own).
    pub fn set_dt_ms(&mut self, dt_ms: Real) {
        match self {
            NetworkSource::Generate(g) => g.dt_ms = dt_ms,
            NetworkSource::Layered(g) => {
                g.dt_ms = dt_ms;
                g.layers.iter_mut().for_each(|l| l.population.dt_ms = dt_ms);
            }
            NetworkSource::File(_) => {}
        }
    }

    /// A relative network file made relative to `dir` (the folder of the config file that
    /// names it); generated networks and absolute paths are unchanged.
    pub fn resolve_relative_to(&mut self, dir: &Path) {
        if let NetworkSource::File(f) = self {
            if f.is_relative() {
                *f = dir.join(&*f);
            }
        }
    }

    /// Check the generator config (a file is checked when it is read).
    ///
    /// # Errors
    /// The generator's [`ReservoirError::Config`].
    pub fn check(&self) -> Result<()> {
        match self {
            NetworkSource::Generate(g) => g.check(),
            NetworkSource::Layered(g) => g.check(),
            NetworkSource::File(_) => Ok(()),
        }
    }

    /// The neurons of a generated network (`None` for a file, known once it is read).
    pub fn n_neurons(&self) -> Option<usize> {
        match self {
            NetworkSource::Generate(g) => Some(g.resolved_n_neurons()),
            NetworkSource::Layered(g) => Some(g.n_neurons()),
            NetworkSource::File(_) => None,
        }
    }

    /// The step of a generated network (`None` for a file).
    pub fn dt_ms(&self) -> Option<Real> {
        match self {
            NetworkSource::Generate(g) => Some(g.dt_ms),
            NetworkSource::Layered(g) => Some(g.dt_ms),
            NetworkSource::File(_) => None,
        }
    }

    /// The network for `n_inputs` input channels: generated from `seed`, or read from the
    /// file and checked to have exactly `n_inputs` inputs and, if `dt_ms` is given, that step
    /// (`feeds` names what drives the inputs, for the error: "the encoder's spike channels").
    ///
    /// # Errors
    /// The generator's errors, the file's (unreadable, invalid), or
    /// [`ReservoirError::Config`] naming the file and the mismatch.
    pub fn spec(
        &self,
        n_inputs: usize,
        dt_ms: Option<Real>,
        seed: u64,
        feeds: &str,
    ) -> Result<NetworkSpec> {
        match self {
            NetworkSource::Generate(g) => g.generate(n_inputs, seed),
            NetworkSource::Layered(g) => g.generate(n_inputs, seed),
            NetworkSource::File(path) => {
                let spec = NetworkSpec::load(path)?;
                let file = path.display();
                if spec.n_inputs != n_inputs {
                    return Err(ReservoirError::Config {
                        what: "network file",
                        field: "n_inputs".into(),
                        msg: format!(
                            "{file}: the network has {} input channels but {feeds} are {n_inputs}; \
                             expected n_inputs = {n_inputs}",
                            spec.n_inputs
                        ),
                    });
                }
                let dt_differs =
                    |dt: Real| (spec.dt_ms - dt).abs() > 1e-9 * dt.abs().max(spec.dt_ms.abs());
                if let Some(dt_ms) = dt_ms.filter(|&dt| dt_differs(dt)) {
                    return Err(ReservoirError::Config {
                        what: "network file",
                        field: "dt_ms".into(),
                        msg: format!(
                            "{file}: the network step is {} ms but {feeds} are on a {dt_ms} ms \
                             grid; expected dt_ms = {dt_ms}",
                            spec.dt_ms
                        ),
                    });
                }
                Ok(spec)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_read_and_write_back() {
        let g: NetworkSource = serde_json::from_str(r#"{"n_neurons": 50}"#).unwrap();
        assert_eq!(g.n_neurons(), Some(50));
        let json = serde_json::to_value(&g).unwrap();
        assert_eq!(json, serde_json::to_value(g.generator().unwrap()).unwrap());
        let f: NetworkSource = serde_json::from_str(r#"{"file": "nets/a.json"}"#).unwrap();
        assert_eq!(f, NetworkSource::File("nets/a.json".into()));
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"file":"nets/a.json"}"#
        );
        let mut r = f.clone();
        r.resolve_relative_to(Path::new("cfg"));
        assert_eq!(r, NetworkSource::File("cfg/nets/a.json".into()));
    }

    #[test]
    fn a_file_with_other_fields_or_a_bad_generator_field_is_an_error() {
        let e = serde_json::from_str::<NetworkSource>(r#"{"file": "a.json", "n_neurons": 5}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("n_neurons") && e.contains("alone"), "{e}");
        let e = serde_json::from_str::<NetworkSource>(r#"{"n_neuron": 5}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("n_neuron"), "{e}");
    }

    #[test]
    fn a_preset_gives_its_config_and_the_fields_given_override_it() {
        let g: NetworkSource = serde_json::from_str(r#"{"preset": "maass2002"}"#).unwrap();
        let want = crate::preset("maass2002").unwrap();
        assert_eq!(g, NetworkSource::Generate(want.clone()));
        let g: NetworkSource =
            serde_json::from_str(r#"{"preset": "brunel2000:n_e=400", "dt_ms": 0.05}"#).unwrap();
        let mut want = crate::preset("brunel2000:n_e=400").unwrap();
        want.dt_ms = 0.05;
        assert_eq!(g, NetworkSource::Generate(want.clone()));
        // Written back as the whole config, which reads back to the same.
        let back: NetworkSource =
            serde_json::from_value(serde_json::to_value(&g).unwrap()).unwrap();
        assert_eq!(back, g);
        // A pipeline config's `"network": {"preset": "cobahh"}`, scaled down.
        let g: NetworkSource =
            serde_json::from_str(r#"{"preset": "cobahh", "n_neurons": 400}"#).unwrap();
        let mut want = crate::preset("cobahh").unwrap();
        want.n_neurons = Some(400);
        assert_eq!(g, NetworkSource::Generate(want));
        for (text, says) in [
            (
                r#"{"preset": "brunel"}"#,
                "maass2002, cuba, coba, cobahh, brunel2000",
            ),
            (r#"{"preset": 3}"#, "expected a preset name"),
            (r#"{"preset": "cuba", "n_neuron": 5}"#, "n_neuron"),
            (r#"{"preset": "brunel2000:g=x"}"#, "g: expected a number"),
        ] {
            let e = serde_json::from_str::<NetworkSource>(text)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("network.preset") || e.contains("n_neuron"),
                "{e}"
            );
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn a_file_must_match_the_inputs_and_the_step() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("net.json");
        let g = GeneratorConfig {
            n_neurons: Some(20),
            ..GeneratorConfig::default()
        };
        g.generate(3, 1).unwrap().save(&p).unwrap();
        let src = NetworkSource::File(p.clone());
        let dt = g.dt_ms;
        let spec = src.spec(3, Some(dt), 99, "the channels").unwrap();
        assert_eq!(spec, g.generate(3, 1).unwrap(), "the file, not a new draw");
        let e = src
            .spec(4, Some(dt), 1, "the encoder's spike channels")
            .unwrap_err();
        let e = e.to_string();
        assert!(e.contains("net.json") && e.contains("n_inputs = 4"), "{e}");
        let e = src
            .spec(3, Some(dt * 2.0), 1, "the channels")
            .unwrap_err()
            .to_string();
        assert!(e.contains("net.json") && e.contains("dt_ms"), "{e}");
        let e = NetworkSource::File(dir.path().join("missing.json"))
            .spec(3, None, 1, "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.json"), "{e}");
    }
}
