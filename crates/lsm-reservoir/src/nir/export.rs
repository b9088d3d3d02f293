//! lsm network -> NIR graph.

use super::graph::{Dense, Meta, MetaValue, NirGraph, NodeKind};
use super::ms_to_s;
use crate::error::{field_err, limit, Result};
use crate::spec::{ModelKind, NetworkSpec, Param, SynapseKind, SynapseList};
use lsm_core::limits::Limit;

/// Which synaptic time constant a `CubaLIF` gets when lsm's excitatory and inhibitory ones
/// differ (NIR has one per neuron).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TauSynChoice {
    /// Refuse the network (the default): the export would change its dynamics.
    #[default]
    Refuse,
    /// Use `tau_syn_exc_ms` for every synapse.
    Exc,
    /// Use `tau_syn_inh_ms` for every synapse.
    Inh,
}

/// Options of [`to_nir`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ExportOptions {
    /// What to do when the excitatory and inhibitory synaptic time constants differ.
    pub tau_syn: TauSynChoice,
}

/// The neuron population's NIR node. Its parameters make every weight factor exactly 1
/// (`tau / r` for LIF, `1 / r` for IF, `tau_syn / w_in` for CubaLIF), so NIR weights are lsm's
/// weights bit for bit.
struct Population {
    kind: NodeKind,
    /// The `bias` of the first input projection (LIF, IF); `None`: no bias (CubaLIF).
    bias: Option<Vec<f64>>,
}

fn scalar_or_array(p: &Param) -> MetaValue {
    match p {
        Param::Scalar(x) => MetaValue::Num(*x),
        Param::PerNeuron(v) => MetaValue::Nums(v.clone()),
    }
}

/// Refuse what NIR cannot express, naming the file and the field.
fn check_expressible(spec: &NetworkSpec, file: &str) -> Result<()> {
    let ne = &spec.neuron;
    for (name, list) in [("recurrent", &spec.recurrent), ("input", &spec.input)] {
        if list.stp.is_some() {
            return Err(field_err(
                file,
                format!("{name}.stp"),
                "dynamic synapses cannot be written as NIR (NIR's connections are static): expected no \"stp\"",
            ));
        }
    }
    if ne.model == ModelKind::Hh {
        return Err(field_err(
            file,
            "neuron.model",
            "Hodgkin-Huxley neurons cannot be written as NIR (NIR has LIF, CubaLIF and IF neurons)",
        ));
    }
    if ne.model == ModelKind::Izhikevich {
        return Err(field_err(
            file,
            "neuron.model",
            "Izhikevich neurons cannot be written as NIR (NIR has LIF, CubaLIF and IF neurons, no quadratic membrane with a recovery variable)",
        ));
    }
    if ne.model == ModelKind::Theta {
        return Err(field_err(
            file,
            "neuron.model",
            "theta neurons cannot be written as NIR (NIR has LIF, CubaLIF and IF neurons, no phase model)",
        ));
    }
    if !ne.adapt_mv.is_all_zero() {
        return Err(field_err(
            file,
            "neuron.adapt_mv",
            "threshold adaptation cannot be written as NIR (no NIR neuron adapts its threshold): expected 0",
        ));
    }
    if !ne.adapt_current_na.is_all_zero() {
        return Err(field_err(
            file,
            "neuron.adapt_current_na",
            "an adaptation current cannot be written as NIR (no NIR neuron has one): expected 0",
        ));
    }
    if ne.reset == crate::spec::ResetKind::Subtract {
        return Err(field_err(
            file,
            "neuron.reset",
            "reset by subtraction cannot be written as NIR (NIR's LIF and IF reset to v_reset): expected \"value\"",
        ));
    }
    if !ne.i_noise_na.is_all_zero() {
        return Err(field_err(
            file,
            "neuron.i_noise_na",
            "a noise current cannot be written as NIR (NIR graphs are deterministic): expected 0",
        ));
    }
    if ne.background.is_some() {
        return Err(field_err(
            file,
            "neuron.background",
            "a Poisson background drive cannot be written as NIR (NIR graphs are deterministic): expected null",
        ));
    }
    if ne.synapse == SynapseKind::ExpConductance {
        return Err(field_err(
            file,
            "neuron.synapse",
            "\"exp_conductance\" synapses cannot be written as NIR (NIR has no conductance synapse): expected \"exp_current\" or \"delta\"",
        ));
    }
    if !ne.leaky && ne.synapse == SynapseKind::ExpCurrent {
        return Err(field_err(
            file,
            "neuron.synapse",
            "non-leaky neurons with \"exp_current\" synapses cannot be written as NIR (NIR's IF has no synaptic current): expected \"delta\"",
        ));
    }
    Ok(())
}

fn population(spec: &NetworkSpec, file: &str, opts: &ExportOptions) -> Result<(Population, Meta)> {
    let n = spec.n_neurons;
    let ne = &spec.neuron;
    let tau_s: Vec<f64> = ne.tau_m_ms.expand(n).into_iter().map(ms_to_s).collect();
    let r = ne.r_mohm.expand(n);
    let i_bias = ne.i_bias_na.expand(n);
    let v_rest = ne.v_rest_mv.expand(n);
    let v_threshold = ne.v_th_mv.expand(n);
    let v_reset = ne.v_reset_mv.expand(n);
    let mut meta = Meta::new();
    let mut hint = |key: &str, p: &Param| {
        meta.insert(key.into(), scalar_or_array(p));
    };
    hint("lsm_tau_m_ms", &ne.tau_m_ms);
    hint("lsm_r_mohm", &ne.r_mohm);
    hint("lsm_i_bias_na", &ne.i_bias_na);
    if !ne.t_ref_ms.is_all_zero() {
        hint("lsm_t_ref_ms", &ne.t_ref_ms);
    }
    if let Some(v) = &ne.v_init_mv {
        hint("lsm_v_init_mv", v);
    }
    // LIF (r = tau) and IF (r = 1): `r b` must be lsm's `r_mohm i_bias / tau_m` per second.
    let bias_over_tau: Vec<f64> = (0..n).map(|i| r[i] * i_bias[i] / tau_s[i]).collect();
    let pop = match (ne.leaky, ne.synapse) {
        (true, SynapseKind::Delta) => Population {
            kind: NodeKind::Lif {
                r: tau_s.clone(),
                tau: tau_s,
                v_leak: v_rest,
                v_threshold,
                v_reset,
            },
            bias: Some(bias_over_tau),
        },
        (false, SynapseKind::Delta) => {
            hint("lsm_v_rest_mv", &ne.v_rest_mv);
            Population {
                kind: NodeKind::If {
                    r: vec![1.0; n],
                    v_threshold,
                    v_reset,
                },
                bias: Some(bias_over_tau),
            }
        }
        (_, SynapseKind::ExpConductance) => {
            return Err(field_err(
                file,
                "neuron.synapse",
                "\"exp_conductance\" synapses cannot be written as NIR: expected \"exp_current\" or \"delta\"",
            ))
        }
        // Non-leaky with exp_current was refused by check_expressible.
        (_, SynapseKind::ExpCurrent) => {
            let (Some(exc), Some(inh)) = (&ne.tau_syn_exc_ms, &ne.tau_syn_inh_ms) else {
                unreachable!("a validated exp_current network has both synaptic time constants")
            };
            let tau_syn_ms = match opts.tau_syn {
                TauSynChoice::Refuse => {
                    let (e, i) = (exc.expand(n), inh.expand(n));
                    if let Some(k) = (0..n).find(|&k| e[k] != i[k]) {
                        return Err(field_err(
                            file,
                            "neuron.tau_syn_inh_ms",
                            format!(
                                "NIR's CubaLIF has one synaptic time constant per neuron, but neuron {k} has tau_syn_exc_ms {} and tau_syn_inh_ms {}: expected equal values (or choose one with --tau-syn exc|inh, which changes the other synapses' dynamics)",
                                e[k], i[k]
                            ),
                        ));
                    }
                    exc
                }
                TauSynChoice::Exc => exc,
                TauSynChoice::Inh => inh,
            };
            hint("lsm_tau_syn_ms", tau_syn_ms);
            hint("lsm_v_rest_mv", &ne.v_rest_mv);
            let tau_syn: Vec<f64> = tau_syn_ms.expand(n).into_iter().map(ms_to_s).collect();
            let v_leak: Vec<f64> = (0..n).map(|i| v_rest[i] + r[i] * i_bias[i]).collect();
            Population {
                kind: NodeKind::CubaLif {
                    w_in: tau_syn.clone(),
                    tau_syn,
                    tau_mem: tau_s,
                    r,
                    v_leak,
                    v_threshold,
                    v_reset,
                },
                bias: None,
            }
        }
    };
    Ok((pop, meta))
}

/// The delay of synapse `s` as exported: exact, or (`steps`) rounded to whole steps of `dt`
/// as the simulator rounds it.
fn delay_of(list: &SynapseList, s: usize, steps: Option<f64>) -> Option<f64> {
    let d = list.delay_ms.as_ref()?[s];
    Some(match steps {
        Some(dt) => (d / dt).round() * dt,
        None => d,
    })
}

/// The delay groups of a list with `delay_ms`: group `k` holds each presynaptic element's
/// `k`-th smallest distinct delay (a NIR `Delay` has one delay per element), so a network
/// whose neurons each send with a few delays needs a few groups, not one per delay value.
struct Groups {
    /// The group of each synapse.
    rank: Vec<usize>,
    /// Per group, the delay of each presynaptic element, ms (0 where the element has no
    /// synapse in the group).
    delays: Vec<Vec<f64>>,
}

fn delay_groups(list: &SynapseList, n_src: usize, steps: Option<f64>) -> Option<Groups> {
    list.delay_ms.as_ref()?;
    let mut per_pre: Vec<Vec<f64>> = vec![Vec::new(); n_src];
    for s in 0..list.len() {
        per_pre[list.pre[s] as usize].extend(delay_of(list, s, steps));
    }
    for v in &mut per_pre {
        v.sort_by(f64::total_cmp);
        v.dedup_by(|a, b| a.to_bits() == b.to_bits());
    }
    let rank = (0..list.len())
        .map(|s| {
            let d = delay_of(list, s, steps).unwrap_or(0.0);
            let v = &per_pre[list.pre[s] as usize];
            v.partition_point(|x| x.total_cmp(&d).is_lt())
        })
        .collect();
    let n_groups = per_pre.iter().map(Vec::len).max().unwrap_or(0);
    let delays = (0..n_groups)
        .map(|k| {
            per_pre
                .iter()
                .map(|v| v.get(k).copied().unwrap_or(0.0))
                .collect()
        })
        .collect();
    Some(Groups { rank, delays })
}

/// Write one synapse list as projections into `neurons` from `source` (of `n_src` elements).
#[allow(clippy::too_many_arguments)]
fn project(
    g: &mut NirGraph,
    list: &SynapseList,
    prefix: &str,
    source: &str,
    n_src: usize,
    n: usize,
    bias: Option<Vec<f64>>,
    dt_ms: f64,
    steps: Option<f64>,
) {
    // An empty list with `delay_ms` still gets one (zero) projection behind a Delay, so that
    // import gives `delay_ms: []` back.
    let groups = delay_groups(list, n_src, steps);
    let keys: Vec<Option<Vec<f64>>> = match &groups {
        None => vec![None],
        Some(gr) if gr.delays.is_empty() => vec![Some(vec![dt_ms; n_src])],
        Some(gr) => gr.delays.iter().cloned().map(Some).collect(),
    };
    let mut bias = bias;
    for (k, key) in keys.into_iter().enumerate() {
        let mut w = Dense {
            rows: n,
            cols: n_src,
            data: vec![0.0; n * n_src],
        };
        for s in 0..list.len() {
            if groups.as_ref().map_or(0, |gr| gr.rank[s]) != k {
                continue;
            }
            let (pre, post) = (list.pre[s] as usize, list.post[s] as usize);
            w.data[post * n_src + pre] += list.weight[s];
        }
        let weight_name = match key {
            None => format!("{prefix}_weight"),
            Some(_) => format!("{prefix}_weight_{k}"),
        };
        let kind = match bias.take() {
            Some(b) => NodeKind::Affine { weight: w, bias: b },
            None => NodeKind::Linear { weight: w },
        };
        g.push(&weight_name, kind);
        match key {
            Some(d) => {
                let dn = format!("{prefix}_delay_{k}");
                // The exact delays in ms (seconds do not always convert back bit for bit).
                let exact = match d.first() {
                    Some(&x) if d.iter().all(|y| y.to_bits() == x.to_bits()) => MetaValue::Num(x),
                    _ => MetaValue::Nums(d.clone()),
                };
                g.push(
                    &dn,
                    NodeKind::Delay {
                        delay: d.into_iter().map(ms_to_s).collect(),
                    },
                );
                if let Some((_, node)) = g.nodes.last_mut() {
                    node.metadata.insert("lsm_delay_ms".into(), exact);
                }
                g.edge(source, &dn);
                g.edge(&dn, &weight_name);
            }
            None => g.edge(source, &weight_name),
        }
        g.edge(&weight_name, "neurons");
    }
}

/// The dense cost of a list: one `n_post x n_src` matrix per delay group.
fn dense_entries(list: &SynapseList, n_src: usize, n: usize, steps: Option<f64>) -> f64 {
    let groups = delay_groups(list, n_src, steps).map_or(1, |g| g.delays.len().max(1));
    groups as f64 * n_src as f64 * n as f64
}

/// Map a network to a NIR graph (see the module documentation for the mapping); `file` names
/// the network in errors.
///
/// # Errors
/// [`crate::ReservoirError::Field`] naming the field NIR cannot express, validation errors of
/// the network, or [`crate::ReservoirError::Limit`] when the dense weight matrices cost more
/// than [`Limit::Synapses`] entries or [`Limit::MemoryBytes`].
pub fn to_nir(spec: &NetworkSpec, file: &str, opts: &ExportOptions) -> Result<NirGraph> {
    spec.validate_named(file)?;
    check_expressible(spec, file)?;
    let (n, n_in) = (spec.n_neurons, spec.n_inputs);
    let has_recurrent = !(spec.recurrent.is_empty() && spec.recurrent.delay_ms.is_none());
    let cost = |steps: Option<f64>| {
        let rec = if has_recurrent {
            dense_entries(&spec.recurrent, n, n, steps)
        } else {
            0.0
        };
        rec + dense_entries(&spec.input, n_in, n, steps)
    };
    let fits = |entries: f64| -> Result<()> {
        let what = format!(
            "{file}: the dense NIR weight matrices (one n_neurons x source matrix per delay group)"
        );
        limit(Limit::Synapses, entries, what.clone())?;
        limit(Limit::MemoryBytes, entries * 8.0, what)?;
        Ok(())
    };
    // One matrix per distinct delay; when that is too much (delays drawn at random), one
    // per whole number of steps: the delays rounded as the simulator rounds them.
    let steps = match fits(cost(None)) {
        Ok(()) => None,
        Err(e) => {
            let quantised = cost(Some(spec.dt_ms));
            fits(quantised).map_err(|_| e)?;
            Some(spec.dt_ms)
        }
    };
    let (Population { kind: pop, bias }, meta) = population(spec, file, opts)?;
    let mut g = NirGraph::default();
    g.metadata
        .insert("dt".into(), MetaValue::Num(ms_to_s(spec.dt_ms)));
    g.metadata
        .insert("lsm_dt_ms".into(), MetaValue::Num(spec.dt_ms));
    if let Some(m) = &spec.meta {
        g.metadata
            .insert("lsm_meta".into(), MetaValue::Text(m.to_string()));
    }
    g.push(
        "input",
        NodeKind::Input {
            shape: vec![n_in as i64],
        },
    );
    project(
        &mut g,
        &spec.input,
        "input",
        "input",
        n_in,
        n,
        bias,
        spec.dt_ms,
        steps,
    );
    g.nodes.push((
        "neurons".into(),
        super::graph::NirNode {
            kind: pop,
            metadata: meta,
        },
    ));
    if has_recurrent {
        let rec = &spec.recurrent;
        project(
            &mut g,
            rec,
            "recurrent",
            "neurons",
            n,
            n,
            None,
            spec.dt_ms,
            steps,
        );
    }
    g.push(
        "output",
        NodeKind::Output {
            shape: vec![n as i64],
        },
    );
    g.edge("neurons", "output");
    Ok(g)
}
