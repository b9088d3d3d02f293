//! Drawing a network from a [`GeneratorConfig`]: neurons, recurrent topology, weights,
//! delays and the input projection, in the documented order of random draws.

use super::*;
use crate::error::{config_err, limit, Result};
use crate::spec::{NetworkSpec, Param, SynapseList};
use lsm_core::limits::Limit;
use lsm_core::{rng_for, stream, Real};
use rand::seq::SliceRandom;
use rand::Rng;

impl GeneratorConfig {
    /// Generate a network with `n_inputs` input channels from `seed`.
    ///
    /// # Errors
    /// [`crate::ReservoirError::Config`] for an invalid config, or if the spectral radius of
    /// the generated matrix is 0 while a target radius was asked for.
    pub fn generate(&self, n_inputs: usize, seed: u64) -> Result<NetworkSpec> {
        self.generate_layer(n_inputs, seed, 0)
    }

    /// [`GeneratorConfig::generate`] from the streams of layer `l` of a layered network
    /// (`stream::layer(s, l)` for every stream `s`; layer 0's are the plain streams).
    pub(crate) fn generate_layer(
        &self,
        n_inputs: usize,
        seed: u64,
        l: usize,
    ) -> Result<NetworkSpec> {
        let st = |s: u64| stream::layer(s, l);
        self.check()?;
        super::check_inputs(n_inputs)?;
        limit(
            Limit::Synapses,
            self.expected_recurrent_synapses() + self.expected_input_synapses(n_inputs),
            format!(
                "network generator: expected recurrent + input synapses for {n_inputs} input channels"
            ),
        )?;
        let n = self.resolved_n_neurons();
        // 1. Populations.
        let mut rng_n = rng_for(seed, st(stream::NEURON));
        let n_exc = self.n_exc();
        let mut perm: Vec<usize> = (0..n).collect();
        perm.shuffle(&mut rng_n);
        let mut exc = vec![false; n];
        for &i in &perm[..n_exc] {
            exc[i] = true;
        }
        // 2. Connectivity.
        let mut rng = rng_for(seed, st(stream::W_REC));
        let mut pre: Vec<u32> = Vec::new();
        let mut post: Vec<u32> = Vec::new();
        let mut meta_extra: Vec<(String, serde_json::Value)> = Vec::new();
        match &self.topology {
            Topology::None => {}
            Topology::Random { p } => {
                for i in 0..n {
                    for j in 0..n {
                        if i != j && rng.gen::<Real>() < *p {
                            pre.push(i as u32);
                            post.push(j as u32);
                        }
                    }
                }
            }
            Topology::FixedInDegree { k } => {
                for j in 0..n {
                    let mut src: Vec<usize> =
                        rand::seq::index::sample(&mut rng, n - 1, *k).into_vec();
                    src.sort_unstable();
                    for s in src {
                        let i = if s >= j { s + 1 } else { s };
                        pre.push(i as u32);
                        post.push(j as u32);
                    }
                }
            }
            Topology::FixedInDegreeEi { exc: ke, inh: ki } => {
                let pops: [Vec<usize>; 2] = [
                    (0..n).filter(|&i| exc[i]).collect(),
                    (0..n).filter(|&i| !exc[i]).collect(),
                ];
                let mut src: Vec<usize> = Vec::with_capacity(ke + ki);
                for j in 0..n {
                    src.clear();
                    for (pop, &k) in pops.iter().zip([ke, ki]) {
                        // Neuron j's own place in its population is skipped (no autapses).
                        let own = pop.binary_search(&j).ok();
                        let m = pop.len() - usize::from(own.is_some());
                        for s in rand::seq::index::sample(&mut rng, m, k) {
                            let s = match own {
                                Some(o) if s >= o => s + 1,
                                _ => s,
                            };
                            src.push(pop[s]);
                        }
                    }
                    src.sort_unstable();
                    for &s in &src {
                        pre.push(s as u32);
                        post.push(j as u32);
                    }
                }
            }
            Topology::FixedOutDegree { k } => {
                for i in 0..n {
                    let mut dst: Vec<usize> =
                        rand::seq::index::sample(&mut rng, n - 1, *k).into_vec();
                    dst.sort_unstable();
                    for s in dst {
                        let j = if s >= i { s + 1 } else { s };
                        pre.push(i as u32);
                        post.push(j as u32);
                    }
                }
            }
            Topology::MaassColumn {
                grid,
                columns: _,
                lambda,
                c,
            } => {
                let pos = maass_positions(*grid, n);
                for i in 0..n {
                    for j in 0..n {
                        if i == j {
                            continue;
                        }
                        let d2: Real = (0..3).map(|a| (pos[i][a] - pos[j][a]).powi(2)).sum();
                        let p = c.get(exc[i], exc[j]) * (-d2 / (lambda * lambda)).exp();
                        if rng.gen::<Real>() < p {
                            pre.push(i as u32);
                            post.push(j as u32);
                        }
                    }
                }
                meta_extra.push((
                    "positions".into(),
                    serde_json::to_value(&pos).expect("positions"),
                ));
            }
            Topology::SmallWorld { k, beta } => {
                let half = k / 2;
                let mut rewired = 0usize;
                let mut targets: Vec<usize> = Vec::with_capacity(*k);
                for i in 0..n {
                    targets.clear();
                    for o in 1..=half {
                        targets.push((i + o) % n);
                        targets.push((i + n - o) % n);
                    }
                    for e in 0..targets.len() {
                        if rng.gen::<Real>() < *beta {
                            // Uniform over targets that are neither i nor already targets of i.
                            loop {
                                let j = rng.gen_range(0..n);
                                if j != i && !targets.contains(&j) {
                                    targets[e] = j;
                                    rewired += 1;
                                    break;
                                }
                            }
                        }
                    }
                    let mut t = targets.clone();
                    t.sort_unstable();
                    for j in t {
                        pre.push(i as u32);
                        post.push(j as u32);
                    }
                }
                meta_extra.push(("rewired".into(), serde_json::Value::from(rewired)));
            }
        }
        // 3. Weights, 4. delays.
        let ws = self.weight_dist.sampler();
        let mut weight: Vec<Real> = Vec::with_capacity(pre.len());
        for k in 0..pre.len() {
            let (a, b) = (exc[pre[k] as usize], exc[post[k] as usize]);
            let m = self.weight_scale.get(a, b) * ws.sample(&mut rng);
            weight.push(if a { m } else { -m });
        }
        let delay: Vec<Real> = (0..pre.len())
            .map(|_| self.delay.sample(&mut rng))
            .collect();
        if self.balance_rows {
            balance_rows(n, &post, &mut weight);
        }
        // 5. Spectral radius.
        if let Some(target) = self.spectral_radius {
            let rho = crate::spectral::spectral_radius(n, &pre, &post, &weight);
            if !(rho > 0.0 && rho.is_finite()) {
                return Err(config_err(
                    "spectral_radius",
                    format!("the generated recurrent matrix has spectral radius {rho}: cannot rescale to {target}"),
                ));
            }
            let f = target / rho;
            weight.iter_mut().for_each(|w| *w *= f);
        }
        // 6. Input projection.
        let mut rng_in = rng_for(seed, st(stream::W_IN));
        let ic = &self.input;
        let is = ic.dist.sampler();
        let mut inp = SynapseList {
            delay_ms: Some(Vec::new()),
            ..SynapseList::default()
        };
        let n_targets = (ic.fraction * n as Real).round() as usize;
        for ch in 0..n_inputs {
            let targets: Vec<usize> = if ic.bernoulli {
                (0..n)
                    .filter(|_| rng_in.gen::<Real>() < ic.fraction)
                    .collect()
            } else {
                let mut t = rand::seq::index::sample(&mut rng_in, n, n_targets).into_vec();
                t.sort_unstable();
                t
            };
            for j in targets {
                let scale = if exc[j] { ic.scale_exc } else { ic.scale_inh };
                let mut w = scale * is.sample(&mut rng_in);
                if ic.sign == InputSign::Random && rng_in.gen::<bool>() {
                    w = -w;
                }
                inp.pre.push(ch as u32);
                inp.post.push(j as u32);
                inp.weight.push(w);
                inp.delay_ms
                    .as_mut()
                    .expect("set")
                    .push(ic.delay.sample(&mut rng_in));
            }
        }
        // 7. Initial potentials.
        let mut neuron = self.neuron.clone();
        if let Some([lo, hi]) = self.v_init_uniform_mv {
            neuron.v_init_mv = Some(Param::PerNeuron(
                (0..n).map(|_| rng_n.gen_range(lo..hi)).collect(),
            ));
        }
        // 8. Izhikevich parameters per population.
        if let Some(mix) = &self.izhikevich {
            // The mixture gives a, b, c, d; the neuron's quadratic (if any) is kept.
            let quadratic = neuron.izhikevich.as_ref().and_then(|p| p.quadratic);
            neuron.izhikevich = Some(crate::izhikevich::IzhParams {
                quadratic,
                ..mix.params(&exc, seed, st(stream::IZHIKEVICH_JITTER))
            });
        }
        // Dynamic synapses: (U, D, F) per recurrent synapse, in list order, from its own
        // stream so that adding them changes nothing else.
        let stp = self.stp.map(|StpGenerator::Maass2002| {
            let mut rng_s = rng_for(seed, st(stream::STP));
            let (mut u, mut d, mut f) = (vec![], vec![], vec![]);
            for (&a, &b) in pre.iter().zip(&post) {
                let x = crate::stp::maass2002(&mut rng_s, exc[a as usize], exc[b as usize]);
                u.push(x.0);
                d.push(x.1);
                f.push(x.2);
            }
            crate::spec::StpParams {
                u,
                tau_rec_ms: d,
                tau_facil_ms: f,
            }
        });
        let mut spec = NetworkSpec::new(self.dt_ms, n, n_inputs, neuron);
        spec.recurrent = SynapseList {
            pre,
            post,
            weight,
            delay_ms: Some(delay),
            stp,
        };
        spec.input = inp;
        let mut meta = serde_json::Map::new();
        meta.insert(
            "generator".into(),
            serde_json::to_value(self).expect("config serialises"),
        );
        meta.insert("seed".into(), serde_json::Value::from(seed));
        meta.insert(
            "excitatory".into(),
            serde_json::to_value(&exc).expect("bools"),
        );
        for (k, v) in meta_extra {
            meta.insert(k, v);
        }
        spec.meta = Some(serde_json::Value::Object(meta));
        spec.validate()?;
        Ok(spec)
    }
}

/// Subtract from every neuron's incoming weights their mean (a neuron with no input keeps
/// none).
fn balance_rows(n: usize, post: &[u32], weight: &mut [Real]) {
    let mut sum = vec![0.0; n];
    let mut count = vec![0usize; n];
    for (&j, &w) in post.iter().zip(weight.iter()) {
        sum[j as usize] += w;
        count[j as usize] += 1;
    }
    for (&j, w) in post.iter().zip(weight.iter_mut()) {
        *w -= sum[j as usize] / count[j as usize] as Real;
    }
}

/// Grid positions of the Maass column(s): neuron `i` → `(x, y, z)`; columns are side by side
/// along x (see the module documentation).
pub fn maass_positions(grid: [usize; 3], n: usize) -> Vec<[Real; 3]> {
    let per_col = grid[0] * grid[1] * grid[2];
    (0..n)
        .map(|i| {
            let c = i / per_col;
            let r = i % per_col;
            let x = r % grid[0] + c * grid[0];
            let y = (r / grid[0]) % grid[1];
            let z = r / (grid[0] * grid[1]);
            [x as Real, y as Real, z as Real]
        })
        .collect()
}

/// The excitatory mask stored by the generator in `meta.excitatory`, if present.
pub fn excitatory_mask(spec: &NetworkSpec) -> Option<Vec<bool>> {
    let v = spec.meta.as_ref()?.get("excitatory")?;
    serde_json::from_value(v.clone()).ok()
}
