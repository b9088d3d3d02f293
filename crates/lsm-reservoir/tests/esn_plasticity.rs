//! The ESN's unsupervised rules (local synaptic and intrinsic plasticity) against
//! reservoirpy 0.4.2 (fixture from scripts/fixtures/gen_reservoirpy_plasticity.py) and
//! against closed forms.

use lsm_reservoir::esn::{
    Activation, Esn, EsnConfig, IntrinsicConfig, IpTarget, LocalRule, SynapticConfig,
};
use ndarray::{Array2, ArrayView2};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    n_units: usize,
    leak_rate: f64,
    w: Vec<(usize, usize, f64)>,
    w_in: Vec<Vec<f64>>,
    bias: Vec<f64>,
    input: Vec<f64>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    kind: String,
    rule: Option<LocalRule>,
    target: Option<IpTarget>,
    eta: f64,
    #[serde(default)]
    bcm_theta: f64,
    #[serde(default)]
    synapse_normalization: bool,
    #[serde(default)]
    mu: f64,
    #[serde(default)]
    sigma: f64,
    epochs: usize,
    learned: Learned,
    states: States,
}

#[derive(Deserialize)]
struct Learned {
    w: Option<Vec<f64>>,
    gain: Option<Vec<f64>>,
    bias: Option<Vec<f64>>,
}

#[derive(Deserialize)]
struct States {
    rows: Vec<usize>,
    values: Vec<Vec<f64>>,
}

fn fixture() -> Fixture {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/esn_plasticity.json"
    );
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn dense(rows: &[Vec<f64>]) -> Array2<f64> {
    let (r, c) = (rows.len(), rows[0].len());
    Array2::from_shape_vec((r, c), rows.concat()).unwrap()
}

/// `|a − b| <= tol·max(|b|, scale)` entry by entry.
fn assert_close(what: &str, a: &[f64], b: &[f64], scale: f64, tol: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * y.abs().max(scale),
            "{what}[{i}]: lsm {x} vs reservoirpy {y}"
        );
    }
}

/// A local rule without threshold nor normalisation.
fn local(rule: LocalRule, eta: f64, epochs: usize) -> SynapticConfig {
    SynapticConfig {
        rule,
        eta,
        bcm_theta: 0.0,
        synapse_normalization: false,
        epochs,
    }
}

#[test]
fn rules_match_reservoirpy() {
    let f = fixture();
    let n = f.n_units;
    let mut w0 = Array2::zeros((n, n));
    for &(i, j, v) in &f.w {
        w0[[i, j]] = v;
    }
    let w_in = dense(&f.w_in);
    let u = Array2::from_shape_vec((f.input.len(), 1), f.input.clone()).unwrap();
    assert_eq!(f.cases.len(), 8);
    for c in &f.cases {
        let act = match c.target {
            Some(IpTarget::Exponential) => Activation::Sigmoid,
            _ => Activation::Tanh,
        };
        let mut esn = Esn::from_dense(w0.view(), w_in.view(), &f.bias, f.leak_rate, act).unwrap();
        if c.kind == "local" {
            let cfg = SynapticConfig {
                rule: c.rule.unwrap(),
                eta: c.eta,
                bcm_theta: c.bcm_theta,
                synapse_normalization: c.synapse_normalization,
                epochs: c.epochs,
            };
            esn.learn_synaptic(&cfg, &[u.view()]).unwrap();
            let w = esn.w_dense();
            let got: Vec<f64> = f.w.iter().map(|&(i, j, _)| w[[i, j]]).collect();
            assert_close(&c.name, &got, c.learned.w.as_ref().unwrap(), 1e-3, 1e-10);
            // Only existing connections change.
            assert_eq!(esn.n_connections(), f.w.len(), "{}", c.name);
        } else {
            let cfg = IntrinsicConfig {
                target: c.target.unwrap(),
                mu: c.mu,
                sigma: c.sigma,
                eta: c.eta,
                epochs: c.epochs,
            };
            let ip = esn.learn_intrinsic(&cfg, &[u.view()]).unwrap();
            let name = format!("{} gain", c.name);
            assert_close(
                &name,
                &ip.gain,
                c.learned.gain.as_ref().unwrap(),
                1e-3,
                1e-10,
            );
            let name = format!("{} bias", c.name);
            assert_close(
                &name,
                &ip.bias,
                c.learned.bias.as_ref().unwrap(),
                1e-3,
                1e-10,
            );
        }
        // The learned reservoir, run from rest over the same input.
        let states = esn.run(u.view(), None).unwrap();
        for (r, want) in c.states.rows.iter().zip(&c.states.values) {
            let got = states.row(*r).to_vec();
            assert_close(&format!("{} states[{r}]", c.name), &got, want, 1e-3, 1e-10);
        }
    }
}

/// One unit with a self-connection of weight `w` and input weight 1, no bias.
fn one_unit(w: f64, act: Activation) -> Esn {
    let wm = Array2::from_elem((1, 1), w);
    let win = Array2::from_elem((1, 1), 1.0);
    Esn::from_dense(wm.view(), win.view(), &[0.0], 1.0, act).unwrap()
}

/// Hebbian on one synapse (a self-connection): `w ← w + η·z(t)·z(t−1)`, summed by hand.
#[test]
fn hebbian_one_synapse_equals_the_hand_sum() {
    let (w0, eta) = (0.3, 0.1);
    let u = [0.5, 0.4, 0.8, 0.3, 0.6];
    let mut esn = one_unit(w0, Activation::Tanh);
    let cfg = local(LocalRule::Hebbian, eta, 1);
    let input = Array2::from_shape_vec((u.len(), 1), u.to_vec()).unwrap();
    esn.learn_synaptic(&cfg, &[input.view()]).unwrap();
    let (mut w, mut x, mut z_prev) = (w0, 0.0f64, 0.0);
    for ut in u {
        let z = w * x + ut;
        x = z.tanh();
        w += eta * z * z_prev;
        z_prev = z;
    }
    let got = esn.w_dense()[[0, 0]];
    assert!((got - w).abs() < 1e-14, "{got} vs {w}");
    assert!((w - w0).abs() > 1e-3, "the rule changed the weight");
}

/// Oja's rule on a (nearly) linear unit converges to the unit-norm principal eigenvector of
/// its inputs' covariance. Units 0 and 1 have no recurrent input and relay the inputs:
/// z_j(t) = u_j(t). Unit 2 reads them through W[2][0..2], so its net input is
/// y(t) = Σ_j W_2j·tanh(u_j(t−1)) and its presynaptic values are z_j(t−1) = u_j(t−1): with
/// small inputs (tanh(p) = p to 3e-4 relative) this is Oja's linear neuron on p.
#[test]
fn oja_converges_to_the_unit_norm_principal_eigenvector() {
    let mut w = Array2::zeros((3, 3));
    w[[2, 0]] = 0.3;
    w[[2, 1]] = 0.1;
    let mut win = Array2::zeros((3, 2));
    win[[0, 0]] = 1.0;
    win[[1, 1]] = 1.0;
    let mut esn = Esn::from_dense(w.view(), win.view(), &[0.0; 3], 1.0, Activation::Tanh).unwrap();
    // Input with covariance [[4, 1.5], [1.5, 1]]·s², deterministic: two sines of phases
    // swept by incommensurate steps (uncorrelated, unit variance each), mixed.
    let s = 0.01;
    let t_len = 200_000;
    let mut u = Array2::zeros((t_len, 2));
    for t in 0..t_len {
        let a = (t as f64 * 0.7548776662466927).fract() * std::f64::consts::TAU;
        let b = (t as f64 * 0.5698402909980532).fract() * std::f64::consts::TAU;
        let (g1, g2) = (a.sin() * 2f64.sqrt(), b.sin() * 2f64.sqrt()); // unit variance each
        u[[t, 0]] = s * (2.0 * g1);
        u[[t, 1]] = s * (0.75 * g1 + (1.0f64 - 0.5625).sqrt() * g2);
    }
    let cfg = local(LocalRule::Oja, 5.0, 1);
    esn.learn_synaptic(&cfg, &[u.view()]).unwrap();
    let wd = esn.w_dense();
    let (a, b) = (wd[[2, 0]], wd[[2, 1]]);
    // Top eigenvector of [[4, 1.5], [1.5, 1]]: λ = (5 + √(9 + 9))/2, v ∝ (1.5, λ − 4).
    let lam = (5.0 + 18f64.sqrt()) / 2.0;
    let (v0, v1) = (1.5, lam - 4.0);
    let nv = (v0 * v0 + v1 * v1).sqrt();
    let norm = (a * a + b * b).sqrt();
    let cos = (a * v0 + b * v1).abs() / (norm * nv);
    assert!((norm - 1.0).abs() < 0.02, "norm {norm}");
    assert!(cos > 0.999, "cos {cos}, w = ({a}, {b})");
}

/// IP with η = 0 leaves the network unchanged (gains 1, biases 0), bit for bit.
#[test]
fn intrinsic_with_zero_rate_changes_nothing() {
    let cfg = EsnConfig {
        n_units: 30,
        in_degree: 5,
        ..EsnConfig::default()
    };
    let e0 = Esn::build(&cfg, 2, 3).unwrap();
    let mut e = e0.clone();
    let u = Array2::from_shape_fn((100, 2), |(t, c)| ((t * (c + 1)) as f64 * 0.1).sin());
    let ipc = IntrinsicConfig {
        target: IpTarget::Gaussian,
        mu: 0.0,
        sigma: 0.2,
        eta: 0.0,
        epochs: 3,
    };
    let ip = e.learn_intrinsic(&ipc, &[u.view()]).unwrap();
    assert!(ip.gain.iter().all(|g| *g == 1.0) && ip.bias.iter().all(|h| *h == 0.0));
    assert_eq!(e, e0);
    let sc = local(LocalRule::Oja, 0.0, 2);
    e.learn_synaptic(&sc, &[u.view()]).unwrap();
    assert_eq!(e, e0);
}

/// Gaussian IP moves the output distribution towards the target: with a narrow target the
/// standard deviation of the states falls, and the learned network is saved and loaded
/// unchanged; a sigmoid network (exponential target) keeps its activation through a file.
#[test]
fn intrinsic_shapes_the_states_and_survives_serialisation() {
    let u = Array2::from_shape_fn((2000, 1), |(t, _)| (t as f64 * 0.3).sin());
    let sd = |e: &Esn, u: ArrayView2<f64>| {
        let x = e.run(u, None).unwrap();
        let m = x.mean().unwrap();
        (x.mapv(|v| (v - m) * (v - m)).mean().unwrap()).sqrt()
    };
    for (target, mu, sigma) in [
        (IpTarget::Gaussian, 0.0, 0.1),
        (IpTarget::Exponential, 0.2, 1.0),
    ] {
        let ipc = IntrinsicConfig {
            target,
            mu,
            sigma,
            eta: 1e-3,
            epochs: 2,
        };
        let cfg = EsnConfig {
            n_units: 40,
            in_degree: 5,
            input_scaling: 1.0,
            intrinsic: Some(ipc.clone()),
            ..EsnConfig::default()
        };
        let e0 = Esn::build(&cfg, 1, 5).unwrap();
        assert_eq!(e0.activation(), ipc.activation());
        let mut e = e0.clone();
        e.learn(&cfg, &[u.view()]).unwrap();
        let x = e.run(u.view(), None).unwrap();
        let mean = x.mean().unwrap();
        if target == IpTarget::Gaussian {
            let (before, after) = (sd(&e0, u.view()), sd(&e, u.view()));
            assert!(after < 0.6 * before, "sd {before} -> {after}");
        } else {
            // Sigmoid outputs, mean pulled towards μ = 0.2 from ~0.5.
            assert!(x.iter().all(|v| *v > 0.0 && *v < 1.0));
            assert!(mean < 0.35, "mean {mean}");
        }
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json.contains("sigmoid"), target == IpTarget::Exponential);
        let back: Esn = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
    }
}

#[test]
fn bad_configs_name_the_field() {
    let base = EsnConfig {
        n_units: 10,
        in_degree: 2,
        ..EsnConfig::default()
    };
    // (object, its fields, the field the error must name)
    let cases = [
        ("plasticity", r#""rule": "oja", "eta": -1"#, "eta"),
        ("plasticity", r#""rule": "oja", "epochs": 0"#, "epochs"),
        (
            "plasticity",
            r#""rule": "hebbian", "bcm_theta": 0.5"#,
            "bcm_theta",
        ),
        ("intrinsic", r#""target": "exponential", "mu": 0"#, "mu"),
        ("intrinsic", r#""target": "gaussian", "sigma": 0"#, "sigma"),
        ("intrinsic", r#""target": "gaussian", "eta": -0.1"#, "eta"),
        (
            "intrinsic",
            r#""target": "gaussian", "epochs": 0"#,
            "epochs",
        ),
    ];
    for (object, fields, field) in cases {
        let json = format!(r#"{{"{object}": {{{fields}}}}}"#);
        let field = format!("{object}.{field}");
        let mut v = serde_json::to_value(&base).unwrap();
        let extra: serde_json::Value = serde_json::from_str(&json).unwrap();
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        match serde_json::from_value::<EsnConfig>(v) {
            Ok(c) => {
                let e = c.validate().unwrap_err().to_string();
                assert!(e.contains(&field), "{json}: {e}");
            }
            Err(e) => panic!("{json}: {e}"),
        }
    }
    // Unknown fields are refused.
    let v = serde_json::json!({"plasticity": {"rule": "oja", "rate": 1}});
    assert!(serde_json::from_value::<EsnConfig>(v).is_err());
    // A divergent Hebbian rule is an error naming the field, not NaN weights.
    let mut e = Esn::build(&base, 1, 1).unwrap();
    let u = Array2::from_elem((500, 1), 1.0);
    let sc = local(LocalRule::Hebbian, 10.0, 1);
    let err = e.learn_synaptic(&sc, &[u.view()]).unwrap_err().to_string();
    assert!(
        err.contains("plasticity.eta") && err.contains("non-finite"),
        "{err}"
    );
}

/// Without the rules the config serialises as before (no new keys) and builds the same
/// network.
#[test]
fn absent_rules_change_nothing() {
    let cfg = EsnConfig::default();
    let v = serde_json::to_value(&cfg).unwrap();
    assert!(v.get("plasticity").is_none() && v.get("intrinsic").is_none());
    let e = Esn::build(&cfg, 1, 9).unwrap();
    let mut e2 = e.clone();
    assert!(e2.learn(&cfg, &[]).unwrap().is_none());
    assert_eq!(e, e2);
    assert!(!serde_json::to_string(&e).unwrap().contains("activation"));
}
