//! The rate-based rules of the Hebbian family on a spiking network (Hebbian, anti-Hebbian, Oja,
//! anti-Oja, BCM with a fixed and a sliding threshold) against their closed forms on one
//! synapse driven by prescribed periodic spike trains: the rate trace of a periodic train, the
//! Hebbian and BCM weight changes as sums of those traces, Oja's fixed point and its
//! exponential approach, the sliding threshold's mean; the anti rules as the negatives; the
//! bounds, which synapses learn, the simulator's wiring, determinism, and the config's errors.

mod common;

use common::{delta_trio, generated};
use lsm_core::{Real, SpikeTrains};
use lsm_reservoir::{
    train_stdp, Drive, Network, NetworkSpec, PlasticSynapses, RecordSpec, Stdp, StdpConfig,
    StdpModel,
};

const DT: Real = 1.0;
const TAU: Real = 50.0;
const REF_HZ: Real = 10.0;
/// File order of the synapses of [`quad`]: 0→1, 1→0, 2→1 (inhibitory), 0→2 (E→I).
const W0: [Real; 4] = [0.01, 0.02, -0.01, 0.03];

/// Neurons 0 and 1 excitatory (0 ⇄ 1), 2 inhibitory (2 → 1, the only negative weight), and
/// 0 → 2 (excitatory onto inhibitory). Delta synapses, threshold 1 mV; input channel `c`
/// drives neuron `c` with 5 mV (a spike in the next step).
fn quad() -> NetworkSpec {
    delta_trio(DT, &[0, 1, 2, 0], &[1, 0, 1, 2], &W0)
}

fn rate_cfg(model: StdpModel, eta_per_s: Real) -> StdpConfig {
    StdpConfig {
        model,
        eta_per_s: Some(eta_per_s),
        tau_rate_ms: Some(TAU),
        rate_ref_hz: Some(REF_HZ),
        ..StdpConfig::default()
    }
}

/// A periodic train: neuron, period (steps), first spike (step).
type Train = (u32, usize, usize);

fn fires(t: usize, &(_, period, phase): &Train) -> bool {
    t >= phase && (t - phase).rem_euclid(period) == 0
}

/// Run `n_steps` steps of prescribed `trains` (one sample) through [`Stdp::step_spikes`],
/// calling `each(t, &stdp)` after every step.
fn drive(
    net: &Network,
    stdp: &mut Stdp,
    trains: &[Train],
    n_steps: usize,
    mut each: impl FnMut(usize, &Stdp),
) {
    stdp.start_sample();
    let mut spikes = Vec::new();
    for t in 0..n_steps {
        spikes.clear();
        spikes.extend(trains.iter().filter(|tr| fires(t, tr)).map(|tr| tr.0));
        spikes.sort_unstable();
        stdp.step_spikes(net, &spikes).unwrap();
        each(t, stdp);
    }
}

/// The learned weights in the network file's order.
fn file_weights(stdp: &Stdp, net: &Network) -> Vec<Real> {
    stdp.to_spec(net, 1).unwrap().recurrent.weight
}

/// `exp(−dt/τr)` and what a spike adds, `(1 − d)/dt/rate_ref`.
fn trace_constants() -> (Real, Real) {
    let d = (-DT / TAU).exp();
    (d, (1.0 - d) / DT / (REF_HZ * 1e-3))
}

/// The closed form of the rate trace of a periodic train at step `t` (0 before its first
/// spike): `a · d^k · (1 − d^{P(n+1)}) / (1 − d^P)`, `n` periods and `k` steps after the
/// first spike.
fn rho(t: usize, &(_, period, phase): &Train) -> Real {
    if t < phase {
        return 0.0;
    }
    let (d, a) = trace_constants();
    let (n, k) = ((t - phase) / period, (t - phase) % period);
    a * d.powi(k as i32) * (1.0 - d.powi((period * (n + 1)) as i32)) / (1.0 - d.powi(period as i32))
}

/// `Σ_t g(ρ_pre(t), ρ_post(t))` over `n_steps` steps by the closed form of the traces.
fn sum_closed(pre: &Train, post: &Train, n_steps: usize, g: impl Fn(Real, Real) -> Real) -> Real {
    (0..n_steps).map(|t| g(rho(t, pre), rho(t, post))).sum()
}

/// `h = η · dt` with `η` per ms.
fn h(eta_per_s: Real) -> Real {
    eta_per_s * 1e-3 * DT
}

fn close(a: Real, b: Real, rel: Real) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

const PRE: Train = (0, 10, 0); // 100 Hz: mean ρ = 10
const POST: Train = (1, 20, 3); // 50 Hz: mean ρ = 5

#[test]
fn the_rate_trace_of_a_periodic_train_is_its_closed_form_and_its_mean_the_rate() {
    let net = Network::from_spec(&quad()).unwrap();
    let mut s = Stdp::new(&net, &rate_cfg(StdpModel::Hebbian, 0.0), None).unwrap();
    let n = 2000;
    let mut last_period = [0.0; 2];
    drive(&net, &mut s, &[PRE, POST], n, |t, s| {
        for (c, tr) in [PRE, POST].iter().enumerate() {
            let (got, want) = (s.rates()[tr.0 as usize], rho(t, tr));
            assert!(close(got, want, 1e-12), "t {t} neuron {c}: {got} vs {want}");
            if t >= n - 20 {
                last_period[c] += got / 20.0;
            }
        }
        assert_eq!(s.rates()[2], 0.0, "a silent neuron's trace stays 0");
    });
    // Mean over a whole period in the steady state = rate / rate_ref (100 Hz and 50 Hz).
    assert!(close(last_period[0], 10.0, 1e-12), "{}", last_period[0]);
    assert!(close(last_period[1], 5.0, 1e-12), "{}", last_period[1]);
    // η = 0: the weights never move.
    assert_eq!(file_weights(&s, &net), W0.to_vec());
    // A new sample starts from zero traces.
    s.start_sample();
    assert!(s.rates().iter().all(|&r| r == 0.0));
}

#[test]
fn hebbian_weight_change_is_eta_dt_times_the_sum_of_the_rate_products() {
    let net = Network::from_spec(&quad()).unwrap();
    let (eta, n) = (0.002, 3000);
    let mut s = Stdp::new(&net, &rate_cfg(StdpModel::Hebbian, eta), None).unwrap();
    drive(&net, &mut s, &[PRE, POST], n, |_, _| {});
    let du = h(eta) * sum_closed(&PRE, &POST, n, |p, q| p * q);
    assert!(
        du > 0.1 && du < 0.9,
        "a sizeable change within the bounds: {du}"
    );
    let w = file_weights(&s, &net);
    // 0→1 and 1→0 see the same product ρ0 ρ1; 2→1 is inhibitory, 0→2 is E→I: not plastic.
    assert!(
        close(w[0], W0[0] * (1.0 + du), 1e-11),
        "{} vs {}",
        w[0],
        W0[0] * (1.0 + du)
    );
    assert!(
        close(w[1], W0[1] * (1.0 + du), 1e-11),
        "{} vs {}",
        w[1],
        W0[1] * (1.0 + du)
    );
    assert_eq!((w[2], w[3]), (W0[2], W0[3]));
    // The time average of ρ0 ρ1 over the last (common) period: the geometric sums.
    let mean: Real = (n - 20..n)
        .map(|t| rho(t, &PRE) * rho(t, &POST))
        .sum::<Real>()
        / 20.0;
    let (d, a) = trace_constants();
    let (c0, c1) = (a / (1.0 - d.powi(10)), a / (1.0 - d.powi(20)));
    // ρ0 = c0 d^(t mod 10), ρ1 = c1 d^((t − 3) mod 20): the sum over one period of 20 steps.
    let geo: Real = (0..20)
        .map(|t: i32| c0 * d.powi(t % 10) * c1 * d.powi((t - 3).rem_euclid(20)))
        .sum::<Real>()
        / 20.0;
    assert!(close(mean, geo, 1e-12), "{mean} vs {geo}");
}

#[test]
fn anti_hebbian_is_the_negative_of_hebbian() {
    let net = Network::from_spec(&quad()).unwrap();
    let (eta, n) = (0.002, 3000);
    let run = |m| {
        let mut s = Stdp::new(&net, &rate_cfg(m, eta), None).unwrap();
        drive(&net, &mut s, &[PRE, POST], n, |_, _| {});
        file_weights(&s, &net)
    };
    let (heb, anti) = (run(StdpModel::Hebbian), run(StdpModel::AntiHebbian));
    let du = h(eta) * sum_closed(&PRE, &POST, n, |p, q| p * q);
    for k in 0..2 {
        let (up, down) = (heb[k] / W0[k] - 1.0, anti[k] / W0[k] - 1.0);
        assert!(close(down, -du, 1e-11), "{down} vs {}", -du);
        assert!((up + down).abs() < 1e-13, "{up} vs {down}");
    }
    assert_eq!((anti[2], anti[3]), (W0[2], W0[3]));
}

/// `⟨g(ρ_pre, ρ_post)⟩` over one common period of 20 steps in the steady state.
fn steady_mean(g: impl Fn(Real, Real) -> Real) -> Real {
    let t0 = 20 * 200; // e^(−80): the transient is gone
    (t0..t0 + 20)
        .map(|t| g(rho(t, &PRE), rho(t, &POST)))
        .sum::<Real>()
        / 20.0
}

#[test]
fn oja_converges_exponentially_to_the_ratio_of_the_rate_moments() {
    let net = Network::from_spec(&quad()).unwrap();
    let eta = 0.01;
    let pp = steady_mean(|_, q| q * q);
    let u_star = steady_mean(|p, q| p * q) / pp;
    assert!(
        u_star > 1.5 && u_star < 2.5,
        "u* = {u_star} inside (1, w_max_rel)"
    );
    let tau_steps = 1.0 / (h(eta) * pp); // steps per time constant of the approach
    let n = (8.0 * tau_steps) as usize;
    let c = StdpConfig {
        w_max_rel: 3.0,
        ..rate_cfg(StdpModel::Oja, eta)
    };
    let mut s = Stdp::new(&net, &c, None).unwrap();
    let k01 = net.recurrent().order.iter().position(|&f| f == 0).unwrap();
    let mut u = Vec::with_capacity(n);
    drive(&net, &mut s, &[PRE, POST], n, |_, s| {
        u.push(s.weights()[k01] / W0[0])
    });
    // The approach: (u − u*) / (1 − u*) = exp(−η ⟨ρ1²⟩ t), averaged over a period.
    for m in [1.0, 2.0, 3.0] {
        let t = (m * tau_steps) as usize;
        let mean = u[t..t + 20].iter().sum::<Real>() / 20.0;
        let got = (mean - u_star) / (1.0 - u_star);
        let want = (-(t as Real + 10.0) / tau_steps).exp();
        assert!((got - want).abs() < 0.01, "{m} τ: {got} vs {want}");
    }
    // The fixed point, to O(η): the mean over the last period.
    let end = u[n - 20..].iter().sum::<Real>() / 20.0;
    assert!(close(end, u_star, 2e-3), "{end} vs {u_star}");
    // 1→0 (post 0, pre 1) tends to ⟨ρ1 ρ0⟩/⟨ρ0²⟩ instead.
    let u10 = file_weights(&s, &net)[1] / W0[1];
    let want10 = steady_mean(|p, q| p * q) / steady_mean(|p, _| p * p);
    assert!(close(u10, want10, 2e-3), "{u10} vs {want10}");
}

#[test]
fn anti_oja_runs_away_from_the_fixed_point_to_a_bound_and_starts_as_minus_oja() {
    let net = Network::from_spec(&quad()).unwrap();
    let eta = 0.01;
    let first = |m, steps| {
        let mut s = Stdp::new(&net, &rate_cfg(m, eta), None).unwrap();
        drive(&net, &mut s, &[PRE, POST], steps, |_, _| {});
        file_weights(&s, &net)[0] / W0[0] - 1.0
    };
    // Until neuron 1's first spike (step 3) nothing changes; in step 3 u = 1 for both, so the
    // changes are exact negatives.
    assert_eq!(first(StdpModel::Oja, 3), 0.0);
    let (o, a) = (first(StdpModel::Oja, 4), first(StdpModel::AntiOja, 4));
    let (p, q) = (rho(3, &PRE), rho(3, &POST));
    let want = h(eta) * q * (p - q);
    assert!(
        close(o, want, 1e-9) && close(a, -want, 1e-9),
        "{o} {a} {want}"
    );
    // u* > 1 = u0: anti-Oja pushes 0→1 down to exactly 0 and keeps it there; 1→0, whose
    // fixed point ⟨ρ1 ρ0⟩/⟨ρ0²⟩ is below 1, up to exactly w_max = 2 w0.
    let mut s = Stdp::new(&net, &rate_cfg(StdpModel::AntiOja, 0.2), None).unwrap();
    drive(&net, &mut s, &[PRE, POST], 20_000, |_, _| {});
    let w = file_weights(&s, &net);
    assert_eq!(w[0], 0.0);
    assert_eq!(w[1], 2.0 * W0[1]);
    assert_eq!((w[2], w[3]), (W0[2], W0[3]));
}

#[test]
fn bcm_with_a_fixed_threshold_potentiates_above_it_and_depresses_below() {
    let net = Network::from_spec(&quad()).unwrap();
    let (eta, n) = (5e-4, 3000);
    for theta in [2.0, 4.0, 8.0] {
        let c = StdpConfig {
            bcm_theta: Some(theta),
            ..rate_cfg(StdpModel::Bcm, eta)
        };
        let mut s = Stdp::new(&net, &c, None).unwrap();
        drive(&net, &mut s, &[PRE, POST], n, |_, _| {});
        let w = file_weights(&s, &net);
        // 0→1: post is neuron 1 (mean ρ 5); 1→0: post is neuron 0 (mean ρ 10).
        let du01 = h(eta) * sum_closed(&PRE, &POST, n, |p, q| p * q * (q - theta));
        let du10 = h(eta) * sum_closed(&PRE, &POST, n, |p, q| q * p * (p - theta));
        assert!(
            close(w[0], W0[0] * (1.0 + du01), 1e-10),
            "θ {theta}: {} vs {du01}",
            w[0]
        );
        assert!(
            close(w[1], W0[1] * (1.0 + du10), 1e-10),
            "θ {theta}: {} vs {du10}",
            w[1]
        );
        // Post rate 5 (0→1) is above θ = 2, 4 and below 8; post rate 10 (1→0) above all.
        assert_eq!(du01 > 0.0, theta < 5.0, "θ {theta}: {du01}");
        assert!(du10 > 0.0 && du01.abs() > 0.01, "θ {theta}: {du10} {du01}");
        assert!(s.bcm_theta().is_empty(), "a fixed threshold is no state");
    }
}

#[test]
fn bcm_sliding_threshold_tends_to_the_mean_square_rate_and_carries_over() {
    let net = Network::from_spec(&quad()).unwrap();
    let (tau_theta, theta0) = (200.0, 3.0);
    let c = StdpConfig {
        bcm_theta: Some(theta0),
        tau_theta_ms: Some(tau_theta),
        ..rate_cfg(StdpModel::Bcm, 0.001)
    };
    let mut s = Stdp::new(&net, &c, None).unwrap();
    assert_eq!(s.bcm_theta(), &[theta0; 3]);
    let n = 20 * 500; // 50 τθ
    let mut mean = [0.0; 2];
    drive(&net, &mut s, &[PRE, POST], n, |t, s| {
        if t >= n - 20 {
            mean[0] += s.bcm_theta()[0] / 20.0;
            mean[1] += s.bcm_theta()[1] / 20.0;
        }
    });
    let sq = [steady_mean(|p, _| p * p), steady_mean(|_, q| q * q)];
    for k in 0..2 {
        assert!(
            close(mean[k], sq[k], 1e-10),
            "neuron {k}: {} vs {}",
            mean[k],
            sq[k]
        );
    }
    // The silent neuron's threshold decays geometrically: θ0 (1 − dt/τθ)^n.
    let want = theta0 * (1.0 - DT / tau_theta).powi(n as i32);
    assert!(
        close(s.bcm_theta()[2], want, 1e-9),
        "{} vs {want}",
        s.bcm_theta()[2]
    );
    // A new sample clears the rate traces but not the threshold.
    let kept = s.bcm_theta().to_vec();
    s.start_sample();
    assert_eq!(s.bcm_theta(), &kept[..]);
    assert!(s.rates().iter().all(|&r| r == 0.0));
}

#[test]
fn weights_are_clipped_at_zero_and_w_max_and_only_excitatory_synapses_learn() {
    let net = Network::from_spec(&quad()).unwrap();
    let trains = [PRE, POST, (2, 7, 1)]; // the inhibitory neuron fires too
    for (model, synapses, want01) in [
        (StdpModel::Hebbian, PlasticSynapses::ExcToExc, 3.0 * W0[0]),
        (StdpModel::AntiHebbian, PlasticSynapses::ExcToExc, 0.0),
        (StdpModel::Hebbian, PlasticSynapses::Exc, 3.0 * W0[0]),
    ] {
        let c = StdpConfig {
            w_max_rel: 3.0,
            synapses,
            ..rate_cfg(model, 5.0)
        };
        let mut s = Stdp::new(&net, &c, None).unwrap();
        drive(&net, &mut s, &trains, 2000, |_, _| {});
        let w = file_weights(&s, &net);
        assert_eq!(w[0], want01, "{model:?}");
        assert_eq!(w[2], W0[2], "inhibitory synapses never learn");
        if synapses == PlasticSynapses::Exc {
            assert_eq!((s.n_plastic(), w[3]), (3, 3.0 * W0[3]), "E→I learns too");
        } else {
            assert_eq!((s.n_plastic(), w[3]), (2, W0[3]), "E→I is not E→E");
        }
        assert_eq!(
            s.w_max()[..].iter().filter(|&&m| m > 0.0).count(),
            s.n_plastic()
        );
    }
}

#[test]
fn the_simulator_drives_the_rule_with_its_spikes() {
    // Input spikes make neurons 0 and 1 fire; the weights stay far below threshold, so the
    // recurrent synapses cause no spike. Replaying the recorded spikes through step_spikes
    // must give the same weights bit for bit.
    let spec = quad();
    let net = Network::from_spec(&spec).unwrap();
    let n = 600;
    let ev: Vec<(usize, usize)> = (0..n - 1)
        .flat_map(|t| {
            let mut v = Vec::new();
            if t % 10 == 0 {
                v.push((t, 0));
            }
            if t % 20 == 2 {
                v.push((t, 1));
            }
            v
        })
        .collect();
    let input = SpikeTrains::from_events(3, DT, n, ev).unwrap();
    for model in [StdpModel::Hebbian, StdpModel::Oja, StdpModel::Bcm] {
        let c = rate_cfg(model, 2.0);
        let mut sim = Stdp::new(&net, &c, None).unwrap();
        let mut out = Default::default();
        let mut ws = net.workspace();
        net.run_plastic_into(
            Drive::Spikes(&input),
            n,
            &RecordSpec::default(),
            1,
            0,
            &mut ws,
            &mut out,
            &mut sim,
        )
        .unwrap();
        let sp = out.spikes.as_ref().unwrap();
        assert_eq!(sp.at(1), &[0]);
        assert_eq!(sp.at(3), &[1]);
        let mut replay = Stdp::new(&net, &c, None).unwrap();
        replay.start_sample();
        for t in 0..n {
            replay.step_spikes(&net, sp.at(t)).unwrap();
        }
        assert_eq!(sim.weights(), replay.weights(), "{model:?}");
        assert_ne!(
            sim.weights(),
            &net.recurrent().weight[..],
            "{model:?} learned"
        );
        assert_eq!(sim.rates(), replay.rates());
    }
}

#[test]
fn training_on_a_network_is_deterministic_bounded_and_loads() {
    let (net, inputs) = generated(150, 5);
    let drives: Vec<Drive> = inputs.iter().map(Drive::Spikes).collect();
    for model in [StdpModel::Oja, StdpModel::AntiHebbian] {
        let c = rate_cfg(model, 1.0);
        let (a, sum) = train_stdp(&net, &drives, &c, None, 9, &|_| {}).unwrap();
        let (b, _) = train_stdp(&net, &drives, &c, None, 9, &|_| {}).unwrap();
        assert_eq!(a, b, "{model:?}: same inputs, same learned network");
        assert!(sum.n_spikes > 0 && sum.n_plastic > 0);
        let before = &net.spec().recurrent;
        let mut changed = 0;
        for s in 0..before.pre.len() {
            let (w0, w1) = (before.weight[s], a.recurrent.weight[s]);
            if w0 <= 0.0 {
                assert_eq!(w0, w1);
            } else {
                assert!((0.0..=2.0 * w0).contains(&w1), "{w1} outside [0, 2 {w0}]");
                changed += usize::from(w1 != w0);
            }
        }
        assert!(
            changed > sum.n_plastic / 10,
            "{model:?}: {changed} of {} changed",
            sum.n_plastic
        );
        let meta = &a.meta.as_ref().unwrap()["stdp"];
        assert_eq!(meta["config"]["model"], model.name());
        let learned = Network::from_spec(&a).unwrap();
        let r = learned
            .run(drives[0], 300, &RecordSpec::default(), 9, 0)
            .unwrap();
        assert!(r.n_spikes > 0);
    }
}

#[test]
fn config_names_errors_by_field_and_reads_both_spellings() {
    for (json, field) in [
        (r#"{"model": "hebbian", "eta_per_s": -1}"#, "eta_per_s"),
        (r#"{"model": "oja", "tau_rate_ms": 0}"#, "tau_rate_ms"),
        (r#"{"model": "bcm", "rate_ref_hz": -5}"#, "rate_ref_hz"),
        (r#"{"model": "bcm", "bcm_theta": -1}"#, "bcm_theta"),
        (r#"{"model": "bcm", "tau_theta_ms": 0}"#, "tau_theta_ms"),
        // A field the model does not read is refused, never ignored.
        (r#"{"model": "pair", "eta_per_s": 0.1}"#, "eta_per_s"),
        (r#"{"model": "triplet", "tau_rate_ms": 30}"#, "tau_rate_ms"),
        (r#"{"model": "oja", "bcm_theta": 2}"#, "bcm_theta"),
        (
            r#"{"model": "hebbian", "tau_theta_ms": 100}"#,
            "tau_theta_ms",
        ),
        (r#"{"model": "hebbian", "a_plus": 0.1}"#, "a_plus"),
        (r#"{"model": "anti-oja", "rule": "multiplicative"}"#, "rule"),
        (r#"{"model": "bcm", "tau_y_ms": 10}"#, "tau_y_ms"),
    ] {
        let e = StdpConfig::from_json_str(json, "c.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains(field) && e.contains("c.json"), "{json}: {e}");
        let c: StdpConfig = serde_json::from_str(json).unwrap();
        let e = c.check("plasticity.stdp").unwrap_err().to_string();
        assert!(
            e.contains(&format!("plasticity.stdp.{field}")),
            "{json}: {e}"
        );
    }
    let e = StdpConfig::from_json_str(r#"{"model": "oja", "eta": 0.1}"#, "c.json")
        .unwrap_err()
        .to_string();
    assert!(e.contains("eta"), "unknown fields are refused: {e}");
    let e = StdpConfig::from_json_str(r#"{"model": "antihebbian"}"#, "c.json").unwrap_err();
    assert!(e.to_string().contains("antihebbian"), "{e}");
    // The ESN's spelling, and snake case; written in the ESN's spelling.
    for (name, model) in [
        ("anti-hebbian", StdpModel::AntiHebbian),
        ("anti_hebbian", StdpModel::AntiHebbian),
        ("anti-oja", StdpModel::AntiOja),
        ("anti_oja", StdpModel::AntiOja),
        ("hebbian", StdpModel::Hebbian),
        ("oja", StdpModel::Oja),
        ("bcm", StdpModel::Bcm),
    ] {
        let json = format!(r#"{{"model": "{name}", "eta_per_s": 0.5}}"#);
        let c = StdpConfig::from_json_str(&json, "c.json").unwrap();
        assert_eq!(c.model, model);
        let back = serde_json::to_value(&c).unwrap();
        assert_eq!(back["model"], model.name());
        assert_eq!(back["eta_per_s"], 0.5);
        assert!(
            back.get("tau_rate_ms").is_none(),
            "defaults of the rate fields stay implicit"
        );
        let again: StdpConfig = serde_json::from_value(back).unwrap();
        assert_eq!(again, c);
    }
    // A STDP config writes as before: no rate field, no model.
    let v = serde_json::to_value(StdpConfig::default()).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 11, "{v}");
    // Spikes for step_spikes must be ascending indices of the network.
    let net = Network::from_spec(&quad()).unwrap();
    let mut s = Stdp::new(&net, &rate_cfg(StdpModel::Oja, 1.0), None).unwrap();
    for bad in [&[1u32, 0][..], &[3], &[1, 1]] {
        let e = s.step_spikes(&net, bad).unwrap_err().to_string();
        assert!(e.contains("ascending"), "{e}");
    }
}
