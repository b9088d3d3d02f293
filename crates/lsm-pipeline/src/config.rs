//! The spoken-digit pipeline configuration (JSON).
//!
//! One file describes the whole job: audio front end and spike encoder
//! (`lsm_encoding::AudioEncoderConfig`), reservoir generator (`lsm_reservoir::GeneratorConfig`),
//! state features ([`FeatureConfig`]) and readout ([`ClassifierReadoutConfig`]). Every field has a
//! default (the Brian2 LSM baseline of `docs/benchmarks.md`, with a gammatone front end instead of
//! its log-mel: [`DigitsConfig::default_encoder`]), so `{}` is a valid config. A section that is
//! given takes the defaults of its own type for the fields it omits (an `"encoder"` object
//! without `"front_end"` gets the log-mel front end of `AudioEncoderConfig::default()`); unknown
//! fields are rejected with an error naming them. [`DigitsConfig::validate`] checks everything
//! once, including the links between stages: the encoder's and the network's `dt_ms` must be
//! equal, and the number of encoder channels becomes the network's `n_inputs`.
//!
//! ```json
//! {
//!   "task": "spoken-digits",
//!   "seed": 42,
//!   "encoder": { "front_end": {"filterbank": {"kind": "gammatone", "n_bands": 32, ...}, ...},
//!                "encoder": {...}, "dt_ms": 1.0 },
//!   "network": { "dt_ms": 1.0, "n_neurons": 1000, "frac_exc": 0.8, "neuron": {...},
//!                "topology": {"kind": "random", "p": 0.1}, ... },
//!   "features": { "reservoir": true, "pooling": {"kind": "spike_counts", "bins": 4},
//!                 "include_input": true, "transform": "sqrt" },
//!   "readout": { "kind": "logistic", "logistic_alphas": [30],
//!                "alphas": [100, 300, 1000, 3000, 10000, 30000, 100000],
//!                "cv": {"kind": "leave_one_group_out"}, "standardize": true, "fit_intercept": true }
//! }
//! ```

use crate::error::PipelineError;
use crate::features::{Pooling, Transform};
use lsm_core::Real;
use lsm_encoding::{AudioEncoderConfig, FilterbankConfig, GammatoneConfig};
use lsm_reservoir::{
    Delay, GeneratorConfig, HomeostasisConfig, InputConfig, PairScale, StdpConfig, Topology,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub use crate::digits::drive::InputDrive;
pub use crate::digits::snn::SnnConfig;
pub use crate::sources::{InputSource, ReservoirChoice};
pub use lsm_reservoir::NetworkSource;

mod validate;

/// The task name of this pipeline in config and model files.
pub const TASK_SPOKEN_DIGITS: &str = "spoken-digits";

/// The largest readout penalty α a config accepts (ridge and logistic, both tasks). The
/// defaults are at most 1e5; far larger penalties only shrink every weight to zero, and near
/// the floating-point limit (1e308) the fit overflows to NaN.
pub const MAX_PENALTY: f64 = 1e12;

/// Which state features feed the readout.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `reservoir` | `true` | use the reservoir's output spikes (`false`: no reservoir is simulated — the input-only control) |
/// | `pooling` | `{"kind": "spike_counts", "bins": 4}` | how spikes become a fixed-length vector ([`Pooling`]) |
/// | `include_input` | `true` | append the encoder's spikes, pooled (and transformed) the same way; with the reservoir features it generalises best across speakers |
/// | `transform` | `"sqrt"` | element-wise transform of the pooled features: `"none"`, `"log1p"` (`ln(1+x)`) or `"sqrt"` ([`Transform`]) |
/// | `readout_layers` | `[]` (every neuron) | names of layers of a layered network (`meta.layers`, [`lsm_reservoir::LayeredConfig`]) whose neurons alone give the reservoir features, in this order; spiking reservoir only |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureConfig {
    /// Use the reservoir's spikes. Default `true`.
    pub reservoir: bool,
    /// Pooling of spikes over the sample. Default spike counts in 4 bins warped halfway by the
    /// input (`{"kind": "spike_counts", "bins": 4, "warp": 0.5}`).
    pub pooling: Pooling,
    /// Also use the encoder's input spikes (pooled the same way). Default `true`.
    pub include_input: bool,
    /// Element-wise transform of the pooled features. Default `"sqrt"`. (Model files of
    /// format version 1 predate this field and read as `"none"`.)
    pub transform: Transform,
    /// Read the reservoir features from the neurons of these layers only (names of the
    /// network's `meta.layers`, in this order). Default empty: every neuron.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readout_layers: Vec<String>,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            reservoir: true,
            pooling: Pooling::default(),
            include_input: true,
            transform: Transform::default(),
            readout_layers: Vec::new(),
        }
    }
}

/// Cross-validation folds used to choose the ridge penalty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CvConfig {
    /// Leave one group out: each speaker of the training data is one fold (the field's
    /// standard for FSDD: it favours cross-speaker generalisation). Needs ≥ 2 speakers.
    LeaveOneGroupOut,
    /// Shuffled k-fold (seeded by the config's `seed`).
    KFold {
        /// Number of folds, ≥ 2. Default 5.
        k: usize,
    },
}

/// The kind of linear readout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadoutKind {
    /// Ridge classifier: ridge regression on ±1-coded one-hot targets, prediction = argmax,
    /// probabilities by a temperature-scaled softmax of the scores (closed form; fast).
    Ridge,
    /// Multinomial logistic regression (softmax, L2 penalty): calibrated probabilities by
    /// construction; fitted by L-BFGS (in the kernel form when there are fewer samples than
    /// features).
    Logistic,
}

/// The linear readout: a ridge classifier (ridge regression on ±1-coded one-hot targets,
/// prediction = argmax) or a multinomial logistic regression, penalty chosen by
/// cross-validation over its grid when the grid has several values.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `kind` | `"logistic"` | `"logistic"` or `"ridge"` ([`ReadoutKind`]) | |
/// | `logistic_alphas` | `[30]` | logistic L2 penalty grid, α = 1/C of scikit-learn (on standardised features; loss summed over samples) | each in (0, 1e12] |
/// | `logistic_tol` | `5e-4` | L-BFGS stops when the gradient norm of the mean loss is below this | in (0, 1) |
/// | `alphas` | `[1e2, 3e2, 1e3, 3e3, 1e4, 3e4, 1e5]` (half-decades) | ridge penalty grid (on standardised features, loss summed over samples, as scikit-learn) | each in (0, 1e12] |
/// | `cv` | `{"kind": "leave_one_group_out"}` | folds for choosing α (ignored with one α) | |
/// | `standardize` | `true` | scale features to unit variance | |
/// | `fit_intercept` | `true` | centre features and targets | |
///
/// The default is the logistic readout with α = 30 (scikit-learn's C ≈ 0.033): on the full
/// FSDD it generalises across speakers better than the ridge classifier on the same features
/// (leave-one-speaker-out 0.875 against 0.854, mean of seeds 42 / 1 / 2), and its accuracy
/// is flat in α (C = 0.01 / 0.03 / 0.1 / 0.3: 0.868 / 0.873 / 0.870 / 0.867), so one α is
/// fitted instead of a cross-validated grid (which costs a fit per fold and α); list several
/// `logistic_alphas` to choose α by cross-validation. The solver tolerance trades time for
/// nothing measurable in accuracy: on the full FSDD, 2e-4 / 5e-4 / 1e-3 give LOSO 0.874 /
/// 0.875 / 0.872 (mean of seeds 42 / 1 / 2) and official-split accuracy 0.988 / 0.989 /
/// 0.985, with the readout fitted in about 3.0 / 2.0 / 1.6 s; 5e-4 is the default.
/// `"kind": "ridge"` is the closed-form alternative.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifierReadoutConfig {
    /// Logistic regression or ridge classifier. Default logistic.
    pub kind: ReadoutKind,
    /// Penalty grid of the logistic readout (α = 1/C). Default `[30]`.
    pub logistic_alphas: Vec<f64>,
    /// Gradient-norm tolerance of the logistic readout's L-BFGS. Default `5e-4`.
    pub logistic_tol: f64,
    /// Penalty grid. Default `[1e2, 1e3, 1e4, 1e5]` (the Brian2 baseline's grid).
    pub alphas: Vec<f64>,
    /// Folds for choosing α. Default leave-one-speaker-out.
    pub cv: CvConfig,
    /// Standardise features. Default `true`.
    pub standardize: bool,
    /// Fit an intercept. Default `true`.
    pub fit_intercept: bool,
}

impl Default for ClassifierReadoutConfig {
    fn default() -> Self {
        Self {
            kind: ReadoutKind::Logistic,
            logistic_alphas: vec![30.0],
            logistic_tol: 5e-4,
            alphas: vec![1e2, 3e2, 1e3, 3e3, 1e4, 3e4, 1e5],
            cv: CvConfig::LeaveOneGroupOut,
            standardize: true,
            fit_intercept: true,
        }
    }
}

/// The whole spoken-digit pipeline.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `task` | `"spoken-digits"` | task name (other tasks have their own configs) |
/// | `seed` | `42` | the one seed every random draw derives from (network, encoder noise, CV shuffles) |
/// | `encoder` | 32-channel gammatone filterbank, dB scaling, regular rate coding to 400 Hz, `dt_ms` 1 (see [`DigitsConfig::default_encoder`]) | [`AudioEncoderConfig`] |
/// | `input` | `{"kind": "audio"}` | [`InputSource`]: audio through the encoder, or spike trains (`{"kind": "spikes"}`) |
/// | `network` | 1000 LIF, 80/20 E/I, p = 0.1, exp-current synapses (see [`DigitsConfig::default_network`]) | [`NetworkSource`]: a [`GeneratorConfig`], a named network with overrides (`{"preset": "maass2002", "dt_ms": 1.0}`, [`lsm_reservoir::preset`]), `{"file": "net.json"}` (relative to the config's folder), or a layered network (an object with `"layers"`, [`lsm_reservoir::LayeredConfig`]: layers, projections, input layers) |
/// | `input_drive` | `"auto"` | [`InputDrive`]: the gain of the spiking network's input weights, calibrated on the training data when the reservoir would be silent or saturated (`crate::digits::drive`), or a fixed number (`1`: as generated) |
/// | `reservoir` | `{"kind": "spiking"}` | [`ReservoirChoice`]: the spiking network, or an echo state network (`{"kind": "esn"}`) |
/// | `features` | spike counts in 4 bins, edges warped halfway by the input, square root | [`FeatureConfig`] |
/// | `readout` | multinomial logistic regression, α = 30 (ridge: α ∈ {1e2..1e5} by leave-one-speaker-out CV) | [`ClassifierReadoutConfig`] |
/// | `plasticity` | absent (`null`): the reservoir keeps its generated weights | [`PlasticityConfig`]: unsupervised STDP or a rate-based Hebbian-family rule on training recordings before the readout is fitted |
/// | `snn` | absent | [`SnnConfig`]: train a spiking network by surrogate gradients on the input's spikes instead of the reservoir and readout (`network`, `reservoir`, `features` and `readout` are then unused) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DigitsConfig {
    /// Task name, `"spoken-digits"`.
    pub task: String,
    /// Master seed. Default 42.
    pub seed: u64,
    /// What the samples hold: audio (default) or spike trains.
    #[serde(skip_serializing_if = "InputSource::is_audio")]
    pub input: InputSource,
    /// Audio front end, spike encoder and simulator step (audio input).
    pub encoder: AudioEncoderConfig,
    /// The spiking network: generated (its `dt_ms` must equal `encoder.dt_ms`, or
    /// `input.dt_ms` for spike input) or read from a file.
    pub network: NetworkSource,
    /// Gain of the spiking network's input weights: `"auto"` (default; scaled on the
    /// training data only when the reservoir would be silent or saturated) or a number.
    pub input_drive: InputDrive,
    /// Which reservoir: the spiking network (default) or an echo state network.
    #[serde(skip_serializing_if = "ReservoirChoice::is_spiking")]
    pub reservoir: ReservoirChoice,
    /// State features.
    pub features: FeatureConfig,
    /// Readout.
    pub readout: ClassifierReadoutConfig,
    /// Unsupervised plasticity of the reservoir (STDP or a rate-based rule). Default none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plasticity: Option<PlasticityConfig>,
    /// A spiking network trained end to end by surrogate gradients on the input's spikes,
    /// instead of the reservoir and the linear readout ([`SnnConfig`]). Default none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snn: Option<SnnConfig>,
}

impl Default for DigitsConfig {
    fn default() -> Self {
        Self {
            task: TASK_SPOKEN_DIGITS.to_string(),
            seed: 42,
            input: InputSource::Audio,
            encoder: Self::default_encoder(),
            network: Self::default_network().into(),
            input_drive: InputDrive::Auto,
            reservoir: ReservoirChoice::Spiking,
            features: FeatureConfig::default(),
            readout: ClassifierReadoutConfig::default(),
            plasticity: None,
            snn: None,
        }
    }
}

/// Unsupervised plasticity of the reservoir before the readout is fitted (`"plasticity"` in
/// the config): the generated network runs through `samples` training recordings, `epochs`
/// times, with plasticity of its excitatory synapses ([`lsm_reservoir::plasticity`]: pair or
/// triplet STDP, or a rate-based rule of the Hebbian family: `hebbian`, `anti-hebbian`, `oja`,
/// `anti-oja`, `bcm`, the names of the ESN's rules), then, with `homeostasis`, through the
/// same recordings again while each neuron's threshold moves toward a target rate
/// ([`lsm_reservoir::homeostasis`]); the learned weights and thresholds are then frozen, every
/// feature is computed with them, and the model file stores them. No label is used.
///
/// | Name | Default | Unit | Purpose |
/// |---|---|---|---|
/// | `stdp` | [`StdpConfig::default`] (τ± 20 ms, A+ 0.005, A− 0.00525, `w_max` = 2 × initial, additive, E→E) | | the rule ([`StdpConfig`]; `"model"`: `"pair"`, `"triplet"`, `"hebbian"`, `"anti-hebbian"`, `"oja"`, `"anti-oja"`, `"bcm"`, the rate-based ones with `eta_per_s`, `tau_rate_ms`, `rate_ref_hz`, `bcm_theta`, `tau_theta_ms`); `null`: no synaptic plasticity |
/// | `homeostasis` | absent | | [`HomeostasisConfig`]: homeostatic thresholds after STDP |
/// | `samples` | 200 | recordings | how many training recordings to learn from, drawn in a seeded random order (stream `PLASTICITY`); 0 = all |
/// | `epochs` | 1 | passes | passes over those recordings (>= 1) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlasticityConfig {
    /// The rule, STDP or rate-based (`None`: none).
    pub stdp: Option<StdpConfig>,
    /// Homeostatic thresholds, after STDP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homeostasis: Option<HomeostasisConfig>,
    /// Training recordings to learn from (0 = all).
    pub samples: usize,
    /// Passes over them.
    pub epochs: usize,
}

impl Default for PlasticityConfig {
    fn default() -> Self {
        Self {
            stdp: Some(StdpConfig::default()),
            homeostasis: None,
            samples: 200,
            epochs: 1,
        }
    }
}

impl DigitsConfig {
    /// The default audio encoder: a 32-channel gammatone filterbank (Slaney's ERB filters,
    /// centre frequencies 100 Hz to 4 kHz at 8 kHz input, mean power in 10 ms frames), dB
    /// relative to the utterance maximum floored at −50 dB and mapped to `[0, 1]`, regular
    /// rate coding up to 400 Hz on 1 ms slots, `dt = 1 ms`.
    ///
    /// The cochlear filterbank generalises across speakers better than the Brian2 baseline's
    /// 32-band log-mel front end (`AudioEncoderConfig::default()`), with the same reservoir and
    /// readout on the full FSDD: leave-one-speaker-out 0.854 / 0.855 / 0.853 for seeds
    /// 42 / 1 / 2 against 0.847 / 0.857 / 0.824, official test split 0.992 / 0.984 / 0.980
    /// against 0.980 / 0.980 / 0.988. To use the log-mel front end, set
    /// `encoder.front_end.filterbank` to `{"kind": "mel"}`.
    pub fn default_encoder() -> AudioEncoderConfig {
        let mut enc = AudioEncoderConfig::default();
        enc.front_end.filterbank = FilterbankConfig::Gammatone(GammatoneConfig {
            n_bands: 32,
            fmin_hz: 100.0,
            hop_ms: 10.0,
        });
        enc
    }

    /// The default reservoir: the Brian2 LSM baseline (`docs/benchmarks.md`).
    ///
    /// 1000 LIF neurons, 800 excitatory / 200 inhibitory; dimensionless membrane written in
    /// lsm's units with `R = 1 MΩ`, rest 0, threshold 1, reset 0 (so `v` in mV equals Brian2's
    /// dimensionless `v`): `τm = 20 ms`, refractory 2 ms, exponential current synapses
    /// `τe = 5 ms`, `τi = 10 ms`; recurrent Bernoulli `p = 0.1` without autapses, no delays,
    /// excitatory weights `+0.1`, inhibitory `−0.4`; input: each channel to each neuron with
    /// probability 0.2, weight `+0.5`; `dt = 1 ms`.
    pub fn default_network() -> GeneratorConfig {
        GeneratorConfig {
            dt_ms: 1.0,
            n_neurons: Some(1000),
            frac_exc: 0.8,
            neuron: lsm_reservoir::anchor::brian2_lif(),
            topology: Topology::Random { p: 0.1 },
            weight_scale: PairScale {
                ee: 0.1,
                ei: 0.1,
                ie: 0.4,
                ii: 0.4,
            },
            delay: Delay::Constant { ms: 0.0 },
            input: InputConfig {
                fraction: 0.2,
                bernoulli: true,
                scale_exc: 0.5,
                scale_inh: 0.5,
                ..InputConfig::default()
            },
            ..GeneratorConfig::default()
        }
    }

    /// Membrane time constant (ms) of the default network on spike input ([`DigitsConfig::spikes`]).
    pub const SPIKES_TAU_M_MS: Real = 80.0;

    /// The default config of the classification pipeline on spike input (a spike dataset of
    /// any channel count, read on a grid of `dt_ms`; `lsm fit` on a spike dataset without
    /// `--config`, `lsm default-config --task spikes`): the default config with spike input
    /// and a membrane time constant of [`Self::SPIKES_TAU_M_MS`] (80 ms) instead of 20 ms.
    ///
    /// Spike patterns carry their information in time: a readout of the liquid can only
    /// combine what happened in different parts of a pattern if a neuron's response to one
    /// part still depends on the earlier parts, so the membrane must integrate over the scale
    /// of those parts. With 20 ms the liquid computes the XOR of two 100 ms segments but not
    /// the parity of three (test accuracy 0.53 on 400 samples at 4 ms jitter); with 80 ms it
    /// computes both (1.00). Audio keeps 20 ms, which wins there (leave-one-speaker-out on
    /// FSDD 0.886, against 0.861 with 80 ms). See `docs/results.md`.
    pub fn spikes(dt_ms: Real) -> Self {
        let mut network = Self::default_network();
        network.dt_ms = dt_ms;
        network.neuron.tau_m_ms = Self::SPIKES_TAU_M_MS.into();
        Self {
            input: InputSource::Spikes {
                n_channels: None,
                dt_ms,
                duration_ms: None,
            },
            network: network.into(),
            ..Self::default()
        }
    }

    /// Parse JSON text (unknown fields are errors naming the field) and validate; `path` names
    /// the source in errors.
    ///
    /// # Errors
    /// [`PipelineError::Json`] or [`PipelineError::Config`].
    pub fn from_json_str(text: &str, path: &Path) -> Result<Self, PipelineError> {
        let v = lsm_core::json::parse_object(text.as_bytes(), &path.display().to_string())
            .map_err(|e| crate::io::strict_err(path, e))?;
        crate::io::require_nonempty_config(path, &v)?;
        let mut cfg: Self = serde_json::from_str(text).map_err(|e| PipelineError::Json {
            path: path.to_path_buf(),
            msg: format!("invalid spoken-digit config: {e}"),
        })?;
        if let Some(dir) = path.parent() {
            cfg.resolve_paths(dir);
        }
        cfg.validate().map_err(|e| PipelineError::Json {
            path: path.to_path_buf(),
            msg: e.to_string(),
        })?;
        Ok(cfg)
    }

    /// Read, parse and validate a config file.
    ///
    /// # Errors
    /// [`PipelineError::Io`], [`PipelineError::Json`] (naming the file, and the field for an
    /// unknown or mistyped one).
    pub fn load(path: &Path) -> Result<Self, PipelineError> {
        let text = crate::io::read_capped(path)?;
        Self::from_json_str(&text, path)
    }

    /// The simulator step in ms: the encoder's, or the spike input's.
    pub fn dt_ms(&self) -> Real {
        match &self.input {
            InputSource::Audio => self.encoder.dt_ms,
            InputSource::Spikes { dt_ms, .. } => *dt_ms,
        }
    }

    /// A relative network file made relative to `dir` (the folder of the config file).
    pub fn resolve_paths(&mut self, dir: &Path) {
        self.network.resolve_relative_to(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_round_trips() {
        let c = DigitsConfig::default();
        c.validate().unwrap();
        let text = serde_json::to_string_pretty(&c).unwrap();
        let back = DigitsConfig::from_json_str(&text, Path::new("c.json")).unwrap();
        assert_eq!(back, c);
        // `{}` is refused (an empty file's stand-in); one field gives the rest by default.
        let e = DigitsConfig::from_json_str("{}", Path::new("c.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.json") && e.contains("empty config"), "{e}");
        let one = DigitsConfig::from_json_str(r#"{"seed": 42}"#, Path::new("c.json")).unwrap();
        assert_eq!(one, c);
    }

    #[test]
    fn misspelt_field_is_named() {
        let e = DigitsConfig::from_json_str(r#"{"seeed": 1}"#, Path::new("c.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("seeed") && e.contains("c.json"), "{e}");
        let e = DigitsConfig::from_json_str(
            r#"{"features": {"pooling": {"kind": "spike_counts", "binz": 3}}}"#,
            Path::new("c.json"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("binz"), "{e}");
    }

    #[test]
    fn dt_mismatch_is_a_cross_stage_error() {
        let mut c = DigitsConfig::default();
        c.network.generator_mut().unwrap().dt_ms = 0.1;
        let e = c.validate().unwrap_err().to_string();
        assert!(
            e.contains("network.dt_ms") && e.contains("encoder.dt_ms"),
            "{e}"
        );
        // Without a reservoir, the network is not used and not checked.
        c.features.reservoir = false;
        c.features.include_input = true;
        c.validate().unwrap();
    }

    #[test]
    fn bad_values_are_named() {
        let mut c = DigitsConfig::default();
        c.readout.alphas = vec![1.0, -2.0];
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("readout.alphas"));
        let mut c = DigitsConfig::default();
        c.readout.logistic_alphas = vec![];
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("readout.logistic_alphas"), "{e}");
        for tol in [0.0, 1.0, 1e300, f64::NAN] {
            let mut c = DigitsConfig::default();
            c.readout.logistic_tol = tol;
            let e = c.validate().unwrap_err().to_string();
            assert!(
                e.contains("readout.logistic_tol") && e.contains("(0, 1)"),
                "{e}"
            );
        }
        // Penalties near the floating-point limit overflow the fit (NaN weights).
        for huge in [1e308, 1.1e12, f64::INFINITY] {
            let mut c = DigitsConfig::default();
            c.readout.alphas = vec![1.0, huge];
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains("readout.alphas") && e.contains("1e12"), "{e}");
            let mut c = DigitsConfig::default();
            c.readout.logistic_alphas = vec![huge];
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains("readout.logistic_alphas"), "{e}");
        }
        let mut c = DigitsConfig::default();
        c.readout.alphas = vec![MAX_PENALTY];
        c.readout.logistic_tol = 0.999;
        c.validate().unwrap();
        let e =
            DigitsConfig::from_json_str(r#"{"readout": {"kind": "lasso"}}"#, Path::new("c.json"))
                .unwrap_err()
                .to_string();
        assert!(e.contains("lasso") && e.contains("c.json"), "{e}");
        let c = DigitsConfig {
            task: "narma10".into(),
            ..DigitsConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("task"));
        let mut c = DigitsConfig::default();
        c.features.reservoir = false;
        c.features.include_input = false;
        assert!(c.validate().unwrap_err().to_string().contains("features"));
    }
}
