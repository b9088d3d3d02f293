//! The theta neuron (Ermentrout & Kopell 1986): its period and resting phase against the
//! closed forms of `τ dθ/dt = (1 − cos θ) + (1 + cos θ) η`, its threshold at the unstable
//! phase, synaptic currents against an independent iteration of the Euler recurrence, and the
//! file checks.

// The recurrences index two neurons' arrays in lock step, as the simulator does.
#![allow(clippy::needless_range_loop)]

mod common;

use lsm_core::Real;
use lsm_reservoir::nir::{to_nir, ExportOptions};
use lsm_reservoir::theta::{euler_step, half_angle_squares, period};
use lsm_reservoir::{
    Drive, ModelKind, Network, NetworkSpec, NeuronSpec, RecordSpec, SynapseKind, SynapseList,
};
use std::f64::consts::PI;

/// One theta neuron with `tau_m_ms` `tau`, R 1 MΩ and bias `eta` nA (drive η = `eta`), step
/// `dt` ms, starting at phase `theta0`.
fn single(tau: Real, eta: Real, dt: Real, theta0: Real) -> NetworkSpec {
    let ne = NeuronSpec {
        tau_m_ms: tau.into(),
        r_mohm: 1.0.into(),
        i_bias_na: eta.into(),
        v_init_mv: Some(theta0.into()),
        ..NeuronSpec::theta()
    };
    NetworkSpec::new(dt, 1, 0, ne)
}

fn spikes_of(spec: &NetworkSpec, n_steps: usize) -> (Vec<Real>, Vec<usize>) {
    common::run_undriven(spec, n_steps)
}

#[test]
fn constant_drive_fires_with_period_pi_tau_over_sqrt_eta() {
    // Forward Euler at h/τ = 1e-4: the interval converges to π τ / √η at first order in h.
    let (tau, dt) = (10.0, 0.001);
    for eta in [0.25, 1.0, 4.0] {
        let want = period(eta, tau);
        let n_steps = (6.0 * want / dt) as usize;
        let (_, sp) = spikes_of(&single(tau, eta, dt, -PI), n_steps);
        assert!(sp.len() >= 5, "η {eta}: {} spikes", sp.len());
        // From −π the first spike comes after one period as well.
        let first = (sp[0] + 1) as Real * dt;
        assert!(
            (first - want).abs() < 2e-3 * want,
            "η {eta}: first spike at {first} ms, period {want}"
        );
        for w in sp.windows(2) {
            let isi = (w[1] - w[0]) as Real * dt;
            assert!(
                (isi - want).abs() < 2e-3 * want,
                "η {eta}: interval {isi} ms, closed form {want} ms"
            );
        }
    }
    // The closed form itself: four times the drive halves the period.
    assert!((period(4.0, 10.0) * 2.0 - period(1.0, 10.0)).abs() < 1e-12);
}

#[test]
fn negative_drive_rests_at_the_stable_phase_and_a_kick_past_the_unstable_one_fires_once() {
    let (tau, dt, eta): (Real, Real, Real) = (10.0, 0.01, -0.5);
    let fixed = ((1.0 + eta) / (1.0 - eta)).acos(); // arccos(1/3)
                                                    // From −π: no spike, and the phase settles at −arccos((1 + η)/(1 − η)).
    let (v, sp) = spikes_of(&single(tau, eta, dt, -PI), 20_000);
    assert!(sp.is_empty(), "spikes at rest: {sp:?}");
    let last = *v.last().unwrap();
    assert!(
        (last + fixed).abs() < 1e-6,
        "rest phase {last}, closed form {}",
        -fixed
    );
    // Just above the unstable phase +arccos(...): one spike, then rest.
    let (v, sp) = spikes_of(&single(tau, eta, dt, fixed + 0.01), 20_000);
    assert_eq!(sp.len(), 1, "kicked past the unstable phase: {sp:?}");
    assert!((v.last().unwrap() + fixed).abs() < 1e-6);
    // Just below it: back to rest without a spike.
    let (v, sp) = spikes_of(&single(tau, eta, dt, fixed - 0.01), 20_000);
    assert!(sp.is_empty(), "below the unstable phase: {sp:?}");
    assert!((v.last().unwrap() + fixed).abs() < 1e-6);
}

#[test]
fn synaptic_currents_follow_the_euler_recurrence_step_for_step() {
    // Neuron 0 fires tonically and drives neuron 1 (resting at η −0.2) through an excitatory
    // synapse of 3 nA (τ 5 ms) and itself through an inhibitory one of −0.1 nA (τ 8 ms),
    // both without delay; R 2 MΩ. The recurrence is iterated here with the simulator's
    // schedule (update with the current of the step before, decay, threshold, delivery, reset).
    let (dt, tau, r) = (0.05, 10.0, 2.0);
    let ne = NeuronSpec {
        tau_m_ms: tau.into(),
        r_mohm: r.into(),
        i_bias_na: lsm_reservoir::Param::PerNeuron(vec![0.5, -0.1]),
        v_init_mv: Some(lsm_reservoir::Param::PerNeuron(vec![-PI, -1.0])),
        tau_syn_exc_ms: Some(5.0.into()),
        tau_syn_inh_ms: Some(8.0.into()),
        ..NeuronSpec::theta()
    };
    let mut spec = NetworkSpec::new(dt, 2, 0, ne);
    spec.recurrent = SynapseList {
        pre: vec![0, 0],
        post: vec![1, 0],
        weight: vec![3.0, -0.1],
        delay_ms: Some(vec![0.0, 0.0]),
        stp: None,
    };
    let n_steps = 40_000;
    let net = Network::from_spec(&spec).unwrap();
    let rs = RecordSpec::default();
    let got = net.run(Drive::None, n_steps, &rs, 1, 0).unwrap();
    let got: Vec<(usize, u32)> = got.spikes.as_ref().unwrap().iter().collect();

    let (pe, pi) = ((-dt / 5.0).exp(), (-dt / 8.0).exp());
    let bias = [0.5, -0.1];
    let mut th = [-PI, -1.0];
    let (mut ie, mut ii) = ([0.0; 2], [0.0; 2]);
    let mut want = Vec::new();
    for t in 0..n_steps {
        for j in 0..2 {
            th[j] = euler_step(th[j], r * ((bias[j] + ie[j]) + ii[j]), dt / tau);
            ie[j] *= pe;
            ii[j] *= pi;
        }
        let fired: Vec<usize> = (0..2).filter(|&j| th[j] >= PI).collect();
        for &j in &fired {
            want.push((t, j as u32));
            if j == 0 {
                ie[1] += 3.0;
                ii[0] += -0.1;
            }
        }
        for &j in &fired {
            th[j] = -PI;
        }
    }
    let n1 = want.iter().filter(|s| s.1 == 1).count();
    assert!(n1 >= 5, "the driven neuron fired {n1} times");
    assert!(
        want.len() > n1 + 20,
        "the driver fired {} times",
        want.len() - n1
    );
    assert_eq!(got, want);
}

#[test]
fn a_held_analog_drive_acts_as_the_recurrence_says() {
    // Two channels into two neurons (weights 1.5 and −0.7 onto neuron 0, 2.0 onto neuron 1),
    // each row held for 50 steps as a series reservoir holds its samples, with repeated, zero
    // and changing rows: the simulator reuses the held current and must still follow the
    // recurrence with I_ext = Σ w x of the step's own row.
    let (dt, tau) = (0.02, 0.5);
    let ne = NeuronSpec {
        tau_m_ms: tau.into(),
        r_mohm: 1.0.into(),
        v_init_mv: Some((-PI).into()),
        ..NeuronSpec::theta()
    };
    let mut spec = NetworkSpec::new(dt, 2, 2, ne);
    spec.input = SynapseList {
        pre: vec![0, 1, 0],
        post: vec![0, 0, 1],
        weight: vec![1.5, -0.7, 2.0],
        delay_ms: Some(vec![0.0; 3]),
        stp: None,
    };
    let rows: [[Real; 2]; 8] = [
        [0.0, 0.0],
        [1.0, 0.5],
        [1.0, 0.5],
        [0.2, 0.0],
        [0.0, 0.0],
        [1.0, 0.5],
        [3.0, -1.0],
        [0.0, 2.0],
    ];
    let (hold, reps) = (50, 40);
    let n_steps = rows.len() * hold * reps;
    let x = ndarray::Array2::from_shape_fn((n_steps, 2), |(t, c)| rows[(t / hold) % rows.len()][c]);
    let net = Network::from_spec(&spec).unwrap();
    let got = net
        .run(
            Drive::Current(x.view()),
            n_steps,
            &RecordSpec::default(),
            1,
            0,
        )
        .unwrap();
    let got: Vec<(usize, u32)> = got.spikes.as_ref().unwrap().iter().collect();
    let mut th = [-PI; 2];
    let mut want = Vec::new();
    for t in 0..n_steps {
        let i_ext = [1.5 * x[[t, 0]] + -0.7 * x[[t, 1]], 2.0 * x[[t, 0]]];
        for j in 0..2 {
            th[j] = euler_step(th[j], ((0.0 + i_ext[j]) + 0.0) + 0.0, dt / tau);
        }
        for j in 0..2 {
            if th[j] >= PI {
                want.push((t, j as u32));
                th[j] = -PI;
            }
        }
    }
    assert!(want.iter().filter(|s| s.1 == 0).count() > 20);
    assert!(want.iter().filter(|s| s.1 == 1).count() > 20);
    assert_eq!(got, want);
}

#[test]
fn half_angle_squares_match_libm() {
    // Against (1 ∓ cos θ)/2 from libm, and sin²(θ/2) from libm where 1 − cos θ cancels.
    let mut worst: Real = 0.0;
    for i in -200_000..=200_000 {
        let th = i as Real * 1e-4 * PI * 1.05 + 1e-7; // ±21π: overshoots and far phases
        let (s2, c2) = half_angle_squares(th);
        let (s, c) = ((th / 2.0).sin(), (th / 2.0).cos());
        worst = worst.max((s2 - s * s).abs()).max((c2 - c * c).abs());
        assert!(
            (s2 + c2 - 1.0).abs() < 1e-15,
            "θ {th}: s² + c² = {}",
            s2 + c2
        );
    }
    assert!(worst < 1e-15, "largest difference {worst}");
    // Far phases reduce correctly, and tiny ones keep their relative accuracy.
    for th in [1e3, -7.5e4, 1e6 + 0.3] {
        let (s2, _) = half_angle_squares(th);
        let s = (th / 2.0).sin();
        assert!((s2 - s * s).abs() < 1e-9, "θ {th}");
    }
    let (s2, _) = half_angle_squares(1e-6);
    assert!((s2 / 2.5e-13 - 1.0).abs() < 1e-9);
}

#[test]
fn files_are_checked_for_what_the_model_cannot_do() {
    let base = NetworkSpec::new(0.01, 2, 0, NeuronSpec::theta());
    assert!(base.validate().is_ok());
    assert_eq!(base.neuron.model, ModelKind::Theta);
    let refused = |f: &dyn Fn(&mut NeuronSpec), field: &str| {
        let mut s = base.clone();
        f(&mut s.neuron);
        let e = s.validate_named("net.json").unwrap_err().to_string();
        assert!(e.contains("net.json") && e.contains(field), "{field}: {e}");
    };
    refused(
        &|n| {
            n.synapse = SynapseKind::Delta;
            n.tau_syn_exc_ms = None;
            n.tau_syn_inh_ms = None;
        },
        "neuron.synapse",
    );
    refused(&|n| n.t_ref_ms = 1.0.into(), "neuron.t_ref_ms");
    refused(&|n| n.leaky = false, "neuron.leaky");
    refused(&|n| n.tau_m_ms = 0.0.into(), "tau_m_ms");
    let e = to_nir(&base, "net.json", &ExportOptions::default()).unwrap_err();
    assert!(e.to_string().contains("theta"), "{e}");
    // And the model name round-trips through a network file.
    let json = serde_json::to_string(&base).unwrap();
    assert!(json.contains("\"model\":\"theta\""), "{json}");
    let back: NetworkSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back.neuron.model, ModelKind::Theta);
}
