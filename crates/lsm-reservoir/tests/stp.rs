//! Dynamic synapses (Tsodyks-Markram short-term depression and facilitation, `"stp"` on a
//! synapse list): spike for spike against Brian2 2.9's differential, event-driven statement of
//! the same synapse (fixtures from `scripts/fixtures/gen_brian2_stp.py`), the amplitudes of a
//! regular train against the recursion and its closed-form steady state, depression against
//! facilitation, the reset between samples, a stepper continuing a run, and the file's checks.

mod common;

use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::nir::{to_nir, ExportOptions};
use lsm_reservoir::stp::{maass2002, MAASS2002_MEANS};
use lsm_reservoir::{
    Drive, GeneratorConfig, Network, NetworkSpec, Param, RecordSpec, StpParams, SynapseList,
};

#[test]
fn feedforward_matches_brian2_spike_for_spike() {
    let spec = common::matches_reference_spikes("stp_ff", 300);
    assert!(spec.input.stp.is_some());
}

#[test]
fn recurrent_matches_brian2_spike_for_spike() {
    let spec = common::matches_reference_spikes("stp_rec", 800);
    assert!(spec.recurrent.stp.is_some());
}

/// A non-leaky neuron with delta synapses and an unreachable threshold: every input spike
/// shows as a jump of `v` equal to its amplitude.
fn probe(u: Real, d: Real, f: Real, w: Real) -> NetworkSpec {
    let ne = common::jump_counter(false);
    let mut spec = NetworkSpec::new(0.1, 1, 1, ne);
    spec.input = SynapseList {
        pre: vec![0],
        post: vec![0],
        weight: vec![w],
        delay_ms: Some(vec![0.0]),
        stp: Some(StpParams {
            u: vec![u],
            tau_rec_ms: vec![d],
            tau_facil_ms: vec![f],
        }),
    };
    spec
}

/// The jumps of `v` at the given input steps.
fn amplitudes(spec: &NetworkSpec, steps: &[usize], n_steps: usize) -> Vec<Real> {
    let net = Network::from_spec(spec).unwrap();
    let input =
        SpikeTrains::from_events(1, spec.dt_ms, n_steps, steps.iter().map(|&s| (s, 0))).unwrap();
    let rs = RecordSpec {
        v: true,
        ..RecordSpec::default()
    };
    let v = net
        .run(Drive::Spikes(&input), n_steps, &rs, 0, 0)
        .unwrap()
        .v
        .unwrap();
    // Input of step s is delivered after s's update: it shows in row s + 1.
    steps.iter().map(|&s| v[[s + 1, 0]] - v[[s, 0]]).collect()
}

#[test]
fn amplitudes_follow_the_recursion_and_its_steady_state() {
    let (dt, w) = (0.1, 2.0);
    for (u, d, f, period_ms) in [
        (0.5, 1100.0, 50.0, 50.0),   // E->E: depressing
        (0.05, 125.0, 1200.0, 20.0), // E->I: facilitating
        (0.3, 200.0, 0.0, 25.0),     // no facilitation
    ] {
        let stride = (period_ms / dt) as usize;
        let steps: Vec<usize> = (0..400).map(|k| 5 + k * stride).collect();
        let got = amplitudes(&probe(u, d, f, w), &steps, steps[399] + 2);
        // The recursion, written out independently of the library.
        let (mut un, mut rn) = (u, 1.0);
        for (k, &a) in got.iter().enumerate() {
            if k > 0 {
                let fac = if f > 0.0 { (-period_ms / f).exp() } else { 0.0 };
                let r_next = 1.0 + (rn - un * rn - 1.0) * (-period_ms / d).exp();
                un = u + un * (1.0 - u) * fac;
                rn = r_next;
            }
            let want = w * un * rn;
            assert!(
                (a - want).abs() <= 1e-12 * want.abs().max(1.0),
                "U {u} spike {k}"
            );
        }
        // Closed-form steady state of a regular train.
        let fac = if f > 0.0 { (-period_ms / f).exp() } else { 0.0 };
        let u_ss = u / (1.0 - (1.0 - u) * fac);
        let e = (-period_ms / d).exp();
        let r_ss = (1.0 - e) / (1.0 - (1.0 - u_ss) * e);
        let last = got[399];
        assert!(
            (last - w * u_ss * r_ss).abs() < 1e-9,
            "U {u}: steady {last} vs {}",
            w * u_ss * r_ss
        );
        if f == 1200.0 {
            assert!(
                got[5] > 2.0 * got[0],
                "facilitation: {} -> {}",
                got[0],
                got[5]
            );
        } else {
            assert!(
                got[5] < 0.7 * got[0],
                "depression: {} -> {}",
                got[0],
                got[5]
            );
        }
    }
}

#[test]
fn state_resets_between_samples_and_recovers_between_spikes() {
    let spec = probe(0.5, 100.0, 0.0, 1.0);
    // Two bursts: the second, 1 s later, starts recovered (R back to 1 - tiny).
    let steps = [10, 20, 30, 10_030];
    let a = amplitudes(&spec, &steps, 10_040);
    assert_eq!(a[0], 0.5);
    assert!(a[1] < 0.5 && a[2] < a[1]);
    assert!((a[3] - 0.5).abs() < 1e-4, "recovered: {}", a[3]);
    // The same workspace for a second sample: the first spike is again w U.
    let net = Network::from_spec(&spec).unwrap();
    let input = SpikeTrains::from_events(1, 0.1, 100, [(10, 0), (20, 0)]).unwrap();
    let rs = RecordSpec {
        v: true,
        ..RecordSpec::default()
    };
    let mut ws = net.workspace();
    let mut first = None;
    for _ in 0..2 {
        let mut rec = lsm_reservoir::Recording::default();
        net.run_into(Drive::Spikes(&input), 100, &rs, 0, 0, &mut ws, &mut rec)
            .unwrap();
        let v = rec.v.unwrap();
        let jumps = (v[[11, 0]] - v[[10, 0]], v[[21, 0]] - v[[20, 0]]);
        assert_eq!(jumps.0, 0.5);
        match first {
            None => first = Some(jumps),
            Some(f) => assert_eq!(f, jumps),
        }
    }
}

#[test]
fn a_stepper_carries_the_synapse_state_over() {
    let spec = common::matches_reference_spikes("stp_rec", 800);
    let net = Network::from_spec(&spec).unwrap();
    let f = std::fs::File::open(common::fixture("stp_rec_input.csv")).unwrap();
    let input = SpikeTrains::read_csv(
        std::io::BufReader::new(f),
        "stp_rec_input.csv",
        "channel",
        spec.dt_ms,
        Some(spec.n_inputs),
        Some(10_000),
    )
    .unwrap();
    let whole = net
        .run(Drive::Spikes(&input), 10_000, &RecordSpec::default(), 0, 0)
        .unwrap()
        .spikes
        .unwrap();
    let mut stepper = net.stepper(0, 0);
    let mut got: Vec<(usize, u32)> = Vec::new();
    for chunk in 0..10 {
        let (a, b) = (chunk * 1000, (chunk + 1) * 1000);
        let part = common::window(&input, a, b);
        let mut rec = lsm_reservoir::Recording::default();
        net.advance(
            &mut stepper,
            Drive::Spikes(&part),
            1000,
            &RecordSpec::default(),
            &mut rec,
        )
        .unwrap();
        got.extend(rec.spikes.unwrap().iter().map(|(s, i)| (s + a, i)));
    }
    let want: Vec<(usize, u32)> = whole.iter().collect();
    assert_eq!(got, want);
}

#[test]
fn maass2002_draws_have_the_papers_means() {
    let mut rng = lsm_core::rng_for(7, 1);
    for (pe, qe) in [(true, true), (true, false), (false, true), (false, false)] {
        let (mu, md, mf) = MAASS2002_MEANS[usize::from(!pe)][usize::from(!qe)];
        let n = 20_000;
        let (mut su, mut sd, mut sf) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let (u, d, f) = maass2002(&mut rng, pe, qe);
            assert!(u > 0.0 && u <= 1.0 && d > 0.0 && f > 0.0);
            su += u;
            sd += d;
            sf += f;
        }
        let n = n as Real;
        // Truncation at 0 (and at 1 for U) shifts the means a little: within 10 %.
        for (m, s) in [(mu, su / n), (md, sd / n), (mf, sf / n)] {
            assert!((s / m - 1.0).abs() < 0.1, "{pe} {qe}: mean {s} vs {m}");
        }
    }
}

#[test]
fn the_generator_draws_maass2002_parameters_from_their_own_stream() {
    let cfg: GeneratorConfig =
        serde_json::from_str(r#"{"n_neurons": 200, "stp": "maass2002"}"#).unwrap();
    let with = cfg.generate(4, 11).unwrap();
    let without = GeneratorConfig {
        stp: None,
        ..cfg.clone()
    }
    .generate(4, 11)
    .unwrap();
    // Everything else is drawn as without dynamic synapses.
    assert_eq!(with.recurrent.weight, without.recurrent.weight);
    assert_eq!(with.recurrent.post, without.recurrent.post);
    assert!(without.recurrent.stp.is_none() && with.input.stp.is_none());
    let stp = with.recurrent.stp.as_ref().unwrap();
    assert_eq!(stp.u.len(), with.recurrent.len());
    with.validate().unwrap();
    // E->E synapses depress (mean U 0.5), E->I ones facilitate (mean U 0.05, F 1.2 s).
    let exc = lsm_reservoir::excitatory_mask(&with).unwrap();
    let mean = |pe: bool, qe: bool, v: &[Real]| {
        let sel: Vec<Real> = (0..v.len())
            .filter(|&k| {
                exc[with.recurrent.pre[k] as usize] == pe
                    && exc[with.recurrent.post[k] as usize] == qe
            })
            .map(|k| v[k])
            .collect();
        sel.iter().sum::<Real>() / sel.len() as Real
    };
    assert!((mean(true, true, &stp.u) - 0.5).abs() < 0.05);
    assert!((mean(true, false, &stp.u) - 0.05).abs() < 0.01);
    assert!((mean(true, false, &stp.tau_facil_ms) / 1200.0 - 1.0).abs() < 0.1);
    // The network runs, and the same seed gives the same file.
    assert_eq!(cfg.generate(4, 11).unwrap(), with);
    let net = Network::from_spec(&with).unwrap();
    net.run(Drive::None, 100, &RecordSpec::default(), 0, 0)
        .unwrap();
}

#[test]
fn network_file_checks() {
    let err = |f: &dyn Fn(&mut StpParams)| {
        let mut spec = probe(0.5, 100.0, 10.0, 1.0);
        f(spec.input.stp.as_mut().unwrap());
        spec.validate().unwrap_err().to_string()
    };
    let e = err(&|p| p.u[0] = 0.0);
    assert!(e.contains("input.stp.u[0]") && e.contains("(0, 1]"), "{e}");
    let e = err(&|p| p.u[0] = Real::NAN);
    assert!(e.contains("input.stp.u[0]"), "{e}");
    let e = err(&|p| p.tau_rec_ms[0] = 0.0);
    assert!(e.contains("input.stp.tau_rec_ms[0]"), "{e}");
    let e = err(&|p| p.tau_facil_ms[0] = -1.0);
    assert!(e.contains("input.stp.tau_facil_ms[0]"), "{e}");
    let e = err(&|p| p.tau_rec_ms.push(3.0));
    assert!(
        e.contains("input.stp.tau_rec_ms") && e.contains("one per synapse"),
        "{e}"
    );
    let json = r#"{"u": [0.5], "tau_rec_ms": [1], "tau_facil_ms": [0], "extra": 1}"#;
    assert!(serde_json::from_str::<StpParams>(json).is_err());
    // Round trip through a file keeps the parameters.
    let spec = probe(0.25, 700.0, 20.0, 1.0);
    let dir = std::env::temp_dir().join(format!("lsm-stp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("net.json");
    spec.save(&path).unwrap();
    assert_eq!(NetworkSpec::load(&path).unwrap(), spec);
    std::fs::remove_dir_all(&dir).unwrap();
    let mut leaky = probe(0.25, 700.0, 20.0, 1.0);
    leaky.neuron.leaky = true;
    leaky.neuron.v_th_mv = Param::Scalar(15.0);
    let e = to_nir(&leaky, "net.json", &ExportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("stp"), "{e}");
}
