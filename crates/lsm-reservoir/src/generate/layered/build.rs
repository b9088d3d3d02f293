//! Drawing a [`LayeredConfig`]'s network: the layers, the projections, one neuron section.

use super::super::merge::{merge_neurons, Part};
use super::*;
use crate::error::limit;
use crate::spec::{NetworkSpec, SynapseList};
use lsm_core::limits::Limit;
use lsm_core::{rng_for, stream};
use rand::Rng;

impl LayeredConfig {
    /// Generate the network with `n_inputs` input channels from `seed` (streams in the module
    /// documentation).
    ///
    /// # Errors
    /// [`ReservoirError::Config`] for an invalid config; a layer's generator errors.
    pub fn generate(&self, n_inputs: usize, seed: u64) -> Result<NetworkSpec> {
        self.check()?;
        super::super::check_inputs(n_inputs)?;
        let inputs = self.input_indices()?;
        let mut expected: Real = self
            .projections
            .iter()
            .map(|p| self.expected_projection(p))
            .sum();
        for k in 0..self.layers.len() {
            let pop = self.population(k);
            expected += pop.expected_recurrent_synapses();
            if inputs.contains(&k) {
                expected += pop.expected_input_synapses(n_inputs);
            }
        }
        limit(
            Limit::Synapses,
            expected,
            format!("network generator: expected synapses of the layers, projections and {n_inputs} input channels"),
        )?;
        let ranges = self.ranges();
        let n = self.n_neurons();
        let mut exc: Vec<bool> = Vec::with_capacity(n);
        let mut rec = SynapseList {
            delay_ms: Some(Vec::new()),
            ..SynapseList::default()
        };
        let mut inp = SynapseList {
            delay_ms: Some(Vec::new()),
            ..SynapseList::default()
        };
        let mut neurons = Vec::with_capacity(self.layers.len());
        let mut meta_layers = Vec::with_capacity(self.layers.len());
        let mut stp = None;
        for (k, r) in ranges.iter().enumerate() {
            let n_in = if inputs.contains(&k) { n_inputs } else { 0 };
            let spec = self
                .population(k)
                .generate_layer(n_in, seed, k)
                .map_err(|e| in_layer(k, e))?;
            exc.extend(crate::excitatory_mask(&spec).expect("the generator records it"));
            let off = r.start as u32;
            append(&mut rec, &spec.recurrent, off, off);
            append(&mut inp, &spec.input, 0, off);
            stp = spec.recurrent.stp.clone();
            let mut entry = serde_json::to_value(r).expect("a layer range serialises");
            if let (Some(e), Some(serde_json::Value::Object(m))) =
                (entry.as_object_mut(), spec.meta)
            {
                for (key, v) in m {
                    if key == "positions" || key == "rewired" {
                        e.insert(key, v);
                    }
                }
            }
            meta_layers.push(entry);
            neurons.push(spec.neuron);
        }
        for (p, pr) in self.projections.iter().enumerate() {
            self.project(p, pr, &ranges, &exc, seed, &mut rec);
        }
        // Checked: dynamic synapses only with one layer and no projections.
        rec.stp = stp;
        let parts: Vec<Part> = ranges
            .iter()
            .zip(&neurons)
            .map(|(r, ne)| Part {
                name: &r.name,
                n: r.n,
                neuron: ne,
            })
            .collect();
        let neuron = merge_neurons(&parts)?;
        let mut spec = NetworkSpec::new(self.dt_ms, n, n_inputs, neuron);
        spec.recurrent = rec;
        spec.input = inp;
        let mut meta = serde_json::Map::new();
        meta.insert(
            "generator".into(),
            serde_json::to_value(self).expect("config serialises"),
        );
        meta.insert("seed".into(), seed.into());
        meta.insert(
            "excitatory".into(),
            serde_json::to_value(&exc).expect("bools"),
        );
        meta.insert("layers".into(), serde_json::Value::Array(meta_layers));
        spec.meta = Some(serde_json::Value::Object(meta));
        spec.validate()?;
        Ok(spec)
    }

    fn expected_projection(&self, pr: &Projection) -> Real {
        let ranges = self.ranges();
        let size = |name: &str| ranges.iter().find(|r| r.name == name).map_or(0, |r| r.n) as Real;
        let (na, nb) = (size(&pr.from), size(&pr.to));
        match pr.rule {
            ProjectionRule::Random { p } => na * nb * p,
            ProjectionRule::FixedInDegree { k } => nb * k as Real,
            ProjectionRule::FixedOutDegree { k } => na * k as Real,
        }
    }

    /// Draw projection `p` (checked config) into `rec`.
    fn project(
        &self,
        p: usize,
        pr: &Projection,
        ranges: &[LayerRange],
        exc: &[bool],
        seed: u64,
        rec: &mut SynapseList,
    ) {
        let find = |name: &str| ranges.iter().find(|r| r.name == name).expect("checked");
        let (a, b) = (find(&pr.from), find(&pr.to));
        let mut rng = rng_for(seed, stream::layer(stream::PROJECTION, p));
        let first = rec.pre.len();
        let mut push = |i: usize, j: usize| {
            rec.pre.push((a.start + i) as u32);
            rec.post.push((b.start + j) as u32);
        };
        match pr.rule {
            ProjectionRule::Random { p } => {
                for i in 0..a.n {
                    for j in 0..b.n {
                        if rng.gen::<Real>() < p {
                            push(i, j);
                        }
                    }
                }
            }
            ProjectionRule::FixedInDegree { k } => {
                for j in 0..b.n {
                    let mut src = rand::seq::index::sample(&mut rng, a.n, k).into_vec();
                    src.sort_unstable();
                    src.into_iter().for_each(|i| push(i, j));
                }
            }
            ProjectionRule::FixedOutDegree { k } => {
                for i in 0..a.n {
                    let mut dst = rand::seq::index::sample(&mut rng, b.n, k).into_vec();
                    dst.sort_unstable();
                    dst.into_iter().for_each(|j| push(i, j));
                }
            }
        }
        let ws = pr.weight_dist.sampler();
        for s in first..rec.pre.len() {
            let (e_pre, e_post) = (exc[rec.pre[s] as usize], exc[rec.post[s] as usize]);
            let m = pr.weight_scale.get(e_pre, e_post) * ws.sample(&mut rng);
            rec.weight.push(if e_pre { m } else { -m });
        }
        let delays = rec.delay_ms.as_mut().expect("set");
        for _ in first..rec.pre.len() {
            delays.push(pr.delay.sample(&mut rng));
        }
    }
}

/// Append `src` to `dst`, shifting presynaptic indices by `pre_off` and postsynaptic ones by
/// `post_off` (delays default to 0 ms where `src` has none).
fn append(dst: &mut SynapseList, src: &SynapseList, pre_off: u32, post_off: u32) {
    dst.pre.extend(src.pre.iter().map(|i| i + pre_off));
    dst.post.extend(src.post.iter().map(|j| j + post_off));
    dst.weight.extend_from_slice(&src.weight);
    let d = dst.delay_ms.get_or_insert_with(Vec::new);
    match &src.delay_ms {
        Some(v) => d.extend_from_slice(v),
        None => d.resize(d.len() + src.pre.len(), 0.0),
    }
}
