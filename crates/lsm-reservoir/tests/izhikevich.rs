//! The Izhikevich (2003) neuron: spike for spike against Brian2 2.9 (`method='euler'`, numpy
//! target; fixtures from `scripts/fixtures/gen_brian2_izhikevich.py`), against an independent
//! iteration of the Euler recurrence, the rest state, the presets' firing patterns, file
//! checks and the generator's per-population mixture.

mod common;

use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::izhikevich::{euler_step, preset, PRESETS};
use lsm_reservoir::nir::{to_nir, ExportOptions};
use lsm_reservoir::{
    Drive, GeneratorConfig, IzhParams, ModelKind, Network, NetworkSpec, NeuronSpec, Param,
    RecordSpec, SynapseKind,
};

/// Runs fixture network `name` on its input for 1 s and compares every spike with Brian2's.
fn matches_brian2(name: &str, min_spikes: usize) {
    let spec = common::matches_reference_spikes(name, min_spikes);
    assert_eq!(spec.neuron.model, ModelKind::Izhikevich);
}

#[test]
fn feedforward_exp_current_matches_brian2_spike_for_spike() {
    matches_brian2("izh_ff_exp", 500);
}

#[test]
fn feedforward_delta_matches_brian2_spike_for_spike() {
    matches_brian2("izh_ff_delta", 200);
}

#[test]
fn recurrent_matches_brian2_spike_for_spike() {
    matches_brian2("izh_rec", 1000);
}

/// One neuron of `preset` with bias `i_na`, no synapses, at `dt` 0.1 ms.
fn single(preset: &str, i_na: Real) -> NetworkSpec {
    let mut ne = NeuronSpec::izhikevich(preset).unwrap();
    ne.i_bias_na = i_na.into();
    NetworkSpec::new(0.1, 1, 0, ne)
}

fn run_single(spec: &NetworkSpec, n_steps: usize) -> (Vec<Real>, Vec<usize>) {
    common::run_undriven(spec, n_steps)
}

#[test]
fn tonic_firing_follows_the_euler_recurrence() {
    // Regular spiking under I = 10: iterate the recurrence here, with its own reset rule.
    let (a, b, c, d) = (0.02, 0.2, -65.0, 8.0);
    let (h, i_in, n_steps) = (0.1, 10.0, 10_000);
    let (mut v, mut u): (Real, Real) = (-65.0, b * -65.0);
    let mut want = Vec::new();
    for t in 0..n_steps {
        let vn = v + h * (0.04 * v * v + 5.0 * v + 140.0 - u + i_in);
        u += h * a * (b * v - u);
        v = vn;
        if v >= 30.0 {
            want.push(t);
            v = c;
            u += d;
        }
    }
    let (_, got) = run_single(&single("regular-spiking", 10.0), n_steps);
    assert_eq!(got, want);
    // Tonic firing with adaptation: the first interval is the shortest, the rate then settles
    // (the paper's Fig. 2 RS at I = 10: about 10 spikes per 100 ms once adapted).
    let isi: Vec<usize> = got.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(isi[0] < isi[isi.len() - 1], "{isi:?}");
    let last = &isi[isi.len() - 5..];
    assert!(last.iter().all(|&x| x.abs_diff(last[0]) <= 1), "{isi:?}");
    let rate_hz = 1e4 / *last.last().unwrap() as Real;
    assert!((10.0..40.0).contains(&rate_hz), "{rate_hz} Hz");
    // `euler_step` is the same update.
    let (vn, un) = euler_step(-60.0, -12.5, 3.0, a, b, h);
    assert_eq!(vn, -60.0 + h * (0.04 * 3600.0 - 300.0 + 140.0 + 12.5 + 3.0));
    assert!((un - (-12.5 + h * a * (b * -60.0 + 12.5))).abs() < 1e-12);
}

#[test]
fn the_rest_state_is_a_fixed_point() {
    // I = 0: 0.04 v² + (5 − b) v + 140 = 0 gives v* = −70 (stable) for b = 0.2, u* = b v*.
    let mut spec = single("regular-spiking", 0.0);
    spec.neuron.v_rest_mv = (-70.0).into();
    let (v, spikes) = run_single(&spec, 20_000);
    assert!(spikes.is_empty());
    let dev = v.iter().map(|x| (x + 70.0).abs()).fold(0.0, Real::max);
    assert!(dev < 1e-9, "{dev}");
    // Away from rest (below the saddle at −50 mV) it returns to −70 mV.
    spec.neuron.v_rest_mv = (-58.0).into();
    let (v, spikes) = run_single(&spec, 20_000);
    assert!(spikes.is_empty());
    assert!(
        (v.last().unwrap() + 70.0).abs() < 1e-3,
        "{}",
        v.last().unwrap()
    );
}

#[test]
fn presets_give_their_firing_patterns() {
    let isis = |name: &str| {
        let (_, s) = run_single(&single(name, 10.0), 5_000);
        s.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>()
    };
    // Fast spiking: a high rate and weaker adaptation than regular spiking.
    let fs = isis("fast-spiking");
    let rs = isis("regular-spiking");
    assert!(
        fs.len() > 2 * rs.len(),
        "FS {} vs RS {}",
        fs.len(),
        rs.len()
    );
    let adapt = |x: &[usize]| x[x.len() - 1] as Real / x[0] as Real;
    assert!(adapt(&fs) < adapt(&rs), "FS {fs:?}, RS {rs:?}");
    // Chattering: bursts, i.e. short (< 5 ms) and long (> 15 ms) intervals alternate.
    let ch = isis("chattering");
    assert!(
        ch.iter().any(|&x| x < 50) && ch.iter().any(|&x| x > 150),
        "{ch:?}"
    );
    // Intrinsically bursting: an initial burst, then slower tonic spikes.
    let ib = isis("intrinsically-bursting");
    assert!(ib[0] < 50 && ib[ib.len() - 1] > 150, "{ib:?}");
    // Every preset resolves to the paper's values.
    for (name, abcd) in PRESETS {
        assert_eq!(preset(name), Some(abcd));
        let p = IzhParams::preset(name).unwrap().resolved();
        assert_eq!(p.map(|x| x.get(0)), abcd);
    }
}

#[test]
fn explicit_values_replace_the_preset_and_match_it() {
    let base = single("low-threshold-spiking", 7.0);
    let mut expl = base.clone();
    let [a, b, c, d] = preset("low-threshold-spiking").unwrap();
    expl.neuron.izhikevich = Some(IzhParams::explicit(
        a.into(),
        b.into(),
        Param::PerNeuron(vec![c]),
        d.into(),
    ));
    assert_eq!(run_single(&base, 3000), run_single(&expl, 3000));
    let mut other = base.clone();
    other.neuron.izhikevich.as_mut().unwrap().d = Some(8.0.into());
    assert_ne!(run_single(&base, 3000).1, run_single(&other, 3000).1);
}

#[test]
fn file_round_trip_and_errors_name_the_field() {
    let spec = NetworkSpec::load(&common::fixture("izh_rec_net.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("izh.json");
    spec.save(&path).unwrap();
    assert_eq!(NetworkSpec::load(&path).unwrap(), spec);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"model\":\"izhikevich\""), "{text}");

    let good = single("regular-spiking", 0.0);
    let bad = |f: &dyn Fn(&mut NeuronSpec)| {
        let mut s = good.clone();
        f(&mut s.neuron);
        s.validate().unwrap_err().to_string()
    };
    let e = bad(&|n| n.model = ModelKind::Lif);
    assert!(
        e.contains("neuron.izhikevich") && e.contains("absent"),
        "{e}"
    );
    let e = bad(&|n| n.izhikevich = None);
    assert!(
        e.contains("neuron.izhikevich") && e.contains("missing"),
        "{e}"
    );
    let e = bad(&|n| n.izhikevich.as_mut().unwrap().preset = Some("bursty".into()));
    assert!(
        e.contains("neuron.izhikevich.preset") && e.contains("bursty"),
        "{e}"
    );
    assert!(e.contains("\"fast-spiking\""), "{e}");
    let e = bad(&|n| n.izhikevich.as_mut().unwrap().a = Some(Real::NAN.into()));
    assert!(
        e.contains("neuron.izhikevich.a") && e.contains("finite"),
        "{e}"
    );
    let e = bad(&|n| n.izhikevich.as_mut().unwrap().c = Some(Param::PerNeuron(vec![1.0, 2.0])));
    assert!(
        e.contains("neuron.izhikevich.c") && e.contains("n_neurons"),
        "{e}"
    );
    let e = bad(&|n| {
        n.izhikevich = Some(IzhParams {
            a: Some(0.02.into()),
            ..IzhParams::default()
        })
    });
    assert!(
        e.contains("neuron.izhikevich.b") && e.contains("preset"),
        "{e}"
    );
    let e = bad(&|n| n.izhikevich.as_mut().unwrap().quadratic = Some([0.0, 5.0, 140.0]));
    assert!(
        e.contains("neuron.izhikevich.quadratic") && e.contains("k2 > 0"),
        "{e}"
    );
    let e = bad(&|n| n.t_ref_ms = 1.0.into());
    assert!(e.contains("neuron.t_ref_ms"), "{e}");
    let e = bad(&|n| {
        n.adapt_mv = 1.0.into();
        n.tau_adapt_ms = Some(10.0.into());
    });
    assert!(e.contains("neuron.adapt_mv"), "{e}");
    let e = bad(&|n| n.hh = Some(Default::default()));
    assert!(e.contains("neuron.hh"), "{e}");

    // From JSON: an unknown field inside `izhikevich` and a preset that does not exist.
    let json = good.to_json_string();
    let e = NetworkSpec::from_json_str(&json.replace("\"preset\"", "\"presets\""), "n.json")
        .unwrap_err()
        .to_string();
    assert!(e.contains("n.json") && e.contains("presets"), "{e}");
    let e = NetworkSpec::from_json_str(&json.replace("regular-spiking", "regular"), "n.json")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("n.json") && e.contains("neuron.izhikevich.preset"),
        "{e}"
    );

    // NIR has no such neuron.
    let e = to_nir(&spec, "izh.json", &ExportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("neuron.model") && e.contains("Izhikevich"),
        "{e}"
    );
}

fn mix_config(extra: &str) -> GeneratorConfig {
    let neuron =
        serde_json::to_string(&NeuronSpec::izhikevich("regular-spiking").unwrap()).unwrap();
    let text = format!(
        r#"{{"n_neurons": 200, "neuron": {neuron}, "izhikevich": {{{extra}}},
            "weight_scale": {{"ee": 0.5, "ei": 0.5, "ie": 1.0, "ii": 1.0}},
            "input": {{"fraction": 0.3, "scale_exc": 20.0, "scale_inh": 20.0}}}}"#
    );
    GeneratorConfig::from_json_str(&text, "gen.json").unwrap()
}

#[test]
fn generator_mixture_jitters_each_population_as_the_paper() {
    let cfg = mix_config("");
    let spec = cfg.generate(4, 7).unwrap();
    let exc = lsm_reservoir::excitatory_mask(&spec).unwrap();
    let [a, b, c, d] = spec.neuron.izhikevich.as_ref().unwrap().resolved();
    let (mut spread_c, mut spread_a) = (0.0, 0.0);
    for (i, &exc) in exc.iter().enumerate() {
        let (a, b, c, d) = (a.get(i), b.get(i), c.get(i), d.get(i));
        if exc {
            // RS toward CH with r²: a, b fixed; c = −65 + 15 r², d = 8 − 6 r².
            assert_eq!((a, b), (0.02, 0.2));
            let r2 = (c + 65.0) / 15.0;
            assert!((0.0..1.0).contains(&r2), "{c}");
            assert!((d - (8.0 - 6.0 * r2)).abs() < 1e-12, "{c} {d}");
            spread_c = Real::max(spread_c, c + 65.0);
        } else {
            // LTS toward FS with r: a = 0.02 + 0.08 r, b = 0.25 − 0.05 r; c, d fixed.
            assert_eq!((c, d), (-65.0, 2.0));
            let r = (a - 0.02) / 0.08;
            assert!((0.0..1.0).contains(&r), "{a}");
            assert!((b - (0.25 - 0.05 * r)).abs() < 1e-12, "{a} {b}");
            spread_a = Real::max(spread_a, a - 0.02);
        }
    }
    assert!(spread_c > 10.0 && spread_a > 0.05, "{spread_c} {spread_a}");
    // The seed decides, bit for bit; another seed gives other parameters.
    assert_eq!(cfg.generate(4, 7).unwrap(), spec);
    assert_ne!(cfg.generate(4, 8).unwrap().neuron, spec.neuron);
    // Connectivity is drawn from its own streams: the same as without the mixture.
    let mut plain = cfg.clone();
    plain.izhikevich = None;
    let p = plain.generate(4, 7).unwrap();
    assert_eq!(
        (p.recurrent, p.input),
        (spec.recurrent.clone(), spec.input.clone())
    );

    // The generated network is saved, loaded and simulated.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mix.json");
    spec.save(&path).unwrap();
    let net = Network::load(&path).unwrap();
    let input =
        SpikeTrains::from_events(4, 0.1, 5000, (0..5000).step_by(20).map(|t| (t, t / 20 % 4)))
            .unwrap();
    let r = net
        .run(Drive::Spikes(&input), 5000, &RecordSpec::default(), 0, 0)
        .unwrap();
    let n = r.spikes.unwrap().n_spikes();
    assert!(n > 100, "{n} spikes");
}

#[test]
fn generator_mixture_errors_name_the_field() {
    let neuron = serde_json::to_string(&NeuronSpec::izhikevich("fast-spiking").unwrap()).unwrap();
    let err = |text: String| {
        GeneratorConfig::from_json_str(&text, "gen.json")
            .unwrap_err()
            .to_string()
    };
    let e = err(format!(
        r#"{{"neuron": {neuron}, "izhikevich": {{"inh": {{"preset": "fast-spiking", "toward": "slow"}}}}}}"#
    ));
    assert!(
        e.contains("izhikevich.inh.toward") && e.contains("slow"),
        "{e}"
    );
    let e = err(format!(
        r#"{{"neuron": {neuron}, "izhikevich": {{"exc": {{"preset": "chattering", "power": -1}}}}}}"#
    ));
    assert!(e.contains("izhikevich.exc.power"), "{e}");
    let e = err(r#"{"izhikevich": {}}"#.to_string());
    assert!(e.contains("izhikevich") && e.contains("model"), "{e}");
    // Fixed presets per population (no `toward`): every neuron of a population is the same.
    let cfg = mix_config(
        r#""exc": {"preset": "intrinsically-bursting"}, "inh": {"preset": "fast-spiking"}"#,
    );
    let spec = cfg.generate(1, 3).unwrap();
    let exc = lsm_reservoir::excitatory_mask(&spec).unwrap();
    let [a, _, c, _] = spec.neuron.izhikevich.as_ref().unwrap().resolved();
    for (i, &exc) in exc.iter().enumerate() {
        let want = if exc { (0.02, -55.0) } else { (0.1, -65.0) };
        assert_eq!((a.get(i), c.get(i)), want);
    }
    assert_eq!(spec.neuron.synapse, SynapseKind::ExpCurrent);
}

#[test]
fn the_example_generator_config_gives_an_asynchronous_network() {
    // examples/izhikevich_generator.json: the 2003 paper's 1000-neuron network on a p = 0.1
    // random graph with delta synapses and a noise current as its thalamic input.
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/izhikevich_generator.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let cfg = GeneratorConfig::from_json_str(&text, "izhikevich_generator.json").unwrap();
    let spec = cfg.generate(4, 42).unwrap();
    assert_eq!(spec.neuron.model, ModelKind::Izhikevich);
    let net = Network::from_spec(&spec).unwrap();
    let n_steps = 3000; // 300 ms
    let r = net
        .run(Drive::None, n_steps, &RecordSpec::default(), 42, 0)
        .unwrap();
    let spikes = r.spikes.unwrap();
    let rate_hz = spikes.n_spikes() as Real / 1000.0 / 0.3;
    // Noise-driven, neither silent nor saturated (about 6 Hz with the seed of the example).
    assert!((1.0..30.0).contains(&rate_hz), "{rate_hz} Hz");
    let active = (0..1000)
        .filter(|&i| spikes.iter().any(|(_, j)| j == i))
        .count();
    assert!(active > 500, "{active} neurons fired");
}

/// `quadratic` gives Izhikevich's dimensional neuron as Nicola & Clopath (2017) use it,
/// `C dv/dt = k (v − v_r)(v − v_t) − u + I`, `du/dt = a (b (v − v_r) − u)` (pA, pF, ms), with
/// the conversion of the module doc: the same spikes as that recurrence iterated here (under
/// 1500 pA, above the 1000 pA rheobase at which their networks sit).
#[test]
fn the_dimensional_form_follows_its_own_recurrence() {
    let (cap, k, vr, vt, a, b, d, bias_pa) = (250.0, 2.5, -60.0, -19.2, 0.01, -2.0, 200.0, 1500.0);
    let (h, n_steps) = (0.05, 20_000);
    let (mut v, mut u): (Real, Real) = (vr, 0.0);
    let mut want = Vec::new();
    for t in 0..n_steps {
        let vn = v + h * (k * (v - vr) * (v - vt) - u + bias_pa) / cap;
        u += h * a * (b * (v - vr) - u);
        v = vn;
        if v >= 30.0 {
            want.push(t);
            v = -65.0;
            u += d;
        }
    }
    let mut ne = NeuronSpec::izhikevich("regular-spiking").unwrap();
    ne.izhikevich = Some(IzhParams {
        quadratic: Some([k / cap, -k * (vr + vt) / cap, (k * vr * vt + b * vr) / cap]),
        ..IzhParams::explicit(a.into(), (b / cap).into(), (-65.0).into(), (d / cap).into())
    });
    ne.v_rest_mv = vr.into();
    ne.i_bias_na = (bias_pa / cap).into();
    let (_, got) = run_single(&NetworkSpec::new(h, 1, 0, ne), n_steps);
    assert!(want.len() >= 5, "{want:?}");
    assert_eq!(got, want);
}
