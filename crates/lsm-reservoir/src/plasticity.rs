//! Spike-timing-dependent plasticity (STDP) of the recurrent excitatory synapses.
//!
//! # The rule (pair-based, all-to-all, with traces; Song, Miller & Abbott 2000)
//!
//! Every neuron carries a presynaptic trace `x` (time constant `τ+`) and a postsynaptic trace
//! `y` (time constant `τ−`), both 0 at the start of a sample. In step `t`, after the spikes of
//! the step went out through the synapses (with the weights as they were before the step):
//!
//! 1. `x ← x · exp(−dt/τ+)`, `y ← y · exp(−dt/τ−)` for every neuron;
//! 2. for each neuron `j` spiking at `t` (ascending) and each plastic synapse `j → i` (CSR
//!    order): depression `w ← clip(w − Δ−, 0, w_max)`, then `x_j ← x_j + 1`;
//! 3. for each neuron `i` spiking at `t` (ascending) and each plastic synapse `j → i`:
//!    potentiation `w ← clip(w + Δ+, 0, w_max)`, then `y_i ← y_i + 1`.
//!
//! with, for the additive rule (`"rule": "additive"`, hard bounds), `Δ+ = A+ · w_max · x_j`
//! and `Δ− = A− · w_max · y_i`, and for the multiplicative rule (`"multiplicative"`, soft
//! bounds, Gütig et al. 2003 with μ = 1) `Δ+ = A+ · (w_max − w) · x_j` and
//! `Δ− = A− · w · y_i`. So a presynaptic spike `k` steps before a postsynaptic one changes the
//! weight by `A+ · w_max · exp(−k·dt/τ+)` (additive), a presynaptic spike `k` steps after a
//! postsynaptic one by `−A− · w_max · exp(−k·dt/τ−)`; a pre and a post spike in the same step
//! count as pre before post (the order of Brian2's `on_pre` / `on_post` pathways in its STDP
//! example). Spike times are taken at the soma: synaptic delays do not enter the rule.
//!
//! # The triplet rule (`"model": "triplet"`; Pfister & Gerstner 2006, all-to-all)
//!
//! Two more traces, a slow presynaptic `x₂` (`τx`) and a slow postsynaptic `y₂` (`τy`), decay
//! and are incremented like `x` and `y` (in step 2 `x₂_j ← x₂_j + 1` after the depression, in
//! step 3 `y₂_i ← y₂_i + 1` after the potentiation), and the changes become
//!
//! ```text
//! Δ− = (A− + A3− · x₂_j) · w_max · y_i        Δ+ = (A+ + A3+ · y₂_i) · w_max · x_j
//! ```
//!
//! (additive; multiplicative: `w` and `w_max − w` in place of `w_max`), each slow trace read
//! before its own spike's increment (Pfister & Gerstner's `t − ε`). With `A3± = 0` this is
//! the pair rule, bit for bit. Potentiation then grows with the postsynaptic rate: a pairing
//! protocol potentiates at high pairing frequencies and depresses at low ones (their Fig. 4),
//! which the pair rule cannot do.
//!
//! `w_max` is per synapse: `w_max_rel` times the synapse's weight when plasticity started.
//! Plastic synapses are the positive-weight recurrent synapses whose presynaptic neuron is
//! excitatory and, with `"synapses": "exc_to_exc"` (the default), whose postsynaptic neuron is
//! excitatory too. Which neurons are excitatory comes from the generator's `meta.excitatory`
//! or, for other network files, from the signs of their outgoing weights (a neuron is
//! excitatory unless it has a negative outgoing weight).
//!
//! Plasticity runs through [`Network::run_plastic_into`]: the network stays immutable, the
//! evolving weights live in an [`Stdp`], and [`Stdp::to_spec`] writes them into a new network
//! file. [`train_stdp`] runs a list of samples one after another (the weights carry over from
//! sample to sample, so this is sequential by nature; every step is deterministic).

use crate::error::{config_err, ReservoirError, Result};
use crate::generate::excitatory_mask;
use crate::network::{Csr, Network};
use crate::sim::{Drive, RecordSpec, Recording};
use crate::spec::NetworkSpec;
use lsm_core::Real;
use serde::{Deserialize, Serialize};

/// Which spikes a weight change depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StdpModel {
    /// Pairs of a pre- and a postsynaptic spike (Song, Miller & Abbott 2000).
    #[default]
    Pair,
    /// Pairs and triplets (Pfister & Gerstner 2006, all-to-all): two slow traces more.
    Triplet,
}

/// How a weight change depends on the weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StdpRule {
    /// Changes proportional to `w_max`, weights clipped to `[0, w_max]` (hard bounds).
    Additive,
    /// Potentiation proportional to `w_max − w`, depression to `w` (soft bounds).
    Multiplicative,
}

/// Which recurrent synapses are plastic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlasticSynapses {
    /// Excitatory → excitatory.
    ExcToExc,
    /// Every excitatory synapse (onto excitatory and inhibitory neurons).
    Exc,
}

/// STDP parameters (JSON object; unknown fields are refused; every field has a default).
///
/// | field | default | unit | meaning |
/// |---|---|---|---|
/// | `tau_plus_ms` | 20 | ms | potentiation window `τ+` (> 0) |
/// | `tau_minus_ms` | 20 | ms | depression window `τ−` (> 0) |
/// | `a_plus` | 0.005 | 1 | potentiation amplitude `A+` (>= 0), a fraction of `w_max` |
/// | `a_minus` | 0.00525 | 1 | depression amplitude `A−` (>= 0); Song et al.'s `A−/A+ = 1.05` |
/// | `w_max_rel` | 2 | 1 | `w_max` of a synapse / its initial weight (>= 1) |
/// | `rule` | `"additive"` | | [`StdpRule`] |
/// | `synapses` | `"exc_to_exc"` | | [`PlasticSynapses`] |
/// | `model` | `"pair"` | | [`StdpModel`]; the fields below are read by `"triplet"` only |
/// | `tau_x_ms` | 101 | ms | slow presynaptic trace `τx` (> 0) |
/// | `tau_y_ms` | 125 | ms | slow postsynaptic trace `τy` (> 0) |
/// | `a3_plus` | 0.0062 | 1 | triplet potentiation amplitude `A3+` (>= 0) |
/// | `a3_minus` | 0.00023 | 1 | triplet depression amplitude `A3−` (>= 0) |
///
/// The triplet defaults are Pfister & Gerstner's all-to-all fit to visual cortex data
/// (their Table 3, with their `τ+` 16.8 ms, `τ−` 33.7 ms, `A2+` 5e-10, `A2−` 7e-3 to be set
/// in `tau_plus_ms`, `tau_minus_ms`, `a_plus`, `a_minus`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StdpConfig {
    /// Potentiation time constant, ms.
    pub tau_plus_ms: Real,
    /// Depression time constant, ms.
    pub tau_minus_ms: Real,
    /// Potentiation amplitude (fraction of `w_max`).
    pub a_plus: Real,
    /// Depression amplitude (fraction of `w_max`).
    pub a_minus: Real,
    /// Upper bound of a weight relative to its initial value.
    pub w_max_rel: Real,
    /// Weight dependence.
    pub rule: StdpRule,
    /// Plastic synapses.
    pub synapses: PlasticSynapses,
    /// Pair or triplet rule.
    #[serde(skip_serializing_if = "is_pair")]
    pub model: StdpModel,
    /// Slow presynaptic trace time constant `τx`, ms (triplet rule).
    pub tau_x_ms: Real,
    /// Slow postsynaptic trace time constant `τy`, ms (triplet rule).
    pub tau_y_ms: Real,
    /// Triplet potentiation amplitude `A3+` (fraction of `w_max`).
    pub a3_plus: Real,
    /// Triplet depression amplitude `A3−` (fraction of `w_max`).
    pub a3_minus: Real,
}

fn is_pair(m: &StdpModel) -> bool {
    *m == StdpModel::Pair
}

impl Default for StdpConfig {
    fn default() -> Self {
        Self {
            tau_plus_ms: 20.0,
            tau_minus_ms: 20.0,
            a_plus: 0.005,
            a_minus: 0.00525,
            w_max_rel: 2.0,
            rule: StdpRule::Additive,
            synapses: PlasticSynapses::ExcToExc,
            model: StdpModel::Pair,
            tau_x_ms: 101.0,
            tau_y_ms: 125.0,
            a3_plus: 6.2e-3,
            a3_minus: 2.3e-4,
        }
    }
}

impl StdpConfig {
    /// Parse a STDP config file (a JSON object without duplicate keys; unknown fields are
    /// refused, `{}` is every default) and check it; `file` names the source in errors.
    ///
    /// # Errors
    /// [`ReservoirError::Json`], [`ReservoirError::Core`] or
    /// [`ReservoirError::Field`] (naming the file and the field).
    pub fn from_json_str(text: &str, file: &str) -> Result<Self> {
        let c: StdpConfig = crate::error::from_json_object(text, file, "STDP config")?;
        c.check("").map_err(|e| match e {
            ReservoirError::Config { field, msg, .. } => ReservoirError::Field {
                file: file.to_string(),
                field,
                msg,
            },
            e => e,
        })?;
        Ok(c)
    }

    /// Check every field; `prefix` is prepended to field names in the error (e.g. `plasticity`).
    ///
    /// # Errors
    /// [`ReservoirError::Config`] naming the field.
    pub fn check(&self, prefix: &str) -> Result<()> {
        let f = |name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}.{name}")
            }
        };
        for (name, v) in [
            ("tau_plus_ms", self.tau_plus_ms),
            ("tau_minus_ms", self.tau_minus_ms),
            ("tau_x_ms", self.tau_x_ms),
            ("tau_y_ms", self.tau_y_ms),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(config_err(
                    f(name),
                    format!("expected a time > 0 ms, found {v}"),
                ));
            }
        }
        for (name, v) in [
            ("a_plus", self.a_plus),
            ("a_minus", self.a_minus),
            ("a3_plus", self.a3_plus),
            ("a3_minus", self.a3_minus),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(config_err(
                    f(name),
                    format!("expected an amplitude >= 0, found {v}"),
                ));
            }
        }
        if !(self.w_max_rel.is_finite() && self.w_max_rel >= 1.0) {
            return Err(config_err(
                f("w_max_rel"),
                format!("expected a ratio >= 1, found {}", self.w_max_rel),
            ));
        }
        Ok(())
    }
}

/// The evolving state of STDP on one network: the recurrent weights (CSR order), the bounds,
/// the incoming index of the plastic synapses and the traces. Made once; no allocation per step.
#[derive(Clone, Debug)]
pub struct Stdp {
    cfg: StdpConfig,
    n: usize,
    w: Vec<Real>,
    /// `w_max` per synapse; 0 for synapses that are not plastic.
    w_max: Vec<Real>,
    /// Incoming plastic synapses of neuron `i`: `in_syn[in_ptr[i]..in_ptr[i+1]]` (CSR
    /// indices), with their presynaptic neurons in `in_pre`.
    in_ptr: Vec<usize>,
    in_syn: Vec<u32>,
    in_pre: Vec<u32>,
    x_pre: Vec<Real>,
    y_post: Vec<Real>,
    d_plus: Real,
    d_minus: Real,
    /// Triplet rule: the slow traces `x₂`, `y₂` and their decays (empty for the pair rule).
    x2_pre: Vec<Real>,
    y2_post: Vec<Real>,
    d_x: Real,
    d_y: Real,
    n_plastic: usize,
}

impl Stdp {
    /// STDP state for `net` with its current weights. `excitatory` (one flag per neuron)
    /// overrides the network's own record of which neurons are excitatory.
    ///
    /// # Errors
    /// [`ReservoirError::Config`] for invalid parameters, [`ReservoirError::Input`] for an
    /// `excitatory` mask of the wrong length.
    pub fn new(net: &Network, cfg: &StdpConfig, excitatory: Option<&[bool]>) -> Result<Stdp> {
        cfg.check("")?;
        let n = net.n_neurons();
        let rec = net.recurrent();
        let exc: Vec<bool> = match excitatory {
            Some(m) => {
                if m.len() != n {
                    return Err(ReservoirError::Input(format!(
                        "excitatory mask has {} entries, the network has {n} neurons",
                        m.len()
                    )));
                }
                m.to_vec()
            }
            None => match excitatory_mask(net.spec()) {
                Some(m) if m.len() == n => m,
                _ => (0..n)
                    .map(|p| {
                        rec.weight[rec.ptr[p]..rec.ptr[p + 1]]
                            .iter()
                            .all(|&w| w >= 0.0)
                    })
                    .collect(),
            },
        };
        let m = rec.n_synapses();
        let mut w_max = vec![0.0; m];
        let mut in_count = vec![0usize; n + 1];
        let mut n_plastic = 0;
        for p in 0..n {
            if !exc[p] {
                continue;
            }
            let row = rec.ptr[p]..rec.ptr[p + 1];
            for ((wm, &i), &w) in w_max[row.clone()]
                .iter_mut()
                .zip(&rec.post[row.clone()])
                .zip(&rec.weight[row])
            {
                let i = i as usize;
                let post_ok = match cfg.synapses {
                    PlasticSynapses::ExcToExc => exc[i],
                    PlasticSynapses::Exc => true,
                };
                if w > 0.0 && post_ok {
                    *wm = cfg.w_max_rel * w;
                    in_count[i + 1] += 1;
                    n_plastic += 1;
                }
            }
        }
        for i in 0..n {
            in_count[i + 1] += in_count[i];
        }
        let in_ptr = in_count;
        let mut fill = in_ptr.clone();
        let mut in_syn = vec![0u32; n_plastic];
        let mut in_pre = vec![0u32; n_plastic];
        for p in 0..n {
            for (s, &wm) in w_max
                .iter()
                .enumerate()
                .take(rec.ptr[p + 1])
                .skip(rec.ptr[p])
            {
                if wm > 0.0 {
                    let i = rec.post[s] as usize;
                    in_syn[fill[i]] = s as u32;
                    in_pre[fill[i]] = p as u32;
                    fill[i] += 1;
                }
            }
        }
        let dt = net.dt_ms();
        let slow = if cfg.model == StdpModel::Triplet {
            n
        } else {
            0
        };
        Ok(Stdp {
            cfg: cfg.clone(),
            n,
            w: rec.weight.clone(),
            w_max,
            in_ptr,
            in_syn,
            in_pre,
            x_pre: vec![0.0; n],
            y_post: vec![0.0; n],
            d_plus: (-dt / cfg.tau_plus_ms).exp(),
            d_minus: (-dt / cfg.tau_minus_ms).exp(),
            x2_pre: vec![0.0; slow],
            y2_post: vec![0.0; slow],
            d_x: (-dt / cfg.tau_x_ms).exp(),
            d_y: (-dt / cfg.tau_y_ms).exp(),
            n_plastic,
        })
    }

    /// Whether this state belongs to a network of `net`'s shape.
    pub fn fits(&self, net: &Network) -> bool {
        self.n == net.n_neurons() && self.w.len() == net.recurrent().n_synapses()
    }

    /// The current recurrent weights, in the network's CSR order.
    pub fn weights(&self) -> &[Real] {
        &self.w
    }

    /// The upper bound of each recurrent synapse (CSR order); 0 marks a synapse that is not
    /// plastic.
    pub fn w_max(&self) -> &[Real] {
        &self.w_max
    }

    /// Number of plastic synapses.
    pub fn n_plastic(&self) -> usize {
        self.n_plastic
    }

    /// The parameters.
    pub fn config(&self) -> &StdpConfig {
        &self.cfg
    }

    /// Mean weight of the plastic synapses (0 without any).
    pub fn mean_plastic_weight(&self) -> Real {
        if self.n_plastic == 0 {
            return 0.0;
        }
        let s: Real = self
            .w
            .iter()
            .zip(&self.w_max)
            .filter(|(_, &m)| m > 0.0)
            .map(|(&w, _)| w)
            .sum();
        s / self.n_plastic as Real
    }

    /// Clear the traces (the start of a sample: nothing before it counts).
    pub(crate) fn start_sample(&mut self) {
        self.x_pre.fill(0.0);
        self.y_post.fill(0.0);
        self.x2_pre.fill(0.0);
        self.y2_post.fill(0.0);
    }

    /// The plasticity of one step, after its spikes went out (see the module docs).
    pub(crate) fn step(&mut self, rec: &Csr, spikes: &[u32]) {
        for x in self.x_pre.iter_mut() {
            *x *= self.d_plus;
        }
        for y in self.y_post.iter_mut() {
            *y *= self.d_minus;
        }
        for x in self.x2_pre.iter_mut() {
            *x *= self.d_x;
        }
        for y in self.y2_post.iter_mut() {
            *y *= self.d_y;
        }
        if spikes.is_empty() {
            return;
        }
        let triplet = !self.x2_pre.is_empty();
        let mult = self.cfg.rule == StdpRule::Multiplicative;
        // Presynaptic spikes: depression by the postsynaptic traces.
        for &j in spikes {
            let j = j as usize;
            let a_minus = if triplet {
                self.cfg.a_minus + self.cfg.a3_minus * self.x2_pre[j]
            } else {
                self.cfg.a_minus
            };
            let (a, b) = (rec.ptr[j], rec.split[j]);
            for s in a..b {
                let wm = self.w_max[s];
                if wm > 0.0 {
                    let y = self.y_post[rec.post[s] as usize];
                    if y != 0.0 {
                        let w = self.w[s];
                        let dw = if mult {
                            a_minus * w * y
                        } else {
                            a_minus * wm * y
                        };
                        self.w[s] = (w - dw).clamp(0.0, wm);
                    }
                }
            }
            self.x_pre[j] += 1.0;
            if triplet {
                self.x2_pre[j] += 1.0;
            }
        }
        // Postsynaptic spikes: potentiation by the presynaptic traces.
        for &i in spikes {
            let i = i as usize;
            let a_plus = if triplet {
                self.cfg.a_plus + self.cfg.a3_plus * self.y2_post[i]
            } else {
                self.cfg.a_plus
            };
            for k in self.in_ptr[i]..self.in_ptr[i + 1] {
                let x = self.x_pre[self.in_pre[k] as usize];
                if x != 0.0 {
                    let s = self.in_syn[k] as usize;
                    let (w, wm) = (self.w[s], self.w_max[s]);
                    let dw = if mult {
                        a_plus * (wm - w) * x
                    } else {
                        a_plus * wm * x
                    };
                    self.w[s] = (w + dw).clamp(0.0, wm);
                }
            }
            self.y_post[i] += 1.0;
            if triplet {
                self.y2_post[i] += 1.0;
            }
        }
    }

    /// `net`'s network file with the current weights (and, in `meta.stdp`, the parameters and
    /// `samples`, the number of samples the weights learned from).
    ///
    /// # Errors
    /// [`ReservoirError::Input`] if this state was made for another network.
    pub fn to_spec(&self, net: &Network, samples: usize) -> Result<NetworkSpec> {
        if !self.fits(net) {
            return Err(ReservoirError::Input(
                "the plasticity state was made for another network".into(),
            ));
        }
        let mut spec = net.to_spec();
        let order = &net.recurrent().order;
        for (k, &w) in self.w.iter().enumerate() {
            spec.recurrent.weight[order[k]] = w;
        }
        let mut meta = match spec.meta.take() {
            Some(serde_json::Value::Object(m)) => m,
            Some(other) => {
                let mut m = serde_json::Map::new();
                m.insert("previous".into(), other);
                m
            }
            None => serde_json::Map::new(),
        };
        meta.insert(
            "stdp".into(),
            serde_json::json!({ "config": self.cfg, "samples": samples }),
        );
        spec.meta = Some(serde_json::Value::Object(meta));
        Ok(spec)
    }
}

/// What [`train_stdp`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct StdpSummary {
    /// Samples run.
    pub samples: usize,
    /// Plastic synapses.
    pub n_plastic: usize,
    /// Mean plastic weight before and after.
    pub mean_weight_before: Real,
    /// Mean plastic weight after.
    pub mean_weight_after: Real,
    /// Reservoir spikes over all samples.
    pub n_spikes: usize,
}

/// Run `drives` one after another with STDP (sample `k` uses noise stream `SIM_NOISE + k`),
/// starting from `net`'s weights, and return the network file with the learned weights.
/// `progress` is called after each sample with the number done.
///
/// # Errors
/// As [`Stdp::new`] and [`Network::run_plastic_into`]; [`ReservoirError::Limit`] when the
/// steps of all samples times the neurons exceed [`lsm_core::limits::Limit::Work`].
pub fn train_stdp(
    net: &Network,
    drives: &[Drive<'_>],
    cfg: &StdpConfig,
    excitatory: Option<&[bool]>,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(NetworkSpec, StdpSummary)> {
    let total_steps: Real = drives.iter().map(|d| d.n_steps() as Real).sum();
    net.check_work(total_steps, "STDP: all samples of all epochs")?;
    let mut stdp = Stdp::new(net, cfg, excitatory)?;
    let before = stdp.mean_plastic_weight();
    let mut ws = net.workspace();
    let mut out = Recording::default();
    let spec = RecordSpec {
        spikes: false,
        ..RecordSpec::default()
    };
    let mut n_spikes = 0;
    for (k, d) in drives.iter().enumerate() {
        net.run_plastic_into(
            *d,
            d.n_steps(),
            &spec,
            seed,
            k as u64,
            &mut ws,
            &mut out,
            &mut stdp,
        )?;
        n_spikes += out.n_spikes;
        progress(k + 1);
    }
    let summary = StdpSummary {
        samples: drives.len(),
        n_plastic: stdp.n_plastic(),
        mean_weight_before: before,
        mean_weight_after: stdp.mean_plastic_weight(),
        n_spikes,
    };
    Ok((stdp.to_spec(net, drives.len())?, summary))
}
