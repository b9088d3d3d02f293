//! Tests of the NIR mapping: export -> import round trips, the weight and unit conventions
//! against NIR's equations, and every refusal.

use super::*;
use crate::generate::{Delay, GeneratorConfig, WeightDist};
use crate::spec::{ModelKind, NetworkSpec, NeuronSpec, Param, SynapseKind, SynapseList};
use crate::ReservoirError;

fn opts() -> ExportOptions {
    ExportOptions::default()
}

/// export -> import, and the re-export of the import is the same graph.
fn round_trip(spec: &NetworkSpec) -> NetworkSpec {
    let g = to_nir(spec, "net.json", &opts()).expect("exportable");
    let back = from_nir(&g, "net.nir", &ImportOptions::default()).expect("importable");
    let g2 = to_nir(&back, "back.json", &opts()).expect("re-exportable");
    assert_eq!(g, g2, "export(import(export(x))) == export(x)");
    back
}

fn exp_current_equal_tau() -> NeuronSpec {
    NeuronSpec {
        tau_syn_exc_ms: Some(4.0.into()),
        tau_syn_inh_ms: Some(4.0.into()),
        ..NeuronSpec::default()
    }
}

fn generated(neuron: NeuronSpec, delay: Delay, dist: WeightDist) -> NetworkSpec {
    let cfg = GeneratorConfig {
        n_neurons: Some(60),
        neuron,
        delay,
        weight_dist: dist,
        v_init_uniform_mv: Some([0.0, 13.0]),
        ..GeneratorConfig::default()
    };
    cfg.generate(3, 7).expect("generates")
}

#[test]
fn generated_exp_current_network_round_trips_bit_exactly() {
    // Random weights (gamma), per-neuron initial potentials, delays, bias 13.5 nA, t_ref 2 ms,
    // the generator's meta: every field comes back bit for bit.
    let spec = generated(
        exp_current_equal_tau(),
        Delay::Constant { ms: 1.5 },
        WeightDist::Gamma { shape: 2.0 },
    );
    assert!(!spec.recurrent.is_empty() && !spec.input.is_empty());
    let back = round_trip(&spec);
    assert_eq!(back, spec);
    assert_eq!(back.to_json_string(), spec.to_json_string());
}

#[test]
fn generated_delta_networks_round_trip_bit_exactly() {
    for leaky in [true, false] {
        let neuron = NeuronSpec {
            leaky,
            synapse: SynapseKind::Delta,
            tau_syn_exc_ms: None,
            tau_syn_inh_ms: None,
            tau_m_ms: Param::PerNeuron((0..60).map(|i| 10.0 + 0.37 * i as f64).collect()),
            r_mohm: 0.7.into(),
            ..NeuronSpec::default()
        };
        let spec = generated(
            neuron,
            Delay::Constant { ms: 0.8 },
            WeightDist::Uniform {
                low: 0.5,
                high: 1.5,
            },
        );
        let back = round_trip(&spec);
        assert_eq!(back, spec, "leaky = {leaky}");
    }
}

#[test]
fn random_delays_round_trip_exactly_when_the_matrices_fit() {
    let spec = generated(
        exp_current_equal_tau(),
        Delay::Uniform {
            min_ms: 0.5,
            max_ms: 2.0,
        },
        WeightDist::Constant,
    );
    assert_eq!(round_trip(&spec), spec);
}

#[test]
fn hand_written_network_without_delays_round_trips() {
    // No delay_ms (one step each), scalar parameters, v_init, no meta.
    let mut spec = NetworkSpec::new(0.25, 3, 2, exp_current_equal_tau());
    spec.neuron.v_init_mv = Some(1.0.into());
    spec.recurrent = SynapseList {
        pre: vec![0, 0, 2],
        post: vec![1, 2, 0],
        weight: vec![0.2, -1.0, 3.0],
        delay_ms: None,
        stp: None,
    };
    spec.input = SynapseList {
        pre: vec![0, 1],
        post: vec![0, 2],
        weight: vec![0.5, 0.25],
        delay_ms: None,
        stp: None,
    };
    let g = to_nir(&spec, "n", &opts()).unwrap();
    assert!(g
        .nodes
        .iter()
        .all(|(_, x)| !matches!(x.kind, NodeKind::Delay { .. })));
    assert_eq!(round_trip(&spec), spec);
}

#[test]
fn graph_layout_and_nir_parameters_follow_the_documented_mapping() {
    let mut spec = NetworkSpec::new(0.1, 2, 1, exp_current_equal_tau());
    // Neuron 0 sends with delays 1 and 2 ms, neuron 1 with 2 ms: two delay groups, group k
    // holding each neuron's k-th smallest delay.
    spec.recurrent = SynapseList {
        pre: vec![0, 0, 1],
        post: vec![0, 1, 0],
        weight: vec![0.5, 2.0, -3.0],
        delay_ms: Some(vec![2.0, 1.0, 2.0]),
        stp: None,
    };
    spec.input = SynapseList {
        pre: vec![0],
        post: vec![1],
        weight: vec![0.5],
        delay_ms: None,
        stp: None,
    };
    let g = to_nir(&spec, "n", &opts()).unwrap();
    assert_eq!(round_trip(&spec), spec);
    let names: Vec<&str> = g.nodes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "input",
            "input_weight",
            "neurons",
            "recurrent_weight_0",
            "recurrent_delay_0",
            "recurrent_weight_1",
            "recurrent_delay_1",
            "output"
        ]
    );
    assert_eq!(g.metadata.get("dt"), Some(&MetaValue::Num(0.1 / 1000.0)));
    let NodeKind::CubaLif {
        tau_syn,
        tau_mem,
        r,
        v_leak,
        w_in,
        ..
    } = &g.node("neurons").unwrap().kind
    else {
        panic!("CubaLIF expected")
    };
    // Seconds; the bias folded into v_leak = v_rest + r i_bias = 0 + 1 * 13.5.
    assert_eq!(tau_syn, &vec![0.004; 2]);
    assert_eq!(tau_mem, &vec![0.03; 2]);
    assert_eq!(r, &vec![1.0; 2]);
    assert_eq!(v_leak, &vec![13.5; 2]);
    // NIR: tau_syn dI/dt = -I + w_in W S, so a spike makes I jump by w_in W / tau_syn: with
    // w_in = tau_syn that is W itself, lsm's weight in nA.
    assert_eq!(w_in, tau_syn);
    let delay_of = |name: &str| match &g.node(name).unwrap().kind {
        NodeKind::Delay { delay } => delay.clone(),
        other => panic!("{other:?}"),
    };
    let weight_of = |name: &str| match &g.node(name).unwrap().kind {
        NodeKind::Linear { weight } => weight.data.clone(),
        other => panic!("{other:?}"),
    };
    // [post][pre]: group 0 has 0 -> 1 (1 ms) and 1 -> 0 (2 ms); group 1 has 0 -> 0 (2 ms).
    assert_eq!(delay_of("recurrent_delay_0"), vec![0.001, 0.002]);
    assert_eq!(weight_of("recurrent_weight_0"), vec![0.0, -3.0, 2.0, 0.0]);
    assert_eq!(delay_of("recurrent_delay_1"), vec![0.002, 0.0]);
    assert_eq!(weight_of("recurrent_weight_1"), vec![0.5, 0.0, 0.0, 0.0]);
    let NodeKind::Linear { weight } = &g.node("input_weight").unwrap().kind else {
        panic!("Linear expected")
    };
    assert_eq!(
        (weight.rows, weight.cols, weight.data.clone()),
        (2, 1, vec![0.0, 0.5])
    );
    assert!(g
        .edges
        .contains(&("recurrent_delay_1".into(), "recurrent_weight_1".into())));
    assert!(g
        .edges
        .contains(&("neurons".into(), "recurrent_delay_0".into())));
}

#[test]
fn delta_lif_weights_are_voltage_jumps_by_nirs_equation() {
    // LIF: tau dv/dt = (v_leak - v) + r I. A Dirac spike of weight W makes v jump by r W / tau;
    // an Affine bias b adds r b / tau per second, lsm's r_mohm i_bias / tau_m.
    let neuron = NeuronSpec {
        synapse: SynapseKind::Delta,
        tau_syn_exc_ms: None,
        tau_syn_inh_ms: None,
        tau_m_ms: 20.0.into(),
        r_mohm: 2.0.into(),
        i_bias_na: 3.0.into(),
        ..NeuronSpec::default()
    };
    let mut spec = NetworkSpec::new(0.1, 1, 1, neuron);
    spec.input = SynapseList {
        pre: vec![0],
        post: vec![0],
        weight: vec![1.5],
        delay_ms: None,
        stp: None,
    };
    let g = to_nir(&spec, "n", &opts()).unwrap();
    let NodeKind::Lif { tau, r, .. } = &g.node("neurons").unwrap().kind else {
        panic!()
    };
    let NodeKind::Affine { weight, bias } = &g.node("input_weight").unwrap().kind else {
        panic!()
    };
    assert!((r[0] * weight.data[0] / tau[0] - 1.5).abs() < 1e-12);
    // dv/dt from the bias, per second: lsm 2 MΩ * 3 nA / 0.02 s = 300 mV/s.
    assert!((r[0] * bias[0] / tau[0] - 300.0).abs() < 1e-9);
}

#[test]
fn python_style_graph_with_other_conventions_imports_by_the_equations() {
    // A LIF graph as another tool writes it: r = 1, no lsm extras, delay per element.
    let mut g = NirGraph::default();
    g.metadata.insert("dt".into(), MetaValue::Num(0.001));
    g.push("in", NodeKind::Input { shape: vec![2] });
    g.push(
        "d",
        NodeKind::Delay {
            delay: vec![0.002, 0.003],
        },
    );
    g.push(
        "fc",
        NodeKind::Affine {
            weight: Dense {
                rows: 2,
                cols: 2,
                data: vec![0.0, 0.04, 0.02, 0.0],
            },
            bias: vec![0.5, 0.0],
        },
    );
    g.push(
        "lif",
        NodeKind::Lif {
            tau: vec![0.02; 2],
            r: vec![1.0; 2],
            v_leak: vec![-1.0; 2],
            v_threshold: vec![1.0, 2.0],
            v_reset: vec![0.0; 2],
        },
    );
    g.push("out", NodeKind::Output { shape: vec![2] });
    for (a, b) in [("in", "d"), ("d", "fc"), ("fc", "lif"), ("lif", "out")] {
        g.edge(a, b);
    }
    let spec = from_nir(&g, "py.nir", &ImportOptions::default()).unwrap();
    assert_eq!(spec.dt_ms, 1.0);
    assert_eq!((spec.n_neurons, spec.n_inputs), (2, 2));
    assert_eq!(spec.neuron.tau_m_ms, Param::Scalar(20.0));
    assert_eq!(spec.neuron.v_rest_mv, Param::Scalar(-1.0));
    assert_eq!(spec.neuron.v_th_mv, Param::PerNeuron(vec![1.0, 2.0]));
    assert_eq!(spec.neuron.synapse, SynapseKind::Delta);
    // (pre, post) order; jumps r W / tau = W / 0.02 mV; delays of the presynaptic element.
    assert_eq!(spec.input.pre, vec![0, 1]);
    assert_eq!(spec.input.post, vec![1, 0]);
    assert!((spec.input.weight[0] - 1.0).abs() < 1e-12);
    assert!((spec.input.weight[1] - 2.0).abs() < 1e-12);
    assert_eq!(spec.input.delay_ms, Some(vec![2.0, 3.0]));
    // Bias: r b / tau = 25 mV/s = r_mohm i_bias / tau_m with r_mohm = 1: i_bias = 0.5 nA.
    let b = spec.neuron.i_bias_na.expand(2);
    assert!((b[0] - 0.5).abs() < 1e-12 && b[1] == 0.0);
    assert!(spec.recurrent.is_empty() && spec.recurrent.delay_ms.is_none());
}

fn refused_field(spec: &NetworkSpec, o: &ExportOptions) -> String {
    match to_nir(spec, "net.json", o) {
        Err(ReservoirError::Field { file, field, msg }) => {
            assert_eq!(file, "net.json");
            assert!(!msg.is_empty());
            field
        }
        other => panic!("expected a field error, found {other:?}"),
    }
}

#[test]
fn export_refuses_what_nir_cannot_express_naming_the_field() {
    let base = NetworkSpec::new(0.1, 2, 1, exp_current_equal_tau());
    let mut hh = NetworkSpec::new(0.01, 2, 1, NeuronSpec::hodgkin_huxley());
    hh.neuron.tau_syn_inh_ms = hh.neuron.tau_syn_exc_ms.clone();
    assert_eq!(refused_field(&hh, &opts()), "neuron.model");
    let mut s = base.clone();
    s.neuron.adapt_mv = 1.0.into();
    s.neuron.tau_adapt_ms = Some(100.0.into());
    assert_eq!(refused_field(&s, &opts()), "neuron.adapt_mv");
    let mut s = base.clone();
    s.neuron.i_noise_na = 0.5.into();
    assert_eq!(refused_field(&s, &opts()), "neuron.i_noise_na");
    let mut s = base.clone();
    s.neuron.background = Some(crate::spec::Background {
        n_sources: 10,
        rate_hz: 5.0,
        weight: 0.1,
    });
    assert_eq!(refused_field(&s, &opts()), "neuron.background");
    let mut s = base.clone();
    s.neuron.leaky = false;
    assert_eq!(refused_field(&s, &opts()), "neuron.synapse");
    // Different exc and inh synaptic time constants: refused, unless one is chosen.
    let s = NetworkSpec::new(0.1, 2, 1, NeuronSpec::default());
    assert_eq!(refused_field(&s, &opts()), "neuron.tau_syn_inh_ms");
    for (choice, want) in [(TauSynChoice::Exc, 3.0), (TauSynChoice::Inh, 6.0)] {
        let g = to_nir(&s, "n", &ExportOptions { tau_syn: choice }).unwrap();
        let back = from_nir(&g, "n", &ImportOptions::default()).unwrap();
        assert_eq!(back.neuron.tau_syn_exc_ms, Some(Param::Scalar(want)));
        assert_eq!(back.neuron.tau_syn_inh_ms, Some(Param::Scalar(want)));
    }
}

#[test]
fn export_checks_the_dense_size_before_allocating() {
    // 2^31 - 1 neurons would be a 2^62-entry matrix: a limit error, not an allocation.
    let mut spec = NetworkSpec::new(0.1, 200_000, 1, exp_current_equal_tau());
    spec.recurrent = SynapseList {
        pre: vec![0],
        post: vec![1],
        weight: vec![1.0],
        delay_ms: None,
        stp: None,
    };
    match to_nir(&spec, "big.json", &opts()) {
        Err(ReservoirError::Limit(e)) => assert!(e.what.contains("big.json"), "{e}"),
        other => panic!("expected a limit error, found {other:?}"),
    }
}

fn simple_graph() -> NirGraph {
    let mut spec = NetworkSpec::new(0.1, 2, 1, exp_current_equal_tau());
    spec.recurrent = SynapseList {
        pre: vec![0],
        post: vec![1],
        weight: vec![1.0],
        delay_ms: None,
        stp: None,
    };
    spec.input = SynapseList {
        pre: vec![0],
        post: vec![0],
        weight: vec![1.0],
        delay_ms: None,
        stp: None,
    };
    to_nir(&spec, "n", &opts()).unwrap()
}

fn refused_node(g: &NirGraph, o: &ImportOptions) -> (String, String) {
    match from_nir(g, "g.nir", o) {
        Err(ReservoirError::Nir { file, node, msg }) => {
            assert_eq!(file, "g.nir");
            (node, msg)
        }
        other => panic!("expected a NIR node error, found {other:?}"),
    }
}

#[test]
fn import_refuses_graphs_it_cannot_map_naming_the_node_and_type() {
    // An unknown type.
    let mut g = simple_graph();
    g.push(
        "conv",
        NodeKind::Other {
            type_name: "Conv2d".into(),
        },
    );
    let (node, msg) = refused_node(&g, &ImportOptions::default());
    assert_eq!(node, "conv");
    assert!(msg.contains("Conv2d"), "{msg}");
    // A second population.
    let mut g = simple_graph();
    let pop = g.node("neurons").unwrap().kind.clone();
    g.push("neurons2", pop);
    let (node, msg) = refused_node(&g, &ImportOptions::default());
    assert_eq!(node, "neurons2");
    assert!(msg.contains("second neuron population"), "{msg}");
    // A direct edge input -> neurons.
    let mut g = simple_graph();
    g.edge("input", "neurons");
    let (node, msg) = refused_node(&g, &ImportOptions::default());
    assert_eq!(node, "input");
    assert!(msg.contains("directly"), "{msg}");
    // A weight of the wrong shape.
    let mut g = simple_graph();
    if let Some((_, x)) = g.nodes.iter_mut().find(|(n, _)| n == "recurrent_weight") {
        x.kind = NodeKind::Linear {
            weight: Dense {
                rows: 2,
                cols: 3,
                data: vec![0.0; 6],
            },
        };
    }
    let (node, msg) = refused_node(&g, &ImportOptions::default());
    assert_eq!(node, "recurrent_weight");
    assert!(msg.contains("2 x 3"), "{msg}");
    // A bias into a CubaLIF.
    let mut g = simple_graph();
    if let Some((_, x)) = g.nodes.iter_mut().find(|(n, _)| n == "input_weight") {
        let NodeKind::Linear { weight } = x.kind.clone() else {
            panic!()
        };
        x.kind = NodeKind::Affine {
            weight,
            bias: vec![1.0, 0.0],
        };
    }
    let (node, msg) = refused_node(&g, &ImportOptions::default());
    assert_eq!(node, "input_weight");
    assert!(msg.contains("CubaLIF"), "{msg}");
    // An Output of another size than the population.
    let mut g = simple_graph();
    if let Some((_, x)) = g.nodes.iter_mut().find(|(n, _)| n == "output") {
        x.kind = NodeKind::Output { shape: vec![3] };
    }
    let (node, msg) = refused_node(&g, &ImportOptions::default());
    assert_eq!(node, "output");
    assert!(msg.contains("[2]"), "{msg}");
    // No dt: refused unless given.
    let mut g = simple_graph();
    g.metadata.clear();
    let (node, msg) = refused_node(&g, &ImportOptions::default());
    assert_eq!(node, "metadata");
    assert!(msg.contains("--dt-ms"), "{msg}");
    let spec = from_nir(&g, "g.nir", &ImportOptions { dt_ms: Some(0.5) }).unwrap();
    assert_eq!(spec.dt_ms, 0.5);
}

#[test]
fn unit_inversion_is_exact_for_every_value_the_export_writes() {
    // s_to_ms(ms_to_s(x)) == x for decimal values; and for any x, ms_to_s of the result is
    // the stored value (import then export reproduces the file).
    for x in [
        0.1, 0.25, 1.0, 1.5, 2.0, 3.0, 3.95, 31.7, 63.9, 1e-3, 123.456,
    ] {
        assert_eq!(s_to_ms(ms_to_s(x)), x, "{x}");
    }
    let mut v = 1.953125f64;
    for _ in 0..2000 {
        v = v * 1.000_37 + 0.001;
        let s = ms_to_s(v);
        assert_eq!(ms_to_s(s_to_ms(s)), s, "{v}");
    }
}

#[test]
fn model_kind_of_imports_is_lif() {
    let g = simple_graph();
    let spec = from_nir(&g, "g", &ImportOptions::default()).unwrap();
    assert_eq!(spec.neuron.model, ModelKind::Lif);
}
