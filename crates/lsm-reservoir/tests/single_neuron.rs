//! One neuron against closed forms: f-I curve, rheobase, sub-threshold trace, PSP shapes,
//! refractory timing, the non-leaky neuron.

use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::{
    Drive, Network, NetworkSpec, NeuronSpec, Param, RecordSpec, SynapseKind, SynapseList,
};
use ndarray::Array2;

fn lif(synapse: SynapseKind) -> NeuronSpec {
    NeuronSpec {
        tau_m_ms: 20.0.into(),
        r_mohm: 10.0.into(),
        v_rest_mv: (-70.0).into(),
        v_reset_mv: (-70.0).into(),
        v_th_mv: (-50.0).into(),
        t_ref_ms: 2.0.into(),
        i_bias_na: 0.0.into(),
        synapse,
        tau_syn_exc_ms: (synapse != SynapseKind::Delta).then_some(5.0.into()),
        tau_syn_inh_ms: (synapse != SynapseKind::Delta).then_some(10.0.into()),
        e_syn_exc_mv: (synapse == SynapseKind::ExpConductance).then_some(0.0.into()),
        e_syn_inh_mv: (synapse == SynapseKind::ExpConductance).then_some((-80.0).into()),
        ..NeuronSpec::default()
    }
}

fn one_neuron(neuron: NeuronSpec, dt: Real, n_inputs: usize) -> NetworkSpec {
    NetworkSpec::new(dt, 1, n_inputs, neuron)
}

fn spike_steps(net: &Network, drive: Drive<'_>, n_steps: usize) -> Vec<usize> {
    let rec = net
        .run(drive, n_steps, &RecordSpec::default(), 0, 0)
        .unwrap();
    rec.spikes.unwrap().iter().map(|(s, _)| s).collect()
}

#[test]
fn firing_rate_matches_analytic_f_i_curve() {
    let dt = 0.1;
    for &i_na in &[2.05, 2.2, 2.5, 3.0, 5.0, 10.0] {
        for via_drive in [false, true] {
            let mut ne = lif(SynapseKind::ExpCurrent);
            let mut spec;
            let steps = 40_000; // 4 s
            let x;
            let drive = if via_drive {
                spec = one_neuron(ne, dt, 1);
                spec.input = SynapseList {
                    pre: vec![0],
                    post: vec![0],
                    weight: vec![0.5],
                    delay_ms: None,
                    stp: None,
                };
                x = Array2::from_elem((steps, 1), i_na / 0.5);
                Drive::Current(x.view())
            } else {
                ne.i_bias_na = i_na.into();
                spec = one_neuron(ne, dt, 0);
                Drive::None
            };
            let net = Network::from_spec(&spec).unwrap();
            let s = spike_steps(&net, drive, steps);
            assert!(s.len() > 10, "I = {i_na}: {} spikes", s.len());
            let isi_ms = (s[s.len() - 1] - s[0]) as Real * dt / (s.len() - 1) as Real;
            let ri = 10.0 * i_na;
            let analytic = 2.0 + 20.0 * (ri / (ri - 20.0)).ln();
            // Without spike-time interpolation the ISI is a whole number of steps (Brian2's
            // timing: stamped at the start of the step whose update crosses), so the relative
            // error is below dt / ISI: 0.5 % needs ISI >= 20 ms, i.e. I <= 3 nA here.
            let rel = (isi_ms - analytic).abs() / analytic;
            if i_na <= 3.0 {
                assert!(
                    rel < 0.005,
                    "I = {i_na} nA: ISI {isi_ms} ms vs analytic {analytic} ms ({rel})"
                );
            }
            assert!(
                (isi_ms - analytic).abs() <= dt + 1e-9,
                "I = {i_na}: {isi_ms} vs {analytic}"
            );
            // Exact discrete prediction: m integrations from reset until v > v_th, then the
            // ISI is R + m - 1 steps (R = 20 refractory steps), every time.
            let m = (1..)
                .find(|&m| -70.0 + ri * (1.0 - (-(m as Real) * dt / 20.0).exp()) > -50.0)
                .unwrap();
            for w in s.windows(2) {
                assert_eq!(w[1] - w[0], 20 + m - 1, "I = {i_na}");
            }
        }
    }
}

#[test]
fn no_spike_at_or_below_rheobase() {
    for &i_na in &[0.5, 1.9, 1.999, 2.0] {
        let mut ne = lif(SynapseKind::ExpCurrent);
        ne.i_bias_na = i_na.into();
        let net = Network::from_spec(&one_neuron(ne, 0.1, 0)).unwrap();
        assert!(
            spike_steps(&net, Drive::None, 50_000).is_empty(),
            "I = {i_na}"
        );
    }
}

#[test]
fn subthreshold_trace_matches_closed_form() {
    let dt = 0.1;
    for synapse in [
        SynapseKind::ExpCurrent,
        SynapseKind::Delta,
        SynapseKind::ExpConductance,
    ] {
        let mut ne = lif(synapse);
        ne.i_bias_na = 1.5.into();
        let net = Network::from_spec(&one_neuron(ne, dt, 0)).unwrap();
        let spec = RecordSpec {
            v: true,
            ..RecordSpec::default()
        };
        let rec = net.run(Drive::None, 2000, &spec, 0, 0).unwrap();
        let v = rec.v.unwrap();
        for t in 0..2000 {
            let time = t as Real * dt;
            let exact = -70.0 + 15.0 * (1.0 - (-time / 20.0).exp());
            assert!(
                (v[[t, 0]] - exact).abs() < 1e-11,
                "t = {time}: {} vs {exact}",
                v[[t, 0]]
            );
        }
    }
}

fn psp_network(synapse: SynapseKind, w: Real, delay_ms: Real, dt: Real) -> Network {
    let mut spec = one_neuron(lif(synapse), dt, 1);
    spec.input = SynapseList {
        pre: vec![0],
        post: vec![0],
        weight: vec![w],
        delay_ms: Some(vec![delay_ms]),
        stp: None,
    };
    Network::from_spec(&spec).unwrap()
}

#[test]
fn exp_synapse_psp_is_difference_of_exponentials() {
    let dt = 0.1;
    for &(w, delay_ms, s0) in &[(0.8, 0.0, 50usize), (0.8, 1.5, 50), (-1.3, 0.3, 7)] {
        let net = psp_network(SynapseKind::ExpCurrent, w, delay_ms, dt);
        let n_steps = 2000;
        let input = SpikeTrains::from_events(1, dt, n_steps, [(s0, 0)]).unwrap();
        let rec = net
            .run(
                Drive::Spikes(&input),
                n_steps,
                &RecordSpec {
                    v: true,
                    ..RecordSpec::default()
                },
                0,
                0,
            )
            .unwrap();
        let v = rec.v.unwrap();
        let d = (delay_ms / dt).round() as usize;
        // The current jumps after the state update of step s0 + d, i.e. at time (s0+d+1)·dt.
        let t_on = (s0 + d + 1) as Real * dt;
        let tau_s = if w > 0.0 { 5.0 } else { 10.0 };
        let mut peak: Real = 0.0;
        for t in 0..n_steps {
            let time = t as Real * dt;
            let exact = if time < t_on - 1e-9 {
                0.0
            } else {
                let u = time - t_on;
                w * 10.0 * tau_s / (20.0 - tau_s) * ((-u / 20.0).exp() - (-u / tau_s).exp())
            };
            let got = v[[t, 0]] + 70.0;
            peak = peak.max(got.abs());
            assert!(
                (got - exact).abs() < 1e-12,
                "w {w} d {delay_ms} t = {time}: {got} vs {exact}"
            );
        }
        assert!(peak > 0.5, "PSP too small to be a test: {peak}");
    }
}

#[test]
fn delta_synapse_is_jump_then_exponential_decay() {
    let dt = 0.1;
    let (w, s0) = (3.0, 100usize);
    for delay_ms in [0.0, 0.1, 2.0] {
        let net = psp_network(SynapseKind::Delta, w, delay_ms, dt);
        let input = SpikeTrains::from_events(1, dt, 1000, [(s0, 0)]).unwrap();
        let rec = net
            .run(
                Drive::Spikes(&input),
                1000,
                &RecordSpec {
                    v: true,
                    ..RecordSpec::default()
                },
                0,
                0,
            )
            .unwrap();
        let v = rec.v.unwrap();
        let t_on = s0 + (delay_ms / dt).round() as usize + 1;
        for t in 0..1000 {
            let got = v[[t, 0]] + 70.0;
            let exact = if t < t_on {
                0.0
            } else {
                w * (-((t - t_on) as Real) * dt / 20.0).exp()
            };
            assert!(
                (got - exact).abs() < 1e-12,
                "delay {delay_ms} step {t}: {got} vs {exact}"
            );
        }
    }
}

#[test]
fn refractory_clamp_lasts_exactly_t_ref() {
    // Strong input; after each spike at step s the recorded membrane (start of step) is
    // v_reset for rows s+1 ..= s+max(R, 1) and moves again at the next row (Brian2's timing:
    // the state updates of steps s+1 .. s+R-1 are clamped).
    let dt = 0.1;
    for t_ref in [0.0, 0.1, 0.25, 2.0, 3.0] {
        let mut ne = lif(SynapseKind::ExpCurrent);
        ne.i_bias_na = 5.0.into();
        ne.t_ref_ms = t_ref.into();
        let net = Network::from_spec(&one_neuron(ne, dt, 0)).unwrap();
        let rec = net
            .run(
                Drive::None,
                3000,
                &RecordSpec {
                    v: true,
                    ..RecordSpec::default()
                },
                0,
                0,
            )
            .unwrap();
        let v = rec.v.unwrap();
        let spikes: Vec<usize> = rec.spikes.unwrap().iter().map(|(s, _)| s).collect();
        let r = ((t_ref + 1e-3 * dt) / dt).floor() as usize;
        let r_rows = r.max(1);
        assert!(spikes.len() > 5);
        for &s in &spikes[..spikes.len() - 1] {
            for row in s + 1..=s + r_rows {
                assert_eq!(
                    v[[row, 0]],
                    -70.0,
                    "t_ref {t_ref}: row {row} after spike at {s}"
                );
            }
            assert!(
                v[[s + r_rows + 1, 0]] > -70.0,
                "t_ref {t_ref}: row {} should have left reset",
                s + r_rows + 1
            );
        }
        // And the ISI is max(R, 1) - 1 steps longer than with t_ref = 0.
        let isi = spikes[1] - spikes[0];
        let mut ne0 = lif(SynapseKind::ExpCurrent);
        ne0.i_bias_na = 5.0.into();
        ne0.t_ref_ms = 0.0.into();
        let net0 = Network::from_spec(&one_neuron(ne0, dt, 0)).unwrap();
        let s0 = spike_steps(&net0, Drive::None, 3000);
        assert_eq!(isi, s0[1] - s0[0] + r_rows - 1, "t_ref {t_ref}");
    }
}

#[test]
fn exp_input_during_refractoriness_is_kept_delta_input_is_dropped() {
    let dt = 0.1;
    for synapse in [
        SynapseKind::ExpCurrent,
        SynapseKind::Delta,
        SynapseKind::ExpConductance,
    ] {
        let mut ne = lif(synapse);
        ne.t_ref_ms = 5.0.into();
        ne.v_init_mv = Some(Param::Scalar(-49.0)); // spikes at step 0
        let mut spec = one_neuron(ne, dt, 1);
        spec.input = SynapseList {
            pre: vec![0],
            post: vec![0],
            weight: vec![2.0],
            delay_ms: Some(vec![0.0]),
            stp: None,
        };
        let net = Network::from_spec(&spec).unwrap();
        let input = SpikeTrains::from_events(1, dt, 400, [(10, 0)]).unwrap();
        let rec = net
            .run(
                Drive::Spikes(&input),
                400,
                &RecordSpec {
                    v: true,
                    ..RecordSpec::default()
                },
                0,
                0,
            )
            .unwrap();
        let sp: Vec<usize> = rec.spikes.unwrap().iter().map(|(s, _)| s).collect();
        assert_eq!(sp, vec![0]);
        let v = rec.v.unwrap();
        // Clamped through row 50 (R = 50 steps).
        assert_eq!(v[[50, 0]], -70.0);
        match synapse {
            // The current received at step 10 has decayed for 40 steps and now drives v.
            SynapseKind::ExpCurrent | SynapseKind::ExpConductance => {
                assert!(v[[52, 0]] > -70.0 + 1e-3, "{}", v[[52, 0]])
            }
            SynapseKind::Delta => assert_eq!(v[[52, 0]], -70.0),
        }
    }
}

#[test]
fn non_leaky_integrator_is_linear_ramp() {
    // C dv/dt = I with C = tau_m / R = 2 nF: slope I/C = 0.245 mV/ms for 0.49 nA.
    let dt = 0.1;
    let mut ne = lif(SynapseKind::ExpCurrent);
    ne.leaky = false;
    ne.i_bias_na = 0.49.into();
    let net = Network::from_spec(&one_neuron(ne, dt, 0)).unwrap();
    let rec = net
        .run(
            Drive::None,
            2000,
            &RecordSpec {
                v: true,
                ..RecordSpec::default()
            },
            0,
            0,
        )
        .unwrap();
    let v = rec.v.unwrap();
    for t in 0..810 {
        let exact = -70.0 + 0.245 * t as Real * dt;
        assert!(
            (v[[t, 0]] - exact).abs() < 1e-9,
            "step {t}: {} vs {exact}",
            v[[t, 0]]
        );
    }
    // Threshold 20 mV above reset: 817 integration steps to exceed it (81.7 ms), so the first
    // spike is at step 816; then 20 refractory steps and again 817 integrations.
    let sp: Vec<usize> = rec.spikes.unwrap().iter().map(|(s, _)| s).collect();
    assert_eq!(sp[0], 816);
    assert_eq!(sp[1] - sp[0], 20 + 816);
    // An input current pulse through an exp synapse adds the charge w·tau_syn / C for good.
    let mut ne = lif(SynapseKind::ExpCurrent);
    ne.leaky = false;
    let mut spec = one_neuron(ne, dt, 1);
    spec.input = SynapseList {
        pre: vec![0],
        post: vec![0],
        weight: vec![1.0],
        delay_ms: None,
        stp: None,
    };
    let net = Network::from_spec(&spec).unwrap();
    let input = SpikeTrains::from_events(1, dt, 3000, [(0, 0)]).unwrap();
    let rec = net
        .run(
            Drive::Spikes(&input),
            3000,
            &RecordSpec {
                v: true,
                ..RecordSpec::default()
            },
            0,
            0,
        )
        .unwrap();
    let end = rec.v.unwrap()[[2999, 0]];
    let exact = -70.0 + 1.0 * 5.0 / 2.0 * (1.0 - (-(2999.0 - 2.0) * dt / 5.0_f64).exp());
    assert!((end - exact).abs() < 1e-9, "{end} vs {exact}");
}

/// Reset by subtraction: a non-leaky neuron with a constant drive `a` per step keeps the
/// charge above the threshold, so after `T` steps `v(T) = T a − N(T) (v_th − v_reset)` exactly
/// (up to rounding) and its rate is within `1/T` of `a / (v_th − v_reset)`; resetting to a
/// value loses that charge and fires less.
#[test]
fn reset_by_subtraction_keeps_the_charge_above_threshold() {
    use lsm_reservoir::ResetKind;
    let (a, t_steps) = (0.37, 1000usize);
    let run = |reset: ResetKind| {
        let ne = NeuronSpec {
            leaky: false,
            tau_m_ms: 1.0.into(),
            r_mohm: 1.0.into(),
            v_rest_mv: 0.0.into(),
            v_reset_mv: (-0.5).into(),
            v_th_mv: 1.5.into(),
            t_ref_ms: 0.0.into(),
            i_bias_na: a.into(),
            synapse: SynapseKind::Delta,
            tau_syn_exc_ms: None,
            tau_syn_inh_ms: None,
            reset,
            ..NeuronSpec::default()
        };
        let net = Network::from_spec(&one_neuron(ne, 1.0, 0)).unwrap();
        let spec = RecordSpec {
            final_state: true,
            ..RecordSpec::default()
        };
        let rec = net.run(Drive::None, t_steps, &spec, 0, 0).unwrap();
        (rec.n_spikes, rec.final_state.unwrap().v[0])
    };
    let (n, v) = run(ResetKind::Subtract);
    let want = t_steps as Real * a - n as Real * 2.0;
    assert!((v - want).abs() < 1e-9, "v {v}, T a - 2 N = {want}");
    assert!((-0.5..=1.5).contains(&v), "{v}");
    let rate = n as Real / t_steps as Real;
    assert!((rate - a / 2.0).abs() <= 1.0 / t_steps as Real, "{rate}");
    // Reset to v_reset = -0.5: the first spike after 5 steps from 0 (5 a = 1.85 > 1.5), then
    // one every 6 steps (6 a = 2.22 > 2 > 5 a): 166 spikes in 1000 steps, against
    // 1000 a / 2 = 185 with subtraction.
    let (n_value, _) = run(ResetKind::Value);
    assert_eq!(n, 185);
    assert_eq!(n_value, 1 + (t_steps - 5) / 6);
}

#[test]
fn reset_by_subtraction_is_validated() {
    use lsm_reservoir::ResetKind;
    let mut ne = lif(SynapseKind::Delta);
    ne.reset = ResetKind::Subtract;
    ne.v_reset_mv = (-50.0).into();
    let err = one_neuron(ne.clone(), 0.1, 0)
        .validate()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("neuron.reset") && err.contains("v_th_mv -50"),
        "{err}"
    );
    let mut hh = NeuronSpec::hodgkin_huxley();
    hh.reset = ResetKind::Subtract;
    let err = one_neuron(hh, 0.01, 0).validate().unwrap_err().to_string();
    assert!(
        err.contains("neuron.reset") && err.contains("\"lif\" only"),
        "{err}"
    );
    // The default is not written, so older files stay byte for byte; "subtract" round-trips.
    let plain = one_neuron(lif(SynapseKind::Delta), 0.1, 0);
    assert!(!plain.to_json_string().contains("reset\""));
    ne.v_reset_mv = (-70.0).into();
    let sub = one_neuron(ne, 0.1, 0);
    let text = sub.to_json_string();
    assert_eq!(NetworkSpec::from_json_str(&text, "x").unwrap(), sub);
    let bad = text.replace("\"subtract\"", "\"halve\"");
    assert!(NetworkSpec::from_json_str(&bad, "x").is_err());
    // NIR's neurons reset to a value: the export refuses instead of changing the model.
    let opts = lsm_reservoir::nir::ExportOptions::default();
    let err = lsm_reservoir::nir::to_nir(&sub, "x", &opts)
        .unwrap_err()
        .to_string();
    assert!(err.contains("neuron.reset"), "{err}");
    assert!(lsm_reservoir::nir::to_nir(&plain, "x", &opts).is_ok());
}
