//! Conductance-based synapses (`"synapse": "exp_conductance"`) of the LIF neuron: spike for
//! spike against Brian2 2.9 (`method='exponential_euler'`, numpy target; fixtures from
//! `scripts/fixtures/gen_brian2_coba.py`), convergence of the postsynaptic potential to a fine
//! Runge-Kutta solution of the same equation, the small-conductance limit (the current
//! synapse), the reversal potentials as bounds, shunting inhibition, and the file's checks.

mod common;

use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::nir::{to_nir, ExportOptions};
use lsm_reservoir::{
    Drive, ModelKind, Network, NetworkSpec, NeuronSpec, Param, RecordSpec, SynapseKind, SynapseList,
};

/// Runs fixture network `name` on its input for 1 s and compares every spike with Brian2's.
fn matches_brian2(name: &str, min_spikes: usize) {
    let spec = common::matches_reference_spikes(name, min_spikes);
    assert_eq!(spec.neuron.synapse, SynapseKind::ExpConductance);
}

#[test]
fn feedforward_matches_brian2_spike_for_spike() {
    matches_brian2("coba_ff", 1000);
}

#[test]
fn recurrent_matches_brian2_spike_for_spike() {
    matches_brian2("coba_rec", 4000);
}

// The neuron of the fixtures: C = 0.2 nF, g_L = 10 nS, rest −60 mV, E_e 0 mV, E_i −80 mV.
const TAU_M: Real = 20.0;
const R: Real = 100.0;
const V_REST: Real = -60.0;
const TAU_E: Real = 5.0;

fn neuron(synapse: SynapseKind) -> NeuronSpec {
    NeuronSpec {
        tau_m_ms: TAU_M.into(),
        r_mohm: R.into(),
        v_rest_mv: V_REST.into(),
        v_reset_mv: V_REST.into(),
        v_th_mv: 100.0.into(), // never reached: the membrane alone is tested
        t_ref_ms: 0.0.into(),
        i_bias_na: 0.0.into(),
        synapse,
        tau_syn_exc_ms: Some(TAU_E.into()),
        tau_syn_inh_ms: Some(10.0.into()),
        e_syn_exc_mv: (synapse == SynapseKind::ExpConductance).then_some(0.0.into()),
        e_syn_inh_mv: (synapse == SynapseKind::ExpConductance).then_some((-80.0).into()),
        ..NeuronSpec::default()
    }
}

/// One neuron, input channels `weights.len()` (one synapse each, no delay), each channel
/// spiking at the steps given; returns `v` at t = k·dt for `n_steps` steps.
fn trace(
    ne: NeuronSpec,
    dt: Real,
    weights: &[Real],
    events: &[(usize, usize)],
    n: usize,
) -> Vec<Real> {
    let mut spec = NetworkSpec::new(dt, 1, weights.len(), ne);
    spec.input = SynapseList {
        pre: (0..weights.len() as u32).collect(),
        post: vec![0; weights.len()],
        weight: weights.to_vec(),
        delay_ms: Some(vec![0.0; weights.len()]),
        stp: None,
    };
    let net = Network::from_spec(&spec).unwrap();
    let input = SpikeTrains::from_events(weights.len(), dt, n, events.iter().copied()).unwrap();
    let rs = RecordSpec {
        v: true,
        ..RecordSpec::default()
    };
    let rec = net.run(Drive::Spikes(&input), n, &rs, 0, 0).unwrap();
    rec.v.unwrap().column(0).to_vec()
}

/// RK4 (step `h`) of `C dv/dt = (E_L − v)/R + 1e-3 g(t) (E_e − v)` with
/// `g(t) = w e^{−(t − t0)/τ_e}` for `t ≥ t0`: `v` sampled every `every` ms up to `t_ms`.
fn reference_psp(w: Real, t0: Real, t_ms: Real, h: Real, every: Real) -> Vec<Real> {
    let c = TAU_M / R;
    let g = |t: Real| {
        if t >= t0 - 1e-9 {
            w * (-(t - t0) / TAU_E).exp()
        } else {
            0.0
        }
    };
    let f = |t: Real, v: Real| ((V_REST - v) / R + 1e-3 * g(t) * (0.0 - v)) / c;
    let (steps, stride) = ((t_ms / h).round() as usize, (every / h).round() as usize);
    let (mut v, mut out) = (V_REST, vec![V_REST]);
    for k in 0..steps {
        let t = k as Real * h;
        let k1 = f(t, v);
        let k2 = f(t + h / 2.0, v + h / 2.0 * k1);
        let k3 = f(t + h / 2.0, v + h / 2.0 * k2);
        let k4 = f(t + h, v + h * k3);
        v += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        if (k + 1) % stride == 0 {
            out.push(v);
        }
    }
    out
}

#[test]
fn psp_converges_to_the_ode_solution_at_first_order() {
    // A 20 nS pulse at t0 = 5 ms (received in step t0/dt − 1, acting from t0 on): the largest
    // error over 60 ms on the 0.4 ms grid shared by every dt.
    let (w, t0, t_ms) = (20.0, 5.0, 60.0);
    let reference = reference_psp(w, t0, t_ms, 0.0005, 0.4);
    let peak = reference.iter().fold(Real::MIN, |a, &b| a.max(b)) - V_REST;
    assert!(peak > 1.0, "PSP {peak} mV");
    let err = |dt: Real| {
        let n = (t_ms / dt).round() as usize + 1;
        let s0 = (t0 / dt).round() as usize - 1;
        let v = trace(neuron(SynapseKind::ExpConductance), dt, &[w], &[(s0, 0)], n);
        let stride = (0.4 / dt).round() as usize;
        reference
            .iter()
            .enumerate()
            .map(|(k, r)| (v[k * stride] - r).abs())
            .fold(0.0, Real::max)
    };
    let (e1, e2, e3) = (err(0.1), err(0.05), err(0.025));
    assert!(e1 < 0.03 * peak, "error {e1} mV of a {peak} mV PSP");
    assert!(
        e1 > 1.7 * e2 && e2 > 1.7 * e3,
        "errors {e1} {e2} {e3} mV: not first order"
    );
}

#[test]
fn small_conductance_psp_approaches_the_current_psp() {
    // At rest the driving force is E_e − v_rest = 60 mV: w nS act as a current of
    // 1e-3 w · 60 nA while v stays near rest.
    let (dt, w, n) = (0.01, 0.2, 6000);
    let g = trace(neuron(SynapseKind::ExpConductance), dt, &[w], &[(99, 0)], n);
    let i = trace(
        neuron(SynapseKind::ExpCurrent),
        dt,
        &[1e-3 * w * 60.0],
        &[(99, 0)],
        n,
    );
    let peak = |v: &[Real]| v.iter().fold(Real::MIN, |a, &b| a.max(b)) - V_REST;
    let (pg, pi) = (peak(&g), peak(&i));
    assert!(pi > 0.01, "current PSP {pi} mV");
    assert!((pg / pi - 1.0).abs() < 5e-3, "peaks {pg} vs {pi} mV");
    // A larger conductance depolarises less than its current equivalent: the driving force
    // shrinks as v rises.
    let g = trace(
        neuron(SynapseKind::ExpConductance),
        dt,
        &[200.0],
        &[(99, 0)],
        n,
    );
    let i = trace(neuron(SynapseKind::ExpCurrent), dt, &[12.0], &[(99, 0)], n);
    assert!(peak(&g) < 0.8 * peak(&i), "{} vs {}", peak(&g), peak(&i));
}

#[test]
fn reversal_potentials_bound_the_membrane() {
    // Huge conductances (1e5 nS = 10^4 g_L) every 2 ms: forward Euler would overshoot far
    // past the reversal potential; exponential Euler stays between it and the start.
    let dt = 0.1;
    let events: Vec<(usize, usize)> = (0..50).map(|k| (k * 20, 0)).collect();
    let v = trace(
        neuron(SynapseKind::ExpConductance),
        dt,
        &[1e5],
        &events,
        1000,
    );
    assert!(v.iter().all(|&x| (V_REST..=0.0).contains(&x)), "exc");
    assert!(v[500] > -0.5, "driven to E_e: {}", v[500]);
    let v = trace(
        neuron(SynapseKind::ExpConductance),
        dt,
        &[-1e5],
        &events,
        1000,
    );
    assert!(v.iter().all(|&x| (-80.0..=V_REST).contains(&x)), "inh");
    assert!(v[500] < -79.5, "driven to E_i: {}", v[500]);
}

#[test]
fn inhibition_reversing_at_rest_only_shunts() {
    let dt = 0.1;
    let mut ne = neuron(SynapseKind::ExpConductance);
    ne.e_syn_inh_mv = Some(V_REST.into());
    // Inhibition alone leaves the membrane at rest.
    let v = trace(ne.clone(), dt, &[10.0, -50.0], &[(100, 1)], 600);
    assert!(v.iter().all(|&x| (x - V_REST).abs() < 1e-12));
    // It divides an excitatory PSP arriving with it.
    let peak = |v: &[Real]| v.iter().fold(Real::MIN, |a, &b| a.max(b)) - V_REST;
    let alone = peak(&trace(ne.clone(), dt, &[10.0, -50.0], &[(100, 0)], 600));
    let shunted = peak(&trace(ne, dt, &[10.0, -50.0], &[(100, 0), (100, 1)], 600));
    assert!(
        alone > 0.5 && shunted < 0.6 * alone,
        "{shunted} vs {alone} mV"
    );
}

#[test]
fn network_file_checks_and_round_trip() {
    let ok = || NetworkSpec::new(0.1, 2, 0, neuron(SynapseKind::ExpConductance));
    ok().validate().unwrap();
    let err = |spec: NetworkSpec| spec.validate().unwrap_err().to_string();

    let mut s = ok();
    s.neuron.e_syn_inh_mv = None;
    let e = err(s);
    assert!(
        e.contains("neuron.e_syn_inh_mv") && e.contains("missing"),
        "{e}"
    );

    let mut s = ok();
    s.neuron.e_syn_exc_mv = Some(Param::PerNeuron(vec![0.0, Real::NAN]));
    let e = err(s);
    assert!(e.contains("neuron.e_syn_exc_mv[1]"), "{e}");

    let mut s = ok();
    s.neuron.tau_syn_exc_ms = None;
    let e = err(s);
    assert!(
        e.contains("neuron.tau_syn_exc_ms") && e.contains("exp_conductance"),
        "{e}"
    );

    let mut s = NetworkSpec::new(0.1, 2, 0, neuron(SynapseKind::ExpCurrent));
    s.neuron.e_syn_exc_mv = Some(0.0.into());
    let e = err(s);
    assert!(
        e.contains("neuron.e_syn_exc_mv") && e.contains("absent"),
        "{e}"
    );

    let mut s = ok();
    s.neuron.model = ModelKind::Izhikevich;
    s.neuron.izhikevich = Some(Default::default());
    assert!(s.validate().is_err());

    let e = to_nir(&ok(), "net.json", &ExportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("exp_conductance"), "{e}");

    let dir = std::env::temp_dir().join(format!("lsm-coba-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("net.json");
    ok().save(&path).unwrap();
    let back = NetworkSpec::load(&path).unwrap();
    assert_eq!(back, ok());
    std::fs::remove_dir_all(&dir).unwrap();
}
