//! Echo state network: weights, spectral radius, echo-state property, update equation.

use lsm_reservoir::esn::{Esn, EsnConfig, EsnWeightDist, InputDist};
use ndarray::Array2;

fn cfg(n: usize, k: usize, sr: f64) -> EsnConfig {
    EsnConfig {
        n_units: n,
        in_degree: k,
        spectral_radius: sr,
        ..EsnConfig::default()
    }
}

/// 2 × 2 case against the closed-form eigenvalues λ = (tr ± √(tr² − 4 det)) / 2.
#[test]
fn spectral_radius_matches_closed_form_2x2() {
    for seed in 0..20 {
        let e = Esn::build(&cfg(2, 2, 0.7), 1, seed).unwrap();
        let w = e.w_dense();
        let (a, b, c, d) = (w[[0, 0]], w[[0, 1]], w[[1, 0]], w[[1, 1]]);
        let tr = a + d;
        let det = a * d - b * c;
        let disc = tr * tr - 4.0 * det;
        let rho = if disc >= 0.0 {
            ((tr + disc.sqrt()) / 2.0)
                .abs()
                .max(((tr - disc.sqrt()) / 2.0).abs())
        } else {
            det.sqrt() // complex pair: |λ|² = det
        };
        assert!((rho - 0.7).abs() < 1e-12, "seed {seed}: {rho}");
    }
}

/// Rescaling is exact to 1e-6 for realistic sizes, and consistent with Gelfand's formula
/// ρ = lim ‖Wᵏ‖^{1/k} (an upper bound for every k).
#[test]
fn spectral_radius_rescaling_exact() {
    for (n, k, dist) in [
        (200, 10, EsnWeightDist::Normal),
        (300, 30, EsnWeightDist::Uniform),
        (150, 150, EsnWeightDist::Normal),
    ] {
        for sr in [0.5, 0.95, 1.25] {
            let c = EsnConfig {
                weights: dist,
                ..cfg(n, k, sr)
            };
            let e = Esn::build(&c, 2, 3).unwrap();
            let rho = e.spectral_radius().unwrap();
            assert!((rho - sr).abs() < 1e-6, "n {n} k {k} sr {sr}: {rho}");
            // Gelfand: ‖W^64‖_F^{1/64} >= ρ and close to it.
            let w = e.w_dense();
            let mut p = w.clone();
            let mut log_scale = 0.0;
            for _ in 0..63 {
                p = p.dot(&w);
                let f = p.iter().map(|v| v * v).sum::<f64>().sqrt();
                p /= f;
                log_scale += f.ln();
            }
            let f = p.iter().map(|v| v * v).sum::<f64>().sqrt();
            let g = ((log_scale + f.ln()) / 64.0).exp();
            assert!(
                g >= rho * (1.0 - 1e-9) && g < rho * 1.25,
                "gelfand {g} rho {rho}"
            );
        }
    }
}

/// Two different initial states converge under the same input (echo-state property).
#[test]
fn echo_state_property() {
    let e = Esn::build(&cfg(300, 10, 0.9), 1, 11).unwrap();
    let u = Array2::from_shape_fn((400, 1), |(t, _)| (t as f64 * 0.3).sin() * 0.8);
    let a = e.run(u.view(), Some(&vec![0.9; 300])).unwrap();
    let b = e.run(u.view(), Some(&vec![-0.9; 300])).unwrap();
    let d0: f64 = (&a.row(0) - &b.row(0))
        .iter()
        .map(|v| v.abs())
        .fold(0.0, f64::max);
    let d_end: f64 = (&a.row(399) - &b.row(399))
        .iter()
        .map(|v| v.abs())
        .fold(0.0, f64::max);
    assert!(d0 > 0.1, "{d0}");
    assert!(d_end < 1e-9, "states did not converge: {d_end}");
}

/// One step by hand with leak and bias: x' = (1 − a)x + a·tanh(Wx + W_in u + b).
#[test]
fn update_equation_by_hand() {
    let c = EsnConfig {
        leak_rate: 0.3,
        bias_scaling: 0.5,
        input_weights: InputDist::Bernoulli,
        input_scaling: 0.25,
        ..cfg(20, 4, 0.8)
    };
    let e = Esn::build(&c, 2, 5).unwrap();
    let w = e.w_dense();
    let x0: Vec<f64> = (0..20).map(|i| (i as f64 * 0.37).sin() * 0.5).collect();
    let u = [0.3, -0.7];
    // Recover W_in and b from responses with W x = 0 (x = 0): pre = W_in u + b.
    let z = vec![0.0; 20];
    let mut pre_b = [0.0; 20];
    let mut s = vec![0.0; 20];
    let mut x = z.clone();
    e.step(&mut x, &[0.0, 0.0], &mut s);
    for i in 0..20 {
        pre_b[i] = (x[i] / 0.3).atanh();
    }
    // With bias b and Bernoulli inputs of ±0.25 the bias is within ±0.5.
    assert!(pre_b.iter().all(|b| b.abs() <= 0.5 + 1e-12));
    let mut x = x0.clone();
    e.step(&mut x, &u, &mut s);
    let mut x1 = z.clone();
    e.step(&mut x1, &u, &mut s);
    for i in 0..20 {
        let win_u = (x1[i] / 0.3).atanh() - pre_b[i];
        let wx: f64 = (0..20).map(|j| w[[i, j]] * x0[j]).sum();
        let expect = 0.7 * x0[i] + 0.3 * (wx + win_u + pre_b[i]).tanh();
        assert!(
            (x[i] - expect).abs() < 1e-12,
            "unit {i}: {} vs {expect}",
            x[i]
        );
        // Bernoulli ±0.25 input weights: W_in·u is a sum of ±0.075 and ±0.175.
        let ok = [-0.25, 0.1, -0.1, 0.25]
            .iter()
            .any(|v| (win_u - v).abs() < 1e-9);
        assert!(ok, "unit {i}: W_in u = {win_u}");
    }
}

#[test]
fn config_errors_name_the_field() {
    let e = Esn::build(&cfg(10, 11, 0.9), 1, 0).unwrap_err().to_string();
    assert!(e.contains("in_degree"), "{e}");
    let e = Esn::build(
        &EsnConfig {
            leak_rate: 0.0,
            ..cfg(10, 2, 0.9)
        },
        1,
        0,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("leak_rate"), "{e}");
    let e = Esn::build(&cfg(10, 2, 0.9), 0, 0).unwrap_err().to_string();
    assert!(e.contains("input"), "{e}");
    let bad: Result<EsnConfig, _> = serde_json::from_str(r#"{"n_units": 10, "units": 5}"#);
    assert!(bad.unwrap_err().to_string().contains("units"));
}

#[test]
fn serde_round_trip_keeps_every_weight() {
    let e = Esn::build(&cfg(50, 5, 1.1), 3, 9).unwrap();
    let text = serde_json::to_string(&e).unwrap();
    let back: Esn = serde_json::from_str(&text).unwrap();
    assert_eq!(e, back);
    let u = Array2::from_shape_fn((30, 3), |(t, k)| ((t * (k + 1)) as f64).cos());
    assert_eq!(
        e.run(u.view(), None).unwrap(),
        back.run(u.view(), None).unwrap()
    );
}
