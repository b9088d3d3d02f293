//! ANN-to-SNN conversion: the MLP's gradient, the percentile normalisation, the rate error of
//! the converted integrate-and-fire network against its analytic bound, and a toy task end to
//! end.

use lsm_core::{rng_for, Real};
use lsm_learn::convert::mlp::{Dense, Mlp, TrainConfig};
use lsm_learn::convert::normalise::{layer_scales, normalise, percentile};
use lsm_learn::convert::snn::{simulate, to_network_spec};
use lsm_learn::convert::{ConvertConfig, Converter};
use lsm_learn::LearnError;
use lsm_reservoir::{Network, NetworkSpec};
use ndarray::{array, Array1, Array2, ArrayView2, Axis};
use rand::Rng;

/// Random matrix with entries uniform in `[-a, a)`.
fn uniform(rows: usize, cols: usize, a: Real, stream: u64) -> Array2<Real> {
    let mut r = rng_for(7, stream);
    Array2::from_shape_simple_fn((rows, cols), || r.gen_range(-a..a))
}

/// A fixed 4 -> 6 -> 5 -> 3 network with biases.
fn small_mlp() -> Mlp {
    let layer = |o, i, s| Dense {
        w: uniform(o, i, 0.8, s),
        b: uniform(1, o, 0.3, s + 100).row(0).to_owned(),
    };
    Mlp {
        layers: vec![layer(6, 4, 1), layer(5, 6, 2), layer(3, 5, 3)],
    }
}

#[test]
fn gradient_matches_finite_differences() {
    let mlp = small_mlp();
    let x = uniform(9, 4, 1.5, 10);
    let y = [0, 1, 2, 2, 1, 0, 1, 2, 0];
    let wd = 0.05;
    let (_, g) = mlp.loss_and_gradient(x.view(), &y, wd);
    let h = 1e-6;
    let mut checked = 0;
    for (l, (gw, gb)) in g.iter().enumerate() {
        let nw = gw.len();
        for idx in 0..nw + gb.len() {
            let bump = |d: Real| {
                let mut m = mlp.clone();
                if idx < nw {
                    m.layers[l].w.as_slice_mut().unwrap()[idx] += d;
                } else {
                    m.layers[l].b[idx - nw] += d;
                }
                m.loss_and_gradient(x.view(), &y, wd).0
            };
            let numeric = (bump(h) - bump(-h)) / (2.0 * h);
            let analytic = if idx < nw {
                gw.as_slice().unwrap()[idx]
            } else {
                gb[idx - nw]
            };
            assert!(
                (numeric - analytic).abs() <= 1e-6 * (1.0 + numeric.abs()),
                "layer {l} parameter {idx}: analytic {analytic}, finite differences {numeric}"
            );
            checked += usize::from(analytic.abs() > 1e-4);
        }
    }
    // A weak check if most gradients were zero (dead ReLUs).
    assert!(checked > 40, "only {checked} non-zero gradient entries");
}

#[test]
fn percentile_interpolates_like_numpy() {
    let v: Vec<Real> = (0..1000).rev().map(|i| i as Real).collect();
    // numpy.percentile(range(1000), 99.9) = 998.001
    assert!((percentile(&v, 99.9).unwrap().unwrap() - 998.001).abs() < 1e-9);
    assert_eq!(percentile(&v, 100.0).unwrap(), Some(999.0));
    assert_eq!(percentile(&v, 0.0).unwrap(), Some(0.0));
    assert_eq!(percentile(&[3.0, 1.0], 50.0).unwrap(), Some(2.0));
    assert_eq!(percentile(&[], 99.9).unwrap(), None);
    assert!(matches!(
        percentile(&v, 100.5),
        Err(LearnError::InvalidParam {
            name: "percentile",
            ..
        })
    ));
}

#[test]
fn normalisation_uses_the_positive_activations_and_keeps_predictions() {
    // One hidden layer = identity on two inputs, output = sum: activations are known.
    let mlp = Mlp {
        layers: vec![
            Dense {
                w: array![[1.0, 0.0], [0.0, 1.0]],
                b: array![0.0, 0.0],
            },
            Dense {
                w: array![[1.0, 1.0], [-1.0, 0.5]],
                b: array![0.0, 0.0],
            },
        ],
    };
    // Column 0: 1..=1000 (all positive), column 1: -1..=-1000 (all zero after the ReLU)
    // except the last row, 7.
    let mut x = Array2::zeros((1000, 2));
    for i in 0..1000 {
        x[[i, 0]] = (i + 1) as Real;
        x[[i, 1]] = -((i + 1) as Real);
    }
    x[[999, 1]] = 7.0;
    let s = layer_scales(&mlp, x.view(), 99.9).unwrap();
    // Hidden positives: 1..=1000 and one 7 (1001 values); sorted, position 0.999 * 1000 = 999
    // is the value 999 (the 7 sits among the small ones).
    assert!((s[0] - 999.0).abs() < 1e-9, "{s:?}");
    let norm = normalise(&mlp, &s).unwrap();
    let a = mlp.forward(x.view());
    let an = norm.forward(x.view());
    for l in 0..2 {
        let want = &a[l] / s[l];
        let err = (&an[l] - &want)
            .mapv(Real::abs)
            .fold(0.0, |m: Real, &v| m.max(v));
        assert!(err < 1e-9, "layer {l}: {err}");
    }
    assert_eq!(mlp.predict(x.view()), norm.predict(x.view()));
    // 99.9 % of the positive hidden activations are at most 1 after normalisation.
    let over = an[0].iter().filter(|&&v| v > 1.0).count();
    assert_eq!(over, 1);
}

/// The first hidden layer gets a constant current: its rate error is at most 1/T (reset by
/// subtraction), and the output estimate improves with T.
#[test]
fn rates_approach_normalised_activations_within_one_over_t() {
    let mlp = small_mlp();
    let x = uniform(40, 4, 1.5, 20);
    let s = layer_scales(&mlp, x.view(), 99.9).unwrap();
    let norm = normalise(&mlp, &s).unwrap();
    let spec = to_network_spec(&norm, serde_json::json!({})).unwrap();
    let net = Network::from_spec(&spec).unwrap();
    let steps = [50, 500];
    let out = simulate(&net, 3, x.view(), &steps, true).unwrap();
    let acts = norm.forward(x.view());
    let rates = out.rates.as_ref().unwrap();
    let first = acts[0].mapv(|a| a.min(1.0));
    let mut active = 0;
    for (k, &t) in steps.iter().enumerate() {
        let r = rates[k].slice(ndarray::s![.., 0..6]);
        for ((i, j), &want) in first.indexed_iter() {
            let got = r[[i, j]];
            assert!(
                (got - want).abs() <= 1.0 / t as Real + 1e-12,
                "T {t}: sample {i} neuron {j}: rate {got}, normalised activation {want}"
            );
            active += usize::from(want > 0.05);
        }
    }
    assert!(
        active > 50,
        "too few active neurons ({active}) for a meaningful check"
    );
    // The whole network: second hidden layer rates and output potentials per step.
    let mean_err = |k: usize| {
        let second = acts[1].mapv(|a| a.min(1.0));
        let e2 = (&rates[k].slice(ndarray::s![.., 6..11]) - &second)
            .mapv(Real::abs)
            .mean()
            .unwrap();
        let eo = (&out.outputs[k] - &acts[2]).mapv(Real::abs).mean().unwrap();
        (e2, eo)
    };
    let (e2_50, eo_50) = mean_err(0);
    let (e2_500, eo_500) = mean_err(1);
    assert!(
        e2_500 < e2_50,
        "hidden 2: {e2_500} at T 500, {e2_50} at T 50"
    );
    assert!(eo_500 < eo_50, "output: {eo_500} at T 500, {eo_50} at T 50");
    // Layer 2 sees spikes, not a current, so there is no strict bound; an estimate: its input
    // over T steps is off by at most Σ_i |W̃_2[j, i]| (each layer-1 count within 1 of T ã_1)
    // plus as much again for the one step of latency, and its own count by 1 more.
    let w2 = norm.layers[1].w.mapv(Real::abs).sum_axis(Axis(1));
    let bound = (w2.fold(0.0, |m: Real, &v| m.max(v)) * 2.0 + 1.0) / 500.0;
    assert!(e2_500 <= bound, "hidden 2 error {e2_500} above {bound}");
}

/// Two Gaussian blobs per class in 5 dimensions, linearly separable with a margin.
fn toy(n: usize, stream: u64) -> (Array2<Real>, Vec<usize>) {
    let mut r = rng_for(3, stream);
    let centres = [
        [2.0, 0.0, 0.0, 1.0, 0.0],
        [-2.0, 1.0, 0.0, 0.0, 0.0],
        [0.0, -1.0, 2.5, 0.0, 0.0],
    ];
    let mut x = Array2::zeros((n, 5));
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % 3;
        for j in 0..5 {
            x[[i, j]] = 3.0 * centres[c][j] + r.gen_range(-0.8..0.8) + 10.0;
        }
        y.push(c);
    }
    (x, y)
}

fn toy_converter() -> Converter {
    let mut config = ConvertConfig {
        hidden: vec![16, 8],
        ..ConvertConfig::default()
    };
    config.train = TrainConfig {
        epochs: 40,
        batch_size: 16,
        ..TrainConfig::default()
    };
    Converter { config, seed: 11 }
}

#[test]
fn separable_toy_set_converts_without_losing_accuracy() {
    let (xtr, ytr) = toy(300, 1);
    let (xte, yte) = toy(150, 2);
    let c = toy_converter().fit(xtr.view(), &ytr, 3).unwrap();
    assert!(
        c.train_accuracy > 0.98,
        "ANN train accuracy {}",
        c.train_accuracy
    );
    let ev = c.evaluate(xte.view(), &yte, &[5, 100, 300]).unwrap();
    assert!(
        ev.ann_accuracy > 0.98,
        "ANN test accuracy {}",
        ev.ann_accuracy
    );
    let last = ev.snn.last().unwrap();
    assert_eq!(last.steps, 300);
    assert!(last.agreement >= 0.98, "{ev:?}");
    assert!(last.accuracy >= ev.ann_accuracy - 0.02, "{ev:?}");
    // The loss went down.
    assert!(
        c.log.loss.last().unwrap() < &(0.2 * c.log.loss[0]),
        "{:?}",
        c.log.loss
    );
}

#[test]
fn training_is_reproducible_and_the_file_round_trips() {
    let (x, y) = toy(90, 1);
    let a = toy_converter().fit(x.view(), &y, 3).unwrap();
    let b = toy_converter().fit(x.view(), &y, 3).unwrap();
    assert_eq!(a.ann, b.ann);
    assert_eq!(a.spec, b.spec);
    let mut other = toy_converter();
    other.seed = 12;
    assert_ne!(other.fit(x.view(), &y, 3).unwrap().ann, a.ann);
    // The network file reads back to the same network, with the reset by subtraction.
    let text = a.spec.to_json_string();
    assert!(text.contains("\"reset\":\"subtract\"") || text.contains("\"reset\": \"subtract\""));
    let back = NetworkSpec::from_json_str(&text, "<converted>").unwrap();
    assert_eq!(back, a.spec);
}

#[test]
fn bad_inputs_give_errors_naming_the_problem() {
    let (x, y) = toy(30, 1);
    let c = toy_converter();
    fn err<T>(r: Result<T, LearnError>) -> String {
        r.err().map(|e| e.to_string()).unwrap_or_default()
    }
    assert!(err(c.fit(x.view(), &y[..29], 3)).contains("30 feature rows but 29 labels"));
    let mut bad = x.clone();
    bad[[4, 2]] = Real::NAN;
    assert!(err(c.fit(bad.view(), &y, 3)).contains("feature 2 of sample 4 is NaN"));
    assert!(err(c.fit(x.view(), &y, 2)).contains("label 2 of sample 2 is out of range"));
    let mut z = toy_converter();
    z.config.hidden = vec![];
    assert!(err(z.fit(x.view(), &y, 3)).contains("`hidden`"));
    z = toy_converter();
    z.config.train.learning_rate = 0.0;
    assert!(err(z.fit(x.view(), &y, 3)).contains("`learning_rate`"));
    let fitted = toy_converter().fit(x.view(), &y, 3).unwrap();
    assert!(err(fitted.simulate(x.view(), &[], false)).contains("`steps`"));
    let narrow: Array2<Real> = x.slice(ndarray::s![.., 0..3]).to_owned();
    assert!(err(fitted.simulate(narrow.view(), &[10], false))
        .contains("3 feature columns, the network was converted for 5"));
}

#[test]
fn standardiser_gives_zero_mean_unit_scale() {
    let x = toy(60, 4).0;
    let st = lsm_learn::convert::Standardiser::fit(x.view());
    let z = st.apply(x.view());
    let m: Array1<Real> = z.mean_axis(Axis(0)).unwrap();
    let sd = z.std_axis(Axis(0), 0.0);
    assert!(m.iter().all(|v| v.abs() < 1e-9));
    assert!(sd.iter().all(|v| (v - 1.0).abs() < 1e-9));
    let _: ArrayView2<'_, Real> = z.view();
}

#[test]
fn training_and_simulation_do_not_depend_on_the_thread_count() {
    let (x, y) = toy(120, 5);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let c = toy_converter().fit(x.view(), &y, 3).unwrap();
            let out = c.simulate(x.view(), &[7, 60], true).unwrap();
            (c.spec, out)
        })
    };
    let (spec1, out1) = run(1);
    let (spec3, out3) = run(3);
    assert_eq!(spec1, spec3);
    assert_eq!(out1, out3);
}
