//! The adaptive LIF neuron (spike-triggered threshold adaptation) against a reference written
//! from the documented schedule, its exact exponential decay, spike-frequency adaptation,
//! identity with the plain LIF when switched off, reset between samples, validation and the
//! network file.

use lsm_core::Real;
use lsm_reservoir::{
    Drive, GeneratorConfig, Network, NetworkSpec, NeuronSpec, Param, RecordSpec, SynapseKind,
    SynapseList,
};
use ndarray::Array2;

const DT: Real = 0.1;
const TAU_M: Real = 20.0;
const R: Real = 10.0;
const V_REST: Real = -70.0;
const V_TH: Real = -50.0;
const T_REF: Real = 2.0;

fn neuron(i_bias: Real, adapt: Real, tau_adapt: Option<Real>) -> NeuronSpec {
    NeuronSpec {
        tau_m_ms: TAU_M.into(),
        r_mohm: R.into(),
        v_rest_mv: V_REST.into(),
        v_reset_mv: V_REST.into(),
        v_th_mv: V_TH.into(),
        t_ref_ms: T_REF.into(),
        i_bias_na: i_bias.into(),
        synapse: SynapseKind::ExpCurrent,
        tau_syn_exc_ms: Some(5.0.into()),
        tau_syn_inh_ms: Some(10.0.into()),
        adapt_mv: adapt.into(),
        tau_adapt_ms: tau_adapt.map(Param::Scalar),
        ..NeuronSpec::default()
    }
}

fn spikes_and_state(spec: &NetworkSpec, drive: Drive<'_>, steps: usize) -> (Vec<usize>, Real) {
    let net = Network::from_spec(spec).unwrap();
    let rec = net
        .run(
            drive,
            steps,
            &RecordSpec {
                spikes: true,
                final_state: true,
                ..RecordSpec::default()
            },
            0,
            0,
        )
        .unwrap();
    let s = rec.spikes.unwrap().iter().map(|(s, _)| s).collect();
    (s, rec.final_state.unwrap().theta[0])
}

/// The spike steps of one neuron under a constant bias current, written directly from the
/// documented order of operations (update with the membrane clamped while refractory and the
/// threshold variable decaying, threshold `v > v_th + θ`, reset and `θ += adapt`).
fn reference(i_bias: Real, adapt: Real, tau_adapt: Real, steps: usize) -> Vec<usize> {
    let v_inf = V_REST + R * i_bias;
    let (pm, pa) = ((-DT / TAU_M).exp(), (-DT / tau_adapt).exp());
    let ref_steps = (T_REF / DT + 1e-3).floor() as usize;
    let (mut v, mut theta, mut until) = (V_REST, 0.0, 0usize);
    let mut out = Vec::new();
    for t in 0..steps {
        theta *= pa;
        if t >= until {
            v = v_inf + (v - v_inf) * pm;
        }
        if t >= until && v > V_TH + theta {
            out.push(t);
            v = V_REST;
            until = t + ref_steps;
            theta += adapt;
        }
    }
    out
}

#[test]
fn spike_times_match_the_documented_schedule() {
    for &(i, adapt, tau) in &[(3.0, 2.0, 100.0), (2.5, 0.5, 300.0), (5.0, 4.0, 50.0)] {
        let steps = 10_000; // 1 s
        let spec = NetworkSpec::new(DT, 1, 0, neuron(i, adapt, Some(tau)));
        let (got, _) = spikes_and_state(&spec, Drive::None, steps);
        let want = reference(i, adapt, tau, steps);
        assert!(want.len() > 10, "I = {i}: only {} spikes", want.len());
        assert_eq!(got, want, "I = {i} nA, adapt {adapt} mV, tau {tau} ms");
    }
}

#[test]
fn adaptation_slows_a_steadily_driven_neuron() {
    let steps = 20_000;
    let plain = NetworkSpec::new(DT, 1, 0, neuron(3.0, 0.0, None));
    let adapting = NetworkSpec::new(DT, 1, 0, neuron(3.0, 2.0, Some(100.0)));
    let (p, _) = spikes_and_state(&plain, Drive::None, steps);
    let (a, _) = spikes_and_state(&adapting, Drive::None, steps);
    // The first spike comes before any adaptation: same time.
    assert_eq!(p[0], a[0]);
    assert!(
        a.len() * 4 < p.len() * 3,
        "{} vs {} spikes",
        a.len(),
        p.len()
    );
    let isi: Vec<usize> = a.windows(2).map(|w| w[1] - w[0]).collect();
    // Intervals lengthen (spike-frequency adaptation) to a steady state.
    assert!(isi[5] > isi[0] + 20, "ISIs {isi:?}");
    for w in isi.windows(2).take(8) {
        assert!(
            w[1] + 1 >= w[0],
            "ISIs should not shorten early on: {isi:?}"
        );
    }
    let tail = &isi[isi.len() - 10..];
    let (lo, hi) = (tail.iter().min().unwrap(), tail.iter().max().unwrap());
    assert!(hi - lo <= 1, "steady state not reached: {tail:?}");
}

#[test]
fn theta_decays_exactly_after_the_drive_stops() {
    // One input channel carrying a 5 nA current for 100 ms, then silence for 200 ms.
    let steps = 3000;
    let (adapt, tau) = (1.5, 80.0);
    let mut spec = NetworkSpec::new(DT, 1, 1, neuron(0.0, adapt, Some(tau)));
    spec.input = SynapseList {
        pre: vec![0],
        post: vec![0],
        weight: vec![1.0],
        delay_ms: None,
        stp: None,
    };
    let mut x = Array2::zeros((steps, 1));
    x.slice_mut(ndarray::s![..1000, ..]).fill(5.0);
    let (s, theta) = spikes_and_state(&spec, Drive::Current(x.view()), steps);
    assert!(s.len() >= 5 && *s.last().unwrap() < 1000, "{s:?}");
    // θ jumps at the end of each spike's step and decays in every later update.
    let pa = (-DT / tau).exp();
    let want: Real = s
        .iter()
        .map(|&k| adapt * pa.powi((steps - 1 - k) as i32))
        .sum();
    assert!(
        ((theta - want) / want).abs() < 1e-12,
        "theta {theta} vs {want}"
    );
}

#[test]
fn zero_adaptation_is_the_plain_lif_bit_for_bit_and_state_resets_between_samples() {
    let mk = |adapt: Real| {
        let mut c = GeneratorConfig {
            n_neurons: Some(150),
            v_init_uniform_mv: Some([0.0, 15.0]),
            ..GeneratorConfig::default()
        };
        // Suprathreshold bias (the default neuron's 13.5 nA stays below 15 mV).
        c.neuron.i_bias_na = 16.0.into();
        if adapt > 0.0 {
            c.neuron.adapt_mv = adapt.into();
            c.neuron.tau_adapt_ms = Some(200.0.into());
        }
        Network::from_spec(&c.generate(0, 5).unwrap()).unwrap()
    };
    let spec = RecordSpec {
        spikes: true,
        final_state: true,
        ..RecordSpec::default()
    };
    let (plain, off, on) = (mk(0.0), mk(0.0), mk(1.0));
    let a = plain.run(Drive::None, 3000, &spec, 1, 0).unwrap();
    let b = off.run(Drive::None, 3000, &spec, 1, 0).unwrap();
    assert_eq!(a, b);
    let c = on.run(Drive::None, 3000, &spec, 1, 0).unwrap();
    assert!(a.n_spikes > 100, "{} spikes", a.n_spikes);
    assert!(c.n_spikes < a.n_spikes, "{} vs {}", c.n_spikes, a.n_spikes);
    assert!(c
        .final_state
        .as_ref()
        .unwrap()
        .theta
        .iter()
        .any(|&t| t > 0.0));
    // A second sample in the same workspace starts from θ = 0.
    let mut ws = on.workspace();
    let mut out = Default::default();
    on.run_into(Drive::None, 3000, &spec, 1, 7, &mut ws, &mut out)
        .unwrap();
    on.run_into(Drive::None, 3000, &spec, 1, 0, &mut ws, &mut out)
        .unwrap();
    assert_eq!(out, c);
}

#[test]
fn invalid_adaptation_is_refused_naming_the_field() {
    let cases: [(NeuronSpec, &str); 4] = [
        (neuron(0.0, 1.0, None), "neuron.tau_adapt_ms"),
        (neuron(0.0, 0.0, Some(100.0)), "neuron.tau_adapt_ms"),
        (neuron(0.0, -1.0, Some(100.0)), "neuron.adapt_mv"),
        (neuron(0.0, 1.0, Some(0.0)), "neuron.tau_adapt_ms"),
    ];
    for (ne, field) in cases {
        let spec = NetworkSpec::new(DT, 1, 0, ne);
        let e = spec.validate_named("net.json").unwrap_err().to_string();
        assert!(e.contains(field) && e.contains("net.json"), "{e}");
    }
}

#[test]
fn network_file_keeps_the_adaptation() {
    let spec = NetworkSpec::new(DT, 1, 0, neuron(3.0, 2.0, Some(100.0)));
    let text = spec.to_json_string();
    assert!(text.contains("\"adapt_mv\"") && text.contains("\"tau_adapt_ms\""));
    let back = NetworkSpec::from_json_str(&text, "x.json").unwrap();
    assert!(back == spec);
    // Without adaptation the fields are not written (files stay as before).
    let plain = NetworkSpec::new(DT, 1, 0, neuron(3.0, 0.0, None)).to_json_string();
    assert!(!plain.contains("adapt"), "{plain}");
}
