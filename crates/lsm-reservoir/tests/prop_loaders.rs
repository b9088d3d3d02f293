//! Property tests of the loaders of lsm-reservoir: arbitrary bytes and arbitrary
//! structured values fed to the network file reader, the generator config reader and the STDP
//! config reader never panic, and what they accept is valid and cheap to build.
//!
//! Default: 64 cases per property. A larger run: `PROPTEST_CASES=5000 cargo test -p
//! lsm-reservoir --test prop_loaders`.

use lsm_reservoir::{
    GeneratorConfig, Network, NetworkSpec, NeuronSpec, RecordSpec, StdpConfig, SynapseList,
};
use proptest::prelude::*;
use serde_json::{json, Value};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

/// A number: ordinary, zero, negative, tiny, huge, integral or not.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0.0..100.0f64).prop_map(|x| json!(x)),
        (0u64..50).prop_map(|x| json!(x)),
        any::<f64>().prop_map(|x| json!(x)), // non-finite becomes null
        any::<u64>().prop_map(|x| json!(x)),
        any::<i64>().prop_map(|x| json!(x)),
        prop::sample::select(vec![1e-300, 1e-9, 1e9, 1e300, -1.0, 0.0, 4294967296.0])
            .prop_map(|x| json!(x)),
    ]
}

/// Any JSON value of small size.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        "[a-z_]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn small_valid_network() -> NetworkSpec {
    let mut s = NetworkSpec::new(0.1, 4, 2, NeuronSpec::default());
    s.recurrent = SynapseList {
        pre: vec![0, 1, 2],
        post: vec![1, 2, 3],
        weight: vec![1.0, -2.0, 3.0],
        delay_ms: Some(vec![0.1, 1.0, 0.0]),
        stp: None,
    };
    s.input = SynapseList {
        pre: vec![0, 1],
        post: vec![0, 3],
        weight: vec![5.0, 5.0],
        delay_ms: None,
        stp: None,
    };
    s
}

/// A network file that was accepted must build and run a few steps (when it is small).
fn accepted_network_runs(spec: &NetworkSpec) {
    let net = Network::from_spec(spec).expect("an accepted network builds");
    if spec.n_neurons <= 1000 && net.n_delay_slots() <= 1000 {
        net.run(lsm_reservoir::Drive::None, 5, &RecordSpec::default(), 1, 0)
            .expect("an accepted network runs");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(s) = NetworkSpec::from_json_str(&text, "fuzz.json") {
            accepted_network_runs(&s);
        }
        let _ = GeneratorConfig::from_json_str(&text, "fuzz.json");
        let _ = StdpConfig::from_json_str(&text, "fuzz.json");
    }

    #[test]
    fn mutated_network_files_are_accepted_valid_or_refused(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6)
    ) {
        let mut bytes = small_valid_network().to_json_string().into_bytes();
        for (at, b, op) in edits {
            let i = at.index(bytes.len().max(1)).min(bytes.len());
            match op {
                0 if i < bytes.len() => bytes[i] = b,
                1 => bytes.insert(i, b),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(s) = NetworkSpec::from_json_str(&text, "fuzz.json") {
            accepted_network_runs(&s);
        }
    }

    #[test]
    fn structured_network_values(
        fields in prop::collection::vec(
            (prop::sample::select(vec![
                "dt_ms", "n_neurons", "n_inputs", "neuron.tau_m_ms", "neuron.t_ref_ms",
                "neuron.r_mohm", "neuron.v_th_mv", "neuron.tau_syn_exc_ms",
                "recurrent.delay_ms", "recurrent.pre", "recurrent.weight", "input.post",
                "neuron.model", "neuron.hh", "version",
            ]), prop_oneof![number(), any_value(),
                prop::collection::vec(number(), 0..5).prop_map(Value::Array)]),
            1..4)
    ) {
        let mut v = serde_json::to_value(small_valid_network()).unwrap();
        for (path, val) in fields {
            let mut at = &mut v;
            let parts: Vec<&str> = path.split('.').collect();
            for p in &parts[..parts.len() - 1] {
                at = at.get_mut(*p).unwrap();
            }
            at[parts[parts.len() - 1]] = val;
        }
        let text = v.to_string();
        if let Ok(s) = NetworkSpec::from_json_str(&text, "fuzz.json") {
            prop_assert!(s.n_neurons <= 1_000_000);
            accepted_network_runs(&s);
        }
    }

    #[test]
    fn structured_generator_configs(
        fields in prop::collection::btree_map(
            prop::sample::select(vec![
                "dt_ms", "n_neurons", "frac_exc", "spectral_radius", "topology", "delay",
                "weight_scale", "input", "v_init_uniform_mv",
            ]),
            prop_oneof![
                number(),
                any_value(),
                (prop::sample::select(vec!["random", "fixed_in_degree", "small_world", "maass_column"]),
                 number(), number()).prop_map(|(k, a, b)| json!({"kind": k, "p": a, "k": b})),
                (prop::sample::select(vec!["random", "fixed_out_degree"]), number())
                    .prop_map(|(k, a)| if k == "random" { json!({"kind": k, "p": a}) } else { json!({"kind": k, "k": a}) }),
                (number(), number()).prop_map(|(a, b)| json!({"kind": "maass_column", "grid": [a, b, 3]})),
                number().prop_map(|a| json!({"kind": "constant", "ms": a})),
            ],
            0..4),
        n_inputs in 0usize..4,
    ) {
        let text = Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            .to_string();
        if let Ok(cfg) = GeneratorConfig::from_json_str(&text, "gen.json") {
            prop_assert!(cfg.resolved_n_neurons() <= 1_000_000);
            prop_assert!(cfg.expected_recurrent_synapses() <= 5e7);
            // Generate only what is cheap in a test; the rest was checked for its cost.
            if cfg.expected_recurrent_synapses() < 2e5 && cfg.resolved_n_neurons() < 1000 {
                if let Ok(spec) = cfg.generate(n_inputs, 1) {
                    accepted_network_runs(&spec);
                }
            }
        }
    }
}
