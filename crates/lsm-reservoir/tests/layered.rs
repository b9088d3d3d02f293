//! Layered networks: a single layer is the plain generator's network, layer offsets,
//! projection rules and signs, where the input goes, independent streams, errors naming
//! fields, and feedforward causality in simulation.

use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::generate::IzhMix;
use lsm_reservoir::spec::{NeuronSpec, SynapseKind};
use lsm_reservoir::{
    excitatory_mask, layer_ranges, Delay, Drive, GeneratorConfig, InputConfig, LayerConfig,
    LayeredConfig, Network, NetworkSpec, PairScale, Projection, ProjectionRule, RecordSpec,
    StpGenerator, Topology, WeightDist,
};

fn pop(n: usize, topology: Topology) -> GeneratorConfig {
    GeneratorConfig {
        n_neurons: Some(n),
        topology,
        ..GeneratorConfig::default()
    }
}

fn layer(name: &str, population: GeneratorConfig) -> LayerConfig {
    LayerConfig {
        name: name.into(),
        population,
    }
}

fn proj(from: &str, to: &str, rule: ProjectionRule) -> Projection {
    Projection {
        from: from.into(),
        to: to.into(),
        rule,
        weight_scale: PairScale {
            ee: 1.0,
            ei: 2.0,
            ie: 3.0,
            ii: 4.0,
        },
        weight_dist: WeightDist::Constant,
        delay: Delay::Constant { ms: 1.5 },
    }
}

fn without_meta(mut s: NetworkSpec) -> String {
    s.meta = None;
    serde_json::to_string(&s).unwrap()
}

#[test]
fn one_layer_is_the_plain_generators_network() {
    let izh = GeneratorConfig {
        neuron: NeuronSpec::izhikevich("regular-spiking").unwrap(),
        izhikevich: Some(IzhMix::default()),
        ..pop(80, Topology::FixedInDegree { k: 6 })
    };
    let cases = [
        pop(120, Topology::Random { p: 0.1 }),
        GeneratorConfig {
            v_init_uniform_mv: Some([0.0, 10.0]),
            stp: Some(StpGenerator::Maass2002),
            n_neurons: None,
            ..pop(
                0,
                Topology::MaassColumn {
                    grid: [5, 3, 3],
                    columns: 2,
                    lambda: 2.0,
                    c: PairScale {
                        ee: 0.3,
                        ei: 0.2,
                        ie: 0.4,
                        ii: 0.1,
                    },
                },
            )
        },
        izh,
        GeneratorConfig {
            dt_ms: 0.5,
            ..pop(60, Topology::SmallWorld { k: 4, beta: 0.2 })
        },
    ];
    for g in cases {
        let plain = g.generate(3, 7).unwrap();
        let l = LayeredConfig {
            dt_ms: g.dt_ms,
            layers: vec![layer("only", g.clone())],
            projections: vec![],
            input_layers: None,
        };
        let s = l.generate(3, 7).unwrap();
        assert_eq!(
            without_meta(s.clone()),
            without_meta(plain.clone()),
            "{g:?}"
        );
        assert_eq!(excitatory_mask(&s), excitatory_mask(&plain));
        let r = layer_ranges(&s).unwrap().unwrap();
        assert_eq!((r.len(), r[0].start, r[0].n), (1, 0, plain.n_neurons));
        // The config reads back from the file's meta.
        let back: LayeredConfig =
            serde_json::from_value(s.meta.as_ref().unwrap()["generator"].clone()).unwrap();
        assert_eq!(back, l);
    }
}

/// a (60, random) → b (40, feedforward) → c (50, fixed in-degree 5); input into a.
fn three() -> LayeredConfig {
    LayeredConfig {
        dt_ms: 0.1,
        layers: vec![
            layer("a", pop(60, Topology::Random { p: 0.1 })),
            layer("b", pop(40, Topology::None)),
            layer("c", pop(50, Topology::FixedInDegree { k: 5 })),
        ],
        projections: vec![
            proj("a", "b", ProjectionRule::FixedInDegree { k: 7 }),
            proj("b", "c", ProjectionRule::Random { p: 0.2 }),
            proj("c", "a", ProjectionRule::FixedOutDegree { k: 3 }),
        ],
        input_layers: None,
    }
}

fn layer_of(i: u32) -> usize {
    match i {
        0..=59 => 0,
        60..=99 => 1,
        _ => 2,
    }
}

#[test]
fn offsets_rules_signs_and_input_follow_the_config() {
    let cfg = three();
    let s = cfg.generate(4, 11).unwrap();
    assert_eq!(s.n_neurons, 150);
    let r = layer_ranges(&s).unwrap().unwrap();
    let got: Vec<(String, usize, usize)> =
        r.iter().map(|r| (r.name.clone(), r.start, r.n)).collect();
    assert_eq!(
        got,
        [
            ("a".into(), 0, 60),
            ("b".into(), 60, 40),
            ("c".into(), 100, 50)
        ]
    );
    let exc = excitatory_mask(&s).unwrap();
    assert_eq!(exc.len(), 150);
    // In-degree per (source layer, target neuron), and out-degree for c → a.
    let mut indeg = vec![[0usize; 3]; 150];
    let mut out_ca = vec![0usize; 150];
    let mut pairs = std::collections::HashSet::new();
    let rec = &s.recurrent;
    let (mut n_bc, mut n_b_rec) = (0usize, 0usize);
    for k in 0..rec.len() {
        let (i, j) = (rec.pre[k], rec.post[k]);
        assert!(pairs.insert((i, j)), "duplicate synapse {i} → {j}");
        let (li, lj) = (layer_of(i), layer_of(j));
        // Only the layers' own synapses and the declared projections.
        assert!(
            li == lj || (li, lj) == (0, 1) || (li, lj) == (1, 2) || (li, lj) == (2, 0),
            "synapse {i} → {j} crosses from layer {li} to {lj}"
        );
        indeg[j as usize][li] += 1;
        if (li, lj) == (2, 0) {
            out_ca[i as usize] += 1;
        }
        n_bc += usize::from((li, lj) == (1, 2));
        n_b_rec += usize::from((li, lj) == (1, 1));
        // Dale's law across layers; projections take their pair's scale.
        let w = rec.weight[k];
        assert_eq!(w > 0.0, exc[i as usize], "sign of {i} → {j}");
        if li != lj {
            let want = proj("x", "y", ProjectionRule::Random { p: 0.0 })
                .weight_scale
                .get(exc[i as usize], exc[j as usize]);
            assert_eq!(w.abs(), want);
            assert_eq!(rec.delay_ms.as_ref().unwrap()[k], 1.5);
        }
    }
    assert_eq!(n_b_rec, 0, "a feedforward layer has no recurrence");
    for (j, d) in indeg.iter().enumerate() {
        match j {
            60..=99 => assert_eq!(d[0], 7, "a → b: fixed in-degree 7 at neuron {j}"),
            100..=149 => assert_eq!(d[2], 5, "c's own fixed in-degree at neuron {j}"),
            _ => {}
        }
    }
    for (i, &d) in out_ca.iter().enumerate().skip(100) {
        assert_eq!(d, 3, "c → a: fixed out-degree 3 at neuron {i}");
    }
    // b → c: Binomial(40 · 50, 0.2), within 5 standard deviations.
    let (m, p) = (2000.0, 0.2);
    let sd: Real = (m * p * (1.0 - p) as Real).sqrt();
    assert!(
        ((n_bc as Real) - m * p).abs() < 5.0 * sd,
        "{n_bc} b → c synapses"
    );
    // The input reaches the input layer only (default: the first).
    assert!(!s.input.is_empty());
    assert!(s.input.post.iter().all(|&j| j < 60));
    // Several input layers: every one gets every channel, the others none.
    let mut par = cfg.clone();
    par.input_layers = Some(vec!["c".into(), "a".into()]);
    let sp = par.generate(4, 11).unwrap();
    let mut seen = [[false; 4]; 3];
    for (&ch, &j) in sp.input.pre.iter().zip(&sp.input.post) {
        seen[layer_of(j)][ch as usize] = true;
    }
    assert_eq!(seen, [[true; 4], [false; 4], [true; 4]]);
    // Same seed, same file; another seed, another network.
    assert_eq!(cfg.generate(4, 11).unwrap(), s);
    assert_ne!(cfg.generate(4, 12).unwrap().recurrent, s.recurrent);
}

#[test]
fn each_layer_and_projection_draws_from_its_own_stream() {
    let base = three().generate(2, 5).unwrap();
    let within = |s: &NetworkSpec, l: usize| -> Vec<(u32, u32, Real)> {
        let r = &s.recurrent;
        (0..r.len())
            .filter(|&k| layer_of(r.pre[k]) == l && layer_of(r.post[k]) == l)
            .map(|k| (r.pre[k], r.post[k], r.weight[k]))
            .collect()
    };
    // Changing layer b's weights and projection b → c changes nothing of a, c, a → b.
    let mut other = three();
    other.layers[1].population.weight_scale.ee = 9.0;
    other.projections[1].rule = ProjectionRule::Random { p: 0.5 };
    let s = other.generate(2, 5).unwrap();
    for l in [0, 2] {
        assert_eq!(within(&s, l), within(&base, l), "layer {l}");
    }
    let ab = |s: &NetworkSpec| -> Vec<(u32, u32)> {
        let r = &s.recurrent;
        (0..r.len())
            .filter(|&k| layer_of(r.pre[k]) == 0 && layer_of(r.post[k]) == 1)
            .map(|k| (r.pre[k], r.post[k]))
            .collect()
    };
    assert_eq!(ab(&s), ab(&base));
    assert_eq!(s.input, base.input);
    // Two layers of one config are not copies of each other.
    let twins = LayeredConfig {
        dt_ms: 0.1,
        layers: vec![
            layer("x", pop(50, Topology::Random { p: 0.1 })),
            layer("y", pop(50, Topology::Random { p: 0.1 })),
        ],
        projections: vec![],
        input_layers: None,
    };
    let t = twins.generate(1, 3).unwrap();
    let (x, y): (Vec<_>, Vec<_>) = (0..t.recurrent.len())
        .map(|k| {
            (
                t.recurrent.pre[k] % 50,
                t.recurrent.post[k] % 50,
                t.recurrent.pre[k] < 50,
            )
        })
        .partition(|e| e.2);
    assert_ne!(
        x.iter().map(|e| (e.0, e.1)).collect::<Vec<_>>(),
        y.iter().map(|e| (e.0, e.1)).collect::<Vec<_>>()
    );
}

fn err(text: &str) -> String {
    LayeredConfig::from_json_str(text, "net.json")
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_configs_are_errors_naming_the_field() {
    let two = r#"[{"name": "a", "n_neurons": 20}, {"name": "b", "n_neurons": 10}]"#;
    for (text, says) in [
        (
            format!(r#"{{"layers": {two}, "projections": [{{"from": "a", "to": "z", "rule": {{"kind": "random", "p": 0.1}}}}]}}"#),
            vec!["projections[0].to", "unknown layer \"z\"", "a, b"],
        ),
        (
            format!(r#"{{"layers": {two}, "projections": [{{"from": "a", "to": "a", "rule": {{"kind": "random", "p": 0.1}}}}]}}"#),
            vec!["projections[0].to", "topology"],
        ),
        (
            format!(r#"{{"layers": {two}, "projections": [{{"from": "b", "to": "a", "rule": {{"kind": "fixed_in_degree", "k": 11}}}}]}}"#),
            vec!["projections[0].rule.k", "10 neurons"],
        ),
        (
            format!(r#"{{"layers": {two}, "projections": [{{"from": "b", "to": "a", "rule": {{"kind": "random", "p": 2}}}}]}}"#),
            vec!["projections[0].rule.p"],
        ),
        (
            format!(r#"{{"layers": {two}, "input_layers": ["c"]}}"#),
            vec!["input_layers[0]", "unknown layer \"c\""],
        ),
        (
            format!(r#"{{"layers": {two}, "input_layers": []}}"#),
            vec!["input_layers", "at least one"],
        ),
        (
            r#"{"layers": [{"name": "a", "n_neurons": 20}, {"name": "a", "n_neurons": 10}]}"#.into(),
            vec!["layers[1].name", "unique"],
        ),
        (
            r#"{"layers": [{"name": "a", "n_neurons": 20}, {"name": "b", "n_neurons": 0}]}"#.into(),
            vec!["layers[1].n_neurons"],
        ),
        (
            r#"{"layers": [{"name": "a", "n_neurons": 20}, {"name": "b", "n_neurons": 10, "topology": {"kind": "random", "p": -1}}]}"#.into(),
            vec!["layers[1].topology.p"],
        ),
        (r#"{"layers": []}"#.into(), vec!["layers", "at least one"]),
        (
            r#"{"layers": [{"name": "a", "n_neurons": 20, "dt_ms": 1}]}"#.into(),
            vec!["layer \"a\"", "dt_ms", "top level"],
        ),
        (
            r#"{"layers": [{"name": "a", "n_neuron": 20}]}"#.into(),
            vec!["layer \"a\"", "n_neuron"],
        ),
        (
            r#"{"layers": [{"name": "a", "preset": "nope"}]}"#.into(),
            vec!["layer \"a\"", "maass2002"],
        ),
        (
            format!(r#"{{"layers": {two}, "projection": []}}"#),
            vec!["projection"],
        ),
        (
            r#"{"layers": [{"name": "a", "n_neurons": 20, "stp": "maass2002"}, {"name": "b", "n_neurons": 10}]}"#.into(),
            vec!["layers[0].stp"],
        ),
        (
            r#"{"layers": [{"name": "a", "n_neurons": 20}, {"name": "b", "n_neurons": 10, "neuron": {"model": "izhikevich", "tau_m_ms": 1, "r_mohm": 1, "v_rest_mv": -65, "v_reset_mv": -65, "v_th_mv": 30, "t_ref_ms": 0, "synapse": "exp_current", "tau_syn_exc_ms": 3, "tau_syn_inh_ms": 6, "izhikevich": {"preset": "regular-spiking"}}}]}"#.into(),
            vec!["layers[1].neuron.model", "one neuron model"],
        ),
    ] {
        let e = err(&text);
        for s in says {
            assert!(e.contains(s), "{text}\n→ {e}\n(expected `{s}`)");
        }
    }
}

#[test]
fn sizes_are_checked_against_the_limits_before_anything_is_drawn() {
    // Each layer fits; together they do not.
    let e = err(
        r#"{"layers": [{"name": "a", "n_neurons": 600000, "topology": {"kind": "none"}}, {"name": "b", "n_neurons": 600000, "topology": {"kind": "none"}}]}"#,
    );
    assert!(e.contains("summed") && e.contains("neurons"), "{e}");
    // A dense projection of 10⁸ synapses.
    let e = err(
        r#"{"layers": [{"name": "a", "n_neurons": 10000, "topology": {"kind": "none"}}, {"name": "b", "n_neurons": 10000, "topology": {"kind": "none"}}], "projections": [{"from": "a", "to": "b", "rule": {"kind": "random", "p": 1}}]}"#,
    );
    assert!(e.contains("projection") && e.contains("synapses"), "{e}");
}

#[test]
fn numeric_neuron_parameters_may_differ_per_layer() {
    let mut fast = pop(30, Topology::Random { p: 0.1 });
    fast.neuron.tau_m_ms = 10.0.into();
    fast.v_init_uniform_mv = Some([0.0, 5.0]);
    let cfg = LayeredConfig {
        dt_ms: 0.1,
        layers: vec![
            layer("slow", pop(20, Topology::Random { p: 0.1 })),
            layer("fast", fast),
        ],
        projections: vec![],
        input_layers: None,
    };
    let s = cfg.generate(1, 2).unwrap();
    let tau = s.neuron.tau_m_ms.expand(50);
    assert!(tau[..20].iter().all(|&t| t == 30.0) && tau[20..].iter().all(|&t| t == 10.0));
    // The layer without initial potentials starts at rest.
    let v = s.neuron.v_init_mv.as_ref().unwrap().expand(50);
    assert!(v[..20].iter().all(|&x| x == 0.0) && v[20..].iter().all(|&x| (0.0..5.0).contains(&x)));
    assert_eq!(s.neuron.r_mohm, 1.0.into(), "shared values stay scalars");
}

/// First step with a spike among `range` neurons.
fn first_spike(st: &SpikeTrains, range: std::ops::Range<u32>) -> Option<usize> {
    (0..st.n_steps()).find(|&t| st.at(t).iter().any(|c| range.contains(c)))
}

#[test]
fn feedforward_layers_fire_no_earlier_than_the_delays_allow() {
    // Delta synapses of 20 mV on a 15 mV threshold without bias: a neuron fires only when a
    // spike arrives, one step after the arrival at the earliest.
    let neuron = NeuronSpec {
        synapse: SynapseKind::Delta,
        tau_syn_exc_ms: None,
        tau_syn_inh_ms: None,
        i_bias_na: 0.0.into(),
        ..NeuronSpec::default()
    };
    let ff = |n| GeneratorConfig {
        n_neurons: Some(n),
        frac_exc: 1.0,
        neuron: neuron.clone(),
        topology: Topology::None,
        input: InputConfig {
            fraction: 1.0,
            scale_exc: 20.0,
            scale_inh: 20.0,
            ..InputConfig::default()
        },
        ..GeneratorConfig::default()
    };
    let d_ms = 3.0;
    let p = |a: &str, b: &str| Projection {
        weight_scale: PairScale {
            ee: 20.0,
            ei: 20.0,
            ie: 20.0,
            ii: 20.0,
        },
        delay: Delay::Constant { ms: d_ms },
        ..proj(a, b, ProjectionRule::FixedInDegree { k: 2 })
    };
    let dt = 0.5;
    let cfg = LayeredConfig {
        dt_ms: dt,
        layers: vec![
            layer("l0", ff(10)),
            layer("l1", ff(10)),
            layer("l2", ff(10)),
            layer("aside", ff(10)),
        ],
        projections: vec![p("l0", "l1"), p("l1", "l2")],
        input_layers: None,
    };
    let spec = cfg.generate(1, 4).unwrap();
    let net = Network::from_spec(&spec).unwrap();
    let t_in = 10;
    let input = SpikeTrains::from_events(1, dt, 200, [(t_in, 0)]).unwrap();
    let rec = net
        .run(Drive::Spikes(&input), 200, &RecordSpec::default(), 1, 0)
        .unwrap();
    let st = rec.spikes.unwrap();
    let d_steps = (d_ms / dt) as usize;
    for k in 0..3u32 {
        let first = first_spike(&st, k * 10..(k + 1) * 10).expect("the layer fires");
        assert!(
            first >= t_in + k as usize * d_steps,
            "layer {k} first fires at step {first}, before the input ({t_in}) + {k} · {d_steps}"
        );
        // And it does fire within one step of the earliest possible arrival.
        assert!(
            first <= t_in + k as usize * (d_steps + 1) + 1,
            "layer {k} at {first}"
        );
    }
    assert_eq!(
        first_spike(&st, 30..40),
        None,
        "a layer not downstream of the input is silent"
    );
}

#[test]
fn a_layer_may_start_from_a_preset_and_the_network_source_reads_it() {
    let text = r#"{"dt_ms": 0.5, "layers": [{"name": "a", "preset": "cuba", "n_neurons": 100}]}"#;
    let c = LayeredConfig::from_json_str(text, "net.json").unwrap();
    let want = GeneratorConfig {
        n_neurons: Some(100),
        dt_ms: 0.5,
        ..lsm_reservoir::preset("cuba").unwrap()
    };
    assert_eq!(c.layers[0].population, want);
    let mut src: lsm_reservoir::NetworkSource = serde_json::from_str(text).unwrap();
    assert_eq!(src, lsm_reservoir::NetworkSource::Layered(c.clone()));
    assert_eq!((src.n_neurons(), src.dt_ms()), (Some(100), Some(0.5)));
    // Written back whole (the layer's preset resolved), it reads back the same.
    let back: lsm_reservoir::NetworkSource =
        serde_json::from_value(serde_json::to_value(&src).unwrap()).unwrap();
    assert_eq!(back, src);
    src.set_dt_ms(1.0);
    let lsm_reservoir::NetworkSource::Layered(l) = &src else {
        panic!("layered")
    };
    assert_eq!((l.dt_ms, l.layers[0].population.dt_ms), (1.0, 1.0));
    let e = serde_json::from_str::<lsm_reservoir::NetworkSource>(
        r#"{"layers": [{"name": "a"}], "x": 1}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("layered") && e.contains("`x`"), "{e}");
}
