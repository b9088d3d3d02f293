//! Surrogate-gradient training: the backward pass against finite differences, learning a toy
//! spike-pattern task, determinism across thread counts, the exported network against the
//! simulator spike for spike, and parameter errors.

use lsm_core::{rng_for, Real, SpikeTrains};
use lsm_learn::surrogate::{
    train, ForwardMode, LossKind, SurrogateConfig, SurrogateKind, SurrogateNet,
};
use lsm_learn::LearnError;
use lsm_reservoir::{Drive, Network, RecordSpec, ResetKind};
use ndarray::Array2;
use rand::Rng;

/// Random spike trains: each channel spikes with probability `p` per step.
fn random_spikes(c: usize, t: usize, p: Real, stream: u64) -> SpikeTrains {
    let mut r = rng_for(3, stream);
    let mut ev = Vec::new();
    for s in 0..t {
        for ch in 0..c {
            if r.gen::<Real>() < p {
                ev.push((s, ch));
            }
        }
    }
    SpikeTrains::from_events(c, 1.0, t, ev).unwrap()
}

/// `n` samples of each of `k` classes: a class template (every channel spikes at two fixed
/// random times), each spike jittered by up to ±2 steps, 10 % of the spikes dropped, plus
/// random noise spikes.
fn patterns(k: usize, n: usize, c: usize, t: usize, seed: u64) -> (Vec<SpikeTrains>, Vec<usize>) {
    let mut r = rng_for(seed, 99);
    let templates: Vec<Vec<(usize, usize)>> = (0..k)
        .map(|_| {
            (0..c)
                .flat_map(|ch| [(r.gen_range(2..t - 2), ch), (r.gen_range(2..t - 2), ch)])
                .collect()
        })
        .collect();
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for i in 0..n * k {
        let class = i % k;
        let mut ev: Vec<(usize, usize)> = Vec::new();
        for &(s, ch) in &templates[class] {
            let keep = r.gen::<Real>() > 0.1;
            let jitter: i64 = r.gen_range(-2..=2);
            if keep {
                ev.push(((s as i64 + jitter) as usize, ch));
            }
        }
        for _ in 0..c / 2 {
            ev.push((r.gen_range(0..t), r.gen_range(0..c)));
        }
        xs.push(SpikeTrains::from_events(c, 1.0, t, ev).unwrap());
        ys.push(class);
    }
    (xs, ys)
}

fn small_config() -> SurrogateConfig {
    SurrogateConfig {
        hidden: 5,
        recurrent: true,
        slope: 2.0,
        ..SurrogateConfig::default()
    }
}

/// Central differences of the loss in `mode` for every weight of every matrix against the
/// analytic gradient; returns the largest |gradient| seen (to show it is not trivially 0).
fn check_gradient(net: &SurrogateNet, x: &SpikeTrains, y: usize, mode: ForwardMode<'_>) -> Real {
    let mut ws = net.workspace();
    let (_, g) = net.loss_and_gradient(x, y, mode, &mut ws).unwrap();
    let g = g.clone();
    let h = 1e-6;
    let mut biggest: Real = 0.0;
    let mut checked = 0;
    for m in 0..3 {
        let (rows, cols) = match m {
            0 => net.w_in.dim(),
            1 => net.w_rec.as_ref().unwrap().dim(),
            _ => net.w_out.dim(),
        };
        for i in 0..rows {
            for j in 0..cols {
                if m == 1 && i == j {
                    assert_eq!(g.w_rec.as_ref().unwrap()[[i, j]], 0.0, "autapse gradient");
                    continue;
                }
                let mut loss_at = |d: Real| {
                    let mut n2 = net.clone();
                    let w = match m {
                        0 => &mut n2.w_in,
                        1 => n2.w_rec.as_mut().unwrap(),
                        _ => &mut n2.w_out,
                    };
                    w[[i, j]] += d;
                    n2.loss(x, y, mode, &mut ws).unwrap()
                };
                let fd = (loss_at(h) - loss_at(-h)) / (2.0 * h);
                let an = match m {
                    0 => g.w_in[[i, j]],
                    1 => g.w_rec.as_ref().unwrap()[[i, j]],
                    _ => g.w_out[[i, j]],
                };
                assert!(
                    (an - fd).abs() <= 1e-6 + 1e-4 * an.abs().max(fd.abs()),
                    "matrix {m} [{i}, {j}]: analytic {an} vs finite differences {fd} ({mode:?})"
                );
                biggest = biggest.max(an.abs());
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * 5 + 5 * 4 + 5 * 3);
    biggest
}

fn test_net(config: &SurrogateConfig, seed: u64) -> SurrogateNet {
    SurrogateNet::init(config, 4, 3, 1.0, seed).unwrap()
}

#[test]
fn gradient_matches_finite_differences_with_the_smooth_spike() {
    let x = random_spikes(4, 40, 0.3, 1);
    let cases = [
        (
            SurrogateKind::FastSigmoid,
            LossKind::Count,
            ResetKind::Value,
        ),
        (SurrogateKind::Arctan, LossKind::Count, ResetKind::Subtract),
        (
            SurrogateKind::FastSigmoid,
            LossKind::Membrane,
            ResetKind::Subtract,
        ),
        (SurrogateKind::Arctan, LossKind::Membrane, ResetKind::Value),
    ];
    for (k, (surrogate, loss, reset)) in cases.into_iter().enumerate() {
        let config = SurrogateConfig {
            surrogate,
            loss,
            reset,
            detach_reset: false,
            ..small_config()
        };
        let net = test_net(&config, 10 + k as u64);
        let big = check_gradient(&net, &x, k % 3, ForwardMode::Smooth);
        assert!(big > 1e-3, "case {k}: gradient too small to test ({big})");
    }
}

#[test]
fn detached_reset_gradient_matches_finite_differences_with_a_frozen_reset() {
    let x = random_spikes(4, 40, 0.3, 2);
    let mut r = rng_for(5, 5);
    let frozen = Array2::from_shape_simple_fn((40, 8), || r.gen::<Real>());
    for (k, reset) in [ResetKind::Value, ResetKind::Subtract]
        .into_iter()
        .enumerate()
    {
        let config = SurrogateConfig {
            surrogate: SurrogateKind::Arctan,
            reset,
            detach_reset: true,
            ..small_config()
        };
        let net = test_net(&config, 20 + k as u64);
        let big = check_gradient(&net, &x, 1, ForwardMode::SmoothFrozenReset(frozen.view()));
        assert!(big > 1e-3);
    }
}

#[test]
fn feedforward_detached_gradient_is_the_frozen_reset_gradient() {
    // Feedforward networks with a detached reset take the vectorised hidden-layer path of the
    // backward pass; its gradient must be the frozen-reset gradient (checked against finite
    // differences above) with the reset frozen at this forward pass's own smooth spikes.
    let x = random_spikes(4, 40, 0.3, 3);
    for (k, (surrogate, loss, reset)) in [
        (
            SurrogateKind::FastSigmoid,
            LossKind::Membrane,
            ResetKind::Value,
        ),
        (SurrogateKind::Arctan, LossKind::Count, ResetKind::Subtract),
    ]
    .into_iter()
    .enumerate()
    {
        let config = SurrogateConfig {
            recurrent: false,
            surrogate,
            loss,
            reset,
            detach_reset: true,
            ..small_config()
        };
        let net = test_net(&config, 30 + k as u64);
        // In the smooth modes `run` records the membrane before the reset.
        let u = net.run(&x, ForwardMode::Smooth).unwrap().v;
        let frozen = u.mapv(|u| surrogate.integral(u - config.v_th_mv, config.slope));
        let mut ws = net.workspace();
        let fast = net
            .loss_and_gradient(&x, 1, ForwardMode::Smooth, &mut ws)
            .unwrap()
            .1
            .clone();
        let (_, general) = net
            .loss_and_gradient(
                &x,
                1,
                ForwardMode::SmoothFrozenReset(frozen.view()),
                &mut ws,
            )
            .unwrap();
        assert!(fast.w_rec.is_none());
        let big = fast
            .w_in
            .iter()
            .chain(&fast.w_out)
            .fold(0.0, |m: Real, g| m.max(g.abs()));
        assert!(big > 1e-3, "case {k}: gradient too small to test ({big})");
        for (a, b) in [(&fast.w_in, &general.w_in), (&fast.w_out, &general.w_out)] {
            for (a, b) in a.iter().zip(b) {
                assert!((a - b).abs() <= 1e-12 * big, "case {k}: {a} vs {b}");
            }
        }
    }
}

#[test]
fn the_check_can_fail_a_detached_gradient_is_not_the_full_one() {
    // The same network, the full (non-frozen) smooth forward pass, but the backward pass
    // detaches the reset: some weight's gradient must then disagree with finite differences.
    let x = random_spikes(4, 40, 0.3, 1);
    let config = SurrogateConfig {
        detach_reset: true,
        ..small_config()
    };
    let net = test_net(&config, 10);
    let r = std::panic::catch_unwind(|| check_gradient(&net, &x, 0, ForwardMode::Smooth));
    assert!(
        r.is_err(),
        "a wrong backward pass passed the gradient check"
    );
}

#[test]
fn training_learns_jittered_spike_patterns() {
    // One draw of the templates; the first 160 samples train, the last 60 test.
    let (all, ally) = patterns(4, 55, 20, 60, 1);
    let (xs, ys) = (&all[..160], &ally[..160]);
    let (xt, yt) = (&all[160..], &ally[160..]);
    for (loss, recurrent) in [(LossKind::Count, false), (LossKind::Membrane, true)] {
        let config = SurrogateConfig {
            hidden: 32,
            recurrent,
            loss,
            epochs: 25,
            batch_size: 16,
            ..SurrogateConfig::default()
        };
        let tr = train(&config, xs, ys, 4, 7).unwrap();
        let first = tr.log.loss[0];
        let last = *tr.log.loss.last().unwrap();
        assert!(last < 0.5 * first, "{loss:?}: loss {first} -> {last}");
        let (_, acc) = tr.net.evaluate(xt, yt).unwrap();
        assert!(acc >= 0.85, "{loss:?}: test accuracy {acc} (chance 0.25)");
    }
}

#[test]
fn training_is_the_same_for_any_thread_count() {
    let (xs, ys) = patterns(3, 12, 10, 40, 2);
    let config = SurrogateConfig {
        hidden: 12,
        recurrent: true,
        epochs: 3,
        batch_size: 8,
        ..SurrogateConfig::default()
    };
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| train(&config, &xs, &ys, 3, 5).unwrap())
    };
    let (a, b) = (run(1), run(2));
    let bits = |n: &SurrogateNet| -> Vec<u64> {
        n.w_in
            .iter()
            .chain(n.w_rec.as_ref().unwrap().iter())
            .chain(n.w_out.iter())
            .map(|w| w.to_bits())
            .collect()
    };
    assert_eq!(bits(&a.net), bits(&b.net));
    assert_eq!(a.log, b.log);
    // And a different seed gives a different network.
    let c = train(&config, &xs, &ys, 3, 6).unwrap();
    assert_ne!(bits(&a.net), bits(&c.net));
}

#[test]
fn exported_network_spikes_exactly_as_the_training_forward_pass() {
    let (xs, ys) = patterns(3, 6, 12, 80, 3);
    for (k, (loss, reset, recurrent)) in [
        (LossKind::Count, ResetKind::Value, true),
        (LossKind::Count, ResetKind::Subtract, false),
        (LossKind::Membrane, ResetKind::Value, true),
    ]
    .into_iter()
    .enumerate()
    {
        let config = SurrogateConfig {
            hidden: 24,
            recurrent,
            loss,
            reset,
            epochs: 2,
            batch_size: 6,
            init_gain: 4.0,
            ..SurrogateConfig::default()
        };
        let net = train(&config, &xs, &ys, 3, 11 + k as u64).unwrap().net;
        let spec = net.to_network_spec(None).unwrap();
        let sim = Network::from_spec(&spec).unwrap();
        let rec_spec = RecordSpec {
            spikes: true,
            v: true,
            final_state: true,
            ..RecordSpec::default()
        };
        let (mut hidden_spikes, mut out_spikes) = (0, 0);
        for x in &xs {
            let tr = net.run(x, ForwardMode::Spiking).unwrap();
            let rec = sim
                .run(Drive::Spikes(x), x.n_steps(), &rec_spec, 0, 0)
                .unwrap();
            let sp = rec.spikes.as_ref().unwrap();
            for t in 0..x.n_steps() {
                assert_eq!(tr.spikes.at(t), sp.at(t), "case {k}, step {t}");
                for &j in sp.at(t) {
                    if (j as usize) < 24 {
                        hidden_spikes += 1;
                    } else {
                        out_spikes += 1;
                    }
                }
            }
            // The simulator records v at the start of a step: row t is our v after step t − 1.
            let v = rec.v.as_ref().unwrap();
            for t in 1..x.n_steps() {
                for j in 0..v.ncols() {
                    assert_eq!(
                        v[[t, j]].to_bits(),
                        tr.v[[t - 1, j]].to_bits(),
                        "v[{t}, {j}]"
                    );
                }
            }
            let fin = &rec.final_state.as_ref().unwrap().v;
            for (j, &vf) in fin.iter().enumerate() {
                assert_eq!(vf.to_bits(), tr.v[[x.n_steps() - 1, j]].to_bits());
            }
        }
        assert!(
            hidden_spikes > 100,
            "case {k}: only {hidden_spikes} hidden spikes"
        );
        if loss == LossKind::Count {
            assert!(out_spikes > 10, "case {k}: only {out_spikes} output spikes");
        } else {
            assert_eq!(out_spikes, 0);
        }
        // The network file round-trips through JSON.
        let back = lsm_reservoir::NetworkSpec::from_json_str(&spec.to_json_string(), "x").unwrap();
        assert_eq!(back, spec);
    }
}

#[test]
fn bad_hyper_parameters_name_the_field() {
    let (xs, ys) = patterns(2, 3, 4, 20, 4);
    let cases: Vec<(&str, SurrogateConfig)> = vec![
        (
            "hidden",
            SurrogateConfig {
                hidden: 0,
                ..Default::default()
            },
        ),
        (
            "slope",
            SurrogateConfig {
                slope: -1.0,
                ..Default::default()
            },
        ),
        (
            "slope",
            SurrogateConfig {
                slope: Real::NAN,
                ..Default::default()
            },
        ),
        (
            "epochs",
            SurrogateConfig {
                epochs: 0,
                ..Default::default()
            },
        ),
        (
            "batch_size",
            SurrogateConfig {
                batch_size: 0,
                ..Default::default()
            },
        ),
        (
            "learning_rate",
            SurrogateConfig {
                learning_rate: 0.0,
                ..Default::default()
            },
        ),
        (
            "tau_m_ms",
            SurrogateConfig {
                tau_m_ms: Real::INFINITY,
                ..Default::default()
            },
        ),
        (
            "tau_syn_ms",
            SurrogateConfig {
                tau_syn_ms: -2.0,
                ..Default::default()
            },
        ),
        (
            "v_th_mv",
            SurrogateConfig {
                v_th_mv: 0.0,
                ..Default::default()
            },
        ),
        (
            "init_gain",
            SurrogateConfig {
                init_gain: 0.0,
                ..Default::default()
            },
        ),
    ];
    for (field, config) in cases {
        match train(&config, &xs, &ys, 2, 1) {
            Err(LearnError::InvalidParam { name, msg }) => {
                assert_eq!(name, field, "{msg}");
            }
            other => panic!("{field}: expected InvalidParam, got {other:?}"),
        }
    }
    // Unknown fields are refused in JSON.
    let e = serde_json::from_str::<SurrogateConfig>(r#"{"hiden": 3}"#).unwrap_err();
    assert!(e.to_string().contains("hiden"), "{e}");
    // Data that do not fit.
    let config = SurrogateConfig {
        hidden: 4,
        epochs: 1,
        ..Default::default()
    };
    assert!(matches!(
        train(&config, &xs, &ys[1..], 2, 1),
        Err(LearnError::Data(_))
    ));
    assert!(matches!(
        train(&config, &xs, &[5; 6], 2, 1),
        Err(LearnError::Data(_))
    ));
    let mut mixed = xs.clone();
    mixed[2] = random_spikes(5, 20, 0.1, 3);
    assert!(matches!(
        train(&config, &mixed, &ys, 2, 1),
        Err(LearnError::Data(_))
    ));
    // A stored network with a bad weight is refused, naming the matrix.
    let mut net = train(&config, &xs, &ys, 2, 1).unwrap().net;
    net.w_out[[1, 0]] = Real::NAN;
    match net.validate() {
        Err(LearnError::InvalidParam { name: "w_out", .. }) => {}
        other => panic!("{other:?}"),
    }
    assert!(net.predict(&xs).is_err());
}
