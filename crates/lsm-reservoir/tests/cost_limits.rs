//! Every size or duration a network file, a generator config, an ESN config or a
//! caller declares is checked against its cost before anything is allocated; times that do not
//! fit in whole steps are errors; network and config files are strict JSON.
//!
//! These tests never lift the limits (that is process-wide; the CLI tests do it in their own
//! processes), so they see the defaults of `lsm_core::limits`.

use lsm_core::limits::Limit;
use lsm_core::SpikeTrains;
use lsm_reservoir::esn::EsnConfig;
use lsm_reservoir::{
    train_stdp, Bins, Drive, GeneratorConfig, Network, NetworkSpec, NeuronSpec, Param, RecordSpec,
    ReservoirError, StdpConfig, SynapseList,
};
use ndarray::Array2;

fn small_net(n: usize) -> NetworkSpec {
    NetworkSpec::new(0.1, n, 1, NeuronSpec::default())
}

/// A generated 100-neuron network with `n_inputs` input channels.
fn net100(n_inputs: usize) -> Network {
    let cfg = GeneratorConfig {
        n_neurons: Some(100),
        ..GeneratorConfig::default()
    };
    Network::from_spec(&cfg.generate(n_inputs, 1).unwrap()).unwrap()
}

fn limit_of(e: &ReservoirError) -> Option<Limit> {
    match e {
        ReservoirError::Limit(l) => Some(l.limit),
        _ => None,
    }
}

#[test]
fn refractory_period_that_overflows_the_step_count_is_an_error() {
    // 1e300 ms used to saturate to i64::MAX steps and wrap around: refractoriness silently off.
    let mut s = small_net(3);
    s.neuron.t_ref_ms = Param::Scalar(1e300);
    let e = s.validate_named("net.json").unwrap_err().to_string();
    assert!(
        e.contains("net.json") && e.contains("neuron.t_ref_ms") && e.contains("2^52"),
        "{e}"
    );
    // Per neuron: the index is named.
    s.neuron.t_ref_ms = Param::PerNeuron(vec![2.0, 1e20, 2.0]);
    let e = s.validate_named("net.json").unwrap_err().to_string();
    assert!(e.contains("neuron.t_ref_ms[1]"), "{e}");
    // A long but representable period is fine, and the neuron really stays refractory.
    s.neuron.t_ref_ms = Param::Scalar(1e9);
    s.validate().unwrap();
}

#[test]
fn tiny_time_step_is_caught_by_the_steps_it_implies() {
    // dt_ms = 1e-9 with the default refractory period of 2 ms: 2e9 steps, representable.
    let mut s = small_net(2);
    s.dt_ms = 1e-9;
    s.validate().unwrap();
    let net = Network::from_spec(&s).unwrap();
    // One second of it is 1e12 steps: refused before anything is allocated.
    let e = net
        .run(Drive::None, 1_000_000_000_000, &RecordSpec::default(), 1, 0)
        .unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::Steps), "{e}");
    assert!(e.to_string().contains("--allow-large"), "{e}");
    // With delays: a 1 ms delay at dt 1e-9 is 1e6 steps, above the delay limit.
    s.recurrent = SynapseList {
        pre: vec![0],
        post: vec![1],
        weight: vec![1.0],
        delay_ms: Some(vec![1.0]),
        stp: None,
    };
    let e = s.validate_named("net.json").unwrap_err().to_string();
    assert!(e.contains("recurrent.delay_ms[0]"), "{e}");
}

#[test]
fn declared_sizes_above_the_limits_are_refused_without_allocating() {
    // A billion neurons with scalar parameters costs nothing to declare: refused by the limit.
    let s = small_net(1_000_000_000);
    let e = s.validate_named("big.json").unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::Neurons), "{e}");
    let m = e.to_string();
    assert!(
        m.contains("big.json") && m.contains("n_neurons") && m.contains("LSM_MAX_NEURONS"),
        "{m}"
    );
    let mut s = small_net(10);
    s.n_inputs = 2_000_000_000;
    let e = s.validate().unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::Inputs), "{e}");
    // The delay ring buffer: 65,537 slots x 1e6 neurons x 16 bytes.
    let mut s = small_net(1_000_000);
    s.recurrent = SynapseList {
        pre: vec![0],
        post: vec![1],
        weight: vec![1.0],
        delay_ms: Some(vec![6553.6]),
        stp: None,
    };
    let e = s.validate_named("ring.json").unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::MemoryBytes), "{e}");
    assert!(e.to_string().contains("delay ring"), "{e}");
}

#[test]
fn hodgkin_huxley_substeps_are_limited() {
    let mut s = NetworkSpec::new(0.1, 2, 1, NeuronSpec::hodgkin_huxley());
    s.validate().unwrap();
    s.neuron.hh.as_mut().unwrap().substep_ms = 1e-12;
    let e = s.validate_named("hh.json").unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::Substeps), "{e}");
    assert!(e.to_string().contains("substep_ms"), "{e}");
}

#[test]
fn generator_config_costs_are_estimated_from_the_declared_sizes() {
    let e = GeneratorConfig::from_json_str(r#"{"n_neurons": 20000000}"#, "gen.json").unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::Neurons), "{e}");
    // 100,000 neurons all-to-all: 1e10 expected synapses, refused before any is drawn.
    let e = GeneratorConfig::from_json_str(
        r#"{"n_neurons": 100000, "topology": {"kind": "random", "p": 1.0}}"#,
        "gen.json",
    )
    .unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::Synapses), "{e}");
    assert!(e.to_string().contains("topology"), "{e}");
    // A grid whose size overflows usize is an error, not a panic or a wrap-around.
    let e = GeneratorConfig::from_json_str(
        r#"{"topology": {"kind": "maass_column", "grid": [4294967296, 4294967296, 2]}}"#,
        "gen.json",
    )
    .unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::Neurons), "{e}");
    // Input synapses count too: 1000 neurons, fraction 0.2, 10^6 channels = 2e8.
    let cfg = GeneratorConfig::default();
    let e = cfg.generate(1_000_000, 1).unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::Synapses), "{e}");
    // A delay that cannot fit the ring buffer is refused by the config check, not after
    // generating.
    let e = GeneratorConfig::from_json_str(
        r#"{"dt_ms": 1e-9, "delay": {"kind": "constant", "ms": 1.0}}"#,
        "gen.json",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("delay") && e.contains("steps"), "{e}");
}

#[test]
fn simulation_costs_are_checked_before_allocating() {
    let net = net100(1);
    // Membrane recording of 10^7 steps x 100 neurons = 8 GB.
    let spec = RecordSpec {
        v: true,
        ..RecordSpec::default()
    };
    let e = net.run(Drive::None, 10_000_000, &spec, 1, 0).unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::MemoryBytes), "{e}");
    // Bins of 1e-12 ms: 1e14 bins.
    let spec = RecordSpec {
        bins: Some(Bins::WidthMs(1e-12)),
        ..RecordSpec::default()
    };
    let e = net.run(Drive::None, 1000, &spec, 1, 0).unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::MemoryBytes), "{e}");
    // Work: 2e9 steps x 100 neurons.
    let e = net
        .run(Drive::None, 2_000_000_000, &RecordSpec::default(), 1, 0)
        .unwrap_err();
    assert!(
        matches!(limit_of(&e), Some(Limit::Steps | Limit::Work)),
        "{e}"
    );
    // A normal run is untouched.
    let input = SpikeTrains::from_events(1, net.dt_ms(), 100, [(1, 0)]).unwrap();
    net.run(Drive::Spikes(&input), 100, &RecordSpec::default(), 1, 0)
        .unwrap();
}

#[test]
fn stdp_work_over_all_samples_is_checked_first() {
    let net = net100(0);
    // An analog drive with no columns allocates nothing but declares 2e9 steps; ten of them.
    let x = Array2::<f64>::zeros((2_000_000_000, 0));
    let drives = vec![Drive::Current(x.view()); 10];
    let e = train_stdp(&net, &drives, &StdpConfig::default(), None, 1, &|_| {}).unwrap_err();
    assert_eq!(limit_of(&e), Some(Limit::Work), "{e}");
    assert!(e.to_string().contains("STDP"), "{e}");
}

#[test]
fn esn_sizes_are_checked() {
    let cfg = EsnConfig {
        n_units: 10_000_000,
        ..EsnConfig::default()
    };
    let e = cfg.validate().unwrap_err().to_string();
    assert!(e.contains("n_units") && e.contains("--allow-large"), "{e}");
    let cfg = EsnConfig {
        n_units: 1_000_000,
        in_degree: 1000,
        ..EsnConfig::default()
    };
    let e = cfg.validate().unwrap_err().to_string();
    assert!(e.contains("in_degree") && e.contains("synapses"), "{e}");
    let ok = EsnConfig::default();
    ok.validate_cost(1, 10_000).unwrap();
    let e = ok.validate_cost(1, 1_000_000_000).unwrap_err().to_string();
    assert!(e.contains("steps"), "{e}");
}

#[test]
fn network_files_and_configs_are_strict_json() {
    let good = small_net(2).to_json_string();
    NetworkSpec::from_json_str(&good, "net.json").unwrap();
    // A duplicate key, at the top or nested, names the key and the file.
    let dup_top = good.replacen("{", r#"{"n_neurons": 2,"#, 1);
    let e = NetworkSpec::from_json_str(&dup_top, "net.json").unwrap_err();
    assert!(matches!(e, ReservoirError::Core(_)), "{e:?}");
    let m = e.to_string();
    assert!(
        m.contains("net.json") && m.contains("duplicate key `n_neurons`"),
        "{m}"
    );
    let dup_nested = good.replacen(r#""model":"lif""#, r#""model":"lif","model":"hh""#, 1);
    assert_ne!(dup_nested, good);
    let m = NetworkSpec::from_json_str(&dup_nested, "net.json")
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("duplicate key `model`") && m.contains("neuron"),
        "{m}"
    );
    // Not an object.
    for text in ["[]", "null", "7", "\"lsm-network\""] {
        let m = NetworkSpec::from_json_str(text, "net.json")
            .unwrap_err()
            .to_string();
        assert!(m.contains("expected a JSON object"), "{text}: {m}");
    }
    // Generator configs: `{}` is the documented default, `[]`, `null` and numbers are refused.
    assert_eq!(
        GeneratorConfig::from_json_str("{}", "gen.json").unwrap(),
        GeneratorConfig::default()
    );
    for text in ["[]", "null", "0", "[{}]"] {
        let m = GeneratorConfig::from_json_str(text, "gen.json")
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("gen.json") && m.contains("expected a JSON object"),
            "{text}: {m}"
        );
    }
    let m = GeneratorConfig::from_json_str(
        r#"{"topology": {"kind": "random", "p": 0.1, "p": 0.9}}"#,
        "gen.json",
    )
    .unwrap_err()
    .to_string();
    assert!(
        m.contains("duplicate key `p`") && m.contains("topology"),
        "{m}"
    );
    // STDP configs too, and their field errors name the file.
    let m = StdpConfig::from_json_str(r#"{"a_plus": 0.1, "a_plus": 0.2}"#, "stdp.json")
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("stdp.json") && m.contains("duplicate key `a_plus`"),
        "{m}"
    );
    let m = StdpConfig::from_json_str(r#"{"tau_plus_ms": -1}"#, "stdp.json")
        .unwrap_err()
        .to_string();
    assert!(m.contains("stdp.json") && m.contains("tau_plus_ms"), "{m}");
    assert_eq!(
        StdpConfig::from_json_str("{}", "stdp.json").unwrap(),
        StdpConfig::default()
    );
}
