//! The plasticity state on one network ([`Stdp`]): the weights, the incoming index, the pair
//! and triplet STDP updates, and [`train_stdp`].

use super::rate::RateState;
use super::{PlasticSynapses, StdpConfig, StdpModel, StdpRule};
use crate::error::{ReservoirError, Result};
use crate::generate::excitatory_mask;
use crate::network::{Csr, Network};
use crate::sim::{Drive, RecordSpec, Recording};
use crate::spec::NetworkSpec;
use lsm_core::Real;

/// The evolving state of plasticity on one network (STDP or a rate-based rule, see
/// [`StdpModel`]): the recurrent weights (CSR order), the bounds, the incoming index of the
/// plastic synapses and the traces. Made once; no allocation per step.
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
    /// The rate-based rules' state (`None` for STDP).
    rate: Option<RateState>,
}

impl Stdp {
    /// The plasticity state (STDP or rate-based, by `cfg.model`) for `net` with its current
    /// weights. `excitatory` (one flag per neuron) overrides the network's own record of which
    /// neurons are excitatory.
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
        let rate = cfg.model.is_rate_based().then(|| {
            let w0 = in_syn.iter().map(|&s| rec.weight[s as usize]).collect();
            RateState::new(cfg, n, dt, w0)
        });
        // STDP's traces (none for the rate-based rules, whose own state is in `rate`).
        let fast = if rate.is_some() { 0 } else { n };
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
            x_pre: vec![0.0; fast],
            y_post: vec![0.0; fast],
            d_plus: (-dt / cfg.tau_plus_ms).exp(),
            d_minus: (-dt / cfg.tau_minus_ms).exp(),
            x2_pre: vec![0.0; slow],
            y2_post: vec![0.0; slow],
            d_x: (-dt / cfg.tau_x_ms).exp(),
            d_y: (-dt / cfg.tau_y_ms).exp(),
            n_plastic,
            rate,
        })
    }

    /// The cost check of `total_steps` steps of a rate-based rule, one update per plastic
    /// synapse and step, against [`lsm_core::limits::Limit::Work`] (STDP's updates go with
    /// the spikes: nothing to check beyond the simulation's own). `what` names the steps.
    ///
    /// # Errors
    /// [`ReservoirError::Limit`] past the limit.
    pub fn check_work(&self, total_steps: Real, what: &str) -> Result<()> {
        if self.rate.is_none() {
            return Ok(());
        }
        Ok(lsm_core::limits::check(
            lsm_core::limits::Limit::Work,
            total_steps * self.n_plastic as Real,
            format!(
                "plasticity ({}): {what} (steps x {} plastic synapses)",
                self.cfg.model.name(),
                self.n_plastic
            ),
        )?)
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

    /// The rate traces `ρ` of a rate-based model, one per neuron in units of `rate_ref_hz`
    /// (empty for STDP).
    pub fn rates(&self) -> &[Real] {
        self.rate.as_ref().map_or(&[], |r| r.rates())
    }

    /// The sliding thresholds `θ` of BCM with `tau_theta_ms`, one per neuron (empty otherwise).
    pub fn bcm_theta(&self) -> &[Real] {
        self.rate.as_ref().map_or(&[], |r| r.theta())
    }

    /// Advance the plasticity by one step of `net` in which the neurons `spikes` (ascending)
    /// fired, as [`Network::run_plastic_into`] does after each step's spikes went out: for
    /// prescribed spike trains (tests, other simulators). Call [`Stdp::start_sample`] first
    /// where a sample starts.
    ///
    /// # Errors
    /// [`ReservoirError::Input`] if this state was made for another network or `spikes` is not
    /// ascending neuron indices of `net`.
    pub fn step_spikes(&mut self, net: &Network, spikes: &[u32]) -> Result<()> {
        if !self.fits(net) {
            return Err(ReservoirError::Input(
                "the plasticity state was made for another network".into(),
            ));
        }
        let ascending = spikes.windows(2).all(|p| p[0] < p[1]);
        if !ascending || spikes.last().is_some_and(|&s| s as usize >= self.n) {
            return Err(ReservoirError::Input(format!(
                "spikes: expected ascending neuron indices below {}",
                self.n
            )));
        }
        self.step(net.recurrent(), spikes);
        Ok(())
    }

    /// Clear the traces (the start of a sample: nothing before it counts; a sliding BCM
    /// threshold carries over).
    pub fn start_sample(&mut self) {
        if let Some(r) = &mut self.rate {
            r.start_sample();
        }
        self.x_pre.fill(0.0);
        self.y_post.fill(0.0);
        self.x2_pre.fill(0.0);
        self.y2_post.fill(0.0);
    }

    /// The plasticity of one step, after its spikes went out (see the module docs).
    pub(crate) fn step(&mut self, rec: &Csr, spikes: &[u32]) {
        if let Some(r) = &mut self.rate {
            r.step(
                &mut self.w,
                &self.in_ptr,
                &self.in_syn,
                &self.in_pre,
                spikes,
            );
            return;
        }
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
    stdp.check_work(total_steps, "all samples of all epochs")?;
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
