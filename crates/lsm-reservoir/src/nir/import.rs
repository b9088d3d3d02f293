//! NIR graph -> lsm network.

use super::graph::{Dense, MetaValue, NirGraph, NodeKind};
use super::population::{err, hinted, param, population};
use super::{invert, ms_to_s, s_to_ms};
use crate::error::{limit, Result};
use crate::spec::{NetworkSpec, Param, SynapseList};
use lsm_core::limits::Limit;

/// Options of [`from_nir`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    /// The simulation step, ms; overrides the graph metadata `dt` (needed when it is absent).
    pub dt_ms: Option<f64>,
}

/// One synapse read from a weight matrix: `(pre, post, weight, delay_ms)`.
type Synapse = (u32, u32, f64, Option<f64>);

/// Where a projection's input comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Input,
    Neurons,
}

struct Projection<'a> {
    name: &'a str,
    source: Source,
    weight: &'a Dense,
    bias: Option<&'a [f64]>,
    /// `(delay node, one delay per source element, s)`.
    delay: Option<(&'a str, &'a [f64])>,
}

fn is_neuron(k: &NodeKind) -> bool {
    matches!(
        k,
        NodeKind::Lif { .. } | NodeKind::CubaLif { .. } | NodeKind::If { .. }
    )
}

/// Map a NIR graph to one lsm network (see the module documentation for what is accepted);
/// `file` names the graph in errors.
///
/// # Errors
/// [`ReservoirError::Nir`](crate::ReservoirError::Nir) naming the node (and its type) that cannot be mapped, a limit error
/// when the synapses cost too much, or a validation error of the resulting network.
pub fn from_nir(g: &NirGraph, file: &str, opts: &ImportOptions) -> Result<NetworkSpec> {
    // 1. Every node is of a mapped type; one neuron population; at most one input.
    for (name, node) in &g.nodes {
        if let NodeKind::Other { type_name } = &node.kind {
            return Err(err(
                file,
                name,
                format!("type {type_name} cannot be mapped to an lsm network (lsm maps Input, Output, Affine, Linear, Delay and one population of LIF, CubaLIF or IF neurons)"),
            ));
        }
    }
    let pops: Vec<&str> = g
        .nodes
        .iter()
        .filter(|(_, x)| is_neuron(&x.kind))
        .map(|(n, _)| n.as_str())
        .collect();
    let pop_name = match pops.as_slice() {
        [one] => *one,
        [] => return Err(err(file, "nodes", "no neuron population (LIF, CubaLIF or IF): expected one")),
        [first, second, ..] => {
            return Err(err(
                file,
                second,
                format!("a second neuron population (the first is `{first}`): an lsm network has one population"),
            ))
        }
    };
    let pop_node = g.node(pop_name).expect("listed");
    let inputs: Vec<&str> = g
        .nodes
        .iter()
        .filter(|(_, x)| matches!(x.kind, NodeKind::Input { .. }))
        .map(|(n, _)| n.as_str())
        .collect();
    if inputs.len() > 1 {
        return Err(err(
            file,
            inputs[1],
            format!(
                "a second Input node (the first is `{}`): an lsm network has one input",
                inputs[0]
            ),
        ));
    }
    let n_inputs = match inputs.first().map(|i| &g.node(i).expect("listed").kind) {
        Some(NodeKind::Input { shape }) => match shape.as_slice() {
            [k] if *k >= 0 => *k as usize,
            s => {
                return Err(err(
                    file,
                    inputs[0],
                    format!("shape {s:?}: expected one dimension (the input channels)"),
                ))
            }
        },
        _ => 0,
    };
    // 2. Edges: check each node's neighbours and collect the projections.
    let preds = |name: &str| -> Vec<&str> {
        g.edges
            .iter()
            .filter(|(_, b)| b == name)
            .map(|(a, _)| a.as_str())
            .collect()
    };
    let succs = |name: &str| -> Vec<&str> {
        g.edges
            .iter()
            .filter(|(a, _)| a == name)
            .map(|(_, b)| b.as_str())
            .collect()
    };
    for (a, b) in &g.edges {
        for x in [a, b] {
            if g.node(x).is_none() {
                return Err(err(
                    file,
                    "edges",
                    format!("edge {a} -> {b} names node `{x}`, which does not exist"),
                ));
            }
        }
    }
    let kind_of = |name: &str| &g.node(name).expect("checked").kind;
    let source_of = |name: &str| -> Option<Source> {
        match kind_of(name) {
            NodeKind::Input { .. } => Some(Source::Input),
            k if is_neuron(k) => Some(Source::Neurons),
            _ => None,
        }
    };
    let mut projections = Vec::new();
    for (name, node) in &g.nodes {
        let what = node.kind.type_name();
        match &node.kind {
            NodeKind::Affine { .. } | NodeKind::Linear { .. } => {
                let (weight, bias) = match &node.kind {
                    NodeKind::Affine { weight, bias } => (weight, Some(bias.as_slice())),
                    NodeKind::Linear { weight } => (weight, None),
                    _ => unreachable!(),
                };
                if succs(name) != [pop_name] {
                    return Err(err(file, name, format!("{what} node feeds {:?}: expected exactly the neuron population `{pop_name}`", succs(name))));
                }
                let p = preds(name);
                let [from] = p.as_slice() else {
                    return Err(err(file, name, format!("{what} node has inputs {p:?}: expected one (the Input, the population or a Delay)")));
                };
                let (source, delay) = match kind_of(from) {
                    NodeKind::Delay { delay } => {
                        let dp = preds(from);
                        match dp.as_slice() {
                            [d] if source_of(d).is_some() => (source_of(d).expect("some"), Some((*from, delay.as_slice()))),
                            _ => return Err(err(file, from, format!("Delay node has inputs {dp:?}: expected one, the Input or the population"))),
                        }
                    }
                    _ => match source_of(from) {
                        Some(s) => (s, None),
                        None => return Err(err(file, name, format!("{what} node is fed by `{from}` ({}): expected the Input, the population or a Delay", kind_of(from).type_name()))),
                    },
                };
                projections.push(Projection {
                    name,
                    source,
                    weight,
                    bias,
                    delay,
                });
            }
            NodeKind::Delay { .. } => {
                if let Some(s) = succs(name).into_iter().find(|s| {
                    !matches!(
                        kind_of(s),
                        NodeKind::Affine { .. } | NodeKind::Linear { .. }
                    )
                }) {
                    return Err(err(file, name, format!("Delay node feeds `{s}` ({}): expected a Linear or Affine projection into the population", kind_of(s).type_name())));
                }
            }
            NodeKind::Output { .. } => {
                let p = preds(name);
                if p.iter().any(|x| *x != pop_name) {
                    return Err(err(file, name, format!("Output node is fed by {p:?}: expected the neuron population `{pop_name}` only")));
                }
            }
            NodeKind::Input { .. } => {
                if let Some(s) = succs(name).into_iter().find(|s| {
                    !matches!(
                        kind_of(s),
                        NodeKind::Affine { .. } | NodeKind::Linear { .. } | NodeKind::Delay { .. }
                    )
                }) {
                    return Err(err(file, name, format!("Input node feeds `{s}` ({}) directly: expected a Linear, Affine or Delay node (lsm needs the input weights)", kind_of(s).type_name())));
                }
            }
            k if is_neuron(k) => {
                if let Some(s) = succs(name).into_iter().find(|s| {
                    !matches!(
                        kind_of(s),
                        NodeKind::Affine { .. }
                            | NodeKind::Linear { .. }
                            | NodeKind::Delay { .. }
                            | NodeKind::Output { .. }
                    )
                }) {
                    return Err(err(file, name, format!("the population feeds `{s}` ({}) directly: expected Linear, Affine, Delay or Output nodes", kind_of(s).type_name())));
                }
            }
            _ => {}
        }
    }
    // 3. Sizes: the population has one value per weight row.
    let n = projections.first().map_or_else(
        || match &pop_node.kind {
            NodeKind::Lif { v_threshold, .. }
            | NodeKind::CubaLif { v_threshold, .. }
            | NodeKind::If { v_threshold, .. } => v_threshold.len(),
            _ => 0,
        },
        |p| p.weight.rows,
    );
    for (name, node) in &g.nodes {
        if let NodeKind::Output { shape } = &node.kind {
            if shape.as_slice() != [n as i64] {
                return Err(err(
                    file,
                    name,
                    format!("shape {shape:?}: expected [{n}] (one value per neuron)"),
                ));
            }
        }
    }
    for p in &projections {
        let n_src = if p.source == Source::Input {
            n_inputs
        } else {
            n
        };
        if p.weight.rows != n || p.weight.cols != n_src {
            return Err(err(
                file,
                p.name,
                format!(
                    "field `weight` is {} x {}: expected {n} x {n_src} (neurons x {})",
                    p.weight.rows,
                    p.weight.cols,
                    if p.source == Source::Input {
                        "input channels"
                    } else {
                        "neurons"
                    }
                ),
            ));
        }
        if let Some(b) = p.bias {
            if b.len() != n {
                return Err(err(
                    file,
                    p.name,
                    format!("field `bias` has {} values, expected {n}", b.len()),
                ));
            }
        }
        if let Some((dn, d)) = p.delay {
            if d.len() != n_src && d.len() != 1 {
                return Err(err(file, dn, format!("field `delay` has {} values, expected {n_src} (one per element of its source)", d.len())));
            }
            if let Some(x) = d.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
                return Err(err(
                    file,
                    dn,
                    format!("field `delay`: expected delays >= 0 s, found {x}"),
                ));
            }
        }
    }
    let dt_ms = match (opts.dt_ms, g.metadata.get("dt")) {
        (Some(dt), _) => dt,
        (None, Some(MetaValue::Num(s))) => match g.metadata.get("lsm_dt_ms") {
            Some(MetaValue::Num(ms)) if ms_to_s(*ms) == *s => *ms,
            _ => s_to_ms(*s),
        },
        (None, Some(MetaValue::Nums(v))) if v.len() == 1 => s_to_ms(v[0]),
        (None, Some(_)) => {
            return Err(err(
                file,
                "metadata",
                "graph metadata `dt`: expected one number (the time step, s)",
            ))
        }
        (None, None) => {
            return Err(err(
                file,
                "metadata",
                "graph metadata `dt` (the time step, s) is missing: give the step with --dt-ms",
            ))
        }
    };
    // 4. The synapses: count the non-zero weights before allocating the lists.
    let nonzero: f64 = projections
        .iter()
        .map(|p| p.weight.data.iter().filter(|w| **w != 0.0).count() as f64)
        .sum();
    limit(
        Limit::Synapses,
        nonzero,
        format!("{file}: the non-zero NIR weights (synapses)"),
    )?;
    limit(
        Limit::MemoryBytes,
        nonzero * 24.0,
        format!("{file}: the synapse lists of the non-zero NIR weights"),
    )?;
    let mut pop = population(&pop_node.kind, &pop_node.metadata, file, pop_name, n)?;
    let mut bias = vec![0.0; n];
    let mut any_bias = false;
    let mut lists = [
        (SynapseList::default(), false),
        (SynapseList::default(), false),
    ];
    let mut order: [Vec<Synapse>; 2] = [Vec::new(), Vec::new()];
    for p in &projections {
        let which = usize::from(p.source == Source::Neurons);
        lists[which].1 |= p.delay.is_some();
        if let Some(b) = p.bias {
            if b.iter().any(|x| *x != 0.0) {
                if pop.bias.is_none() {
                    return Err(err(file, p.name, format!("Affine node has a non-zero bias into the CubaLIF population `{pop_name}`: NIR filters it through the synaptic current, lsm's bias current is not filtered (fold it into v_leak instead)")));
                }
                any_bias = true;
                for (acc, x) in bias.iter_mut().zip(b) {
                    *acc += x;
                }
            }
        }
        let w = p.weight;
        for pre in 0..w.cols {
            let d = p.delay.map(|(dn, d)| {
                let s = if d.len() == 1 { d[0] } else { d[pre] };
                // lsm's exact ms when it agrees with the seconds.
                match g.node(dn).and_then(|x| x.metadata.get("lsm_delay_ms")) {
                    Some(MetaValue::Num(ms)) if ms_to_s(*ms) == s => *ms,
                    Some(MetaValue::Nums(v)) if v.len() == d.len() && ms_to_s(v[pre]) == s => {
                        v[pre]
                    }
                    _ => s_to_ms(s),
                }
            });
            for post in 0..w.rows {
                let x = w.get(post, pre);
                if x != 0.0 {
                    let k = pop.k[post];
                    let w = if k == 1.0 {
                        x
                    } else {
                        invert(x, x / k, |y| y * k)
                    };
                    order[which].push((pre as u32, post as u32, w, d));
                }
            }
        }
    }
    for (which, syn) in order.iter_mut().enumerate() {
        syn.sort_by_key(|s| (s.0, s.1));
        let (list, delayed) = &mut lists[which];
        list.pre = syn.iter().map(|s| s.0).collect();
        list.post = syn.iter().map(|s| s.1).collect();
        list.weight = syn.iter().map(|s| s.2).collect();
        if *delayed {
            list.delay_ms = Some(syn.iter().map(|s| s.3.unwrap_or(dt_ms)).collect());
        }
    }
    if let Some((r_nir, tau_nir)) = &pop.bias {
        // NIR drives v by r_nir b / tau_nir per second, lsm by r_mohm i_bias / tau_m: lsm's
        // extra when it agrees exactly with what lsm writes (weight factors 1).
        let r_mohm = pop.neuron.r_mohm.expand(n);
        let tau_s: Vec<f64> = pop
            .neuron
            .tau_m_ms
            .expand(n)
            .into_iter()
            .map(ms_to_s)
            .collect();
        let exact = hinted(&pop_node.metadata, "lsm_i_bias_na", n, &bias, |x, i| {
            r_mohm[i] * x / tau_s[i]
        })
        .filter(|_| pop.k.iter().all(|&k| k == 1.0));
        pop.neuron.i_bias_na = match exact {
            Some(p) => p,
            None if any_bias => param(
                (0..n)
                    .map(|i| r_nir[i] * bias[i] / tau_nir[i] * tau_s[i] / r_mohm[i])
                    .collect(),
            ),
            None => Param::Scalar(0.0),
        };
    }
    let [(input, _), (recurrent, _)] = lists;
    let mut spec = NetworkSpec::new(dt_ms, n, n_inputs, pop.neuron);
    spec.input = input;
    spec.recurrent = recurrent;
    if let Some(MetaValue::Text(t)) = g.metadata.get("lsm_meta") {
        spec.meta = Some(serde_json::from_str(t).map_err(|e| {
            err(
                file,
                "metadata",
                format!("graph metadata `lsm_meta`: expected JSON text: {e}"),
            )
        })?);
    }
    spec.validate_named(file)?;
    Ok(spec)
}
