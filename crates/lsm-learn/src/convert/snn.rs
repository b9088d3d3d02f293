//! The converted spiking network: an ordinary lsm network file, and its simulation.
//!
//! Every neuron is lsm's integrate-and-fire neuron without leak (`leaky: false`,
//! `tau_m_ms = r_mohm = 1`, `dt_ms = 1`, so the capacitance is 1 nF and a current `I` (nA)
//! held over a step raises `v` by `I` mV), delta synapses (a spike adds `w` mV to `v`), no
//! refractory period, `v_rest = v_reset = 0`, threshold 1 and **reset by subtraction**
//! (`"reset": "subtract"`: a spike lowers `v` by `v_th − v_reset = 1`, so the charge above the
//! threshold is kept). Neurons are numbered layer after layer:
//!
//! * **input**: the standardised features are the network's analog drive (`n_inputs` =
//!   features), a constant current `x_k` on channel `k` for the whole run, entering the first
//!   hidden layer through the input synapses `W̃_1` (Rueckauer et al.'s "analog input": the
//!   first layer sees the exact input current, not spikes);
//! * **hidden layers**: neuron `j` of layer `l` gets the bias `b̃_l[j]` as its constant current
//!   `i_bias_na` and the spikes of layer `l − 1` through recurrent synapses of weight
//!   `W̃_l[j, i]` and delay 0 (a spike reaches the next layer in the step it is fired and is
//!   seen by that layer's threshold of the next step);
//! * **output**: one neuron per class that integrates `W̃_L s_{L−1}(t) + b̃_L` and never fires
//!   (threshold 10³⁰ mV). The prediction after `T` steps is the class of the largest membrane
//!   potential, which Rueckauer et al. recommend over output spike counts: it does not clip a
//!   negative logit at 0 nor a large one at one spike per step, and `v(T) / T` approaches the
//!   normalised logit.
//!
//! With a constant input current `a ≥ 0` per step and `v(0) = 0`, an IF neuron with reset by
//! subtraction has `v(T) = T a − N(T)` with `0 ≤ v(T) ≤ 1` while `a ≤ 1`, so its rate
//! `N(T) / T` is within `1 / T` of `a` (and it fires every step when `a > 1`): the first hidden
//! layer's rates are exactly `min(ReLU(W̃_1 x + b̃_1), 1)` up to `1 / T`. Deeper layers see
//! spike trains instead of constant currents and carry the errors of the layers below.

use crate::convert::mlp::{argmax_rows, Mlp};
use crate::error::{LearnError, Result};
use lsm_core::limits::{check, Limit};
use lsm_core::Real;
use lsm_reservoir::{
    Drive, ModelKind, Network, NetworkSpec, NeuronSpec, Param, RecordSpec, Recording, ResetKind,
    SynapseKind, TraceSamples, TraceSpec,
};
use ndarray::{s, Array2, ArrayView2};
use rayon::prelude::*;

/// The threshold of the output neurons (mV): high enough that they never fire.
pub const OUTPUT_THRESHOLD_MV: Real = 1e30;

/// The network file of a normalised ReLU network (see the module documentation). `meta` is
/// stored as the file's free-form `meta` field.
///
/// # Errors
/// [`LearnError::Reservoir`] if the network does not validate (e.g. too many synapses for the
/// cost limits).
pub fn to_network_spec(norm: &Mlp, meta: serde_json::Value) -> Result<NetworkSpec> {
    let sizes: Vec<usize> = norm.layers.iter().map(|l| l.w.nrows()).collect();
    let n: usize = sizes.iter().sum();
    let n_out = *sizes.last().expect("at least one layer");
    let mut v_th = vec![1.0; n];
    v_th[n - n_out..].fill(OUTPUT_THRESHOLD_MV);
    let bias: Vec<Real> = norm
        .layers
        .iter()
        .flat_map(|l| l.b.iter().copied())
        .collect();
    let neuron = NeuronSpec {
        model: ModelKind::Lif,
        leaky: false,
        tau_m_ms: 1.0.into(),
        r_mohm: 1.0.into(),
        v_rest_mv: 0.0.into(),
        v_reset_mv: 0.0.into(),
        v_th_mv: Param::PerNeuron(v_th),
        t_ref_ms: 0.0.into(),
        i_bias_na: Param::PerNeuron(bias),
        synapse: SynapseKind::Delta,
        tau_syn_exc_ms: None,
        tau_syn_inh_ms: None,
        reset: ResetKind::Subtract,
        ..NeuronSpec::default()
    };
    let mut spec = NetworkSpec::new(1.0, n, norm.n_inputs(), neuron);
    let mut offset = 0usize;
    for (l, layer) in norm.layers.iter().enumerate() {
        let (list, pre0) = if l == 0 {
            (&mut spec.input, 0)
        } else {
            (&mut spec.recurrent, offset - layer.w.ncols())
        };
        for ((j, i), &w) in layer.w.indexed_iter() {
            if w != 0.0 {
                list.pre.push((pre0 + i) as u32);
                list.post.push((offset + j) as u32);
                list.weight.push(w);
            }
        }
        offset += layer.w.nrows();
    }
    spec.recurrent.delay_ms = Some(vec![0.0; spec.recurrent.len()]);
    spec.meta = Some(meta);
    spec.validate()?;
    Ok(spec)
}

/// What [`simulate`] returns for `S` samples and the lengths `steps`.
#[derive(Clone, Debug, PartialEq)]
pub struct SnnOutputs {
    /// The simulation lengths, ascending.
    pub steps: Vec<usize>,
    /// Per length `T`: the output neurons' membrane potentials after `T` steps divided by
    /// `T`, samples × classes (the estimate of the normalised logits).
    pub outputs: Vec<Array2<Real>>,
    /// Per length `T` (when asked for): the spike counts of the hidden neurons over the first
    /// `T` steps divided by `T`, samples × hidden neurons (layer after layer).
    pub rates: Option<Vec<Array2<Real>>>,
}

impl SnnOutputs {
    /// The predicted classes after each length (largest membrane potential, the first on
    /// ties).
    pub fn predictions(&self) -> Vec<Vec<usize>> {
        self.outputs.iter().map(|o| argmax_rows(o.view())).collect()
    }
}

/// Simulate the converted network `net` (made by [`to_network_spec`] with `n_out` output
/// neurons) on every row of `x` (standardised features, the constant analog drive) for the
/// longest of `steps`, reading the outputs after each length. Samples run in parallel; each
/// sample's result depends on that sample alone (the network has no noise), so the outputs do
/// not depend on the thread count.
///
/// # Errors
/// [`LearnError::InvalidParam`] for empty or zero `steps`, [`LearnError::Limit`] when the
/// drive or the work exceeds the cost limits, [`LearnError::Data`] when `x` does not fit the
/// network, [`LearnError::Reservoir`] from the simulator.
pub fn simulate(
    net: &Network,
    n_out: usize,
    x: ArrayView2<'_, Real>,
    steps: &[usize],
    record_rates: bool,
) -> Result<SnnOutputs> {
    let mut steps = steps.to_vec();
    steps.sort_unstable();
    steps.dedup();
    let t_max = match steps.last() {
        Some(&t) if steps[0] > 0 => t,
        _ => {
            return Err(LearnError::InvalidParam {
                name: "steps",
                msg: "expected at least one simulation length, each >= 1 step".into(),
            })
        }
    };
    let (n, d) = (net.n_neurons(), net.n_inputs());
    if x.ncols() != d || n_out == 0 || n_out > n {
        return Err(LearnError::Data(format!(
            "{} feature columns and {n_out} outputs for a network of {n} neurons and {d} inputs",
            x.ncols()
        )));
    }
    check(Limit::Steps, t_max as Real, "simulation length (steps)")?;
    check(
        Limit::MemoryBytes,
        t_max as Real * d as Real * 8.0,
        "the analog drive of one sample (steps x features x 8 bytes)",
    )?;
    check(
        Limit::Work,
        x.nrows() as Real * t_max as Real * n as Real,
        "samples x steps x neurons of the converted network",
    )?;
    let spec = RecordSpec {
        spikes: record_rates,
        traces: Some(TraceSpec {
            tau_ms: 1.0,
            samples: TraceSamples::Steps(steps.iter().map(|t| t - 1).collect()),
            mean: false,
            last: false,
        }),
        v_samples: true,
        ..RecordSpec::default()
    };
    let rows: Vec<Result<Recording>> = (0..x.nrows())
        .into_par_iter()
        .map_init(
            || (net.workspace(), Array2::<Real>::zeros((t_max, d))),
            |(ws, drive), i| {
                drive
                    .rows_mut()
                    .into_iter()
                    .for_each(|mut r| r.assign(&x.row(i)));
                let mut out = Recording::default();
                net.run_into(
                    Drive::Current(drive.view()),
                    t_max,
                    &spec,
                    0,
                    i as u64,
                    ws,
                    &mut out,
                )?;
                Ok(out)
            },
        )
        .collect();
    let recs = rows.into_iter().collect::<Result<Vec<_>>>()?;
    let n_s = x.nrows();
    let mut outputs = vec![Array2::zeros((n_s, n_out)); steps.len()];
    let mut rates = record_rates.then(|| vec![Array2::zeros((n_s, n - n_out)); steps.len()]);
    for (i, rec) in recs.iter().enumerate() {
        let vs = rec.v_samples.as_ref().expect("recorded");
        for (k, &t) in steps.iter().enumerate() {
            let v = vs.slice(s![k, n - n_out..]);
            outputs[k].row_mut(i).assign(&v.mapv(|v| v / t as Real));
        }
        if let (Some(r), Some(sp)) = (rates.as_mut(), rec.spikes.as_ref()) {
            let mut counts = vec![0.0; n - n_out];
            let mut k = 0;
            for step in 0..t_max {
                for &j in sp.at(step) {
                    counts[j as usize] += 1.0;
                }
                if step + 1 == steps[k] {
                    for (c, &cnt) in r[k].row_mut(i).iter_mut().zip(&counts) {
                        *c = cnt / steps[k] as Real;
                    }
                    k += 1;
                }
            }
        }
    }
    Ok(SnnOutputs {
        steps,
        outputs,
        rates,
    })
}
